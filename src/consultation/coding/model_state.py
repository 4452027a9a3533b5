"""The coding's state, as recorded in the database: whether the model must be (re)trained (human
codes or codebook changed since the last model), the model in use, and the latest agreement with
human coders (for run summaries). Which answers have no current automatic code, and coding them,
belong to the one coding path of every runner: `consultation.coding.run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from consultation import store
from consultation.coding.training import training_hash


def human_codes_hash(con: duckdb.DuckDBPyConnection, consultation_id: str) -> str:
    """The hash the coding engine records in `models.training_hash` for the current human codes."""
    return training_hash(con, consultation_id)


@dataclass(frozen=True)
class ModelState:
    """The latest fitted model of a consultation, as recorded in `models`."""

    model_version: str
    path: str
    codebook_version: int
    training_hash: str
    created_at: datetime


def latest_model(con: duckdb.DuckDBPyConnection, consultation_id: str) -> ModelState | None:
    row = con.execute(
        "SELECT model_version, path, codebook_version, training_hash, created_at FROM models "
        "WHERE consultation_id = ? ORDER BY created_at DESC, model_version DESC LIMIT 1",
        [consultation_id],
    ).fetchone()
    return ModelState(*row) if row else None


def current_model(con: duckdb.DuckDBPyConnection, consultation_id: str) -> ModelState | None:
    """The model the coding engine would use now: the latest one, if made with the current
    codebook and its file is still there (as `training.load_engine` decides)."""
    model = latest_model(con, consultation_id)
    if model is None or model.codebook_version != store.codebook_version(con, consultation_id):
        return None
    return model if Path(model.path).exists() else None


@dataclass(frozen=True)
class TrainingNeed:
    needed: bool
    reason: str  # in French: shown in run summaries
    human_codes: int
    training_hash: str


def training_need(
    con: duckdb.DuckDBPyConnection, consultation_id: str, training_hash: str | None = None
) -> TrainingNeed:
    """Whether the model must be (re)trained: human codes changed, or the codebook did, or the
    model was made with other settings than today's defaults (`made_as_now`).

    `training_hash` is the hash of the training data as the coding engine computes it (it is
    what the engine stores in `models.training_hash`); `human_codes_hash` when not given.
    """
    n = int(store.scalar(con, "SELECT count(*) FROM human_codes WHERE consultation_id = ?", [consultation_id]))
    current = training_hash if training_hash is not None else human_codes_hash(con, consultation_id)
    if n == 0:
        return TrainingNeed(False, "aucun code humain : codage par les règles", 0, current)
    model = latest_model(con, consultation_id)
    if model is None:
        return TrainingNeed(True, "premier entraînement sur les codes humains", n, current)
    if model.codebook_version != store.codebook_version(con, consultation_id):
        return TrainingNeed(True, "le codebook a changé depuis le dernier modèle", n, current)
    if model.training_hash != current:
        return TrainingNeed(True, "les codes humains ont changé depuis le dernier modèle", n, current)
    if not made_as_now(con, consultation_id, model.model_version):
        return TrainingNeed(True, "le modèle a changé de réglages depuis le dernier entraînement (nouvelle version)",
                            n, current)
    return TrainingNeed(False, "codes humains inchangés depuis le dernier modèle", n, current)


def made_as_now(con: duckdb.DuckDBPyConnection, consultation_id: str, model_version: str) -> bool:
    """Whether the recorded model was made with today's default settings and model spec, as its
    card says (a card without them, e.g. written by hand: assumed so). A model made otherwise (an
    earlier default, such as features fitted on the coded answers only) is trained again, never
    kept beside models of the new kind."""
    import json

    from consultation.coding.model import DEFAULT_SETTINGS, MODEL_SPEC

    row = con.execute(
        "SELECT card_json FROM models WHERE consultation_id = ? AND model_version = ?", [consultation_id, model_version]
    ).fetchone()
    try:
        card = json.loads(row[0]) if row else {}
    except (TypeError, ValueError):
        card = {}
    if not isinstance(card, dict) or "settings" not in card:
        return True
    return card["settings"] == DEFAULT_SETTINGS.as_dict() and card.get("model_spec", MODEL_SPEC) == MODEL_SPEC


@dataclass(frozen=True)
class Agreement:
    """How close the automatic coding is to human coders (latest cross-validation)."""

    model_version: str
    n_units: int
    micro_f1: float | None
    macro_f1: float | None
    kappa: float | None


def latest_agreement(con: duckdb.DuckDBPyConnection, consultation_id: str) -> Agreement | None:
    row = con.execute(
        "SELECT model_version, n_units, micro_f1, macro_f1, kappa FROM evaluations "
        "WHERE consultation_id = ? AND question_id IS NULL ORDER BY created_at DESC LIMIT 1",
        [consultation_id],
    ).fetchone()
    return Agreement(*row) if row else None
