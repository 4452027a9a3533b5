"""The nightly run of a consultation: ingest what is new, code it, bring counts and reports up to date.

Chains the three flows. A refused file does not stop the night: the valid files are ingested,
coded and published, then the run ends failed with the refused files and their messages, so the
federation sees it in the UI (and in notifications) and the `on_failure` hook writes the summary.

`publish=False` leaves the charts and reports to the publication's own deployment
(`consultation-reporting/<id>`, which `flows.serve` schedules after the night by default): the
night then brings the database, the corrected counts and the tallies up to date (what analysts
query) and ends; at national scale that is seconds, where rendering every report is minutes,
because every regional report carries the national counts and any new answer changes them all
(BENCHMARKS.md, « The nightly flow at 1M »). The ingestion and the coding hold the consultation's
lock (`flows.locks`), so that a publication never reads the database while a night writes it.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from pydantic import BaseModel, Field

from consultation.codebook import load_consultation
from consultation.fmt import count
from consultation.store.paths import DEFAULT_PROCESSED, DEFAULT_RAW, SAMPLE_NAME
from flows.artifacts import publish_run_artifacts
from flows.coding_flow import BATCH_SIZE_HELP, CodingOptions, coding_flow
from flows.common import report_failure
from flows.ingest_flow import RefusedFilesError, ingestion_flow
from flows.locks import consultation_lock
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
    publish: bool = True,
) -> NightlySummary:
    """Ingest the new exports of a consultation folder, code the new answers, publish (unless
    `publish` is false: the publication deployment does it then)."""
    options = options or RunOptions()
    logger = get_run_logger()
    consultation = load_consultation(consultation_dir)
    with consultation_lock(consultation.id):
        ingestion = ingestion_flow(consultation_dir, processed_root, fail_on_refused=False)
        runner = coding_task_runner(FlowSettings())
        # Prefect's stubs type a flow's runner by its future class, and Dask's and the thread
        # pool's differ: both are valid runners at run time.
        coding = coding_flow.with_options(task_runner=runner)(  # type: ignore[arg-type]
            consultation_dir,
            processed_root,
            CodingOptions(
                batch_size=options.batch_size, recode_all=options.recode_all,
                refresh_cache=options.refresh_cache,
            ),
        )
    # The publication takes the lock itself: a publication deployment's run may come in between.
    reporting = (
        reporting_flow(consultation_dir, processed_root, refresh_cache=options.refresh_cache)
        if publish else None
    )
    summary = NightlySummary(
        consultation_id=consultation.id, ingestion=ingestion, coding=coding, reporting=reporting
    )
    publish_run_artifacts(consultation.title, summary)
    if reporting is None:
        published = f"laissée au déploiement « consultation-reporting/{consultation.id} »"
    else:
        published = "réécrite" if reporting.rewritten else "inchangée"
    logger.info(
        "Terminé : %s, %s, publication %s", count(len(ingestion.ingested), "fichier ingéré", "fichiers ingérés"),
        count(coding.pending_answers, "réponse codée", "réponses codées"), published,
    )
    if ingestion.refused:
        raise RefusedFilesError(ingestion.refused_message())
    return summary


if __name__ == "__main__":
    nightly()
