"""The store: the DuckDB file, its schema (sql/), layered views and the few writes the pipeline makes.

This module connects (upgrading the file through `migrations`) and writes; `paths` finds a database
from a path, `queries` holds the reads commands and helpers need, `fingerprints` the cache keys,
`dictionary` documents the tables and views."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from consultation.errors import ConsultationError, DatabaseBusyError
from consultation.store import migrations

if TYPE_CHECKING:  # the codebook (pydantic, yaml) is not needed to read a database: kept off the API's import
    from consultation.codebook import Consultation

# Tables come from the migrations (migrations.py); views are layered in this order, then any
# views_<area>.sql.
SQL_FILES_VIEWS = ("views.sql", "tally.sql")
# What every table, view and column means (COMMENT ON), applied last.
COMMENTS_FILE = "comments.sql"
# The library's bookkeeping (tally cache, views' version) lives in schema `interne`, out of the
# analysts' way (migration 3, sql/schema_interne.sql).


def _sql_files() -> list[str]:
    """The view files, in the order they build on each other."""
    names = sorted(p.name for p in resources.files("consultation.store").joinpath("sql").iterdir() if p.name.endswith(".sql"))
    extra_views = [n for n in names if n.startswith("views_")]
    return [*SQL_FILES_VIEWS, *extra_views]


@cache
def read_sql(name: str) -> str:
    return resources.files("consultation.store").joinpath("sql", name).read_text(encoding="utf-8")


@cache
def views_fingerprint() -> str:
    """Hash of the SQL a write connection runs on a file (tables' `IF NOT EXISTS` schema, views,
    comments): a new version of the package has other views (or tables, or describes them
    otherwise)."""
    digest = hashlib.md5(usedforsecurity=False)
    for name in [*_sql_files(), COMMENTS_FILE]:
        digest.update(read_sql(name).encode("utf-8"))
    return digest.hexdigest()


_CATALOG_HASH = (
    "SELECT md5(coalesce(string_agg(schema_name || '.' || view_name || ':' || sql, '|' "
    "ORDER BY schema_name, view_name), '')) FROM duckdb_views() "
    "WHERE NOT internal AND NOT temporary AND database_name = current_database()"
)


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    """The one row an aggregate query returns, read to its end.

    `fetchone()` would leave the result open on the connection (DuckDB 2.0 then refuses the next
    `register()`), and its `None` is not a case an aggregate has.
    """
    rows = con.execute(sql, params or []).fetchall()
    if len(rows) != 1:
        raise ValueError(f"one row expected, {len(rows)} returned by: {sql}")
    return rows[0]


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The one value of an aggregate query (`SELECT count(*) ...`), read to its end."""
    return one_row(con, sql, params)[0]


def views_are_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the file's views are this version's, as this version wrote them (False for a file
    made before this was recorded, by another version, or whose views were rewritten since)."""
    try:  # duckdb_tables() would cost more than the whole check
        row = con.execute("SELECT views_fingerprint, catalog_hash FROM interne.views_state").fetchone()
    except duckdb.CatalogException:
        return False
    return row is not None and row == (views_fingerprint(), scalar(con, _CATALOG_HASH))


def connect(db_path: str | Path | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and create if needed) a consultation database; `None` gives an in-memory one."""
    target = ":memory:" if db_path is None else str(db_path)
    if "\\" in target and os.sep == "/":
        # DuckDB reads a backslash as a folder separator: it would open another path, or fail
        # with an IOException that reached users as a traceback.
        raise ConsultationError(
            f"{db_path} : DuckDB ne sait pas ouvrir une base dont le chemin contient une barre oblique "
            "inverse « \\ » (il la lit comme un séparateur de dossiers) ; choisissez un dossier de "
            "sorties, ou un dossier de consultation, sans ce caractère"
        )
    if db_path is not None and not read_only:
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusyError(
                f"{db_path} : la base est ouverte par un autre programme. Si c'est un notebook, "
                "fermez-la (db.close(), ou redémarrez le noyau du notebook) ; si c'est un traitement "
                "en cours (consultation run, flux nocturne), attendez sa fin. Puis relancez."
            ) from None
        raise
    try:
        if read_only:
            migrations.check_not_newer(con, db_path)
        else:
            _upgrade(con, db_path)
    except BaseException:
        con.close()
        raise
    return con


