"""The nightly run of a consultation: ingest what is new, code it, bring counts and reports up to date.

Chains the three flows. A refused file does not stop the night: the valid files are ingested,
coded and published, then the run ends failed with the refused files and their messages, so the
federation sees it in the UI (and in notifications) and the `on_failure` hook writes the summary.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from pydantic import BaseModel, Field

from consultation.codebook import load_consultation
from consultation.store.paths import DEFAULT_PROCESSED, DEFAULT_RAW, SAMPLE_NAME
from flows.artifacts import publish_run_artifacts
from flows.coding_flow import BATCH_SIZE_HELP, CodingOptions, coding_flow
from flows.common import report_failure
from flows.ingest_flow import RefusedFilesError, ingestion_flow
from flows.reporting_flow import reporting_flow
from flows.settings import FlowSettings, coding_task_runner
from flows.summaries import NightlySummary


class RunOptions(BaseModel):
    """What a person may change for one run from the UI (« Custom run »)."""

    batch_size: int | None = Field(default=None, ge=1, description=BATCH_SIZE_HELP)
    recode_all: bool = Field(default=False, description="Recoder toutes les réponses (après une mise à jour du logiciel, par exemple)")
    refresh_cache: bool = Field(default=False, description="Ignorer les résultats en cache et tout recalculer")


@flow(name="consultation-nightly", on_failure=[report_failure])
def nightly(
    consultation_dir: Path = DEFAULT_RAW / SAMPLE_NAME,
    processed_root: Path = DEFAULT_PROCESSED,
    options: RunOptions | None = None,
) -> NightlySummary:
    """Ingest the new exports of a consultation folder, code the new answers, publish."""
    options = options or RunOptions()
    logger = get_run_logger()
    consultation = load_consultation(consultation_dir)
    ingestion = ingestion_flow(consultation_dir, processed_root, fail_on_refused=False)
    runner = coding_task_runner(FlowSettings())
    # Prefect's stubs type a flow's runner by its future class, and Dask's and the thread pool's
    # differ: both are valid runners at run time.
    coding = coding_flow.with_options(task_runner=runner)(  # type: ignore[arg-type]
        consultation_dir,
        processed_root,
        CodingOptions(
            batch_size=options.batch_size, recode_all=options.recode_all,
            refresh_cache=options.refresh_cache,
        ),
    )
    reporting = reporting_flow(consultation_dir, processed_root, refresh_cache=options.refresh_cache)
    summary = NightlySummary(
        consultation_id=consultation.id, ingestion=ingestion, coding=coding, reporting=reporting
    )
    publish_run_artifacts(consultation.title, summary)
    logger.info(
        "Terminé : %s fichier(s) ingéré(s), %s réponse(s) codée(s), publication %s",
        len(ingestion.ingested), coding.pending_answers, "réécrite" if reporting.rewritten else "inchangée",
    )
    if ingestion.refused:
        raise RefusedFilesError(ingestion.refused_message())
    return summary


if __name__ == "__main__":
    nightly()
