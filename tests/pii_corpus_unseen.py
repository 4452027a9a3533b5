"""Families of personal data that no earlier generator wrote, found leaking on 2026-12-06 after the
round of `pii_corpus_more.py` (`tests/test_redact_unseen_more.py`):

- `caps_unknown_names`: a name in capitals whose first name is in none of the redactor's lists
  (« NGOZI VASSEUR », « VASSEUR NGOZI »), with no cue before it;
- `unmarked_a_emails`: an e-mail whose local part has no separator, « à » for « @ », then a domain
  (« dupontj à orange.fr », « jeandupont à free point fr »);
- `unmarked_provider_emails`: a local part with a hyphen or no separator at all, then « sur »,
  « chez » or « at » and a mail provider (« jean-dupont sur gmail », « kvasseur chez orange »);
- `bare_cards`: the number of an identity card (9 letters and digits, « X4RTBPFW4 ») with no
  document named before it;
- `word_plates`: a licence plate in lower case after a cue whose first or last letters are a short
  French word (« plaque de 123 zx », « voiture ab 123 ma »);
- `mixed_phones`: a phone number mixing digits and words with no « zéro » (« 06 douze 34 56 78 »,
  « 0 six 12 34 56 78 »), or a list whose last pair follows « et »;
- `word_births`: a date of birth with its day or its year in words (« né le douze mars 1978 »,
  « née le 3 mars mille neuf cent soixante-dix-huit », « le premier mars »);
- `file_numbers`: the number of a file, a patient, an employee, a member or a client after its
  cue, shorter than seven digits or with letters, « / » or « - » (« matricule 123456 », « n° de
  dossier 21/12345 », « numéro de patient P-004512 »);
- `encoded_emails`: an e-mail with its « @ » URL-encoded or as an HTML entity (« %40 », « &#64; »).

Each generator returns `pii_corpus_more.Case`s from seeded random parts, placed in ordinary answer
sentences; `pii_corpus_more.leaks(case, output)` says whether the identifying part survived.
`ORDINARY` holds, per family, generated ordinary texts of the same shapes that must stay as written.
"""

from __future__ import annotations

import random

import phonenumbers

from pii_corpus import FIRST_NAMES, SURNAMES
from pii_corpus_more import PROVIDERS, Case, _place, _plain

SEED = 2053
N = 96  # cases per family

# First names in none of the redactor's lists (Faker's locales and its extra list): checked by
# `test_the_unknown_first_names_are_unknown_to_the_redactor`.
UNKNOWN_FIRST_NAMES = ["Ngozi", "Chiamaka", "Oumou", "Tiemoko", "Kouadio", "Adjoa", "Bintou", "Thuy", "Huong",
                       "Sokha", "Nhung", "Maiwenn", "Gwendal", "Tugdual", "Clervie", "Nkechi", "Folake", "Yaovi",
                       "Sekou", "Assitan", "Djeneba", "Kossi", "Soizig", "Lisandru", "Hinano", "Vaimiti",
                       "Keziah", "Anouchka", "Ilyes", "Wissem", "Jibril", "Souleymane", "Ousseynou", "Salimata"]
EMAIL_SENTENCES = ["Écrivez-moi à {x} pour vous inscrire.", "mail : {x}", "Mon adresse : {x} (je réponds vite).",
                   "Contact : {x}", "Pour tout renseignement {x}, merci !", "{x}", "Ma boîte mail {x}."]


# --- 1. names in capitals with an unknown first name ---------------------------------------------------

CAPS_SENTENCES = ["Merci à {x} pour son aide.", "Nous avons travaillé avec {x} pendant la crise.",
                  "{x} a coordonné les tournées.", "Contact : {x}.", "Un grand merci à {x}, toujours là.",
                  "Je remercie {x} qui nous a beaucoup aidés.", "Grâce à {x} les familles ont été logées."]


