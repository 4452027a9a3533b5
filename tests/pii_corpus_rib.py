"""Families of personal data left after 2026-12-06's second round (`tests/test_redact_unseen_rib.py`):

- `ribs`: bank details written as a French RIB, its four groups (bank, branch, account, key) with
  or without their labels (« code banque 30004 code guichet 00001 n° de compte 01234567890 clé 12 »,
  « RIB : 30004 00001 01234567890 12 »), spaces, dashes, dots, bars, line breaks, one group a line;
  the key right three times in four and mistyped the fourth (a person may mistype it);
- `odd_ibans`: IBANs whose country and check digits are apart or in lower case (« FR 76 … »,
  « fr76 … »), grouped as a RIB or in groups of any length, cut by a line break;
- `dwellings`: a building, staircase, floor, flat or door beside a street address, a postal code
  or a named residence (« bâtiment B, escalier 3, 4e étage, appartement 42, 12 rue des Lilas »,
  « Résidence Les Tilleuls, bât. C apt 12 »).

And the ordinary texts of the same shapes that must stay as written: numbers and « code » in other
senses, floors and buildings with no address (« les ascenseurs en panne au 3e étage »), and codes
of letters and digits that are no name (« Voir L6P5XSFK », the bug of 2026-12-06: a ticket's
reference was published as « [nom] »).

A leak (`leaks`): seven characters in a row of the account number still readable once everything
but letters and digits is dropped from the output (bank details), or one of the dwelling's parts
as written (« appartement 42 »).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from stdnum import iban

from consultation.text import fold
from pii_corpus import FIRST_NAMES, SURNAMES

SEED = 2063
N = 96  # cases per family

# Banks' codes as printed on French RIBs (BNP Paribas, LCL, Société Générale, Crédit Mutuel, La
# Banque Postale, Crédit Agricole, Caisse d'Épargne…), and random ones.
BANKS = ["30004", "30002", "30003", "10278", "20041", "11306", "17515", "16006", "30066", "10907", "13335", "18206"]
_LETTER_VALUES = {c: str(v) for v, letters in enumerate(["", "AJ", "BKS", "CLT", "DMU", "ENV", "FOW", "GPX", "HQY",
                                                           "IRZ"]) for c in letters}


@dataclass(frozen=True)
class Case:
    family: str
    text: str  # the whole answer
    needles: tuple[str, ...]  # what must not survive


def rib_key(bank: str, branch: str, account: str) -> str:
    """The RIB's key: 97 - (89 × bank + 15 × branch + 3 × account) mod 97, letters as digits."""
    number = int("".join(_LETTER_VALUES.get(c, c) for c in account.upper()))
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * number) % 97:02d}"


def _account(rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(11))
    if rng.random() < 0.15:  # La Banque Postale writes a letter in its accounts (« 0123456A020 »)
        return digits[:7] + rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + digits[8:]
    return digits


def _rib(rng: random.Random, i: int) -> tuple[str, str, str, str]:
    bank = rng.choice(BANKS) if rng.random() < 0.7 else f"{rng.randint(10000, 99999)}"
    branch = f"{rng.randint(0, 99999):05d}"
    account = _account(rng)
    key = rib_key(bank, branch, account)
    if i % 4 == 3:  # mistyped: another key
        key = f"{(int(key) + rng.randint(1, 96)) % 97 + 1:02d}"
    return bank, branch, account, key


def _case(rng: random.Random, word: str) -> str:
    return rng.choice([word, word, word.lower(), word.upper(), word.capitalize()])


RIB_SENTENCES = ["Pour le remboursement, voici mon {x}.", "Voici mon RIB pour le virement : {x}", "{x}",
                 "Versez l'aide sur ce compte : {x} merci.", "Coordonnées bancaires :\n{x}\nMerci d'avance.",
                 "Mes coordonnées {x} (compte joint)."]
RIB_SEPARATORS = [" ", " ", "-", ".", "  ", " - ", "/", "\n", " | ", "\t"]


