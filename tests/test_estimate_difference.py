"""The difference estimator of the corrected counts (coding/estimate.py), on simulated questions
whose true counts are known: human codes on a random sample, a model or a rule that errs in a
known direction, and the uncoded units' true count to estimate."""

from __future__ import annotations

import numpy as np
import pytest

from consultation.codebook import Question, Theme
from consultation.coding import estimate as E
from consultation.coding.engine import UnitDecisions
from consultation.coding.model import apply_platt, fit_platt


def _simulate(rng, *, units, coded, prevalence, separation, bias, rule=False):
    """One question: latent x, truth y, a model score s; the coded units drawn at random.

    The calibration (Platt) is fitted on the coded units' scores and then shifted by `bias`
    on the logit scale (a miscalibrated model: a distribution shift between the coded units and
    the others, or a wrong calibration); with `rule`, the predictions are 0/1 decisions with a
    cut-off that over- or under-detects.
    """
    base = np.log(prevalence / (1 - prevalence))
    x = rng.normal(0, 1, units)
    y = rng.random(units) < 1 / (1 + np.exp(-(base + separation * x)))
    s = x + rng.normal(0, 0.7, units)
    sample = rng.permutation(units)[:coded]
    is_coded = np.zeros(units, dtype=bool)
    is_coded[sample] = True
    if rule:
        decided = s > (np.quantile(s, 1 - prevalence) - bias)
        calibration = E.QuestionCalibration(["t", "autres"], y[is_coded, None], decided[is_coded, None],
                                            np.full((coded, 1), np.nan), np.full((1, 2), np.nan))
        predicted = decided[~is_coded].astype(float)
    else:
        platt = fit_platt(s[is_coded], y[is_coded]) + np.array([0.0, bias])
        calibration = E.QuestionCalibration(["t", "autres"], y[is_coded, None], y[is_coded, None],
                                            s[is_coded, None], platt[None, :])
        predicted = apply_platt(s[~is_coded], platt)
    return calibration, predicted, int(y[~is_coded].sum())


def _national(n):
    return E.ScopeGroups.from_masks({"France": np.ones(n, dtype=bool)}, n)


CASES = [
    # units, coded, prevalence, separation, bias, rule
    pytest.param(1500, 300, 0.20, 2.0, 1.0, False, id="model-overconfident"),
    pytest.param(1500, 300, 0.20, 2.0, -1.5, False, id="model-underdetects"),
    pytest.param(1500, 300, 0.30, 0.3, 0.8, False, id="model-nearly-useless"),
    pytest.param(2000, 400, 0.05, 2.5, 1.0, False, id="model-rare-theme"),
    pytest.param(1500, 300, 0.15, 2.0, 1.0, True, id="rule-overdetects"),
    pytest.param(1500, 300, 0.15, 2.0, -1.0, True, id="rule-underdetects"),
    pytest.param(600, 60, 0.25, 1.5, 0.7, False, id="model-tiny-sample"),
]


@pytest.mark.parametrize(("units", "coded", "prevalence", "separation", "bias", "rule"), CASES)
def test_difference_estimate_is_unbiased_and_its_90_percent_interval_covers_the_truth(
    units, coded, prevalence, separation, bias, rule
):
    """Over 250 simulated questions: the mean error is within noise of zero although the
    predictions alone are biased by many units, and about 90 % of the intervals hold the truth."""
    rng = np.random.default_rng(units + coded + int(100 * prevalence) + int(10 * bias) + rule)
    errors, naive, covered = [], [], []
    for _ in range(250):
        calibration, predicted, truth = _simulate(
            rng, units=units, coded=coded, prevalence=prevalence, separation=separation, bias=bias, rule=rule)
        point, low, high = E._difference(predicted, calibration, 0, _national(len(predicted)), not rule, 0.90)
        errors.append(point[0] - truth)
        naive.append(predicted.sum() - truth)
        covered.append(low[0] <= truth <= high[0])
    errors, naive = np.array(errors), np.array(naive)
    noise = errors.std() / np.sqrt(len(errors))
    assert abs(errors.mean()) < 3.5 * noise + 0.5  # unbiased
    assert abs(naive.mean()) > 6 * noise  # ... where the predictions alone are not (the test can fail)
    assert 0.85 <= np.mean(covered) <= 0.96


def test_difference_interval_with_no_coded_positive_still_allows_a_few_units():
    """A rare theme that no coded unit has: the count is not 0 ± 0, the interval reaches the
    handful of units a sample this size could have missed, and holds the truth most of the time."""
    rng = np.random.default_rng(7)
    covered, uppers = [], []
    for _ in range(300):
        units, coded = 1200, 120
        y = rng.random(units) < 0.004
        sample = rng.permutation(units)[:coded]
        is_coded = np.zeros(units, dtype=bool)
        is_coded[sample] = True
        if y[is_coded].any():
            continue
        decided = np.zeros(units, dtype=bool)  # the rule never fires
        calibration = E.QuestionCalibration(["t", "autres"], y[is_coded, None], decided[is_coded, None],
                                            np.full((coded, 1), np.nan), np.full((1, 2), np.nan))
        point, low, high = E._difference(decided[~is_coded].astype(float), calibration, 0,
                                         _national(units - coded), False, 0.90)
        truth = int(y[~is_coded].sum())
        assert point[0] == 0 and low[0] == 0
        uppers.append(high[0])
        covered.append(truth <= high[0])
    assert len(covered) > 100
    assert min(uppers) >= 5  # ~ (N/n) x a few: not a zero-width interval
    assert np.mean(covered) >= 0.85


