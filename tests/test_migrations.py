"""A database file records its schema version, and the migrations upgrade one written by an
older release without losing a row."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from consultation import store
from consultation.store import migrations

OLD_RELEASE = Path(__file__).parent / "data" / "db-0.1.0"
TABLES = ("respondents", "answers", "human_codes", "auto_codes", "units", "quarantine", "source_files",
          "count_estimates", "models", "evaluations")


def _old_release_file(target: Path) -> Path:
    """The database as release 0.1.0 left it, rebuilt from its export."""
    con = duckdb.connect(str(target))
    # The export lists views by name, not in the order they build on each other.
    pending = [s for s in (OLD_RELEASE / "schema.sql").read_text(encoding="utf-8").split(";\n") if s.strip()]
    while pending:
        failed = []
        for statement in pending:
            try:
                con.execute(statement)
            except duckdb.CatalogException:
                failed.append(statement)
        assert len(failed) < len(pending), failed[0]
        pending = failed
    con.execute((OLD_RELEASE / "load.sql").read_text(encoding="utf-8").replace("{folder}", str(OLD_RELEASE)))
    con.close()
    return target


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608


def test_a_new_file_records_every_migration():
    con = store.connect(None)
    rows = con.execute("SELECT version, description FROM schema_version ORDER BY version").fetchall()
    assert [v for v, _ in rows] == [m.version for m in migrations.MIGRATIONS]
    assert migrations.current_version(con) == migrations.SCHEMA_VERSION
    assert all(description for _, description in rows)


def test_a_file_from_release_0_1_0_is_upgraded_in_place_without_losing_a_row(tmp_path):
    path = _old_release_file(tmp_path / "consultation.duckdb")
    before = duckdb.connect(str(path), read_only=True)
    old_counts = _counts(before)
    assert migrations.current_version(before) == 0  # that release recorded no version
    before.close()
    assert old_counts["respondents"] == 5 and old_counts["auto_codes"] > 0

    con = store.connect(path)
    assert migrations.current_version(con) == migrations.SCHEMA_VERSION
    assert _counts(con) == old_counts
    # The views are today's, and answer over the old rows.
    citing, answered = con.execute(
        "SELECT sum(respondents_citing), max(respondents_answered) FROM tally "
        "WHERE consultation_id = 'mini' AND scope_kind = 'national'"
    ).fetchone()
    assert citing > 0 and answered == 5
    # The tally cache's bookkeeping moved to schema `interne`, rows kept.
    in_main = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name LIKE 'tally_cache%'"
    ).fetchone()[0]
    assert in_main == 0
    assert con.execute("SELECT count(*) FROM interne.tally_cache_state").fetchone()[0] == 1
    con.close()
    # Opening again applies nothing more.
    con = store.connect(path)
    assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(migrations.MIGRATIONS)
    con.close()


def test_a_file_from_a_newer_release_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "consultation.duckdb"
    store.connect(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (?, 'future', now())", [migrations.SCHEMA_VERSION + 1])
    con.close()
    for read_only in (False, True):
        with pytest.raises(migrations.SchemaVersionError, match="version plus récente de consultation"):
            store.connect(path, read_only=read_only)
    # Not locked by a half-open connection, and unchanged.
    con = duckdb.connect(str(path), read_only=True)
    assert migrations.current_version(con) == migrations.SCHEMA_VERSION + 1
    con.close()


def test_a_failing_migration_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = _old_release_file(tmp_path / "consultation.duckdb")
    broken = migrations.Migration(migrations.SCHEMA_VERSION + 1, "échoue exprès",
                                  run=lambda con: con.execute("SELECT * FROM no_such_table"))
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", broken.version)
    with pytest.raises(duckdb.CatalogException):
        store.connect(path)
    con = duckdb.connect(str(path), read_only=True)
    assert migrations.current_version(con) == 0  # not even the baseline was recorded
    con.close()
