"""What the redactor took from ordinary answers (over-redaction), as families found by auditing the
15,382 real answers of ../shared/data (RELIABILITY.md, « What the redactor takes from ordinary
answers »):

1. a proposition opening on an infinitive (« Réduire drastiquement les impôts », « Interdire toute
   ingérence », « Rétablir L'ISF »): the small model tags the verb as a person, the « first name +
   SURNAME » rule read « Rétablir L'ISF » as one;
2. « lois » before an adjective or a participle (« des lois strictes », « les lois existantes »):
   « lois » is a first name (Loïs) and the word's plural, and any lower-case word after it was read
   as a surname; the same for « aimé voir », and for a word after « pr » or « dr » (« pour », « de »
   in short, read as « Pr », « Dr »: « pr financer », « dr verre »);
3. lists of round amounts (« 30000\\n50000\\n80000 ») and scales of rates (« 0/15/30/45/55 »): read
   as a NIR or a long identifier.

Beside each, the personal data of the same shape, which must still go: a name after the verb, a
surname that is also a verb (« Royer »), « lois » before a surname, NIRs and phones in groups.
"""

from __future__ import annotations

import random
import re
import time

import pytest
from stdnum.fr import nir as nir_number

from consultation.publish.leakscan import scan_text
from consultation.publish.redact import Redactor

SEEDS = [1, 2, 3]
N = 30  # cases per family, side and seed

# Listed first names: after a verb, an unlisted one (« Samia », « Youssouf ») is left to the model,
# which often tags nothing there (tests/test_redact_unseen_names*.py generate those).
FIRST_NAMES = ["Nadia", "Karim", "Sophie", "Thierry", "Agnès", "Quentin", "Mireille", "Fatou", "Rémi"]
SURNAMES = ["Benali", "Vasseur", "Lefebvre", "Marchetti", "Giraud", "Perrin", "Haddad", "Texier", "Pujol"]

# Verbs a proposition opens on, irregular ones (« réduire », « mettre ») among them: the model's
# form lists lack their infinitive, so they read as unknown capitalised words.
VERBS = ["Réduire", "Interdire", "Mettre", "Faire", "Rendre", "Rétablir", "Retablir", "Revoir", "Soumettre",
         "Abolir", "Domicilier", "Déléguer", "Apprendre", "Transiger", "Flécher", "Créer", "Refondre",
         "Démanteler", "Remettre", "Acheter", "Exiger", "Redéfinir", "Taxer", "Supprimer", "Instaurer",
         "Abroger", "Plafonner", "Limiter", "Obliger", "Favoriser", "Simplifier", "Garantir", "Renforcer",
         "Contraindre", "Produire", "Permettre", "Construire", "Restreindre", "Promouvoir", "Combattre"]
VERB_TAILS = ["drastiquement les impôts", "toute ingérence étrangère", "tous les avantages des élus", "L'ISF",
              "CSG et impôt sur le revenu", "radicalement les niches fiscales", "certaines indemnités",
              "chaque dépense publique", "immédiatement la TVA", "tout cela plus transparent",
              "fortement les GAFA", "définitivement les emballages", "tout simplement le glyphosate"]
OPENINGS = ["", "Merci. ", "Bonjour,\n", "- ", "1) ", "Il faut changer. ", "Voici mes idées :\n"]
# A full stop forgotten before the proposition: the verb stands mid-sentence.
RUN_ONS = ["Un mécanisme plus juste ", "Taxer les GAFA  ", "Supprimer la taxe d'habitation ", "produits de Luxe "]


def verb_openings(seed: int, n: int = N) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(OPENINGS + RUN_ONS) + f"{rng.choice(VERBS)} {rng.choice(VERB_TAILS)}." + rng.choice(["", " Merci."])
            for _ in range(n)]


def names_after_verbs(seed: int, n: int = N) -> list[tuple[str, list[str]]]:
    """A name right after the opening verb, and surnames that are verbs (« Royer », « Charrier »)
    opening a sentence."""
    rng = random.Random(seed + 1000)
    cases = []
    for k in range(n):
        if k % 3 == 2:
            surname = "Royer"
            cases.append((rng.choice(OPENINGS) + f"{surname} nous a aidés pour le dossier.", [surname]))
            continue
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        verb = rng.choice(["Remercier", "Contacter", "Appeler"])
        opening = rng.choice([o for o in OPENINGS if o != "1) "])  # after « 1) »: tests/test_redact_unseen_names.py
        cases.append((opening + f"{verb} {first} {last} pour son aide.", [first, last]))
    return cases


