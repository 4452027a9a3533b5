"""What the model sees of a unit: its folded text, its lemmas, and the codebook's keywords.

A unit becomes one row of a DataFrame with three text columns, so that the feature extraction
is an ordinary scikit-learn `ColumnTransformer` that can be saved with the model:

- `text`: the normalised, case- and accent-folded words (character n-grams: robust to typos);
- `lemmas`: every word's lemma, stop words kept ("pour tous", "sans", "plus de" matter here);
- `content`: content lemmas only, where the codebook's keywords are matched, as the rules do.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from consultation.codebook import Question
from consultation.coding.rules import keyword_phrases
from consultation.text import Lemmatizer, normalise_text

FEATURE_COLUMNS = ["text", "lemmas", "content"]


def unit_frame(texts: Sequence[str], lemmatizer: Lemmatizer) -> pd.DataFrame:
    """The model's input for these texts (each distinct text is analysed once)."""
    cleaned = [normalise_text(t) for t in texts]
    words, content = lemmatizer.joined(cleaned)
    return pd.DataFrame(
        {"text": lemmatizer.folded(cleaned), "lemmas": words, "content": content},
        columns=FEATURE_COLUMNS,
    )


Patterns = tuple[tuple[str, tuple[str, ...]], ...]


def codebook_patterns(question: Question, lemmatizer: Lemmatizer, label_words: bool = False) -> Patterns:
    """Each theme's keywords as content-lemma phrases, as the rules match them. With
    `label_words`, a theme without keywords gets its label's own words instead
    (`label_word_phrases`): for the model's features only, never for the rules."""
    own = label_word_phrases(question, lemmatizer) if label_words else {}
    out = []
    for theme in question.themes:
        if theme.is_other:
            continue
        phrases = [" ".join(words) for words in keyword_phrases(theme.keywords, lemmatizer)]
        if not phrases:
            phrases = list(own.get(theme.id, ()))
        out.append((theme.id, tuple(sorted(set(phrases)))))
    return tuple(out)


# A label word shorter than this (folded) is not matched on its own: « r », « ic » of « R.I.C. ».
LABEL_WORD_MIN_CHARS = 3


def label_word_phrases(question: Question, lemmatizer: Lemmatizer) -> dict[str, tuple[str, ...]]:
    """Per theme (« Autres » aside), the content words of its label that no other theme's label
    holds, each as its lemma and as written (folded): « Meilleure isolation, changement
    chauffage/chaudière » gives isolation, chauffage, chaudiere, changement, meilleur… A word
    two labels share (« vote » in « vote obligatoire » and « vote blanc ») tells neither theme
    apart, so it is left out. A codebook of labels alone (no keywords) is what a federation
    often starts with; as features, these words let a theme with a handful of human codes be
    recognised by its own name (benchmarks/coding/RESULTS-five.md, « The labels' own words »)."""
    words_of: dict[str, set[str]] = {}
    for theme in question.themes:
        if theme.is_other:
            continue
        label_words = re.findall(r"[^\W\d_]+", theme.label)
        words_of[theme.id] = {
            phrase for phrase in (" ".join(p) for p in keyword_phrases(label_words, lemmatizer))
            if len(phrase) >= LABEL_WORD_MIN_CHARS
        }
    themes_with = Counter(word for words in words_of.values() for word in words)
    return {tid: tuple(sorted(w for w in words if themes_with[w] == 1)) for tid, words in words_of.items()}


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
        from consultation.coding.rules import PhraseIndex

        labels_of: dict[str, list[int]] = {}
        for j, (_, phrases) in enumerate(self.patterns):
            for phrase in phrases:
                labels_of.setdefault(phrase, []).append(j)
        index = PhraseIndex(labels_of)  # one scan per unit for every theme's phrases
        values = list(np.asarray(X, dtype=object).ravel())
        rows: list[int] = []
        cols: list[int] = []
        for i, value in enumerate(values):
            if isinstance(value, str) and value:
                for j in index.find(value):
                    rows.append(i)
                    cols.append(j)
        data = np.ones(len(rows), dtype=np.float64)
        return sp.csr_matrix((data, (rows, cols)), shape=(len(values), self.n_themes_))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"mots_cles_{theme_id}" for theme_id, _ in self.patterns], dtype=object)


