"""Families of personal data left after 2026-12-06's third round (`tests/test_redact_unseen_geo.py`):

- `positions`: a home's position, in decimal degrees with every separator and order (« 48.8566,
  2.3522 », « 48,8566 / 2,3522 », « lat 48.85 lon 2.35 », signed or with N, E, O, W, S), in degrees,
  minutes and seconds (« 48°51'24"N 2°21'08"E », ′ and ″, spaces), in a map link with or without its
  host (Google Maps « @48.85,2.35,17z », « ?q=48.85,2.35 », « geo: » URIs, OpenStreetMap
  « #map=17/48.85/2.35 ») or as a what3words address (« ///table.chaise.lampe »), with a cue
  (« GPS », « coordonnées », « position », « j'habite ici : ») or none;
- `identifiers`: a number after a cue no generator used (badge, carte Vitale, adhérent,
  bénéficiaire, résident, locataire, usager, client, contrat, police d'assurance, mutuelle, numéro
  fiscal, SPI), and what opens a door or an account (digicode, code de la porte, code d'accès, mot
  de passe, identifiant de connexion);
- `split_ribs`: a RIB whose account is cut into groups (« 30006 00001 1234 5678 901 89 »).

And the ordinary texts of the same shapes that must stay as written: scores, prices, measures,
versions, temperatures, angles, times, ratios and pairs of decimals in prose; « badges », « code de
la route », « code du travail article L1234-5 », « le 115 », « le 3919 », a door code or a password
spoken of with no value, a room alone.

A leak (`leaks`): a coordinate's digits (its integer part then its decimals, or its degrees, minutes
and seconds) still in the output's digits; a what3words address's three words; an identifier or a
code as written (or six of its digits in a row, when it has eight or more); seven characters of an
account in a row (bank details, as `pii_corpus_rib.leaks`).
"""

from __future__ import annotations

import random
import re

from consultation.text import fold
from pii_corpus_more import Case
from pii_corpus_rib import BANKS, rib_key

SEED = 2081
N = 96  # cases per family


def _around(rng: random.Random, sentence: str) -> str:
    before = rng.choice(["", "Merci pour cette consultation. ", "Bonjour,\n", "Je suis bénévole.\n\n"])
    after = rng.choice(["", " Bonne journée.", "\nMerci.", " Nous manquons de moyens."])
    return before + sentence + after


# --- 1. positions ----------------------------------------------------------------------------------------

W3W_WORDS = ["table", "chaise", "lampe", "pomme", "nuage", "riviere", "soleil", "bateau", "plume", "cerise",
             "moulin", "sentier", "colline", "miroir", "tambour", "violon", "jardin", "lune"]


def _decimal(rng: random.Random, low: float, high: float) -> str:
    return f"{rng.uniform(low, high):.{rng.randint(2, 6)}f}"


def _dms(rng: random.Random, value: float) -> tuple[str, str]:
    """Degrees, minutes and seconds of |value| as written (marks and spaces drawn), and their digits."""
    degrees, rest = int(value), (value - int(value)) * 60
    minutes, seconds = int(rest), (rest - int(rest)) * 60
    second = f"{seconds:.1f}" if rng.random() < 0.3 else f"{int(seconds):02d}"
    prime, double = rng.choice([("'", '"'), ("′", "″"), ("’", "”"), ("'", "''")])
    space = rng.choice(["", "", " "])
    if rng.random() < 0.2:  # degrees and decimal minutes, as geocachers write them
        minute = f"{rest:.3f}"
        return f"{degrees}°{space}{minute}{prime}", f"{degrees}{minute.replace('.', '')}"
    written = f"{degrees}°{space}{minutes:02d}{prime}{space}{second}{double}"
    return written, f"{degrees}{minutes:02d}{second.replace('.', '')}"


POSITION_CUES = ["", "", "GPS ", "Coordonnées GPS : ", "coordonnées ", "position : ", "Ma position ", "j'habite ici : ",
                 "Localisation : ", "gps: "]
POSITION_SENTENCES = ["Venez me voir : {x} (chez moi).", "{x}", "Notre ferme est isolée, {x}.",
                      "Pour l'ambulance :\n{x}\nMerci.", "Je vis au bout du chemin {x} sans réseau.",
                      "La maison ({x}) n'a pas la fibre."]


