"""The 90 % interval of a theme decided by a yes/no rule holds the true count about 90 % of the
time, down to rare themes the human-coded sample holds once or never (issue 16: on DC12 the
bootstrap's intervals of such themes shrank to a few units while the truth was 4 to 24)."""

from __future__ import annotations

import numpy as np
import pytest

from consultation.codebook import Question, Theme
from consultation.coding import estimate as E
from consultation.coding.engine import UnitDecisions

QUESTION = Question(id="q", section="s", text="?", unit="respondents", columns=["answer"],
                    themes=[Theme(id="t0", label="Thème rare"), Theme(id="autres", label="Autres")])


def _covered(rng: np.random.Generator, prevalence: float, recall: float, coded: int, units: int) -> bool:
    """One consultation: a rule that finds `recall` of the theme's answers (and no others), a
    random sample of `coded` human-coded answers, `units` automatic ones."""
    truth = rng.random(coded + units) < prevalence
    chosen = truth & (rng.random(coded + units) < recall)
    decisions = UnitDecisions(
        question=QUESTION, theme_ids=["t0"], probabilities=np.zeros((units, 0)), thresholds=np.array([np.nan]),
        chosen=chosen[coded:, None], source=np.zeros((units, 0), dtype=np.int8), confidence=np.zeros((units, 0)),
        other=~chosen[coded:], other_confidence=np.zeros(units), needs_review=np.zeros(units, dtype=bool),
    )
    calibration = E.QuestionCalibration(
        ["t0", "autres"], np.column_stack([truth[:coded], ~truth[:coded]]),
        np.column_stack([chosen[:coded], ~chosen[:coded]]), np.full((coded, 1), np.nan), np.full((1, 2), np.nan),
    )
    out = E.estimate_counts(decisions, calibration, {"France": np.ones(units, dtype=bool)},
                            n_bootstrap=400, seed=int(rng.integers(1 << 31)))
    row = out.set_index("theme_id").loc["t0"]
    assert row["method"] == E.METHOD_CONFUSION
    true_count = truth[coded:].sum()
    return bool(row["ci_low"] <= true_count <= row["ci_high"])


@pytest.mark.parametrize(("prevalence", "recall"), [(0.005, 0.0), (0.01, 0.0), (0.01, 0.5), (0.03, 0.2), (0.2, 0.6)])
def test_rule_themes_intervals_hold_the_truth_at_about_their_level(prevalence, recall):
    rng = np.random.default_rng(round(prevalence * 1000) + round(recall * 10))
    runs = 300
    coverage = np.mean([_covered(rng, prevalence, recall, coded=250, units=1_000) for _ in range(runs)])
    # 90 % intervals; 300 runs leave a standard error of 0.017
    assert coverage >= 0.85, coverage
