"""Families of personal data that `pii_corpus.py` and the spelling tests never generated, found
leaking on 2026-12-06 (`tests/test_redact_unseen.py`):

- `lookalike_phones`: a French number with letters for some digits, « O6 l2 34 5O 78 » (O or o for
  a zero, l or I for a one) besides the leading zero, in the usual layouts;
- `a_emails`: an e-mail whose « @ » is the letter a, « jean.dupont(a)orange.fr », « [à] », « {a} »,
  or « à » between spaces after a local part with a separator (« jean.dupont à free.fr »);
- `invisible_items`: names, e-mails and handles with characters that print nothing inside them
  (zero-width spaces and joiners, word joiner, soft hyphen, byte-order mark), « Mme Du\\u200bpont »;
- `bare_domain_emails`: « jeandupont arobase orange fr », « jean.dupont at gmail »;
- `compact_births`: « DDN 12031978 », « née le 120378 »;
- `marked_plates`: « AB.123.CD », « ab_123_cd », « AB  123  CD », « plaque ab123cd »;
- `caps_names`: names in an answer written in capitals (« MERCI À JEAN DUPONT POUR SON AIDE »);
- `documents`: the number of a passport (« 18AV12345 »), of an identity card (« X4RTBPFW4 »), of a
  file at the CAF (« 1234567 ») or France Travail (« 1234567A »), after the document's name.

Each generator returns (answer, needles, check) from seeded random parts; `leaks(case, output)`
says whether the identifying part survived. The ordinary look-alikes beside each family are lists
of texts that must come out unchanged.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import phonenumbers

from consultation.text import fold
from pii_corpus import DOMAINS, FIRST_NAMES, SURNAMES

SEED = 2047
N = 96  # cases per family


@dataclass(frozen=True)
class Case:
    family: str
    text: str  # the whole answer
    needles: tuple[str, ...]  # what must not survive
    how: str = "word"  # "word", "digits" (look-alike letters read as digits), "invisible", "plate"
    pieces: tuple[str, ...] = ()  # "invisible": the parts of the item that invisible characters cut


def _place(rng: random.Random, item: str, sentences: list[str]) -> str:
    sentence = rng.choice(sentences).format(x=item)
    before = rng.choice(["", "Merci pour cette consultation. ", "Bonjour,\n", "Je suis bénévole.\n\n",
                         "😀 ", "« "])
    after = rng.choice(["", " Bonne journée.", "\nMerci.", " Nous manquons de moyens.", " »"])
    text = before + sentence + after
    return text.upper() if rng.random() < 0.08 else text


def _plain(name: str) -> str:
    return fold(name).replace("-", "").replace("'", "")


# --- 1. phone numbers with letters for digits (L for 1 too once the answer is in capitals) --------------------------------------------------------

_LOOK_ALIKES = {"0": "Oo", "1": "lI"}
PHONE_SENTENCES = ["Appelez-moi au {x} le soir.", "Mon portable : {x}.", "Tél. {x}", "joignable au {x} (laissez un message)",
                   "Pour les inscriptions, le {x}.", "Contact direct {x}, demandez Karim."]
PHONE_LAYOUTS = [" ", ".", "-", "", "/", "  ", " . ", "\u00a0"]


def lookalike_phones(n: int = N, seed: int = SEED) -> list[Case]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        digits = rng.choice(["06", "07", "01", "02", "03", "04", "05", "09"]) + "".join(
            rng.choice("0123456789") for _ in range(8))
        if not phonenumbers.is_valid_number(phonenumbers.parse(digits, "FR")):
            continue
        inner = [i for i in range(1, 10) if digits[i] in "01"]
        if not inner:
            continue
        chars = list(digits)
        for i in rng.sample(inner, min(len(inner), rng.randint(1, 3))):
            chars[i] = rng.choice(_LOOK_ALIKES[chars[i]])
        if rng.random() < 0.5:
            chars[0] = rng.choice("Oo0")
        written = rng.choice(PHONE_LAYOUTS).join("".join(chars[i:i + 2]) for i in range(0, 10, 2))
        if rng.random() < 0.2:  # « +33 6 l2 34 5O 78 »
            written = rng.choice(["+33 ", "+33", "0033 "]) + chars[1] + " " + " ".join(
                "".join(chars[i:i + 2]) for i in range(2, 10, 2))
        out.append(Case("lookalike phone", _place(rng, written, PHONE_SENTENCES), (digits[2:],), "digits"))
    return out


# --- 2. e-mails with the letter a for « @ » ----------------------------------------------------------

BRACKETED_AS = ["(a)", "[a]", "{a}", "<a>", "(à)", "[à]", " (a) ", " [a] ", "(A)", " (à) ", "( a )"]
SPACED_AS = [" à ", " a ", " À "]
EMAIL_SENTENCES = ["Écrivez-moi à {x} pour vous inscrire.", "mail : {x}", "Mon adresse : {x} (je réponds vite).",
                   "Contact : {x}", "Pour tout renseignement {x}, merci !"]
MORE_DOMAINS = [*DOMAINS, "ars.sante.fr", "mairie-lille.fr", "interieur.gouv.fr", "secours-populaire.org",
                "protonmail.com", "icloud.com"]


def a_emails(n: int = N, seed: int = SEED) -> list[Case]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first, last = _plain(rng.choice(FIRST_NAMES)), _plain(rng.choice(SURNAMES))
        marked = [f"{first}.{last}", f"{first[0]}.{last}", f"{first}_{last}{rng.randint(1, 99)}", f"{first}-{last}",
                  f"{last}.{first}{rng.randint(1, 9)}"]
        spaced = i % 4 == 3  # one in four: « à » between spaces, which needs a separator in the local part
        local = rng.choice(marked if spaced else [*marked, f"{last}{first[0]}", f"{first}{last}"])
        at = rng.choice(SPACED_AS if spaced else BRACKETED_AS)
        domain = rng.choice(MORE_DOMAINS)
        if not spaced and rng.random() < 0.25:
            domain = domain.replace(".", rng.choice(["(.)", "[.]", " [.] "]))
        written = f"{local}{at}{domain}"
        out.append(Case("e-mail with a for @", _place(rng, written, EMAIL_SENTENCES), (local,)))
    return out


# --- 3. invisible characters inside names, e-mails and handles ----------------------------------------

INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"]
INVISIBLE_RE = re.compile("[" + "".join(INVISIBLES) + "]")
NAME_SENTENCES = ["Merci à {x} pour son aide.", "{x} a coordonné les tournées.", "Contact : {x}.",
                  "Nous avons travaillé avec {x} pendant la crise."]


def _hide(rng: random.Random, word: str) -> str:
    """`word` with one or two invisible characters inside it (never at its ends)."""
    cuts = sorted(rng.sample(range(1, len(word)), min(len(word) - 1, rng.randint(1, 2))))
    pieces = [word[a:b] for a, b in zip([0, *cuts], [*cuts, len(word)], strict=True)]
    return "".join(p + (rng.choice(INVISIBLES) if k < len(pieces) - 1 else "") for k, p in enumerate(pieces))


def invisible_items(n: int = N, seed: int = SEED) -> list[Case]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        shape = i % 6
        needle, hidden = last, _hide(rng, last)
        if shape == 0:
            item, sentences = f"{rng.choice(['Mme', 'M.', 'Madame', 'Dr', 'le docteur'])} {hidden}", NAME_SENTENCES
        elif shape == 1:
            item, sentences = f"{_hide(rng, first)} {hidden}", NAME_SENTENCES
        elif shape == 2:
            hidden = _hide(rng, last.upper())
            item, sentences = f"{first} {hidden}", NAME_SENTENCES
        elif shape == 3:
            hidden = last
            item, sentences = f"{_hide(rng, rng.choice(['Mme', 'Monsieur']))} {last}", NAME_SENTENCES
        elif shape == 4:
            needle = f"{_plain(first)}.{_plain(last)}"
            hidden = _hide(rng, needle)
            item, sentences = f"{hidden}@{rng.choice(DOMAINS)}", EMAIL_SENTENCES
        else:
            needle = f"{_plain(first)[0]}{_plain(last)}{rng.randint(1, 99)}"
            hidden = _hide(rng, needle)
            item, sentences = f"@{hidden}", ["Suivez {x} sur Instagram.", "Mon compte : {x}"]
        pieces = tuple(p for p in INVISIBLE_RE.split(hidden) if len(p) >= 4)
        out.append(Case("invisible characters", _place(rng, item, sentences), (needle,), "invisible", pieces))
    return out


# --- 4. numbers of identity documents and of files at an agency ---------------------------------------

_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
DOCUMENT_SENTENCES = {
    "passport": ["Mon passeport n° {x} a expiré.", "numéro de passeport : {x}", "PASSEPORT {x}",
                 "passeport {x} (renouvellement en cours)", "Le numéro est {x}, c'est celui du passeport."],
    "card": ["Ma CNI c'est {x}.", "carte d'identité : {x}", "Carte nationale d'identité n° {x}",
             "ma carte d identité numéro {x} perdue"],
    "caf": ["N° allocataire CAF : {x}", "mon numéro CAF est le {x}", "allocataire {x} depuis 2019",
            "Numéro de dossier CAF {x}."],
    "agency": ["identifiant Pôle emploi {x}", "identifiant France Travail : {x}", "mon identifiant pole emploi est {x}",
               "France Travail, identifiant {x}."],
}


def _document(rng: random.Random, kind: str) -> str:
    digits = "0123456789"
    if kind == "passport":
        return "".join(rng.choice(digits) for _ in range(2)) + "".join(rng.choice(_LETTERS) for _ in range(2)) + "".join(
            rng.choice(digits) for _ in range(5))
    if kind == "card":
        while True:
            code = "".join(rng.choice(_LETTERS + digits) for _ in range(9))
            if sum(c.isdigit() for c in code) >= 2 and any(c.isalpha() for c in code):
                return code.lower() if rng.random() < 0.15 else code
    if kind == "caf":
        return "".join(rng.choice(digits) for _ in range(7))
    return "".join(rng.choice(digits) for _ in range(7)) + rng.choice(_LETTERS)


def documents(n: int = N, seed: int = SEED) -> list[Case]:
    rng = random.Random(seed)
    kinds = list(DOCUMENT_SENTENCES)
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        code = _document(rng, kind)
        sentences = DOCUMENT_SENTENCES[kind] + (["{x}", "Voici : {x}."] if kind == "passport" else [])
        out.append(Case("identity document", _place(rng, code, sentences), (code,)))
    return out


FAMILIES = {"lookalike phone": lookalike_phones, "e-mail with a for @": a_emails,
            "invisible characters": invisible_items, "identity document": documents}


def leaks(case: Case, output: str) -> bool:
    """Whether the identifying part of `case` is still readable in `output`."""
    if case.how == "digits":
        plain = re.sub(r"[^0-9]", "", output.translate(str.maketrans("OoIlL", "00111")))
        return any(needle in plain for needle in case.needles)
    if case.how == "plate":  # its letters and digits still together, whatever is between them
        plain = re.sub(r"[^a-z0-9]", "", output.lower())
        return f"{case.pieces[0]}{case.needles[0]}{case.pieces[1]}".lower() in plain
    if case.how == "invisible":
        # Read as the published quote reads: the invisible characters print nothing. A piece of
        # the item cut off by them (« [nom]\u200bpont ») counts too.
        # (A piece counts when it is seen as often as in the answer: « Merc » of « Mer\u200bcier »
        # is also in « Merci ».)
        seen = fold(INVISIBLE_RE.sub("", output))
        written = fold(INVISIBLE_RE.sub("", case.text))
        return any(fold(n) in seen for n in case.needles) or any(
            seen.count(fold(p)) >= written.count(fold(p)) for p in case.pieces)
    folded = fold(output)
    return any(re.search(rf"(?<![\w]){re.escape(fold(n))}(?![\w])", folded) for n in case.needles)


# --- 5. names in an answer written in capitals ---------------------------------------------------------

CAPS_SENTENCES = ["Merci à {x} pour son aide.", "Nous avons travaillé avec {x} pendant la crise.",
                  "{x} a coordonné les tournées.", "Contact : {x}.", "Un grand merci à {x}, toujours là.",
                  "Je remercie {x} qui nous a beaucoup aidés."]
CAPS_PARTICLE_SURNAMES = ["de Villiers", "Le Goff", "du Pontavice", "d'Albret", "van Damme", "Le Bihan", "da Costa"]
CIVILITIES = ["Madame", "Monsieur", "Mme", "M.", "Dr", "le docteur", "Maître", "Me"]


def caps_names(n: int = N, seed: int = SEED) -> list[Case]:
    """A name in an answer written wholly in capitals: first name and surname, SURNAME first, a
    civility or an initial before the surname, particles. The first names are the corpus's (five
    of its 40 are in none of the redactor's lists: only the model can find those without a cue)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(CAPS_PARTICLE_SURNAMES) if i % 5 == 4 else rng.choice(SURNAMES)
        shape = i % 4
        item = {0: f"{first} {last}", 1: f"{last} {first}", 2: f"{rng.choice(CIVILITIES)} {last}",
                3: f"{first[0]}. {last}"}[shape]
        sentence = rng.choice(CAPS_SENTENCES)
        text = sentence.format(x=item).upper()
        context = [w for w in re.findall(r"\w+", fold(sentence.replace("{x}", " "))) if len(w) > 2]
        out.append(Case("name in capitals", text, (re.split(r"[\s']", last)[-1],), "word", tuple(context)))
    return out


