"""Cross-fitted corrected counts (coding/estimate.py, estimator « cross-fitted »: cross-prediction-
powered inference, Zrnic & Candès 2024) on generated questions whose true counts are known: the
engine's own model trained on a random sample of coded answers, the uncoded answers' true count to
estimate."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio

from consultation.codebook import Question, Theme
from consultation.coding import estimate as E
from consultation.coding.engine import decide
from consultation.coding.features import unit_frame
from consultation.coding.model import ModelSettings, ThemeClassifier, fit_question_model
from consultation.coding.rules import RuleCoder

QUESTION = Question(
    id="q", section="s", text="Que faites-vous ?", unit="respondents", columns=["answer"],
    themes=[Theme(id="a", label="zzqa"), Theme(id="b", label="zzqb"), Theme(id="autres", label="Autres")],
)
PREVALENCE = {"a": 0.25, "b": 0.12}
# Features fitted on the coded answers only (the default before): the difference estimator's bias
# the cross-fitted one is compared with.
SETTINGS = ModelSettings(char_ngrams=(3, 4), use_codebook_examples=False, features_on_pool=False)


@pytest.fixture(scope="module")
def blank_lemmatizer():
    """spaCy's blank French pipeline: the generated words need no lemmas (fast, no model)."""
    import spacy

    from consultation.text import Lemmatizer

    return Lemmatizer(spacy.blank("fr"))


def _answers(rng: np.random.Generator, n: int) -> tuple[list[str], list[list[str]]]:
    """Answers of a few words: a long tail of rare words (most answers have words no other answer
    has, as real ones do), one or two cue words per theme present, and a misleading cue of « a »
    in some answers without it."""
    texts, sets = [], []
    for _ in range(n):
        themes = [t for t, p in PREVALENCE.items() if rng.random() < p]
        words = [f"mot{int(k)}" for k in rng.zipf(1.3, rng.integers(4, 10))]
        for t in themes:
            words += [f"{t}cue{int(rng.integers(0, 30))}" for _ in range(int(rng.integers(1, 3)))]
        if rng.random() < 0.15:
            words.append(f"acue{int(rng.integers(0, 30))}")
        rng.shuffle(words)
        texts.append(" ".join(words))
        sets.append(themes)
    return texts, sets


def _estimate(lemmatizer, texts, sets, coded, estimator):
    """One question: the model trained on the coded answers, the counts of the others estimated."""
    uncoded = np.setdiff1d(np.arange(len(texts)), coded)
    coded_texts, coded_sets = [texts[i] for i in coded], [sets[i] for i in coded]
    other_texts = [texts[i] for i in uncoded]
    rules = RuleCoder([QUESTION], lemmatizer)
    settings = SETTINGS if estimator == E.ESTIMATOR_DIFFERENCE else ModelSettings(
        char_ngrams=SETTINGS.char_ngrams, use_codebook_examples=False, features_on_pool=True)
    model = fit_question_model(QUESTION, coded_texts, coded_sets, lemmatizer, settings, unlabelled=texts)
    frame = unit_frame(other_texts, lemmatizer)
    scores = model.scores(frame)
    decisions = decide(QUESTION, model, model.calibrate(scores), rules.code("q", other_texts), scores)
    calibration = E.calibrate_question(QUESTION, model, coded_sets, rules.code("q", coded_texts))
    cross = model.fold_probabilities(frame) if estimator == E.ESTIMATOR_CROSS_FITTED else None
    frame = E.estimate_counts(decisions, calibration, {"France": np.ones(len(other_texts), dtype=bool)},
                              estimator=estimator, cross_predictions=cross).set_index("theme_id")
    truth = np.array([sum(t in sets[i] for i in uncoded) for t in PREVALENCE])
    rows = frame.loc[list(PREVALENCE)]
    return rows["corrected_count"].to_numpy() - truth, (
        (rows["ci_low"].to_numpy() <= truth) & (truth <= rows["ci_high"].to_numpy()))