def caps_unknown_names(n: int = N, seed: int = SEED) -> list[Case]:
    """First name and surname in capitals, either order, the first name unknown to the redactor's
    lists; the whole answer in capitals one time in two, else the name alone."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first, last = rng.choice(UNKNOWN_FIRST_NAMES), rng.choice(SURNAMES)
        item = (f"{first} {last}" if i % 2 == 0 else f"{last} {first}").upper()
        sentence = rng.choice(CAPS_SENTENCES).format(x=item)
        text = sentence.upper() if i % 4 < 2 else sentence
        out.append(Case("caps name, unknown first name", text, (last, first)))
    return out


# --- 2. « à » for « @ » after a local part with no separator ------------------------------------------

DOMAINS = ["orange.fr", "gmail.com", "free.fr", "laposte.net", "wanadoo.fr", "yahoo.fr", "hotmail.com", "sfr.fr",
           "outlook.fr", "asso-horizon.org", "mairie-lille.fr"]


def _unmarked_local(rng: random.Random) -> str:
    first, last = _plain(rng.choice(FIRST_NAMES)), _plain(rng.choice(SURNAMES))
    return rng.choice([f"{last}{first[0]}", f"{first}{last}", f"{first[0]}{last}", f"{last}{first}",
                       f"{first[0]}{first[1:3]}{last}"])


def unmarked_a_emails(n: int = N, seed: int = SEED + 1) -> list[Case]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        local = _unmarked_local(rng)
        domain = rng.choice(DOMAINS)
        if rng.random() < 0.3:
            domain = domain.replace(".", rng.choice([" point ", " . ", " POINT "]))
        written = f"{local}{rng.choice([' à ', ' a ', ' À '])}{domain}"
        out.append(Case("e-mail, à and no separator", _place(rng, written, EMAIL_SENTENCES), (local,)))
    return out


# --- 3. « sur », « chez », « at » and a provider after a hyphenated or plain local part ----------------

def unmarked_provider_emails(n: int = N, seed: int = SEED + 2) -> list[Case]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first, last = _plain(rng.choice(FIRST_NAMES)), _plain(rng.choice(SURNAMES))
        local = f"{first.replace('-', '')}-{last}" if i % 2 == 0 else _unmarked_local(rng)
        at = rng.choice([" sur ", " chez ", " at ", " SUR ", " Chez "])
        tld = rng.choice(["", "", " point com", " point fr", ".fr", ".com", " fr"])
        written = f"{local}{at}{rng.choice(PROVIDERS)}{tld}"
        out.append(Case("e-mail, provider and no separator", _place(rng, written, EMAIL_SENTENCES), (local,)))
    return out


# --- 4. an identity card's number with no document named -----------------------------------------------

_CARD_SYMBOLS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
CARD_SENTENCES = ["Mon numéro est {x}, je l'ai perdue.", "Voici le numéro : {x}.", "{x} (perdue en mars)",
                  "Elle porte le numéro {x} et expire en 2031.", "réf. {x}", "Le numéro {x} ne passe pas au guichet.",
                  "J'ai donné {x} au téléphone."]


def card_number(rng: random.Random) -> str:
    """Nine letters and digits, as the identity cards issued since 2021: two digits at least, two
    letters at least."""
    while True:
        code = "".join(rng.choice(_CARD_SYMBOLS) for _ in range(9))
        if sum(c.isdigit() for c in code) >= 2 and sum(c.isalpha() for c in code) >= 2:
            return code


def bare_cards(n: int = N, seed: int = SEED + 3) -> list[Case]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        code = card_number(rng)
        code = code.lower() if rng.random() < 0.1 else code
        out.append(Case("card number, no cue", _place(rng, code, CARD_SENTENCES), (code,)))
    return out


# --- 5. lower-case plates whose letters are a short word ------------------------------------------------

# Pairs of plate letters (no I, O, U) that are French words or units.
WORD_PAIRS = ["de", "le", "la", "en", "et", "ce", "ma", "sa", "ta", "me", "te", "se", "ne", "je", "va"]
UNIT_PAIRS = ["km", "kg", "cm", "mm", "ml", "ha", "mn", "cv", "kw", "mg", "gr", "kl", "pc", "pm", "am", "ch", "cc"]
_PLATE_LETTERS = "abcdefghjklmnpqrstvwxyz"
PLATE_SENTENCES = ["Ma plaque {x} a été relevée.", "véhicule immatriculé {x}", "la voiture {x} est garée devant",
                   "Plaque : {x}", "immatriculation {x} (contravention contestée)", "ma voiture, {x}, a été flashée"]


def _other_pair(rng: random.Random) -> str:
    while True:
        pair = "".join(rng.choice(_PLATE_LETTERS) for _ in range(2))
        if pair not in WORD_PAIRS and pair not in UNIT_PAIRS:
            return pair


def word_plates(n: int = N, seed: int = SEED + 4) -> list[Case]:
    """One pair a word (first, or last), the other a pair of letters that is neither a word nor a
    unit; spaces, no space or two spaces between the groups."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        word, other = rng.choice(WORD_PAIRS), _other_pair(rng)
        a, b = (word, other) if i % 2 == 0 else (other, word)
        digits = f"{rng.randint(0, 999):03d}"
        sep = rng.choice([" ", " ", "", "  "])
        written = f"{a}{sep}{digits}{sep}{b}"
        out.append(Case("plate, a word's letters", _place(rng, written, PLATE_SENTENCES), (digits,), "plate",
                        (a, b)))
    return out


