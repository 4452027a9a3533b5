"""Theme counts corrected for the coder's measured errors, with a bootstrap 90% interval.

A raw count adds up automatic decisions, errors included: a theme the coder over-detects is
over-counted. The corrected count uses what cross-validation on the human codes says about
those errors:

- themes the model decides (`pcc`): probabilistic classify-and-count, the sum of the calibrated
  probabilities (Platt scaling fitted on out-of-fold scores). Its interval resamples the
  out-of-fold scores to refit the calibration, then the units' own Bernoulli uncertainty;
- themes decided by a yes/no rule (keyword rules, « Autres ») (`confusion`): each unit counts
  for the share of human-coded units with the same decision that humans gave the theme
  (precision for the units the rule picks, false omission rate for the others). The interval
  draws those two rates from their posteriors (Jeffreys' prior: a theme the coded units never
  hold keeps an honest uncertainty), then the units' own Bernoulli uncertainty;
- no human codes at all (`raw`): nothing to correct with; the interval is the raw count.

Option (`estimator="difference"`, method `difference`): the model-assisted difference estimator
(« prediction-powered inference »): the predictions summed over the uncoded units (calibrated
probabilities for model themes, 0/1 decisions for rule themes) plus, per uncoded unit, the mean
residual (human code − out-of-fold prediction) of the human-coded units; a Student interval from
the residuals' variance. Unbiased whatever the predictions' errors, but ONLY when the human-coded
units are a random sample of the question's units: the tool cannot know (people code what they
like, `export a-coder` picks uncertain answers), so it is never chosen on its own
(benchmarks/coding/RESULTS-five.md gives the figures of both). `estimator="sample-share"`
(method `sample-share`): the same with no prediction, the coded sample's share of the theme
times the uncoded units; same condition.

Option `estimator="cross-fitted"` (method `cross-fitted`): cross-prediction-powered inference
(Zrnic & Candès, PNAS 2024): the difference estimator with the uncoded units predicted by the
average of the cross-validation's fold models (`fold_predictions`), the models whose out-of-fold
predictions give the coded units' residuals, instead of by the final model. Same condition (a
random sample of coded units). It corrects the model's bias only if coded and uncoded units are
featurised alike: `ModelSettings(features_on_pool=True)`, the default (benchmarks/coding/RESULTS-five.md,
« Cross-fitted counts »).

Human-coded units count exactly, as in the tallies (human codes win). Scopes: national
('France') and each region, as the tally views name them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from consultation.codebook import Question
from consultation.coding.engine import CodingEngine, UnitDecisions, decide
from consultation.coding.features import unit_frame
from consultation.coding.model import QuestionModel, apply_platt, fit_platt
from consultation.coding.rules import RuleHit
from consultation.coding.training import TrainingUnits
from consultation.errors import ConsultationError
from consultation.parallel import PARALLEL_FROM, cores, fork_map
from consultation.tally import NATIONAL_SCOPE
from consultation.text import Lemmatizer

METHOD_PCC = "pcc-bootstrap"
METHOD_CONFUSION = "confusion-bootstrap"
METHOD_RAW = "raw"
METHOD_DIFFERENCE = "difference"
METHOD_EXPANSION = "sample-share"
METHOD_CROSS_FITTED = "cross-fitted"
METHOD_LABELS = {
    METHOD_PCC: "probabiliste (probabilités calibrées par validation croisée)",
    METHOD_CONFUSION: "corrigé des erreurs mesurées sur les codes humains",
    METHOD_RAW: "brut (aucun code humain pour mesurer les erreurs)",
    METHOD_DIFFERENCE: "par différence (prédictions corrigées de l’écart moyen mesuré sur un échantillon "
                       "aléatoire de codes humains)",
    METHOD_EXPANSION: "extrapolé de l’échantillon aléatoire de codes humains (sans modèle)",
    METHOD_CROSS_FITTED: "par différence croisée (prédictions des modèles de validation croisée, corrigées de "
                         "l’écart mesuré sur un échantillon aléatoire de codes humains)",
}
# How the corrected counts are estimated (`estimate_counts(estimator=...)`):
# - "calibrated": PCC for model themes, confusion-matrix correction for rule themes; valid whatever
#   units humans coded, as long as the calibration holds for the uncoded ones;
# - "difference": the model-assisted difference estimator (survey sampling's GREG / difference
#   estimator, « prediction-powered inference »): unbiased whatever the model's calibration, but
#   only when the human-coded units are a random sample of the question's units;
# - "sample-share": the share of the human-coded units with the theme, times the uncoded units (the
#   difference estimator with no prediction: design-based, ignores the model; same condition).
ESTIMATOR_CALIBRATED = "calibrated"
ESTIMATOR_DIFFERENCE = "difference"
ESTIMATOR_EXPANSION = "sample-share"
# - "cross-fitted": cross-prediction-powered inference (Zrnic & Candès, PNAS 2024): the difference
#   estimator with the uncoded units predicted by the cross-validation's fold models (their mean
#   calibrated probability, `cross_predictions`), the same models whose out-of-fold predictions
#   give the coded units' residuals; same condition (a random sample of coded units).
ESTIMATOR_CROSS_FITTED = "cross-fitted"
ESTIMATORS = (ESTIMATOR_CALIBRATED, ESTIMATOR_DIFFERENCE, ESTIMATOR_EXPANSION, ESTIMATOR_CROSS_FITTED)
N_BOOTSTRAP = 300
LEVEL = 0.90


@dataclass
class QuestionCalibration:
    """The coder's out-of-fold decisions on the human-coded units of a question, and the truth.

    Columns: the question's themes except « Autres », then « Autres » last.
    """

    theme_ids: list[str]
    targets: np.ndarray  # units x (themes + 1), human codes
    decided: np.ndarray  # units x (themes + 1), the coder's decisions out of fold
    oof_scores: np.ndarray  # units x themes, NaN where the model does not decide the theme
    platt: np.ndarray  # themes x 2, the model's calibration (NaN rows where it does not decide)

    @property
    def n_units(self) -> int:
        return len(self.targets)


def calibrate_question(
    question: Question,
    model: QuestionModel | None,
    theme_sets: list[list[str]],
    rule_hits: list[list[RuleHit]],
    texts: list[str] | None = None,
) -> QuestionCalibration | None:
    """Out-of-fold decisions for the human-coded units (in the order the model was trained on).

    The model's internal cross-validation gives its out-of-fold probabilities; rules learn
    nothing, so applying them to the human-coded units is already out of sample. None when there
    are no human-coded units, or when the model was trained on other units than these. `texts`:
    the units' texts, for the best-theme policy (`engine.decide`), as the coding applies it.
    """
    n = len(theme_sets)
    if n == 0 or (model is not None and model.n_units != n):
        return None
    oof_scores = model.classifier.oof_scores_ if model is not None else None
    oof_proba = model.calibrate(oof_scores) if model is not None and oof_scores is not None else None
    d = decide(question, model, oof_proba, rule_hits, oof_scores, texts)
    other_id = question.other_theme.id
    ids = [*d.theme_ids, other_id]
    index = {t: j for j, t in enumerate(ids)}
    targets = np.zeros((n, len(ids)), dtype=bool)
    for i, themes in enumerate(theme_sets):
        for theme in themes:
            if theme in index:
                targets[i, index[theme]] = True
        if not targets[i, :-1].any():
            targets[i, -1] = True
    decided = np.column_stack([d.chosen, d.other])
    platt = np.full((len(d.theme_ids), 2), np.nan)
    if model is not None:
        position = {t: j for j, t in enumerate(model.theme_ids)}
        for j, theme_id in enumerate(d.theme_ids):
            if d.model_decides[j]:
                platt[j] = model.classifier.platt_[position[theme_id]]
    scores = d.scores if d.scores is not None else np.full((n, len(d.theme_ids)), np.nan)
    return QuestionCalibration(ids, targets, decided, scores, platt)


def estimate_counts(
    decisions: UnitDecisions,
    calibration: QuestionCalibration | None,
    scopes: dict[str, np.ndarray] | ScopeGroups,
    human_counts: dict[str, np.ndarray] | None = None,
    *,
    n_bootstrap: int = N_BOOTSTRAP,
    level: float = LEVEL,
    seed: int = 0,
    estimator: str = ESTIMATOR_CALIBRATED,
    cross_predictions: np.ndarray | None = None,
    fits: BootstrapFits | None = None,
) -> pd.DataFrame:
    """Raw and corrected counts per (theme, scope), « Autres » included.

    `decisions` are the automatic units; `scopes` maps a scope name to a boolean mask over
    them (or is already a ScopeGroups); `human_counts` maps a scope to the exact counts (themes +
    « Autres ») of the human-coded units in it. `estimator`: one of ESTIMATORS (see there).
    `cross_predictions` (units x themes, « cross-fitted » only): the fold models' mean calibrated
    probability of each automatic unit (`QuestionModel.fold_probabilities`), NaN where the model
    does not decide. `fits`: bootstrap refits kept from an earlier run (`BootstrapFits`), reused
    and added to.
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, not {estimator!r}")
    if estimator == ESTIMATOR_CROSS_FITTED and decisions.scores is not None and cross_predictions is None:
        raise ValueError("the cross-fitted estimator needs the fold models' predictions (cross_predictions)")
    rng = np.random.default_rng(seed)
    theme_ids = [*decisions.theme_ids, decisions.question.other_theme.id]
    chosen = np.column_stack([decisions.chosen, decisions.other]).astype(float)
    n = len(chosen)
    membership = scopes if isinstance(scopes, ScopeGroups) else ScopeGroups.from_masks(scopes, n)
    names = membership.names
    human = np.vstack([
        np.asarray((human_counts or {}).get(s, np.zeros(len(theme_ids))), dtype=float) for s in names
    ]) if names else np.zeros((0, len(theme_ids)))
    raw = _by_scope(chosen.T, membership)  # themes x scopes
    size = membership.sizes
    tail = (1 - level) / 2
    rows = []
    for j, theme_id in enumerate(theme_ids):
        if calibration is None:
            point, low, high, method = raw[j], raw[j], raw[j], METHOD_RAW
        elif estimator == ESTIMATOR_DIFFERENCE:
            model_theme = j < len(decisions.theme_ids) and decisions.model_decides[j] and decisions.scores is not None
            predicted = (apply_platt(decisions.scores[:, j], calibration.platt[j])
                         if model_theme and decisions.scores is not None else chosen[:, j])
            point, low, high = _difference(predicted, calibration, j, membership, model_theme, level)
            method = METHOD_DIFFERENCE
        elif estimator == ESTIMATOR_CROSS_FITTED:
            model_theme = (j < len(decisions.theme_ids) and bool(decisions.model_decides[j])
                           and cross_predictions is not None and not np.isnan(cross_predictions[:, j]).any())
            predicted = cross_predictions[:, j] if model_theme and cross_predictions is not None else chosen[:, j]
            point, low, high = _difference(predicted, calibration, j, membership, model_theme, level)
            method = METHOD_CROSS_FITTED
        elif estimator == ESTIMATOR_EXPANSION:
            point, low, high = _difference(np.zeros(n), calibration, j, membership, None, level)
            method = METHOD_EXPANSION
        elif j < len(decisions.theme_ids) and decisions.model_decides[j] and decisions.scores is not None:
            point, draws = _pcc(decisions.scores[:, j], calibration, j, membership, n_bootstrap, rng, fits)
            low, high = _interval(draws, size, tail)
            method = METHOD_PCC
        else:
            point, draws = _confusion(chosen[:, j], calibration, j, membership, n_bootstrap, rng)
            low, high = _interval(draws, size, tail)
            method = METHOD_CONFUSION
        for s, scope in enumerate(names):
            rows.append((
                theme_id, scope, float(human[s, j] + raw[j, s]), float(human[s, j] + point[s]),
                float(human[s, j] + min(low[s], point[s])), float(human[s, j] + max(high[s], point[s])),
                method,
            ))
    return pd.DataFrame(
        rows, columns=["theme_id", "scope", "raw_count", "corrected_count", "ci_low", "ci_high", "method"]
    )


