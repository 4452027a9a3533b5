"""Testimonies: reliable, typical of their theme, unlike each other, whole sentences."""

from __future__ import annotations

import random
import re

import duckdb
import pandas as pd
import pytest

from consultation import store
from consultation.publish.quotes import (
    DEFAULT_MAX_QUOTES,
    GAP,
    QuoteSelector,
    clean_quote,
    jaccard,
    shorten,
)
from test_report import CID, IDF, OCC, PACA, fill, make_consultation


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = store.connect(None)
    fill(con, make_consultation())
    return con


def region_quotes(con, consultation_id: str, region: str, question_id: str, theme_id: str | None = None,
                  max_per_theme: int = DEFAULT_MAX_QUOTES) -> dict[str, list[str]]:
    """Quote texts per theme for one region and question, chosen as the reports choose them."""
    chosen = QuoteSelector(con, consultation_id, question_id=question_id).choose(
        question_id, region=region, theme_id=theme_id, limit=max_per_theme)
    return {tid: [q.text for q in quotes] for tid, quotes in chosen.items()}


def add_codes(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str, str]],
              question: str = "q1_retenir") -> None:
    """Human codes (respondent, region, theme, unit text) for new respondents."""
    store.insert_df(con, "respondents", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": r, "region": reg, "region_method": "name",
          "source_file": "f", "source_row": 1} for r, reg in dict.fromkeys((r, reg) for r, reg, _, _ in rows)]))
    store.insert_df(con, "human_codes", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": r, "question_id": question, "theme_id": t,
          "unit_text": u, "codebook_version": 1, "source_file": "f"} for r, _, t, u in rows]))


def test_region_quotes_by_theme_and_deduplicated(con):
    assert region_quotes(con, CID, OCC, "q1_retenir") == {
        "q1_adapt": ["Les équipes ont su s'adapter très vite."],
        "q1_autres": ["Aucune consigne claire."],
        "q1_equipes": ["Les équipes ont su s'adapter très vite."],
        "q1_etat": ["L'État a été absent."],
    }
    assert region_quotes(con, CID, OCC, "q1_retenir", theme_id="q1_etat") == {"q1_etat": ["L'État a été absent."]}


def test_human_codes_come_before_surer_automatic_ones(con):
    add_codes(con, [("x9", PACA, "q1_num", "Tablettes prêtées aux résidents pour garder le contact")])
    quotes = region_quotes(con, CID, PACA, "q1_retenir", max_per_theme=1)
    assert quotes == {"q1_num": ["Tablettes prêtées aux résidents pour garder le contact"]}  # r05 is automatic


def test_near_duplicates_are_left_out_and_other_respondents_preferred(con):
    add_codes(con, [
        ("x1", OCC, "q1_adapt", "Nous avons su nous adapter très vite à la crise."),
        ("x2", OCC, "q1_adapt", "Nous avons su nous adapter très vite à cette crise."),  # the same, nearly
        ("x1", OCC, "q1_adapt", "Nous avons inventé des visites par téléphone."),
        ("x3", OCC, "q1_adapt", "Une capacité d'innovation que personne ne soupçonnait."),
    ])
    quotes = region_quotes(con, CID, OCC, "q1_retenir", theme_id="q1_adapt", max_per_theme=4)["q1_adapt"]
    assert len(quotes) == 4
    assert sum(q.startswith("Nous avons su nous adapter très vite") for q in quotes) == 1
    three = region_quotes(con, CID, OCC, "q1_retenir", theme_id="q1_adapt", max_per_theme=3)["q1_adapt"]
    assert "Nous avons inventé des visites par téléphone." not in three  # x1 is already quoted