LOIS_AFTER = ["strictes", "françaises", "existantes", "votées", "concernant", "permettant", "contre", "déjà",
              "européennes", "soient", "nouvelles", "afin", "selon", "mettre", "restrictives", "punissant", "agricoles", "annuelles"]


def lois(seed: int, n: int = N) -> list[str]:
    rng = random.Random(seed)
    sentences = ["Il faut des lois {x} pour tous.", "Appliquer les lois {x} la fraude.", "Que les lois {x} !",
                 "Des lois {x}.", "On manque de lois {x} en France."]
    return [rng.choice(OPENINGS) + rng.choice(sentences).format(x=rng.choice(LOIS_AFTER)) for _ in range(n)]


def lois_people(seed: int, n: int = N) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed + 1000)
    cases = []
    for _ in range(n):
        surname = rng.choice(SURNAMES)
        first = rng.choice(["lois", "loïs", "Lois", "Loïs"])
        written = rng.choice([surname, surname.lower()]) if first.islower() else surname
        cases.append((rng.choice(OPENINGS) + f"Merci à {first} {written} pour tout.", [surname]))
    return cases


SHORT_FOR = ["pr", "dr"]  # « pour », « de » in short, lower case: « pr financer », « dr verre »
SHORT_AFTER = ["financer", "faire", "profiter", "obtenir", "éviter", "répondre", "payer", "vendre", "lancer",
               "cumuler", "verre", "voiture", "avoir accès", "eux"]


def short_words(seed: int, n: int = N) -> list[str]:
    """« pr »/« dr » before a word, and a first name that is a word before a verb (« aimé voir »)."""
    rng = random.Random(seed)
    texts = []
    for k in range(n):
        if k % 4 == 3:
            texts.append(rng.choice(OPENINGS) + f"J'aurais {rng.choice(['aimé', 'aime'])} {rng.choice(['voir', 'faire', 'lire'])} des questions sur l'école.")
            continue
        texts.append(rng.choice(OPENINGS) + f"Il faut 1h {rng.choice(SHORT_FOR)} {rng.choice(SHORT_AFTER)} le nécessaire.")
    return texts


def short_civilities(seed: int, n: int = N) -> list[tuple[str, list[str]]]:
    """A civility in short, any case, before a surname (lower case too), and « Aimé » before one."""
    rng = random.Random(seed + 1000)
    cases = []
    for k in range(n):
        surname = rng.choice(SURNAMES)
        if k % 4 == 3:
            cases.append((f"Merci à aimé {surname.lower()} pour son aide.", [surname]))
            continue
        civility = rng.choice(["dr", "pr", "Dr", "Pr", "mr", "Mr"])
        written = rng.choice([surname, surname.lower()])
        cases.append((rng.choice(OPENINGS) + f"J'ai vu le {civility} {written} hier.", [surname]))
    return cases


def amount_lists(seed: int, n: int = N) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for k in range(n):
        if k % 2:
            start, step = rng.choice([0, 5, 10, 15, 20]), rng.choice([5, 10, 15])
            rates = [start + step * i + rng.choice([0, 0, 5]) * (i > 0) for i in range(rng.randint(5, 8))]
            rates = sorted(set(rates))
            sep = rng.choice([" ", "/", "  "])  # « 20-25-30 », « 5 / 15 / 20 »: read as dates, left
            texts.append(rng.choice(OPENINGS) + f"Un barème à {sep.join(map(str, rates))}{rng.choice(['%', ' %', ''])} serait juste.")
        else:
            unit = rng.choice([1000, 5000, 10000, 500])
            values = sorted({unit * rng.randint(2, 30) for _ in range(rng.randint(3, 6))})
            if len(values) < 2 or all(v < 1000 for v in values):
                values = [10000, 25000, 50000]
            sep = rng.choice(["\n", " ", "  ", " - ", "/"])
            texts.append(rng.choice(OPENINGS) + f"Tranches de revenus :\n{sep.join(map(str, values))}\n...")
    return texts


