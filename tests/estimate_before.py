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
  resamples the human-coded units;
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

Human-coded units count exactly, as in the tallies (human codes win). Scopes: national
('France') and each region, as the tally views name them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd
import scipy.sparse as sp

from consultation.codebook import Question
from consultation.coding.engine import CodingEngine, UnitDecisions, decide
from consultation.coding.estimate import _rate_draws  # rule rates drawn as today (2026-12-04)
from consultation.coding.model import QuestionModel, apply_platt, fit_platt
from consultation.coding.rules import RuleHit
from consultation.coding.training import TrainingUnits
from consultation.parallel import PARALLEL_FROM, cores, fork_map
from consultation.tally import NATIONAL_SCOPE

METHOD_PCC = "pcc-bootstrap"
METHOD_CONFUSION = "confusion-bootstrap"
METHOD_RAW = "raw"
METHOD_DIFFERENCE = "difference"
METHOD_EXPANSION = "sample-share"
METHOD_LABELS = {
    METHOD_PCC: "probabiliste (probabilités calibrées par validation croisée)",
    METHOD_CONFUSION: "corrigé des erreurs mesurées sur les codes humains",
    METHOD_RAW: "brut (aucun code humain pour mesurer les erreurs)",
    METHOD_DIFFERENCE: "par différence (prédictions corrigées de l’écart moyen mesuré sur un échantillon "
                       "aléatoire de codes humains)",
    METHOD_EXPANSION: "extrapolé de l’échantillon aléatoire de codes humains (sans modèle)",
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
ESTIMATORS = (ESTIMATOR_CALIBRATED, ESTIMATOR_DIFFERENCE, ESTIMATOR_EXPANSION)
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
) -> QuestionCalibration | None:
    """Out-of-fold decisions for the human-coded units (in the order the model was trained on).

    The model's internal cross-validation gives its out-of-fold probabilities; rules learn
    nothing, so applying them to the human-coded units is already out of sample. None when there
    are no human-coded units, or when the model was trained on other units than these.
    """
    n = len(theme_sets)
    if n == 0 or (model is not None and model.n_units != n):
        return None
    oof_scores = model.classifier.oof_scores_ if model is not None else None
    oof_proba = model.calibrate(oof_scores) if model is not None and oof_scores is not None else None
    d = decide(question, model, oof_proba, rule_hits, oof_scores)
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
    scopes: dict[str, np.ndarray],
    human_counts: dict[str, np.ndarray] | None = None,
    *,
    n_bootstrap: int = N_BOOTSTRAP,
    level: float = LEVEL,
    seed: int = 0,
    estimator: str = ESTIMATOR_CALIBRATED,
) -> pd.DataFrame:
    """Raw and corrected counts per (theme, scope), « Autres » included.

    `decisions` are the automatic units; `scopes` maps a scope name to a boolean mask over
    them; `human_counts` maps a scope to the exact counts (themes + « Autres ») of the
    human-coded units in it. `estimator`: one of ESTIMATORS (see there).
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, not {estimator!r}")
    rng = np.random.default_rng(seed)
    theme_ids = [*decisions.theme_ids, decisions.question.other_theme.id]
    chosen = np.column_stack([decisions.chosen, decisions.other]).astype(float)
    names = list(scopes)
    n = len(chosen)
    membership = sp.csr_matrix(
        np.column_stack([scopes[s] for s in names]).astype(float) if names else np.zeros((n, 0))
    )
    human = np.vstack([
        np.asarray((human_counts or {}).get(s, np.zeros(len(theme_ids))), dtype=float) for s in names
    ]) if names else np.zeros((0, len(theme_ids)))
    raw = _by_scope(chosen.T, membership)  # themes x scopes
    size = np.asarray(membership.sum(axis=0)).ravel()
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
        elif estimator == ESTIMATOR_EXPANSION:
            point, low, high = _difference(np.zeros(n), calibration, j, membership, None, level)
            method = METHOD_EXPANSION
        elif j < len(decisions.theme_ids) and decisions.model_decides[j] and decisions.scores is not None:
            point, draws = _pcc(decisions.scores[:, j], calibration, j, membership, n_bootstrap, rng)
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
    predicted: np.ndarray, calibration: QuestionCalibration, j: int, membership: sp.csr_matrix,
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
    size = np.asarray(membership.sum(axis=0)).ravel()
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


def _by_scope(values: np.ndarray, membership: sp.csr_matrix) -> np.ndarray:
    """Sums over the units of each scope: (..., units) -> (..., scopes)."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        return np.asarray(membership.T @ values).ravel()
    return np.asarray(membership.T @ values.T).T


