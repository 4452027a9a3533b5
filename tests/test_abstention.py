"""The abstention policy that fits the unit (issue 16, item 3): a question counted in respondents
gives an answer that says something its best theme unless it is clearly off every theme; a
non-answer (« Rien », « RAS », « Je ne sais pas »…) and a question counted in propositions keep
« Autres »."""

from __future__ import annotations

import string
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consultation.coding.engine import SOURCE_MODEL, decide
from consultation.coding.estimate import calibrate_question
from consultation.coding.features import unit_frame
from consultation.coding.model import REVIEW_SHARE, ModelSettings, fit_question_model
from consultation.text import says_something
from test_coding_semi import QUESTION, WORDS

PROPOSITIONS = QUESTION.model_copy(update={"unit": "propositions"})

# --- what says nothing: the family, generated --------------------------------------------------

_NOTHING = [
    "rien", "RAS", "R.A.S.", "r a s", "néant", "NEANT", "Néant.", "aucun", "aucune idée", "non", "oui", "ok",
    "NSP", "je ne sais pas", "Je n'sais pas", "sans avis", "pas d'avis", "Sans opinion", "sans objet",
    "pas de commentaire", "aucun commentaire", "rien à signaler", "Rien à ajouter", "pas concerné",
    "Non concernée", "non applicable", "N/A", "n.a.", "idem", "Voir ci-dessus", "cf. plus haut",
    "pareil", "rien de particulier", "pas de remarque", "pas de question", "je n'ai rien à dire",
    "-", "?", "…", "...", "0", "xx", "/", "", "   ",
    # seen among the 18,528 real answers of ../shared/data
    "Je n'ai pas encore d'avis sur la question.", "Déjà dit à la précédente question", "Voir ma réponse précédente",
    "Cf réponse précédente", "Rien d’autre a dire", "idem question 7", "Pas d avis", "Il y a rien", "il n'y a rien",
]
_SOMETHING = [
    "masques", "manque de personnel", "plus de moyens", "les salaires", "logement", "paperasse",
    "reconnaissance du métier", "formation", "transports", "télétravail", "ras-le-bol", "épuisement",
    # an acronym spelt letter by letter is a word; words that spaCy's stop list holds are too
    "R.I.C", "Parler aux gens directement", "personne âgée", "nouveau", "dehors",
]
_PUNCT = [".", "!", "?", "…", " !", ",", ";", " -", "  ", "\u00a0", "\u202f?"]


def _dress(text: str, draw) -> str:
    """`text` as respondents type it: any case, accents or not, punctuation and spaces around."""
    case = draw(st.sampled_from([str.lower, str.upper, str.capitalize, str.title, lambda s: s]))
    strip_accents = draw(st.booleans())
    out = case(text)
    if strip_accents:
        out = out.translate(str.maketrans("éèêàçôîÉÈÊÀÇÔÎ", "eeeacoiEEEACOI"))
    return draw(st.sampled_from(["", " ", "\n", "« "])) + out + draw(st.sampled_from(["", *_PUNCT]))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_non_answers_say_nothing_whatever_their_spelling(data):
    parts = data.draw(st.lists(st.sampled_from(_NOTHING), min_size=1, max_size=3))
    glue = data.draw(st.sampled_from([" ", ", ", ". ", " - ", " / ", "\n"]))
    text = glue.join(_dress(p, data.draw) for p in parts)
    assert not says_something(text), text


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_an_answer_with_one_word_of_substance_says_something(data):
    parts = data.draw(st.lists(st.sampled_from(_NOTHING), max_size=3))
    word = data.draw(st.sampled_from(_SOMETHING))
    parts.insert(data.draw(st.integers(0, len(parts))), word)
    text = " ".join(_dress(p, data.draw) for p in parts)
    assert says_something(text), text


@given(st.text(alphabet=string.punctuation + string.digits + " \n\t", max_size=50))
def test_punctuation_digits_and_spaces_say_nothing(text):
    assert not says_something(text)


