"""Keyword rules from the codebook, matched on lemmas: codes answers with no human codes at all."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

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


class RuleCoder:
    """One `PhraseMatcher` per question over folded lemmas: 'équipes adaptées' matches 'adapter'."""

    def __init__(self, questions: list[Question], lemmatizer: Lemmatizer):
        self.lemmatizer = lemmatizer
        self.vocab = lemmatizer.nlp.vocab
        self._matchers: dict[str, PhraseMatcher] = {}
        for question in questions:
            matcher = PhraseMatcher(self.vocab, attr="ORTH")
            for theme in question.themes:
                patterns = self._patterns(theme.keywords)
                if patterns:
                    matcher.add(theme.id, patterns)
            self._matchers[question.id] = matcher

    def _patterns(self, keywords: list[str]) -> list[Doc]:
        return [Doc(self.vocab, words=list(p)) for p in keyword_phrases(keywords, self.lemmatizer)]

    def code(self, question_id: str, texts: list[str]) -> list[list[RuleHit]]:
        """For each text, the themes whose keywords occur in it (empty list: no rule applies)."""
        matcher = self._matchers[question_id]
        out: list[list[RuleHit]] = []
        for lemmas in self.lemmatizer(texts):
            if not lemmas:
                out.append([])
                continue
            doc = Doc(self.vocab, words=list(lemmas))
            found: dict[str, list[str]] = {}
            for match_id, start, end in matcher(doc):
                theme_id = self.vocab.strings[match_id]
                found.setdefault(theme_id, []).append(" ".join(lemmas[start:end]))
            out.append(
                [
                    RuleHit(
                        theme_id,
                        RULE_CONFIDENCE_MORE if len(set(m)) > 1 else RULE_CONFIDENCE_ONE,
                        tuple(sorted(set(m))),
                    )
                    for theme_id, m in sorted(found.items())
                ]
            )
        return out
