"""The corrected counts' faster refresh (coding/estimate.py) gives the estimates of the path it
replaced (tests/estimate_before.py, the module as it was before, kept for this comparison).

What changed, and why the figures may differ in the last digits only:
- scope sums are made per group of units (one group per region) instead of a sparse units x
  scopes product: the same numbers added in another order (rounding, ~1e-13 relative);
- the bootstrap's Platt refits start from the calibration fitted on every human-coded unit
  instead of (slope 1, log-odds): Newton stops at the same optimum, within its convergence
  tolerance (1e-10 of the loss); the intervals move by less than 1e-6 of a unit here;
- the random draws are the same ones, in the same order (same seed, same shapes).
Hence the tolerance below: 1e-7 relative, 1e-5 of a unit absolute; counts of units (raw counts,
scope sizes) are exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import estimate_before as before
from consultation.codebook import Question, Theme
from consultation.coding import estimate as E
from consultation.coding.engine import UnitDecisions
from consultation.coding.model import fit_platt

VALUES = ["raw_count", "corrected_count", "ci_low", "ci_high"]


def _question(k: int) -> Question:
    themes = [Theme(id=f"t{j}", label=f"Thème {j}") for j in range(k)]
    return Question(id="q", section="s", text="?", unit="respondents", columns=["answer"],
                    themes=[*themes, Theme(id="autres", label="Autres")])


def _consultation(seed: int, *, units: int, coded: int, model_themes: int, rule_themes: int, regions: int):
    """A question with `model_themes` themes the model decides (scores, Platt calibration) and
    `rule_themes` decided by yes/no rules, « Autres » where nothing is chosen; `coded` human-coded
    units (0: no human codes at all); units spread over `regions` regions, some in none."""
    rng = np.random.default_rng(seed)
    k = model_themes + rule_themes
    total = units + coded
    prevalence = rng.uniform(0.02, 0.4, k)
    latent = rng.normal(0, 1, (total, k))
    truth = rng.random((total, k)) < 1 / (1 + np.exp(-(np.log(prevalence / (1 - prevalence)) + 2 * latent)))
    scores = latent + rng.normal(0, 0.8, (total, k))
    cut = [np.quantile(scores[:, j], 1 - p) for j, p in enumerate(prevalence * rng.uniform(0.6, 1.5, k))]
    chosen = scores > np.array(cut)[None, :]
    model = np.arange(k) < model_themes
    scores[:, ~model] = np.nan
    other = ~chosen.any(axis=1)
    auto = slice(coded, None)
    decisions = UnitDecisions(
        question=_question(k), theme_ids=[f"t{j}" for j in range(k)], probabilities=np.zeros((units, 0)),
        thresholds=np.where(model, 0.5, np.nan), chosen=chosen[auto], source=np.zeros((units, 0), dtype=np.int8),
        confidence=np.zeros((units, 0)), other=other[auto], other_confidence=np.zeros(units),
        needs_review=np.zeros(units, dtype=bool), scores=scores[auto] if model_themes else None,
    )
    calibration = None
    if coded:
        platt = np.full((k, 2), np.nan)
        for j in np.flatnonzero(model):
            platt[j] = fit_platt(scores[:coded, j], truth[:coded, j])
        targets = np.column_stack([truth[:coded], ~truth[:coded].any(axis=1)])
        decided = np.column_stack([chosen[:coded], other[:coded]])
        calibration = E.QuestionCalibration([*decisions.theme_ids, "autres"], targets, decided,
                                            scores[:coded], platt)
    region = rng.integers(-1, regions, units)  # -1: a unit in no listed region (national only)
    scopes = {"national\x1fFrance": np.ones(units, dtype=bool)} | {
        f"region\x1fR{r}": region == r for r in range(regions)}
    human = None
    if coded:  # the human-coded units' exact counts, regions adding up to at most the national ones
        human = {name: rng.integers(0, 30, k + 1).astype(float) for name in scopes}
        human["national\x1fFrance"] += sum(v for name, v in human.items() if name.startswith("region"))
    return decisions, calibration, scopes, human


def _same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns) and len(new) == len(old) > 0
    pd.testing.assert_frame_equal(new.drop(columns=VALUES), old.drop(columns=VALUES))
    np.testing.assert_array_equal(new["raw_count"], old["raw_count"])
    for column in VALUES[1:]:
        np.testing.assert_allclose(new[column], old[column], rtol=1e-7, atol=1e-5, err_msg=column)


CASES = [
    # seed, units, coded, model themes, rule themes, regions
    pytest.param(0, 20_000, 600, 4, 2, 5, id="model-and-rules"),
    pytest.param(1, 8_000, 300, 3, 0, 13, id="model-only-many-regions"),
    pytest.param(2, 8_000, 250, 0, 4, 3, id="rules-only"),
    pytest.param(3, 5_000, 0, 2, 2, 4, id="no-human-codes"),
    pytest.param(4, 3_000, 80, 2, 1, 1, id="small-sample-one-region"),
    pytest.param(5, 0, 200, 2, 1, 2, id="no-automatic-unit"),
]


@pytest.mark.parametrize(("seed", "units", "coded", "model_themes", "rule_themes", "regions"), CASES)
# « cross-fitted » came after the previous module (it shares `_difference` with « difference »;
# tests/test_estimate_cross_fitted.py checks it)
@pytest.mark.parametrize("estimator", [e for e in E.ESTIMATORS if e != E.ESTIMATOR_CROSS_FITTED])
def test_refresh_gives_the_estimates_of_the_previous_path(seed, units, coded, model_themes, rule_themes, regions,
                                                          estimator):
    decisions, calibration, scopes, human = _consultation(
        seed, units=units, coded=coded, model_themes=model_themes, rule_themes=rule_themes, regions=regions)
    new = E.estimate_counts(decisions, calibration, scopes, human, seed=seed, estimator=estimator)
    old = before.estimate_counts(decisions, calibration, scopes, human, seed=seed, estimator=estimator)
    _same(new, old)
    if units and coded and estimator == E.ESTIMATOR_CALIBRATED:  # the comparison can fail: a real interval
        assert (new["ci_high"] - new["ci_low"]).max() > 1
    national = new[new["scope"] == "national\x1fFrance"].set_index("theme_id")["raw_count"]
    regional = new[new["scope"] != "national\x1fFrance"].groupby("theme_id")["raw_count"].sum()
    assert (regional <= national.loc[regional.index]).all()  # the units of no region count nationally only


def test_scope_groups_from_overlapping_masks_sum_as_the_masks_do():
    """Any masks (overlapping, empty, every unit): per-scope sums equal the masks' own sums."""
    rng = np.random.default_rng(9)
    n = 5_000
    masks = {"all": np.ones(n, dtype=bool), "none": np.zeros(n, dtype=bool)} | {
        f"m{i}": rng.random(n) < p for i, p in enumerate([0.1, 0.5, 0.9, 0.5])}
    groups = E.ScopeGroups.from_masks(masks, n)
    values = rng.normal(size=(3, n))
    expected = np.column_stack([values @ m for m in masks.values()])
    np.testing.assert_allclose(E._by_scope(values, groups), expected, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(groups.sizes, [m.sum() for m in masks.values()])


@pytest.mark.parametrize("prevalence", [0.02, 0.2, 0.5])
def test_bootstrap_refits_started_from_the_calibration_reach_the_same_optimum(prevalence):
    rng = np.random.default_rng(int(prevalence * 100))
    n = 800
    latent = rng.normal(size=n)
    truth = rng.random(n) < 1 / (1 + np.exp(-(np.log(prevalence / (1 - prevalence)) + 2 * latent)))
    scores = latent + rng.normal(0, 0.7, n)
    weights = rng.multinomial(n, np.full(n, 1 / n), size=100).astype(float)
    default = fit_platt(scores, truth, weights)
    started = fit_platt(scores, truth, weights, start=fit_platt(scores, truth))
    np.testing.assert_allclose(started, default, rtol=1e-6, atol=1e-8)
    assert np.abs(default[:, 0] - 1).max() > 0.1  # the optimum is not the default start itself
    np.testing.assert_array_equal(fit_platt(scores, truth, weights, start=np.array([np.nan, np.nan])), default)


def _db_estimates(module, con, engine, training, **kw):
    columns = [c for c in E.ESTIMATE_COLUMNS]
    return module.estimate_consultation(con, engine, training, **kw)[columns].sort_values(columns[:4]).reset_index(drop=True)


@pytest.mark.slow
def test_refresh_from_the_database_gives_the_previous_estimates(tmp_path_factory, nlp, tmp_path):
    """On the coded half sample (a model and rules, regions, human codes): every decision stored,
    some missing (decided again, their texts read then), none reused (the full recompute), and
    one or two workers: the previous module's estimates each time."""
    from consultation import store
    from consultation.codebook import load_consultation
    from consultation.coding.training import load_engine, training_units
    from consultation.store.paths import OutputPaths
    from consultation.text import Lemmatizer
    from test_coding_support import half_sample

    folder, out = half_sample(tmp_path_factory, nlp)
    consultation = load_consultation(folder)
    db = tmp_path / "copy.duckdb"
    db.write_bytes(OutputPaths.for_consultation(out, consultation.id).db.read_bytes())
    con = store.connect(db)
    try:
        engine = load_engine(con, consultation, Lemmatizer(nlp))
        assert engine.models  # a model decides some themes: scores and the PCC bootstrap
        training = training_units(con, consultation)
        cases = [{"workers": 1}, {"workers": 2}, {"reuse_decisions": False, "workers": 1}]
        for kw in cases:
            new, old = _db_estimates(E, con, engine, training, **kw), _db_estimates(before, con, engine, training, **kw)
            _same(new, old)
        assert set(new["method"]) >= {E.METHOD_PCC, E.METHOD_CONFUSION}
        # the cross-fitted counts need the texts (the fold models predict them) though no decision is missing
        crossed = E.estimate_consultation(con, engine, training, estimator=E.ESTIMATOR_CROSS_FITTED)
        assert E.METHOD_CROSS_FITTED in set(crossed["method"])
        assert len(crossed) == len(new)
        deleted = con.execute(  # some decisions missing, as in a database coded before they were stored
            "DELETE FROM unit_decisions WHERE unit_no = 0 AND hash(respondent_id) % 3 = 0").fetchone()[0]
        kept = con.execute("SELECT count(*) FROM unit_decisions").fetchone()[0]
        assert 0 < deleted < kept
        _same(_db_estimates(E, con, engine, training), _db_estimates(before, con, engine, training))
        _same(_db_estimates(E, con, engine, training), new)  # decided again: the same decisions
    finally:
        con.close()
