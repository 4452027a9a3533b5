"""Time taken on hostile answers: every text detector publication runs on an answer must be
linear in its length (an answer may have up to 2,000,000 characters, `MAX_ANSWER_CHARS`).

A regular expression that can start at every position of a long run and scan to its end takes
time quadratic in the run (« a.a.a.a…a@ », « b.b.b… », « a point a point … at »), one with
nested ambiguous repetitions exponential (« ------…- » and an « @ » elsewhere). Here the answers
are periodic strings over the atoms that matter to the patterns (letters, digits, . @ - _ # [ ] ( )
: / +, line breaks, « point », « at », « zéro », « rue », « M. », « www. »…), generated from a
seed, plus the cases found by hand, at 50,000 characters. Each must be read within `LIMIT`
seconds: linear code takes well under one, the quadratic code took minutes. The bound is the
behaviour under test; it is enforced by an alarm, so a regression fails in `LIMIT` seconds
instead of hanging the suite.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from consultation.publish import leakscan, quotes, typography
from consultation.publish.redact import Redactor
from time_limit import time_limit

SIZE = 50_000
LIMIT = 10.0  # seconds per text: generous, the point is linear against quadratic
SEED = 2031
ATOMS = [
    "a", "b", "B", "é", "0", "6", "12", "2A", ".", "@", "-", "_", "#", "[", "]", "(", ")", ":", "/", "+", ",",
    " ", "\t", "\n", "point ", "at ", "arobase ", "chez ", "zéro ", "rue ", "de ", "M.", "Mme ", "www.",
    "http://", "+33", "insta ", "tiret du bas ", "FR76", "75011 ", "Paris ", "né le ", "1985", "»", ";", "%",
]
SUFFIXES = ["", "@", " at", ".fr", "/x", "b", "!", "[at]", " 75011 Paris"]
# Found by hand or by fuzzing the detectors one by one; on the code before this test, each took
# from seconds to minutes at 20,000 characters in at least one of the functions below.
NAMED = {
    "one long word": ("b", "@"),
    "dotted local part": ("a.", "@"),
    "dotted handle": ("a.", "b"),
    "digits and dots": ("12.", "@"),
    "corsican department": ("2A", "@"),
    "letters and digits": ("a612", "@"),
    "www": ("www.", "@"),
    "dotted letters": ("b.", ""),
    "international prefix": ("+33", "@"),
    "civility": ("M.", "@"),
    "one letter": ("a", "@"),
    "dashes": ("-", "@"),
    "underscores": ("_", "@"),
    "spelt dots": ("a point ", "at"),
    "spelt underscores": ("a tiret du bas ", "arobase"),
    "bracketed dots": ("a[.]", "[at]"),
    "spaced dots": ("a . ", "@ b"),
    "spelt dots before chez": ("a point ", "chez b point"),
    "spaces": (" ", "@"),
    "tabs and spaces": ("\t  ", "@"),
    "names after a plural civility": ("Drs Martin, ", ""),
    "plural civility and a cue": ("Drs Cordialement, ", "/x"),
    "plural civility in lower case": ("Mmes Haddad, ", ""),
    # 2026-12-06: a NIR written as a list, the lower-case words of a street, handles with no mark,
    # « -at- » inside a hyphenated token.
    "comma list of numbers": ("1, 12, ", ""),
    "semicolon list of digits": ("2;", "57"),
    "bars": (" | 12", ""),
    "comma and line break": ("12,\n", "123"),
    "street connectors": ("12 rue de la ", "x"),
    "street of lower-case words": ("3 allée des lilas blancs ", ""),
    "street then postal code": ("12 rue du moulin, 59000 ", "lille"),
    "hyphenated words": ("a-", "at-gmail-point-com"),
    "hyphenated at": ("a-at-", "b-point-fr"),
    "underscored at": ("a_at_", "b"),
    "spelt dots between hyphens": ("b-point-", "fr"),
    "spaced hyphens": ("a - at - ", "fr"),
    "network names": ("facebook ", "avasseur"),
    "network and c'est": ("insta c'est ", "jdupont"),
    "network and a said name": ("facebook sous le nom de ", ""),
    # The false-positive rules of 2026-12-06 (tests/test_redact_false_positives.py): look-aheads
    # after « at », a street's type and five digits, look-behinds before a year.
    "english at": ("travail at home ", "@"),
    "street type as a noun": ("En 2019 rue barrées ", " 75011 Paris"),
    "amounts grouped by three": ("150 000 000 ", "€"),
    "counts after five digits": ("20000 Français ", ""),
    "brands": ("Amazon Google ", "Vidéo YouTube"),
    # 2026-12-06 (tests/test_redact_unseen.py): letters for digits, the letter a for « @ »,
    # invisible characters, documents' names, answers in capitals.
    "letters for digits": ("O6 l2 ", "@"),
    "lettered pairs": ("0l", ""),
    "bracketed a": ("a(a)", "b.fr"),
    "spaced a after a dotted local part": ("a.b à ", "orange.fr"),
    "dotted run then a spaced a": ("a.", " à orange.fr"),
    "hyphens then a spaced a": ("a-", " a free.fr"),
    "invisible characters": ("a\u200b", "@"),
    "soft hyphens in a name": ("Mme Du\u00ad", ""),
    "documents' names": ("passeport ", "12AB34567"),
    "agency numbers": ("caf 1234567 ", "euros"),
    "a name in capitals": ("MERCI À JEAN DUPONT ", ""),
    "surnames before first names in capitals": ("BRUNET KEVIN ", ""),
    "local parts before sur": ("a.1 sur ", "gmail"),
    "underscores before at": ("a_", " at gmail"),
    "digits and hyphens before chez": ("a-1-", " chez orange fr"),
    "spelt at and bare domains": ("a arobase ", "orange fr"),
    "compact dates after a cue": ("DDN 12031978 ", ""),
    "international prefix and letters": ("+33 6 l2 ", ""),
    "dotted plates": ("AB.123.", "CD"),
    "plates' cues": ("plaque ab ", "123 cd"),
    "underscored plates": ("ab_123_", "cd"),
    # 2026-12-06, second round (tests/test_redact_unseen_more.py): names in capitals, local parts
    # with no separator before « à » or a provider, nine-character codes, file numbers, plates whose
    # letters are words, phones mixing digits and words, dates in words, encoded « @ ».
    "pairs of words in capitals": ("NGOZI VASSEUR ", ""),
    "acronyms in capitals": ("LA CARSAT CNAV ", "ADJOA"),
    "unmarked local parts before à": ("dupontj à a point ", "fr"),
    "hyphenated local parts before sur": ("jean-", " sur gmail"),
    "words before chez": ("kvasseur chez ", "orange fr"),
    "a placeholder after à": ("kdumas a [lien] ", ""),
    "nine-character codes": ("X4RTBPFW4 ", ""),
    "letters and digits in turn": ("a1", ""),
    "file numbers": ("matricule 12-", "ab"),
    "file cues and slashes": ("n° de dossier 1/", "2"),
    "plates whose letters are words": ("plaque de 123 ", "zx"),
    "digits then words": ("06 douze ", ""),
    "a zero then words": ("0 six ", "et puis"),
    "pairs and et": ("06, 12 et ", "34"),
    "dates in words": ("né le douze mars mille ", "neuf"),
    "number words after a cue": ("née le un ", "mars"),
    "encoded at signs": ("a%40", "b.fr"),
    "entities": ("a&#64;", "[lien]"),
    # 2026-12-06, third round (tests/test_redact_unseen_rib.py): RIBs and their labels, IBANs split
    # anyhow, a dwelling's parts beside an address, codes of letters and digits.
    "five-digit groups": ("30004 ", "12"),
    "bank labels": ("code guichet 00001 ", "clé"),
    "rib marks": ("30004 | 00001 - ", "[numéro]"),
    "iban heads": ("fr 76 ", "x"),
    "split iban groups": ("FR76 3 0 ", "\n"),
    "iban after a placeholder": ("FR 76 [numéro] 24708 ", ""),
    "dwelling parts": ("bât. C, apt 12, ", "12 rue des Lilas"),
    "floors and doors": ("3e étage - porte 5\n", "[adresse]"),
    "residences": ("Résidence Les Lilas ", "porte 5"),
    "codes with digits": ("Voir L6P5XSFK ", "Réf."),
    # 2026-12-06 (tests/test_redact_unseen_names2.py): names no list knows after a cue or opening a
    # list's item, a listed first name before a lower-case word, surnames opening a sentence,
    # capitalised common words.
    "thanks before unknown pairs": ("Merci à Nhung Cissé ", ""),
    "list items of unknown pairs": ("\n- Wojciech Kowalski", ""),
    "cues and no name": ("merci à avec grâce à ", "Nhung"),
    "first names before lower-case words": ("avec Loïs vasseur ", ""),
    "surnames opening sentences": ("Charrier nous a aidés. ", ""),
    "capitalised common words": ("Pôle Emploi ", ""),
    "pairs in capitals after a cue": ("Merci à NGOZI CISSÉ ", "ok"),
    # 2026-12-06 (tests/test_redact_unseen_names3.py): unknown pairs opening sentences, surnames
    # with particles first, runs of particles, a signature's line in capitals after a long one, name
    # cues before acronyms.
    "unknown pairs opening sentences": ("Nhung Cissé nous a aidés. ", ""),
    "particle surnames first": ("avec Le Gall Hassiba ", ""),
    "runs of particles": ("avec Le De La Du ", "Gall Hassiba"),
    "a signature after a long line": ("ADJOA PUJOL CAF ", "\nADJOA PUJOL"),
    "name cues before acronyms": ("Signé : CAF MSA ", ""),
}


def periodic(unit: str, suffix: str = "", size: int = SIZE, prefix: str = "") -> str:
    return prefix + (unit * (size // len(unit) + 1))[:size] + suffix


def generated(count: int, seed: int = SEED) -> list[tuple[str, str]]:
    """(unit, suffix): units of one to four atoms, drawn from a seed."""
    rng = random.Random(seed)
    return [("".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 4))), rng.choice(SUFFIXES))
            for _ in range(count)]


CASES = [pytest.param(periodic(u, s), id=name) for name, (u, s) in NAMED.items()]
CASES.append(pytest.param("insta " + periodic("a.", "b"), id="handle after a network's name"))
CASES += [pytest.param(periodic(u, s), id=f"generated {i}") for i, (u, s) in enumerate(generated(24))]


def elapsed(function: Callable[[str], object], text: str) -> float:
    start = time.perf_counter()
    with time_limit(LIMIT):
        function(text)
    return time.perf_counter() - start


# The daily subset reads 12 texts of each list (tests/conftest.py); the full run all of them.
pytestmark = pytest.mark.daily_cases(12)


@pytest.fixture(scope="module")
def patterns() -> Redactor:
    return Redactor(["Le Relais"])


@pytest.mark.parametrize("text", CASES)
def test_redaction_is_linear(patterns: Redactor, text: str) -> None:
    assert elapsed(patterns, text) < LIMIT


# Rules that need the model's word lists (names in capitals, local parts with no separator, codes
# whose letters are words) run only with it: the model loaded, as `publish` runs.
WITH_WORDS = ["pairs of words in capitals", "acronyms in capitals", "unmarked local parts before à",
              "words before chez", "hyphenated local parts before sur", "nine-character codes",
              "bank labels", "split iban groups", "dwelling parts", "residences", "codes with digits",
              "thanks before unknown pairs", "list items of unknown pairs", "cues and no name",
              "first names before lower-case words", "surnames opening sentences", "capitalised common words",
              "pairs in capitals after a cue", "unknown pairs opening sentences", "particle surnames first",
              "runs of particles", "a signature after a long line", "name cues before acronyms"]


@pytest.mark.slow
@pytest.mark.parametrize("name", WITH_WORDS)
def test_redaction_and_scan_with_the_model_are_linear(ner, name: str) -> None:
    text = periodic(*NAMED[name])
    redactor = Redactor([], nlp=ner)
    assert elapsed(redactor, text) < LIMIT
    assert elapsed(lambda t: leakscan.scan_text(t, vocabulary=redactor.vocabulary), text) < LIMIT


@pytest.mark.parametrize("text", CASES)
def test_leak_scan_is_linear(text: str) -> None:
    assert elapsed(lambda t: leakscan.scan_text(t, structures=["Le Relais de l'Orb"]), text) < LIMIT


@pytest.mark.parametrize("text", CASES)
def test_quote_cleaning_and_typography_are_linear(text: str) -> None:
    assert elapsed(lambda t: quotes.drop_contacts(quotes.clean_quote(t)), text) < LIMIT
    assert elapsed(typography.french, text) < LIMIT


@pytest.mark.parametrize("unit", ["[", "[a](", "\\[", "![a](", "[a] ("])
def test_markdown_reading_is_linear(tmp_path, unit: str) -> None:
    """The leak scan reads a Markdown report's links as text: « [[[… » was quadratic, « [a]([a](… »
    worse."""
    report = tmp_path / "rapport.md"
    report.write_text(periodic(unit), encoding="utf-8")
    assert elapsed(lambda _: leakscan.published_text(report), "") < LIMIT


@pytest.mark.parametrize("tail", [" /", " 1", ".", " -", " É", "\n"])
@pytest.mark.parametrize("letters", [30, 228, 20_000])
def test_a_long_word_in_capitals_is_scanned_in_linear_time_with_a_vocabulary(letters: int, tail: str) -> None:
    """The scanner's names-in-capitals rule runs only with the redactor's vocabulary (as `publish`
    runs it), which the other scans here leave out: a 228-letter word in capitals before « / » kept
    a publication's PDF check busy for minutes (its pattern backtracked exponentially)."""
    text = ("MOTSANSAUCUNEESPACE" * (letters // 19 + 1))[:letters] + tail + " NGOZI VASSEUR"
    assert elapsed(lambda t: leakscan.scan_text(t, vocabulary=frozenset({"le", "motsansaucuneespace"})), text) < LIMIT
