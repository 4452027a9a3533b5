"""The vectorised counting of CompactTfidfVectorizer gives scikit-learn's matrices exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from consultation.coding import features
from consultation.coding.features import CompactTfidfVectorizer

WORDS = ["le", "salaire", "revaloriser", "de", "soignant", "équipe", "l'hôpital", "a", "été", "œuvre", "x", "12"]
TRAIN = [
    "revaloriser le salaire de soignant", "le salaire le salaire", "équipe de l'hôpital a été",
    "œuvre x 12 le", "soignant équipe revaloriser salaire de le", "a", "",
]
text = st.lists(st.sampled_from([*WORDS, "inconnu", "zz", "Été"]), max_size=12).map(" ".join)


def _pair(**params):
    ours = CompactTfidfVectorizer(sublinear_tf=True, **params).fit(TRAIN)
    theirs = TfidfVectorizer(sublinear_tf=True, **params).fit(TRAIN)
    assert ours.vocabulary_ == theirs.vocabulary_
    return ours, theirs


@pytest.mark.parametrize(
    "params",
    [
        {"analyzer": "char_wb", "ngram_range": (2, 5), "lowercase": False},
        {"analyzer": "char_wb", "ngram_range": (1, 3), "lowercase": True},
        {"token_pattern": r"\S+", "lowercase": False, "ngram_range": (1, 3)},
        {"token_pattern": r"\S+", "lowercase": False, "ngram_range": (2, 2)},
    ],
)
@settings(max_examples=40, deadline=None)
@given(docs=st.lists(text, min_size=1, max_size=8))
def test_fast_transform_equals_scikit_learn(params, docs):
    ours, theirs = _pair(**params)
    expected = theirs.transform(docs).toarray()
    got = ours.transform(docs).toarray()
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "params",
    [
        {"ngram_range": (2, 5), "lowercase": False},
        {"ngram_range": (1, 3), "lowercase": True},
        {"ngram_range": (2, 5), "lowercase": False, "min_df": 2},
        {"ngram_range": (2, 4), "lowercase": False, "max_features": 15},
        {"ngram_range": (2, 4), "lowercase": False, "min_df": 2, "max_df": 0.6, "sublinear_tf": True},
    ],
)
@settings(max_examples=40, deadline=None)
@given(docs=st.lists(text, min_size=1, max_size=12), others=st.lists(text, min_size=1, max_size=6))
@pytest.mark.parametrize("analyzer", ["char_wb", "word"])
def test_fast_fit_equals_scikit_learn(params, docs, others, analyzer):
    """Fitting character n-grams word by word, word n-grams as integer keys: the same
    vocabulary, weights and matrices."""
    if analyzer == "word":
        params = {**params, "token_pattern": r"\S+", "lowercase": False}
    theirs = TfidfVectorizer(analyzer=analyzer, **params)
    try:
        expected = theirs.fit_transform(docs).toarray()
    except ValueError as error:  # nothing left to learn from: the same error
        with pytest.raises(ValueError, match=str(error)[:20]):
            CompactTfidfVectorizer(analyzer=analyzer, **params).fit(docs)
        return
    ours = CompactTfidfVectorizer(analyzer=analyzer, **params)
    np.testing.assert_array_equal(ours.fit_transform(docs).toarray(), expected)
    assert ours.vocabulary_ == theirs.vocabulary_
    np.testing.assert_array_equal(ours.idf_, theirs.idf_)
    np.testing.assert_array_equal(ours.transform(others).toarray(), theirs.transform(others).toarray())


def test_fast_transform_on_the_vocabulary_after_a_save(tmp_path):
    import pickle

    ours, theirs = _pair(token_pattern=r"\S+", lowercase=False, ngram_range=(1, 3))
    ours.transform(["le salaire"])  # builds the index, which is not saved
    again = pickle.loads(pickle.dumps(ours))
    docs = ["revaloriser le salaire de soignant", "salaire inconnu le salaire"]
    np.testing.assert_array_equal(again.transform(docs).toarray(), theirs.transform(docs).toarray())


def test_refitting_forgets_the_old_vocabulary():
    vec = CompactTfidfVectorizer(token_pattern=r"\S+", lowercase=False, ngram_range=(1, 2)).fit(["a b", "c d"])
    vec.transform(["a b"])
    vec.fit(["e f", "f g"])
    reference = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, ngram_range=(1, 2)).fit(["e f", "f g"])
    np.testing.assert_array_equal(vec.transform(["e f g", "a b"]).toarray(), reference.transform(["e f g", "a b"]).toarray())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aÉé ´¨\u00a0\u2003\nﬀ½Ǆ-,.")), max_size=30))
def test_folding_word_by_word_gives_the_character_ngrams_of_folding_the_whole_text(text):
    from consultation.text import Lemmatizer, fold

    class _NoModel:
        class Defaults:
            stop_words = frozenset()

        pipe_names = ()

    folded = Lemmatizer(_NoModel()).folded([text])[0]
    assert folded.split() == fold(text).split()


def test_the_installed_scikit_learn_keeps_the_private_method_the_fast_path_replaces():
    """The fast path overrides private API: on this version the guard lets it run (the
    differential tests above then compare it with scikit-learn's own counting)."""
    assert features.FAST_COUNTING


def test_a_changed_private_method_falls_back_to_scikit_learn(monkeypatch):
    monkeypatch.setattr(features, "FAST_COUNTING", False)

    def vectorised(*_args):
        raise AssertionError("the vectorised counting ran although the guard said no")

    monkeypatch.setattr(CompactTfidfVectorizer, "_char_wb_counts", vectorised)
    ours, theirs = _pair(analyzer="char_wb", ngram_range=(2, 4), lowercase=False)
    docs = ["revaloriser le salaire", "Été œuvre"]
    assert (ours.transform(docs) != theirs.transform(docs)).nnz == 0


@settings(max_examples=30, deadline=None)
@given(chunks=st.lists(st.lists(text, min_size=1, max_size=6), min_size=1, max_size=6))
def test_the_word_cache_stays_bounded_and_changes_no_feature(chunks):
    """A national consultation brings words without end (misspellings): the vectorizer's cache of
    each word's columns starts again when full, and the features are scikit-learn's whatever the
    order and the chunks."""
    ours, theirs = _pair(analyzer="char_wb", ngram_range=(2, 4), lowercase=False)
    limit = features.WORD_CACHE_MAX
    try:
        features.WORD_CACHE_MAX = 3
        for docs in chunks:
            np.testing.assert_array_equal(ours.transform(docs).toarray(), theirs.transform(docs).toarray())
            assert len(ours._fast_char_index[1]) <= 3
    finally:
        features.WORD_CACHE_MAX = limit