def _labelled(rng: random.Random, bank: str, branch: str, account: str, key: str) -> str:
    labels = [rng.choice(["code banque", "Code banque", "banque", "Code établissement", "Établissement", "Bq"]),
              rng.choice(["code guichet", "Code guichet", "guichet", "Guichet"]),
              rng.choice(["n° de compte", "N° compte", "numéro de compte", "compte", "No de compte", "Compte n°"]),
              rng.choice(["clé", "clé RIB", "Clé", "cle", "clef", "Clé R.I.B."])]
    colon = rng.choice(["", " :", ":"])
    joint = rng.choice([" ", ", ", " - ", "\n", " / ", "; "])
    return joint.join(f"{_case(rng, label)}{colon} {value}" for label, value in zip(
        labels, (bank, branch, account, key), strict=True))


def ribs(n: int = N, seed: int = SEED) -> list[Case]:
    """Labelled (one time in three), after « RIB », under a line of labels as printed, or bare."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        bank, branch, account, key = _rib(rng, i)
        layout = i % 6
        if layout in (0, 1):
            written = _labelled(rng, bank, branch, account, key)
        else:
            sep = rng.choice(RIB_SEPARATORS)
            groups = sep.join((bank, branch, account, key))
            if layout == 2:
                written = f"{_case(rng, 'RIB')}{rng.choice([' : ', ' ', ': ', ' n° '])}{groups}"
            elif layout == 3:
                head = rng.choice(["Code banque | Code guichet | N° de compte | Clé", "Banque Guichet Compte Clé",
                                   "Etablissement Guichet N° compte Clé RIB"])
                written = f"{head}\n{groups}"
            elif layout == 4:
                written = f"{rng.choice(['relevé d’identité bancaire', 'mes coordonnées bancaires', 'compte'])} {groups}"
            else:
                written = groups  # no cue at all
        out.append(Case("RIB", rng.choice(RIB_SENTENCES).format(x=written), (account,)))
    return out


IBAN_SENTENCES = ["Mon IBAN : {x}", "Virement sur {x} svp.", "iban {x}", "{x}", "Pour le remboursement :\n{x}",
                  "Coordonnées bancaires {x}, merci."]


def _french_iban(rng: random.Random, i: int) -> tuple[str, str]:
    """An IBAN and its account number (FR, or BE and DE one time in eight: the account is the
    BBAN's last ten characters there)."""
    if i % 8 == 7:
        country, bban = rng.choice([("BE", 12), ("DE", 18)])
        body = "".join(rng.choice("0123456789") for _ in range(bban))
        if country == "BE":  # a bank's code that python-stdnum knows, the account's own key
            body = rng.choice(["001", "068", "363", "732", "750"]) + body[3:10]
            body += f"{int(body) % 97 or 97:02d}"
        number = country + iban.calc_check_digits(country + "00" + body) + body
        return number, body[-10:]
    bank, branch, account, key = _rib(rng, 0)
    body = bank + branch + account + key
    return "FR" + iban.calc_check_digits("FR00" + body) + body, account


def odd_ibans(n: int = N, seed: int = SEED + 1) -> list[Case]:
    """The country and its check digits apart or in lower case; the rest as a RIB (5 5 11 2), in
    groups of 3, 6 or random lengths, or by four with a line break inside."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        number, account = _french_iban(rng, i)
        head = rng.choice([f"{number[:2]} {number[2:4]}", f"{number[:2].lower()}{number[2:4]}",
                           f"{number[:2].lower()} {number[2:4]}", f"{number[:2]}-{number[2:4]}", number[:4],
                           f"{number[:2].capitalize()}{number[2:4]}"])
        body = number[4:]
        style = i % 4
        if style == 0 and number.startswith("FR"):
            parts = [body[:5], body[5:10], body[10:21], body[21:]]
        elif style == 1:
            size = rng.choice([3, 6, 5])
            parts = [body[j:j + size] for j in range(0, len(body), size)]
        elif style == 2:
            parts, j = [], 0
            while j < len(body):
                size = rng.randint(2, 7)
                parts.append(body[j:j + size])
                j += size
        else:
            parts = [body[j:j + 4] for j in range(0, len(body), 4)]
        sep = rng.choice([" ", " ", "-", ".", "  "])
        if style == 3:
            cut = rng.randint(1, len(parts) - 1)
            written = f"{head}{sep}{sep.join(parts[:cut])}\n{sep.join(parts[cut:])}"
        else:
            written = f"{head}{sep}{sep.join(parts)}"
        if rng.random() < 0.2:
            written = written.lower()
        out.append(Case("IBAN, odd groups", rng.choice(IBAN_SENTENCES).format(x=written), (account,)))
    return out


# --- dwellings: building, staircase, floor, flat, door beside an address ---------------------------------

STREETS = ["rue des Lilas", "avenue Jean Jaurès", "rue du général leclerc", "allée des Tilleuls", "boulevard Victor Hugo",
           "impasse des Roses", "chemin de la Croix", "place de la Mairie", "rue Pasteur", "avenue de la République"]
RESIDENCES = ["Résidence Les Lilas", "résidence les Tilleuls", "Cité des Fleurs", "Résidence du Parc",
              "résidence Le Clos Fleuri", "Cité Jardin", "Résidence Beau Soleil", "Immeuble Le Central"]
TOWNS = ["59000 Lille", "69003 Lyon", "13001 Marseille", "33000 Bordeaux", "35000 Rennes", "31000 Toulouse"]


def _building(rng: random.Random) -> str:
    return f"{rng.choice(['bâtiment', 'Bâtiment', 'bât.', 'Bât.', 'bat', 'BAT', 'bât'])} {rng.choice('ABCDEFGH12345')}"


def _staircase(rng: random.Random) -> str:
    return f"{rng.choice(['escalier', 'Escalier', 'esc.', 'Esc'])} {rng.choice('ABCD1234')}"


def _floor(rng: random.Random) -> str:
    k = rng.randint(1, 14)
    ordinal = "1er" if k == 1 else f"{k}{rng.choice(['e', 'ème', 'eme', 'è'])}"
    return rng.choice([f"{ordinal} étage", f"{ordinal} étage", f"étage {k}", f"{ordinal} Étage"])


def _flat(rng: random.Random) -> str:
    word = rng.choice(["appartement", "Appartement", "apt", "Apt.", "appt", "app.", "Appart", "logement", "n° appart"])
    return f"{word} {rng.choice(['', 'n° ', 'n°'])}{rng.randint(1, 250)}{rng.choice(['', '', 'B'])}"


def _door(rng: random.Random) -> str:
    return f"{rng.choice(['porte', 'Porte'])} {rng.randint(1, 60)}"


DWELLING_SENTENCES = ["J'habite {x}.", "Mon adresse : {x}", "Envoyez le courrier au {x}, merci.", "{x}",
                      "Pour la visite :\n{x}\n(sonnez fort)", "Je vis seule {x} depuis 2015."]


def dwellings(n: int = N, seed: int = SEED + 2) -> list[Case]:
    """One to four parts of a dwelling, in any order, before or after a street address, a named
    residence, or a street with its postal code and town; commas, dashes, spaces or line breaks."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        parts = rng.sample([_building, _staircase, _floor, _flat, _door], rng.randint(1, 4))
        if _flat not in parts and rng.random() < 0.6:
            parts[-1] = _flat
        pieces = [make(rng) for make in parts]
        joint = rng.choice([", ", ", ", " ", " - ", "\n", " – "])
        inner = joint.join(pieces)
        kind = i % 3
        if kind == 0:
            anchor = f"{rng.randint(1, 120)}{rng.choice(['', ' bis'])} {rng.choice(STREETS)}"
        elif kind == 1:
            anchor = rng.choice(RESIDENCES)
        else:
            anchor = f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}"
        between = rng.choice([", ", ", ", "\n", " - "])
        written = f"{inner}{between}{anchor}" if rng.random() < 0.5 else f"{anchor}{between}{inner}"
        out.append(Case("dwelling", rng.choice(DWELLING_SENTENCES).format(x=written), tuple(pieces)))
    return out


