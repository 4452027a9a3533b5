"""Counts per question, theme and scope, read from the layered tally views (store/sql/tally.sql).

A scope is where a count is made: `national` ('France'), a `region`, a `structure_type`, or a
`region_structure_type` ('Occitanie × ACT'). Figures here are exact; `disclosure.suppress` turns
them into their published form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import duckdb
import pandas as pd

from consultation import store
from consultation.errors import NotInDatabaseError

SCOPE_KINDS = ("national", "region", "structure_type", "region_structure_type")


def _sql_constant(macro: str) -> str:
    """The value of a constant macro of tally.sql, where the counts' names are defined once."""
    pattern = rf"^CREATE OR REPLACE MACRO {macro}\(\) AS '((?:[^']|'')*)';$"  # noqa: S608, RUF100 - a regex, not a statement
    found = re.search(pattern, store.read_sql("tally.sql"), re.M)
    if found is None:
        raise RuntimeError(f"tally.sql defines no constant macro {macro}()")  # a packaging mistake
    return found.group(1).replace("''", "'")


NATIONAL_SCOPE = _sql_constant("national_scope")  # the scope of the national counts
UNKNOWN_STRUCTURE_TYPE = _sql_constant("unknown_structure_type")  # a respondent whose structure type is missing

# Everything an analyst may want, in reading order.
FULL_TALLY_COLUMNS = [
    "question_id", "question_position", "section", "question_text", "unit",
    "theme_id", "theme_position", "label", "category", "is_other",
    "scope_kind", "scope", "region", "structure_type",
    "respondents_answered", "respondents_citing", "mentions", "mentions_human", "count", "share_pct", "rank",
    "raw_count", "corrected_count", "ci_low", "ci_high", "estimate_method",
]

_KIND_LABELS = {
    "national": "le niveau national", "region": "une région", "structure_type": "un type de structure",
    "region_structure_type": "une combinaison région × type de structure",
}


def tally(
    con: duckdb.DuckDBPyConnection,
    consultation_id: str,
    *,
    scope_kind: str | None = "national",
    scope: str | None = None,
    question_id: str | None = None,
    columns: Sequence[str] = FULL_TALLY_COLUMNS,
) -> pd.DataFrame:
    """One row per (question, theme) in the scope, in questionnaire and codebook order.

    `scope_kind=None` gives every scope of every kind.
    """
    return select_tally(
        con, consultation_id,
        scopes=[(scope_kind, scope)] if scope_kind is not None else None,
        question_id=question_id, columns=columns,
    )


def select_tally(
    con: duckdb.DuckDBPyConnection,
    consultation_id: str,
    *,
    scopes: Sequence[tuple[str, str | None]] | None = None,
    question_id: str | None = None,
    columns: Sequence[str] = FULL_TALLY_COLUMNS,
    use_cache: bool = True,
) -> pd.DataFrame:
    """Rows of the `tally` view for several scopes in one query (national and a region, say).

    `scopes` is a list of (scope_kind, scope); a scope of None takes every scope of that kind;
    `scopes=None` takes everything. Read from the tally cache when it is fresh (see
    `tally_relation`): the same rows as the view, in milliseconds instead of seconds on 1M answers.
    """
    unknown = [c for c in columns if c not in FULL_TALLY_COLUMNS]
    if unknown:
        raise ValueError(f"unknown tally columns: {unknown}")
    where, params = ["consultation_id = ?"], [consultation_id]
    if scopes is not None:
        alternatives = []
        for kind, scope in scopes:
            if kind not in SCOPE_KINDS:
                raise ValueError(f"unknown scope kind {kind!r} (expected one of {SCOPE_KINDS})")
            if scope is None:
                alternatives.append("scope_kind = ?")
                params.append(kind)
            else:
                alternatives.append("(scope_kind = ? AND scope = ?)")
                params.extend([kind, scope])
        where.append("(" + " OR ".join(alternatives or ["FALSE"]) + ")")
    if question_id is not None:
        where.append("question_id = ?")
        params.append(question_id)
    relation = tally_relation(con, consultation_id) if use_cache else "tally"
    sql = (
        f"SELECT {', '.join(columns)} FROM {relation} WHERE {' AND '.join(where)} "  # noqa: S608 - fixed names
        "ORDER BY question_position, array_position(?, scope_kind), scope, theme_position"
    )
    return con.execute(sql, [*params, list(SCOPE_KINDS)]).df()