@pytest.mark.slow
def test_cross_fitted_counts_are_unbiased_and_cover_where_the_difference_estimator_is_biased(blank_lemmatizer):
    """24 generated questions (1,000 answers, 150 coded at random): the difference estimator of
    before over-counts theme « a » by many times its noise (its uncoded answers are predicted by
    the final model, its coded ones out of fold by models featurised differently); the
    cross-fitted estimator (features fitted on every answer, uncoded answers predicted by the fold
    models) is within noise of the truth and its 90 % intervals hold it about 90 % of the time."""
    errors: dict[str, list[np.ndarray]] = {E.ESTIMATOR_DIFFERENCE: [], E.ESTIMATOR_CROSS_FITTED: []}
    covered: dict[str, list[np.ndarray]] = {E.ESTIMATOR_DIFFERENCE: [], E.ESTIMATOR_CROSS_FITTED: []}
    for seed in range(24):
        rng = np.random.default_rng(seed)
        texts, sets = _answers(rng, 1000)
        coded = rng.permutation(len(texts))[:150]
        for estimator in errors:
            error, cover = _estimate(blank_lemmatizer, texts, sets, coded, estimator)
            errors[estimator].append(error)
            covered[estimator].append(cover)
    old = np.array(errors[E.ESTIMATOR_DIFFERENCE])
    new = np.array(errors[E.ESTIMATOR_CROSS_FITTED])
    noise_old = old.std(axis=0) / np.sqrt(len(old))
    noise_new = new.std(axis=0) / np.sqrt(len(new))
    assert old[:, 0].mean() > 4 * noise_old[0]  # the old estimator over-counts « a » (the test can fail)
    assert np.all(np.abs(new.mean(axis=0)) < 3.5 * noise_new + 0.5)  # unbiased on both themes
    coverage = np.array(covered[E.ESTIMATOR_CROSS_FITTED]).mean()
    assert 0.80 <= coverage <= 0.98, coverage


def _sparse_question(seed: int):
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    X = sp.random(300, 80, density=0.1, random_state=seed, format="csr")
    signal = np.asarray(X[:, :3].sum(axis=1)).ravel()
    Y = np.column_stack([
        rng.random(300) < 1 / (1 + np.exp(-(4 * signal - 1.5))),
        rng.random(300) < 0.3,
        np.zeros(300, dtype=bool),  # a theme no coded unit has: no fold model
    ]).astype(int)
    return X, Y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_fold_models_average_is_saved_and_scores_as_their_mean(seed):
    """The saved classifier keeps one averaged linear model per theme, not the fold models: its
    probability is that of the fold models' mean score, the same after a skops round trip, and
    NaN for a theme without fold models."""
    X, Y = _sparse_question(seed)
    clf = ThemeClassifier().fit(X, Y)
    mean_score = np.mean([svm.decision_function(X) for svm in clf.fold_estimators_[0]], axis=0)
    expected = 1 / (1 + np.exp(-(clf.platt_[0, 0] * mean_score + clf.platt_[0, 1])))
    cross = clf.fold_probabilities(X)
    np.testing.assert_allclose(cross[:, 0], expected, atol=1e-5)
    assert np.isnan(cross[:, 2]).all()
    by_probability = clf.fold_probabilities(X, average="probability")
    assert np.abs(by_probability[:, :2] - cross[:, :2]).max() < 0.05  # nearly the same predictor
    blob = sio.dumps(clf)
    loaded = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    assert not hasattr(loaded, "fold_estimators_")
    np.testing.assert_allclose(loaded.fold_probabilities(X), cross, atol=1e-12)
    with pytest.raises(ValueError, match="fold models"):
        loaded.fold_probabilities(X, average="probability")


def test_estimate_counts_cross_fitted_uses_the_fold_predictions_and_says_so():
    """Through `estimate_counts`: the model themes' counts are the difference estimate on the fold
    models' predictions (not the final model's scores), the method is « cross-fitted » with a
    French label, and without the fold predictions it refuses with a message."""
    from consultation.coding.engine import UnitDecisions

    rng = np.random.default_rng(5)
    n, coded = 1500, 300
    truth_all = rng.random(n + coded) < 0.2
    oof = np.where(truth_all[:coded], 1.0, -1.0) + rng.normal(0, 1, coded)
    platt = np.array([1.0, -1.4])
    calibration = E.QuestionCalibration(
        ["t1", "autres"], np.column_stack([truth_all[:coded], ~truth_all[:coded]]),
        np.column_stack([oof > 0, oof <= 0]), oof[:, None], platt[None, :])
    cross = 1 / (1 + np.exp(-(np.where(truth_all[coded:], 1.0, -1.0) + rng.normal(0, 1, n) - 1.4)))
    scores = 3 * np.where(truth_all[coded:], 1.0, -1.0)  # a final model far wider: must not be used
    question = Question(id="q", section="s", text="?", unit="respondents", columns=["answer"],
                        themes=[Theme(id="t1", label="Un"), Theme(id="autres", label="Autres")])
    decisions = UnitDecisions(
        question=question, theme_ids=["t1"], probabilities=np.zeros((n, 1)), thresholds=np.array([0.5]),
        chosen=(scores > 0)[:, None], source=np.zeros((n, 1), dtype=np.int8), confidence=np.zeros((n, 1)),
        other=scores <= 0, other_confidence=np.zeros(n), needs_review=np.zeros(n, dtype=bool),
        scores=scores[:, None],
    )
    scopes = {"France": np.ones(n, dtype=bool)}
    frame = E.estimate_counts(decisions, calibration, scopes, estimator=E.ESTIMATOR_CROSS_FITTED,
                              cross_predictions=cross[:, None])
    assert set(frame["method"]) == {E.METHOD_CROSS_FITTED}
    assert "croisée" in E.METHOD_LABELS[E.METHOD_CROSS_FITTED]
    direct, low, high = E._difference(cross, calibration, 0, E.ScopeGroups.from_masks(scopes, n), True, 0.90)
    row = frame.set_index("theme_id").loc["t1"]
    assert row["corrected_count"] == pytest.approx(direct[0])
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low[0], high[0]))
    with pytest.raises(ValueError, match="cross_predictions"):
        E.estimate_counts(decisions, calibration, scopes, estimator=E.ESTIMATOR_CROSS_FITTED)


