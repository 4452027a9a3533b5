"""Where a consultation's outputs go: always under the processed root, never outside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from consultation.errors import UnsafePathError

DEFAULT_RAW = Path("data/raw")
DEFAULT_PROCESSED = Path("data/processed")
SAMPLE_NAME = "segur-2020-sample"
DB_NAME = "consultation.duckdb"


@dataclass(frozen=True)
class OutputPaths:
    root: Path

    @classmethod
    def for_consultation(cls, processed_root: str | Path, consultation_id: str) -> OutputPaths:
        base = Path(processed_root).resolve()
        root = (base / consultation_id).resolve()
        if root.parent != base:
            raise UnsafePathError(f"identifiant de consultation « {consultation_id} » refusé : il sortirait de {base}")
        return cls(root)

    @property
    def db(self) -> Path:
        return self.root / DB_NAME

    @property
    def charts(self) -> Path:
        return self.root / "charts"

    @property
    def reports(self) -> Path:
        return self.root / "reports"