# --- 6. phone numbers mixing digits and words, no « zéro » ----------------------------------------------

UNITS = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]
TEENS = {10: "dix", 11: "onze", 12: "douze", 13: "treize", 14: "quatorze", 15: "quinze", 16: "seize"}
TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def said(pair: int) -> str:
    """A pair of digits as read aloud (« douze », « soixante-dix-huit », « zéro cinq »)."""
    if pair < 10:
        return f"zéro {UNITS[pair]}"
    if pair in TEENS:
        return TEENS[pair]
    if pair < 20:
        return f"dix-{UNITS[pair - 10]}"
    tens, unit = divmod(pair, 10)
    if tens in (7, 9):
        head = "soixante" if tens == 7 else "quatre-vingt"
        return f"{head}-{TEENS.get(10 + unit) or 'dix-' + UNITS[unit]}"
    if tens == 8:
        return "quatre-vingts" if unit == 0 else f"quatre-vingt-{UNITS[unit]}"
    if unit == 0:
        return TENS[tens]
    return f"{TENS[tens]} et un" if unit == 1 else f"{TENS[tens]}-{UNITS[unit]}"


PHONE_SENTENCES = ["Appelez-moi au {x} le soir.", "Mon portable : {x}.", "Tél. {x}", "joignable au {x} (laissez un message)",
                   "Pour les inscriptions, le {x}.", "Contact direct {x}, demandez Karim."]


def _french_number(rng: random.Random) -> str:
    while True:
        digits = rng.choice(["06", "07", "01", "02", "03", "04", "05", "09"]) + "".join(
            rng.choice("0123456789") for _ in range(8))
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, "FR")):
            return digits