def test_difference_counts_by_region_add_up_to_the_national_count_and_stay_within_the_scope():
    rng = np.random.default_rng(3)
    calibration, predicted, _ = _simulate(rng, units=3000, coded=200, prevalence=0.1, separation=2.0, bias=0.5)
    n = len(predicted)
    region = rng.integers(0, 4, n)
    membership = E.ScopeGroups.from_masks({"France": np.ones(n, dtype=bool)} | {f"r{r}": region == r for r in range(4)}, n)
    point, low, high = E._difference(predicted, calibration, 0, membership, True, 0.90)
    assert point[0] == pytest.approx(point[1:].sum())
    sizes = membership.sizes
    assert (low >= 0).all() and (high <= sizes).all() and (low <= point).all() and (point <= high).all()
    assert (high - low)[0] < (high - low)[1:].sum()  # the national interval is narrower than the regions' added


def _decisions(scores, chosen, model_theme):
    question = Question(id="q", section="s", text="?", unit="respondents", columns=["answer"],
                        themes=[Theme(id="t1", label="Un"), Theme(id="autres", label="Autres")])
    n = len(chosen)
    return UnitDecisions(
        question=question, theme_ids=["t1"], probabilities=np.zeros((n, 1)),
        thresholds=np.array([0.5 if model_theme else np.nan]), chosen=chosen[:, None],
        source=np.zeros((n, 1), dtype=np.int8), confidence=np.zeros((n, 1)), other=~chosen,
        other_confidence=np.zeros(n), needs_review=np.zeros(n, dtype=bool),
        scores=scores[:, None] if model_theme else None,
    )


@pytest.mark.parametrize("model_theme", [True, False], ids=["model", "rule"])
def test_estimate_counts_with_the_difference_estimator_labels_its_method_and_adds_the_human_counts(model_theme):
    """Through `estimate_counts`: every row says « difference », the human-coded units count
    exactly on top, and the label shown to users is French."""
    rng = np.random.default_rng(11)
    calibration, predicted, truth = _simulate(rng, units=2000, coded=400, prevalence=0.2, separation=2.0,
                                              bias=1.0, rule=not model_theme)
    n = len(predicted)
    if model_theme:
        scores = (np.log(predicted / (1 - predicted)) - calibration.platt[0, 1]) / calibration.platt[0, 0]
        chosen = predicted >= 0.5
    else:
        scores, chosen = np.zeros(n), predicted > 0.5
    calibration.decided = np.column_stack([calibration.decided[:, 0], ~calibration.decided[:, 0]])
    calibration.targets = np.column_stack([calibration.targets[:, 0], ~calibration.targets[:, 0]])
    decisions = _decisions(scores, chosen, model_theme)
    human = {"France": np.array([40.0, 360.0])}
    frame = E.estimate_counts(decisions, calibration, {"France": np.ones(n, dtype=bool)}, human,
                              estimator=E.ESTIMATOR_DIFFERENCE)
    old = E.estimate_counts(decisions, calibration, {"France": np.ones(n, dtype=bool)}, human)
    assert set(frame["method"]) == {E.METHOD_DIFFERENCE}
    assert "différence" in E.METHOD_LABELS[E.METHOD_DIFFERENCE]
    row = frame.set_index("theme_id").loc["t1"]
    direct, _, _ = E._difference(predicted, calibration, 0, _national(n), model_theme, 0.90)
    assert row["corrected_count"] == pytest.approx(40 + direct[0])
    assert row["ci_low"] <= row["corrected_count"] <= row["ci_high"]
    assert row["raw_count"] == old.set_index("theme_id").loc["t1", "raw_count"]
    assert abs(row["corrected_count"] - 40 - truth) < 4 * (row["ci_high"] - row["ci_low"])
    with pytest.raises(ValueError, match="estimator"):
        E.estimate_counts(decisions, calibration, {"France": np.ones(n, dtype=bool)}, estimator="nope")


@pytest.mark.parametrize(("coded", "prevalence"), [(300, 0.2), (120, 0.05), (40, 0.3)])
def test_sample_share_estimate_is_unbiased_and_covers_about_90_percent(coded, prevalence):
    """The coded sample's share expanded (no model): unbiased, ~90 % coverage, and through
    `estimate_counts` every row says « sample-share »."""
    rng = np.random.default_rng(coded)
    errors, covered = [], []
    for _ in range(250):
        calibration, predicted, truth = _simulate(rng, units=1500, coded=coded, prevalence=prevalence,
                                                  separation=2.0, bias=1.0)
        n = len(predicted)
        point, low, high = E._difference(np.zeros(n), calibration, 0, _national(n), None, 0.90)
        assert point[0] == pytest.approx(calibration.targets[:, 0].mean() * n)
        errors.append(point[0] - truth)
        covered.append(low[0] <= truth <= high[0])
    errors = np.array(errors)
    assert abs(errors.mean()) < 3.5 * errors.std() / np.sqrt(len(errors)) + 0.5
    assert 0.85 <= np.mean(covered) <= 0.96
    calibration.decided = np.column_stack([calibration.decided[:, 0], ~calibration.decided[:, 0]])
    calibration.targets = np.column_stack([calibration.targets[:, 0], ~calibration.targets[:, 0]])
    frame = E.estimate_counts(_decisions(np.zeros(n), predicted > 0.5, True), calibration,
                              {"France": np.ones(n, dtype=bool)}, estimator=E.ESTIMATOR_EXPANSION)
    assert set(frame["method"]) == {E.METHOD_EXPANSION} and E.METHOD_EXPANSION in E.METHOD_LABELS