NAME_SENTENCES = ["Voir {name} {x} pour le suivi.", "Ticket {x} ouvert par {name}.", "Réf. {x}, dossier de {name}.",
                  "Voir {name} ({x}).", "Merci à {name}, ticket {x}.", "{name} {x}"]


def names_beside_codes(n: int = N, seed: int = SEED + 3) -> list[Case]:
    """What the name rule is for, beside the codes it no longer takes: a first name and a surname,
    or « Mme » and a surname, next to a code (« Ticket L6P5XSFK ouvert par Nadia Lambert. »)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        surname = rng.choice(SURNAMES)
        name = rng.choice([f"{rng.choice(FIRST_NAMES)} {surname}", f"Mme {surname}", f"M. {surname}"])
        text = rng.choice(NAME_SENTENCES).format(x=_code(rng), name=name)
        out.append(Case("name beside a code", _around(rng, text), (surname,)))
    return out


FAMILIES = {"RIB": ribs, "IBAN, odd groups": odd_ibans, "dwelling": dwellings, "name beside a code": names_beside_codes}


def leaks(case: Case, output: str) -> bool:
    """Whether the identifying part of `case` is still readable in `output`."""
    if case.family in ("dwelling", "name beside a code"):
        folded = fold(output)
        return any(re.search(rf"(?<![\w]){re.escape(fold(p))}(?![\w])", folded) for p in case.needles)
    plain = re.sub(r"[^0-9a-z]", "", output.lower())
    return any(needle[j:j + 7].lower() in plain for needle in case.needles for j in range(len(needle) - 6))


def leaked_cases(redactor, family: str, cases: list[Case]) -> list[str]:
    """The cases of `family` whose identifying part `redactor` leaves readable, printed for the log."""
    outputs = redactor.redact_many([case.text for case in cases])
    shown = [f"{case.text!r} -> {output!r}" for case, output in zip(cases, outputs, strict=True) if leaks(case, output)]
    print(f"\n{family}: {len(cases)} generated, {len(shown)} leaked" + "".join(f"\n  {s}" for s in shown))
    return shown


# --- ordinary texts of the same shapes, which must stay as written -----------------------------------------

def _around(rng: random.Random, sentence: str) -> str:
    before = rng.choice(["", "Merci pour cette consultation. ", "Bonjour,\n", "Je suis bénévole.\n\n"])
    after = rng.choice(["", " Bonne journée.", "\nMerci.", " Nous manquons de moyens."])
    return before + sentence + after


NUMBER_SENTENCES = [
    "Le code {code} de la sécurité intérieure, article L. {a}-{b}.", "En {year}, {n1} euros et {n2} euros de plus.",
    "Budget : {n1} € en {year}, {n2} € en {year2}.", "Le code {code} ne marche plus sur le site.",
    "Les codes postaux {p1} et {p2} sont mal desservis.", "Clé de répartition : {pct} % pour l'État.",
    "Compte rendu du {d}/{m}/{year} : {n1} participants.", "la banque a versé {n1} € à {n2} familles",
    "Guichet fermé depuis {year}, {n2} usagers sans service.", "Entre {year} et {year2}, {n1} postes supprimés.",
    "Le numéro de compte ne s'affiche plus depuis {year}.", "{p1} habitants, {n2} commerces et {pct} % de vacants.",
]


def ordinary_numbers(n: int = N, seed: int = SEED + 20) -> list[str]:
    """Amounts, years, dates, postal codes, « code », « compte », « clé », « guichet » and
    « banque » in their other senses, beside numbers."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        year = rng.randint(2000, 2024)  # a full date of the 1900s is a date of birth (RELIABILITY.md)
        values = {"code": rng.choice(["30004", "1234", "75001", "B12", "4G"]), "a": rng.randint(100, 999),
                  "b": rng.randint(1, 99), "year": year, "year2": year + rng.randint(1, 5),
                  "n1": f"{rng.randint(1, 999)} {rng.randint(0, 999):03d}", "n2": rng.randint(2, 99999),
                  "p1": f"{rng.randint(10, 95)}{rng.randint(0, 999):03d}", "p2": f"{rng.randint(10, 95)}{rng.randint(0, 999):03d}",
                  "pct": rng.randint(1, 99), "d": rng.randint(1, 28), "m": rng.randint(1, 12)}
        out.append(_around(rng, rng.choice(NUMBER_SENTENCES).format(**values)))
    return out