_TERM_SEPARATOR = "\n"


def _private_count_vocab_matches() -> bool:
    """Whether scikit-learn's private `CountVectorizer._count_vocab` still has the signature and
    return value the fast path below replaces: (raw_documents, fixed_vocab) -> (vocabulary, matrix).

    It is private API (unchanged from 0.2x to 1.9): a scikit-learn that changes it gets its own
    code back instead of a wrong matrix, with a warning. tests/test_features_fast.py checks, on
    the installed version, that the guard holds and that the two paths give the same matrices.
    """
    import inspect

    method = getattr(TfidfVectorizer, "_count_vocab", None)
    if method is None:
        return False
    names = list(inspect.signature(method).parameters)
    return names == ["self", "raw_documents", "fixed_vocab"]


FAST_COUNTING = _private_count_vocab_matches()
if not FAST_COUNTING:  # pragma: no cover - only on a scikit-learn this project was not tested with
    import warnings

    warnings.warn(
        "scikit-learn's private CountVectorizer._count_vocab changed: the vectorised counting "
        "is off (same results, slower transform)", RuntimeWarning, stacklevel=1,
    )


# Distinct words whose character n-gram columns a fitted vectorizer keeps between chunks (then it
# starts again): a question's vocabulary, misspellings included, without growing with the answers.
WORD_CACHE_MAX = 200_000


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
        state.pop("_fast_word_index", None)  # rebuilt from the vocabulary when first needed
        state.pop("_fast_char_index", None)
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

    # ------------------------------------------------------------------
    # Counting at C speed (transform; and fitting character n-grams, whose vocabulary is
    # found word by word: fitted on a question's 50,000 answers, scikit-learn's own loop took
    # most of a model's training)
    # ------------------------------------------------------------------

    def _count_vocab(self, raw_documents: Any, fixed_vocab: bool) -> tuple[dict, sp.csr_matrix]:
        """scikit-learn's `_count_vocab`, vectorised when transforming with these settings.

        scikit-learn counts n-grams one at a time in Python: 2–5 character n-grams of a
        million answers are billions of dictionary look-ups. Here the same counts come from
        arrays: word n-grams as integer keys looked up with `searchsorted`; character n-grams
        (`char_wb` works word by word) as (documents x distinct words) @ (distinct words x
        n-grams), each distinct word's n-grams found once. The result is the same matrix
        (tests/test_features_fast.py compares them on random texts).
        """
        if not FAST_COUNTING or not self._fast_path_applies():
            return super()._count_vocab(raw_documents, fixed_vocab)
        # Fitting: every n-gram seen becomes a column, in order of first appearance, except those
        # in fewer documents than `min_df`, dropped here rather than after scikit-learn has sorted
        # a million of them (its pruning then selects the same n-grams: the same vocabulary and
        # IDF; only `stop_words_`, never saved, lacks them).
        if not fixed_vocab:
            docs = [d if isinstance(d, str) else "" for d in raw_documents]
            vocabulary: dict[str, int] = {}
            min_df = self.min_df
            min_count = float(int(min_df)) if isinstance(min_df, Integral) else float(min_df) * len(docs)
            if self.analyzer == "char_wb":
                counts = self._char_wb_counts(docs, vocabulary)
                if min_count > 1:
                    keep = np.flatnonzero(np.bincount(counts.indices, minlength=counts.shape[1]) >= min_count)
                    terms = list(vocabulary)  # in column order: the dict was filled in that order
                    vocabulary = {terms[j]: i for i, j in enumerate(keep.tolist())}
                    counts = counts[:, keep]
            else:
                fitted = self._word_fit_counts(docs, min_count)
                if fitted is None:  # n-grams too long for integer keys
                    return super()._count_vocab(docs, fixed_vocab)
                vocabulary, counts = fitted
            if not vocabulary:  # scikit-learn's own message
                return super()._count_vocab(docs, fixed_vocab)
            counts.sort_indices()
            return vocabulary, counts
        docs = [d if isinstance(d, str) else "" for d in raw_documents]
        if self.analyzer == "char_wb":
            counts = self._char_wb_counts(docs)
        else:
            counts = self._word_counts(docs)
        counts.sort_indices()
        return self.vocabulary_, counts

    def _fast_path_applies(self) -> bool:
        if self.input != "content" or self.preprocessor is not None or self.tokenizer is not None:
            return False
        if self.strip_accents is not None or self.stop_words is not None:
            return False
        if self.analyzer == "char_wb":
            return True
        # words split on white space, as r"\S+" does, with no case change: what unit_frame gives
        return self.analyzer == "word" and self.token_pattern == r"\S+" and not self.lowercase

    def _char_wb_counts(self, docs: list[str], new_vocabulary: dict[str, int] | None = None) -> sp.csr_matrix:
        """Documents x n-grams counts. `new_vocabulary` (fitting): an empty dict, filled with
        every n-gram seen (in order of appearance; scikit-learn sorts them afterwards)."""
        split = [d.lower().split() if self.lowercase else d.split() for d in docs]
        lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        flat = np.fromiter(chain.from_iterable(split), dtype=object, count=int(lengths.sum()))
        codes, words = pd.factorize(flat) if len(flat) else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object))
        empty = np.zeros(0, dtype=np.int32)
        per_word = []
        if new_vocabulary is not None:
            vocabulary = new_vocabulary
            add = vocabulary.setdefault
            for word in words:  # each distinct word's n-grams, repeats included (they count)
                hits = [add(g, len(vocabulary)) for g in self._char_wb_ngrams(word)]
                per_word.append(np.asarray(hits, dtype=np.int32) if hits else empty)
        else:
            cached: tuple[dict, dict] | None = getattr(self, "_fast_char_index", None)
            if cached is None or cached[0] is not self.vocabulary_:  # refitted: a new vocabulary
                cached = (self.vocabulary_, {})
                self._fast_char_index = cached
            vocabulary, columns_of = self.vocabulary_, cached[1]
            for word in words:  # each distinct word's n-grams, found once for every later chunk
                found = columns_of.get(word)
                if found is None:
                    hits = [vocabulary[g] for g in self._char_wb_ngrams(word) if g in vocabulary]
                    found = np.asarray(hits, dtype=np.int32) if hits else empty
                    if len(columns_of) >= WORD_CACHE_MAX:  # bounded: misspellings have no end
                        columns_of.clear()
                    columns_of[word] = found
                per_word.append(found)
        sizes = np.fromiter(map(len, per_word), dtype=np.int64, count=len(per_word))
        rows = np.repeat(np.arange(len(words), dtype=np.int64), sizes)
        cols = np.concatenate(per_word) if per_word else empty
        n_features = len(vocabulary)
        grams = sp.csr_matrix(
            (np.ones(len(rows), dtype=self.dtype), (rows, cols)), shape=(len(words), n_features)
        )
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        words_in_docs = sp.csr_matrix(
            (np.ones(len(codes), dtype=self.dtype), (doc_of, codes)), shape=(len(docs), len(words))
        )
        counts = (words_in_docs @ grams).tocsr()
        counts.eliminate_zeros()
        return counts

    def _word_fit_counts(self, docs: list[str], min_count: float = 1) -> tuple[dict[str, int], sp.csr_matrix] | None:
        """Every word n-gram of the documents in at least `min_count` of them (as scikit-learn's
        `_word_ngrams` makes them: n consecutive tokens of one document joined by a space) and
        their counts: each n-gram an integer key of its token ids, the distinct keys found with
        `np.unique`, the text of each one kept built once. None when the keys would not fit in
        63 bits."""
        split = [d.split() for d in docs]
        lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        flat = np.fromiter(chain.from_iterable(split), dtype=object, count=int(lengths.sum()))
        total = len(flat)
        ids, tokens = pd.factorize(flat) if total else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object))
        ids = np.asarray(ids, dtype=np.int64)
        min_n, max_n = self.ngram_range
        base = len(tokens) + 1
        if float(base) ** max_n >= 2.0**62:
            return None
        doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        rows_parts, cols_parts, first_parts, length_parts = [], [], [], []
        n_terms = 0
        for n in range(min_n, max_n + 1):
            if total < n:
                continue
            m = total - n + 1
            where = np.flatnonzero(doc_of[:m] == doc_of[n - 1 :])  # n-grams inside one document
            if not len(where):
                continue
            key = np.zeros(len(where), dtype=np.int64)
            for k in range(n):
                key = key * base + ids[where + k]
            _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
            rows_parts.append(doc_of[where])
            cols_parts.append(n_terms + inverse.ravel())
            first_parts.append(where[first])
            length_parts.append(np.full(len(first), n, dtype=np.int64))
            n_terms += len(first)
        if not n_terms:
            return {}, sp.csr_matrix((len(docs), 0), dtype=self.dtype)
        starts, sizes = np.concatenate(first_parts), np.concatenate(length_parts)
        # Columns in scikit-learn's order of first appearance (document, then n, then position):
        # the same stored order within each row, hence the same floating-point sums downstream.
        order = np.lexsort((starts, sizes, doc_of[starts]))
        column = np.empty(n_terms, dtype=np.int64)
        column[order] = np.arange(n_terms)
        rows = np.concatenate(rows_parts)
        cols = column[np.concatenate(cols_parts)]
        counts = sp.csr_matrix(
            (np.ones(len(rows), dtype=self.dtype), (rows, cols)), shape=(len(docs), n_terms)
        )
        kept = np.arange(n_terms)
        if min_count > 1:
            kept = np.flatnonzero(np.bincount(counts.indices, minlength=n_terms) >= min_count)
            counts = counts[:, kept]
        vocabulary = {" ".join(flat[start : start + n]): i for i, (start, n) in enumerate(
            zip(starts[order][kept].tolist(), sizes[order][kept].tolist(), strict=True))}
        return vocabulary, counts

    def _word_index(self) -> tuple[dict[str, int], dict[int, tuple[np.ndarray, np.ndarray]]]:
        """Token ids and, per n-gram length, the sorted integer keys of the vocabulary's n-grams."""
        cached = getattr(self, "_fast_word_index", None)
        if cached is not None and cached[0] is self.vocabulary_:  # refitted: a new vocabulary, a new index
            return cached[1], cached[2]
        token_id: dict[str, int] = {}
        for term in self.vocabulary_:
            for token in term.split(" "):
                token_id.setdefault(token, len(token_id))
        base = len(token_id) + 1
        by_length: dict[int, tuple[list[int], list[int]]] = {}
        for term, column in self.vocabulary_.items():
            tokens = term.split(" ")
            key = 0
            for token in tokens:
                key = key * base + token_id[token]
            keys, columns = by_length.setdefault(len(tokens), ([], []))
            keys.append(key)
            columns.append(column)
        index = {}
        for length, (keys, columns) in by_length.items():
            order = np.argsort(np.asarray(keys, dtype=np.int64), kind="stable")
            index[length] = (np.asarray(keys, dtype=np.int64)[order], np.asarray(columns, dtype=np.int64)[order])
        self._fast_word_index = (self.vocabulary_, token_id, index)
        return token_id, index

    def _word_counts(self, docs: list[str]) -> sp.csr_matrix:
        token_id, index = self._word_index()
        base = len(token_id) + 1
        split = [d.split() for d in docs]
        lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        total = int(lengths.sum())
        ids = np.fromiter(map(token_id.get, chain.from_iterable(split), repeat(-1)), dtype=np.int64, count=total)
        doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        rows_parts, cols_parts = [], []
        min_n, max_n = self.ngram_range
        for n in range(min_n, max_n + 1):
            if n not in index or total < n:
                continue
            m = total - n + 1
            key = np.zeros(m, dtype=np.int64)
            valid = doc_of[:m] == doc_of[n - 1 :]
            for k in range(n):
                part = ids[k : k + m]
                valid &= part >= 0
                key = key * base + part
            keys, columns = index[n]
            where = np.flatnonzero(valid)
            pos = np.searchsorted(keys, key[where])
            pos[pos == len(keys)] = 0
            hit = keys[pos] == key[where]
            rows_parts.append(doc_of[where[hit]])
            cols_parts.append(columns[pos[hit]])
        rows = np.concatenate(rows_parts) if rows_parts else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(cols_parts) if cols_parts else np.zeros(0, dtype=np.int64)
        return sp.csr_matrix(
            (np.ones(len(rows), dtype=self.dtype), (rows, cols)), shape=(len(docs), len(self.vocabulary_))
        )


