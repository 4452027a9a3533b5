"""Prefect flow running the same pipeline as `consultation run`, stage by stage, as tasks.

Thin on purpose: every task calls one library function; no business logic lives here.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task

from consultation import store
from consultation.codebook import Consultation, load_consultation
from consultation.coding.coder import code_and_evaluate
from consultation.ingest import ingest_consultation
from consultation.paths import DEFAULT_PROCESSED, DEFAULT_RAW, SAMPLE_NAME, OutputPaths
from consultation.redact import load_ner
from consultation.report import publish as publish_outputs
from consultation.text import Lemmatizer, load_nlp


@task(retries=2, retry_delay_seconds=5)
def ingest(consultation: Consultation, folder: Path, db: Path) -> dict[str, int]:
    con = store.connect(db)
    try:
        reports = ingest_consultation(con, consultation, folder)
    finally:
        con.close()
    return {
        "files": len(reports),
        "rows_ingested": sum(r.rows_ingested for r in reports if r.kind == "responses"),
        "rows_quarantined": sum(r.rows_quarantined for r in reports),
    }


@task
def code(consultation: Consultation, db: Path) -> dict[str, int]:
    con = store.connect(db)
    try:
        summary = code_and_evaluate(con, consultation, Lemmatizer(load_nlp()), output_root=Path(db).parent)
    finally:
        con.close()
    return {"units": summary.units, "needs_review": summary.needs_review}


@task(retries=2, retry_delay_seconds=5)
def publish(consultation: Consultation, paths: OutputPaths) -> dict[str, int]:
    con = store.connect(paths.db)
    try:
        published = publish_outputs(con, consultation, paths, ner=load_ner())
    finally:
        con.close()
    return {"charts": len(published.charts), "reports": len(published.reports)}


@flow(name="consultation-pipeline")
def pipeline_flow(
    consultation_dir: Path = DEFAULT_RAW / SAMPLE_NAME,
    processed_root: Path = DEFAULT_PROCESSED,
) -> dict[str, dict[str, int]]:
    """Ingest, code and publish one consultation folder."""
    logger = get_run_logger()
    consultation = load_consultation(consultation_dir)
    paths = OutputPaths.for_consultation(processed_root, consultation.id)
    ingested = ingest(consultation, Path(consultation_dir), paths.db)
    coded = code(consultation, paths.db, wait_for=[ingested])
    published = publish(consultation, paths, wait_for=[coded])
    summary = {"ingest": ingested, "coding": coded, "publish": published}
    logger.info("Résumé : %s", summary)
    return summary


if __name__ == "__main__":
    pipeline_flow()