def _decimal_pair(rng: random.Random, lat: str, lon: str, west: bool, i: int) -> str:
    comma = rng.random() < 0.4
    la, lo = (lat.replace(".", ","), lon.replace(".", ",")) if comma else (lat, lon)
    style = i % 5
    if style == 0:
        sep = rng.choice([" / ", " ; ", ";", "/"]) if comma else rng.choice([", ", ",", " / ", " ; ", " "])
        return f"{la}{sep}{'-' if west else ''}{lo}"
    if style == 1:
        words = rng.choice([("lat", "lon"), ("lat.", "long."), ("latitude :", "longitude :"), ("Lat", "Lng"),
                            ("latitude", "longitude"), ("lat=", "lon=")])
        joint = rng.choice([" ", ", ", " - ", "\n"])
        return f"{words[0]} {la}{joint}{words[1]} {'-' if west else ''}{lo}".replace("= ", "=")
    if style == 2:  # hemisphere letters after or before
        ew = rng.choice(["W", "O"]) if west else "E"
        deg = rng.choice(["", "°", "° "])
        if rng.random() < 0.5:
            return f"{la}{deg}{rng.choice(['', ' '])}N{rng.choice([', ', ' ', ' / '])}{lo}{deg}{rng.choice(['', ' '])}{ew}"
        return f"N {la}{deg}{rng.choice([', ', ' ', ' - '])}{ew} {lo}{deg}"
    if style == 3:  # the longitude first, as GeoJSON writes it
        return f"[{'-' if west else ''}{lon}, {lat}]"
    return f"+{lat}, {'-' if west else '+'}{lon}"


def _map_link(rng: random.Random, lat: str, lon: str, west: bool) -> str:
    signed = f"-{lon}" if west else lon
    zoom = rng.randint(12, 19)
    host = rng.random() < 0.4
    return rng.choice([
        f"{'https://www.google.com/maps/' if host else ''}@{lat},{signed},{zoom}z",
        f"{'https://maps.google.com/' if host else ''}?q={lat},{signed}",
        f"geo:{lat},{signed}", f"geo:{lat},{signed}?z={zoom}",
        f"{'https://www.openstreetmap.org/' if host else ''}#map={zoom}/{lat}/{signed}",
    ])