def mixed_phones(n: int = N, seed: int = SEED + 5) -> list[Case]:
    """The first pair in digits (or « 0 » and a word), some later pairs in words; or every pair in
    digits with commas and « et » before the last."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        digits = _french_number(rng)
        pairs = [digits[j:j + 2] for j in range(0, 10, 2)]
        shape = i % 3
        if shape == 0:  # « 06 douze 34 cinquante-six 78 »
            spoken = rng.sample(range(1, 5), rng.randint(1, 3))
            written = " ".join(said(int(p)) if k in spoken else p for k, p in enumerate(pairs))
        elif shape == 1:  # « 0 six 12 34 56 78 », « 0 six douze 34… »
            rest = [said(int(p)) if rng.random() < 0.3 else p for p in pairs[1:]]
            written = f"0 {UNITS[int(digits[1])]} " + " ".join(rest)
        else:  # « 06, 12, 34, 56 et 78 »
            sep = rng.choice([", ", " ", " - ", ". "])
            written = sep.join(pairs[:4]) + rng.choice([" et ", ", et ", " et puis "]) + pairs[4]
        written = written.upper() if rng.random() < 0.08 else written
        out.append(Case("phone, digits and words", _place(rng, written, PHONE_SENTENCES), (digits[2:],), "digits"))
    return out


# --- 7. dates of birth with the day or the year in words ------------------------------------------------

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]
DAYS = {1: "premier", **{k: v for k, v in enumerate(UNITS) if k > 1}, **TEENS, 17: "dix-sept", 18: "dix-huit",
        19: "dix-neuf", 20: "vingt", 21: "vingt et un", 22: "vingt-deux", 23: "vingt-trois", 24: "vingt-quatre",
        25: "vingt-cinq", 26: "vingt-six", 27: "vingt-sept", 28: "vingt-huit"}
BIRTH_SENTENCES = ["Je suis né le {x} à Lyon.", "née le {x}, réfugiée", "Ma fille, née le {x}, est hospitalisée.",
                   "Date de naissance : {x}", "date de naissance le {x} (patient)", "Mon fils est né le {x}."]


def _year_in_words(year: int) -> str:
    """« mille neuf cent soixante-dix-huit », « deux mille cinq »."""
    head = "mille neuf cent" if year < 2000 else "deux mille"
    tail = said(year % 100) if year % 100 >= 10 else UNITS[year % 100]
    return f"{head} {tail}" if year % 100 else head


def word_births(n: int = N, seed: int = SEED + 6) -> list[Case]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1930, 2015)
        month_word = MONTHS[month - 1]
        shape = i % 3
        if shape == 0:  # « douze mars 1978 »
            day_w, year_w = DAYS[day], str(year)
        elif shape == 1:  # « 12 mars mille neuf cent soixante-dix-huit »
            day_w, year_w = str(day), _year_in_words(year)
        else:  # « douze mars soixante-dix-huit »: the century left out
            day_w, year_w = DAYS[day], said(year % 100) if year % 100 >= 10 else f"{year % 100:02d}"
        written = f"{day_w} {month_word} {year_w}"
        out.append(Case("date of birth in words", _place(rng, written, BIRTH_SENTENCES), (written,)))
    return out


# --- 8. numbers of files, patients, employees, members, clients after their cue --------------------------

FILE_CUES = ["matricule", "matricule n°", "n° de dossier", "numéro de dossier :", "dossier n°", "n° patient",
             "numéro de patient", "n° adhérent", "numéro d'adhérent", "numéro client", "n° de client :",
             "numéro de contrat", "n° de sinistre", "référence dossier"]
FILE_SENTENCES = ["Mon {x} n'apparaît plus.", "{x}, toujours en attente.", "Rappel : {x}.", "Je cite mon {x} à chaque appel.",
                  "Voici mon {x} si besoin."]


def file_number(rng: random.Random) -> str:
    digits = "0123456789"
    shape = rng.randrange(5)
    if shape == 0:
        return "".join(rng.choice(digits) for _ in range(rng.randint(4, 6)))
    if shape == 1:  # « 21/12345 », « 2021-00123 »
        return f"{rng.randint(19, 24)}{rng.choice('/-')}{rng.randint(1, 99999):05d}"
    if shape == 2:  # « A12345 », « P-004512 »
        return f"{rng.choice('ABCDEFGHKLMPRSTVZ')}{rng.choice(['', '-'])}{rng.randint(1, 999999):06d}"
    if shape == 3:  # « 2021-AB-12345 »
        letters = "".join(rng.choice("ABCDEFGHKLMPRSTVZ") for _ in range(2))
        return f"{rng.randint(2015, 2024)}-{letters}-{rng.randint(1000, 99999)}"
    return f"{rng.randint(100, 999)} {rng.randint(100, 999)}"


def file_numbers(n: int = N, seed: int = SEED + 7) -> list[Case]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        number = file_number(rng)
        item = f"{rng.choice(FILE_CUES)} {number}"
        out.append(Case("file number after a cue", _place(rng, item, FILE_SENTENCES), (number,)))
    return out


# --- 9. e-mails with an encoded « @ » ---------------------------------------------------------------------

def encoded_emails(n: int = N, seed: int = SEED + 8) -> list[Case]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        first, last = _plain(rng.choice(FIRST_NAMES)).replace("-", ""), _plain(rng.choice(SURNAMES))
        local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{last}{rng.randint(1, 99)}", f"{first}_{last}"])
        at = rng.choice(["%40", "%40", "&#64;", "&#x40;", "&commat;", "%2540"])
        written = f"{rng.choice(['', '', 'mailto:'])}{local}{at}{rng.choice(DOMAINS)}"
        out.append(Case("e-mail, encoded @", _place(rng, written, EMAIL_SENTENCES), (local,)))
    return out


FAMILIES = {
    "caps name, unknown first name": caps_unknown_names,
    "e-mail, à and no separator": unmarked_a_emails,
    "e-mail, provider and no separator": unmarked_provider_emails,
    "card number, no cue": bare_cards,
    "plate, a word's letters": word_plates,
    "phone, digits and words": mixed_phones,
    "date of birth in words": word_births,
    "file number after a cue": file_numbers,
    "e-mail, encoded @": encoded_emails,
}


# --- ordinary texts of the same shapes, which must stay as written ---------------------------------------

def _around(rng: random.Random, sentence: str) -> str:
    before = rng.choice(["", "Merci pour cette consultation. ", "Bonjour,\n", "Je suis bénévole.\n\n"])
    after = rng.choice(["", " Bonne journée.", "\nMerci.", " Nous manquons de moyens."])
    return before + sentence + after


CAPS_ORDINARY = ["NOUS DEMANDONS À LA {a} {b} DE RÉPONDRE AUX RETRAITÉS.", "LE {a} {b} NE SERT À RIEN.",
                 "SUPPRIMER LE {a} ET LA {b} POUR LES RICHES.", "Le dossier de la {a} {b} est en attente.",
                 "LES {a} {b} ONT RAISON SUR LA TAXE CARBONE.", "MERCI À LA {a} {b} POUR SON AIDE."]
ACRONYMS = ["CARSAT", "CNAV", "CICE", "URSSAF", "CAF", "CPAM", "MSA", "ARS", "PACA", "AGIRC", "ARRCO", "UNEDIC",
            "ONIAM", "CNIL", "ADEME", "ANAH", "ISF", "IFI", "CSG", "CRDS", "SMIC", "EHPAD", "APL", "RSA"]
CAPS_WORDS = ["GILETS", "JAUNES", "IMPOTS", "RETRAITES", "TAXE", "FONCIERE", "GRAND", "DEBAT", "SERVICES", "PUBLICS",
              "MOULIN", "PETIT", "BLANC", "FONTAINE", "MARCHAND", "BOULANGER"]


def ordinary_caps(n: int = N, seed: int = SEED + 20) -> list[str]:
    """Capitals with acronyms and ordinary words side by side, surnames that are French words among
    them (« PETIT », « MOULIN »): an article before a pair of acronyms."""
    rng = random.Random(seed)
    return [_around(rng, rng.choice(CAPS_ORDINARY).format(a=rng.choice(ACRONYMS + CAPS_WORDS),
                                                          b=rng.choice(ACRONYMS + CAPS_WORDS))) for _ in range(n)]


SITES = ["ameli.fr", "impots.gouv.fr", "service-public.fr", "caf.fr", "doctolib.fr", "pole-emploi.fr", "ants.gouv.fr"]
A_WORDS = ["Je suis allé", "Connectez-vous", "Rendez-vous", "Inscription", "Accès", "Bienvenue", "Je me suis inscrit",
           "Il faut se connecter", "Réponse", "Un lien", "La démarche est"]


def ordinary_a(n: int = N, seed: int = SEED + 21) -> list[str]:
    """« à » and a site (« Je suis allé à impots.gouv.fr »), its dot spelt (« ameli point fr »)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        site = rng.choice(SITES)
        if rng.random() < 0.3:
            site = site.replace(".", " point ")
        out.append(_around(rng, f"{rng.choice(A_WORDS)} à {site} pour la démarche."))
    return out