def test_the_quote_most_typical_of_the_theme_comes_first(con):
    add_codes(con, [
        ("y1", IDF, "q1_etat", "Les tutelles et l'État ont été absents, aucune consigne de l'État."),
        ("y2", IDF, "q1_etat", "Un hiver difficile."),
        ("y3", OCC, "q1_etat", "L'État nous a laissés sans consigne, les tutelles aussi."),
    ])
    selector = QuoteSelector(con, CID)
    idf = selector.choose("q1_retenir", region=IDF, theme_id="q1_etat", limit=1)["q1_etat"]
    assert idf[0].text.startswith("Les tutelles et l'État")
    national = selector.choose("q1_retenir", theme_id="q1_etat", limit=4)["q1_etat"]
    assert {q.region for q in national[:2]} == {IDF, OCC}  # spread over regions


def test_long_answers_keep_their_most_typical_whole_sentences():
    text = ("Nous avons eu très peur au début. Les masques manquaient partout et les EPI sont arrivés tard. "
            "Il a fallu fabriquer des surblouses. Les familles ne pouvaient plus venir. "
            "Heureusement la mairie nous a aidés avec des masques en tissu.")
    short = shorten(text, 140, lambda s: s.count("masque") + s.count("EPI"))
    assert short == ("[…] Les masques manquaient partout et les EPI sont arrivés tard."
                     f"{GAP}Heureusement la mairie nous a aidés avec des masques en tissu.")
    assert shorten("Une seule phrase " + "très " * 100 + "longue.", 120, len).endswith("longue.")


def test_quotes_are_cleaned_for_a_table_cell():
    assert clean_quote("- Former les équipes\n- Augmenter   les salaires\n") == (
        "Former les équipes ; Augmenter les salaires")
    assert clean_quote("1) Des moyens.\n2) Du temps") == "Des moyens. Du temps"
    # Messages a conversational survey joined with « && » (Entendre la France), however spaced,
    # doubled, at either end or after a full stop, read as lines: the words kept, never « && ».
    for seed in range(40):
        rnd = random.Random(seed)
        messages = rnd.sample(["Vote obligatoire", "Prendre en compte le vote blanc.", "Plus de référendums !",
                               "Des élus plus proches", "RIC"], rnd.randint(1, 4))
        glue = [rnd.choice(["&&", " && ", "&& ", " &&", " && && ", "&&&&", "\n&&\n"]) for _ in messages]
        text = rnd.choice(["", "&& "]) + "".join(m + g for m, g in zip(messages, glue, strict=True))[: -len(glue[-1])]
        quoted = clean_quote(text + rnd.choice(["", " &&", "&&  "]))
        assert "&" not in quoted and quoted.startswith(messages[0]), (text, quoted)
        assert [m.rstrip(".!") for m in messages] == [p.rstrip(".!") for p in re.split(r" ; |(?<=[.!]) ", quoted)]
    assert jaccard("Former les équipes", "former des équipes") == 1.0


def test_candidates_are_a_bounded_draw_per_region_best_tier_first(con):
    """At national scale only a sample of each region's excerpts is read; a person's code
    still comes before automatic ones, and every region keeps its own."""
    texts = ["Les tutelles ont disparu pendant des semaines.", "Aucune directive écrite de l'agence régionale.",
             "Le préfet changeait les règles chaque vendredi.", "Personne ne répondait au téléphone du ministère.",
             "Des masques promis jamais livrés.", "Les consignes contradictoires arrivaient la nuit."]
    add_codes(con, [(f"w{i}", IDF, "q1_etat", text) for i, text in enumerate(texts)])
    small = QuoteSelector(con, CID, max_candidates=2)
    whole = QuoteSelector(con, CID)
    assert len(small._by_region["q1_retenir", "q1_etat", IDF]) == 2
    assert len(whole._by_region["q1_retenir", "q1_etat", IDF]) == 6
    chosen = small.choose("q1_retenir", region=IDF, theme_id="q1_etat", limit=4)["q1_etat"]
    assert len(chosen) == 2 and all(q.region == IDF and q.source == "human" for q in chosen)
    assert small.choose("q1_retenir", region=OCC, theme_id="q1_etat")["q1_etat"][0].region == OCC
    again = QuoteSelector(con, CID, max_candidates=2)
    assert again.choose("q1_retenir", region=IDF, theme_id="q1_etat") == small.choose(
        "q1_retenir", region=IDF, theme_id="q1_etat")


