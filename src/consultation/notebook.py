"""Small helpers that keep the analyst notebooks free of logic: they only call the package."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from consultation.codebook import load_consultation
from consultation.paths import OutputPaths

if TYPE_CHECKING:
    from consultation.api import Database


def ensure_database(consultation_dir: str | Path, processed_root: str | Path) -> Path:
    """The consultation's DuckDB file, running the whole pipeline first if it does not exist yet."""
    consultation = load_consultation(consultation_dir)
    paths = OutputPaths.for_consultation(processed_root, consultation.id)
    if not paths.db.exists():
        from consultation.pipeline import run

        run(consultation_dir, processed_root=processed_root)
    return paths.db


def chart_path(db: Database, question_id: str, region: str | None = None) -> Path:
    """The PNG the pipeline wrote: national chart, or the national-versus-regional one."""
    from consultation.charts import comparison_stem

    if db.path is None:
        raise ValueError("this database was opened from a connection: no chart folder is known")
    charts = OutputPaths(db.path.parent).charts
    stem = comparison_stem(charts, region, question_id) if region else charts / question_id
    return stem.with_suffix(".png")


def show_comparison_chart(db: Database, question_id: str, region: str | None = None, width: int = 700) -> Any:
    """Display a chart inline in Jupyter (the same file the reports embed)."""
    from IPython.display import Image

    return Image(filename=str(chart_path(db, question_id, region)), width=width)
