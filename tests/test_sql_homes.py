"""SQL runs only where running it is the module's job: the store layer, the query modules, and the
stages that write their own tables (each listed below with its reason). The CLI, charts, quotes,
run summaries, notebooks and the pipeline ask those modules; a new module that runs SQL of its own
fails this test until it moves the query or earns a line here."""

from __future__ import annotations

import ast
from pathlib import Path

from test_import_cycles import SRC, module_name

# Calls that run SQL text on a DuckDB connection (or on duckdb's default one).
SQL_CALLS = {"execute", "executemany", "sql", "query", "read_sql"}
# Same method name, no SQL: matplotlib's layout engine.
NOT_SQL = {("consultation.publish.charts", "engine.execute")}

ALLOWED = {
    # the store layer: connection, schema, migrations, locating a database, fingerprints, reads
    "consultation.store": "the connection layer and its writes",
    "consultation.store.migrations": "schema versions",
    "consultation.store.paths": "which consultation a database file holds",
    "consultation.store.dictionary": "the catalogue's comments",
    "consultation.store.fingerprints": "the database's content hash, computed inside DuckDB",
    "consultation.store.queries": "the reads commands and helpers need",
    # query modules: their job is a query
    "consultation.tally": "counts per scope",
    "consultation.api": "the analysts' Python API over the views",
    # stages writing and reading their own tables, inside their transactions
    "consultation.ingest.core": "answers, quarantine, source files, data checks",
    "consultation.ingest.sources": "which source files are recorded",
    "consultation.coding.run": "units, codes and decisions of the one coding path",
    "consultation.coding.training": "training units and the models table",
    "consultation.coding.estimate": "corrected counts",
    "consultation.coding.evaluate": "evaluations",
    "consultation.coding.review": "review sheets in and out",
    "consultation.coding.discover": "« Autres » units to mine",
    "consultation.coding.codings": "final codes of a question",
    "consultation.coding.model_state": "the models and evaluations tables",
    "consultation.publish.figures": "the reports' figures: its job is a query",
}


def sql_calls(path: Path, module: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
            call = ast.unparse(node.func)
            if (module, call) not in NOT_SQL:
                found.append(f"{module}:{node.lineno} {call}(")
    return found


def test_sql_runs_only_in_the_store_the_query_modules_and_the_stages_tables():
    stray = [hit for path in sorted(SRC.rglob("*.py")) for hit in sql_calls(path, module_name(path))
             if module_name(path) not in ALLOWED]
    assert stray == [], "SQL outside the store and query modules (move it to consultation.store.queries):\n" + "\n".join(stray)


def test_every_allowed_module_still_runs_sql():
    """A module that no longer runs SQL leaves the list, so the list never hides a new one."""
    modules = {module_name(p): p for p in SRC.rglob("*.py")}
    idle = [m for m in ALLOWED if m in modules and not sql_calls(modules[m], m)]
    missing = [m for m in ALLOWED if m not in modules]
    assert idle == [] and missing == []


def test_the_finder_sees_sql_calls_and_not_the_chart_engine(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("def f(con, engine, fig):\n    con.execute('SELECT 1')\n    duckdb.sql('SELECT 2')\n"
                    "    engine.execute(fig)\n")
    assert sql_calls(path, "consultation.cli.x") == ["consultation.cli.x:2 con.execute(", "consultation.cli.x:3 duckdb.sql(",
                                                      "consultation.cli.x:4 engine.execute("]
    assert sql_calls(path, "consultation.publish.charts") == ["consultation.publish.charts:2 con.execute(",
                                                              "consultation.publish.charts:3 duckdb.sql("]