# --- quotable as they stand ----------------------------------------------------------------------

from consultation.publish.quotes import drop_contacts, mark_opening  # noqa: E402

CUT = GAP.strip()
CONTACTS = ["Contact : directrice Mme Dupont, 01 23 45 67 89, a.dupont@asso.fr",
            "Tél. 06 12 34 56 78.", "Mail : accueil@structure.org", "Contact : [nom], [téléphone], [courriel]"]
GREETINGS = ["Bonjour,", "Madame, Monsieur,", "Bonsoir."]
CLOSINGS = ["Cordialement", "Bien à vous,", "Sincères salutations."]
CASES = ([(c, w) for c in CONTACTS for w in ("start", "end", "middle")]
         + [(g, "start") for g in GREETINGS] + [(c, "end") for c in CLOSINGS])
CONNECTIVES = ["Mais aussi", "Et une équipe", "Donc", "Par ailleurs", "Enfin", "De plus", "Ensuite"]


@pytest.mark.parametrize(("contact", "where"), CASES)
def test_contact_lines_greetings_and_signatures_are_dropped_with_a_cut_mark(contact, where):
    body = ["Les équipes ont tenu pendant toute la crise.", "Les familles ont été solidaires."]
    lines = {"start": [contact, *body], "end": [*body, contact], "middle": [body[0], contact, body[1]]}[where]
    out = drop_contacts(clean_quote("\n".join(lines)))
    assert "01 23" not in out and "@" not in out and "[téléphone]" not in out
    assert not any(word in out.lower() for word in ("cordialement", "bonjour", "madame", "contact", "tél"))
    assert "Les équipes ont tenu" in out and "solidaires" in out
    assert {"start": out.startswith(CUT), "end": out.endswith(CUT), "middle": f" {CUT} " in out}[where]


@pytest.mark.parametrize("opening", CONNECTIVES)
def test_a_quote_opening_on_a_connective_says_it_was_cut(opening):
    assert mark_opening(f"{opening} la difficulté à continuer.") == f"{CUT} {opening} la difficulté à continuer."
    assert mark_opening(f"{CUT} {opening} la suite.") == f"{CUT} {opening} la suite."  # once only
    assert mark_opening("Marseille a tenu.") == "Marseille a tenu."  # « Ma… » is not « Mais »


def test_a_shortened_answer_marks_every_cut():
    parts = [f"Phrase numéro {i} sur les masques." if i == 2 else f"Phrase numéro {i} sans rapport." for i in range(5)]
    short = shorten(" ".join(parts), 60, lambda s: s.count("masques"))
    assert short == f"{CUT} Phrase numéro 2 sur les masques. {CUT}"


def _real_answers(limit: int = 3000) -> list[str]:
    import csv

    from conftest import SHARED_DATA

    path = SHARED_DATA / "entendre-la-france" / "answers.csv"
    if not path.is_file():
        pytest.skip(f"real answers absent ({path})")
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["answer"] for _, row in zip(range(limit), csv.DictReader(handle), strict=False)]


def test_real_answers_keep_their_testimony_and_lose_no_plain_sentence():
    """On real answers: nothing but contact lines and greetings is dropped, and every quote that
    opens on a connective says it was cut."""
    answers = _real_answers()
    dropped = 0
    for text in answers:
        clean = clean_quote(text)
        out = mark_opening(drop_contacts(clean))
        if out != clean:
            dropped += 1
        assert not re.match(r"(?i)(mais|et|donc|puis|enfin)\b", out)
        if clean and not re.search(r"@|\b0\d(?:[ .]?\d\d){4}\b", clean) and not re.search(
                r"(?i)\b(bonjour|bonsoir|cordialement|bien à vous|madame|salutations)", clean):
            # answers with no contact line keep every word they had
            assert out.replace(CUT, "").split() == clean.split() or out.startswith(CUT)
    assert dropped < len(answers) // 5  # a few, not most



