"""The database explains itself: every table, view and column has a description, and the README's
data dictionary is generated from them."""

from __future__ import annotations

import duckdb

from conftest import ROOT
from consultation import store
from consultation.store import dictionary


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
        "README's data dictionary is out of date: python -m consultation.store.dictionary README.md"
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



def test_every_description_is_written_in_comments_sql():
    """One home for the descriptions: comments.sql, applied after the views on every write
    connection (a description in a schema file would be lost with its view, or written twice)."""
    sql = ROOT / "src" / "consultation" / "store" / "sql"
    elsewhere = [f"{path.name}:{number}" for path in sorted(sql.rglob("*.sql")) if path.name != store.COMMENTS_FILE
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if line.lstrip().upper().startswith("COMMENT ON")]
    assert elsewhere == []
    assert "COMMENT ON TABLE unit_decisions" in (sql / store.COMMENTS_FILE).read_text(encoding="utf-8")

# -- the library's bookkeeping lives in its own schema, out of the analysts' way -----------------


def _main_objects(con) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = current_database() "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal "
        "AND database_name = current_database()").fetchall()}


def _make_old_layout(con) -> None:
    """Turn a file into what versions before the `interne` schema wrote: the cache, its state and
    the stamp view in `main`, no `interne` schema."""
    con.execute("CREATE TABLE main.tally_cache AS SELECT * FROM interne.tally_cache")
    con.execute("CREATE TABLE main.tally_cache_state (consultation_id VARCHAR PRIMARY KEY, stamp VARCHAR NOT NULL, "
                "refreshed_at TIMESTAMP NOT NULL)")
    con.execute("INSERT INTO main.tally_cache_state SELECT * FROM interne.tally_cache_state")
    view = con.execute("SELECT sql FROM duckdb_views() WHERE schema_name = 'interne' AND view_name = 'tally_input_stamp'").fetchone()[0]
    con.execute(view.replace("interne.tally_input_stamp", "main.tally_input_stamp"))
    con.execute("DROP SCHEMA interne CASCADE")
    con.execute("DELETE FROM schema_version WHERE version >= 3")  # the migration that made `interne`


def test_a_file_of_the_old_layout_is_read_then_moved_on_the_first_writable_open(tmp_path):
    import consultation
    from consultation.tally import refresh_tallies
    from test_tally import CID, build_mini

    path = tmp_path / "old.duckdb"
    con = store.connect(path)
    build_mini(con)
    refresh_tallies(con, CID)
    expected = con.execute("SELECT * FROM tally ORDER BY ALL").fetchdf()
    state = con.execute("SELECT * FROM interne.tally_cache_state").fetchall()
    _make_old_layout(con)
    con.close()

    with consultation.open(path) as db:  # read-only, as analysts open it: still answers
        assert len(db.tallies(by="national")) > 0
    con = store.connect(path)
    try:
        assert not {"tally_cache", "tally_cache_state", "tally_input_stamp"} & _main_objects(con)
        assert con.execute("SELECT * FROM interne.tally_cache_state").fetchall() == state  # rows kept
        moved = con.execute("SELECT * FROM interne.tally_cache ORDER BY ALL").fetchdf()
        assert moved.equals(expected)
    finally:
        con.close()
    with consultation.open(path) as db:
        assert len(db.tallies(by="national")) > 0


def test_bookkeeping_is_in_schema_interne_and_the_dictionary_lists_only_main(tmp_path):
    from consultation.tally import refresh_tallies
    from test_tally import CID, build_mini

    con = store.connect(tmp_path / "c.duckdb")
    try:
        build_mini(con)
        refresh_tallies(con, CID)
        internal = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'interne' "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'interne'").fetchall()}
        listed = {name for name, _, _ in dictionary.objects(con)}
        assert {"tally_cache", "tally_cache_state", "tally_input_stamp"} <= internal
        assert not ({n for n in _main_objects(con) if n.startswith("tally_")} - {"tally_answered"})
        assert not (listed & internal) and "tally" in listed
    finally:
        con.close()


def test_a_read_only_open_rewrites_the_views_only_when_the_file_holds_others(tmp_path):
    from consultation.api import connect

    path = tmp_path / "c.duckdb"
    store.connect(path).close()

    def temporary_views() -> int:
        con = connect(path, read_only=True)
        try:
            return con.execute("SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal").fetchone()[0]
        finally:
            con.close()

    assert temporary_views() == 0  # this version wrote them: used as they are, nothing recreated
    con = store.connect(path)
    con.execute("CREATE OR REPLACE VIEW tally AS SELECT 1 AS x")  # as an older version, or a hand, could
    con.close()
    assert temporary_views() >= 10  # this version's views, for this connection only
    store.connect(path).close()  # a writable open of this version puts its views back
    assert temporary_views() == 0