def test_features_on_pool_off_gives_the_model_versions_of_before():
    """Off, the setting is absent from the settings' dictionary (hence the model version): the
    versions of the models saved before it existed; on (the default), it is there."""
    assert "features_on_pool" not in ModelSettings(features_on_pool=False).as_dict()
    assert ModelSettings().as_dict()["features_on_pool"] is True


@pytest.mark.parametrize("fold_average_decides", [True, False])
def test_estimate_from_gives_cross_fitted_counts_nationally_and_by_region(blank_lemmatizer, fold_average_decides):
    """`estimate_from(estimator="cross-fitted")` (what `estimate_consultation` calls) predicts the
    automatic units with the fold models: from their stored scores when the fold models' average
    decides (the default: no text needed), else from their texts. Its national count is the
    direct estimate's, the regions' counts lie within the national one, the human counts are
    added; a model saved without the fold models' average is refused with a message."""
    from types import SimpleNamespace

    import pandas as pd

    from consultation.coding.training import TrainingUnits

    rng = np.random.default_rng(3)
    texts, sets = _answers(rng, 600)
    coded = rng.permutation(len(texts))[:120]
    uncoded = np.setdiff1d(np.arange(len(texts)), coded)
    coded_texts, coded_sets = [texts[i] for i in coded], [sets[i] for i in coded]
    auto_texts = [texts[i] for i in uncoded]
    settings = ModelSettings(char_ngrams=(3, 4), use_codebook_examples=False, features_on_pool=True,
                             fold_average_decides=fold_average_decides)
    model = fit_question_model(QUESTION, coded_texts, coded_sets, blank_lemmatizer, settings, unlabelled=texts)
    rules = RuleCoder([QUESTION], blank_lemmatizer)
    engine = SimpleNamespace(models={"q": model}, rules=rules, lemmatizer=blank_lemmatizer)
    training = TrainingUnits("q", [str(i) for i in coded], coded_texts, coded_sets, pool=texts)
    frame = unit_frame(auto_texts, blank_lemmatizer)
    scores = model.scores(frame)
    decisions = decide(QUESTION, model, model.calibrate(scores), rules.code("q", auto_texts), scores)
    regions = np.where(rng.random(len(auto_texts)) < 0.4, "Bretagne", "Occitanie")
    auto = pd.DataFrame({"text": auto_texts, "region": regions})
    human = [("a", "Bretagne", 7), ("a", "Occitanie", 5)]
    out = E.estimate_from(QUESTION, engine, training, auto, decisions, ["Bretagne", "Occitanie"], human,
                          estimator=E.ESTIMATOR_CROSS_FITTED)
    assert set(out["method"]) == {E.METHOD_CROSS_FITTED}
    rows = out[out["theme_id"] == "a"].set_index("scope")
    calibration = E.calibrate_question(QUESTION, model, coded_sets, rules.code("q", coded_texts))
    direct = E.estimate_counts(decisions, calibration, {"France": np.ones(len(auto_texts), dtype=bool)},
                               estimator=E.ESTIMATOR_CROSS_FITTED,
                               cross_predictions=model.fold_probabilities(frame)).set_index("theme_id")
    national = rows[rows["scope_kind"] == "national"].iloc[0]
    assert national["corrected_count"] == pytest.approx(12 + direct.loc["a", "corrected_count"])
    by_region = rows[rows["scope_kind"] == "region"]["corrected_count"]
    assert by_region.sum() == pytest.approx(national["corrected_count"], rel=0.02)
    assert (by_region >= [7, 5]).all()
    without_texts = auto.drop(columns="text")
    if fold_average_decides:  # the stored scores are the fold models' average's: the same counts
        again = E.estimate_from(QUESTION, engine, training, without_texts, decisions, ["Bretagne", "Occitanie"],
                                human, estimator=E.ESTIMATOR_CROSS_FITTED)
        pd.testing.assert_frame_equal(again, out)
    else:
        with pytest.raises(ValueError, match="texts"):
            E.estimate_from(QUESTION, engine, training, without_texts, decisions, ["Bretagne", "Occitanie"],
                            human, estimator=E.ESTIMATOR_CROSS_FITTED)
    del model.classifier.fold_coef_
    with pytest.raises(ValueError, match="train it again"):
        E.estimate_from(QUESTION, engine, training, auto, decisions, ["Bretagne", "Occitanie"], human,
                        estimator=E.ESTIMATOR_CROSS_FITTED)
