"""A second model per theme, stacked with the SVM (ModelSettings.char_model, the default)."""

from __future__ import annotations

import numpy as np
import pytest

from consultation.coding.features import unit_frame
from consultation.coding.model import (
    DEFAULT_SETTINGS,
    ModelSettings,
    fit_question_model,
    model_version,
)
from consultation.coding.training import load_models, save_models
from test_coding_self_training import _coded
from test_coding_semi import QUESTION

# The labels' own words off: two of the three words of the coded « visites » answers are its label's,
# so that feature alone separates them and would hide what the character model does with
# misspellings (test_label_words.py tests that feature; its limit is in RESULTS-five.md).
ON = ModelSettings(cv=3, char_model=True, label_words=False)


# Misspelt answers (letters doubled, dropped or swapped): what character n-grams are for.
MISSPELT = ["manque de masqes et de gans", "il faut des surblousses", "plus de visittes des familes",
            "les prohces et les enfnats"]
TRUTH = np.array([0, 0, 1, 1])


def test_the_stacked_model_codes_misspelt_answers_and_is_the_same_once_saved(lemmatizer, tmp_path):
    rng = np.random.default_rng(0)
    coded, sets = _coded(rng, 12)
    model = fit_question_model(QUESTION, coded, sets, lemmatizer, ON, unlabelled=coded)
    frame = unit_frame(MISSPELT, lemmatizer)
    proba = model.probabilities(frame)
    assert (np.argmax(proba, axis=1) == TRUTH).all()
    clf = model.classifier
    assert clf.covered_.all() and np.isfinite(clf.stack_weights_).all()
    # Each theme is one linear model over every feature (the character block included), so the
    # fold models' average and the stored scores work as with the SVM alone.
    features = model.pipeline.named_steps["features"]
    assert clf.fold_coef_.shape[1] == features.transform(frame).shape[1]
    assert (np.abs(clf.fold_coef_[:, features.output_indices_["caracteres"]]).sum(axis=1) > 0).all()
    again = load_models(save_models({"q": model}, tmp_path / "m.skops", {}))["q"]
    assert np.allclose(again.probabilities(frame), proba)
    assert np.allclose(again.fold_probabilities(frame), model.fold_probabilities(frame))


@pytest.mark.parametrize("option", ["char_model", "label_words", "char_nb_stack"])
def test_on_by_default_and_models_saved_before_are_trained_again(option):
    """The character model (2026-12-04), the labels' own words (2026-12-05, test_label_words.py)
    and the NB-scaled character model as a third (2026-12-07)."""
    assert getattr(DEFAULT_SETTINGS, option) is True
    off = ModelSettings(**{option: False})
    # A model saved before the option has no such key in its settings: under the option off it
    # keeps its version; under today's default its version differs, so it is trained again.
    assert option not in off.as_dict()
    assert model_version(1, "h", DEFAULT_SETTINGS) != model_version(1, "h", off)


def test_with_self_training_the_svm_decides_alone(lemmatizer):
    rng = np.random.default_rng(1)
    coded, sets = _coded(rng, 10)
    settings = ModelSettings(cv=3, self_training_weight=0.3, label_words=False)  # the character model on, by default
    model = fit_question_model(QUESTION, coded, sets, lemmatizer, settings, unlabelled=[*coded, "manque de gants 1"])
    assert np.isnan(model.classifier.stack_weights_).all()
    frame = unit_frame(MISSPELT, lemmatizer)
    assert (np.argmax(model.probabilities(frame), axis=1) == TRUTH).all()


def test_the_nb_scaled_character_model_is_a_third_stacked_model_and_the_same_once_saved(lemmatizer, tmp_path):
    """ModelSettings.char_nb_stack: the NB-scaled character model weighed per theme beside the two
    others, still one linear model per theme; off, a saved model keeps its version."""
    rng = np.random.default_rng(0)
    coded, sets = _coded(rng, 12)
    settings = ModelSettings(cv=3, char_model=True, label_words=False, char_nb_stack=True)
    model = fit_question_model(QUESTION, coded, sets, lemmatizer, settings, unlabelled=coded)
    frame = unit_frame(MISSPELT, lemmatizer)
    proba = model.probabilities(frame)
    assert (np.argmax(proba, axis=1) == TRUTH).all()
    clf = model.classifier
    assert clf.stack_weights_.shape == (len(clf.covered_), 4) and np.isfinite(clf.stack_weights_).all()
    features = model.pipeline.named_steps["features"]
    assert clf.fold_coef_.shape[1] == features.transform(frame).shape[1]
    again = load_models(save_models({"q": model}, tmp_path / "m.skops", {}))["q"]
    assert np.allclose(again.probabilities(frame), proba)
    assert "char_nb_stack" not in ModelSettings(char_nb_stack=False).as_dict()


def test_models_stacked_into_one_score_as_many_as_they_are():
    from scipy import sparse

    from consultation.coding.model import LinearScore, _stacked

    rng = np.random.default_rng(3)
    for n_models in (1, 2, 3, 4):
        X = sparse.random(20, 12, density=0.4, random_state=n_models, format="csr")
        parts = []
        for i in range(n_models):
            columns = None if i == 0 else slice(4, 12)
            width = 12 if columns is None else 8
            parts.append((LinearScore(rng.normal(size=width), rng.normal()), rng.normal(size=2), columns))
        weights = rng.normal(size=n_models + 1)
        expected = np.full(20, weights[-1])
        for (model, platt, columns), w in zip(parts, weights[:-1], strict=True):
            block = X if columns is None else X[:, columns]
            expected += w * (platt[0] * model.decision_function(block) + platt[1])
        assert np.allclose(_stacked(parts, weights, 12).decision_function(X), expected)
