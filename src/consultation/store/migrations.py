"""Which version of the schema a database file has, and the ordered steps that bring it to this one.

Every write connection (`store.connect`) runs, in its one transaction, each migration the file has
not had yet and records it in `schema_version`; views and comments are derived objects and are
recreated from the package's SQL by a write connection, unless the file's are already this
version's, untouched (`store.views_are_current`). A file without `schema_version` was
made before versions were recorded (release 0.1.0): the baseline's `CREATE … IF NOT EXISTS` and
`ADD COLUMN IF NOT EXISTS` bring it to version 1, and `tests/test_migrations.py` checks that on a
database exported from that release.

Rules for a change to the schema: never edit a migration that has shipped; add the next one
(a file `sql/migrations/NNNN_what.sql`, or a function when the change needs Python), append it to
`MIGRATIONS`, and describe what it does in French (`consultation` shows it to users).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

import duckdb

from consultation.errors import ConsultationError


class SchemaVersionError(ConsultationError):
    """The file was written by a newer version of the package."""


@dataclass(frozen=True)
class Migration:
    version: int
    description: str  # French: shown to whoever upgrades a file
    sql_files: tuple[str, ...] = ()  # in the package's sql/ folder, run in order
    run: Callable[[duckdb.DuckDBPyConnection], None] | None = None


def _move_bookkeeping_to_internal_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Move the tally cache's bookkeeping out of `main` into `interne` (rows kept); the old stamp
    view is dropped (the views, recreated after the migrations, put it in `interne`)."""
    found = dict(con.execute(
        "SELECT table_name, 'table' FROM duckdb_tables() WHERE schema_name = 'main' "
        "AND database_name = current_database() AND table_name IN ('tally_cache_state', 'tally_cache') "
        "UNION ALL SELECT view_name, 'view' FROM duckdb_views() WHERE schema_name = 'main' "
        "AND database_name = current_database() AND view_name = 'tally_input_stamp'"
    ).fetchall())
    if "tally_cache_state" in found:  # the new table has its key (schema_interne.sql): copy the rows
        con.execute("INSERT OR REPLACE INTO interne.tally_cache_state SELECT * FROM main.tally_cache_state")
        con.execute("DROP TABLE main.tally_cache_state")
    if "tally_cache" in found:
        con.execute("CREATE OR REPLACE TABLE interne.tally_cache AS SELECT * FROM main.tally_cache")
        con.execute("DROP TABLE main.tally_cache")
    if "tally_input_stamp" in found:
        con.execute("DROP VIEW main.tally_input_stamp")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "schéma de la version 0.1.0 (tables de base et cache des décomptes)",
              ("schema.sql", "schema_tally.sql")),
    Migration(2, "décisions enregistrées par unité, pour recalculer les effectifs corrigés sans tout redécider",
              ("schema_coding.sql",)),
    Migration(3, "tables internes (cache des décomptes, version des vues) rangées dans le schéma « interne »",
              ("schema_interne.sql",), _move_bookkeeping_to_internal_schema),
)

SCHEMA_VERSION = MIGRATIONS[-1].version

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    description VARCHAR NOT NULL,
    applied_at  TIMESTAMP NOT NULL
)
"""


def _read(name: str) -> str:
    return resources.files("consultation.store").joinpath("sql", name).read_text(encoding="utf-8")


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The file's schema version: 0 for a new file or one made before versions were recorded."""
    has_table = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version' AND NOT temporary"
    ).fetchone()
    if not has_table or not has_table[0]:
        return 0
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def check_not_newer(con: duckdb.DuckDBPyConnection, path: object) -> int:
    """The file's version, refused with a message when this package is older than the file."""
    version = current_version(con)
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{path} : base au schéma n° {version}, écrite par une version plus récente de "
            f"consultation (celle-ci connaît le schéma n° {SCHEMA_VERSION}). Mettez consultation "
            "à jour pour l'ouvrir ; la base n'a pas été modifiée."
        )
    return version


def upgrade(con: duckdb.DuckDBPyConnection, path: object = None) -> list[Migration]:
    """Apply the migrations the file lacks, in order (inside the caller's transaction)."""
    version = check_not_newer(con, path)
    con.execute(_VERSION_TABLE)
    applied = []
    for migration in MIGRATIONS:
        if migration.version <= version:
            continue
        for name in migration.sql_files:
            con.execute(_read(name))
        if migration.run is not None:
            migration.run(con)
        con.execute(
            "INSERT INTO schema_version VALUES (?, ?, ?)",
            [migration.version, migration.description, datetime.now()],
        )
        applied.append(migration)
    return applied
