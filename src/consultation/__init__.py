"""consultation: free-text answers of a consultation into coded themes, counts and reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import duckdb

    from consultation.api import Database

__version__ = "0.1.0"


def open(
    db_path: str | Path | duckdb.DuckDBPyConnection, consultation_id: str | None = None, *, read_only: bool = True
) -> Database:
    """Open a consultation database for analysis: `consultation.open("data/processed/<id>")`.

    Returns a `consultation.api.Database` whose methods return DataFrames (see its docstrings).
    Imported lazily so that `import consultation` stays cheap.
    """
    from consultation.api import open as _open

    return _open(db_path, consultation_id, read_only=read_only)
