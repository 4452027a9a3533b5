"""The coding decision for a batch of units: model where it has learned enough, rules elsewhere.

For each question the engine holds the fitted model (if the human codes were enough to train
one) and the keyword rules. A theme the model covers (enough human examples to calibrate it and
choose its threshold) is decided by the model; a theme it does not cover is decided by the
rules. What no theme claims goes to « Autres », except, in a question counted in respondents, an
answer that says something and is not clearly off every theme: it gets its best theme (`decide`).
A unit is flagged for review when its expected number of wrong decisions is among the highest
(model.REVIEW_SHARE of the question's answers, `model.set_review_cutoff`); with rules alone, or a
model saved before that cut-off, every unit in « Autres » is flagged too.

Pure: no database here, so that any worker can code a batch (see `code_units`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from consultation.codebook import Consultation, Question
from consultation.coding.features import unit_frame
from consultation.coding.model import QuestionModel, best_theme_choice, expected_errors
from consultation.coding.rules import RuleCoder, RuleHit
from consultation.text import Lemmatizer, says_something

CODE_COLUMNS = [
    "respondent_id", "question_id", "unit_no", "theme_id", "source", "confidence", "needs_review",
    "model_version",
]
SOURCE_MODEL, SOURCE_RULE = 1, 2
# Models saved before `review_cutoff_`: a probability this close to its theme's threshold is a
# coin toss, the unit is flagged for review.
REVIEW_MARGIN = 0.1


@dataclass
class UnitDecisions:
    """Everything decided for a list of units of one question, theme by theme."""

    question: Question
    theme_ids: list[str]  # the question's themes except « Autres », in codebook order
    probabilities: np.ndarray  # units x themes; NaN where the model does not decide the theme
    thresholds: np.ndarray  # per theme; NaN where the model does not decide it
    chosen: np.ndarray  # units x themes, bool
    source: np.ndarray  # units x themes: SOURCE_MODEL, SOURCE_RULE or 0 (int8: cheap on a million units)
    confidence: np.ndarray  # units x themes
    other: np.ndarray  # units: nothing claimed the unit -> « Autres »
    other_confidence: np.ndarray
    needs_review: np.ndarray  # units
    rule_hits: list[list[RuleHit]] = field(default_factory=list)
    scores: np.ndarray | None = None  # units x themes: the model's raw scores (NaN where it does not decide)

    def subset(self, mask: np.ndarray) -> UnitDecisions:
        """The decisions of the units where `mask` is true."""
        return self.take(np.flatnonzero(mask))

    def take(self, rows: np.ndarray) -> UnitDecisions:
        """The decisions of these units (positions, repeats allowed)."""
        return replace(
            self,
            probabilities=self.probabilities[rows],
            chosen=self.chosen[rows],
            source=self.source[rows],
            confidence=self.confidence[rows],
            other=self.other[rows],
            other_confidence=self.other_confidence[rows],
            needs_review=self.needs_review[rows],
            rule_hits=[self.rule_hits[i] for i in rows] if self.rule_hits else [],
            scores=self.scores[rows] if self.scores is not None else None,
        )

    def for_estimates(self) -> UnitDecisions:
        """Only what the corrected counts need (chosen, « Autres », scores); the per-theme
        probabilities, confidences, sources and rule hits are dropped to save memory (a million
        units bring back these arrays from the coding workers)."""
        n = len(self.other)
        return replace(
            self, probabilities=np.zeros((n, 0)), source=np.zeros((n, 0), dtype=np.int8),
            confidence=np.zeros((n, 0)), rule_hits=[],
        )

    @staticmethod
    def concat(parts: list[UnitDecisions]) -> UnitDecisions:
        """The decisions of consecutive batches of units of one question, as one."""
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        return replace(
            first,
            probabilities=np.concatenate([p.probabilities for p in parts]),
            chosen=np.concatenate([p.chosen for p in parts]),
            source=np.concatenate([p.source for p in parts]),
            confidence=np.concatenate([p.confidence for p in parts]),
            other=np.concatenate([p.other for p in parts]),
            other_confidence=np.concatenate([p.other_confidence for p in parts]),
            needs_review=np.concatenate([p.needs_review for p in parts]),
            rule_hits=[h for p in parts for h in p.rule_hits],
            scores=np.concatenate([p.scores for p in parts]) if first.scores is not None else None,
        )

    @property
    def model_decides(self) -> np.ndarray:
        return ~np.isnan(self.thresholds)

    def uncertainty(self) -> np.ndarray:
        """1 when some theme's probability sits on its threshold or nothing claims the unit, 0 when
        every decision is far from its threshold: the order in which a reviewer should look. An
        answer given its best theme below the threshold (the best-theme policy) counts as one
        nothing claims, as it did before the policy."""
        n = len(self.other)
        if not self.model_decides.any():
            return np.where(self.other, 1.0, 0.5 - 0.5 * self.confidence.max(axis=1, initial=0.0))
        decided = self.model_decides
        gap = np.abs(self.probabilities[:, decided] - self.thresholds[decided])
        span = np.maximum(self.thresholds[decided], 1 - self.thresholds[decided])
        closest = (1 - gap / span).max(axis=1) if n else np.zeros(0)
        above = (np.nan_to_num(self.probabilities[:, decided]) >= self.thresholds[decided]).any(axis=1)
        unclaimed = ~(above | self.chosen[:, ~decided].any(axis=1))
        return np.where(unclaimed, np.maximum(closest, 0.75), closest)


def decide(
    question: Question,
    model: QuestionModel | None,
    probabilities: np.ndarray | None,
    rule_hits: list[list[RuleHit]],
    scores: np.ndarray | None = None,
    texts: Sequence[str] | None = None,
) -> UnitDecisions:
    """The coder's rule of decision, shared by coding, evaluation, estimation and review.

    A question counted in respondents, with a model whose `best_theme_min_ratio` is set, gives an
    answer that says something (`text.says_something` of `texts`; without texts, every answer)
    and that no theme claims its best theme unless it is clearly off every theme
    (`model.best_theme_choice`). A question counted in propositions leaves it in « Autres »."""
    theme_ids = [t.id for t in question.themes if not t.is_other]
    n, k = len(rule_hits), len(theme_ids)
    proba = np.full((n, k), np.nan)
    raw = np.full((n, k), np.nan)
    thresholds = np.full(k, np.nan)
    if model is not None and probabilities is not None:
        position = {t: j for j, t in enumerate(theme_ids)}
        for column, theme_id in enumerate(model.theme_ids):
            if theme_id in position and model.covered[column]:
                proba[:, position[theme_id]] = probabilities[:, column]
                thresholds[position[theme_id]] = model.thresholds[column]
                if scores is not None:
                    raw[:, position[theme_id]] = scores[:, column]
    decided = ~np.isnan(thresholds)
    chosen = np.zeros((n, k), dtype=bool)
    chosen[:, decided] = proba[:, decided] >= thresholds[decided]
    source = np.where(chosen, SOURCE_MODEL, 0).astype(np.int8)
    confidence = np.where(chosen, np.nan_to_num(proba), 0.0)
    index = {t: j for j, t in enumerate(theme_ids)}
    trusted = np.ones(k, dtype=bool)
    if model is not None and len(model.rules_trusted):
        for column, theme_id in enumerate(model.theme_ids):
            if theme_id in index:
                trusted[index[theme_id]] = bool(model.rules_trusted[column])
    for i, hits in enumerate(rule_hits):
        for hit in hits:
            j = index.get(hit.theme_id)
            if j is not None and not decided[j] and trusted[j]:
                chosen[i, j] = True
                source[i, j] = SOURCE_RULE
                confidence[i, j] = hit.confidence
    ratio = getattr(model.classifier, "best_theme_min_ratio", None) if model is not None else None
    if ratio is not None and question.unit == "respondents" and decided.any() and n:
        columns = np.flatnonzero(decided)
        unclaimed = np.asarray(~chosen.any(axis=1), dtype=bool)
        if texts is not None:
            unclaimed[unclaimed] = [says_something(texts[int(i)]) for i in np.flatnonzero(unclaimed)]
        given = best_theme_choice(proba[:, columns], thresholds[columns], chosen[:, columns], ratio, unclaimed)
        rows, cols = np.nonzero(given & ~chosen[:, columns])
        chosen[rows, columns[cols]] = True
        source[rows, columns[cols]] = SOURCE_MODEL
        confidence[rows, columns[cols]] = proba[rows, columns[cols]]
    other = np.asarray(~chosen.any(axis=1), dtype=bool)
    if decided.any():
        top = np.nanmax(proba[:, decided], axis=1) if n else np.zeros(0)
        other_confidence = np.where(other, 1 - top, 0.0)
        cutoff = getattr(model.classifier, "review_cutoff_", None) if model is not None else None
        if cutoff is not None:  # the units most likely to hold a wrong decision (model.REVIEW_SHARE)
            near = expected_errors(proba[:, decided], thresholds[decided], chosen[:, decided]) > cutoff
        else:  # models saved before the cut-off existed: any probability close to its threshold
            near = (np.abs(proba[:, decided] - thresholds[decided]) < REVIEW_MARGIN).any(axis=1)
    else:
        other_confidence = np.zeros(n)
        near = np.zeros(n, dtype=bool)
    # A model whose cut-off was set on the question's own answers (model.set_review_cutoff)
    # flags only those: an answer in « Autres » is flagged when some theme nearly claimed it,
    # not when every theme is far below its threshold. Otherwise every « Autres » is flagged.
    on_answers = model is not None and getattr(model.classifier, "review_on_answers_", False)
    review = np.asarray(near if on_answers else other | near, dtype=bool)
    return UnitDecisions(
        question, theme_ids, proba, thresholds, chosen, source, confidence, other,
        other_confidence, review, rule_hits, raw if scores is not None else None,
    )


@dataclass
class CodingEngine:
    """Rules and the fitted models of a consultation, ready to code units of any question."""

    consultation: Consultation
    lemmatizer: Lemmatizer
    models: dict[str, QuestionModel] = field(default_factory=dict)
    model_version: str | None = None
    _rules: RuleCoder | None = None

    @property
    def rules(self) -> RuleCoder:
        if self._rules is None:
            self._rules = RuleCoder(self.consultation.questions, self.lemmatizer)
        return self._rules

    def engine_of(self, question_id: str) -> str:
        """'model' when a model decides some themes of the question, else 'rules'."""
        model = self.models.get(question_id)
        return "model" if model is not None and model.covered.any() else "rules"

    def decisions(self, question: Question, texts: list[str]) -> UnitDecisions:
        """Each distinct text is decided once (« Rien », « RAS » and copy-pasted answers repeat)."""
        codes, distinct = pd.factorize(pd.Series(list(texts), dtype=object))
        if len(distinct) == len(texts):
            return self._decisions(question, list(texts))
        return self._decisions(question, list(distinct)).take(codes)

    def _decisions(self, question: Question, texts: list[str]) -> UnitDecisions:
        model = self.models.get(question.id)
        probabilities = scores = None
        if model is not None and texts:
            scores = model.scores(unit_frame(texts, self.lemmatizer))
            probabilities = model.calibrate(scores)
        hits = self.rules.code(question.id, list(texts)) if texts else []
        return decide(question, model, probabilities, hits, scores, texts)

    def ranked_themes(self, question: Question, texts: list[str], top: int = 3) -> pd.DataFrame:
        """Every text's `top` themes by calibrated probability, with their thresholds, whether
        they were chosen, and the answers left in « Autres » included: the ranked alternatives
        a reviewer (or an analyst) can look at. One row per (text, rank); themes decided by
        keyword rules alone have no probability and are not ranked. Empty when no model."""
        columns = ["unit", "rank", "theme_id", "probability", "threshold", "chosen", "other"]
        d = self.decisions(question, list(texts))
        decided = np.flatnonzero(d.model_decides)
        if not len(decided) or not len(texts):
            return pd.DataFrame(columns=columns)
        k = min(top, len(decided))
        proba = d.probabilities[:, decided]
        order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
        rows = np.repeat(np.arange(len(texts)), k)
        cols = decided[order.ravel()]
        return pd.DataFrame({
            "unit": rows,
            "rank": np.tile(np.arange(1, k + 1), len(texts)),
            "theme_id": np.asarray(d.theme_ids, dtype=object)[cols],
            "probability": d.probabilities[rows, cols],
            "threshold": d.thresholds[cols],
            "chosen": d.chosen[rows, cols],
            "other": d.other[rows],
        }, columns=columns)

    def code(self, question: Question, units: pd.DataFrame) -> pd.DataFrame:
        """Codes (CODE_COLUMNS) for the units of one question (respondent_id, unit_no, text)."""
        decisions = self.decisions(question, units["text"].tolist())
        return codes_frame(question, units, decisions, self.model_version if question.id in self.models else None)


def codes_frame(
    question: Question, units: pd.DataFrame, d: UnitDecisions, model_version: str | None
) -> pd.DataFrame:
    """One row per (unit, chosen theme), plus « Autres » where nothing was chosen (unit order,
    then codebook order within a unit)."""
    n, k = d.chosen.shape
    fallback_source = "model" if d.model_decides.any() else "rule"
    # « Autres » as an extra last column: chosen where nothing else was.
    chosen = np.column_stack([d.chosen, d.other]) if n else np.zeros((0, k + 1), dtype=bool)
    unit, column = np.nonzero(chosen)
    is_other = column == k
    source_code = np.column_stack([d.source, np.zeros(n, dtype=np.int8)])[unit, column]
    source = np.where(is_other, fallback_source, np.where(source_code == SOURCE_MODEL, "model", "rule"))
    confidence = np.column_stack([d.confidence, d.other_confidence])[unit, column] if n else np.zeros(0)
    theme_ids = np.asarray([*d.theme_ids, question.other_theme.id], dtype=object)
    review = d.needs_review[unit] if n else np.zeros(0, dtype=bool)
    version = np.full(len(unit), None, dtype=object)
    if model_version:
        version[source == "model"] = model_version
    return pd.DataFrame(
        {
            "respondent_id": units["respondent_id"].to_numpy()[unit],
            "question_id": question.id,
            "unit_no": units["unit_no"].to_numpy()[unit].astype(int),
            "theme_id": theme_ids[column],
            "source": source,
            "confidence": np.round(confidence.astype(float), 4),
            "needs_review": review.astype(bool),
            "model_version": version,
        },
        columns=CODE_COLUMNS,
    )


def code_units(engine: CodingEngine, units: pd.DataFrame) -> pd.DataFrame:
    """Codes for a batch of units of any questions (units as `coder.build_units` makes them).

    Returns the codes, stores nothing: a parallel coder can run this on each batch and write
    all batches at once.
    """
    frames = []
    for question in engine.consultation.questions:
        mine = units[units["question_id"] == question.id]
        if len(mine):
            frames.append(engine.code(question, mine.reset_index(drop=True)))
    if not frames:
        return pd.DataFrame(columns=CODE_COLUMNS)
    return pd.concat(frames, ignore_index=True)
