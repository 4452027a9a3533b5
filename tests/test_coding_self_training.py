"""Self-training on a question's uncoded answers (ModelSettings.self_training_weight, off by default)."""

from __future__ import annotations

import pickle

import numpy as np

from consultation.coding.features import unit_frame
from consultation.coding.model import (
    DEFAULT_SETTINGS,
    ModelSettings,
    fit_question_model,
    model_version,
)
from consultation.coding.training import save_models
from test_coding_semi import QUESTION
from test_coding_semi import WORDS as SEMI_WORDS

# The question of test_coding_semi; its words differ in one place (« tabliers »): the coded answers
# use each theme's first three words; the uncoded ones pair a known word with a word of the second
# half, never seen in a coded answer.
WORDS = {
    "epi": ["masques", "gants", "surblouses", "tabliers", "charlottes", "lunettes"],
    "visites": list(SEMI_WORDS["visites"]),
}
# The labels' own words off (ModelSettings.label_words): two of each theme's three coded words are
# its label's here (« visites », « familles »), so that feature alone separates the coded answers
# and these tests would measure it instead of self-training (test_label_words.py tests it).
ST = ModelSettings(cv=3, use_codebook_examples=False, self_training_weight=0.5, label_words=False)
# Without self-training; the character model off too, as it is with self-training (the SVM decides alone).
OFF = ModelSettings(cv=3, use_codebook_examples=False, char_model=False, label_words=False)


def _coded(rng: np.random.Generator, n: int) -> tuple[list[str], list[list[str]]]:
    texts, sets = [], []
    for theme, words in WORDS.items():
        for _ in range(n):
            texts.append(" ".join(["manque", "de", *rng.choice(words[:3], 2, replace=False)]))
            sets.append([theme])
    return texts, sets


def _uncoded(rng: np.random.Generator, n: int) -> list[str]:
    return [
        f"manque de {rng.choice(words[:3])} et de {rng.choice(words[3:])} {i}"
        for i in range(n) for words in WORDS.values()
    ]


UNSEEN = [f"il faut des {w}" for w in WORDS["epi"][3:]] + [f"il faut des {w}" for w in WORDS["visites"][3:]]
TRUTH = np.array([0, 0, 0, 1, 1, 1])


def _margins(model, lemmatizer) -> np.ndarray:
    proba = model.probabilities(unit_frame(UNSEEN, lemmatizer))
    return np.where(TRUTH == 0, proba[:, 0] - proba[:, 1], proba[:, 1] - proba[:, 0])


def test_words_seen_only_in_uncoded_answers_point_to_the_right_theme(lemmatizer):
    """An answer whose only theme word never occurs in a coded answer, but occurs beside coded
    words in uncoded ones, is pushed towards the right theme by self-training, not without it."""
    rng = np.random.default_rng(0)
    coded, sets = _coded(rng, 12)
    pool = coded + _uncoded(rng, 60)
    with_st = _margins(fit_question_model(QUESTION, coded, sets, lemmatizer, ST, unlabelled=pool), lemmatizer)
    without = _margins(fit_question_model(QUESTION, coded, sets, lemmatizer, OFF, unlabelled=pool), lemmatizer)
    assert (with_st > 0).all()
    assert with_st.mean() > without.mean() + 0.05


def test_coded_answers_are_never_pseudo_labelled(lemmatizer):
    """When every answer of the pool is coded, self-training has nothing to add: the model is the
    one trained without it (a coded answer's human codes are never replaced by a guess), and
    the calibration still rests on the human codes alone."""
    rng = np.random.default_rng(1)
    coded, sets = _coded(rng, 12)
    sets[0] = ["visites"]  # a human code the model would contradict: it stays as coded
    model = fit_question_model(QUESTION, coded, sets, lemmatizer, ST, unlabelled=coded)
    plain = fit_question_model(QUESTION, coded, sets, lemmatizer, OFF, unlabelled=coded)
    frame = unit_frame(coded + UNSEEN, lemmatizer)
    assert np.allclose(model.probabilities(frame), plain.probabilities(frame))
    assert model.classifier.oof_targets_[0].tolist() == [0, 1]
    assert (model.classifier.n_pseudo_ == 0).all()

    mixed = fit_question_model(QUESTION, coded, sets, lemmatizer, ST, unlabelled=coded + _uncoded(rng, 40))
    assert (mixed.classifier.n_pseudo_ > 0).all()  # with uncoded answers it does learn from them
    assert len(mixed.classifier.oof_scores_) == len(coded)  # calibrated on the human codes only
    assert (mixed.classifier.oof_targets_ == plain.classifier.oof_targets_).all()


def test_no_uncoded_answer_is_kept_in_the_saved_model(lemmatizer, tmp_path):
    rng = np.random.default_rng(2)
    coded, sets = _coded(rng, 10)
    secret = "zzqx mon voisin monsieur dupont rue des lilas"
    pool = coded + _uncoded(rng, 37) + [secret]
    model = fit_question_model(QUESTION, coded, sets, lemmatizer, ST, unlabelled=pool)
    assert (model.classifier.n_pseudo_ > 0).any()
    state = pickle.dumps(model.classifier)
    plain = pickle.dumps(fit_question_model(QUESTION, coded, sets, lemmatizer, OFF, unlabelled=pool).classifier)
    assert len(state) < 1.2 * len(plain)  # the same coefficients, no matrix of the pool's answers
    assert secret.encode() not in save_models({"q": model}, tmp_path / "m.skops", {}).read_bytes()


def test_off_by_default_and_models_saved_before_keep_their_version():
    assert DEFAULT_SETTINGS.self_training_weight == 0
    assert "self_training_weight" not in DEFAULT_SETTINGS.as_dict()
    on = ModelSettings(self_training_weight=0.3)
    assert model_version(1, "h", on) != model_version(1, "h", DEFAULT_SETTINGS)


def test_the_fold_average_can_decide_and_still_does_once_saved(lemmatizer, tmp_path):
    """With `fold_average_decides`, the answers are scored by the cross-validation's averaged fold
    models (whose out-of-fold scores the calibration was fitted on), the default, also after
    saving and loading the model; without it the model refitted on every coded answer scores them."""
    from consultation.coding.training import load_models

    rng = np.random.default_rng(4)
    coded, sets = _coded(rng, 12)
    pool = coded + _uncoded(rng, 40)
    frame = unit_frame(UNSEEN + pool[-10:], lemmatizer)
    averaged = fit_question_model(QUESTION, coded, sets, lemmatizer, ModelSettings(cv=3), unlabelled=pool)
    refitted = fit_question_model(
        QUESTION, coded, sets, lemmatizer, ModelSettings(cv=3, fold_average_decides=False), unlabelled=pool)
    assert np.allclose(averaged.probabilities(frame), averaged.fold_probabilities(frame))
    assert not np.allclose(refitted.probabilities(frame), refitted.fold_probabilities(frame))
    again = load_models(save_models({"q": averaged}, tmp_path / "m.skops", {}))["q"]
    assert np.allclose(again.probabilities(frame), averaged.probabilities(frame))
    assert DEFAULT_SETTINGS.as_dict()["fold_average_decides"] is True
    off = ModelSettings(fold_average_decides=False)
    assert "fold_average_decides" not in off.as_dict()
    assert model_version(1, "h", off) != model_version(1, "h", DEFAULT_SETTINGS)