DWELLING_ORDINARY = [
    "Les ascenseurs sont en panne au {floor} depuis des mois.", "Le {building} de l'hôpital est fermé.",
    "Un bâtiment public par commune, c'est le minimum.", "Un {flat_word} de {n} m² coûte trop cher.",
    "Rénover les bâtiments publics, les écoles et les {n} logements vides.", "L'{staircase} est condamné.",
    "Au {floor} de la mairie, personne.", "Porte {door} du stade, une fouille inutile.",
    "Un T3 au {floor} sans ascenseur pour une personne âgée !", "Le {building} et le bâtiment C du lycée sont vétustes.",
    "La résidence universitaire n'a que {n} logements.", "Il faut monter {n} étages à pied.",
    "Les {n} appartements de la résidence attendent l'isolation.", "Le logement {n} % plus cher en {year}.",
]


def ordinary_dwellings(n: int = N, seed: int = SEED + 21) -> list[str]:
    """Floors, buildings, staircases, flats and doors with no address beside them."""
    rng = random.Random(seed)
    return [_around(rng, rng.choice(DWELLING_ORDINARY).format(
        floor=_floor(rng), building=_building(rng), staircase=_staircase(rng).removesuffix("."),
        flat_word=rng.choice(["appartement", "logement", "appart"]), n=rng.randint(2, 120), door=rng.randint(1, 60),
        year=rng.randint(1990, 2024))) for _ in range(n)]