def regions(con: duckdb.DuckDBPyConnection, consultation_id: str) -> list[str]:
    rows = con.execute(
        "SELECT DISTINCT region FROM respondents WHERE consultation_id = ? ORDER BY region", [consultation_id]
    ).fetchall()
    return [r[0] for r in rows]


def structure_types(con: duckdb.DuckDBPyConnection, consultation_id: str) -> list[str]:
    rows = con.execute(
        "SELECT DISTINCT coalesce(structure_type, ?) FROM respondents WHERE consultation_id = ? ORDER BY 1",
        [UNKNOWN_STRUCTURE_TYPE, consultation_id],
    ).fetchall()
    return [r[0] for r in rows]


def scope_for(region: str | None = None, structure_type: str | None = None) -> tuple[str, str]:
    """(scope_kind, scope) of a region, a structure type, both, or neither (national)."""
    if region and structure_type:
        return "region_structure_type", f"{region} × {structure_type}"
    if region:
        return "region", region
    if structure_type:
        return "structure_type", structure_type
    return "national", NATIONAL_SCOPE


def check_scope(con: duckdb.DuckDBPyConnection, consultation_id: str, scope_kind: str, scope: str) -> None:
    """Raise NotInDatabaseError, listing what exists, when nobody in the database is in the scope."""
    if scope_kind == "national":
        return
    if scope_kind == "region":
        known = regions(con, consultation_id)
    elif scope_kind == "structure_type":
        known = structure_types(con, consultation_id)
    elif scope_kind == "region_structure_type":
        known = [r[0] for r in con.execute(
            "SELECT DISTINCT region || ' × ' || coalesce(structure_type, ?) FROM respondents "
            "WHERE consultation_id = ? ORDER BY 1",
            [UNKNOWN_STRUCTURE_TYPE, consultation_id],
        ).fetchall()]
    else:
        raise ValueError(f"unknown scope kind {scope_kind!r} (expected one of {SCOPE_KINDS})")
    if scope not in known:
        raise NotInDatabaseError(
            f"« {scope} » n'est pas {_KIND_LABELS[scope_kind]} de la consultation {consultation_id} "
            f"(connues : {', '.join(known) or 'aucune'})"
        )


def check_question(con: duckdb.DuckDBPyConnection, consultation_id: str, question_id: str) -> None:
    known = [r[0] for r in con.execute(
        "SELECT question_id FROM questions WHERE consultation_id = ? AND unit <> 'free_text' ORDER BY position",
        [consultation_id],
    ).fetchall()]
    if question_id not in known:
        raise NotInDatabaseError(
            f"question « {question_id} » inconnue dans la consultation {consultation_id} "
            f"(questions codées : {', '.join(known) or 'aucune'})"
        )


# --- The tally cache -------------------------------------------------------------------------
# The `tally` view is always right but recomputes every count (about 1.5 s for 1M answers on two
# cores). `interne.tally_cache` is a materialised copy, valid for a consultation while the
# fingerprint of its inputs (view `interne.tally_input_stamp`, plus the text of the SQL views) is
# the one recorded in `interne.tally_cache_state` (schema `interne`: the library's bookkeeping). Writable connections refresh it when it is stale; read-only connections
# (notebooks, `consultation tally`) build a private temporary copy once instead, since nobody can
# write the file while they hold it.

CACHE_TABLE = "interne.tally_cache"
CACHE_STATE = "interne.tally_cache_state"
INPUT_STAMP = "interne.tally_input_stamp"
SESSION_CACHE_TABLE = "tally_session_cache"


def views_fingerprint() -> str:
    """Hash of the SQL that defines the views: a new version of the package invalidates caches."""
    return store.views_fingerprint()


def input_stamp(con: duckdb.DuckDBPyConnection, consultation_id: str) -> str | None:
    relation = _input_stamp_relation(con)
    if relation is None:
        return None
    row = con.execute(
        f"SELECT stamp FROM {relation} WHERE consultation_id = ?", [consultation_id]  # noqa: S608 - ours
    ).fetchone()
    return f"{row[0]}:{views_fingerprint()}" if row else None