PROVIDER_WORDS = ["je suis", "abonné", "cliente", "passé", "mon compte", "tout est", "Netflix", "la box", "stay-at-home",
                  "c'est-à-dire", "rendez-vous", "on trouve tout", "travaille", "moi-même"]


def ordinary_providers(n: int = N, seed: int = SEED + 22) -> list[str]:
    """« sur », « chez », « at » and a provider after ordinary words (« abonné chez free »)."""
    rng = random.Random(seed)
    return [_around(rng, f"{rng.choice(PROVIDER_WORDS)} {rng.choice(['sur', 'chez', 'at'])} {rng.choice(PROVIDERS)}"
                         f"{rng.choice(['', ' depuis 10 ans', ', ça marche', ' et ailleurs'])}.") for _ in range(n)]


CODE_WORDS = ["COVID", "SEGUR", "PLAN", "FRANCE", "LOI", "CAF", "PACTE", "EHPAD", "RSA"]


def ordinary_codes(n: int = N, seed: int = SEED + 23) -> list[str]:
    """Letters then digits or digits then letters in nine characters (« COVID2019 »), mixed codes of
    eight or ten characters, in capitals or lower case."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        shape = i % 3
        if shape == 0:
            word = rng.choice(CODE_WORDS)
            code = word + "".join(rng.choice("0123456789") for _ in range(9 - len(word)))
            code = code if rng.random() < 0.5 else "".join(reversed([code[:len(word)], code[len(word):]]))
        else:
            code = card_number(rng)
            code = code[:8] if shape == 1 else code + rng.choice(_CARD_SYMBOLS)
        code = code.lower() if rng.random() < 0.2 else code
        out.append(_around(rng, rng.choice(["Le plan {x} est un échec.", "Référence {x} du produit.", "{x} !",
                                            "Voir le {x} sur le site."]).format(x=code)))
    return out


def ordinary_plates(n: int = N, seed: int = SEED + 24) -> list[str]:
    """A plate's cue, then a word, three digits and a unit or another word (« voiture de 110 ch »,
    « plaque le 123 et le 456 »)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        cue = rng.choice(["ma voiture", "le véhicule", "la plaque", "immatriculée", "une voiture"])
        if i % 2:
            middle = f"{rng.choice([*WORD_PAIRS, 'xy', 'ab'])} {rng.randint(100, 999)} {rng.choice(UNIT_PAIRS)}"
        else:
            middle = f"{rng.choice(WORD_PAIRS)} {rng.randint(100, 999)} {rng.choice(WORD_PAIRS)}"
        out.append(_around(rng, f"{cue} {middle} par jour, rien d'autre."))
    return out


