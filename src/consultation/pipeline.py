"""The whole path from a consultation folder to charts and regional reports, stage by stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from consultation import store
from consultation.codebook import Consultation, load_consultation
from consultation.coding.coder import CodingSummary, code_and_evaluate
from consultation.ingest import FileReport, ingest_consultation
from consultation.paths import DEFAULT_PROCESSED, OutputPaths
from consultation.text import Lemmatizer, load_nlp

if TYPE_CHECKING:
    from spacy.language import Language


@dataclass
class RunResult:
    consultation: Consultation
    paths: OutputPaths
    files: list[FileReport] = field(default_factory=list)
    coding: CodingSummary | None = None
    charts: list[Path] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    index: Path | None = None  # the page listing every report and chart
    respondents: int = 0

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files if f.kind == "responses")

    @property
    def rows_ingested(self) -> int:
        return sum(f.rows_ingested for f in self.files if f.kind == "responses")

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files if f.kind == "responses")


def run(
    consultation_dir: str | Path,
    *,
    processed_root: str | Path = DEFAULT_PROCESSED,
    nlp: Language | None = None,
    ner: Language | None = None,
) -> RunResult:
    """Ingest, code, tally, chart and report one consultation folder.

    `nlp` lemmatizes for coding (`text.load_nlp`); `ner` finds people's names to redact in the
    published testimonies (`redact.load_ner`). Both are loaded here when not given.
    """
    from consultation.redact import load_ner
    from consultation.report import publish

    consultation = load_consultation(consultation_dir)
    paths = OutputPaths.for_consultation(processed_root, consultation.id)
    con = store.connect(paths.db)
    try:
        result = RunResult(consultation, paths)
        result.files = ingest_consultation(con, consultation, consultation_dir)
        lemmatizer = Lemmatizer(nlp or load_nlp())
        # Trains on the human codes when there are enough (model saved under models/), codes every
        # answer (model, rules, « Autres »), stores corrected counts and the agreement with humans.
        result.coding = code_and_evaluate(con, consultation, lemmatizer, output_root=paths.root)
        result.respondents = int(
            con.execute(
                "SELECT count(*) FROM respondents WHERE consultation_id = ?", [consultation.id]
            ).fetchone()[0]
        )
        published = publish(con, consultation, paths, ner=ner or load_ner())
        result.charts, result.reports, result.index = published.charts, published.reports, published.index
    finally:
        con.close()
    return result
