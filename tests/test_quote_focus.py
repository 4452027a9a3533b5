"""Quotes of answers on several topics keep the sentences that carry the theme, and no quote leans
on a sentence it leaves out (« Mais… », « Et… », « Cela… », « Ils… »).

Families of answers are generated (topics × phrasings × orders × connectives), then the same
properties are checked on real answers (../shared/data/, skipped when absent).
"""

from __future__ import annotations

import csv
import itertools
import re

import pytest

from consultation.publish.quotes import (
    GAP,
    MAX_CHARS,
    Quote,
    _fit_index,
    depends_on_previous,
    quotable,
    sentences,
    theme_words,
    word_hits,
)
from test_report import CID, OCC
from test_report_quotes import add_codes, con  # noqa: F401  (fixture)

CUT = GAP.strip()
TOPICS = {
    "salaires": ["Il faut revaloriser les salaires des soignants.",
                 "Les salaires des aides-soignants sont trop bas.",
                 "Une hausse des salaires ferait revenir les infirmiers."],
    "formation": ["La formation des équipes doit être renforcée.",
                  "Nous manquons de formation continue pour les éducateurs.",
                  "Former les nouveaux salariés prend trop de temps."],
    "masques": ["Les masques ont manqué pendant des semaines.",
                "Nous n'avions ni masques ni blouses en mars.",
                "Le stock de masques est arrivé trop tard."],
}
LEANING = ["Mais aussi", "Et", "Aussi", "Cela", "Ça", "Ils", "Elles", "De plus", "Par ailleurs", "Donc",
           "Ensuite", "Enfin", "En effet", "Ceux-ci", "Leur"]


KEYWORDS = {"salaires": ["salaire", "revaloriser", "rémunération"], "formation": ["formation", "former"],
            "masques": ["masque", "blouse", "protection"]}


def label_score(sentence: str, theme: str) -> float:
    """The words rule alone (what `QuoteSelector` adds to typicality): the theme's name and keywords."""
    return word_hits(sentence, theme_words(theme, KEYWORDS.get(theme, ())))


def plain(quote: str) -> str:
    return quote.replace(CUT, " ").split() and " ".join(quote.replace(CUT, " ").split())


@pytest.mark.parametrize("order", list(itertools.permutations(TOPICS, 2)) + list(itertools.permutations(TOPICS, 3)))
def test_a_multi_topic_answer_is_quoted_by_the_sentence_of_its_theme(order):
    for phrasing in range(3):
        parts = [TOPICS[topic][(phrasing + k) % 3] for k, topic in enumerate(order)]
        answer = " ".join(parts)
        for k, theme in enumerate(order):
            others = tuple(t for t in order if t != theme)
            quote = quotable(answer, theme, MAX_CHARS, label_score, others=others)
            assert plain(quote) == parts[k], (answer, theme, quote)
            # « […] » exactly where the answer was cut
            assert quote.startswith(CUT) == (k > 0)
            assert quote.endswith(CUT) == (k < len(order) - 1)


@pytest.mark.parametrize("word", LEANING)
def test_a_sentence_leaning_on_the_one_before_brings_it_along(word):
    first, second = TOPICS["formation"][0], TOPICS["salaires"][1]
    leaning = f"{word} {second[0].lower()}{second[1:]}"
    assert depends_on_previous(leaning)
    answer = f"{TOPICS['masques'][0]} {first} {leaning}"
    quote = quotable(answer, "salaires", MAX_CHARS, label_score, others=("masques", "formation"))
    assert plain(quote) == f"{first} {leaning}" and quote.startswith(CUT) and not quote.endswith(CUT)


@pytest.mark.parametrize("word", LEANING)
def test_an_answer_opening_on_a_leaning_sentence_is_not_quoted_from_it(word):
    leaning = f"{word} les masques ont manqué."
    assert quotable(leaning, "masques", MAX_CHARS, label_score) is None  # nothing to stand on
    rest = TOPICS["masques"][2]
    quote = quotable(f"{leaning} {rest}", "masques", MAX_CHARS, label_score)
    assert quote == f"{CUT} {rest}"


@pytest.mark.parametrize("word", ["Mais aussi", "Et", "Cela a permis de"])
def test_an_excerpt_leaning_on_its_answer_takes_the_sentence_before_from_it(word):
    answer = f"Revaloriser les salaires. {word} former les équipes. Recruter."
    excerpt = f"{word} former les équipes."
    quote = quotable(excerpt, "formation", MAX_CHARS, label_score, context=answer)
    assert quote == f"Revaloriser les salaires. {word} former les équipes. {CUT}"


@pytest.mark.parametrize("start", ["Marseille a tenu.", "Etat absent.", "Orléans a aidé.", "Il faut des masques.",
                                   "Ce qui a marché, c'est la solidarité.", "Celles et ceux du soin ont tenu."])