def _difference(
    predicted: np.ndarray, calibration: QuestionCalibration, j: int, membership: ScopeGroups,
    model_theme: bool | None, level: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The difference estimator of one theme per scope, and its `level` interval (`model_theme`:
    the predictions are calibrated probabilities, True, or rule decisions, False; None: no
    prediction, `predicted` is zeros and the estimate is the coded sample's share expanded).

    count = sum of the predictions over the scope's uncoded units + N_scope x the mean residual
    (human code - out-of-fold prediction) over the human-coded units. When those are a simple
    random sample of the question's units, the residual term removes the predictions' bias
    whatever it is: the predictions only have to be correlated with the truth to narrow the
    interval. The error of the estimate is N_scope x (mean residual of the sample - mean residual
    of the scope's uncoded units), of variance S² (N_scope² / n + N_scope) (S²: the residuals'
    variance; the second term is the scope's own units' spread, the finite-population term); the
    interval is Student's with n - 1 degrees of freedom. The residual mean is the question's,
    national: a region's count assumes the predictions err there as they do nationally.
    Cost: one sum per scope over the predictions (O(1) per unit, from the stored decisions).
    """
    if model_theme is None:  # no prediction at all: the coded sample's share, expanded
        coded = np.zeros(calibration.n_units)
    elif model_theme:
        coded = apply_platt(calibration.oof_scores[:, j], calibration.platt[j])
    else:
        coded = calibration.decided[:, j].astype(float)
    residuals = calibration.targets[:, j].astype(float) - coded
    n = len(residuals)
    size = membership.sizes
    point = _by_scope(predicted, membership) + size * residuals.mean()
    # A floor on the residuals' variance: with no positive among the coded units (a rare theme)
    # the sample variance is 0 but a share up to about 1/n of positives is still plausible.
    floor = (1 / (n + 2)) * (1 - 1 / (n + 2))
    variance = max(float(residuals.var(ddof=1)) if n > 1 else 0.25, floor)
    half = _student(level, n) * np.sqrt(variance * (size**2 / n + size))
    point = np.clip(point, 0, size)  # a count, whatever the residuals say
    return point, np.clip(point - half, 0, size), np.clip(point + half, 0, size)


@lru_cache(maxsize=256)
def _student(level: float, n: int) -> float:
    """Student's two-sided `level` quantile with n - 1 degrees of freedom."""
    from scipy.stats import t

    return float(t.ppf(0.5 + level / 2, max(n - 1, 1)))


@dataclass(frozen=True)
class ScopeGroups:
    """Which scopes each unit counts in, as groups of units that belong to the same scopes.

    `group` gives each unit its group; `pattern` (groups x scopes, 0/1) the scopes of each
    group. A sum per scope is then one pass over the units (a sum per group) and a tiny matrix
    product, instead of a sparse units x scopes product: national + regions make one group per
    region (plus one for the units of no listed region).
    """

    names: list[str]
    group: np.ndarray  # units -> group (int64)
    pattern: np.ndarray  # groups x scopes, float 0/1

    @property
    def n_groups(self) -> int:
        return len(self.pattern)

    @property
    def sizes(self) -> np.ndarray:
        """Units per scope."""
        return np.bincount(self.group, minlength=self.n_groups).astype(float) @ self.pattern

    @classmethod
    def from_masks(cls, scopes: dict[str, np.ndarray], n: int) -> ScopeGroups:
        """From one boolean mask over the units per scope (any overlap)."""
        names = list(scopes)
        if not names or n == 0:
            return cls(names, np.zeros(n, dtype=np.int64), np.zeros((1, len(names))))
        masks = np.column_stack([np.asarray(scopes[s], dtype=bool) for s in names])
        packed = np.packbits(masks, axis=1)
        keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
        _, first, group = np.unique(keys, return_index=True, return_inverse=True)
        return cls(names, group.ravel().astype(np.int64), masks[first].astype(float))

    @classmethod
    def national_and_regions(cls, names: list[str], region_index: np.ndarray) -> ScopeGroups:
        """The first scope holds every unit; scope 1 + r the units whose `region_index` is r
        (-1: in no region but the national scope)."""
        regions = len(names) - 1
        group = np.where(region_index < 0, regions, region_index).astype(np.int64)
        pattern = np.zeros((regions + 1, regions + 1))
        pattern[:, 0] = 1
        pattern[np.arange(regions), 1 + np.arange(regions)] = 1
        return cls(names, group, pattern)

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per group sums: (..., units) -> (..., groups)."""
        if values.ndim == 1:
            return np.bincount(self.group, weights=values, minlength=self.n_groups)
        return np.vstack([self.sums(row) for row in values]) if len(values) else np.zeros((0, self.n_groups))


def _by_scope(values: np.ndarray, membership: ScopeGroups) -> np.ndarray:
    """Sums over the units of each scope: (..., units) -> (..., scopes)."""
    return membership.sums(np.asarray(values, dtype=float)) @ membership.pattern


def _interval(draws: np.ndarray, size: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    clipped = np.clip(draws, 0, size[None, :])
    return np.quantile(clipped, tail, axis=0), np.quantile(clipped, 1 - tail, axis=0)


def _resample_weights(n: int, n_bootstrap: int, rng: np.random.Generator) -> np.ndarray:
    return rng.multinomial(n, np.full(n, 1 / n), size=n_bootstrap).astype(float)


PCC_BINS = 1024  # score bins for the bootstrap replicates (the point estimate uses every score)


class BootstrapFits:
    """The bootstrap's Platt refits of model themes, kept from one run to the next.

    A refit depends only on the human-coded units' out-of-fold scores and codes, the model's
    calibration, the number of replicates and the random generator's state before the
    replicates' weights are drawn: none of these change when new answers arrive, so a night
    with the same model and human codes refits nothing. An entry is keyed on a hash of all of
    them and holds the fitted parameters and the generator's state after the draw, so that a
    hit leaves the generator exactly where drawing and fitting would have: the estimates are the
    same to the last bit (tested). Stored as JSON (floats written as their shortest exact repr).
    """

    def __init__(self, entries: dict[str, tuple[np.ndarray, dict]] | None = None):
        self.entries = dict(entries or {})
        self.new: dict[str, tuple[np.ndarray, dict]] = {}

    @staticmethod
    def key(rng: np.random.Generator, calibration: QuestionCalibration, j: int, n_bootstrap: int) -> str:
        digest = hashlib.sha256(json.dumps(rng.bit_generator.state, sort_keys=True).encode())
        digest.update(f"{calibration.n_units}:{n_bootstrap}".encode())
        for values in (calibration.oof_scores[:, j], calibration.targets[:, j], calibration.platt[j]):
            column = np.ascontiguousarray(np.asarray(values, dtype=float))
            digest.update(str(column.shape).encode())
            digest.update(column.tobytes())
        return digest.hexdigest()

    def get(self, key: str) -> tuple[np.ndarray, dict] | None:
        return self.entries.get(key) or self.new.get(key)

    def put(self, key: str, params: np.ndarray, state: dict) -> None:
        self.new[key] = (np.asarray(params, dtype=float), state)

    @classmethod
    def load(cls, path: Path) -> BootstrapFits:
        """The fits stored at `path`; none when it is missing or unreadable (they are recomputed)."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls({k: (np.asarray(v["params"], dtype=float), v["state"]) for k, v in raw.items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls()

    def save(self, path: Path, new: dict[str, tuple[np.ndarray, dict]]) -> None:
        """Add `new` entries to the file, atomically (a reader never sees half a file)."""
        self.entries.update(new)
        payload = {k: {"params": params.tolist(), "state": state} for k, (params, state) in self.entries.items()}
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")  # two runs never share one
        partial.write_text(json.dumps(payload), encoding="utf-8")
        partial.replace(path)


def _pcc(
    scores: np.ndarray, calibration: QuestionCalibration, j: int, membership: ScopeGroups,
    n_bootstrap: int, rng: np.random.Generator, fits: BootstrapFits | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    point = _by_scope(apply_platt(scores, calibration.platt[j]), membership)
    key = BootstrapFits.key(rng, calibration, j, n_bootstrap) if fits is not None else None
    hit = fits.get(key) if fits is not None and key is not None else None
    if hit is not None:  # the same refits as last time: the generator moves on as if it drew them
        params, rng.bit_generator.state = hit[0], hit[1]
    else:
        weights = _resample_weights(calibration.n_units, n_bootstrap, rng)
        params = fit_platt(
            calibration.oof_scores[:, j], calibration.targets[:, j], weights, start=calibration.platt[j]
        )
        if fits is not None and key is not None:
            fits.put(key, params, dict(rng.bit_generator.state))
    # Each replicate's calibration is applied to the mean score of each score bin, corrected to
    # first order for how the scope's units sit in the bin, instead of to every unit (a million
    # units and 300 replicates would be 300 million sigmoids per theme). Bins are 1/1000 of the
    # score range wide: the draws move by a small fraction of one unit (tested).
    counts, sums, centre = _binned(scores, membership, PCC_BINS)  # scopes x bins, bins
    z = params[:, :1] * centre[None, :] + params[:, 1:]  # replicates x bins
    p = 1 / (1 + np.exp(-z))
    slope = p * (1 - p)
    mean = p @ counts.T + (params[:, :1] * slope) @ (sums - counts * centre[None, :]).T
    var = slope @ counts.T
    return point, mean + rng.standard_normal(mean.shape) * np.sqrt(np.maximum(var, 0))


def _binned(scores: np.ndarray, membership: ScopeGroups, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per scope and score bin, the number of units and the sum of their scores (scopes x bins),
    and each bin's mean score over all units."""
    s = np.asarray(scores, dtype=float)
    n_scopes = len(membership.names)
    if len(s) == 0:
        return np.zeros((n_scopes, 1)), np.zeros((n_scopes, 1)), np.zeros(1)
    lo, hi = float(s.min()), float(s.max())
    width = (hi - lo) / bins or 1.0
    b = np.minimum(((s - lo) / width).astype(np.int64), bins - 1)
    cell = membership.group * bins + b  # (group, bin)
    size = membership.n_groups * bins
    by_group = np.bincount(cell, minlength=size).reshape(membership.n_groups, bins).astype(float)
    sums_group = np.bincount(cell, weights=s, minlength=size).reshape(membership.n_groups, bins)
    counts = membership.pattern.T @ by_group
    sums = membership.pattern.T @ sums_group
    n_bin = by_group.sum(axis=0)
    centre = np.divide(np.bincount(b, weights=s, minlength=bins), n_bin, out=np.zeros(bins), where=n_bin > 0)
    return counts, sums, centre


def _rate_draws(
    truth: np.ndarray, decided: np.ndarray, n_draws: int, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Draws of the rule's precision and false-omission rate from their posteriors under
    Jeffreys' prior, Beta(x + ½, n − x + ½), whose means are the point estimate's (x + ½) / (n + 1).

    Not a bootstrap of the human-coded units: a theme they never or hardly ever hold (a rare
    theme, 0–2 of a few hundred coded answers) has a bootstrap rate stuck at its smoothing, so the
    interval shrank to a few units while the truth was 4–24 (DC12, benchmarks/coding/RESULTS-five.md,
    « Rare themes' intervals »); the posterior keeps the uncertainty of a count of zero."""
    tp, n_yes = float(truth @ decided), float(decided.sum())
    fn, n_no = float(truth @ (1 - decided)), float((1 - decided).sum())
    precision = rng.beta(tp + 0.5, n_yes - tp + 0.5, size=n_draws)
    omission = rng.beta(fn + 0.5, n_no - fn + 0.5, size=n_draws)
    return precision, omission


def _confusion(
    chosen: np.ndarray, calibration: QuestionCalibration, j: int, membership: ScopeGroups,
    n_bootstrap: int, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    decided = calibration.decided[:, j].astype(float)
    truth = calibration.targets[:, j].astype(float)
    n_yes = _by_scope(chosen, membership)
    n_no = _by_scope(1 - chosen, membership)

    def rates(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        precision = (w @ (truth * decided) + 0.5) / (w @ decided + 1)
        omission = (w @ (truth * (1 - decided)) + 0.5) / (w @ (1 - decided) + 1)
        return precision, omission

    precision, omission = rates(np.ones((1, calibration.n_units)))
    point = n_yes * precision[0] + n_no * omission[0]
    p_b, o_b = _rate_draws(truth, decided, n_bootstrap, rng)
    mean = p_b[:, None] * n_yes[None, :] + o_b[:, None] * n_no[None, :]
    var = (p_b * (1 - p_b))[:, None] * n_yes[None, :] + (o_b * (1 - o_b))[:, None] * n_no[None, :]
    return point, mean + rng.standard_normal(mean.shape) * np.sqrt(var)


# --------------------------------------------------------------------------
# A consultation's estimates, in the table `count_estimates`
# --------------------------------------------------------------------------

ESTIMATE_COLUMNS = [
    "question_id", "theme_id", "scope_kind", "scope", "raw_count", "corrected_count", "ci_low",
    "ci_high", "method",
]


def estimate_inputs(
    con: duckdb.DuckDBPyConnection, consultation_id: str, question_id: str | None = None
) -> dict[str, tuple[list[str], list[tuple[str, str, int]]]]:
    """What the estimates read from the database, per question (all, or `question_id`'s): its
    regions and its human counts (theme, region, n). One pass over the answers for every question."""
    where, params = "consultation_id = ?", [consultation_id]
    if question_id is not None:
        where, params = where + " AND question_id = ?", [*params, question_id]
    regions: dict[str, list[str]] = {}
    for qid, region in con.execute(
        f"SELECT DISTINCT question_id, region FROM stg_answers WHERE {where} ORDER BY question_id, region",  # noqa: S608 - fixed text
        params,
    ).fetchall():
        regions.setdefault(qid, []).append(region)
    human: dict[str, list[tuple[str, str, int]]] = {}
    for qid, theme_id, region, n in con.execute(
        f"SELECT question_id, theme_id, region, n FROM human_theme_counts WHERE {where}", params  # noqa: S608
    ).fetchall():
        human.setdefault(qid, []).append((theme_id, region, n))
    return {qid: (regions.get(qid, []), human.get(qid, [])) for qid in {*regions, *human}}


def estimate_from(
    question: Question,
    engine: CodingEngine,
    training: TrainingUnits | None,
    auto_units: pd.DataFrame,
    decisions: UnitDecisions,
    regions: list[str],
    human: list[tuple[str, str, int]],
    *,
    n_bootstrap: int = N_BOOTSTRAP,
    seed: int = 0,
    estimator: str = ESTIMATOR_CALIBRATED,
    fits: BootstrapFits | None = None,
) -> pd.DataFrame:
    """National and regional estimates for one question, its inputs read (no database: can run in a
    worker). `auto_units` (with a `region` column) are the units coded automatically that count
    (their answer has no human code), aligned with `decisions`; `regions` and `human` come from
    `estimate_inputs`. `estimator`: see ESTIMATORS (« difference » only if the human-coded
    units are a random sample of the question's units)."""
    region_of_unit = auto_units["region"] if len(auto_units) else pd.Series([], dtype=object)
    keys = [("national", NATIONAL_SCOPE), *(("region", r) for r in regions)]
    # Each unit's position in `regions` (-1: in none, or no region), through a categorical's codes.
    known = [r for r in regions if isinstance(r, str)]
    codes = pd.Categorical(region_of_unit, categories=pd.Index(known, dtype=object)).codes
    index = np.array([regions.index(r) for r in known] + [-1], dtype=np.int64)[codes]
    scopes = ScopeGroups.national_and_regions([f"{kind}\x1f{name}" for kind, name in keys], index)
    theme_ids = [*decisions.theme_ids, question.other_theme.id]
    position = {t: j for j, t in enumerate(theme_ids)}
    human_counts = {key: np.zeros(len(theme_ids)) for key in scopes.names}
    for theme_id, region, n in human:
        if theme_id in position:
            human_counts[f"national\x1f{NATIONAL_SCOPE}"][position[theme_id]] += n
            if f"region\x1f{region}" in human_counts:
                human_counts[f"region\x1f{region}"][position[theme_id]] += n
    calibration = None
    if training is not None and len(training):
        calibration = calibrate_question(
            question, engine.models.get(question.id), training.theme_sets,
            engine.rules.code(question.id, training.texts), list(training.texts),
        )
    cross = None
    model = engine.models.get(question.id)
    if estimator == ESTIMATOR_CROSS_FITTED and model is not None:
        if _scored_by_fold_average(model) and decisions.scores is not None:
            cross = stored_fold_predictions(model, decisions)
        elif "text" not in auto_units:
            raise ValueError("the cross-fitted estimator needs the automatic units' texts (column 'text')")
        else:
            cross = fold_predictions(model, auto_units["text"].tolist(), engine.lemmatizer, decisions.theme_ids)
    frame = estimate_counts(decisions, calibration, scopes, human_counts, n_bootstrap=n_bootstrap, seed=seed,
                            estimator=estimator, cross_predictions=cross, fits=fits)
    split = frame["scope"].str.split("\x1f", n=1, expand=True)
    frame["scope_kind"], frame["scope"] = split[0], split[1]
    frame.insert(0, "question_id", question.id)
    return frame[ESTIMATE_COLUMNS]


def fold_predictions(
    model: QuestionModel, texts: list[str], lemmatizer: Lemmatizer, theme_ids: list[str]
) -> np.ndarray:
    """(units x themes, in `theme_ids` order) the cross-validation's fold models' averaged
    calibrated probability of each text: the uncoded units' predictions of the « cross-fitted »
    estimator. Cost: the features of every text (as much as deciding them again: they are not
    stored with the decisions). A model saved before the fold models' average was kept cannot
    give them: it must be trained again."""
    if not hasattr(model.classifier, "fold_coef_"):
        raise ValueError(
            f"the model of question {model.question_id} was saved without its fold models' average: "
            "train it again to use the cross-fitted estimator"
        )
    position = {t: j for j, t in enumerate(model.theme_ids)}
    proba = model.fold_probabilities(unit_frame(texts, lemmatizer))
    out = np.full((len(texts), len(theme_ids)), np.nan)
    for j, theme_id in enumerate(theme_ids):
        if theme_id in position:
            out[:, j] = proba[:, position[theme_id]]
    return out


def _scored_by_fold_average(model: QuestionModel | None) -> bool:
    """Whether the model's stored scores are its fold models' average's (`fold_average_decides`,
    the default since 2026-12-04): then the « cross-fitted » predictions are the stored scores,
    calibrated, and nothing is computed again."""
    return (model is not None and bool(getattr(model.classifier, "fold_average_decides", False))
            and hasattr(model.classifier, "fold_coef_"))


def stored_fold_predictions(model: QuestionModel, decisions: UnitDecisions) -> np.ndarray:
    """`fold_predictions` from the stored decisions of a model whose fold models' average decides
    (`_scored_by_fold_average`): its calibration applied to the stored raw scores. O(1) per unit,
    no text read; NaN for the themes the model does not decide."""
    if decisions.scores is None:
        raise ValueError("no stored scores: the units were not decided by a model")
    position = {t: j for j, t in enumerate(model.theme_ids)}
    out = np.full(decisions.scores.shape, np.nan)
    for j, theme_id in enumerate(decisions.theme_ids):
        if decisions.model_decides[j] and theme_id in position:
            out[:, j] = apply_platt(decisions.scores[:, j], model.classifier.platt_[position[theme_id]])
    return out


def estimate_consultation(
    con: duckdb.DuckDBPyConnection,
    engine: CodingEngine,
    training: dict[str, TrainingUnits],
    *,
    n_bootstrap: int = N_BOOTSTRAP,
    seed: int = 0,
    workers: int | None = None,
    reuse_decisions: bool = True,
    estimator: str = ESTIMATOR_CALIBRATED,
    reuse_fits: bool = True,
    question_id: str | None = None,
) -> pd.DataFrame:
    """Estimates for every question (or `question_id`'s only) over the stored automatic units that
    count (answers without human codes).

    Each unit's decision is read from `unit_decisions` when it was stored with the engine's model
    and the current codebook (`reuse_decisions`); the other units (all with
    `reuse_decisions=False`: the full recompute) are decided again. Questions are estimated in
    forked workers (`workers`, default one per core from PARALLEL_FROM units, else none): the
    bootstrap's calibration refits cost about as much as deciding a few thousand units. The
    result does not depend on where a decision came from, nor on the number of workers.
    `estimator`: see ESTIMATORS; the default (« calibrated ») holds whatever units humans chose
    to code. `reuse_fits`: the bootstrap's calibration refits are kept in a file beside the
    model's (`bootstrap_fits_path`) and reused while the model, the human codes and the software
    are the same (`BootstrapFits`: same estimates, the refits were most of a night's cost).
    """
    cid = engine.consultation.id
    questions = [q for q in engine.consultation.questions if question_id is None or q.id == question_id]
    codebook_version = con.execute(
        "SELECT coalesce(max(version), 0) FROM codebook_versions WHERE consultation_id = ?", [cid]
    ).fetchall()[0][0]
    # the texts: when every unit is decided again, or for the fold models' predictions of a model
    # whose stored scores are not already theirs (saved before its fold average decided)
    with_text = not reuse_decisions or (estimator == ESTIMATOR_CROSS_FITTED and not all(
        _scored_by_fold_average(engine.models.get(q.id)) for q in questions if q.id in engine.models))
    stored = {
        question.id: _units_and_decisions(con, engine, question, codebook_version, reuse_decisions, with_text)
        for question in questions
    }
    inputs = estimate_inputs(con, cid, question_id)
    fits_path = bootstrap_fits_path(con, engine) if reuse_fits else None
    fits = BootstrapFits.load(fits_path) if fits_path is not None else None

    def estimate_one(question: Question) -> tuple[pd.DataFrame, dict[str, tuple[np.ndarray, dict]]]:
        auto, decisions, missing, texts = stored[question.id]
        if missing.any():
            again = engine.decisions(question, texts)
            decisions.chosen[missing], decisions.other[missing] = again.chosen, again.other
            if decisions.scores is not None:
                decisions.scores[missing] = again.scores
        regions, human = inputs.get(question.id, ([], []))
        mine = BootstrapFits(fits.entries) if fits is not None else None
        frame = estimate_from(question, engine, training.get(question.id), auto, decisions, regions, human,
                              n_bootstrap=n_bootstrap, seed=seed, estimator=estimator, fits=mine)
        return frame, (mine.new if mine is not None else {})

    if workers is None:
        units = sum(len(stored[q.id][2]) for q in questions)
        workers = cores() if units >= PARALLEL_FROM else 1
    results = fork_map(estimate_one, questions, workers=workers)
    new = {k: v for _, found in results for k, v in found.items()}
    if fits is not None and fits_path is not None and new:
        with contextlib.suppress(OSError):  # a read-only folder: the next run refits, nothing is lost
            fits.save(fits_path, new)
    frames = [frame for frame, _ in results]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ESTIMATE_COLUMNS)


def bootstrap_fits_path(con: duckdb.DuckDBPyConnection, engine: CodingEngine) -> Path | None:
    """Where the bootstrap refits of the engine's model are kept: beside the model's file, named
    after the software that fitted them (None: no saved model, its refits are not kept)."""
    from consultation.store.fingerprints import software_fingerprint

    if engine.model_version is None:
        return None
    row = con.execute(
        "SELECT path FROM models WHERE consultation_id = ? AND model_version = ? LIMIT 1",
        [engine.consultation.id, engine.model_version],
    ).fetchone()
    if row is None or not Path(row[0]).is_file():
        return None
    model = Path(row[0])
    return model.with_name(f"{model.stem}.bootstrap-{software_fingerprint()[:16]}.json")


def _units_and_decisions(
    con: duckdb.DuckDBPyConnection, engine: CodingEngine, question: Question, codebook_version: int,
    reuse: bool, with_text: bool = False,
) -> tuple[pd.DataFrame, UnitDecisions, np.ndarray, list[str]]:
    """The question's automatic units (their region as a categorical; their text too with
    `with_text`), their stored decisions (what the estimates use: chosen themes, « Autres »,
    scores), a mask of the units whose decision is not stored for this model and codebook, to
    decide again, and those units' texts (without `with_text`, the texts are read only when some
    decision is missing: a million texts cost a second)."""
    sql = (
        "SELECT {columns} "
        "FROM auto_units a LEFT JOIN unit_decisions d ON $reuse "
        "AND d.consultation_id = a.consultation_id AND d.respondent_id = a.respondent_id "
        "AND d.question_id = a.question_id AND d.unit_no = a.unit_no "
        "AND d.codebook_version = $codebook_version AND d.model_version IS NOT DISTINCT FROM $model_version "
        "WHERE a.consultation_id = $cid AND a.question_id = $qid ORDER BY a.respondent_id, a.unit_no"
    )
    params = {"reuse": reuse, "codebook_version": codebook_version, "cid": engine.consultation.id,
              "qid": question.id, "model_version": engine.model_version}
    columns = "a.region, d.chosen, d.other, d.scores" + (", a.text" if with_text else "")
    # audited: `columns` is one of two constant column lists; every value is a $parameter
    table = con.sql(sql.format(columns=columns), params=params).to_arrow_table()  # noqa: S608, RUF100 - constant columns
    region = table.column("region").combine_chunks()
    auto = pd.DataFrame({"region": region.dictionary_encode().to_pandas() if len(region) else
                         pd.Series([], dtype=object)})
    if with_text:
        auto["text"] = table.column("text").to_pandas()
    template = engine.decisions(question, ["x"]).take(np.zeros(0, dtype=np.int64))
    n, k = len(auto), len(template.theme_ids)
    chosen_col = table.column("chosen").combine_chunks()
    scores_col = table.column("scores").combine_chunks()
    found = chosen_col.is_valid().to_numpy(zero_copy_only=False) if n else np.zeros(0, dtype=bool)
    if template.scores is not None and n:  # a decision made without this question's model
        found &= scores_col.is_valid().to_numpy(zero_copy_only=False)
    chosen = np.zeros((n, k), dtype=bool)
    other = np.zeros(n, dtype=bool)
    scores = np.full((n, k), np.nan) if template.scores is not None else None
    rows = np.flatnonzero(found)
    if len(rows) == n and n:  # every decision stored (the usual night): no gather
        if k:
            chosen = chosen_col.flatten().to_numpy(zero_copy_only=False).reshape(-1, k).astype(bool, copy=False)
            if scores is not None:
                scores = scores_col.flatten().to_numpy(zero_copy_only=False).reshape(-1, k)
        other = table.column("other").combine_chunks().to_numpy(zero_copy_only=False).astype(bool, copy=False)
    else:
        if len(rows) and k:
            chosen[rows] = chosen_col.take(rows).flatten().to_numpy(zero_copy_only=False).reshape(-1, k)
            if scores is not None:
                scores[rows] = scores_col.take(rows).flatten().to_numpy(zero_copy_only=False).reshape(-1, k)
        if len(rows):
            other[rows] = table.column("other").combine_chunks().take(rows).to_numpy(zero_copy_only=False)
    missing = ~found
    texts: list[str] = []
    if missing.any():
        text = (table.column("text") if with_text
                else con.sql(sql.format(columns="a.text"), params=params).to_arrow_table().column(0))  # noqa: S608, RUF100
        texts = text.take(pa.array(np.flatnonzero(missing))).to_pylist()
    decisions = replace(
        template, probabilities=np.zeros((n, 0)), source=np.zeros((n, 0), dtype=np.int8),
        confidence=np.zeros((n, 0)), chosen=chosen, other=other, other_confidence=np.zeros(n),
        needs_review=np.zeros(n, dtype=bool), rule_hits=[], scores=scores,
    )
    return auto, decisions, missing, texts


def store_estimates(
    con: duckdb.DuckDBPyConnection, consultation_id: str, frame: pd.DataFrame, model_version: str | None
) -> int:
    """Replace the consultation's estimates (call inside a transaction to tie them to the codes)."""
    out = frame[ESTIMATE_COLUMNS].copy()
    out.insert(0, "consultation_id", consultation_id)
    out["model_version"] = model_version
    out["computed_at"] = datetime.now()
    con.execute("DELETE FROM count_estimates WHERE consultation_id = ?", [consultation_id])
    if len(out):
        con.register("_estimates", out)
        try:
            con.execute(
                f"INSERT INTO count_estimates ({', '.join(out.columns)}) SELECT * FROM _estimates"  # noqa: S608 - fixed columns
            )
        finally:
            con.unregister("_estimates")
    return len(out)


def corrected_counts(
    con: duckdb.DuckDBPyConnection,
    consultation_id: str,
    *,
    scope_kind: str = "national",
    scope: str | None = None,
    question_id: str | None = None,
) -> pd.DataFrame:
    """The stored estimates with theme labels, in questionnaire and codebook order."""
    sql = (
        "SELECT e.question_id, e.theme_id, t.label, e.scope_kind, e.scope, e.raw_count, e.corrected_count, "
        "e.ci_low, e.ci_high, e.method, e.model_version "
        "FROM count_estimates e "
        "JOIN themes t USING (consultation_id, question_id, theme_id) "
        "JOIN questions q USING (consultation_id, question_id) "
        "WHERE e.consultation_id = ? AND e.scope_kind = ?"
    )
    params: list[object] = [consultation_id, scope_kind]
    if scope is not None:
        sql += " AND e.scope = ?"
        params.append(scope)
    if question_id is not None:
        sql += " AND e.question_id = ?"
        params.append(question_id)
    sql += " ORDER BY q.position, e.scope, t.position"
    return con.execute(sql, params).df()


def counts_now(
    con: duckdb.DuckDBPyConnection,
    engine: CodingEngine,
    training: dict[str, TrainingUnits],
    estimator: str,
    *,
    scope_kind: str = "national",
    scope: str | None = None,
    question_id: str | None = None,
    n_bootstrap: int = N_BOOTSTRAP,
) -> pd.DataFrame:
    """The corrected counts computed now with `estimator` over the stored decisions (nothing is
    stored: the tallies and reports keep the estimates of `count_estimates`), laid out as
    `corrected_counts` (theme labels, questionnaire and codebook order, `model_version`).

    « cross-fitted » needs a model trained with its fold models' average (`fold_predictions`) and
    decides every automatic unit again with it (the cost of a coding); a model saved before
    raises ModelTooOldError."""
    if estimator == ESTIMATOR_CROSS_FITTED:
        old = sorted(q for q, m in engine.models.items() if not hasattr(m.classifier, "fold_coef_"))
        if old:
            raise ModelTooOldError(
                f"le modèle enregistré (questions {', '.join(old)}) date d’avant l’estimateur par validation "
                "croisée : relancez « consultation code --reentrainer » pour l’entraîner à nouveau"
            )
    frame = estimate_consultation(con, engine, training, n_bootstrap=n_bootstrap, estimator=estimator,
                                  question_id=question_id)
    frame = frame[frame["scope_kind"] == scope_kind]
    if scope is not None:
        frame = frame[frame["scope"] == scope]
    themes = con.execute(
        "SELECT t.question_id, t.theme_id, t.label, q.position AS q_position, t.position AS t_position "
        "FROM themes t JOIN questions q USING (consultation_id, question_id) WHERE t.consultation_id = ?",
        [engine.consultation.id],
    ).df()
    out = frame.merge(themes, on=["question_id", "theme_id"])
    out = out.sort_values(["q_position", "scope", "t_position"], kind="stable").reset_index(drop=True)
    out["model_version"] = engine.model_version
    return out[["question_id", "theme_id", "label", "scope_kind", "scope", "raw_count", "corrected_count",
                "ci_low", "ci_high", "method", "model_version"]]


class ModelTooOldError(ConsultationError):
    """The saved model lacks what an estimator needs: it must be trained again."""
