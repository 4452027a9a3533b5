from __future__ import annotations

import pytest

from consultation.text import fold, normalise_text, segment


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("- Former les équipes\n- Revaloriser les salaires", ["Former les équipes", "Revaloriser les salaires"]),
        ("• plus d'IDE • moins de paperasse", ["plus d'IDE", "moins de paperasse"]),
        ("Revaloriser les salaires ; former les bénévoles", ["Revaloriser les salaires", "former les bénévoles"]),
        ("1) Plus de moyens\n2) Moins de réunions", ["Plus de moyens", "Moins de réunions"]),
        ("vote obligatoire && plus de référendums", ["vote obligatoire", "plus de référendums"]),
        ("Plus de visio / moins de déplacements", ["Plus de visio", "moins de déplacements"]),
        ("Former les IDE. Augmenter les ETP.", ["Former les IDE", "Augmenter les ETP"]),
    ],
)
def test_segment_splits_propositions(answer, expected):
    assert segment(answer) == expected


def test_segment_keeps_et_ou_and_dates_whole():
    assert segment("Des moyens humains et/ou financiers dès le 12/05") == [
        "Des moyens humains et/ou financiers dès le 12/05"
    ]


def test_segment_drops_empty_and_punctuation_only_parts():
    assert segment("-\n- \n;;  .") == []
    assert segment("") == []


def test_normalise_text_cleans_cells_without_losing_words():
    assert normalise_text("  l’équipe\u00a0a  tenu\r\n\r\nbon\x00 ") == "l'équipe a tenu\nbon"
    assert normalise_text(None) == ""
    assert normalise_text(float("nan")) == ""
    assert normalise_text(normalise_text(" a  b ")) == normalise_text(" a  b ")


def test_fold_ignores_case_and_accents():
    assert fold("Équipe ÉTÉ") == "equipe ete"


def test_lemmatizer_processes_each_distinct_text_once(lemmatizer):
    before = lemmatizer.cache_size
    texts = ["Rien", "Rien", "RAS", "Les équipes se sont adaptées", "Rien"]
    out = lemmatizer(texts)
    assert lemmatizer.cache_size - before <= 3
    assert out[0] == out[1] == out[4]
    assert "adapter" in out[3] and "equipe" in out[3]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # a dash in the middle of a line separates propositions, a hyphenated word does not
        ("Plus de moyens - moins de paperasse", ["Plus de moyens", "moins de paperasse"]),
        ("Le médico-social et l'après-crise", ["Le médico-social et l'après-crise"]),
        # bullets of every kind, numbered lists, mixed separators
        ("* Former\n▪ Recruter\n► Fidéliser", ["Former", "Recruter", "Fidéliser"]),
        ("a) Plus de visites\nb) Moins de réunions", ["Plus de visites", "Moins de réunions"]),
        ("Recruter ; former / fidéliser && payer", ["Recruter", "former", "fidéliser", "payer"]),
        # sentences, but not abbreviations followed by lower case or numbers such as 12.5
        ("Créer 12.5 ETP. Puis évaluer.", ["Créer 12.5 ETP", "Puis évaluer"]),
        ("Revoir la T2A etc. avec l'ARS", ["Revoir la T2A etc. avec l'ARS"]),
    ],
)
def test_segment_more_separators(answer, expected):
    assert segment(answer) == expected


def test_segment_keeps_a_one_proposition_answer_whole():
    assert segment("  Rien de particulier  ") == ["Rien de particulier"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PHRASE = st.lists(
    st.sampled_from(["former", "les", "équipes", "revaloriser", "salaires", "plus", "de", "moyens", "IDE", "ARS"]),
    min_size=1, max_size=5,
).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(_PHRASE, min_size=1, max_size=6), st.sampled_from(["\n", " ; ", " && ", "\n- ", " / ", "\n• "]))
def test_segment_returns_the_propositions_joined_by_any_separator(phrases, separator):
    assert segment(separator.join(phrases)) == phrases


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_every_proposition_is_clean_text_found_in_the_answer(text):
    clean = normalise_text(text)
    for part in segment(text):
        assert part == part.strip() and part
        assert "\n" not in part
        assert part in clean


