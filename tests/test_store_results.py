"""Store helpers leave no DuckDB result open on the caller's connection (DuckDB 2.0 refuses the
next `register()` on a connection whose last result was not read to its end)."""

from __future__ import annotations

import pandas as pd

from conftest import MINI_DIR
from consultation import store
from consultation.codebook import load_consultation


def test_codebook_version_leaves_the_connection_usable(tmp_path):
    consultation = load_consultation(MINI_DIR)
    con = store.connect(tmp_path / "consultation.duckdb")
    try:
        store.register_codebook(con, consultation)
        con.execute("UPDATE consultations SET codebook_version = 1 WHERE consultation_id = ?", [consultation.id])
        for cid, expected in ((consultation.id, 1), ("absente", 0)):
            assert store.codebook_version(con, cid) == expected
            # What a caller does next on the same connection: register a frame and read it back.
            con.register("frame", pd.DataFrame({"x": [1, 2]}))
            assert con.execute("SELECT sum(x) FROM frame").fetchall() == [(3,)]
            con.unregister("frame")
    finally:
        con.close()