def positions(n: int = N, seed: int = SEED) -> list[Case]:
    """Decimal pairs in metropolitan France (two to six decimals: see `fewest`), DMS, map links,
    what3words."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lat_value, lon_value = rng.uniform(42.5, 51.0), rng.uniform(-4.5, 7.8)
        west = lon_value < 0
        cue = rng.choice(POSITION_CUES)
        kind = i % 4
        style = i // 4 % 5
        # a street (three decimals) after a cue in prose, a house (four) with none; two (a commune)
        # where the writer said it is a position: « lat », a map link, N and E, GeoJSON's brackets
        fewest = 2 if kind == 3 or style in (1, 2, 3) else 3 if cue.strip() else 4
        lat, lon = f"{lat_value:.{rng.randint(fewest, 6)}f}", f"{abs(lon_value):.{rng.randint(fewest, 6)}f}"
        if kind == 0 or kind == 1:
            written = _decimal_pair(rng, lat, lon, west, style)
            needles = (lat.replace(".", ""), lon.replace(".", ""))
        elif kind == 2:
            (la, la_digits), (lo, lo_digits) = _dms(rng, lat_value), _dms(rng, abs(lon_value))
            ew = rng.choice(["W", "O"]) if west else "E"
            space = rng.choice(["", " "])
            joint = rng.choice([" ", ", ", " / ", "  "])
            written = (f"{la}{space}N{joint}{lo}{space}{ew}" if rng.random() < 0.7
                       else f"N{space}{la}{joint}{ew}{space}{lo}")
            needles = (la_digits, lo_digits)
        elif i % 8 == 7:
            words = rng.sample(W3W_WORDS, 3)
            written = rng.choice(["///", "what3words : ", "w3w ", "///"]) + ".".join(words)
            needles = (".".join(words),)
        else:
            written = _map_link(rng, lat, lon, west)
            needles = (lat.replace(".", ""), lon.replace(".", ""))
        out.append(Case("position", _around(rng, rng.choice(POSITION_SENTENCES).format(x=cue + written)), needles))
    return out


# --- 2. identifiers after new cues, codes and passwords ------------------------------------------------------

def _digits(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(rng.randint(low, high)))


def _grouped(rng: random.Random, number: str) -> str:
    if len(number) < 8 or not number.isdigit() or rng.random() < 0.6:
        return number
    size = rng.choice([2, 3, 4])
    return " ".join(number[j:j + size] for j in range(0, len(number), size))


def _member_number(rng: random.Random) -> str:
    shape = rng.randrange(4)
    if shape == 0:
        return _digits(rng, 6, 12)
    if shape == 1:
        return rng.choice(["A", "B", "M", "AD", "LOC", "P"]) + rng.choice(["", "-"]) + _digits(rng, 5, 9)
    if shape == 2:
        return _digits(rng, 5, 8) + rng.choice("ABCDEFGHJK")
    return f"{rng.randint(2000, 2024)}-{_digits(rng, 4, 7)}"


NUMBER_CUES = [
    "badge", "badge n°", "numéro de badge", "n° de badge", "mon badge :", "carte Vitale", "n° de carte vitale",
    "numéro carte Vitale", "n° adhérent", "numéro d'adhérent", "n° bénéficiaire", "numéro de bénéficiaire",
    "n° de résident", "numéro résident", "n° locataire", "numéro de locataire", "n° usager", "numéro d'usager",
    "n° client", "numéro de client", "n° de contrat", "contrat n°", "police d'assurance n°", "n° de police",
    "numéro de police d'assurance", "n° mutuelle", "numéro de mutuelle", "n° d'adhérent mutuelle",
    "numéro fiscal", "n° fiscal", "SPI", "numéro SPI", "n° de sociétaire", "numéro de sociétaire",
]


def _nir(rng: random.Random) -> str:
    body = f"{rng.choice('12')}{rng.randint(40, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 95):02d}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    key = f"{97 - int(body) % 97:02d}"
    return rng.choice([body + key, f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:13]} {key}"])


CODE_CUES = ["digicode", "Digicode :", "le digicode c'est", "code porte", "code de la porte :", "le code de la porte c'est",
             "code d'accès", "code d'accès :", "code de l'immeuble", "code portail :", "code d'entrée", "le code de l'interphone est"]
SECRET_CUES = ["mdp :", "MDP :", "mot de passe :", "mon mot de passe est", "mot de passe =", "password :",
               "identifiant de connexion :", "identifiant :", "login :", "mes identifiants : "]


def _door_code(rng: random.Random) -> str:
    shape = rng.randrange(4)
    if shape == 0:
        return _digits(rng, 4, 6)
    if shape == 1:
        return _digits(rng, 4, 4) + rng.choice("ABCD")
    if shape == 2:
        return rng.choice("ABCD") + _digits(rng, 4, 5)
    return f"{rng.randint(1950, 2020)}"  # a year as a code: it opens the door all the same


def _secret(rng: random.Random) -> str:
    word = rng.choice(["Soleil", "chaton", "Marseille", "azerty", "Loulou", "tigre", "Bretagne", "jdupont", "m.martin"])
    shape = rng.randrange(4)
    if shape == 0:
        return f"{word}{rng.randint(1, 2024)}{rng.choice(['!', '', '#', '*', '$'])}"
    if shape == 1:
        return "".join(rng.choice("ABCDEFGHJKabcdefghjkmnpqrstuvwxyz23456789!#$%&*") for _ in range(rng.randint(8, 14)))
    if shape == 2:
        return f"{word}{rng.randint(10, 99)}"
    return f"{word.capitalize()}_{rng.randint(1, 99)}{rng.choice(['!', '?', '@'])}"


IDENTIFIER_SENTENCES = ["Mon {x} pour le suivi.", "{x}", "Je suis bien inscrit ({x}) mais rien ne bouge.",
                        "Voici mon {x}, merci de me rappeler.", "Pour la visite de l'infirmière :\n{x}\nMerci.",
                        "Rappel : {x}."]


def identifiers(n: int = N, seed: int = SEED + 1) -> list[Case]:
    """A number after one of the new cues (one in two), a NIR or 15 digits after « carte Vitale »,
    a door code (one in four) or a password or login (one in four)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = i % 4
        if kind <= 1:
            cue = rng.choice(NUMBER_CUES)
            value = _nir(rng) if "vitale" in cue.lower() and rng.random() < 0.7 else _grouped(rng, _member_number(rng))
            written = f"{cue}{rng.choice([' ', ' ', ' : ', ': '])}{value}".replace(": :", ":")
        elif kind == 2:
            cue, value = rng.choice(CODE_CUES), _door_code(rng)
            written = f"{cue} {value}"
        else:
            cue, value = rng.choice(SECRET_CUES), _secret(rng)
            written = f"{cue} {value}"
        if rng.random() < 0.15:
            written = written[0].upper() + written[1:]
        out.append(Case("identifier", _around(rng, rng.choice(IDENTIFIER_SENTENCES).format(x=written.strip())),
                        (value,)))
    return out


# --- 3. RIBs whose account is cut into groups ---------------------------------------------------------------