# At most this many distinct answers are used to fit the latent features (a deterministic sample
# beyond): enough for a stable 100-dimension basis, and bounded time on a million answers.
LATENT_CORPUS_MAX = 50_000


class LatentSemanticFeatures(TransformerMixin, BaseEstimator):
    """Latent semantic features (TF-IDF of lemmas, then truncated SVD), L2-normalised.

    Semi-supervised: `corpus` holds the lemmas of the consultation's other answers (uncoded
    ones included), so that words that go together in what people wrote end up close even when
    no coded answer links them. Fitted once per question; `corpus` is emptied after fitting so
    that the model file does not carry the answers.
    """

    def __init__(self, n_components: int = 100, corpus: tuple[str, ...] = (), weight: float = 1.0,
                 random_state: int = 0):
        self.n_components = n_components
        self.corpus = corpus
        self.weight = weight
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def fit(self, X: Iterable[str], y: object = None) -> LatentSemanticFeatures:
        from sklearn.decomposition import TruncatedSVD

        texts = [t for t in dict.fromkeys([*np.asarray(X, dtype=object).ravel(), *self.corpus]) if isinstance(t, str) and t]
        if len(texts) > LATENT_CORPUS_MAX:
            keep = np.random.default_rng(self.random_state).choice(len(texts), LATENT_CORPUS_MAX, replace=False)
            texts = [texts[i] for i in np.sort(keep)]
        self.vectorizer_ = CompactTfidfVectorizer(
            sublinear_tf=True, min_df=2 if len(texts) >= 200 else 1, max_features=50_000,
            token_pattern=r"\S+", lowercase=False,
        )
        matrix = self.vectorizer_.fit_transform(texts) if texts else sp.csr_matrix((0, 0))
        k = max(1, min(self.n_components, matrix.shape[1] - 1, matrix.shape[0] - 1))
        self.svd_ = TruncatedSVD(k, algorithm="randomized", n_iter=5, random_state=self.random_state)
        self.svd_.fit(matrix)
        self.corpus = ()  # not saved with the model
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        check_is_fitted(self, "svd_")
        values = [v if isinstance(v, str) else "" for v in np.asarray(X, dtype=object).ravel()]
        dense = self.svd_.transform(self.vectorizer_.transform(values))
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        dense = self.weight * dense / np.where(norms > 0, norms, 1.0)
        return sp.csr_matrix(dense)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"latent_{j}" for j in range(self.svd_.n_components)], dtype=object)
