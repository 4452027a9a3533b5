"""The database explains itself: every table, view and column has a description, and the README's
data dictionary is generated from them."""

from __future__ import annotations

import duckdb

from conftest import ROOT
from consultation import dictionary, store


def test_every_table_view_and_column_is_described():
    con = store.connect(None)
    try:
        listed = dictionary.objects(con)
        assert len(listed) >= 25  # the 15 tables and 14 views of a new database
        undescribed = [name for name, _, comment in listed if not (comment or "").strip()]
        columns = [(name, c) for name, _, _ in listed for c, _, text in dictionary.columns(con, name)
                   if not (text or "").strip()]
    finally:
        con.close()
    assert undescribed == [] and columns == []


def test_readme_data_dictionary_is_the_generated_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert dictionary.BEGIN in readme
    assert dictionary.replace_section(readme, dictionary.fresh()) == readme, (
        "README's data dictionary is out of date: python -m consultation.dictionary README.md"
    )


def test_descriptions_stay_in_the_file_and_survive_reconnection(tmp_path):
    db = tmp_path / "consultation.duckdb"
    store.connect(db).close()
    store.connect(db).close()  # views are recreated on every connection: their comments with them
    con = duckdb.connect(str(db), read_only=True)  # as an analyst opens it with the duckdb CLI
    try:
        comment = con.execute("SELECT comment FROM duckdb_views() WHERE view_name = 'tally'").fetchone()[0]
        column = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'tally' AND column_name = 'share_pct'"
        ).fetchone()[0]
    finally:
        con.close()
    assert comment.startswith("The counts") and "%" in column