def ordinary_lists(n: int = N, seed: int = SEED + 25) -> list[str]:
    """Numbers with « et » and words that are no phone: lists of digits, four pairs, « zéro » as a
    word, a leading pair that is no 0X."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        shape = i % 4
        if shape == 0:
            items = ", ".join(str(d) for d in range(rng.randint(0, 1), 9)) + " et 9"
        elif shape == 1:
            items = ", ".join(f"{rng.randint(1, 99):02d}" for _ in range(3)) + " et " + f"{rng.randint(1, 99):02d}"
        elif shape == 2:
            items = f"zéro {rng.choice(['déchet', 'plastique', 'mois'])}, {rng.randint(10, 99)} {rng.randint(10, 99)} et {rng.randint(10, 99)}"
        else:
            items = f"{rng.randint(10, 99)} {said(rng.randint(10, 99))} {rng.randint(10, 99)} et {rng.randint(10, 99)}"
        out.append(_around(rng, f"Les scores {items} sont bons."))
    return out


def ordinary_births(n: int = N, seed: int = SEED + 26) -> list[str]:
    """« né le » and a day in words without a year (« né le premier mars dernier »), a birth that is no
    person's (« la naissance du projet le douze mars »)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        day, month = DAYS[rng.randint(1, 28)], rng.choice(MONTHS)
        out.append(_around(rng, rng.choice([f"Le projet est né le {day} {month} dernier.",
                                            f"né le {day} {month}, mort le lendemain : le plan.",
                                            f"La naissance du projet, le {day} {month}, fut discrète.",
                                            f"Elle est née le {day} du mois."])))
    return out


def ordinary_files(n: int = N, seed: int = SEED + 27) -> list[str]:
    """A file's cue and a number of three digits at most, a year or years, an amount or a count."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        cue = rng.choice(FILE_CUES)
        number = rng.choice([str(rng.randint(1, 999)), str(rng.randint(1990, 2024)),
                             f"{rng.randint(2015, 2022)}-{rng.randint(2016, 2024)}",
                             f"{rng.randint(1000, 9999)} {rng.choice(['euros', '€', 'personnes', 'dossiers'])}"])
        out.append(_around(rng, f"Le {cue} {number} a été traité."))
    return out


def ordinary_percents(n: int = N, seed: int = SEED + 28) -> list[str]:
    """« % » beside digits (« 30%40% », « 100%40 % »), « & » in names of firms (« R&D »)."""
    rng = random.Random(seed)
    return [_around(rng, rng.choice([f"entre {rng.randint(10, 99)}%{rng.randint(10, 99)}% des foyers",
                                     f"{rng.randint(10, 99)}%-{rng.randint(10, 99)}% selon les cas",
                                     "la R&D et le B&B du coin", f"soit {rng.randint(1, 99)}% 40 ans après"]))
            for _ in range(n)]


ORDINARY = {
    "caps name, unknown first name": ordinary_caps,
    "e-mail, à and no separator": ordinary_a,
    "e-mail, provider and no separator": ordinary_providers,
    "card number, no cue": ordinary_codes,
    "plate, a word's letters": ordinary_plates,
    "phone, digits and words": ordinary_lists,
    "date of birth in words": ordinary_births,
    "file number after a cue": ordinary_files,
    "e-mail, encoded @": ordinary_percents,
}
