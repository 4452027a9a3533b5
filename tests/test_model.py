"""The model: scikit-learn contract, calibration, thresholds, codebook features, safe persistence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from consultation.codebook import Question
from consultation.coding.features import CompactTfidfVectorizer, KeywordFeatures, codebook_examples
from consultation.coding.model import (
    ModelSettings,
    ThemeClassifier,
    apply_platt,
    can_train,
    fit_platt,
    fit_question_model,
)
from consultation.coding.training import ModelFileError, load_models, save_models

# Checks that cannot hold by design, each with the reason.
EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data":
        "thresholds and calibration come from cross-validation folds, which differ between "
        "duplicated rows and weighted rows",
    "check_sample_weight_equivalence_on_sparse_data": "same as on dense data",
    "check_class_weight_classifiers":
        "class_weight weighs each theme's positives against its negatives (one-vs-rest), not "
        "the classes of a multi-class target",
}


@parametrize_with_checks([ThemeClassifier(cv=3)], expected_failed_checks=lambda est: EXPECTED_FAILURES)
def test_theme_classifier_follows_the_scikit_learn_contract(estimator, check):
    check(estimator)


QUESTION = Question.model_validate(
    {
        "id": "p1",
        "section": "Pilier 1",
        "text": "Vos propositions",
        "unit": "propositions",
        "columns": ["Q"],
        "themes": [
            {"id": "salaires", "label": "Revaloriser les salaires", "description": "Augmenter les rémunérations",
             "keywords": ["salaire", "rémunération"], "examples": ["Augmenter la paie des IDE"]},
            {"id": "formation", "label": "Formation", "keywords": ["formation", "former"]},
            {"id": "effectifs", "label": "Effectifs", "keywords": ["recruter", "poste"]},
            {"id": "autres", "label": "Autres"},
        ],
    }
)
SALARY = ["Revaloriser les salaires des IDE", "Augmenter les salaires", "Des salaires décents",
          "Meilleure rémunération des aides-soignants", "Aligner les salaires sur l'hôpital",
          "Revaloriser la rémunération des éducateurs"]
TRAINING = ["Former les équipes aux pathologies", "Plus de formation continue", "Former les bénévoles",
            "Des formations communes", "Financer la formation des coordinateurs", "Former au numérique"]
OTHER = ["Rien de particulier", "Je ne sais pas", "Merci pour ce questionnaire", "Bon courage"]


def _training():
    texts = SALARY + TRAINING + OTHER
    sets = [["salaires"]] * len(SALARY) + [["formation"]] * len(TRAINING) + [["autres"]] * len(OTHER)
    return texts, sets


def test_platt_scaling_recovers_a_known_sigmoid():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=4000)
    targets = rng.random(4000) < apply_platt(scores, np.array([2.0, -0.5]))
    a, b = fit_platt(scores, targets)
    assert a == pytest.approx(2.0, abs=0.25)
    assert b == pytest.approx(-0.5, abs=0.15)
    many = fit_platt(scores, targets, np.ones((3, 4000)))
    assert many.shape == (3, 2) and np.allclose(many, [a, b], atol=1e-6)


def test_multilabel_classifier_covers_only_themes_with_enough_examples():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 5))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0.5, np.arange(60) < 2]).astype(int)  # 2 positives only
    clf = ThemeClassifier(min_positives=3).fit(X, Y)
    assert clf.covered_.tolist() == [True, True, False]
    assert ((clf.thresholds_ > 0) & (clf.thresholds_ < 1)).all()
    predicted = clf.predict(X)
    assert predicted.shape == Y.shape
    assert (predicted[:, 0] == Y[:, 0]).mean() > 0.9
    proba = clf.predict_proba(X)
    assert ((proba >= 0) & (proba <= 1)).all()


def test_thresholds_are_shrunk_towards_the_global_one():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(80, 4))
    Y = np.column_stack([X[:, 0] + rng.normal(scale=0.8, size=80) > 0, X[:, 1] > 1]).astype(int)
    pooled = ThemeClassifier(threshold_shrinkage=1e9).fit(X, Y)
    own = ThemeClassifier(threshold_shrinkage=0.0).fit(X, Y)
    assert np.allclose(pooled.thresholds_, pooled.global_threshold_)
    assert not np.allclose(own.thresholds_, own.global_threshold_)


def test_keyword_features_flag_each_themes_keywords_in_lemmas():
    patterns = (("salaires", ("salaire", "revaloriser salaire")), ("formation", ("former",)), ("vide", ()))
    features = KeywordFeatures(patterns).fit(["x"])
    X = features.transform(["revaloriser salaire ide", "former equipe", "informer", ""]).toarray()
    assert X.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0]]
    assert features.get_feature_names_out().tolist() == ["mots_cles_salaires", "mots_cles_formation", "mots_cles_vide"]


def test_codebook_gives_pseudo_examples_but_not_for_autres():
    examples = codebook_examples(QUESTION)
    assert ("Augmenter la paie des IDE", "salaires") in examples
    assert ("salaire, rémunération", "salaires") in examples
    assert all(theme != "autres" for _, theme in examples)


def test_too_few_codes_means_no_model():
    _texts, sets = _training()
    assert not can_train(QUESTION, sets[:5])
    assert can_train(QUESTION, sets)


def test_a_tiny_model_codes_new_answers(lemmatizer):
    texts, sets = _training()
    model = fit_question_model(QUESTION, texts, sets, lemmatizer, ModelSettings(cv=3))
    assert model is not None
    assert model.theme_ids == ["salaires", "formation", "effectifs"]
    # « effectifs » has no human example: the model does not decide it (rules will)
    assert model.covered.tolist() == [True, True, False]
    from consultation.coding.features import unit_frame

    proba = model.probabilities(unit_frame(["Revaloriser les salaires des éducateurs", "Former les IDE"], lemmatizer))
    assert proba[0, 0] > proba[0, 1] and proba[1, 1] > proba[1, 0]
    assert model.metrics["n_units"] == len(texts)


def test_compact_vectorizer_survives_a_round_trip():
    import pickle

    vectorizer = CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)).fit(["former les équipes", "salaires"])
    copy = pickle.loads(pickle.dumps(vectorizer))
    assert copy.vocabulary_ == vectorizer.vocabulary_
    assert (copy.transform(["former"]) != vectorizer.transform(["former"])).nnz == 0
    assert "vocabulary_" in vectorizer.__dict__  # saving does not strip the live object


def test_models_are_saved_with_skops_and_a_card_and_load_back(tmp_path, lemmatizer):
    from consultation.coding.features import unit_frame

    texts, sets = _training()
    model = fit_question_model(QUESTION, texts, sets, lemmatizer, ModelSettings(cv=3))
    path = save_models({"p1": model}, tmp_path / "models" / "m1-test.skops", {"model_version": "m1-test"})
    assert path.exists() and (tmp_path / "models" / "m1-test.json").exists()
    loaded = load_models(path)["p1"]
    frame = unit_frame(["Augmenter les salaires", "Former"], lemmatizer)
    assert np.allclose(loaded.probabilities(frame), model.probabilities(frame))
    assert loaded.rules_trusted.tolist() == model.rules_trusted.tolist()


class Intruder:
    """Not in the trusted list: a model file holding it must not be loaded."""


def _intruder_payloads() -> dict[str, dict]:
    from sklearn.pipeline import Pipeline

    return {
        "top level": {"format": 1, "questions": {}, "x": Intruder()},
        "inside a question": {"format": 1, "questions": {"q": {"theme_ids": ["t"], "pipeline": Intruder()}}},
        "a pipeline's step": {"format": 1, "questions": {"q": {"pipeline": Pipeline([("x", Intruder())])}}},
        "in a list": {"format": 1, "questions": {}, "x": [1, {"y": (Intruder(),)}]},
    }


@pytest.mark.parametrize("where", list(_intruder_payloads()))
def test_a_model_file_with_untrusted_types_is_refused(tmp_path, where):
    """Wherever the unknown type sits in the file, the model is refused before any object is
    built, and the message names the type."""
    import skops.io as sio

    path = tmp_path / "bad.skops"
    sio.dump(_intruder_payloads()[where], path)
    with pytest.raises(ModelFileError, match="types non autorisés") as refused:
        load_models(path)
    assert "Intruder" in str(refused.value)
    (tmp_path / "broken.skops").write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match="illisible"):
        load_models(tmp_path / "broken.skops")


def test_a_model_file_saved_before_the_layout_move_still_loads_and_predicts():
    """A model file stores its classes' dotted paths (skops): one written by the previous layout
    (tests/data/model-0.1.0/README.md) loads with today's trusted list and predicts the same."""
    folder = Path(__file__).parent / "data" / "model-0.1.0"
    probe = json.loads((folder / "probe.json").read_text(encoding="utf-8"))
    loaded = load_models(folder / "m1-0.1.0.skops")["p1"]
    assert loaded.theme_ids == probe["theme_ids"]
    proba = loaded.probabilities(pd.DataFrame(probe["frame"]))
    assert np.allclose(proba, probe["probabilities"])