# Answers coded with two themes of one question came back in both cells of the report's table
# (seen on the real « Entendre la France » answers: three of a region's four quotes for « vote
# obligatoire » were its quotes for « vote blanc »). Generated: a region's short answers on one
# theme, on the other, and on both, in every proportion.
A_WORDS = ["équipes", "soignants", "salariés", "professionnels", "collègues", "bénévoles", "travailleurs sociaux"]
A_DEEDS = ["se sont impliqués sans compter", "ont tenu bon", "ont été présents", "se sont mobilisés jour et nuit"]
B_WORDS = ["outils numériques", "visioconférences", "nouvelles pratiques", "organisations inventées", "tablettes"]
B_DEEDS = ["ont permis de s'adapter", "ont montré notre adaptabilité", "ont prouvé notre capacité d'innovation"]
PLACES = ["à Marseille", "à Toulon", "dans le Var", "à Nice", "à Avignon", "en Camargue", "à Gap", "à Digne",
          "dans les Alpes", "à Arles", "à Aix", "à Fréjus"]


def _two_theme_region(seed: int, singles: tuple[int, int] = (0, 6)) -> tuple[duckdb.DuckDBPyConnection, int, int, int]:
    import random

    rng = random.Random(seed)
    n_a, n_b, n_both = rng.randint(*singles), rng.randint(*singles), rng.randint(1, 5)
    con = store.connect(None)
    fill(con, make_consultation())
    places = rng.sample(PLACES, len(PLACES))
    rows = []
    for i in range(n_a):
        rows.append((f"a{i}", PACA, "q1_equipes", f"Les {A_WORDS[i % len(A_WORDS)]} {rng.choice(A_DEEDS)} {places.pop()}."))
    for i in range(n_b):
        rows.append((f"b{i}", PACA, "q1_adapt", f"Les {B_WORDS[i % len(B_WORDS)]} {rng.choice(B_DEEDS)}, {rng.choice(['vraiment', 'enfin', 'déjà', 'très vite', 'sans attendre'])}."))
    for i in range(n_both):
        text = (f"Les {A_WORDS[(i + 3) % len(A_WORDS)]} {rng.choice(A_DEEDS)} et les "
                f"{B_WORDS[(i + 2) % len(B_WORDS)]} {rng.choice(B_DEEDS)} {places.pop() if places else ''}.").replace(" .", ".")
        rows += [(f"ab{i}", PACA, "q1_equipes", text), (f"ab{i}", PACA, "q1_adapt", text)]
    add_codes(con, rows)
    return con, n_a, n_b, n_both


@pytest.mark.parametrize("seed", range(60))
def test_an_answer_on_two_themes_is_quoted_once_unless_a_theme_has_nothing_else(seed):
    con, n_a, n_b, n_both = _two_theme_region(seed)
    limit = DEFAULT_MAX_QUOTES
    together = region_quotes(con, CID, PACA, "q1_retenir")
    alone = {t: region_quotes(con, CID, PACA, "q1_retenir", theme_id=t).get(t, []) for t in ("q1_equipes", "q1_adapt")}
    cells = {t: together.get(t, []) for t in alone}
    # Nothing is lost: each cell holds as many testimonies as when it is chosen on its own.
    assert {t: len(q) for t, q in cells.items()} == {t: len(q) for t, q in alone.items()}
    # A testimony is in both cells only when the two cells cannot be filled otherwise.
    needed_a, needed_b = max(0, min(limit, n_a + n_both) - n_a), max(0, min(limit, n_b + n_both) - n_b)
    forced = max(0, needed_a + needed_b - n_both)
    repeated = set(cells["q1_equipes"]) & set(cells["q1_adapt"])
    assert len(repeated) == forced, (n_a, n_b, n_both, cells)