@pytest.mark.parametrize("abbreviation", ["N/A", "n/a", "S/O", "N.A.", "N-A", "N / A"])
@pytest.mark.parametrize("glue", [" ", ", ", " - ", " / ", "\n", "  "])
def test_a_repeated_abbreviation_is_not_read_as_a_spaced_acronym(abbreviation, glue):
    """« N/A N/A » once read as the word « AN » (the « A N » between two abbreviations taken for
    an acronym spelt with spaces), and « rien / R A S / rien » as « RA »: found by the property
    test above on fresh runs."""
    for times in (2, 3):
        assert not says_something(glue.join([abbreviation] * times))
        assert not says_something("rien " + glue.join([abbreviation] * times))
        if " " in abbreviation:  # « N / A R A S N / A » reads as well as « N / ARAS N / A »: ambiguous
            continue
        # and beside an acronym spelt with spaces: « R A S » says nothing, « R I C » something
        assert not says_something(glue.join([abbreviation, "R A S", *[abbreviation] * (times - 1)]))
        assert not says_something(glue.join(["rien", "R A S", abbreviation][:times + 1]))
        assert says_something(glue.join([abbreviation, "le R I C", *[abbreviation] * (times - 1)]))
        assert says_something(glue.join([abbreviation, "R I C"][: times]))


@pytest.mark.parametrize("glue", [" ", ", ", " - ", " / ", "/", "\n", "  ", ") ("])
def test_spelt_non_answers_repeated_or_glued_to_words_say_nothing(glue):
    """« R A S R A S » once read as the word « RASRAS », « rien / R A S / rien » as « RA » (found by
    the property test on fresh runs): a run of letters spelt alone that reads wholly as words
    saying nothing says nothing; one that does not (« R I C ») says something."""
    for spelt in ("R A S", "N S P", "R A S N S P"):
        for times in (1, 2, 3):
            assert not says_something(glue.join([spelt] * times)), glue.join([spelt] * times)
            assert not says_something(glue.join(["rien", spelt, "rien"][: times + 1]))
    for times in (1, 2):
        assert says_something(glue.join(["R I C"] * times))
        assert says_something(glue.join(["rien", "R I C", "R A S"][: times + 1]))


def test_an_acronym_spelt_in_capitals_is_a_word_but_lower_case_single_letters_are_not():
    assert says_something("Le R I C") and says_something("r.i.c.") and not says_something("R A S")
    assert not says_something("il y a rien") and not says_something("IL Y A RIEN")


def test_says_something_is_linear_on_a_long_answer():
    assert not says_something("rien " * 200_000)
    assert says_something("rien " * 200_000 + "masques")
    assert not says_something(None) and not says_something(float("nan"))


# --- the rule of decision -------------------------------------------------------------------------


def _fake_model(thresholds: np.ndarray, ratio: float | None):
    """What `decide` reads of a QuestionModel (no review cut-off: every « Autres » is flagged)."""
    return SimpleNamespace(
        theme_ids=["epi", "visites"], covered=np.ones(2, dtype=bool), thresholds=thresholds,
        rules_trusted=np.zeros(0, dtype=bool),
        classifier=SimpleNamespace(best_theme_min_ratio=ratio),
    )


@pytest.mark.parametrize("thresholds", [(0.5, 0.5), (0.3, 0.6), (0.7, 0.2)])
@pytest.mark.parametrize("seed", [0, 1])
def test_an_answer_nothing_claims_gets_its_best_theme_unless_off_every_theme_or_saying_nothing(thresholds, seed):
    rng = np.random.default_rng(seed)
    t = np.array(thresholds)
    n = 600
    proba = rng.random((n, 2)) * t * 1.5
    texts = [str(rng.choice(_NOTHING)) if rng.random() < 0.2 else f"réponse {rng.choice(_SOMETHING)}"
             for _ in range(n)]
    hits = [[] for _ in range(n)]
    plain = decide(QUESTION, _fake_model(t, None), proba, hits, texts=texts)
    d = decide(QUESTION, _fake_model(t, 0.5), proba, hits, texts=texts)
    ratio = proba / t
    off = (ratio < 0.5).all(axis=1)
    nothing = np.array([not says_something(x) for x in texts])
    assert (plain.other == ~(proba >= t).any(axis=1)).all()  # the threshold rule alone
    # only the answers clearly off every theme, or saying nothing, stay in « Autres »
    assert (d.other == (plain.other & (off | nothing))).all()
    moved = plain.other & ~d.other
    assert moved.sum() > 50 and nothing[plain.other].sum() > 5
    best = np.argmax(ratio, axis=1)
    assert (d.chosen[moved].sum(axis=1) == 1).all() and d.chosen[moved, best[moved]].all()
    assert (d.source[moved, best[moved]] == SOURCE_MODEL).all()
    assert np.allclose(d.confidence[moved, best[moved]], proba[moved, best[moved]])
    assert (d.chosen[~plain.other] == plain.chosen[~plain.other]).all()  # decided answers unchanged
    # counted in propositions, or the policy off: « Autres » as the thresholds leave it
    assert (decide(PROPOSITIONS, _fake_model(t, 0.5), proba, hits, texts=texts).other == plain.other).all()
    # without the texts, every answer is taken as saying something
    assert (decide(QUESTION, _fake_model(t, 0.5), proba, hits).other == (plain.other & off)).all()
    # what to code next: an answer given its best theme is as uncertain as when left in « Autres »
    assert np.allclose(d.uncertainty(), plain.uncertainty())
    assert (d.uncertainty()[moved] >= 0.75).all()