def identifiers(seed: int, n: int = N) -> list[tuple[str, list[str]]]:
    """NIRs in groups (round groups among them) and phones whose pairs rise by five."""
    rng = random.Random(seed + 1000)
    cases = []
    for k in range(n):
        if k % 3 == 2:
            pairs = [5 * rng.randint(1, 3)]
            while len(pairs) < 5:
                pairs.append(pairs[-1] + 5 * rng.randint(1, 3))
            number = rng.choice([" ", ".", "-"]).join(f"{p % 100:02d}" for p in [rng.choice([1, 5, 6]), *pairs[1:]])
            cases.append((f"Appelez-moi au {number} demain.", [re.sub(r"\D", "", number)]))
            continue
        commune = rng.choice(["100", "500", f"{rng.randint(1, 999):03d}"])
        body = f"{rng.choice('12')}{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{rng.choice(['75', '34', '59'])}{commune}{rng.choice(['100', '200', f'{rng.randint(1, 999):03d}'])}"
        parts = [body[0], body[1:3], body[3:5], body[5:7], body[7:10], body[10:13], nir_number.calc_check_digits(body)]
        lead = rng.choice(["Mon numéro de sécu : ", "NIR\n", "Voici mon numéro "])
        cases.append((lead + rng.choice([" ", "."]).join(parts) + ".", [body[5:13]]))
    return cases


FAMILIES = {
    "infinitive opening a proposition / names after it": (verb_openings, names_after_verbs),
    "« lois » before an adjective / « lois » before a surname": (lois, lois_people),
    "round amounts and scales / NIRs and phones in groups": (amount_lists, identifiers),
    "« pr », « dr » (pour, de) and « aimé » before a word / civilities and « aimé » before a surname":
        (short_words, short_civilities),
}


@pytest.fixture(scope="module")
def redactor(ner) -> Redactor:
    return Redactor([], nlp=ner)  # as `publish` runs it


def leaked(needles: list[str], output: str) -> list[str]:
    digits = re.sub(r"\D", "", output)
    return [x for x in needles if (x in digits if x.isdigit() else x.lower() in output.lower())]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("family", list(FAMILIES))
def test_ordinary_text_stays_and_personal_data_goes(redactor: Redactor, family: str, seed: int) -> None:
    ordinary, personal = FAMILIES[family]
    texts = ordinary(seed)
    cases = personal(seed)
    outputs = redactor.redact_many(texts + [t for t, _ in cases])
    changed = [(t, o) for t, o in zip(texts, outputs, strict=False) if o != t]
    leaks = [(t, o) for (t, needles), o in zip(cases, outputs[len(texts):], strict=True) if leaked(needles, o)]
    print(f"\n{family} (seed {seed}): ordinary changed {len(changed)}/{len(texts)}, "
          f"personal leaked {len(leaks)}/{len(cases)}")
    assert changed == []
    assert leaks == []


def test_round_lists_and_scales_stay_linear_on_long_texts(redactor: Redactor) -> None:
    """100,000 characters of amounts and scales: the new checks read each match once."""
    rng = random.Random(7)
    text = "\n".join(rng.choice(amount_lists(rng.randrange(100), 5)) for _ in range(2500))[:100_000]
    patterns = Redactor([])  # the patterns alone: the model's time is not the point
    began = time.perf_counter()
    assert patterns(text) == text
    assert time.perf_counter() - began < 20


# The known leaks of these shapes (« Charrier nous a aidés », « Auger… », « Renier… », « Merci à Loïs
# vasseur pour tout. ») were strict xfails here until 2026-12-06: redacted since, they are instances
# of tests/test_redact_unseen_names2.py, whose families generate them.


@pytest.mark.parametrize("seed", SEEDS)
def test_the_scanner_stops_no_publication_on_amounts_and_still_finds_identifiers(seed: int) -> None:
    """What the redactor now leaves (amount lists, scales) must not stop a publication; the NIRs and
    phones beside them are still found by the scanner in the raw text."""
    flagged = [(t, scan_text(t)) for t in amount_lists(seed) if scan_text(t)]
    missed = [t for t, _ in identifiers(seed) if not scan_text(t)]
    print(f"\nscanner (seed {seed}): amounts flagged {len(flagged)}/{N}, identifiers missed {len(missed)}/{N}")
    assert flagged == []
    assert missed == []