FILLERS = ["Le printemps fut long et difficile pour tout le monde, personne ne dira le contraire.",
           "Nous espérons maintenant des moyens durables pour la suite de nos missions quotidiennes.",
           "Rien de cela ne figurait dans les plans prévus par les autorités au départ de cette histoire.",
           "Les familles ont beaucoup souffert de l'isolement imposé pendant ces longues semaines.",
           "Il faudra un jour raconter honnêtement ce que cette période a coûté aux plus fragiles.",
           "Notre budget annuel n'a jamais été revu malgré les dépenses imprévues de matériel.",
           "Beaucoup de partenaires locaux ont fermé leurs portes sans prévenir quiconque autour.",
           "La fatigue accumulée se fait encore sentir aujourd'hui dans chaque réunion hebdomadaire.",
           "Certains résidents ont découvert la lecture, la peinture ou le jardinage pendant ce temps.",
           "Les relations avec la mairie se sont nettement améliorées depuis cet épisode marquant."]


@pytest.mark.parametrize("seed", range(24))
def test_two_excerpts_of_one_answer_do_not_repeat_a_sentence_when_others_can_be_quoted(seed):
    """A long answer on both themes is cut, for each, to the sentences that carry it: a sentence
    on both came back in both cells (« Installer le vote obligatoire devrait être accompagné du
    vote blanc. » under « vote obligatoire » and under « référendum », in the real answers).
    Generated: a region where each theme has too few answers of its own to fill its cell, and
    enough long answers on both for each cell to take different ones."""
    import random

    rng = random.Random(seed)
    con = store.connect(None)
    fill(con, make_consultation())
    n_a, n_b = rng.randint(0, 2), rng.randint(0, 2)
    n_long = (DEFAULT_MAX_QUOTES - n_a) + (DEFAULT_MAX_QUOTES - n_b)  # just enough for both cells
    places = rng.sample(PLACES, len(PLACES))
    rows = [(f"a{i}", PACA, "q1_equipes", f"Les {A_WORDS[i]} {rng.choice(A_DEEDS)} {places[i]}.") for i in range(n_a)]
    rows += [(f"b{i}", PACA, "q1_adapt", f"Les {B_WORDS[i]} {rng.choice(B_DEEDS)}, {rng.choice(['vraiment', 'enfin'])}.")
             for i in range(n_b)]
    for i in range(n_long):
        both = (f"Les {A_WORDS[i % len(A_WORDS)]} {rng.choice(A_DEEDS)} grâce aux "
                f"{B_WORDS[i % len(B_WORDS)]} qui {rng.choice(B_DEEDS)} {places[-1 - i]}.")
        text = (f"Nous retenons d'abord l'implication des {A_WORDS[(i + 1) % len(A_WORDS)]} {places[i]}. {both} "
                f"Les {B_WORDS[(i + 1) % len(B_WORDS)]} ont montré notre adaptabilité {places[i]}. "
                f"{FILLERS[i]}")  # each sentence once; long enough to be cut
        rows += [(f"long{i}", PACA, "q1_equipes", text), (f"long{i}", PACA, "q1_adapt", text)]
    add_codes(con, rows)
    cells = region_quotes(con, CID, PACA, "q1_retenir")

    def said(quotes: list[str]) -> set[str]:
        return {s.strip(" «»[]…").casefold() for q in quotes for s in re.split(r"(?<=[.!?])\s+", q.replace(GAP, " "))
                if len(s) >= 20}

    assert {t: len(cells.get(t, [])) for t in ("q1_equipes", "q1_adapt")} == {
        "q1_equipes": DEFAULT_MAX_QUOTES, "q1_adapt": DEFAULT_MAX_QUOTES}
    assert said(cells["q1_equipes"]) & said(cells["q1_adapt"]) == set(), cells