CODE_SENTENCES = ["Voir {x}", "Voir {x} pour le suivi.", "Réf. {x}", "Ticket {x} toujours ouvert.",
                  "Code {x} refusé.", "Suite à la réclamation {x}, rien.",
                  "Merci de rappeler la référence {x}.", "Commande {x} jamais livrée.", "Cf. {x}"]
_CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _code(rng: random.Random) -> str:
    """A ticket's reference (letters and digits mixed, 6 to 10), a foreign postal code with
    letters (« SW1A 1AA », « H2X 1Y4 »), an order or flight number (« CMD-4512-XK », « AF1234 »)."""
    kind = rng.randrange(5)
    if kind <= 1:
        size = rng.randint(6, 10)
        while True:
            code = "".join(rng.choice(_CODE_LETTERS + "0123456789") for _ in range(size))
            if code[0].isalpha() and sum(c.isdigit() for c in code) >= 2 and sum(c.isalpha() for c in code) >= 2:
                return code
    if kind == 2:
        letters = lambda k: "".join(rng.choice(_CODE_LETTERS) for _ in range(k))  # noqa: E731
        return rng.choice([f"{letters(2)}{rng.randint(1, 9)}{letters(1)} {rng.randint(1, 9)}{letters(2)}",
                           f"{letters(1)}{rng.randint(1, 9)}{letters(1)} {rng.randint(1, 9)}{letters(1)}{rng.randint(1, 9)}",
                           f"{rng.randint(1000, 9999)} {letters(2)}"])
    if kind == 3:
        return f"{rng.choice(['CMD', 'INC', 'REQ', 'TK', 'SAV'])}-{rng.randint(100, 99999)}-{rng.choice(_CODE_LETTERS)}{rng.randint(1, 99)}"
    return f"{rng.choice(['AF', 'U2', 'TO', 'RTX', 'GTX', 'A'])}{rng.randint(10, 9999)}"


def ordinary_codes(n: int = N, seed: int = SEED + 22) -> list[str]:
    """Codes of letters and digits after « Voir », « Réf. », « Ticket »…: no name."""
    rng = random.Random(seed)
    return [_around(rng, rng.choice(CODE_SENTENCES).format(x=_code(rng))) for _ in range(n)]


ORDINARY = {"numbers": ordinary_numbers, "dwelling": ordinary_dwellings, "code": ordinary_codes}
