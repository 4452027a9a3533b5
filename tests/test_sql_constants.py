"""The names the counts give to the whole country (« France ») and to a missing structure type
(« Non précisé ») are defined once, as macros of tally.sql; Python reads them from there."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd

from consultation import store
from consultation.tally import NATIONAL_SCOPE, UNKNOWN_STRUCTURE_TYPE, select_tally
from test_tally import CID, build_mini

SRC = Path(__file__).resolve().parents[1] / "src" / "consultation"
VALUES = {"national_scope": NATIONAL_SCOPE, "unknown_structure_type": UNKNOWN_STRUCTURE_TYPE}


def test_python_and_duckdb_agree_on_the_names():
    con = store.connect(None)
    got = con.execute("SELECT national_scope(), unknown_structure_type()").fetchone()
    assert got == (NATIONAL_SCOPE, UNKNOWN_STRUCTURE_TYPE) == ("France", "Non précisé")


def test_the_counts_use_those_names():
    con = store.connect(None)
    build_mini(con)
    con.execute("UPDATE respondents SET structure_type = NULL WHERE respondent_id = 'A5'")
    rows = select_tally(con, CID, use_cache=False)
    assert set(rows.loc[rows["scope_kind"] == "national", "scope"]) == {NATIONAL_SCOPE}
    types = rows.loc[rows["scope_kind"] == "structure_type", "scope"]
    assert UNKNOWN_STRUCTURE_TYPE in set(types)
    assert not pd.isna(types).any()


def _sql_without_comments(text: str) -> str:
    return "\n".join(line.split("--")[0] for line in text.splitlines())


def test_no_other_copy_of_the_names():
    copies = []
    for path in sorted((SRC / "store" / "sql").glob("*.sql")):
        if path.name == "comments.sql":  # the documentation of the columns quotes them
            continue
        sql = _sql_without_comments(path.read_text(encoding="utf-8"))
        for value in VALUES.values():
            copies += [f"{path.name}:{sql[:m.start()].count(chr(10)) + 1}" for m in re.finditer(f"'{value}'", sql)]
    definitions = [c for c in copies if c.startswith("tally.sql")]
    assert len(definitions) == 2 and len(copies) == 2, copies
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "notebook.py":  # being rewritten by another change
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in VALUES.values():
                copies.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert len(copies) == 2, copies
