"""What the model sees of a unit: its folded text, its lemmas, and the codebook's keywords.

A unit becomes one row of a DataFrame with three text columns, so that the feature extraction
is an ordinary scikit-learn `ColumnTransformer` that can be saved with the model:

- `text`: the normalised, case- and accent-folded text (character n-grams: robust to typos);
- `lemmas`: every word's lemma, stop words kept ("pour tous", "sans", "plus de" matter here);
- `content`: content lemmas only, where the codebook's keywords are matched, as the rules do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from consultation.codebook import Question
from consultation.coding.rules import keyword_phrases
from consultation.text import Lemmatizer, fold, normalise_text

FEATURE_COLUMNS = ["text", "lemmas", "content"]


def unit_frame(texts: Sequence[str], lemmatizer: Lemmatizer) -> pd.DataFrame:
    """The model's input for these texts (spaCy runs once per distinct text)."""
    cleaned = [normalise_text(t) for t in texts]
    return pd.DataFrame(
        {
            "text": [fold(t) for t in cleaned],
            "lemmas": [" ".join(words) for words in lemmatizer.all_lemmas(cleaned)],
            "content": [" ".join(words) for words in lemmatizer(cleaned)],
        },
        columns=FEATURE_COLUMNS,
    )


Patterns = tuple[tuple[str, tuple[str, ...]], ...]


def codebook_patterns(question: Question, lemmatizer: Lemmatizer) -> Patterns:
    """Each theme's keywords as content-lemma phrases, as the rules match them."""
    out = []
    for theme in question.themes:
        if theme.is_other:
            continue
        phrases = [" ".join(words) for words in keyword_phrases(theme.keywords, lemmatizer)]
        out.append((theme.id, tuple(sorted(set(phrases)))))
    return tuple(out)


def codebook_examples(question: Question) -> list[tuple[str, str]]:
    """Pseudo-examples from the codebook, as (text, theme id): the label, the description, the
    examples, and the keywords as one line. They give every theme a few positive examples before
    anyone has coded an answer; a few thousand human codes outweigh them."""
    out: list[tuple[str, str]] = []
    for theme in question.themes:
        if theme.is_other:
            continue
        texts = [theme.label, theme.description, *theme.examples]
        if theme.keywords:
            texts.append(", ".join(theme.keywords))
        out.extend((t, theme.id) for t in texts if t and t.strip())
    return out


class KeywordFeatures(TransformerMixin, BaseEstimator):
    """One column per theme: 1 when one of its keyword phrases occurs in the unit's lemmas.

    The rules, given to the model as features: with human codes it learns how far to trust
    each theme's keywords instead of applying them blindly.
    """

    def __init__(self, patterns: Patterns = ()):
        self.patterns = patterns

    def __sklearn_tags__(self) -> Any:
        # Takes one column of strings, like TfidfVectorizer: scikit-learn's array checks do not apply.
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def fit(self, X: Iterable[str], y: object = None) -> KeywordFeatures:
        self.n_themes_ = len(self.patterns)
        # Plain strings, not compiled patterns: the fitted transformer is saved with skops.
        self.regex_sources_ = [
            r"(?:^| )(?:" + "|".join(re.escape(p) for p in phrases) + r")(?= |$)" if phrases else ""
            for _, phrases in self.patterns
        ]
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        check_is_fitted(self, "regex_sources_")
        regexes = [re.compile(src) if src else None for src in self.regex_sources_]
        values = list(np.asarray(X, dtype=object).ravel())
        rows, cols = [], []
        for i, value in enumerate(values):
            text = value if isinstance(value, str) else ""
            for j, regex in enumerate(regexes):
                if regex is not None and regex.search(text):
                    rows.append(i)
                    cols.append(j)
        data = np.ones(len(rows), dtype=np.float64)
        return sp.csr_matrix((data, (rows, cols)), shape=(len(values), self.n_themes_))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"mots_cles_{theme_id}" for theme_id, _ in self.patterns], dtype=object)


_TERM_SEPARATOR = "\n"


class CompactTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer whose fitted vocabulary is saved as one string.

    skops writes a dict entry by entry (about a kilobyte of JSON per n-gram): a model with
    50,000 n-grams took a minute to save. The terms never contain a line break (words are
    split on white space), so they are stored joined by one. `stop_words_`, every pruned
    n-gram, is not needed to transform and is not saved (scikit-learn documents this).
    """

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # a copy: object.__getstate__ may return __dict__ itself
        state.pop("stop_words_", None)
        vocabulary = state.get("vocabulary_")
        if isinstance(vocabulary, dict):
            terms = [""] * len(vocabulary)
            for term, index in vocabulary.items():
                terms[index] = term
            if not any(_TERM_SEPARATOR in t for t in terms):
                del state["vocabulary_"]
                state["vocabulary_terms_"] = _TERM_SEPARATOR.join(terms)
                state["vocabulary_size_"] = len(terms)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        joined = state.pop("vocabulary_terms_", None)
        size = state.pop("vocabulary_size_", None)
        if joined is not None:
            terms = joined.split(_TERM_SEPARATOR) if size else []
            state["vocabulary_"] = {term: index for index, term in enumerate(terms)}
        super().__setstate__(state)
