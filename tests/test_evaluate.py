"""Agreement with human coders: documented fields, the model beating "no skill", the command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import SAMPLE_DIR
from consultation import store
from consultation.cli import main
from consultation.codebook import load_consultation
from consultation.coding.evaluate import (
    cross_validate_question,
    evaluate_consultation,
    format_evaluation,
    micro_f1,
    store_evaluation,
)
from consultation.coding.rules import RuleCoder
from consultation.coding.training import training_units
from consultation.ingest.core import ingest_consultation
from test_coding_support import half_sample, require_sample

QUESTION_FIELDS = {
    "question_id", "engine", "n_units", "n_folds", "micro_f1", "macro_f1", "kappa", "majority_micro_f1",
    "majority_macro_f1", "themes",
}
THEME_FIELDS = {"theme_id", "label", "support", "predicted", "precision", "recall", "f1", "kappa", "count_error"}


@pytest.fixture(scope="module")
def sample_db():
    """The full sample ingested (every respondent coded by hand), no coding needed."""
    require_sample()
    consultation = load_consultation(SAMPLE_DIR)
    con = store.connect(None)
    ingest_consultation(con, consultation, SAMPLE_DIR)
    yield consultation, con
    con.close()


@pytest.mark.parametrize("question_id", ["q1_retenir", "pilier1"])
def test_model_beats_the_majority_class_under_cross_validation(sample_db, lemmatizer, question_id):
    consultation, con = sample_db
    question = consultation.question(question_id)
    units = training_units(con, consultation)[question_id]
    result, truth, predicted = cross_validate_question(
        question, units, lemmatizer, RuleCoder(consultation.questions, lemmatizer), n_folds=5
    )
    print(f"{question_id}: micro-F1 {result.micro_f1:.2f} vs majority {result.majority_micro_f1:.2f}; "
          f"macro-F1 {result.macro_f1:.2f} vs {result.majority_macro_f1:.2f}")
    assert result.engine == "model" and result.n_folds == 5
    assert result.micro_f1 > result.majority_micro_f1 + 0.2
    assert result.macro_f1 > result.majority_macro_f1 + 0.2
    assert result.kappa > 0.4
    assert truth.shape == predicted.shape == (len(units), len(question.coded_themes))
    # every unit gets at least one code (« Autres » when nothing else)
    assert predicted.any(axis=1).all()


def test_evaluation_has_the_documented_fields_and_is_stored(tmp_path_factory, nlp, lemmatizer):
    folder, out = half_sample(tmp_path_factory, nlp)
    consultation = load_consultation(folder)
    from consultation.store.paths import OutputPaths

    con = store.connect(OutputPaths.for_consultation(out, consultation.id).db)
    try:
        evaluation = evaluate_consultation(con, consultation, lemmatizer, n_folds=3)
        store_evaluation(con, evaluation)
        rows = con.execute(
            "SELECT question_id, n_units, micro_f1, kappa FROM evaluations WHERE model_version = ?",
            [evaluation.model_version],
        ).fetchall()
        model_version = con.execute("SELECT model_version FROM models").fetchone()[0]
    finally:
        con.close()
    data = json.loads(evaluation.to_json())
    assert {"consultation_id", "model_version", "n_folds", "n_units", "micro_f1", "macro_f1", "kappa",
            "questions", "created_at"} <= set(data)
    assert data["model_version"] == model_version  # the evaluation is of the model that codes
    assert len(data["questions"]) == 7
    for q in data["questions"]:
        assert set(q) == QUESTION_FIELDS
        assert all(set(t) == THEME_FIELDS for t in q["themes"])
        assert sum(t["count_error"] for t in q["themes"]) == sum(t["predicted"] - t["support"] for t in q["themes"])
    # one row for all questions (question_id NULL) and one per question
    assert len(rows) == 8 and sum(1 for r in rows if r[0] is None) == 1
    overall = next(r for r in rows if r[0] is None)
    assert overall[1] == sum(q["n_units"] for q in data["questions"])
    text = format_evaluation(evaluation, consultation)
    assert "F1 micro" in text and "kappa" in text and "Précision" in text and "thème le plus fréquent" in text


def test_evaluate_command_prints_agreement_and_json(tmp_path_factory, nlp):
    folder, out = half_sample(tmp_path_factory, nlp)
    result = CliRunner().invoke(main, ["evaluate", str(folder), "--out", str(out), "--plis", "3"])
    assert result.exit_code == 0, result.output
    assert "Accord du codage automatique avec les codeurs humains" in result.output
    assert "F1 micro" in result.output and "kappa de Cohen" in result.output
    as_json = CliRunner().invoke(main, ["evaluate", str(folder), "--out", str(out), "--plis", "3", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["n_folds"] == 3


def test_micro_f1_of_identical_codes_is_one_and_of_disjoint_codes_zero():
    import numpy as np

    y = np.array([[1, 0], [0, 1]], dtype=bool)
    assert micro_f1(y, y) == 1.0
    assert micro_f1(y, ~y) == 0.0


def test_many_hand_codes_are_cross_validated_in_three_folds(sample_db, lemmatizer, monkeypatch):
    """Thousands of hand codes: 3 folds by default (and the report says so); few: 5."""
    from consultation.coding import evaluate as evaluate_module

    consultation, con = sample_db
    few = evaluate_module.evaluate_consultation(con, consultation, lemmatizer)
    assert few.n_folds == 5
    monkeypatch.setattr(evaluate_module, "MANY_HAND_CODED_UNITS", few.n_units)  # the sample counts as many
    many = evaluate_module.evaluate_consultation(con, consultation, lemmatizer)
    assert many.n_folds == 3
    assert all(q.n_folds == 3 for q in many.questions if q.engine == "model")
    assert "validation croisée en 3 plis" in format_evaluation(many, consultation)
