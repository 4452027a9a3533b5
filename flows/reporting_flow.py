"""Reporting flow: national tallies, then charts and reports, rewritten only when something changed.

The publication is cached on a key made of the database content, the consultation file, the
software and the output folder (`fingerprints.reporting_key`): a night with nothing new reuses the
files already written, a deleted database or a new answer gives a new key. Files removed by hand
since the last run are noticed and written again.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import NotSet

from consultation import tally
from consultation.codebook import Consultation, load_consultation
from consultation.fmt import count
from consultation.publish.report import Publication, publish
from consultation.store import fingerprints
from consultation.store.paths import DEFAULT_PROCESSED, DEFAULT_RAW, SAMPLE_NAME, OutputPaths
from flows.artifacts import publish_reporting_artifacts
from flows.common import (
    IO_TASK_OPTIONS,
    open_db,
    report_failure,
)
from flows.locks import consultation_lock
from flows.summaries import ReportingSummary, TallyRow

_IO = IO_TASK_OPTIONS


@task(name="national-tally", cache_policy=NO_CACHE, **_IO)
def national_tally(consultation: Consultation, db: Path) -> pd.DataFrame:
    with open_db(db) as con:
        return tally.tally(con, consultation.id)


@task(name="has-answers", cache_policy=NO_CACHE, **_IO)
def has_answers(consultation: Consultation, db: Path) -> bool:
    """Whether the database holds answers to publish (a publication scheduled before any night
    finds no database, or an empty one: nothing to do, not a failure)."""
    if not db.exists():
        return False
    with open_db(db) as con:
        row = con.execute(
            "SELECT count(*) FROM respondents WHERE consultation_id = ?", [consultation.id]
        ).fetchone()
    return bool(row and row[0])


@task(name="reporting-key", cache_policy=NO_CACHE, **_IO)
def reporting_key(consultation: Consultation, paths: OutputPaths) -> str:
    with open_db(paths.db) as con:
        inputs = fingerprints.reporting_inputs(con, consultation, paths.root)
    get_run_logger().info(
        "Empreintes de la publication : %s", ", ".join(f"{k} {v[:10]}" for k, v in inputs.items())
    )
    return fingerprints.inputs_hash(*inputs.values())


def _publication_key(context: Any, parameters: dict[str, Any]) -> str:
    return parameters["key"]


@task(name="publish", cache_key_fn=_publication_key, cache_expiration=timedelta(days=90), **_IO)
def publish_outputs(consultation: Consultation, paths: OutputPaths, key: str) -> Publication:
    """Charts, regional reports, the national synthesis and the index page."""
    from consultation.publish.redact import load_ner

    with open_db(paths.db) as con:
        published = publish(con, consultation, paths, ner=load_ner())
    for warning in published.warnings:  # the earlier publications' memory lost or unreadable
        get_run_logger().warning(warning)
    return published


def _rows(frame: pd.DataFrame) -> list[TallyRow]:
    return [
        TallyRow(
            question_id=r.question_id, theme=r.label, category=None if pd.isna(r.category) else r.category,
            respondents_citing=int(r.respondents_citing), mentions=int(r.mentions), count=int(r.count),
            share_pct=None if pd.isna(r.share_pct) else float(r.share_pct),
            rank=None if pd.isna(r.rank) else int(r.rank),
        )
        for r in frame.itertuples(index=False)
    ]


@flow(name="consultation-reporting", on_failure=[report_failure])
def reporting_flow(
    consultation_dir: Path = DEFAULT_RAW / SAMPLE_NAME,
    processed_root: Path = DEFAULT_PROCESSED,
    refresh_cache: bool = False,
) -> ReportingSummary:
    """Bring the charts and reports of a consultation up to date with its database."""
    logger = get_run_logger()
    consultation = load_consultation(consultation_dir)
    paths = OutputPaths.for_consultation(processed_root, consultation.id)
    with consultation_lock(consultation.id):  # never while a night writes the database
        if not has_answers(consultation, paths.db):
            logger.info(
                "Rien à publier : aucune réponse enregistrée pour « %s » (la première nuit n'a pas "
                "encore eu lieu, ou n'a rien ingéré)", consultation.id,
            )
            return ReportingSummary(consultation_id=consultation.id)
        national = national_tally(consultation, paths.db)
        key = reporting_key(consultation, paths)
        # NotSet: the task's own cache policy (only a requested refresh overrides it)
        state = publish_outputs.with_options(refresh_cache=True if refresh_cache else NotSet)(
            consultation, paths, key, return_state=True
        )
        publication: Publication = state.result()
        rewritten = state.name != "Cached"
        missing = fingerprints.missing_outputs(publication.files)
        if missing:
            logger.warning("%s depuis : réécriture",
                           count(len(missing), "fichier publié a disparu", "fichiers publiés ont disparu"))
            publication = publish_outputs.with_options(refresh_cache=True)(consultation, paths, key)
            rewritten = True
    logger.info(
        "Publication %s : %s, %s", "réécrite" if rewritten else "inchangée",
        count(len(publication.charts), "graphique"), count(len(publication.reports), "rapport"),
    )
    summary = ReportingSummary(
        consultation_id=consultation.id, rewritten=rewritten, charts=publication.charts,
        reports=publication.reports, index=publication.index, national=_rows(national),
    )
    publish_reporting_artifacts(summary)
    return summary
