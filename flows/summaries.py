"""What each flow returns: plain records a run summary, a test or a caller can read."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from consultation import fmt


class FileOutcome(BaseModel):
    label: str
    kind: str  # 'responses' | 'human_codes'
    status: Literal["ingested", "unchanged", "refused"]
    rows_read: int = 0
    rows_ingested: int = 0
    rows_quarantined: int = 0
    message: str = ""
    warnings: int = 0
    hand_coded: int = 0  # answers whose codes given by hand were read from the export's own columns


class IngestionSummary(BaseModel):
    consultation_id: str
    files: list[FileOutcome] = Field(default_factory=list)  # the files this run tried
    skipped: list[str] = Field(default_factory=list)  # unchanged since they were ingested

    @property
    def ingested(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "ingested"]

    @property
    def refused(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "refused"]

    def rows(self, kind: str = "responses") -> tuple[int, int, int]:
        """(read, ingested, quarantined) for the files of one kind ingested by this run."""
        files = [f for f in self.ingested if f.kind == kind]
        return (
            sum(f.rows_read for f in files),
            sum(f.rows_ingested for f in files),
            sum(f.rows_quarantined for f in files),
        )

    def refused_message(self) -> str:
        lines = [f"{fmt.count(len(self.refused), 'fichier refusé', 'fichiers refusés')} ; les autres ont été traités :"]
        for f in self.refused:
            lines.append(f"- {f.label} : {f.message}")
        return "\n".join(lines)


class AgreementFigures(BaseModel):
    model_version: str
    n_units: int
    micro_f1: float | None = None
    macro_f1: float | None = None
    kappa: float | None = None


class CodingSummary(BaseModel):
    consultation_id: str
    trained: bool = False
    training_reason: str = ""
    human_codes: int = 0
    evaluated: bool = False  # the agreement with human coders was measured in this run
    model_version: str | None = None
    pending_answers: int = 0
    units: int = 0
    batches: int = 0
    runner: str = ""  # where the batches were coded: local processes, or Prefect tasks on Dask
    cached_batches: int = 0
    codes: int = 0
    by_source: dict[str, int] = Field(default_factory=dict)
    needs_review: int = 0
    estimates: int = 0
    agreement: AgreementFigures | None = None


class TallyRow(BaseModel):
    question_id: str
    theme: str
    category: str | None = None
    respondents_citing: int
    mentions: int
    count: int
    share_pct: float | None = None
    rank: int | None = None


class ReportingSummary(BaseModel):
    consultation_id: str
    rewritten: bool = False  # False: nothing changed, the previous charts and reports stand
    charts: list[Path] = Field(default_factory=list)
    reports: list[Path] = Field(default_factory=list)
    index: Path | None = None
    national: list[TallyRow] = Field(default_factory=list)


class NightlySummary(BaseModel):
    consultation_id: str
    ingestion: IngestionSummary
    coding: CodingSummary
    reporting: ReportingSummary | None = None  # None: left to the publication's deployment
