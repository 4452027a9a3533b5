"""A generated corpus of personal data planted in French answer sentences, for the redactor and the
post-render scanner: every kind of item the project calls personal data, in many spellings.

Each item is generated from parts (names, digits, separators, casings, obfuscations, street types)
with a seeded random generator, so the corpus is the same on every run and grows by changing
`per_kind`. The names, streets and structures are this file's own lists, written independently of
the redactor's (its first names come from Faker; some of ours are not in those lists on purpose).

`needles` are what must not survive redaction: a surname, the subscriber digits of a phone, the
local part of an e-mail… `leaked(item, output)` checks them in the redacted sentence.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from stdnum import iban as iban_number
from stdnum import luhn
from stdnum.fr import nir as nir_number


@dataclass(frozen=True)
class Planted:
    kind: str
    text: str  # as it is written in the sentence
    needles: tuple[str, ...]
    digits: bool = False  # needles are digit strings, checked with separators removed
    folded: bool = False  # needles checked without case and accents


KINDS = ("email", "phone", "nir", "iban", "siret", "finess", "address", "birth", "handle", "plate",
         "url", "name", "structure")

FIRST_NAMES = ["Martine", "Karim", "Nadia", "Jean-Pierre", "Sophie", "Colette", "Alain", "Étienne",
               "Isabelle", "Thomas", "Fatou", "Julie", "Mathieu", "Céline", "Hervé", "Bernadette",
               "Yasmina", "Kevin", "Aurélien", "Gaëlle", "Benoît", "Ludivine", "Samia", "Rémi", "Agnès",
               "Sébastien", "Mireille", "Thierry", "Nathalie", "Didier", "Sylvie", "Zoé", "Amandine",
               "Quentin", "Brahim", "Moussa", "Ngozi", "Lucie", "Marie-Claude", "Youssouf"]
SURNAMES = ["Haddad", "Lefebvre", "Bensaïd", "Marchetti", "Giraud", "Perrin", "Vasseur", "Lemaire",
            "Diallo", "Caron", "Rousseau", "Dupuis", "Leclerc", "Guérin", "Boyer", "Chevalier", "Gauthier",
            "Morel", "Dumas", "Brunet", "Mercier", "Roussel", "Nguyen", "Kowalski", "Ferreira", "Traoré",
            "Benali", "Lambert", "Fabre", "Carpentier", "Moulin", "Barbier", "Meunier", "Texier",
            "Delmas", "Pujol", "Ollivier", "Schmitt", "Hoarau", "Cissé"]
PARTICLE_SURNAMES = ["de Villiers", "Le Goff", "du Pontavice", "d'Albret", "van Damme", "de La Tour",
                     "Le Bihan", "des Roches", "de Sousa", "El Amrani", "Ben Saïd", "da Costa"]
STREETS = ["des Lilas", "Jean Jaurès", "du Moulin Neuf", "de la Gare", "Pasteur", "des Trois Ponts",
           "Victor Hugo", "des Capucins", "du Général Leclerc", "de Verdun", "Gambetta", "des Tanneurs",
           "Émile Zola", "de la Liberté", "des Acacias", "Saint-Roch"]
TOWNS = [("34000", "Montpellier"), ("59000", "Lille"), ("13001", "Marseille"), ("35000", "Rennes"),
         ("69100", "Villeurbanne"), ("44000", "Nantes"), ("97400", "Saint-Denis"), ("12000", "Rodez"),
         ("29200", "Brest"), ("67000", "Strasbourg")]
HAMLETS = ["Les Granges", "La Borie Haute", "Le Mas Blanc", "Les Combes", "La Croix Verte", "Puech Long"]
DOMAINS = ["orange.fr", "gmail.com", "free.fr", "laposte.net", "wanadoo.fr", "yahoo.fr", "hotmail.com",
           "asso-horizon.org", "chu-nimes.fr", "act-soleiado.fr", "sfr.fr", "outlook.fr"]
STRUCTURES = ["ACT Le Relais de l'Orb", "LHSS Porte d'Italie", "LAM Les Hirondelles", "ACT Soleïado",
              "LHSS Le Canigou", "ACT Rhône-Durance", "LAM Saint-Lazare", "ACT Horizon 93",
              "LAM Œuvre Falret", "ACT Sainte-Baume Accueil", "LHSS Kerbrat", "ACT Les Genêts d'Or"]
# How each structure is written in answers, and the word that must not survive (folded).
STRUCTURE_SPELLINGS = [
    ("le relais de l'orb", "orb"), ("RELAIS DE L ORB", "orb"), ("l'ACT Relais de l’Orb", "orb"),
    ("porte d'italie", "italie"), ("LHSS PORTE D ITALIE", "italie"), ("les Hirondelles", "hirondelles"),
    ("la LAM Les Hirondelles", "hirondelles"), ("Soleiado", "soleiado"), ("SOLEÏADO", "soleiado"),
    ("le Canigou", "canigou"), ("LHSS le canigou", "canigou"), ("rhone durance", "durance"),
    ("Rhône Durance", "durance"), ("St Lazare", "lazare"), ("LAM St-Lazare", "lazare"),
    ("saint lazare", "lazare"), ("horizon 93", "horizon 93"), ("Horizon93", "horizon93"),
    ("oeuvre falret", "falret"), ("OEUVRE FALRET", "falret"), ("Ste-Baume Accueil", "baume"),
    ("sainte baume accueil", "baume"), ("Kerbrat", "kerbrat"), ("kerbrat", "kerbrat"),
    ("les Genêts d'Or", "genets"), ("GENETS D'OR", "genets"),
]

CONTEXTS = [
    "Pour en savoir plus : {x}.",
    "Nous avons travaillé avec {x} pendant toute la crise.",
    "Contact {x} (merci de relayer).",
    "{x}, c'est le contact à retenir.",
    "Les familles ont été orientées vers {x}, sans délai.",
]
KIND_CONTEXTS = {
    "phone": ["Joignable au {x} de 8h à 20h.", "Tél : {x}.", "Appelez le {x} ou passez.", "{x} (ligne directe)."],
    "birth": ["Une patiente {x} a été hospitalisée.", "Le résident, {x}, est sorti.", "Patient {x}, isolé."],
    "name": ["Merci à {x} pour son aide.", "Nous avons travaillé avec {x} pendant la crise.",
             "{x} a coordonné les tournées.", "Contact : {x}.", "Un grand merci à {x}, toujours là."],
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _plain(name: str) -> str:
    return _fold(name).replace("'", "")


def emails(rng: random.Random, n: int) -> list[Planted]:
    ats = ["@", " @ ", "＠", " [at] ", " (at) ", " (arobase) ", " AT ", " at ", "[@]", " @", "@ "]
    dots = [".", " DOT ", " [dot] ", " point ", "(.)"]
    out = []
    for i in range(n):
        first, last = _plain(rng.choice(FIRST_NAMES)).replace("-", ""), _plain(rng.choice(SURNAMES))
        local = rng.choice([f"{first}.{last}", f"{first[0]}.{last}", f"{first}_{last}{rng.randint(1, 99)}",
                            f"{last}{first[0]}", f"{first}-{last}", f"{first}.{last}+segur"])
        domain = rng.choice(DOMAINS)
        at = ats[i % len(ats)]
        if at.strip() in ("@", "＠") and i % 3 == 0:
            address = f"{local}{at}{domain.split('.')[0]}"  # the top-level domain forgotten
        else:
            dot = dots[i % len(dots)] if at.strip() not in ("@", "＠") else "."
            address = f"{local}{at}{domain.replace('.', dot)}"
        if i % 5 == 0:
            address = address.upper() if i % 10 == 0 else address
        out.append(Planted("email", address, (local.split("+")[0],), folded=True))
    return out


def _valid_phone(rng: random.Random, country: str) -> str:
    import phonenumbers

    while True:
        if country == "FR":
            digits = rng.choice(["06", "07", "01", "02", "03", "04", "05", "09"]) + "".join(
                str(rng.randint(0, 9)) for _ in range(8))
        elif country == "BE":
            prefix = rng.choice(["0470", "0475", "0486", "0494", "02", "09"])
            digits = prefix + "".join(str(rng.randint(0, 9)) for _ in range((10 if len(prefix) == 4 else 9) - len(prefix)))
        else:
            digits = rng.choice(["079", "078", "076", "022", "021", "031", "044"]) + "".join(
                str(rng.randint(0, 9)) for _ in range(7))
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, country)):
            return digits


def phones(rng: random.Random, n: int) -> list[Planted]:
    layouts = [
        lambda d: " ".join(d[i:i + 2] for i in range(0, 10, 2)),
        lambda d: ".".join(d[i:i + 2] for i in range(0, 10, 2)),
        lambda d: "-".join(d[i:i + 2] for i in range(0, 10, 2)),
        lambda d: "/".join(d[i:i + 2] for i in range(0, 10, 2)),
        lambda d: "–".join(d[i:i + 2] for i in range(0, 10, 2)),
        lambda d: "\u00a0".join(d[i:i + 2] for i in range(0, 10, 2)),
        lambda d: d,
        lambda d: "+33 " + d[1] + " " + " ".join(d[i:i + 2] for i in range(2, 10, 2)),
        lambda d: "+33." + d[1] + "." + ".".join(d[i:i + 2] for i in range(2, 10, 2)),
        lambda d: "+33 (0)" + d[1] + " " + " ".join(d[i:i + 2] for i in range(2, 10, 2)),
        lambda d: "0033 " + d[1] + " " + " ".join(d[i:i + 2] for i in range(2, 10, 2)),
        lambda d: "+33" + d[1:],
        lambda d: d[:2] + " " + d[2:6] + " " + d[6:],
    ]
    foreign = [
        ("BE", lambda d: "+32 " + d[1:]), ("BE", lambda d: d), ("BE", lambda d: "0032 " + d[1:]),
        ("CH", lambda d: "+41 " + d[1:3] + " " + d[3:6] + " " + d[6:8] + " " + d[8:]),
        ("CH", lambda d: d[:3] + " " + d[3:6] + " " + d[6:8] + " " + d[8:]),
        ("CH", lambda d: "0041 " + d[1:3] + " " + d[3:6] + " " + d[6:8] + " " + d[8:]),
    ]
    out = []
    for i in range(n):
        if i % 4 == 3:
            country, layout = foreign[(i // 4) % len(foreign)]
            digits = _valid_phone(rng, country)
        else:
            layout = layouts[i % len(layouts)]
            digits = _valid_phone(rng, "FR")
        out.append(Planted("phone", layout(digits), (digits[-7:],), digits=True))
    return out


def nirs(rng: random.Random, n: int) -> list[Planted]:
    out = []
    for i in range(n):
        department = rng.choice(["75", "34", "13", "2A", "2B", "59", "97"]) if i % 5 else "2A"
        commune = f"{rng.randint(1, 999):03d}" if department != "97" else f"4{rng.randint(10, 99)}"
        body = f"{rng.choice('12')}{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{department}{commune}{rng.randint(1, 999):03d}"
        key = nir_number.calc_check_digits(body)
        parts = [body[0], body[1:3], body[3:5], body[5:7], body[7:10], body[10:13], key]
        spelled = [" ".join(parts), "".join(parts), ".".join(parts), " ".join(parts[:-1]), "".join(parts[:-1]),
                   "-".join(parts)][i % 6]
        out.append(Planted("nir", spelled, (body[5:13],), digits=True))
    return out


def _iban(rng: random.Random, country: str) -> str:
    def digits(k: int) -> str:
        return "".join(str(rng.randint(0, 9)) for _ in range(k))

    if country == "BE":
        body = digits(10)
        bban = body + f"{int(body) % 97 or 97:02d}"
    elif country == "DE":
        bban = digits(18)
    else:  # the RIB key of a French (or Monaco) account
        bank, branch, account = digits(5), digits(5), digits(11)
        bban = bank + branch + account + f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"
    return country + iban_number.calc_check_digits(country + "00" + bban) + bban


def ibans(rng: random.Random, n: int) -> list[Planted]:
    out = []
    for i in range(n):
        country = ["FR", "FR", "FR", "BE", "DE", "MC"][i % 6]
        number = ""
        while not iban_number.is_valid(number):  # a Belgian bank code must exist: draw again
            number = _iban(rng, country)
        bban = number[4:]
        spelled = [" ".join(number[j:j + 4] for j in range(0, len(number), 4)), number, number.lower(),
                   "-".join(number[j:j + 4] for j in range(0, len(number), 4))][i % 4]
        out.append(Planted("iban", spelled, (bban[4:14],), digits=True))
    return out


def _luhn_number(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    return body + luhn.calc_check_digit(body)


def sirets(rng: random.Random, n: int) -> list[Planted]:
    out = []
    for i in range(n):
        siren = _luhn_number(rng, str(rng.randint(1, 9)), 9)
        nic = "".join(str(rng.randint(0, 9)) for _ in range(4))
        siret = siren + nic + luhn.calc_check_digit(siren + nic)
        spelled = [f"SIRET {siret}", f"SIRET : {siren[:3]} {siren[3:6]} {siren[6:]} {siret[9:]}",
                   f"{siren[:3]} {siren[3:6]} {siren[6:]} {siret[9:]}", siret, f"SIREN {siren}",
                   f"n° SIREN {siren[:3]} {siren[3:6]} {siren[6:]}", siren][i % 7]
        out.append(Planted("siret", spelled, (siren,), digits=True))
    return out


def finesses(rng: random.Random, n: int) -> list[Planted]:
    out = []
    for i in range(n):
        department = rng.choice(["34", "75", "13", "69", "2A", "2B", "97"])
        body = department + "".join(str(rng.randint(0, 9)) for _ in range(6))
        key = luhn.calc_check_digit(body.replace("A", "0").replace("B", "0"))
        number = body + key
        spelled = [f"FINESS {number}", f"n° FINESS : {number[:2]} {number[2:5]} {number[5:8]} {number[8]}",
                   f"FINESS ET {number}", number, f"(finess {number})"][i % 5]
        out.append(Planted("finess", spelled, (number[2:8],), digits=True))
    return out


def addresses(rng: random.Random, n: int) -> list[Planted]:
    types = ["rue", "r.", "avenue", "av.", "bd", "boulevard", "chemin", "impasse", "imp.", "allée", "place",
             "route", "quai", "square", "Rue", "AVENUE", "rte", "faubourg", "résidence", "cours"]
    out = []
    for i in range(n):
        street = rng.choice(STREETS)
        code, town = rng.choice(TOWNS)
        number = rng.choice(["12", "3 bis", "45", "7", "105", "2-4", "n°18", "9 ter", "1"])
        kind = i % 8
        if kind == 6:
            hamlet = rng.choice(HAMLETS)
            text = f"{rng.choice(['lieu-dit', 'Lieu-dit', 'lieu dit', 'hameau', 'lotissement'])} {hamlet}, {code} {town}"
            needles = (hamlet.split()[-1], code)
        elif kind == 7:
            box = f"{rng.choice(['BP', 'B.P.', 'CS', 'TSA'])} {rng.randint(10, 99999)}"
            text = f"{box}, {code} {town}{rng.choice(['', ' Cedex', ' CEDEX 2'])}"
            needles = (box.split()[-1], code)
        else:
            street_type = types[i % len(types)]
            text = f"{number}{rng.choice([' ', ', '])}{street_type} {street}"
            if i % 2:
                text += f"{rng.choice([', ', ' '])}{code} {town}"
            needles = (street.split()[-1],) + ((code,) if i % 2 else ())
        out.append(Planted("address", text, needles))
    return out


def births(rng: random.Random, n: int) -> list[Planted]:
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
              "octobre", "novembre", "décembre"]
    cues = ["née le", "né le", "né(e) le", "date de naissance :", "DDN", "DDN :", "naissance le", "Née le"]
    out = []
    for i in range(n):
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1925, 2015)
        date = [f"{day:02d}/{month:02d}/{year}", f"{day:02d}-{month:02d}-{year}", f"{day:02d}.{month:02d}.{year % 100:02d}",
                f"{day} {months[month - 1]} {year}", f"1er {months[month - 1]} {year}", f"{day}/{month}/{year}"][i % 6]
        cue = cues[i % len(cues)]
        text = f"({date})" if i % 9 == 8 and year < 2000 else f"{cue} {date}"
        needle = date.replace("1er", "1")
        out.append(Planted("birth", text, (re.sub(r"\D", "", needle)[-6:],), digits=True))
    return out


def handles(rng: random.Random, n: int) -> list[Planted]:
    out = []
    for i in range(n):
        first, last = _plain(rng.choice(FIRST_NAMES)).replace("-", ""), _plain(rng.choice(SURNAMES))
        handle = [f"{first}{last}", f"{first}_{last}", f"{last}{rng.randint(1, 99)}", f"asso.{last}",
                  f"{first.capitalize()}{last.capitalize()}", f"{first[0]}{last}_officiel"][i % 6]
        out.append(Planted("handle", f"@{handle}", (handle,)))
    return out


def plates(rng: random.Random, n: int) -> list[Planted]:
    letters = "ABCDEFGHJKLMNPQRSTVWXYZ"
    out = []
    for i in range(n):
        a, b = "".join(rng.choice(letters) for _ in range(2)), "".join(rng.choice(letters) for _ in range(2))
        num = f"{rng.randint(1, 999):03d}"
        old = f"{rng.randint(1, 9999)} {''.join(rng.choice(letters) for _ in range(rng.randint(2, 3)))} {rng.choice(['75', '34', '13', '2A', '69'])}"
        text = [f"{a}-{num}-{b}", f"{a} {num} {b}", f"{a}{num}{b}", f"{a}-{num}-{b}".lower(), old,
                old.replace(" ", "-")][i % 6]
        needle = re.sub(r"[\s-]", "", text).upper()
        out.append(Planted("plate", f"immatriculée {text}" if i % 2 else text, (needle,), digits=True))
    return out


def urls(rng: random.Random, n: int) -> list[Planted]:
    out = []
    for i in range(n):
        slug = "".join(rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(7))
        last = _plain(rng.choice(SURNAMES))
        text = [f"https://www.asso-{last}.fr/contact", f"www.{last}-sante.org", f"bit.ly/{slug}",
                f"t.co/{slug}", f"goo.gl/{slug}", f"tinyurl.com/{slug}", f"{last}.fr",
                f"http://{last}.net/page?id=3", f"lnkd.in/{slug}", f"facebook.com/{last}.asso",
                f"urlz.fr/{slug}", f"https://frama.link/{slug}", f"{last}-act.com"][i % 13]
        needle = slug if slug in text else last
        out.append(Planted("url", text, (needle,)))
    return out


def names(rng: random.Random, n: int) -> list[Planted]:
    civilities = ["Madame", "madame", "Mme", "mme", "Monsieur", "monsieur", "M.", "Dr", "docteur", "Docteur",
                  "Mlle", "Pr", "la directrice", "le Dr"]
    out = []
    for i in range(n):
        first = rng.choice(FIRST_NAMES)
        particle = i % 7 == 3
        last = rng.choice(PARTICLE_SURNAMES if particle else SURNAMES)
        core = last.split()[-1].split("'")[-1]
        spelling = i % 10
        if spelling == 0:
            text = f"{first} {last}"
        elif spelling == 1:
            text = f"{first} {last}".lower()
        elif spelling == 2:
            text = f"{last.upper()} {first}"
        elif spelling == 3:
            text = f"{first} {last.upper()}"
        elif spelling in (4, 5, 6):
            civility = civilities[i % len(civilities)]
            surname = last.lower() if civility[0].islower() and i % 2 else last
            text = f"{civility} {surname}" if spelling != 6 else f"{civility} {first} {surname}"
        elif spelling == 7:
            text = f"{civilities[(i // 10) % len(civilities)]} {last.upper()}"
        elif spelling == 8:
            text = f"{first[0]}. {last}"
        else:  # a double-barrelled surname
            text = f"{first} {last}-{rng.choice(SURNAMES)}"
        out.append(Planted("name", text, (_fold(core),), folded=True))
    return out


def structures(rng: random.Random, n: int) -> list[Planted]:
    return [Planted("structure", spelling, (needle,), folded=True)
            for spelling, needle in (STRUCTURE_SPELLINGS * (n // len(STRUCTURE_SPELLINGS) + 1))[:n]]


GENERATORS = {"email": emails, "phone": phones, "nir": nirs, "iban": ibans, "siret": sirets,
              "finess": finesses, "address": addresses, "birth": births, "handle": handles,
              "plate": plates, "url": urls, "name": names, "structure": structures}


def corpus(per_kind: int = 30, seed: int = 15) -> list[tuple[str, Planted]]:
    """(sentence, item) pairs: each item alone in an ordinary answer sentence."""
    rng = random.Random(seed)
    out = []
    for kind in KINDS:
        contexts = KIND_CONTEXTS.get(kind, CONTEXTS)
        for i, item in enumerate(GENERATORS[kind](rng, per_kind)):
            out.append((contexts[i % len(contexts)].format(x=item.text), item))
    return out


def leaked(item: Planted, output: str) -> bool:
    """Whether a needle of `item` is still in the redacted `output`."""
    if item.digits:
        collapsed = re.sub(r"(?<=[\dA-Za-z])[\s.\-/–\u00a0()]+(?=[\dA-Za-z])", "", output)
        return any(needle.upper() in collapsed.upper() for needle in item.needles)
    haystack = _fold(output).replace("'", " ").replace("’", " ") if item.folded else output
    for needle in item.needles:
        target = _fold(needle).replace("'", " ") if item.folded else needle
        if re.search(rf"(?<![\w]){re.escape(target)}(?![\w])", haystack, re.I if item.kind == "plate" else 0):
            return True
    return False