def split_ribs(n: int = N, seed: int = SEED + 2) -> list[Case]:
    """Bank, branch, the account in groups of 4 4 3, 3 3 3 2, 2 to 5 at random, the key; spaces,
    dots, dashes; after « RIB », labels of a printed RIB, or nothing."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        bank = rng.choice(BANKS)
        branch = f"{rng.randint(0, 99999):05d}"
        account = _digits(rng, 11, 11)
        key = rib_key(bank, branch, account)
        style = i % 3
        if style == 0:
            groups = [account[:4], account[4:8], account[8:]]
        elif style == 1:
            groups = [account[:3], account[3:6], account[6:9], account[9:]]
        else:
            groups, j = [], 0
            while j < 11:
                size = rng.randint(2, 5)
                groups.append(account[j:j + size])
                j += size
        sep = rng.choice([" ", " ", ".", "-", "  "])
        written = sep.join([bank, branch, *groups, key])
        head = rng.choice(["RIB : ", "RIB ", "Mes coordonnées bancaires : ", "Banque Guichet Compte Clé\n", "", "compte "])
        sentence = rng.choice(["Pour le remboursement : {x}.", "{x}", "Versez l'aide sur {x} merci.",
                               "Coordonnées :\n{x}\nMerci d'avance."])
        out.append(Case("split RIB", _around(rng, sentence.format(x=head + written)), (account,)))
    return out


FAMILIES = {"position": positions, "identifier": identifiers, "split RIB": split_ribs}


def leaks(case: Case, output: str) -> bool:
    """Whether the identifying part of `case` is still readable in `output`."""
    if case.family == "split RIB":
        plain = re.sub(r"[^0-9a-z]", "", output.lower())
        return any(needle[j:j + 7] in plain for needle in case.needles for j in range(len(needle) - 6))
    if case.family == "position":
        digits = re.sub(r"\D", "", output)
        words = [n for n in case.needles if not n.isdigit()]
        return any(n in digits for n in case.needles if n.isdigit()) or any(n in fold(output) for n in words)
    value = case.needles[0]
    if re.search(rf"(?<![\w]){re.escape(value)}(?![\w])", output):
        return True
    number = re.sub(r"\D", "", value)
    plain = re.sub(r"\D", "", output)
    return len(number) >= 8 and any(number[j:j + 6] in plain for j in range(len(number) - 5))


def leaked_cases(redactor, family: str, cases: list[Case]) -> list[str]:
    """The cases of `family` whose identifying part `redactor` leaves readable, printed for the log."""
    outputs = redactor.redact_many([case.text for case in cases])
    shown = [f"{case.text!r} -> {output!r}" for case, output in zip(cases, outputs, strict=True) if leaks(case, output)]
    print(f"\n{family}: {len(cases)} generated, {len(shown)} leaked" + "".join(f"\n  {s}" for s in shown))
    return shown


# --- ordinary texts of the same shapes, which must stay as written ------------------------------------------

MEASURE_SENTENCES = [
    "{pct} % des votants et {price} € par mois.", "Note : {score} / 20, la moyenne est à {score2}/20.",
    "La version {v} de l'application plante toujours.", "Il a eu {temp}° de fièvre pendant {k} jours.",
    "Un virage à {angle}° sans visibilité.", "Rendez-vous à {h}h{mm}, fermé à {h2}h.", "Avis : {small} / 5.",
    "Le litre est passé de {price}, puis {price2} €.", "Entre {pct} et {pct2} % selon les régions.",
    "Taux de {pct}, {small} et {score} % selon le revenu.", "Il faisait {temp}°C, {small} degrés de plus qu'en {year}.",
    "Le ratio est de {small} pour {small2}.", "Indice {idx}, {idx2} l'an dernier.", "Un toit incliné à {angle}°.",
    "Les cotes {pct}, {price} et {score} ne veulent rien dire.", "À cette latitude, il fait {small} degrés de plus.",
    "Position : {pct} % pour, {pct2} % contre.", "GPS en panne depuis {year}, {k} ans sans réparation.",
    "Coordonnées de l'association sur le site, {k} bénévoles.", "Score {score}/{score2}, classement {k}e.",
    "Les coordonnées {small}, {small2} du graphique.", "Le change à {rate} / {rate2} selon les jours.",
    "GPS : {pct} % des gens, {price} € par mois.", "Un versant à {angle}°{k}' de pente.",
    "Chez moi, {idx} / {idx2} sur la facture.", "Position {pct}, {score} dans le classement.",
]


def ordinary_measures(n: int = N, seed: int = SEED + 20) -> list[str]:
    """Scores, prices, percentages, versions, temperatures, angles, times, ratios, indexes and pairs
    of decimals in prose, the cues of a position in other senses."""
    rng = random.Random(seed)

    def dec(low: int, high: int, places: int) -> str:
        return f"{rng.uniform(low, high):.{places}f}".replace(".", rng.choice([",", ",", "."]))

    out = []
    for _ in range(n):
        values = {"pct": dec(1, 99, 1), "pct2": dec(1, 99, 1), "price": dec(0, 9, 2), "price2": dec(0, 9, 2),
                  "score": dec(0, 20, rng.choice([1, 2])), "score2": dec(0, 20, 1), "small": dec(0, 9, 1),
                  "small2": dec(0, 9, 1), "temp": dec(36, 41, 1), "angle": rng.choice([15, 30, 45, 60, 90, 180]),
                  "h": rng.randint(7, 20), "h2": rng.randint(7, 20), "mm": rng.choice(["00", "15", "30", "45"]),
                  "v": f"{rng.randint(1, 9)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}", "k": rng.randint(2, 40),
                  "idx": dec(90, 130, 2), "idx2": dec(90, 130, 2), "year": rng.randint(2000, 2024),
                  "rate": dec(0, 2, 4), "rate2": dec(0, 2, 4)}
        out.append(_around(rng, rng.choice(MEASURE_SENTENCES).format(**values)))
    return out


IDENTIFIER_ORDINARY = [
    "{k} badges perdus en {year}, {price} € l'un.", "Le code de la route change en {year}.",
    "Le code du travail, article L{art}-{b}, est clair.", "Appelez le 115 ou le 3919, ils répondent.",
    "La carte Vitale perdue en {year}, {k} semaines d'attente.", "Le digicode est en panne depuis {k} jours.",
    "Le code de la porte change tous les {k} mois.", "J'ai oublié mon mot de passe {k} fois.",
    "Mon mot de passe ne marche plus depuis {year}.", "L'identifiant de connexion est refusé.",
    "Chambre {k} sans chauffage, c'est indigne.", "{k} adhérents, {k2} bénéficiaires et {k3} locataires.",
    "Le contrat de {k} heures a pris fin en {year}.", "Une police d'assurance à {price} € par an.",
    "La mutuelle coûte {k2} € par mois.", "Le numéro fiscal n'est pas arrivé.", "Article {art} du code civil.",
    "Le badge coûte {k} €, {k2} résidents l'ont payé.", "Code d'accès oublié, rappel au {k3} 00.",
    "Les usagers ({k2}) attendent, {k} clients aussi.", "Au code de la santé publique, article R{art}-{b}.",
]


def ordinary_identifiers(n: int = N, seed: int = SEED + 21) -> list[str]:
    """The cues of the identifiers, codes and passwords in other senses, beside numbers."""
    rng = random.Random(seed)
    return [_around(rng, rng.choice(IDENTIFIER_ORDINARY).format(
        k=rng.randint(2, 60), k2=rng.randint(10, 900), k3=rng.randint(100, 999), year=rng.randint(2000, 2024),
        art=rng.randint(1000, 9999), b=rng.randint(1, 99), price=rng.randint(5, 900))) for _ in range(n)]


AMOUNT_SENTENCES = ["Un pourcentage différent à chaque tranche de revenus \n{x}\nEtc .....", "Tranches : {x}.",
                    "Les seuils {x} euros sont trop bas.", "Paliers\n{x}"]


def ordinary_amount_lists(n: int = N, seed: int = SEED + 22) -> list[str]:
    """Round amounts one after the other (tax brackets, thresholds), as a real answer wrote them
    (« 30000\n50000\n80000\n100000 »), or falling to thousands and hundreds: five digits, five
    digits, then groups, as a split RIB."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        amounts = sorted(rng.sample(range(10, 300), rng.randint(4, 7)))
        sep = rng.choice(["\n", " ", " - ", "\n", ", "])
        small = rng.random() < 0.3  # thousands and hundreds too: « 10000 20000 3000 4000 500 »
        written = [f"{a}000" if a < 100 else f"{a // 10}0000" for a in amounts]
        if small:
            written = ([f"{rng.randint(10, 99)}000" for _ in range(2)] + [f"{rng.randint(1, 9)}000" for _ in range(2)]
                       + [f"{rng.randint(1, 9)}00"])
        out.append(rng.choice(AMOUNT_SENTENCES).format(x=sep.join(written)))
    return out


ORDINARY = {"measures": ordinary_measures, "identifiers": ordinary_identifiers, "amount lists": ordinary_amount_lists}