def _interval(draws: np.ndarray, size: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    clipped = np.clip(draws, 0, size[None, :])
    return np.quantile(clipped, tail, axis=0), np.quantile(clipped, 1 - tail, axis=0)


def _resample_weights(n: int, n_bootstrap: int, rng: np.random.Generator) -> np.ndarray:
    return rng.multinomial(n, np.full(n, 1 / n), size=n_bootstrap).astype(float)


PCC_BINS = 1024  # score bins for the bootstrap replicates (the point estimate uses every score)


def _pcc(
    scores: np.ndarray, calibration: QuestionCalibration, j: int, membership: sp.csr_matrix,
    n_bootstrap: int, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    point = _by_scope(apply_platt(scores, calibration.platt[j]), membership)
    weights = _resample_weights(calibration.n_units, n_bootstrap, rng)
    params = fit_platt(calibration.oof_scores[:, j], calibration.targets[:, j], weights)
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


def _binned(scores: np.ndarray, membership: sp.csr_matrix, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per scope and score bin, the number of units and the sum of their scores (scopes x bins),
    and each bin's mean score over all units."""
    s = np.asarray(scores, dtype=float)
    n_scopes = membership.shape[1]
    if len(s) == 0:
        return np.zeros((n_scopes, 1)), np.zeros((n_scopes, 1)), np.zeros(1)
    lo, hi = float(s.min()), float(s.max())
    width = (hi - lo) / bins or 1.0
    b = np.minimum(((s - lo) / width).astype(np.int64), bins - 1)
    rows = np.arange(len(s))
    counts = np.asarray((membership.T @ sp.csr_matrix((np.ones(len(s)), (rows, b)), shape=(len(s), bins))).todense())
    sums = np.asarray((membership.T @ sp.csr_matrix((s, (rows, b)), shape=(len(s), bins))).todense())
    n_bin = np.bincount(b, minlength=bins)
    centre = np.divide(np.bincount(b, weights=s, minlength=bins), n_bin, out=np.zeros(bins), where=n_bin > 0)
    return counts, sums, centre


def _confusion(
    chosen: np.ndarray, calibration: QuestionCalibration, j: int, membership: sp.csr_matrix,
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
    con: duckdb.DuckDBPyConnection, consultation_id: str, question_id: str
) -> tuple[list[str], list[tuple[str, str, int]]]:
    """What the estimates read from the database: the question's regions and its human counts."""
    regions = [r for (r,) in con.execute(
        "SELECT DISTINCT region FROM stg_answers WHERE consultation_id = ? AND question_id = ? ORDER BY region",
        [consultation_id, question_id],
    ).fetchall()]
    human = con.execute(
        "SELECT theme_id, region, n FROM human_theme_counts WHERE consultation_id = ? AND question_id = ?",
        [consultation_id, question_id],
    ).fetchall()
    return regions, human


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
) -> pd.DataFrame:
    """National and regional estimates for one question, its inputs read (no database: can run in a
    worker). `auto_units` (with a `region` column) are the units coded automatically that count
    (their answer has no human code), aligned with `decisions`; `regions` and `human` come from
    `estimate_inputs`. `estimator`: see ESTIMATORS (« difference » only if the human-coded
    units are a random sample of the question's units)."""
    region_of_unit = auto_units["region"].to_numpy() if len(auto_units) else np.array([], dtype=object)
    keys = [("national", NATIONAL_SCOPE), *(("region", r) for r in regions)]
    codes, names = pd.factorize(pd.Series(region_of_unit, dtype=object))
    position = {name: i for i, name in enumerate(names)}
    scopes = {
        f"{kind}\x1f{name}": (np.ones(len(auto_units), dtype=bool) if kind == "national"
                              else codes == position.get(name, -2))
        for kind, name in keys
    }
    theme_ids = [*decisions.theme_ids, question.other_theme.id]
    index = {t: j for j, t in enumerate(theme_ids)}
    human_counts = {key: np.zeros(len(theme_ids)) for key in scopes}
    for theme_id, region, n in human:
        if theme_id in index:
            human_counts[f"national\x1f{NATIONAL_SCOPE}"][index[theme_id]] += n
            if f"region\x1f{region}" in human_counts:
                human_counts[f"region\x1f{region}"][index[theme_id]] += n
    calibration = None
    if training is not None and len(training):
        calibration = calibrate_question(
            question, engine.models.get(question.id), training.theme_sets,
            engine.rules.code(question.id, training.texts),
        )
    frame = estimate_counts(decisions, calibration, scopes, human_counts, n_bootstrap=n_bootstrap, seed=seed,
                            estimator=estimator)
    split = frame["scope"].str.split("\x1f", n=1, expand=True)
    frame["scope_kind"], frame["scope"] = split[0], split[1]
    frame.insert(0, "question_id", question.id)
    return frame[ESTIMATE_COLUMNS]


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
) -> pd.DataFrame:
    """Estimates for every question over the stored automatic units that count (answers without
    human codes).

    Each unit's decision is read from `unit_decisions` when it was stored with the engine's model
    and the current codebook (`reuse_decisions`); the other units (all with
    `reuse_decisions=False`: the full recompute) are decided again, in forked workers
    (`workers`, default one per core from PARALLEL_FROM units to decide, else none). The result
    does not depend on where a decision came from, nor on the number of workers. `estimator`:
    see ESTIMATORS; the default (« calibrated ») holds whatever units humans chose to code.
    """
    cid = engine.consultation.id
    questions = engine.consultation.questions
    codebook_version = con.execute(
        "SELECT coalesce(max(version), 0) FROM codebook_versions WHERE consultation_id = ?", [cid]
    ).fetchall()[0][0]
    stored = {
        question.id: _units_and_decisions(con, engine, question, codebook_version, reuse_decisions)
        for question in questions
    }
    inputs = {question.id: estimate_inputs(con, cid, question.id) for question in questions}

    def estimate_one(question: Question) -> pd.DataFrame:
        auto, decisions, missing = stored[question.id]
        if missing.any():
            again = engine.decisions(question, auto.loc[missing, "text"].tolist())
            decisions.chosen[missing], decisions.other[missing] = again.chosen, again.other
            if decisions.scores is not None:
                decisions.scores[missing] = again.scores
        regions, human = inputs[question.id]
        return estimate_from(question, engine, training.get(question.id), auto, decisions, regions, human,
                             n_bootstrap=n_bootstrap, seed=seed, estimator=estimator)

    if workers is None:
        to_decide = sum(int(stored[q.id][2].sum()) for q in questions)
        workers = cores() if to_decide >= PARALLEL_FROM else 1
    frames = fork_map(estimate_one, questions, workers=workers)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ESTIMATE_COLUMNS)


