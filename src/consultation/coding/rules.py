"""Keyword rules from the codebook, matched on lemmas: codes answers with no human codes at all."""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from consultation.codebook import Question
from consultation.text import Lemmatizer

RULE_CONFIDENCE_ONE = 0.6
RULE_CONFIDENCE_MORE = 0.8


@dataclass(frozen=True)
class RuleHit:
    theme_id: str
    confidence: float
    matches: tuple[str, ...]


def keyword_phrases(keywords: list[str], lemmatizer: Lemmatizer) -> list[tuple[str, ...]]:
    """Each keyword as content lemmas, and as its written content words when they differ
    (a keyword out of context can be lemmatised wrongly); distinct, in keyword order."""
    clean = [k for k in keywords if k.strip()]
    out: list[tuple[str, ...]] = []
    for lemmas, forms in zip(lemmatizer(clean), lemmatizer.content_forms(clean), strict=True):
        for phrase in (lemmas, forms):
            if phrase and phrase not in out:
                out.append(phrase)
    return out


Label = TypeVar("Label", bound=Hashable)  # a theme id (rules) or a column number (features)


class PhraseIndex(Generic[Label]):
    """Finds, in a text of space-separated lemmas, every occurrence of a set of phrases (whole
    words only, overlaps included) with one regular expression scan instead of one per phrase.

    The alternatives are tried longest first, so at each word the longest phrase that occurs there
    is found; the shorter phrases that occur at the same word are its word-prefixes, added from a
    table built once.
    """

    def __init__(self, labels_of: dict[str, list[Label]]):
        phrases = sorted((p for p in labels_of if p), key=lambda p: (-len(p), p))
        self.labels_of = {p: list(dict.fromkeys(labels_of[p])) for p in phrases}
        known = set(phrases)
        self._prefixes = {
            p: [q for q in (" ".join(p.split()[:k]) for k in range(1, len(p.split()) + 1)) if q in known]
            for p in phrases
        }
        self._regex = (
            re.compile(r"(?<!\S)(?=(" + "|".join(re.escape(p) for p in phrases) + r")(?!\S))") if phrases else None
        )

    def find(self, text: str) -> dict[Label, list[str]]:
        """label -> the phrases of that label found in `text`, in order of appearance."""
        found: dict[Label, list[str]] = {}
        if self._regex is None or not text:
            return found
        for match in self._regex.finditer(text):
            for phrase in self._prefixes[match.group(1)]:
                for label in self.labels_of[phrase]:
                    found.setdefault(label, []).append(phrase)
        return found


class RuleCoder:
    """Keyword phrases per question, matched on folded content lemmas: « équipes adaptées »
    matches « adapter »."""

    def __init__(self, questions: list[Question], lemmatizer: Lemmatizer):
        self.lemmatizer = lemmatizer
        self._indexes: dict[str, PhraseIndex] = {}
        for question in questions:
            labels_of: dict[str, list[str]] = {}
            for theme in question.themes:
                for phrase in keyword_phrases(theme.keywords, lemmatizer):
                    labels_of.setdefault(" ".join(phrase), []).append(theme.id)
            self._indexes[question.id] = PhraseIndex(labels_of)

    def code(self, question_id: str, texts: list[str]) -> list[list[RuleHit]]:
        """For each text, the themes whose keywords occur in it (empty list: no rule applies)."""
        return self.code_content(question_id, self.lemmatizer.joined(texts)[1])

    def code_content(self, question_id: str, contents: list[str]) -> list[list[RuleHit]]:
        """`code` for texts already turned into content lemmas (`Lemmatizer.joined`)."""
        index = self._indexes[question_id]
        out: list[list[RuleHit]] = []
        for content in contents:
            found = index.find(content)
            out.append(
                [
                    RuleHit(
                        theme_id,
                        RULE_CONFIDENCE_MORE if len(set(m)) > 1 else RULE_CONFIDENCE_ONE,
                        tuple(sorted(set(m))),
                    )
                    for theme_id, m in sorted(found.items())
                ]
                if found else []
            )
        return out