def context_lost(case: Case, output: str) -> int:
    """Words of the sentence around the name (`pieces`, for this family) no longer in `output`."""
    seen = set(re.findall(r"\w+", fold(output)))
    return sum(w not in seen for w in case.pieces)


FAMILIES["name in capitals"] = caps_names


# --- 6. e-mails with a spelt at and no top-level domain, or a bare one ---------------------------------

PROVIDERS = ["gmail", "orange", "free", "yahoo", "hotmail", "wanadoo", "laposte", "outlook", "sfr", "icloud"]


def bare_domain_emails(n: int = N, seed: int = SEED) -> list[Case]:
    """« jeandupont arobase orange fr », « jean.dupont arobase gmail », « jean.dupont at gmail »,
    « jean.dupont sur gmail point com »: « arobase » with any local part; « at », « sur », « chez »
    (everyday words) with a local part that has a dot, « _ » or a digit, before a mail provider's name."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first, last = _plain(rng.choice(FIRST_NAMES)), _plain(rng.choice(SURNAMES))
        # A hyphen alone is no mark after « at », « sur », « chez » (« stay-at-home sur gmail »).
        marked = [f"{first}.{last}", f"{first[0]}.{last}", f"{first}_{last}{rng.randint(1, 99)}", f"{last}{rng.randint(1, 99)}"]
        spelt = i % 2 == 0
        local = rng.choice([*marked, f"{first}{last}", f"{last}{first[0]}{rng.randint(1, 99)}"] if spelt else marked)
        at = rng.choice([" arobase ", " AROBASE ", " arrobase ", " arobas "] if spelt else [" at ", " sur ", " chez ", " AT "])
        tld = rng.choice(["", " fr", " com", " point fr", " point com", ".com", ".fr"])
        written = f"{local}{at}{rng.choice(PROVIDERS)}{tld}"
        out.append(Case("e-mail with a bare domain", _place(rng, written, EMAIL_SENTENCES), (local,)))
    return out


# --- 7. a date of birth written without separators ---------------------------------------------------

BIRTH_SENTENCES = ["Date de naissance : {x}", "DDN {x}", "né le {x} à Lyon", "née le {x}, réfugiée",
                   "naissance : {x}", "Ma fille, née le {x}, est hospitalisée.", "date de naissance {x} (patient)"]


def compact_births(n: int = N, seed: int = SEED) -> list[Case]:
    """« DDN 12031978 », « née le 120378 »: day, month and year with nothing between them, after a
    cue of birth."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1925, 2015)
        written = f"{day:02d}{month:02d}{year}" if rng.random() < 0.7 else f"{day:02d}{month:02d}{year % 100:02d}"
        out.append(Case("compact date of birth", _place(rng, written, BIRTH_SENTENCES), (written,)))
    return out