def _upgrade(con: duckdb.DuckDBPyConnection, db_path: str | Path | None) -> None:
    """The schema's missing migrations, then every view and comment, in one transaction: a file's
    catalogue is written once, not once per statement (the ~300 comments alone take 0.6 s
    statement by statement, 0.1 s together), and a failed upgrade leaves the file as it was.
    The views' version is recorded last, so that read-only connections can use them as they are.

    Nothing is written when the file has every migration and its views are this version's, as
    this version wrote them (`views_are_current`: same SQL and comments, catalogue untouched
    since): a flow opens the database once per task, and rewriting identical views each time
    cost about 0.2 s per opening at 1M answers."""
    if migrations.check_not_newer(con, db_path) == migrations.SCHEMA_VERSION and views_are_current(con):
        return
    with transaction(con):
        migrations.upgrade(con, db_path)
        for name in _sql_files():
            con.execute(read_sql(name))
        con.execute(read_sql(COMMENTS_FILE))  # after the views: recreating a view drops its comments
        con.execute("DELETE FROM interne.views_state")
        catalog = scalar(con, _CATALOG_HASH)
        con.execute("INSERT INTO interne.views_state VALUES (?, ?, now())", [views_fingerprint(), catalog])


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a crash or an error inside leaves the database as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def insert_df(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> int:
    """Bulk insert a DataFrame whose columns are a subset of the table's, by name."""
    if df.empty:
        return 0
    if table not in _TABLES:
        raise ValueError(f"unknown table {table}")
    cols = ", ".join(f'"{c}"' for c in df.columns)
    con.register("_insert_df", df)
    try:
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _insert_df")  # noqa: S608 - table/cols are ours
    finally:
        con.unregister("_insert_df")
    return len(df)


_TABLES = {
    "consultations", "codebook_versions", "questions", "themes", "source_files", "respondents",
    "answers", "quarantine", "human_codes", "units", "auto_codes",
}


def register_codebook(con: duckdb.DuckDBPyConnection, consultation: Consultation) -> int:
    """Record the consultation's questionnaire; a codebook whose coding content changed
    (`Consultation.codebook_hash`: themes, their labels, descriptions, keywords and examples, the
    questions' units) becomes a new version, whose answers `coding.run.pending_units` codes again.
    An edit that codes nothing differently (a category, a question's text, a caption) keeps the
    version: the stored file and the display tables are updated in place. The previous version's
    stored file is compared by content, so a database whose hashes were computed otherwise (older
    package) gets no new version for an unchanged codebook."""
    from consultation.codebook import consultation_from_json

    cid = consultation.id
    digest = consultation.codebook_hash()
    row = con.execute(
        "SELECT version, codebook_hash, config_json FROM codebook_versions WHERE consultation_id = ? "
        "ORDER BY version DESC LIMIT 1",
        [cid],
    ).fetchone()
    now = datetime.now()
    config = json.dumps(consultation.model_dump(), ensure_ascii=False)
    same = row is not None and (
        row[1] == digest
        or ((stored := consultation_from_json(row[2])) is not None and stored.codebook_hash() == digest)
    )
    if row and same:
        version = int(row[0])
        if row[1] != digest or row[2] != config:
            con.execute(
                "UPDATE codebook_versions SET codebook_hash = ?, config_json = ? "
                "WHERE consultation_id = ? AND version = ?",
                [digest, config, cid, version],
            )
    else:
        version = (int(row[0]) + 1) if row else 1
        con.execute(
            "INSERT INTO codebook_versions VALUES (?, ?, ?, ?, ?)",
            [cid, version, digest, config, now],
        )
    con.execute("DELETE FROM consultations WHERE consultation_id = ?", [cid])
    con.execute("INSERT INTO consultations VALUES (?, ?, ?, ?)", [cid, consultation.title, version, now])
    con.execute("DELETE FROM questions WHERE consultation_id = ?", [cid])
    con.execute("DELETE FROM themes WHERE consultation_id = ?", [cid])
    q_rows: list[tuple] = []
    t_rows: list[tuple] = []
    for qpos, q in enumerate(consultation.questions):
        q_rows.append((cid, q.id, qpos, q.section, q.text, q.unit, q.caption))
        for tpos, t in enumerate(q.coded_themes):
            t_rows.append((cid, q.id, t.id, tpos, t.label, t.category, t.is_other))
    offset = len(consultation.questions)
    for fpos, f in enumerate(consultation.free_text):
        q_rows.append((cid, f.id, offset + fpos, f.section, f.text, "free_text", None))
    con.executemany("INSERT INTO questions VALUES (?, ?, ?, ?, ?, ?, ?)", q_rows)
    con.executemany("INSERT INTO themes VALUES (?, ?, ?, ?, ?, ?, ?)", t_rows)
    return version


def codebook_version(con: duckdb.DuckDBPyConnection, consultation_id: str) -> int:
    # fetchall, not fetchone: DuckDB 2.0 keeps a result that was not read to its end open on the
    # connection, and the caller's next register() or execute() on it is refused.
    rows = con.execute(
        "SELECT codebook_version FROM consultations WHERE consultation_id = ?", [consultation_id]
    ).fetchall()
    return int(rows[0][0]) if rows else 0


def codebook_history(con: duckdb.DuckDBPyConnection, consultation_id: str) -> dict[int, Consultation | None]:
    """Every recorded codebook version (None where the stored file no longer validates)."""
    from consultation.codebook import consultation_from_json

    rows = con.execute(
        "SELECT version, config_json FROM codebook_versions WHERE consultation_id = ? ORDER BY version",
        [consultation_id],
    ).fetchall()
    return {int(v): consultation_from_json(text) for v, text in rows}


def current_versions(con: duckdb.DuckDBPyConnection, consultation: Consultation) -> dict[str, list[int]]:
    """Per question, the codebook versions whose coding of it is the current one (same
    `Question.coding_content`): an answer coded with one of them needs no new coding."""
    wanted = consultation.question_hashes()
    out: dict[str, list[int]] = {q: [] for q in wanted}
    for version, stored in codebook_history(con, consultation.id).items():
        if stored is None:
            continue
        for qid, digest in stored.question_hashes().items():
            if wanted.get(qid) == digest:
                out[qid].append(version)
    return out