def test_a_sentence_that_stands_alone_is_not_taken_for_a_leaning_one(start):
    assert not depends_on_previous(start)
    assert quotable(start, "masques", MAX_CHARS, label_score) == start


def test_the_selector_quotes_each_theme_of_a_multi_topic_answer_by_its_own_sentence(con):  # noqa: F811
    from consultation.publish.quotes import QuoteSelector

    vite = "Les équipes se sont adaptées très vite."
    num = "Les tablettes numériques ont manqué aux résidents."
    etat = "Les tutelles ont été absentes."
    rows = []
    for i in range(3):  # one answer on three topics, coded as a whole with each
        rid = f"m{i}"
        rows += [(rid, OCC, "q1_adapt", ""), (rid, OCC, "q1_num", ""), (rid, OCC, "q1_etat", "")]
    add_codes(con, rows)
    import pandas as pd

    from consultation import store

    store.insert_df(con, "answers", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": f"m{i}", "question_id": "q1_retenir",
          "text": " ".join([vite, num, etat][i:] + [vite, num, etat][:i]), "follow_up": None} for i in range(3)]))
    chosen = QuoteSelector(con, CID).choose("q1_retenir", region=OCC)
    by_theme = {tid: {plain(q.text) for q in qs if q.respondent_id.startswith("m")} for tid, qs in chosen.items()}
    assert by_theme["q1_num"] == {num}  # « numérique » is the label's word
    assert by_theme["q1_etat"] <= {etat} and by_theme["q1_adapt"] <= {vite}
    assert all(CUT in q.text for qs in chosen.values() for q in qs if q.respondent_id.startswith("m"))


# --- real answers -------------------------------------------------------------------------------


def _real(path_parts: tuple[str, ...], limit: int) -> list[dict]:
    from conftest import SHARED_DATA

    path = SHARED_DATA.joinpath(*path_parts)
    if not path.is_file():
        pytest.skip(f"real answers absent ({path})")
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for _, row in zip(range(limit), csv.DictReader(handle), strict=False)]


def _words(text: str) -> list[str]:
    """Words in order, cut marks and list separators aside."""
    return [w for w in text.replace(CUT, " ").split() if w != ";"]


def test_real_multi_topic_answers_are_focused_on_each_theme_and_never_invented():
    """Grand Débat answers coded by volunteers with several themes: each theme's quote is made of
    the answer's own sentences, in order, cut marks where cut, and most are narrowed."""
    from consultation.publish.quotes import clean_quote

    rows = [r for r in _real(("grand-debat-fiscalite", "answers.csv"), 1905) if "|" in r["labels"]]
    themes: dict[str, list[Quote]] = {}
    for r in rows:
        for label in r["labels"].split("|"):
            themes.setdefault(label, []).append(Quote(clean_quote(r["answer"]), r["reference"], "", "human", 1.0))
    index = _fit_index(themes)
    stems = {label: theme_words(label) for label in themes}

    def score(sentence: str, theme: str) -> float:
        return index.typicality(sentence, theme) + 0.5 * word_hits(sentence, stems[theme])

    narrowed = total = dropped = 0
    for r in rows:
        answer = clean_quote(r["answer"])
        labels = r["labels"].split("|")
        parts = sentences(answer)
        if not 2 <= len(parts) <= 6 or len(answer) > MAX_CHARS:
            continue
        for label in labels:
            quote = quotable(answer, label, MAX_CHARS, score, others=tuple(x for x in labels if x != label))
            total += 1
            if quote is None:
                dropped += 1
                continue
            kept = [p for p in parts if p in quote]
            assert " ".join(_words(quote)) == " ".join(_words(" ".join(kept))), (answer, quote)
            assert not depends_on_previous(quote.removeprefix(CUT).strip())
            if quote != answer:
                narrowed += 1
                assert CUT in quote
    assert total > 200
    assert narrowed > total // 3  # short multi-topic answers are narrowed to their theme
    assert dropped < total // 20  # and hardly ever lost


def test_real_answers_never_yield_a_quote_leaning_on_a_left_out_sentence():
    from consultation.publish.quotes import clean_quote, drop_contacts

    answers = [r["answer"] for r in _real(("entendre-la-france", "answers.csv"), 4000)]
    dropped = 0
    for text in answers:
        clean = drop_contacts(clean_quote(text))
        if not clean:
            continue
        quote = quotable(clean, "t", MAX_CHARS, lambda s, t: 1.0)
        if quote is None:
            dropped += 1
            assert depends_on_previous(sentences(clean)[0])
            continue
        body = quote.removeprefix(CUT).strip()
        assert not depends_on_previous(body), quote
        first_run = quote.split(f" {CUT}")[0].split()
        assert quote.startswith(CUT) or first_run == clean.split()[: len(first_run)]  # no silent cut
        assert not re.match(r"(?i)(mais|et|donc|puis|enfin|cela|ils)\b", body)
    assert dropped < len(answers) // 10
