"""The whole path from a consultation folder to charts and regional reports, stage by stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from consultation import store
from consultation.codebook import Consultation, codebook_changes, load_consultation
from consultation.coding.coder import CodingSummary, code_and_evaluate
from consultation.fmt import integer
from consultation.ingest.core import FileReport, ingest_consultation
from consultation.store import queries
from consultation.store.paths import DEFAULT_PROCESSED, OutputPaths
from consultation.text import Lemmatizer, load_nlp

if TYPE_CHECKING:
    import duckdb
    from spacy.language import Language


@dataclass
class CodebookChange:
    """A run that found the codebook changed: versions, what changed per question, and how many
    answers this run coded again per question (every answer when a model was retrained on the new
    codebook, or when the run recodes everything, as `consultation run` does)."""

    old_version: int
    new_version: int
    changes: dict[str, str]  # question id -> what changed, in French
    recoded: dict[str, int] = field(default_factory=dict)  # question id -> answers coded again

    def lines(self) -> list[str]:
        """The run summary's lines, in French."""
        from consultation.publish.typography import french

        out = [f"Codebook modifié (version {self.old_version} → {self.new_version}) :"]
        out += [f"  {qid} : {what}" for qid, what in self.changes.items()]
        total = sum(self.recoded.values())
        detail = ", ".join(f"{qid} {integer(n)}" for qid, n in self.recoded.items() if n)
        out.append(f"Réponses recodées avec le nouveau codebook : {integer(total)}" + (f" ({detail})" if detail else ""))
        return [french(line) for line in out]


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
    codebook_change: CodebookChange | None = None  # set when this run found the codebook changed
    warnings: list[str] = field(default_factory=list)  # from publishing, in French

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
    from consultation.publish.redact import load_ner
    from consultation.publish.report import publish

    consultation = load_consultation(consultation_dir)
    paths = OutputPaths.for_consultation(processed_root, consultation.id)
    con = store.connect(paths.db)
    try:
        result = RunResult(consultation, paths)
        version_before = store.codebook_version(con, consultation.id)
        result.files = ingest_consultation(con, consultation, consultation_dir)  # registers the codebook
        change = codebook_change(con, consultation, version_before)
        started = datetime.now()
        lemmatizer = Lemmatizer(nlp or load_nlp())
        # Trains on the human codes when there are enough (model saved under models/; retrained
        # when the codebook changed), codes every answer (model, rules, « Autres »), stores
        # corrected counts and the agreement with humans.
        result.coding = code_and_evaluate(con, consultation, lemmatizer, output_root=paths.root)
        if change is not None:
            change.recoded = queries.recoded_since(con, consultation, started)
            result.codebook_change = change
        result.respondents = queries.respondent_count(con, consultation.id)
        published = publish(con, consultation, paths, ner=ner or load_ner())
        result.charts, result.reports, result.index = published.charts, published.reports, published.index
        result.warnings = published.warnings
    finally:
        con.close()
    return result


def codebook_change(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, version_before: int
) -> CodebookChange | None:
    """What changed since `version_before` (None when the version is the same, or on a first run)."""
    version = store.codebook_version(con, consultation.id)
    if not version_before or version == version_before:
        return None
    old = store.codebook_history(con, consultation.id).get(version_before)
    return CodebookChange(version_before, version, codebook_changes(old, consultation))