def _units_and_decisions(
    con: duckdb.DuckDBPyConnection, engine: CodingEngine, question: Question, codebook_version: int,
    reuse: bool,
) -> tuple[pd.DataFrame, UnitDecisions, np.ndarray]:
    """The question's automatic units (respondent, unit, text, region), their stored decisions
    (what the estimates use: chosen themes, « Autres », scores) and a mask of the units whose
    decision is not stored for this model and codebook, to decide again."""
    table = con.sql(
        "SELECT a.respondent_id, a.unit_no, a.text, a.region, d.chosen, d.other, d.scores "
        "FROM auto_units a LEFT JOIN unit_decisions d ON $reuse "
        "AND d.consultation_id = a.consultation_id AND d.respondent_id = a.respondent_id "
        "AND d.question_id = a.question_id AND d.unit_no = a.unit_no "
        "AND d.codebook_version = $codebook_version AND d.model_version IS NOT DISTINCT FROM $model_version "
        "WHERE a.consultation_id = $cid AND a.question_id = $qid ORDER BY a.respondent_id, a.unit_no",
        params={"reuse": reuse, "codebook_version": codebook_version, "cid": engine.consultation.id,
         "qid": question.id, "model_version": engine.model_version},
    ).to_arrow_table()  # the sql() relation: no extra copy of the rows
    auto = table.select(["respondent_id", "unit_no", "text", "region"]).to_pandas()
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
    if len(rows) and k:
        chosen[rows] = chosen_col.take(rows).flatten().to_numpy(zero_copy_only=False).reshape(-1, k)
        if scores is not None:
            scores[rows] = scores_col.take(rows).flatten().to_numpy(zero_copy_only=False).reshape(-1, k)
    if len(rows):
        other[rows] = table.column("other").combine_chunks().take(rows).to_numpy(zero_copy_only=False)
    decisions = replace(
        template, probabilities=np.zeros((n, 0)), source=np.zeros((n, 0), dtype=np.int8),
        confidence=np.zeros((n, 0)), chosen=chosen, other=other, other_confidence=np.zeros(n),
        needs_review=np.zeros(n, dtype=bool), rule_hits=[], scores=scores,
    )
    return auto, decisions, ~found


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
