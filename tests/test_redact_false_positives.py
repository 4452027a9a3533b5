"""Ordinary text taken for personal data, as families: by the redactor (an over-redaction damages a
quote) and by the post-render scanner (a false finding stops a federation's publication).

1. amounts and counts grouped by three (« 150 000 000 d'euros », « 12.000.000 »), lists of years,
   percentages: no phone number, which is grouped 2-2-2-2-2 and starts with 0 (or + / 00);
2. the English word « at » (« travail at home », « look at this »): no e-mail;
3. a number and a street's type used as a noun (« 2 rue barrées », « En 2019 rue et trottoirs »,
   « 3 place de parking », « 2 cours de français »): no address;
4. five digits and a capitalised count or unit (« 20000 Français », « 12000 Euros »): no postal
   code and town;
5. runs of brands (« Amazon Google », « les Gafa », « Vidéo YouTube »): no person's name.

Each family is generated from seeded random parts, and beside it the personal data its rule is
for, in the same shapes: the ordinary texts must stay as they are (redactor) and give no finding
(scanner, raw and redacted); the personal data must not survive redaction and must still be found
by the scanner in the raw text. `python -m pytest -s` prints the counts (RELIABILITY.md quotes them).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest

from consultation.publish.leakscan import scan_text
from consultation.publish.redact import Redactor
from consultation.text import fold

SEED = 2043
N = 80  # cases per family and side

Ordinary = Callable[[int, int], list[str]]
Personal = Callable[[int, int], list[tuple[str, list[str]]]]


@pytest.fixture(scope="module")
def redactor(ner) -> Redactor:
    return Redactor([], nlp=ner)  # as `publish` runs it


def around(rng: random.Random, sentence: str) -> str:
    before = rng.choice(["", "Merci pour cette consultation. ", "Bonjour,\n", "Je suis bénévole.\n\n"])
    after = rng.choice(["", " Bonne journée.", "\nMerci.", " Nous manquons de moyens."])
    return before + sentence + after


def grouped(rng: random.Random, value: int) -> str:
    sep = rng.choice([" ", ".", "\u00a0", "\u202f", " "])
    return f"{value:,}".replace(",", sep)


# --- 1. amounts grouped by three, years, percentages; phone numbers -------------------------------

AMOUNT_SENTENCES = [
    "Un budget de {x} d'euros est prévu.", "soit {x} € par an", "Il y a {x} de personnes concernées.",
    "{x} habitants dans la région", "Les {x} € de la CSG", "un déficit de {x} euros", "({x} de repas servis)",
]


def amounts(n: int = N, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        shape = rng.randrange(5)
        if shape == 4:  # nine digits, one in ten with a SIREN's Luhn key: the unit tells the amount
            x = grouped(rng, rng.randrange(10**8, 10**9))
            texts.append(around(rng, rng.choice(["{x} d'euros", "{x} €", "{x} de personnes", "€ {x}"]).format(x=x)))
        elif shape == 0:
            x = grouped(rng, rng.choice([rng.randrange(1, 1000) * 1_000_000, rng.randrange(10**8, 10**10)]))
            texts.append(around(rng, rng.choice(AMOUNT_SENTENCES).format(x=x)))
        elif shape == 1:
            start = rng.randrange(1995, 2021)
            years = rng.choice([" ", ", ", " - ", "  ", " / "]).join(str(start + i) for i in range(rng.randint(2, 5)))
            texts.append(around(rng, f"En {years} rien n'a changé."))
        elif shape == 2:
            pcts = ", ".join(f"{rng.randrange(1, 100)} %" for _ in range(rng.randint(3, 6)))
            texts.append(around(rng, f"Les taux sont {pcts} selon les années."))
        else:
            x, y = grouped(rng, rng.randrange(10**6, 10**9)), grouped(rng, rng.randrange(10**6, 10**9))
            # A unit after each: a bare nine-digit run grouped by three is also how a SIREN is written.
            texts.append(around(rng, f"On passe de {x} € à {y} €."))
    return texts


def phone(rng: random.Random) -> str:
    pairs = [f"{rng.randrange(100):02d}" for _ in range(4)]
    lead = rng.choice("1234567")
    sep = rng.choice([" ", ".", "-", "", "  ", " . "])
    shape = rng.randrange(4)
    if shape == 0:
        return sep.join([f"0{lead}", *pairs])
    if shape == 1:
        return f"+33 {lead} " + " ".join(pairs)
    if shape == 2:
        return f"0033 {lead}" + sep + sep.join(pairs)
    return f"(+33) {lead}" + sep + sep.join(pairs)


def phones(n: int = N, seed: int = SEED) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        number = phone(rng)
        amount = grouped(rng, rng.randrange(10**6, 10**10))
        sentence = rng.choice(["Appelez le {x}, budget {a} €.", "{a} euros ; tel {x}", "mon portable : {x} ({a} de dettes)"])
        cases.append((around(rng, sentence.format(x=number, a=amount)), [re.sub(r"\D", "", number)[-8:]]))
    return cases


def digits_left(needles: list[str], output: str) -> list[str]:
    digits = re.sub(r"\D", "", output)
    return [n for n in needles if n in digits]


# --- 2. the English « at »; e-mails spelt with « at » ----------------------------------------------

AT_PHRASES = ["stay at home", "work at home", "travail at home", "look at this", "at least", "at the end",
              "made at home", "good at", "Working at home", "born at", "at home", "Stay At Home"]


def english_at(n: int = N, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    return [around(rng, rng.choice(["Le {x} a changé nos vies.", "Le « {x} » est une chance.", "{x}, c'est fini",
                                    "Avec le {x} et le télétravail"]).format(x=rng.choice(AT_PHRASES)))
            for _ in range(n)]


LOCALS = ["jean.dupont", "mdurand", "karim34", "sophie_martin", "asso.relais"]
DOMAINS = [("orange", "fr"), ("gmail", "com"), ("free", "fr"), ("laposte", "net"), ("wanadoo", "fr")]


def spelt_emails(n: int = N, seed: int = SEED) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        local, (domain, tld) = rng.choice(LOCALS), rng.choice(DOMAINS)
        at = rng.choice([" at ", " AT ", " At "])
        dot = rng.choice([".", " point ", " dot ", " . "])
        address = f"{local}{at}{domain}{dot}{tld}"
        cases.append((around(rng, rng.choice(["Écrivez à {x}", "mail : {x}", "{x} (stay at home)"]).format(x=address)),
                      [local]))
    return cases


def words_left(needles: list[str], output: str) -> list[str]:
    folded = fold(output)
    return [n for n in needles if re.search(rf"(?<![\w]){re.escape(fold(n))}(?![\w])", folded)]


# --- 3. a number and a street's type as a noun; streets --------------------------------------------

NOUN_STREETS = [
    "Il y a {n} rue barrées depuis des mois.", "{n} rue fermées et {n} rue bloquées", "En {y} rue et trottoirs refaits.",
    "depuis {y} rue et parkings payants", "{n} rues en travaux", "{n} places de parking", "{n} place de parking",
    "{n} routes départementales", "{n} cours de français par semaine", "{n} cours de sport", "{n} allées fermées",
    "{n} route de campagne défoncée", "{n} avenue commerçantes", "{n} place de stationnement", "{n} quai et ponts",
    "en {y} place et jardins refaits",
]


def noun_streets(n: int = N, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    return [around(rng, rng.choice(NOUN_STREETS).format(n=rng.randint(2, 30), y=rng.randrange(1995, 2026)))
            for _ in range(n)]


STREET_NAMES = [("rue", "pasteur"), ("rue", "Victor Hugo"), ("rue du général", "leclerc"), ("place de la", "Mairie"),
                ("route de", "Paris"), ("allée des", "lilas"), ("avenue", "Jean Jaurès"), ("cours", "Mirabeau"),
                ("rue", "Gambetta"), ("place", "Bellecour"), ("impasse des", "Érables"), ("quai", "Voltaire")]


def streets(n: int = N, seed: int = SEED) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        kind, name = rng.choice(STREET_NAMES)
        number = rng.choice([str(rng.randint(1, 150)), f"{rng.randint(1, 40)} bis", str(rng.randrange(1995, 2026))])
        sentence = rng.choice(["J'habite au {x}.", "Venez au {x}, à côté.", "{x}", "adresse : {x}, merci"])
        cases.append((around(rng, sentence.format(x=f"{number} {kind} {name}")), [name.split()[-1]]))
    return cases


# --- 4. five digits and a capitalised count; postal codes and towns --------------------------------

COUNTS = ["Français", "Euros", "Habitants", "EUROS", "Personnes", "HABITANTS", "Emplois", "Signatures", "Familles",
          "Logements", "Km", "Bénévoles", "Salariés"]


def counts(n: int = N, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    return [around(rng, rng.choice(["Plus de {x} ont répondu.", "soit {x} par an", "({x})", "{x} en moins"]).format(
        x=f"{rng.randrange(10, 100) * 1000} {rng.choice(COUNTS)}")) for _ in range(n)]


TOWNS = [("75011", "Paris"), ("59000", "Lille"), ("37000", "Tours"), ("10000", "Troyes"), ("12000", "Rodez"),
         ("20000", "Ajaccio"), ("13100", "Aix-en-Provence"), ("34000", "Montpellier"), ("51100", "Reims"),
         ("06400", "Cannes"), ("64000", "Pau"), ("45000", "ORLEANS"),
         ("11330", "Maisons"), ("04130", "Voix"), ("24390", "Ans")]  # communes named like counts


def towns(n: int = N, seed: int = SEED) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        code, town = rng.choice(TOWNS)
        street = f"{rng.randint(1, 80)} rue {rng.choice(['des Lilas', 'Pasteur', 'de la Gare'])}, "
        text = rng.choice(["Écrire au {s}{c} {t}.", "{s}{c} {t}", "Siège : {c} {t} CEDEX"]).format(s=street, c=code, t=town)
        cases.append((around(rng, text), [code]))
    return cases


# --- 5. runs of brands; people's names beside brands ----------------------------------------------

BRANDS = ["Facebook", "Amazon", "Apple", "Google", "Microsoft", "Netflix", "Uber", "Airbnb", "Starbucks", "YouTube",
          "Gafa", "GAFAM", "Gafam", "Twitter", "Instagram", "TikTok", "Mcdonald's", "Ikea", "Lidl", "Carrefour"]


def brand_runs(n: int = N, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        run = rng.choice([" ", ", ", " / ", " et "]).join(rng.sample(BRANDS, rng.randint(1, 4)))
        texts.append(around(rng, rng.choice(["Taxer les {x}.", "Les {x} ne paient pas d'impôts.",
                                            "des multinationales comme {x}...", "Taxer fortement les {x}. Réduire la TVA.",
                                            "Les grandes entreprises ({x}) doivent payer.", "Vidéo {x} sur le sujet"]).format(x=run)))
    return texts


FIRST = ["Martine", "Karim", "Sophie", "Jean-Pierre", "Nadia", "Thierry", "Fatou", "Olivier"]
LAST = ["Lefort", "Benali", "Moreau", "Diallo", "Girard", "Nguyen", "Fontaine", "Roussel"]


def names_with_brands(n: int = N, seed: int = SEED) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        first, last, brand = rng.choice(FIRST), rng.choice(LAST), rng.choice(BRANDS)
        text = rng.choice(["J'ai parlé avec {f} {l} sur {b}.", "{f} {l} travaille chez {b}.",
                           "Taxer les {b} comme le dit {f} {l}.", "Contact : {f} {l} ({b})"]).format(f=first, l=last, b=brand)
        cases.append((around(rng, text), [last]))
    return cases


# (ordinary texts, personal data, what of it is left in an output)
FAMILIES: dict[str, tuple[Ordinary, Personal, Callable[[list[str], str], list[str]]]] = {
    "amounts, years, percentages / phone numbers": (amounts, phones, digits_left),
    "English « at » / e-mails spelt with « at »": (english_at, spelt_emails, words_left),
    "street type as a noun / streets": (noun_streets, streets, words_left),
    "five digits and a count / postal code and town": (counts, towns, digits_left),
    "runs of brands / names beside brands": (brand_runs, names_with_brands, words_left),
}


def measure(redactor: Redactor, family: str) -> dict[str, int]:
    """Ordinary texts changed by the redactor, flagged by the scanner (raw, redacted); personal
    items left by the redactor, missed by the scanner in the raw text."""
    ordinary, personal, left = FAMILIES[family]
    texts = ordinary(N, SEED)
    outs = redactor.redact_many(texts)
    cases = personal(N, SEED)
    redacted = redactor.redact_many([t for t, _ in cases])
    return {
        "ordinary": len(texts),
        "changed": sum(o != t for t, o in zip(texts, outs, strict=True)),
        "flagged raw": sum(bool(scan_text(t)) for t in texts),
        "flagged redacted": sum(bool(scan_text(o)) for o in outs),
        "personal": len(cases),
        "leaked": sum(bool(left(needles, o)) for (_, needles), o in zip(cases, redacted, strict=True)),
        "scanner missed raw": sum(not scan_text(t) for t, _ in cases),
        "flagged after redaction": sum(bool(scan_text(o)) for o in redacted),
    }


@pytest.mark.parametrize("family", list(FAMILIES))
def test_ordinary_text_stays_and_personal_data_goes(redactor: Redactor, family: str) -> None:
    counts_ = measure(redactor, family)
    print(f"\n{family}: {counts_}")
    assert counts_["changed"] == 0, family
    assert counts_["flagged raw"] == 0 and counts_["flagged redacted"] == 0, family
    assert counts_["leaked"] == 0 and counts_["flagged after redaction"] == 0, family


@pytest.mark.parametrize("family", [f for f in FAMILIES if not f.startswith("runs of brands")])
def test_the_scanner_still_finds_the_personal_data_on_its_own(family: str) -> None:
    """Names are the scanner's only after a civility; the other kinds it finds in raw text."""
    _, personal, _ = FAMILIES[family]
    cases = [t for t, _ in personal(N, SEED)]
    if family.startswith("amounts"):
        # The scanner reads digits with one separator between them and no « (+33) »; the redactor,
        # which runs first, reads the others (test_ordinary_text_stays_and_personal_data_goes).
        cases = [t for t in cases if not re.search(r"\(\+33\)|\d  |\d \. ", t)]
        assert len(cases) >= N // 2
    missed = [t for t in cases if not scan_text(t)]
    assert missed == [], missed[:5]


@pytest.mark.parametrize("text", [
    "Un budget de 150 000 000 d'euros.", "Le travail at home est bien.", "Il y a 2 rue barrées.",
    "En 2019 rue et trottoirs refaits.", "20000 Français, 12000 Euros, 10000 Habitants.", "Taxer les Facebook Amazon Apple.",
    "en 2019 2020 2021 2022", "2 cours de français", "3 place de parking", "10000 EUROS",
])
def test_the_cases_found_on_real_answers(redactor: Redactor, text: str) -> None:
    assert redactor(text) == text and scan_text(text) == []