# --- a real model: the review load, the calibration of the counts ---------------------------------


@pytest.fixture(scope="module")
def answers():
    rng = np.random.default_rng(5)

    def some(theme, n, words):
        return [" ".join(["manque", "de", *rng.choice(WORDS[theme][words], 2, replace=False)]) for _ in range(n)]

    coded = some("epi", 15, slice(0, 4)) + some("visites", 15, slice(0, 4)) + ["rien", "je ne sais pas", "RAS"]
    sets = [["epi"]] * 15 + [["visites"]] * 15 + [[]] * 3
    vague = [f"{w} un peu {i}" for i, w in enumerate(["manque", "beaucoup", "souvent", "parfois"] * 10)]
    nothing = [f"{rng.choice(_NOTHING)} ! {i}" for i in range(60)]  # distinct, as the review cut-off counts them
    pool = some("epi", 150, slice(0, 6)) + some("visites", 150, slice(0, 6)) + vague + nothing
    return coded, sets, pool, np.array([not says_something(x) for x in pool])


def test_the_review_load_stays_bounded_with_the_policy(lemmatizer, answers):
    """The review cut-off is set on the decisions the policy makes: the answers it gives a theme
    below its threshold do not flood the review sheet."""
    coded, sets, pool, _nothing = answers
    share = {}
    for policy in (None, 0.5):
        settings_ = ModelSettings(cv=3, use_codebook_examples=False, best_theme_min_ratio=policy)
        model = fit_question_model(QUESTION, coded, sets, lemmatizer, settings_, unlabelled=pool)
        assert model.classifier.best_theme_min_ratio == policy
        d = decide(QUESTION, model, model.probabilities(unit_frame(pool, lemmatizer)), [[] for _ in pool], texts=pool)
        share[policy] = d.needs_review.mean()
    assert 0 < share[0.5] <= max(share[None], REVIEW_SHARE) + 0.05


def test_a_real_model_leaves_in_autres_only_non_answers_and_answers_off_every_theme(lemmatizer, answers):
    coded, sets, pool, nothing = answers
    model = fit_question_model(QUESTION, coded, sets, lemmatizer, ModelSettings(cv=3, use_codebook_examples=False),
                               unlabelled=pool)
    proba = model.probabilities(unit_frame(pool, lemmatizer))
    d = decide(QUESTION, model, proba, [[] for _ in pool], texts=pool)
    below = ~(proba >= model.thresholds).any(axis=1)
    off = (proba / model.thresholds < 0.5).all(axis=1)
    assert (d.other == (below & (off | nothing))).all()
    assert d.other[nothing].all()  # « Rien », « RAS »…: in « Autres », whatever their scores
    # the same model on a question counted in propositions leaves every answer below in « Autres »
    assert (decide(PROPOSITIONS, model, proba, [[] for _ in pool], texts=pool).other == below).all()


def test_the_counts_calibration_decides_the_coded_answers_as_the_coding_does(lemmatizer, answers):
    """The corrected count of « Autres » rests on the coded answers' out-of-fold decisions: those
    follow the same policy, non-answers included, or « Autres » would be corrected for a rule the
    coding does not apply."""
    coded, sets, pool, _nothing = answers
    model = fit_question_model(QUESTION, coded, sets, lemmatizer, ModelSettings(cv=3, use_codebook_examples=False),
                               unlabelled=pool)
    hits = [[] for _ in coded]
    calibration = calibrate_question(QUESTION, model, sets, hits, coded)
    oof = model.calibrate(model.classifier.oof_scores_)
    below = ~(oof >= model.thresholds).any(axis=1)
    off = (oof / model.thresholds < 0.5).all(axis=1)
    says = np.array([says_something(x) for x in coded])
    assert (calibration.decided[:, -1] == (below & (off | ~says))).all()
    assert calibration.decided[~says, -1].all()  # the three non-answers, coded « Autres » by humans