# --- 8. licence plates with dots, « _ », « / », two spaces, or in lower case after a cue ----------------

PLATE_SENTENCES = ["Ma plaque {x} a été relevée.", "véhicule immatriculé {x}", "la voiture {x} est garée devant",
                   "Plaque : {x}", "immatriculation {x} (contravention contestée)"]
PLATE_SENTENCES_WITHOUT_CUE = ["J'ai reçu une amende pour {x} le mois dernier.", "{x}, c'est la mienne."]


# Letters that are a word before a number or a unit after it: « voiture de 123 km » is no plate, so
# neither is « plaque ry 096 cv » in lower case with spaces (left, RELIABILITY.md).
SPACED_PLATE_WORDS = {"de", "le", "la", "en", "et", "un", "du", "au", "ce", "ma", "sa", "ta", "me", "te", "se", "ne",
                      "je", "tu", "il", "on", "ou", "va", "vu", "lu", "pu", "eu", "km", "kg", "cm", "mm", "ml", "ha",
                      "mn", "cv", "kw", "mg", "gr", "kl", "pc", "pm", "am"}


def marked_plates(n: int = N, seed: int = SEED) -> list[Case]:
    """« AB.123.CD », « AB / 123 / CD », « ab_123_cd », « AB  123  CD »; « ab123cd », « ab 123 cd »
    after « plaque », « immatriculé(e) », « véhicule », « voiture »."""
    rng = random.Random(seed)
    letters = "ABCDEFGHJKLMNPQRSTVWXYZ"
    out = []
    for i in range(n):
        a = "".join(rng.choice(letters) for _ in range(2))
        b = "".join(rng.choice(letters) for _ in range(2))
        digits = f"{rng.randint(0, 999):03d}"
        cue = i % 3 != 2
        if cue and rng.random() < 0.4:
            sep = rng.choice(["", " "])
            while sep and (a.lower() in SPACED_PLATE_WORDS or b.lower() in SPACED_PLATE_WORDS):
                a, b = "".join(rng.choice(letters) for _ in range(2)), "".join(rng.choice(letters) for _ in range(2))
            written = f"{a}{sep}{digits}{sep}{b}".lower()
        else:
            sep = rng.choice([".", " . ", "_", "/", " / ", "  "])
            written = f"{a}{sep}{digits}{sep}{b}"
            written = written.lower() if sep.strip() and rng.random() < 0.4 else written
        sentences = PLATE_SENTENCES if cue else PLATE_SENTENCES_WITHOUT_CUE
        out.append(Case("licence plate", _place(rng, written, sentences), (f"{digits}",), "plate", (a, b)))
    return out


FAMILIES["e-mail with a bare domain"] = bare_domain_emails
FAMILIES["compact date of birth"] = compact_births
FAMILIES["licence plate"] = marked_plates


def leaked_cases(redactor, family: str, cases: list[Case]) -> list[str]:
    """The cases of `family` whose identifying part `redactor` leaves readable, printed for the log."""
    outputs = redactor.redact_many([case.text for case in cases])
    shown = [f"{case.text!r} -> {output!r}" for case, output in zip(cases, outputs, strict=True) if leaks(case, output)]
    print(f"\n{family}: {len(cases)} generated, {len(shown)} leaked" + "".join(f"\n  {s}" for s in shown))
    return shown