def _input_stamp_relation(con: duckdb.DuckDBPyConnection) -> str | None:
    """The stamp view this connection reads: this version's own, recreated as a temporary view by
    a read-only connection to a file of another version (api.connect), else the file's; None for
    a file too old to hold one (the live view is then read)."""
    found = {
        (bool(temporary), str(schema)) for temporary, schema in con.execute(
            "SELECT temporary, schema_name FROM duckdb_views() WHERE view_name = 'tally_input_stamp'"
        ).fetchall()
    }
    if (True, "main") in found:
        return "temp.main.tally_input_stamp"
    return INPUT_STAMP if (False, "interne") in found else None


def is_read_only(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return bool(row and row[0])


def _recorded(
    con: duckdb.DuckDBPyConnection, table: str, consultation_id: str, column: str = "stamp"
) -> str | None:
    try:
        row = con.execute(
            f"SELECT {column} FROM {table} WHERE consultation_id = ?",  # noqa: S608 - our table names
            [consultation_id],
        ).fetchone()
    except duckdb.CatalogException:  # a database made before the cache existed, or no session yet
        return None
    return row[0] if row else None


def refresh_tallies(con: duckdb.DuckDBPyConnection, consultation_id: str | None = None) -> None:
    """Materialise the tallies after coding, so that the first query is fast too.

    Optional: readers refresh a stale cache themselves. Every consultation of the file is
    refreshed (`consultation_id` is accepted for symmetry with the other stage functions).
    """
    del consultation_id
    _refresh_cache(con)


def _refresh_cache(con: duckdb.DuckDBPyConnection, *, temporary: bool = False) -> None:
    """Rebuild the tally cache of every consultation from the live view.

    The state is cleared first and written last, so an interrupted refresh leaves a cache that is
    simply not used.
    """
    table, state = (SESSION_CACHE_TABLE, "tally_session_state") if temporary else (CACHE_TABLE, CACHE_STATE)
    temp = "TEMP " if temporary else ""
    stamps = con.execute(
        f"SELECT consultation_id, stamp FROM {_input_stamp_relation(con) or INPUT_STAMP}"  # noqa: S608 - ours
    ).fetchall()
    if temporary:  # the persistent state table comes from schema_interne.sql
        con.execute(
            "CREATE TEMP TABLE IF NOT EXISTS tally_session_state "
            "(consultation_id VARCHAR PRIMARY KEY, stamp VARCHAR NOT NULL, refreshed_at TIMESTAMP NOT NULL)"
        )
    con.execute(f"DELETE FROM {state}")  # noqa: S608 - our table names
    con.execute(f"CREATE OR REPLACE {temp}TABLE {table} AS SELECT * FROM tally")  # noqa: S608 - our table names
    if stamps:
        con.executemany(
            f"INSERT INTO {state} VALUES (?, ?, now())",  # noqa: S608 - our table names
            [(cid, f"{stamp}:{views_fingerprint()}") for cid, stamp in stamps],
        )


def tally_relation(con: duckdb.DuckDBPyConnection, consultation_id: str) -> str:
    """The table or view to read a consultation's tally from: a fresh cache, else the live view.

    A read-only connection decides once: nobody can write the file while it is open.
    """
    read_only = is_read_only(con)
    if read_only:
        chosen = _recorded(con, "tally_session_relation", consultation_id, "relation")
        if chosen is not None:
            return chosen
    relation = _fresh_relation(con, consultation_id, read_only=read_only)
    if read_only:
        con.execute(
            "CREATE TEMP TABLE IF NOT EXISTS tally_session_relation (consultation_id VARCHAR PRIMARY KEY, relation VARCHAR)"
        )
        con.execute("INSERT OR REPLACE INTO tally_session_relation VALUES (?, ?)", [consultation_id, relation])
    return relation


def _fresh_relation(con: duckdb.DuckDBPyConnection, consultation_id: str, *, read_only: bool) -> str:
    stamp = input_stamp(con, consultation_id)
    if stamp is None:
        return "tally"
    if _recorded(con, CACHE_STATE, consultation_id) == stamp:
        return CACHE_TABLE
    if read_only:
        if _recorded(con, "tally_session_state", consultation_id) != stamp:
            _refresh_cache(con, temporary=True)
        return SESSION_CACHE_TABLE
    _refresh_cache(con)
    return CACHE_TABLE