def test_lemmatizer_keeps_stop_words_for_the_model_and_drops_them_for_rules(lemmatizer):
    text = "Un impôt pour tous, même symbolique"
    assert "tout" in lemmatizer.all_lemmas([text])[0]
    assert "tout" not in lemmatizer([text])[0]
    assert lemmatizer.content_forms(["équipements"])[0] == ("equipements",)


@given(st.text(alphabet=st.sampled_from(list("ab é\n\r\t’\u00a0\u2003\x1f\x85.;-")) | st.characters(), max_size=40))
def test_the_already_clean_shortcut_gives_what_full_normalisation_gives(text):
    from consultation.text import _normalise

    assert normalise_text(text) == _normalise(text)
    assert normalise_text(normalise_text(text)) == normalise_text(text)


def _segment_every_split(text):
    """segment() as it was before its shortcuts: every split tried on every answer."""
    from consultation import text as t

    out = []
    for part in t._HARD_SPLIT.split(normalise_text(text)):
        for piece in t._split_slashes(part):
            for sentence in t._SENTENCE.split(piece):
                cleaned = t._BULLET.sub("", sentence).strip(" ,.-–—").strip()
                if t._WORDY.search(cleaned):
                    out.append(cleaned)
    return out


@settings(max_examples=300)
@given(st.lists(st.sampled_from([*"Ab é12\n;&•-–—/.!?…«(\u2044", "et/ou", "ET / OU", " - "]), max_size=30).map("".join))
def test_segment_shortcuts_split_exactly_as_every_split_would(text):
    assert segment(text) == _segment_every_split(text)


@settings(max_examples=25, deadline=None)
@given(words=st.lists(st.text(alphabet="abcdéèçœ'’-", min_size=1, max_size=7), min_size=1, max_size=40),
       limit=st.integers(min_value=1, max_value=6))
def test_word_forms_kept_are_bounded_and_change_no_lemma(lemmatizer, words, limit):
    """Answers made of made-up words: the forms' tables start again when full, and every view of
    a text (lemmas, content lemmas, folded words, content forms) is what an unbounded one gives."""
    from consultation import text as text_module
    from consultation.text import Lemmatizer

    texts = [" ".join(words[i : i + 5]) for i in range(0, len(words), 3)] + ["Les équipes se sont adaptées"]
    expected = (lemmatizer.all_lemmas(texts), lemmatizer(texts), lemmatizer.folded(texts), lemmatizer.content_forms(texts))
    saved = text_module.FORM_CACHE_MAX
    text_module.FORM_CACHE_MAX = limit
    try:
        small = Lemmatizer(None, table=lemmatizer.table)
        got = (small.all_lemmas(texts), small(texts), small.folded(texts), small.content_forms(texts))
        kept = max(len(small._lemma), len(small._folded))
    finally:
        text_module.FORM_CACHE_MAX = saved
    assert got == expected
    assert kept <= max(limit, max(len(t) for t in texts))  # at most one text's forms beyond the limit


def test_a_long_run_of_made_up_words_keeps_few_forms(lemmatizer, monkeypatch):
    from consultation import text as text_module
    from consultation.text import Lemmatizer

    monkeypatch.setattr(text_module, "FORM_CACHE_MAX", 10)
    small = Lemmatizer(None, table=lemmatizer.table)
    texts = [f"mot{i}x truc{i}y" for i in range(200)]
    assert small.all_lemmas(texts) == lemmatizer.all_lemmas(texts)
    small.folded(texts)
    assert len(small._lemma) <= 10 and len(small._content) <= 10 and len(small._folded) <= 10


def test_the_lemmatizer_keeps_a_bounded_number_of_texts_and_gives_the_same_lemmas(lemmatizer, monkeypatch):
    """Each coding worker of a national consultation analyses hundreds of thousands of distinct
    answers: the kept analyses start again when full, and the lemmas do not depend on it."""
    from consultation import text as text_module
    from consultation.text import Lemmatizer

    texts = [f"Les équipes {i} se sont adaptées au {w}" for i, w in enumerate(["confinement", "Covid", "télétravail"] * 7)]
    expected = lemmatizer(texts + texts[:5])
    small = Lemmatizer(None, table=lemmatizer.table)
    monkeypatch.setattr(text_module, "TEXT_CACHE_MAX", 4)
    assert small(texts + texts[:5]) == expected  # one call bigger than the cache, repeats included
    assert small.cache_size <= 4
    assert [small.one(t) for t in texts] == expected[: len(texts)]
    assert small.cache_size <= 4
