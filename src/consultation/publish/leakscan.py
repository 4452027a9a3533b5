"""Independent check of what was published: personal data left in the written files.

`redact.Redactor` strips the testimonies before they are rendered; this module reads the files
afterwards (HTML, Markdown, DOCX, SVG, PDF when there is one), as a reader would see them, and
looks for personal data with detectors of its own: no pattern, function or list of `redact` is
used here, so that a bug in the redactor (a pattern that misses, a placeholder step skipped, a
renderer that prints the raw text) is caught rather than repeated. It works on whole digit runs
checked with `phonenumbers` and `python-stdnum`, on de-obfuscated text for e-mails, and on simple
rules for the rest; it knows the responding structures' names (folded) and the civilities.

`check_publication` raises `PersonalDataLeakError` (a French message naming each file, the kind
of item and where it is, never the item itself) and removes the files that leak, and the index
that presents them, so that nothing is left looking publishable.
"""

from __future__ import annotations

import bisect
import functools
import html
import itertools
import re
import shutil
import subprocess
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from consultation.errors import PersonalDataLeakError
from consultation.fmt import count
from consultation.text import fold, french_stop_words

if TYPE_CHECKING:
    from consultation.publish.redact import Redactor

# Between two blocks of a published file (paragraphs, list items, table cells, pages): a blank line.
BLOCK = "\n\n"

# The kinds, as a French reader names them.
KINDS = {
    "email": "adresse électronique",
    "phone": "numéro de téléphone",
    "nir": "numéro de sécurité sociale",
    "iban": "IBAN",
    "siret": "numéro SIRET/SIREN/FINESS",
    "number": "identifiant numérique",
    "handle": "pseudonyme de réseau social",
    "url": "lien",
    "plate": "plaque d'immatriculation",
    "birth": "date de naissance",
    "address": "adresse postale",
    "name": "nom de personne",
    "structure": "nom de structure répondante",
}


@dataclass(frozen=True)
class Finding:
    file: Path
    kind: str
    line: int
    masked: str

    def __str__(self) -> str:
        return f"{self.file.name}, ligne {self.line} : {KINDS[self.kind]} ({self.masked})"


# --- reading what a reader sees --------------------------------------------------------------------


class _Text(HTMLParser):
    """Text nodes and the attributes a reader can see or follow; nothing of <style>/<script>."""

    _BLOCKS = frozenset(["p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "br", "section", "article", "table", "caption", "figcaption", "blockquote", "title", "text", "tspan", "desc"])

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "br":
            self.parts.append("\n")  # a line break inside one paragraph
        elif tag in self._BLOCKS:
            self.parts.append(BLOCK)
        for name, value in attrs:
            if (value and name in ("alt", "title", "aria-label")) or (
                    value and name == "href" and re.match(r"(?i)(mailto:|tel:|https?:|www\.)", value)):
                self.parts.append(f"{BLOCK}{value}{BLOCK}")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip = max(0, self._skip - 1)
        if tag in self._BLOCKS and tag != "br":
            self.parts.append(BLOCK)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        self.parts.append(f"{BLOCK}{data}{BLOCK}")


def _markup_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def _docx_text(path: Path) -> str:
    """Every run of text of the document, its headers, footers, notes and properties."""
    with zipfile.ZipFile(path) as docx:
        parts = [n for n in docx.namelist() if n.endswith(".xml") and n.startswith(("word/", "docProps/"))]
        xml = "\n".join(docx.read(n).decode("utf-8", "replace") for n in parts)
    xml = re.sub(r"<w:br\s*/>|<w:cr\s*/>", "<w:t>\n</w:t>", xml)  # a line break inside one paragraph
    xml = re.sub(r"<w:tab\s*/>", "<w:t>\t</w:t>", xml)
    paragraphs = re.split(r"</w:p>|</w:tc>", xml)
    run = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>|<w:instrText[^>]*>([^<]*)<")
    text = BLOCK.join("".join(a or b for a, b in run.findall(p)) for p in paragraphs)
    meta = "\n".join(re.findall(r"<(?:dc:\w+|cp:\w+)[^>]*>([^<]+)<", xml))
    return html.unescape(f"{text}\n{meta}")


def _pdf_text(path: Path) -> str:
    try:
        from pypdf import PdfReader
    except ImportError:
        pass
    else:
        # Layout mode: a vertical gap (between paragraphs, list items, table rows) is a blank line,
        # a line wrapped inside a paragraph a single line break, as a reader sees them.
        return BLOCK.join(reading_order(page.extract_text(extraction_mode="layout") or "")
                          for page in PdfReader(str(path)).pages)
    if shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=False)
        if done.returncode == 0:
            return BLOCK.join(reading_order(page) for page in done.stdout.decode("utf-8", "replace").split("\f"))
    raise PersonalDataLeakError(
        f"{path.name} : ce PDF ne peut pas être relu pour y chercher des données personnelles "
        "(ni pypdf ni pdftotext ne sont installés) ; il n'est pas publiable en l'état."
    )


_SEGMENT = re.compile(r"\S+(?: {1,3}\S+)*")  # a column's text on one layout line: gaps of 4 spaces or more part columns


def reading_order(page: str) -> str:
    """A page's layout text with each table's columns read one after the other, as a reader reads
    them. Layout text puts a table's cells side by side on each line: a civility ending a line of
    the right column (« … Il déchets Monsieur ») was followed by the next line's left column
    (« France 20 % · La Réunion 18 % »), taken for a name, and the publication stopped (the 1M
    benchmark, 2026-12-07); and a name on the next line of its column was never read after its
    civility. In a block of lines (between blank lines) where text stands in columns (segments
    after a run of 4 spaces or more, at starts that come back on several lines), each column's
    lines are given in order, the columns apart (`BLOCK`); other blocks are left as they are."""
    out: list[str] = []
    for block in re.split(r"\n[ \t]*\n", page):
        lines = block.split("\n")
        segments = [[(m.start(), m.group()) for m in _SEGMENT.finditer(line)] for line in lines]
        starts = Counter(start for row in segments for start, _ in row if start >= 4)
        bounds: list[int] = []
        for start, n in sorted(starts.items()):
            if n >= 2 and not (bounds and start - bounds[-1] <= 3):
                bounds.append(start)
        if not bounds or not any(len(row) > 1 for row in segments):
            out.append(block)
            continue
        columns: list[list[str]] = [[] for _ in range(len(bounds) + 1)]
        for row in segments:
            cells: list[list[str]] = [[] for _ in columns]
            for start, text in row:
                cells[sum(b - 3 <= start for b in bounds)].append(text)
            for column, cell in zip(columns, cells, strict=True):
                if cell:
                    column.append("   ".join(cell))
        out.append(BLOCK.join("\n".join(column) for column in columns if column))
    return BLOCK.join(out)


_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*+)[^)]*+\)")


def _markdown_links(text: str) -> str:
    """`_MARKDOWN_LINK.sub(r"\\1 \\2", text)` (a link read as its text and its target), in linear
    time: every « [ » before the same « ] » succeeds or fails alike, so only the first is tried (a
    search tried them all, each to the end of a long run of « [ »: quadratic, worse with « [a]( »)."""
    out: list[str] = []
    pos = done = 0
    while (start := text.find("[", pos)) >= 0:
        close = text.find("]", start)
        if close < 0:
            break
        if start > done and text[start - 1] == "!":
            start -= 1
        m = _MARKDOWN_LINK.match(text, start)
        if m is None:
            if text.startswith("](", close):
                break  # no « ) » after it: nor after any later link
            pos = close + 1
            continue
        out += [text[done:m.start()], m.group(1), " ", m.group(2)]
        pos = done = m.end()
    out.append(text[done:])
    return "".join(out)


def published_text(path: Path) -> str:
    """What a reader of `path` sees (and can follow), as plain text."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".svg"):
        raw = path.read_text(encoding="utf-8", errors="replace")
        raw = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+", "", raw)
        return _markup_text(raw)
    if suffix == ".md":
        text = path.read_text(encoding="utf-8", errors="replace")
        text = re.sub(r"</?[A-Za-z][^<>]*>", BLOCK, text)  # real tags only: an escaped « < 3 » is text
        text = re.sub(r"\\(.)", r"\1", text, flags=re.S)  # Markdown escapes; « \ » at a line end is a hard break
        return html.unescape(_markdown_links(text))
    if suffix == ".docx":
        return _docx_text(path)
    if suffix == ".pdf":
        return _pdf_text(path)
    if suffix in (".txt", ".csv", ".json"):
        return path.read_text(encoding="utf-8", errors="replace")
    return ""


# --- detectors (independent of redact.py) ------------------------------------------------------------

# Patterns that may start inside a long run (of spaces, of word characters, of dotted labels) and
# scan it to its end take time quadratic in the run: they start at its first character only
# (`(?<!\s)\s+`: a match resumes after a run, never inside one; `_around_at`), or their repetitions are bounded by real limits (`_URLS`).
_OBFUSCATED_AT = re.compile(
    r"(?:(?<!\s)\s+)?[\[({<]\s*(?:at|arobase|arrobase|arobas|chez|@)\s*[\])}>]\s*"
    # « at » between spaces is an English word too (« travail at home », « look at this »): read as
    # « @ » only when a domain and its top-level domain follow (« jean at orange point fr »).
    # (2026-12-06: a dot with a space after it only when one is before it too: « Netflix at icloud.
    # Merci » is two sentences.)
    r"|(?<!\s)\s+at\s+(?=[^\W_](?:[^\W_]|-){0,62}(?:\.(?!\s)|\s\.\s|(?:\s?[-_]\s?|\s+)(?:point|dot|pt)(?:\s?[-_]\s?|\s+))"
    r"[^\W\d_]{2,6}(?![^\W_]))"
    r"|(?<!\s)\s+(?:arobase|arrobase|arobas)\s+(?=\w)",
    re.I,
)
_OBFUSCATED_DOT = re.compile(
    r"(?:(?<!\s)\s+)?[\[({<]\s*(?:dot|point)\s*[\])}>]\s*|(?<!\s)\s+(?:dot|point)\s+(?=[a-z]{2,6}\b)", re.I)
# The bracketed dots alone: links are read with them, not with a dot said between spaces (« inscription
# à caf point fr » names a public site, which the redactor leaves; an address's dots are read above).
_BRACKETED_DOT_WORD = re.compile(r"(?:(?<!\s)\s+)?[\[({<]\s*(?:dot|point)\s*[\])}>]\s*", re.I)
# « jean-marc-at-gmail-point-com », « dupont_at_free_point_fr »: an at or a dot spelt between hyphens
# or underscores, read as « @ » and « . » when a domain and a top-level domain follow (bounded
# look-ahead: linear on « a-at-a-at-… »; « stay-at-home » is no address).
_SPELT_TLD = r"(?:fr|com|net|org|eu|info|io|be|ch)(?![^\W_])"
_SPELT_DOT_BETWEEN = r"(?:(?:\s?[-_]\s?|\s)(?:point|dot|pt)(?:\s?[-_]\s?|\s)|\s?\.\s?)"
_HYPHENATED_AT = re.compile(
    r"(?i)(?<=[^\W_])(?:\s?[-_]\s?(?:at|arobase|arrobase|arobas)(?:\s?[-_]\s?|\s)|\s(?:at|arobase|arrobase|arobas)\s?[-_]\s?)"
    rf"(?=[^\W_]{{1,63}}(?:-[^\W_]{{1,63}}){{0,3}}(?:{_SPELT_DOT_BETWEEN}[^\W_]{{1,63}}){{0,2}}{_SPELT_DOT_BETWEEN}{_SPELT_TLD})"
)
_HYPHENATED_DOT = re.compile(rf"(?i)(?<=[^\W_])\s?[-_]\s?(?:point|dot|pt)\s?[-_]\s?(?={_SPELT_TLD})")
_AROUND_AT = re.compile(r"([\w.+-]*)\s?@\s?([\w-]*(?:\.[\w-]+)*)")
_AROUND_AT_FROM_RUN = re.compile(r"((?<![\w.+-])[\w.+-]*+|)\s?@\s?([\w-]*(?:\.[\w-]+)*)")
# A domain: labels of 63 characters at most, ten of them at most before the TLD (a longer run is
# found by its end).
_DOMAIN = r"\b[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,9}"
_URLS = re.compile(
    r"(?i:https?://|hxxps?://|www\d?\.)\S+"
    rf"|(?i:{_DOMAIN}\.(?:fr|com|org|net|eu|info|io|ly|co|gl|gd|me|be|ch|bzh|re|"
    r"gouv|paris|tv|app|xyz|site|link|page|ee|cc)/\S*)"
    rf"|(?i:{_DOMAIN}\.(?:fr|com|org|net|eu|info|io|bzh|gouv|paris)\b)"
)
_DIGIT_RUN = re.compile(r"(?:\+|\b00)?\s?\d(?:[ .\-/\u00a0\u202f\u2009\u2013]?\d)*")
_CORSICAN_NIR = re.compile(r"\b[12][ .-]?\d{2}[ .-]?\d{2}[ .-]?2[AB][ .-]?\d{3}[ .-]?\d{3}(?:[ .-]?\d{2})?\b", re.I)
# A NIR written as a list (« 2, 57, 03, 75, 123, 456, 78 », « 1;85;… », « 2 | 57 | … »): its groups
# with a comma, semicolon or bar (or spaces) between them; a finding when its key is right.
_LIST_GAP = r"(?:[ \t]{0,3}[,;|][ \t]{0,3}(?:\n[ \t]{0,3})?|[ \t]{1,3})"
_LISTED_NIR = re.compile(
    rf"(?<![\w])[12378]{_LIST_GAP}\d{{2}}{_LIST_GAP}\d{{2}}{_LIST_GAP}(?:\d{{2}}|2[AB]){_LIST_GAP}\d{{3}}"
    rf"{_LIST_GAP}\d{{3}}{_LIST_GAP}\d{{2}}(?![\w])",
    re.I,
)
# A handle after a network's name, with no « @ », when it looks like one: a digit after its letters,
# a dot or « _ » inside (« insta jdupont34 », « mon facebook c'est jean.dupont », « snap karim_34 »).
_NETWORK_HANDLE = re.compile(
    r"(?i)\b(?:facebook|fb|insta(?:gram)?|twitter|snap(?:chat)?|tiktok|linkedin|skype|discord|telegram|twitch|"
    r"mastodon)\b(?:[ \t]+(?:c['’][ \t]?est|est|sous[ \t]+le[ \t]+(?:nom|pseudo)(?:[ \t]+de)?))?"
    r"[ \t]*(?:[:=(-]|->|→)?[ \t]*"
    r"(?P<h>[a-z][a-z0-9]*(?:[._][a-z0-9]+)+|[a-z]+[0-9][a-z0-9]*)(?![\w.-])"
)
# 2026-12-06 (tests/test_redact_unseen.py). Characters that print nothing (zero-width spaces and
# joiners, soft hyphen, word joiner, byte-order mark, bidirectional marks): the scanner reads the
# text as it is seen, without them (« Mme Du\u200bpont » is « Mme Dupont »).
_NOT_PRINTED = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
# A French number with letters for digits (« O6 l2 34 5O 78 »: O or o for 0, l, I or L for 1), read
# with the letters as digits when six real digits at least are in it.
_LETTERED_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?33\s?|[0Oo])[1-9lIL](?:[ .\-/]{0,3}[0-9OolIL]{2}){4}(?![\w])")
_AS_DIGITS = str.maketrans("OoIlL", "00111")
# « jean.dupont(a)orange.fr », « [à] »: the letter a in brackets for « @ », before a domain; « à »
# between spaces after a local part with a separator inside, before a domain and its TLD.
# (2026-12-06: a hyphen alone is no separator there, « Connectez-vous à doctolib.fr »; `_LOOSE_LOCAL`
# reads « jean-dupont à orange.fr ».)
_BRACKETED_A = re.compile(r"(?<=[\w])\s?[\[({<]\s?[aà]\s?[\])}>]\s?(?=[a-z0-9-]+(?:\.|\s?[\[(]\.[\])]))", re.I)
_SPACED_A = re.compile(
    r"(?<![\w.+-])(?=[\w.+-]*[\w][._+-][\w])(?=[\w+-]*[._+\d])([\w.+-]++)\s+[aà]\s+"
    r"(?=[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:fr|com|net|org|eu|info|io|be|ch)(?![\w.]))", re.I)
# « jean.dupont at gmail », « jean.dupont sur gmail point com », « j_dupont chez orange »: a local
# part with a dot, « _ » or a digit (not « stay-at-home »), then « at », « sur » or « chez » and a
# mail provider's name.
_AT_PROVIDER = re.compile(
    r"(?<![\w.+-])(?=(?:[^\W\d_]|[+-])*+(?:\.\w|_|\d))([\w.+-]++)\s+(?:at|sur|chez)\s+"
    r"(?=(?:gmail|googlemail|hotmail|yahoo|outlook|orange|wanadoo|free|laposte|sfr|icloud|live|msn|protonmail|"
    r"proton|aol|neuf|bbox|numericable|gmx|yopmail)(?![\w-]))", re.I)
_BRACKETED_DOT = re.compile(r"\s?[\[(]\.[\])]\s?")
# The number of an identity document or of a file at an agency, after its name: 7 to 12 letters
# and digits, two digits at least; a passport's own shape (« 18AV12345 ») anywhere.
_DOCUMENT = re.compile(
    r"(?i:\b(?:passeports?|cni|carte\s+(?:nationale\s+)?d['’ ]\s?identit[ée]|titres?\s+de\s+s[ée]jour|permis|"
    r"allocataire|caf|p[ôo]le[\s-]emploi|france[\s-]travail|identifiant|dossier)\b)[^\n.;!?]{0,40}?"
    r"(?<![\w])(?P<n>(?i:(?=[a-z]*\d[a-z]*\d)[a-z0-9]{7,12}))(?![\w])"
)
_PASSPORT_SHAPE = re.compile(r"(?<![\w])\d{2}[A-Z]{2}\d{5}(?![\w])")
_COUNTED_AFTER = re.compile(
    r"\s?(?i:inscrits|allocataires|b[ée]n[ée]ficiaires|ch[ôo]meurs|demandeurs|foyers|familles|dossiers|m[ée]nages|"
    r"emplois|agents|salari[ée]s|comptes)(?![\w])")
_IBAN_LIKE = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){10,30}\b")
# 2026-12-06 (tests/test_redact_unseen_rib.py). Bank details as a RIB: its labels blanked first
# (same length: offsets stay), then five digits, five, eleven letters and digits (six digits at
# least), two, with at most six marks between groups; any key, a mistyped one too.
_BANK_LABELS = re.compile(
    r"(?i)\b(?:code\s+|n°\s*|no\s+|num[ée]ro\s+)?(?:de\s+)?(?:banque|bq|[ée]tablissement|guichet|compte|cl[ée]f?)\b"
    r"(?:\s+(?:n°|r\.?i\.?b\.?))?")
_RIB_MARKS = r"[\s.\-/|,;:\u2013]{1,24}"
_RIB_SHAPE = re.compile(
    rf"(?:(?<![\w])\d{{5}}{_RIB_MARKS}\d{{5}}|\[(?:numéro|adresse|compte)\](?:{_RIB_MARKS}\d{{5}})?)"  # or what was left
    rf"{_RIB_MARKS}(?P<a>[A-Za-z0-9]{{11}})(?:{_RIB_MARKS}\d{{2}})?(?![\w])")
# An IBAN's country and check digits, apart or in lower case (« FR 76 », « fr76 »): what follows is
# read char by char (`_spread_iban`).
_IBAN_HEAD = re.compile(r"(?i)(?<![^\W_])[a-z]{2}[ \t.\-]{0,3}\d{2}(?![^\W_])|(?<![^\W_])[a-z]{2}[ \t.\-]{0,3}\d{2}(?=\d)")
# A building, staircase, floor, flat or door next to a street address (or what the redactor left
# of one, « [adresse] ») or a named residence: the household in the building.
_DWELLING_WORD = r"(?i:\b(?:b[aâ]t(?:iment)?|bt|esc(?:alier)?|app(?:ar)?t(?:ement)?|apt|app|logement|porte|chambre)\.?\s{0,2}(?:n°\s?)?)"
_DWELLING_BIT = re.compile(
    rf"(?:\bn°\s?)?{_DWELLING_WORD}(?:(?:(?-i:[A-Z]{{1,2}})|\d{{1,4}}[A-Za-z]?)\b|(?=\[adresse\]))"
    r"|(?i:\b\d{1,2}\s?(?:er|[eè]re|[eè]me|e|è|°)\s{1,2}[ée]tage\b|\b[ée]tage\s{1,2}\d{1,2}\b|\brdc\b)")
# What the redactor left of an address (its number may have taken a flat's: « [adresse] 5 »), or a
# named residence (« Résidence Le Clos Fleuri »).
_HOME_ANCHOR = re.compile(
    r"\[adresse\](?:[.\s]{1,2}(?:n°\s?)?[A-Z0-9]{1,4}[A-Za-z]?\b)?"
    r"|(?i:\b(?:r[ée]sidence|cit[ée]|immeuble|ehpad|foyer|maison\s+de\s+retraite)\s+(?:(?:les?|la|du|des|de)\s+)?)(?-i:[A-Z][\w'’-]*"
    r"(?:[ \t]+(?:(?:de|du|des|la|le|les)[ \t]+)?[A-Z][\w'’-]*){0,3})")
_AFTER_PLACEHOLDER = re.compile(r"[ \t.\-]{0,3}\[(?:numéro|compte)\][ \t.\-]{0,3}")
_ONLY_MARKS = re.compile(r"[\s,;:/\-\u2013]{0,8}")
_MARKS_BEFORE = re.compile(r"[\s,;:/\-\u2013]*")  # read on the reversed text before a chain
_STREET_LINE = re.compile(r"[^,\n.;()]{0,60}(?:,\s{0,2}\d{5}[^,\n.;()]{0,40})?")
_PLATES = re.compile(r"\b[A-Z]{2}[- ]\d{3}[- ][A-Z]{2}\b|\b[A-Z]{2}\d{3}[A-Z]{2}\b|\b\d{2,4} ?[A-Z]{2,3} ?\d{2}\b")
# 2026-12-06: a dot, « _ » or « / » between the groups, spaces around them or two spaces, in any
# case (« AB.123.CD », « ab_123_cd »); in lower case with spaces or nothing only after a cue.
_MARKED_PLATES = re.compile(
    r"(?<![\w-])(?i:[a-z]{2}(?: {0,2}[._/] {0,2}| {2})\d{3}(?: {0,2}[-._/] {0,2}| {2})[a-z]{2}"
    r"|[a-z]{2} {0,2}[-._/] {0,2}\d{3} {0,2}[._/] {0,2}[a-z]{2})(?![\w-])")
_CUED_PLATES = re.compile(
    r"(?i:\b(?:plaques?|immatricul\w*|v[ée]hicule|voiture)\b)[^\n.;!?]{0,30}?(?<![\w-])"
    r"(?P<p>(?i:[a-z]{2} {0,2}\d{3} {0,2}[a-z]{2}))(?![\w-])")
# Letters in lower case around three digits after a plate's cue that are no plate: a unit after
# the number (« voiture de 123 km »), or a word on both sides (« plaque le 123 et »); one word alone
# is a plate's letters (2026-12-06: « plaque de 123 zx »).
_WORDS_AROUND_A_NUMBER = re.compile(
    r"(?i)[a-z]{2} *\d{3} +(?:km|kg|cm|mm|ml|ha|mn|cv|kw|mg|gr|kl|pc|pm|am|ch|cc)"
    r"|(?:de|le|la|en|et|ce|ma|sa|ta|me|te|se|ne|je|va) +\d{3} +(?:de|le|la|en|et|ce|ma|sa|ta|me|te|se|ne|je|va)")
_BIRTHS = re.compile(
    r"(?i:\bn[ée]e?\b|\bnaissance\b|\bddn\b)\W{0,3}(?i:le\s+|en\s+|:\s*|est\s+le\s+)?"  # « NÉE LE » too
    r"(?:\d{1,2}(?:er)?[\s/.\-]+(?:\d{1,2}|[a-zéû]{3,9}\.?)[\s/.\-]+\d{2,4}"
    r"|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)?\d{2}\b|\d{4}\b)"  # « DDN 12031978 » too
)
# 2026-12-06 (tests/test_redact_unseen_more.py), the scanner's own rules for the families the redactor
# then learnt. A date of birth with its day or year in words (« né le douze mars 1978 », « née le 3
# mars mille neuf cent soixante-dix-huit »).
_SAID = (
    r"(?:z[ée]ro|une?|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|"
    r"vingts?|trente|quarante|cinquante|soixante|septante|octante|huitante|nonante|mille|mil|cents?|premier|1er)"
)
_SAID_RUN = rf"{_SAID}(?![\w])(?:[\s-]{{1,2}}(?:et[\s-]{{1,2}})?{_SAID}(?![\w])){{0,7}}"
_SAID_BIRTHS = re.compile(
    r"(?i:\bn[ée]e?s?\b|\bnaissance\b|\bddn\b)\W{0,3}(?i:le\s+|:\s*|est\s+le\s+)?"
    rf"(?i:(?:\d{{1,2}}|{_SAID_RUN})\s+(?:janv\w*|f[ée]v\w*|mars|avr\w*|mai|juin|juil\w*|ao[ûu]t|sept\w*|oct\w*|nov\w*|d[ée]c\w*)"
    rf"\.?\s+(?:\d{{2,4}}|{_SAID_RUN}))(?![\w/])"
)
# An identity card's number alone: nine letters and digits in one case, two digits and two letters
# at least, passing from letters to digits or back twice at least (« X4RTBPFW4 »; not « COVID2019 »).
_NINE = re.compile(r"(?<![\w-])(?:[A-Z0-9]{9}|[a-z0-9]{9})(?![\w-])")
_SHIFT = re.compile(r"(?<=[A-Za-z])\d|(?<=\d)[A-Za-z]")


def _card_like(code: str, vocabulary: frozenset[str]) -> bool:
    """Two digits to seven, two shifts, its runs of letters not all words (« 16et25ans »)."""
    digits = sum(c.isdigit() for c in code)
    return 2 <= digits <= 7 and len(_SHIFT.findall(code)) >= 2 and not all(
        len(run) > 1 and _known(run, vocabulary) for run in re.findall(r"[a-z]+", fold(code)))


# The number of a file, a patient, an employee, a member, a client after its cue: four digits at
# least (not a year alone, nor an amount or a count after it).
# 2026-12-06 (tests/test_redact_unseen_geo.py): after a badge, a carte Vitale, a tenant, a resident, a
# member of a mutual, an insurance policy, a tax number (« SPI »); a letter after the digits, groups
# of two to four digits.
_CASE_NUMBERS = re.compile(
    r"(?i:\bmatricule|(?:\bn°|\bno\.?|\bnum[ée]ro)\s?(?:de\s+|d['’]\s?)?(?:dossier|patient|adh[ée]rent|client|contrat|"
    r"sinistre|s[ée]jour|usager|b[ée]n[ée]ficiaire|r[ée]f[ée]rence|badge|locataire|r[ée]sident|soci[ée]taire|mutuelle|"
    r"police(?:\s+d['’]\s?assurance)?|carte\s+vitale|fiscal|spi|assur[ée])|\bdossier\s+n°|\br[ée]f[ée]rence\s+(?:du\s+)?dossier"
    r"|\bbadge|\bcarte\s+vitale|\bspi|\bpolice\s+d['’]\s?assurance|\bcontrat)"
    r"(?:\s+(?:mutuelle|caf|cpam|msa))?(?:\s?n°)?(?![\w])[ \t]*:?[ \t]*"
    r"(?P<n>(?i:(?:[a-z]{1,3}[-/.]?)?\d+[a-z]?(?:[-/.][a-z0-9]+|[ ]\d{3}(?!\d)|[ ]\d{1,4}[a-z](?![\w])){0,4}))(?![\w/-])"
)
# A door code or a password after its cue (a security leak whoever it names): three digits at least
# for a door; for a password or a login after « : », « = » or « est », anything but a word of the
# language (read with the vocabulary: without it, only a value with a digit or a mark).
_DOOR_CODES = re.compile(
    r"(?i)\b(?:digicode|code\s+(?:de\s+la\s+|du\s+|de\s+l['’]\s?|d['’]\s?)?(?:porte|portail|acc[èe]s|entr[ée]e|immeuble|"
    r"interphone|b[âa]timent|alarme|cadenas|garage))\b[ \t]*(?:[:=]|(?:est|c['’]est)(?:[ \t]+le)?)?[ \t]*"
    r"(?P<v>(?=(?:[a-z#*]*\d){3})[a-z0-9#*]{3,10})(?![\w])"
)
_PASSWORDS = re.compile(
    r"(?i)\b(?:mots?\s+de\s+passe|mdp|password|passwd|identifiants?(?:\s+de\s+connexion)?|login|code\s+pin)"
    r"[ \t]*(?:[:=]|(?:est|c['’]est)\b)[ \t]*(?P<v>[^\s«»\"\[]{4,64})"
)
# A position: degrees and minutes with seconds or a hemisphere; a pair of decimal degrees (one of
# them 10 or more) with two decimals after « lat », in a map link, with N/E or in brackets, three
# after a cue, four with none; a what3words address.
_DMS_SHAPE = re.compile(
    r"(?<![\w])(?:[NSEOW]\s?)?\d{1,3}°\s?\d{1,2}(?:[.,]\d{1,4})?[′'’]"
    r"(?:(?:\s?\d{1,2}(?:[.,]\d{1,3})?(?:″|′′|\"|”|''|’’))(?:\s?[NSEOW]\b)?|\s?[NSEOW]\b)"
    r"|(?<![\w])[NSEOW]\s?\d{1,3}°\s?\d{1,2}(?:[.,]\d{1,4})?[′'’]"
)
_DEGREES = r"(?:[NSEOW]\s?)?[+-]?\d{1,3}[.,]\d{2,8}(?:\s?°)?(?:\s?[NSEOW]\b)?"
_DEGREE_PAIRS = re.compile(
    rf"(?<![\w.,+-])(?P<head>(?i:geo:|@|[?&]q=|#map=\d{{1,2}}/|lat(?:itude)?\.?\s*[:=]?\s*)|\[)?(?P<pair>{_DEGREES}"
    rf"(?:\s{{0,2}}[,;/|]\s{{0,2}}|\s{{1,2}}|\s*-\s+)(?i:(?:lon|lng|long)(?:gitude)?\.?\s*[:=]?\s*)?{_DEGREES})(?P<tail>\]|(?i:,\d{{1,2}}(?:\.\d+)?z|\?z=\d{{1,2}}))?"
    rf"(?![\w,.]?\d)"
)
_PLACE_CUE = re.compile(
    r"(?i)(?:gps|coordonn[ée]es|position|localisation|lat(?:itude)?|long(?:itude)?|habite|domicile|maison|adresse|"
    r"chez\s+moi|ici)\W{0,6}$")
# Half a pair beside what a redactor put in place of the other half (« geo:45.7297,0.[adresse] »,
# « [téléphone], -0.611 »): three decimals at least, or two and a hemisphere.
_HALF_POSITION = re.compile(
    r"(?<![\w.,])[+-]?\d{1,3}[.,](?:\d{3,8}|\d{2}\s?[NSEOW])\s{0,2}[,;/]\s{0,2}[+-]?(?:\d{1,3}[.,]?)?"
    r"\[(?:adresse|téléphone|courriel|nom|numéro)\]"
    r"|\[(?:adresse|téléphone|courriel|nom|numéro)\]\s{0,2}[,;/]\s{0,2}[+-]?\d{1,3}[.,]\d{3,8}(?:,\d{1,2}z)?(?![\w.,]?\d)")
_W3W = re.compile(r"(?i)(?:///|\b(?:what3words|w3w)\s*:?\s*(?:///)?)[^\W\d_]+\.[^\W\d_]+\.[^\W\d_]+\b")


def _positions(text: str) -> list[tuple[int, str]]:
    found = [(m.start(), m.group()) for m in _DMS_SHAPE.finditer(text)] if "°" in text else []
    found += [(m.start(), m.group()) for m in _W3W.finditer(text)]
    if "[" in text:
        found += [(m.start(), m.group()) for m in _HALF_POSITION.finditer(text)]
    for m in _DEGREE_PAIRS.finditer(text):
        numbers = re.findall(r"\d{1,3}[.,](\d+)", m.group("pair"))
        values = [abs(float(v.replace(",", "."))) for v in re.findall(r"\d{1,3}[.,]\d+", m.group("pair"))]
        if (len(values) != 2 or max(values) > 180 or min(values) > 90 or max(values) < 10
                or _UNIT_AFTER.match(text, m.end()) or re.match(r"\s?%", text[m.end():m.end() + 2])):
            continue
        letters = len(re.findall(r"[NSEOW]", m.group("pair"))) >= 2
        strong = (m.group("head") or "[") != "[" or letters or (m.group("head") == "[" and m.group("tail") == "]")
        needed = 2 if strong else 3 if _PLACE_CUE.search(text[max(0, m.start() - 40):m.start()]) else 4
        if min(map(len, numbers)) >= needed:
            found.append((m.start(), m.group()))
    return found


def _secrets(text: str, vocabulary: frozenset[str]) -> list[tuple[int, str]]:
    found = [(m.start("v"), m.group("v")) for m in _DOOR_CODES.finditer(text) if not _UNIT_AFTER.match(text, m.end())]
    for m in _PASSWORDS.finditer(text):
        value = re.sub(r"[.,;:)\]»]+$", "", m.group("v"))
        word = re.fullmatch(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", value)
        if len(value) >= 4 and not (word and (not vocabulary or all(
                fold(p) in vocabulary for p in re.split(r"[-'’]", value.lower())))):
            found.append((m.start("v"), value))
    return found
_YEAR_SPAN = re.compile(r"(?:19|20)\d{2}(?:[-/](?:19|20)?\d{2})?")
# An e-mail whose local part has no separator, before « à » and a domain or « sur », « chez », « at »
# and a mail provider; the domain may be the redactor's « [lien] » (what is left when it took the
# domain for a link and missed the rest). Read with the common words of the publication: a local
# part that is one is an ordinary word (« allé à ameli.fr »).
_MAIL_PROVIDERS = (r"gmail|googlemail|hotmail|yahoo|outlook|orange|wanadoo|free|laposte|sfr|icloud|live|msn|proton(?:mail)?|"
                   r"aol|neuf|bbox|numericable|gmx|yopmail")
_LOOSE_LOCAL = re.compile(
    r"(?i)(?<![\w.+@-])(?P<l>[^\W_]{3,40}|[^\W\d_]{2,20}(?:-[^\W\d_]{2,20}){1,2})"
    r"(?:\s+[aà]\s+(?:\[lien\]|[^\W_][\w-]{0,62}(?:(?:\.|\s\.\s|\s+(?:point|dot)\s+)[^\W_][\w-]{0,62}){0,3}?"
    r"(?:\.|\s\.\s|\s+(?:point|dot)\s+)(?:fr|com|net|org|eu|info|io|be|ch)(?![\w-]))"
    rf"|\s+(?:sur|chez|at)\s+(?:\[lien\]|(?:{_MAIL_PROVIDERS})(?![\w-])))"
)
# « @ » URL-encoded or an HTML entity; what is left of it before the redactor's « [lien] ».
_ENCODED_AT_SIGN = re.compile(r"(?i)%(?:25)?40|&#0*64;|&#x0*40;|&commat;")
_AT_BEFORE_LINK = re.compile(r"(?i)(?<![\w.+-])[\w.+-]*[^\W_](?:%(?:25)?(?:40)?|&#0*64;|&#x0*40;|&commat;|@)\s?\[lien\]")
# In capitals, a surname of the Faker lists beside a word that no common word list holds
# (« NGOZI VASSEUR », « VASSEUR NGOZI »): with the publication's common words only.
# Both unknown, in a line written in capitals (« ADJOA BENSAÏD »).
_CAPS_WORD = r"[A-ZÀ-Ý]{2,}(?:['’-][A-ZÀ-Ý]+)*"  # the separator between a word's parts is required: optional, a long word in capitals backtracked exponentially (a 228-letter word took minutes)
_CAPS_PAIR = re.compile(rf"(?<![\w'’-])({_CAPS_WORD})(?=[ \t]{{1,2}}({_CAPS_WORD})(?![\w'’-]))")


@functools.cache
def _faker_people() -> tuple[frozenset[str], frozenset[str]]:
    """(surnames, first names) of Faker's French, Belgian and Swiss lists, folded."""
    import importlib

    surnames: set[str] = set()
    first: set[str] = set()
    for locale in ("fr_FR", "fr_BE", "fr_CH"):
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        surnames.update(_folded_words(n).strip() for n in getattr(provider, "last_names", ()))
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            first.update(w for n in getattr(provider, attribute, ()) for w in _folded_words(n).split())
    return frozenset(surnames), frozenset(first)


def _known(word: str, vocabulary: frozenset[str]) -> bool:
    """`word` (folded) or a form it inflects is in `vocabulary` (« services », « jaunes »,
    « connectez »: the lists hold lemmas and some forms), or it is a function word."""
    stems = {word, word[:-1] if word[-1:] in "sxe" else word, word[:-2] if word.endswith("es") else word}
    if word.endswith(("ez", "ee", "es", "er")):
        stems.add(word[:-2] + "er")
    if word.endswith(("ons", "ees")):
        stems.add(word[:-3] + "er")
    return any(w in vocabulary for w in stems) or word in _not_after_civility()


def _caps_names(text: str, vocabulary: frozenset[str]) -> list[tuple[int, str]]:
    if not vocabulary:
        return []
    surnames = _faker_people()[0]
    skip = _not_after_civility()
    found = []
    capitals = _LinesInCapitals(text)
    for m in _CAPS_PAIR.finditer(text):
        a, b = (_folded_words(w).strip() for w in m.groups())

        def unknown(word: str) -> bool:
            return len(word) >= 4 and " " not in word and re.search("[aeiouy]", word) is not None \
                and not _known(word, vocabulary)

        def surname(word: str) -> bool:
            return word in surnames and word not in skip

        if _ARTICLE_BEFORE.search(text, max(0, m.start() - 12), m.start()):
            continue
        if (surname(a) and unknown(b)) or (unknown(a) and surname(b)) or (
                unknown(a) and unknown(b) and capitals.at(m.start()) and not _SUFFIXED.search(a)
                and not _SUFFIXED.search(b)):
            found.append((m.start(), f"{m.group(1)} {m.group(2)}"))
    return found


# Two words written as a name after thanks, « grâce à », « avec », « remercier », « contacter »…
# (« Merci à Nhung Cissé », « avec Loïs vasseur »): the first capitalised, the second capitalised or
# in lower case.
_THANKED = re.compile(
    r"(?i:(?<![\w'’-])(?:merci(?:[ \t]+beaucoup)?[ \t]+[àa]|gr[âa]ce[ \t]+[àa]|avec|remerci(?:e|er|ons|ez|ent)"
    r"|contact(?:er|ez)?[ \t]*:?|bravo[ \t]+[àa]))[ \t]+"
    r"([A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?)[ \t]{1,2}([A-ZÀ-Ýa-zà-ÿ][a-zà-ÿ]+)(?![\w'’-])")


# Companies and services that follow « avec » in answers (« avec Google Maps », « avec Microsoft
# Teams »): no person, whatever word comes after them.
_SERVICES = frozenset(["google", "microsoft", "facebook", "apple", "amazon", "zoom", "whatsapp", "youtube", "twitter",
                       "instagram", "linkedin", "skype", "doctolib", "leboncoin", "uber", "airbnb", "netflix", "orange",
                       "free", "bouygues", "sfr", "mozilla", "adobe"])


def _thanked_names(text: str, vocabulary: frozenset[str]) -> list[tuple[int, str]]:
    """A name after what introduces a person (`_THANKED`): a first name of the lists or a word no
    list holds, then a surname of the lists, or two words no list holds; in lower case, the surname
    only after a first name of the lists. With the publication's words only."""
    if not vocabulary:
        return []
    surnames, first = _faker_people()
    found = []
    for m in _THANKED.finditer(text):
        a, b = (_folded_words(w).strip() for w in m.groups())
        if len(a) < 3 or len(b) < 3 or " " in a or " " in b or a in _SERVICES:
            continue
        unknown_a, unknown_b = not _known(a, vocabulary), not _known(b, vocabulary)
        # A first name that is a word too (« France Connect », « France connect ») needs a listed surname.
        taken = (unknown_a or a in first) and (b in surnames or (unknown_b and unknown_a))
        if m.group(2)[0].islower():  # in lower case, only after a first name of the lists
            taken = taken and a in first and b not in _not_after_civility()
        if taken:
            found.append((m.start(1), f"{m.group(1)} {m.group(2)}"))
    return found


# Endings of French derived nouns and adjectives: no first name nor surname when both words are
# unknown (« HOMOPHOBIE TRANSPHOBIE »).
_SUFFIXED = re.compile(r"(?:ie|isme|iste|tion|sion|ment|ique|ite|eur|euse|aire|ence|ance|age|able|ible|ive)s?$")
# An article or « de » right before two unknown words in capitals: an institution's acronyms
# (« À LA CARSAT CNAV »), no name.
_ARTICLE_BEFORE = re.compile(
    r"(?i)(?<![\w'’])(?:le|la|les|l['’]|un|une|des|du|de|d['’]|au|aux|ce|cet|cette|ces|son|sa|ses|leurs?|notre|nos|"
    r"votre|vos|mon|ma|mes)[ \t]*$")


class _LinesInCapitals:
    """Whether the line of a text around an offset is written in capitals (nine letters in ten,
    twenty letters at least), each line judged once (a long line has many pairs of words)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.breaks: list[int] | None = None
        self.verdicts: dict[int, bool] = {}

    def at(self, offset: int) -> bool:
        if self.breaks is None:
            self.breaks = [m.start() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_left(self.breaks, offset)
        if line not in self.verdicts:
            start = self.breaks[line - 1] + 1 if line else 0
            end = self.breaks[line] if line < len(self.breaks) else len(self.text)
            letters = [c for c in self.text[start:end] if c.isalpha()]
            self.verdicts[line] = len(letters) >= 20 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)
        return self.verdicts[line]


def _loose_emails(text: str, vocabulary: frozenset[str]) -> list[tuple[int, str]]:
    """`_LOOSE_LOCAL`s whose local part has a digit; or, with the vocabulary, in lower case or in
    capitals (a capitalised word is a word or a brand: « Bienvenue à ameli.fr », « Netflix sur
    orange »), is no known word (four letters at least), or is hyphenated with a first name or
    surname among its parts and no function word (« jean-dupont »; « stay-at-home »,
    « rendez-vous » stay)."""
    found = []
    surnames, first = _faker_people()
    for m in _LOOSE_LOCAL.finditer(text):
        local = m.group("l")
        parts = _folded_words(local).split()
        if any(c.isdigit() for c in local):
            found.append((m.start(), m.group()))
        elif not vocabulary or not (local.islower() or local.isupper()):
            continue
        elif len(parts) > 1:
            if any(p in surnames or p in first for p in parts) and not any(p in _not_after_civility() for p in parts):
                found.append((m.start(), m.group()))
        elif len(parts[0]) >= 4 and not _known(parts[0], vocabulary):
            found.append((m.start(), m.group()))
    return found


# A street: a number, a type, a word. A year after « en », « depuis »… is no number of a house
# (« En 2019 rue et trottoirs refaits »); « et », « ou » or a lower-case plural participle after the
# type make it a noun (« 2 rue barrées »); « place », « route », « cours », « square » are nouns
# unless a capital follows (« 3 place de parking », « 2 cours de français », « 12 place de la Mairie »).
_HOUSE_NUMBER = (
    r"\b(?:(?<!\ben )(?<!\bdepuis )(?<!\bannée )(?<!\bannées )(?<!\bdès )(?<!\bfin )|(?!(?:19|20)\d\d\b))"
    r"\d{1,4}(?:\s?(?:bis|ter))?,?\s+"
)
_NOUN_AFTER_TYPE = r"(?!(?:et|ou)(?![\w'’-])|(?-i:[a-zà-ÿ][a-zà-ÿ'’]*?(?:ées|és|ants|antes))(?![\w'’-]))"
# Counts and units after five digits in capitals: no postal code and town (« 10000 EUROS »).
_COUNT_WORDS = (
    r"(?:EUROS?|EUR|FRANCS?|DOLLARS?|HABITANTS?|FRAN[CÇ]AIS(?:ES)?|PERSONNES|EMPLOIS|SALARI[EÉ]S|B[EÉ]N[EÉ]VOLES|"
    r"FOYERS|M[EÉ]NAGES|FAMILLES|LOGEMENTS|[EÉ]L[EÈ]VES|ENFANTS|JEUNES|PATIENTS|LITS|PLACES|KMS?|TONNES|LITRES|"
    r"HEURES|JOURS|MOIS|SIGNATURES|R[EÉ]PONSES|VISITEURS|PARTICIPANTS|ADH[EÉ]RENTS|MEMBRES|AGENTS|"
    r"FONCTIONNAIRES|M[EÉ]DECINS|COMMUNES|ENTREPRISES|CITOYENS|RETRAIT[EÉ]S|MORTS|VICTIMES|POSTES|USAGERS|"
    r"HECTARES|MASQUES|REPAS)"
)
_STREETS = re.compile(
    rf"(?i:{_HOUSE_NUMBER}(?:rue|r\.|avenue|av\.?|bd|boulevard|chemin|impasse|imp\.|"
    rf"all[ée]e|quai|faubourg|lotissement|hameau|r[ée]sidence)\s+{_NOUN_AFTER_TYPE}[\w'’-]+)"
    rf"|(?i:{_HOUSE_NUMBER}(?:route|place|square|cours)\s+(?:(?:de|du|des|la|le|les|d['’]|l['’])\s?)*)"
    r"(?-i:[A-ZÀ-Ý])[\w'’-]*"
    r"|(?i:\blieu[- ]dit\s+[\w'’-]+)|\b(?:BP|B\.P\.|CS|TSA)\s?\d{2,6}\b"
    r"|\b\d{5}\s+[A-Z][a-zà-ÿ]+(?:[ -][A-Za-zà-ÿ]+)*\s+(?i:cedex)\b"
    rf"|\b(?:0[1-9]|[1-8]\d|9[0-5])\d{{3}}\s+(?!{_COUNT_WORDS}\b)[A-Z][A-Z]{{2,}}\b"
)
# A civility, then the word that follows it in the same paragraph: spaces (a few, as a table's
# columns in a PDF's layout text are far apart) or one line break, never a blank line (`BLOCK`, the
# end of a paragraph, a list item, a table cell: the next one is another text, often another
# respondent's). « Madame » at the end of one initiative and « Pendant le confinement… » opening
# the next are no name.
_CIVILITIES = re.compile(
    r"(?:(?<![\w.-])(?:Madame|Monsieur|Mademoiselle|madame|monsieur|Mme|Mlle|Dr|Docteur|Pr|Professeur)\b\.?"
    r"|(?<![\w.-])M\.)"
    r"(?:[ \t]{1,3}|[ \t]*\n[ \t]*)(?!le\b|la\b|les\b|l['’])"
    r"([A-ZÀ-Ý][a-zà-ÿ'’-]{2,}|[A-ZÀ-Ý]{3,}|[a-zà-ÿ]{3,}(?=[\s,.;)]|$))"
)
# Functions, not names (« Monsieur le Président », « Madame la directrice »).
_TITLES_AFTER_CIVILITY = frozenset(
    ["president", "presidente", "directeur", "directrice", "ministre", "maire", "prefet", "prefete", "depute", "deputee", "senateur", "senatrice", "docteur", "docteure", "professeur", "professeure", "chef", "cheffe", "responsable", "coordinateur", "coordinatrice", "delegue", "deleguee", "secretaire", "adjoint", "adjointe", "conseiller", "conseillere", "juge", "procureur", "abbe", "cure", "inspecteur", "inspectrice", "general", "generale", "colonel", "commissaire", "recteur", "rectrice", "administrateur", "administratrice", "infirmier", "infirmiere", "cadre", "medecin"]
)
# French words of the closed classes that spaCy's list lacks or that must stay whatever it holds.
_MORE_FUNCTION_WORDS = frozenset(
    ["a-t-il", "bien", "fut", "ici", "jamais", "rien", "tout", "tous", "toute", "toutes", "tres", "et", "ou", "pour", "avec", "dans", "est", "sont", "qui", "que", "car", "mais", "aussi", "vous", "nous"]
)


@functools.cache
def _not_after_civility() -> frozenset[str]:
    """Folded words that a civility never introduces as a name: French function words (spaCy's
    French stop-word list, `text.french_stop_words`: spaCy itself is not imported) and functions;
    less every word that is also a French, Belgian or Swiss surname or first name (Faker's lists:
    « Durant »)."""
    import importlib

    people: set[str] = set()
    for locale in ("fr_FR", "fr_BE", "fr_CH"):
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("last_names", "first_names", "first_names_male", "first_names_female"):
            people.update(_folded_words(n).strip() for n in getattr(provider, attribute, ()))
    words = {_folded_words(w).strip() for w in french_stop_words() if len(w) > 2} - people
    return frozenset(words | _MORE_FUNCTION_WORDS | _TITLES_AFTER_CIVILITY)


def civility_names(text: str) -> list[tuple[int, str]]:
    """(offset, word) of each word a civility introduces as a name in `text` (a placeholder such
    as « [nom] » is not one)."""
    skip = _not_after_civility()
    return [(m.start(1), m.group(1)) for m in _CIVILITIES.finditer(text) if _folded_words(m.group(1)).strip() not in skip]


_NOT_WORD = re.compile(r"[^\w]+")
_SAINT_ABBREVIATION = re.compile(r"\bst(e?)\b")


def _folded_words(text: str) -> str:
    """The words of `text` as structure names and civilities are compared: folded (`text.fold`,
    « œ » and « æ » written out), punctuation turned to spaces, « St »/« Ste » read as
    « saint »/« sainte », one space between words and one at each end (« Ste-Anne » ->
    « ␣sainte anne␣ »), so that a name is found only as whole words."""
    words = _SAINT_ABBREVIATION.sub(r"saint\1", _NOT_WORD.sub(" ", fold(text, ligatures=True))).split()
    return f" {' '.join(words)} "


def _around_at(plain: str) -> list[re.Match[str]]:
    """What `_AROUND_AT.finditer` finds, in linear time: a non-empty local part is taken from the
    start of its run of word characters, dots, « + » and « - » only (every start inside the run
    needs the same « @ » at its end, so the first start decides), except where the search resumes
    inside a run after a match."""
    found: list[re.Match[str]] = []
    pos = 0
    while True:
        m = (_AROUND_AT.match(plain, pos) if pos else None) or _AROUND_AT_FROM_RUN.search(plain, pos)
        if m is None:
            return found
        found.append(m)
        pos = m.end()


def _listed_nir(run: str) -> bool:
    from stdnum.fr import nir

    return nir.is_valid(re.sub(r"[\W_]", "", run).upper())


# Thousands grouped by three (« 1 500 000 000 », « 12.000.000 », narrow no-break spaces) and a list
# of years (« 2019 2020 2021 2022 »): amounts, counts and dates, no phone number nor identifier.
_THOUSANDS = re.compile(r"\d{1,3}(?:[ .\u00a0\u202f\u2009]\d{3})+")
_YEARS = re.compile(r"(?:19|20)\d{2}(?:[ .\-/\u00a0\u202f\u2009\u2013]{1,3}(?:19|20)\d{2})+")


# A unit or a count after a number grouped by three makes it an amount, not a SIREN.
_UNIT_AFTER = re.compile(
    r"\s?(?:€|\$|(?i:euros?|eur|francs?|dollars?|d['’]euros|de|des|d['’]|habitants|personnes|tonnes|litres|km|"
    r"hectares|ha|m2|m²)(?![^\W_]))")


# A date and time as tools stamp their files and exports (KoboToolbox's « 2020-06-30-08-12-44 »,
# « 2020-06-30T08:12:44 », « 30/06/2020 08:12 », « 20200630_081244 »): no identifier. Written
# whole only: year, month, day, hour, minutes (seconds optional), each in its range.
_YMD = r"(?:19|20)\d{2}(?P<s1>[-_./]?)(?:0[1-9]|1[0-2])(?P=s1)(?:0[1-9]|[12]\d|3[01])"
_DMY = r"(?:0[1-9]|[12]\d|3[01])(?P<s2>[-_./])(?:0[1-9]|1[0-2])(?P=s2)(?:19|20)\d{2}"
_STAMP = re.compile(
    rf"(?<![^\W_])(?:{_YMD}|{_DMY})(?:[-_ T.]|\s+à\s+)?(?:[01]\d|2[0-3])(?P<s3>[-_:.hH]?)[0-5]\d(?:(?P=s3)[0-5]\d)?(?!\d)")


def _digits(run: str) -> str:
    return re.sub(r"\D", "", run)


def _brackets(run: str) -> bool:
    """« 30000 50000 80000 » (two numbers or more of four digits or more, each ending in « 00 ») or
    « 0/15/30/45/55 » (five or more of one to three digits, multiples of five, rising): a list of
    amounts or rates. Written apart from the redactor's rule, as every rule here."""
    numbers = re.findall(r"\d+", run)
    long = [n for n in numbers if len(n) >= 4]
    if len(long) >= 2 and all(n.endswith("00") for n in long):
        return True
    values = [int(n) for n in numbers]
    return (len(values) >= 5 and all(len(n) <= 3 for n in numbers) and all(v % 5 == 0 for v in values)
            and all(a < b for a, b in itertools.pairwise(values)))


def _digit_kind(run: str) -> str | None:
    """A digit run (separators allowed) that is a phone number, a NIR, a SIRET/SIREN/FINESS."""
    import phonenumbers
    from stdnum import luhn
    from stdnum.fr import nir, siren, siret

    digits = _digits(run)
    if re.fullmatch(r"\s*\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})", run):
        return None  # a date (a date of birth is found by its cue)
    if _STAMP.fullmatch(run.strip()) and not (len(digits) == 14 and siret.is_valid(digits) and not re.search(r"\D", run.strip())):
        return None  # a file's or an export's date and time
    international = run.lstrip().startswith(("+", "00"))
    if len(digits) >= (8 if international else 9):
        for region in ("FR", "BE", "CH"):
            try:
                number = phonenumbers.parse(run.strip(), region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number) or (international and phonenumbers.is_possible_number(number)):
                groups = [g for g in re.split(r"\D+", run.strip().lstrip("+")) if g]
                # An amount or a count grouped by three (« 150 000 000 », « 12.000.000 ») starts
                # with no 0, where a phone number written without « + » or « 00 » does.
                amount = digits[0] != "0" and _THOUSANDS.fullmatch(run.strip())
                if international or (not amount and min(len(g) for g in groups) > 1
                                     and (len(groups) == 1 or max(map(len, groups)) <= 4)):
                    return "phone"
    if _brackets(run) and not nir.is_valid(digits):
        return None  # tax brackets, rates: the redactor leaves them (redact._round_amounts, _scale)
    if len(digits) in (13, 15) and digits[0] in "12378" and (
            nir.is_valid(digits) or len(digits) == 13 or int(digits[3:5]) <= 12):
        return "nir"
    if len(digits) == 14 and siret.is_valid(digits):
        return "siret"
    if len(digits) == 9 and (siren.is_valid(digits) or luhn.is_valid(digits)):
        grouped_thousands = _THOUSANDS.fullmatch(run.strip())
        return None if grouped_thousands and not siren.is_valid(digits) else "siret"
    if len(digits) >= 11 and not _THOUSANDS.fullmatch(run.strip()) and not _YEARS.fullmatch(run.strip()):
        return "number"
    return None


# A phone number read out in words, « zéro six douze trente-quatre… » or digit by digit: the
# scanner's own reading of French numbers (redact.py has another). A run starts at « zéro » and
# holds at most 14 more words or pairs of digits: linear in the text.
_SPOKEN_VALUES = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
    "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "septante": 70, "huitante": 80, "octante": 80, "nonante": 90,
}
# 2026-12-06: or at « 0 » and a digit or a word (« 06 douze 34 56 78 », « 0 six 12 34… »), with « et »
# or « et puis » before a pair (« 06, 12, 34, 56 et 78 »).
_SPOKEN_RUN = re.compile(
    r"(?i)(?<![\w-])(?:z[ée]ro|0\d?)(?:(?:[\s,.;:/\-]|\bet(?:\s+puis)?\b)+(?:[^\W\d_]+|\d{1,2})(?![\w])){3,14}")


def _spoken_readings(run: str) -> set[str]:
    """The digits `run` may say. Written without hyphens, French numbers are ambiguous (« trente
    quatre vingt trois » is 30 83 or 34 23; « zéro quatre vingt et un » 0 81 or 04 21): each chunk
    between separators read alone, and the words read across them, with and without joining
    « quatre » to a following « vingt »."""
    chunks = [c for c in re.split(r"[\s,.;:/]+", fold(run)) if c]
    words = [w for c in chunks for w in c.split("-") if w]
    readings = {_spoken_number(words), _spoken_number(words, eighty_ahead=False),
                _spoken_number(words, eighty=False, eighty_ahead=False)}
    per_chunk = []
    for chunk in chunks:
        parts = [w for w in chunk.split("-") if w]
        if chunk == "et" or not parts:
            continue
        said = _spoken_number(parts)
        if not said:
            break
        per_chunk.append(said)
    readings.add("".join(per_chunk))
    return readings


def _spoken_number(words: list[str], *, eighty: bool = True, eighty_ahead: bool = True) -> str:
    """The digits said by the number words (and pairs of digits) that start `words`, each number
    as said: « zéro six douze » is 0 6 12, « soixante-dix-huit » 78, « quatre-vingt-un » 81."""
    tokens: list[int] = []
    written: dict[int, str] = {}  # digits written as digits (« 09 »), by their place in `tokens`
    for word in words:
        if word == "et" or not word:
            continue
        if word.isdigit():
            written[len(tokens)] = word
            tokens.append(-1)  # no word's value: never combined with a neighbour
            continue
        if word not in _SPOKEN_VALUES:
            break
        tokens.append(_SPOKEN_VALUES[word])
    out: list[str] = []
    i = 0
    while i < len(tokens):
        value = tokens[i]
        i += 1
        if value < 0:
            out.append(written[i - 1])
            continue
        after = tokens[i] if i < len(tokens) else -1
        if eighty and value == 4 and after == 20:  # quatre-vingt(s)
            value, i = 80, i + 1
            after = tokens[i] if i < len(tokens) else -1
        if eighty_ahead and after == 4 and i + 1 < len(tokens) and tokens[i + 1] == 20:
            after = -1  # « soixante, quatre-vingt-dix-sept » is 60 then 97, not 64
        if value in (60, 80) and after == 10 and i + 1 < len(tokens) and tokens[i + 1] in (7, 8, 9):
            value, i = value + 10 + tokens[i + 1], i + 2  # soixante-dix-sept, quatre-vingt-dix-neuf
        elif value in (60, 80) and 1 <= after <= 19:
            value, i = value + after, i + 1  # soixante-douze, quatre-vingt-quinze
        elif value in (20, 30, 40, 50, 70, 90) and 1 <= after <= 9:
            value, i = value + after, i + 1  # trente-quatre
        elif value == 10 and after in (7, 8, 9):
            value, i = 10 + after, i + 1  # dix-sept
        out.append(str(value))
    return "".join(out)


def spoken_phones(text: str) -> list[tuple[int, str]]:
    """(offset, run) of each phone number written in words in `text`."""
    found = []
    for m in _SPOKEN_RUN.finditer(text):
        run = re.sub(r"(?i)\bet\s+puis\b", "et", m.group())
        said = []  # the run's digits and number words, up to its first other word
        for token in re.findall(r"\d+|[^\W\d_]+", fold(run)):
            if not (token.isdigit() or token in _SPOKEN_VALUES or token == "et"):
                break
            said.append(token)
        if not any(t in _SPOKEN_VALUES for t in said):
            # Digits alone are `_DIGIT_RUN`'s, but for five pairs with « et » before the last
            # (« 06, 12, 34, 56 et 78 »; not « 0, 1, 2… 8 et 9 »).
            pairs = [t for t in said if t != "et"]
            if said.count("et") == 1 and len(pairs) == 5 and all(len(p) == 2 for p in pairs) \
                    and pairs[0][0] == "0" and pairs[0][1] != "0":
                found.append((m.start(), m.group()))
            continue
        if any(len(d) == 10 and d[0] == "0" and d[1] != "0" for d in _spoken_readings(run)):
            found.append((m.start(), m.group()))
    return found


def scan_text(
    text: str,
    *,
    structures: Iterable[str] = (),
    common_words: frozenset[str] = frozenset(),
    index: StructureIndex | None = None,
    vocabulary: frozenset[str] = frozenset(),
) -> list[tuple[str, int, str]]:
    """(kind, offset, item) for every personal-data item recognised in `text`.

    The structure names are `index` when given (built once for many texts, see `StructureIndex`),
    else `structures` read with `common_words` for this text alone. `vocabulary`: the French words
    (`Redactor.vocabulary`) that tell a name in capitals, an e-mail's bare local part or a card's
    number (« 16et25ans ») from words; without it, those rules are off."""
    from stdnum import iban

    text = _NOT_PRINTED.sub("", unicodedata.normalize("NFKC", text))
    found: list[tuple[str, int, str]] = []
    plain = _HYPHENATED_AT.sub("@", text) if "at" in text.lower() or "arob" in text.lower() else text
    plain = _HYPHENATED_DOT.sub(".", plain) if plain is not text else plain
    at_plain = _OBFUSCATED_AT.sub("@", plain)
    linked = _BRACKETED_DOT_WORD.sub(".", at_plain)
    plain = _OBFUSCATED_DOT.sub(".", at_plain)
    if "%" in plain or "&" in plain:
        plain = _ENCODED_AT_SIGN.sub("@", plain)
    if _BRACKETED_A.search(plain) or _SPACED_A.search(plain):
        plain = _BRACKETED_DOT.sub(".", _SPACED_A.sub(r"\1@", _BRACKETED_A.sub("@", plain)))
    if _AT_PROVIDER.search(plain):
        plain = _AT_PROVIDER.sub(r"\1@", plain)
    for m in _around_at(plain):
        local, domain = m.group(1).strip("."), m.group(2)
        spaced = m.group().replace(local, "", 1).startswith((" ", "\t"))
        if spaced and ("." not in domain or not m.group().split("@", 1)[1][:1].isspace()):
            local = ""  # « suivez @asso34 » is a handle; « jean @ orange.fr » an address
        if local and domain and any(c.isalpha() for c in domain):
            found.append(("email", m.start(), m.group()))
        elif not local and domain and re.match(r"[A-Za-z_]", domain):
            found.append(("handle", m.start(), m.group()))
    found += [("url", m.start(), m.group()) for m in _URLS.finditer(linked)]
    stamps = [(s.start(), s.end(), s.group()) for s in _STAMP.finditer(text)] if any(c.isdigit() for c in text) else []
    for m in _DIGIT_RUN.finditer(text):
        start = m.start() + len(m.group()) - len(m.group().lstrip())
        if any(a <= start and m.end() <= b and not (len(_digits(t)) == 14 and t.isdigit()) for a, b, t in stamps):
            continue  # in a date and time (« 05-10-2025 13h15 »: the run stops at « h »)
        kind = _digit_kind(m.group())
        if kind == "siret" and _THOUSANDS.fullmatch(m.group().strip()) and (
                _UNIT_AFTER.match(text, m.end()) or text[max(0, m.start() - 2):m.start()].strip() in ("€", "$")):
            kind = None  # « 739 196 533 € »: an amount, whatever its Luhn key
        if kind:
            found.append((kind, m.start(), m.group().strip()))
    found += [("phone", at, run) for at, run in spoken_phones(text)]
    for m in _LETTERED_PHONE.finditer(text):
        lettered = m.group().translate(_AS_DIGITS)
        if lettered != m.group() and sum(c.isdigit() for c in m.group()) >= 6 and _digit_kind(lettered) == "phone":
            found.append(("phone", m.start(), m.group()))
    for m in _DOCUMENT.finditer(text):
        number = m.group("n")
        if not (number.isdigit() and (_UNIT_AFTER.match(text, m.end()) or _COUNTED_AFTER.match(text, m.end()))):
            found.append(("number", m.start("n"), number))
    found += [("number", m.start(), m.group()) for m in _PASSPORT_SHAPE.finditer(text)]
    found += [("nir", m.start(), m.group()) for m in _CORSICAN_NIR.finditer(text)]
    found += [("nir", m.start(), m.group()) for m in _LISTED_NIR.finditer(text) if _listed_nir(m.group())]
    found += [("handle", m.start("h"), m.group("h")) for m in _NETWORK_HANDLE.finditer(text)]
    for m in _IBAN_LIKE.finditer(text):
        if iban.is_valid(m.group().replace(" ", "")):
            found.append(("iban", m.start(), m.group()))
    found += [("plate", m.start(), m.group()) for m in _PLATES.finditer(text)
              if not re.fullmatch(r"\d+ ?[A-Z]+ ?\d+", m.group()) or (re.search(r"[A-Z]{2,3} ?(?:\d{2})$", m.group())
              and not re.search(r"\b(?:ETP|IDE|ACT|LAM|ARS|CHU|CMP)\b", m.group()))]
    found += [("plate", m.start(), m.group()) for m in _MARKED_PLATES.finditer(text)]
    found += [("plate", m.start("p"), m.group("p")) for m in _CUED_PLATES.finditer(text)
              if not _WORDS_AROUND_A_NUMBER.fullmatch(m.group("p"))]
    found += [("birth", m.start(), m.group()) for m in _BIRTHS.finditer(text)]
    found += [("birth", m.start(), m.group()) for m in _SAID_BIRTHS.finditer(text)]
    if vocabulary:
        found += [("number", m.start(), m.group()) for m in _NINE.finditer(text) if _card_like(m.group(), vocabulary)]
    for m in _CASE_NUMBERS.finditer(text):
        number = m.group("n")
        if sum(c.isdigit() for c in number) >= 4 and not _YEAR_SPAN.fullmatch(number) and not (
                _UNIT_AFTER.match(text, m.end()) or _COUNTED_AFTER.match(text, m.end())):
            found.append(("number", m.start("n"), number))
    found += [("email", at, item) for at, item in _loose_emails(text, vocabulary)]
    found += [("email", m.start(), m.group()) for m in _AT_BEFORE_LINK.finditer(text)]
    found += [("name", at, item) for at, item in _caps_names(text, vocabulary)]
    found += [("name", at, item) for at, item in _thanked_names(text, vocabulary)]
    streets = list(_STREETS.finditer(text))
    found += [("address", m.start(), m.group()) for m in streets]
    found += _dwelling_bits(text, streets)
    found += [("iban", at, item) for at, item in _ribs(text)]
    found += [("iban", at, item) for at, item in _split_ribs(text)]
    found += [("address", at, item) for at, item in _positions(text)]
    found += [("number", at, item) for at, item in _secrets(text, vocabulary)]
    found += [("iban", at, item) for at, item in _spread_ibans(text)]
    found += [("name", at, word) for at, word in civility_names(text)]
    if index is None:
        index = StructureIndex(structures, common_words)
    found += [("structure", at, core.strip()) for at, core in index.find(_folded_words(text))]
    return found


def _ribs(text: str) -> list[tuple[int, str]]:
    if not any(c.isdigit() for c in text):
        return []
    blanked = _BANK_LABELS.sub(lambda m: " " * len(m.group()), text)
    return [(m.start(), text[m.start():m.end()]) for m in _RIB_SHAPE.finditer(blanked)
            if sum(c.isdigit() for c in m.group("a")) >= 6]


# 2026-12-06 (tests/test_redact_unseen_geo.py). A RIB whose account is cut into groups (« 30006 00001
# 1234 5678 901 89 »), or what a redactor left of one (« [numéro] 819 525 89 97 »): the groups after
# the bank's and the branch's digits, of five characters at most, that make eleven letters and
# digits, six digits at least; after a placeholder, three groups of seven digits or more.
_RIB_HEAD_SHAPE = re.compile(r"(?<![\w])\d{5}[ \t.\-/|]{1,6}\d{5}(?![\w])|\[(?:numéro|compte)\]")
_ACCOUNT_GROUP = re.compile(r"[ \t.\-/|]{1,6}([A-Za-z0-9]{1,5})(?![\w])")


def _split_ribs(text: str) -> list[tuple[int, str]]:
    if "[" not in text and not re.search(r"\d{5}", text):
        return []
    found = []
    for m in _RIB_HEAD_SHAPE.finditer(text):
        pos, account, groups = m.end(), "", 0
        while len(account) < 11 and (group := _ACCOUNT_GROUP.match(text, pos)):
            account, pos, groups = account + group.group(1), group.end(), groups + 1
        digits = sum(c.isdigit() for c in account)
        if all(n.endswith("00") for n in re.findall(r"\w+", text[m.start():pos]) if n.isdigit()):
            continue  # round amounts (« 10000 20000 3000 4000 500 »: tax brackets)
        if m.group().startswith("["):
            if groups >= 3 and digits >= 7:
                found.append((m.start(), text[m.start():pos]))
        elif len(account) == 11 and groups >= 2 and digits >= 6:
            found.append((m.start(), text[m.start():pos]))
    return found


def _spread_iban(text: str, start: int) -> str:
    """The letters and digits from `start`, through single marks (at most six spaces, dashes, dots,
    slashes or a line break), at most 32 of them."""
    chars: list[str] = []
    gap = 0
    for c in text[start:start + 32 * 7]:  # 32 characters and their marks at most
        if c.isascii() and c.isalnum():
            chars.append(c)
            gap = 0
            if len(chars) == 32:
                break
        elif c in " \t-./\n" and gap < 6:
            gap += 1
        else:
            break
    return "".join(chars)


def _spread_ibans(text: str) -> list[tuple[int, str]]:
    from stdnum import iban

    found = []
    for m in _IBAN_HEAD.finditer(text):
        head = re.sub(r"[^A-Za-z0-9]", "", m.group()).upper()
        rest = _spread_iban(text, m.end()).upper()
        left = _AFTER_PLACEHOLDER.match(text, m.end())
        if not rest and left:  # what an older redactor left of it: « FR 76 [numéro] 24708 38401 »
            tail = _spread_iban(text, left.end())
            if len(tail) >= 6 and sum(c.isdigit() for c in tail) >= 4:
                found.append((m.start(), m.group() + tail))
            continue
        if any(iban.is_valid(head + rest[:n]) for n in _mod97_prefixes(head, rest)):
            found.append((m.start(), m.group() + rest))
    return found


def _mod97_prefixes(head: str, rest: str) -> list[int]:
    """The lengths n (10 or more) for which `head` + `rest[:n]` passes an IBAN's mod-97 check, found
    in one pass (« fr 76 fr 76 … » asked python-stdnum twenty times a head)."""
    head_digits = "".join(str(int(c, 36)) for c in head)
    body, lengths = 0, []
    for n, c in enumerate(rest, 1):
        value = str(int(c, 36))
        body = (body * 10 ** len(value) + int(value)) % 97
        if n >= 10 and (body * 10 ** len(head_digits) + int(head_digits)) % 97 == 1:
            lengths.append(n)
    return lengths[::-1]


def _dwelling_bits(text: str, streets: list[re.Match[str]]) -> list[tuple[str, int, str]]:
    """Building, staircase, floor, flat or door that touch an address (marks alone between them,
    the street read to the end of its line or its postal code and town) or a named residence."""
    bits = list(_DWELLING_BIT.finditer(text))
    if not bits:
        return []
    anchors = sorted([(m.start(), _STREET_LINE.match(text, m.end()).end()) for m in streets]  # type: ignore[union-attr]
                     + [m.span() for m in _HOME_ANCHOR.finditer(text)])
    starts = [a for a, _ in anchors]
    reach = list(itertools.accumulate((b for _, b in anchors), max))  # the furthest end of anchors so far
    chains: list[list[re.Match[str]]] = []
    for bit in bits:  # bits with marks alone between them make one chain
        if chains and _ONLY_MARKS.fullmatch(text, chains[-1][-1].end(), bit.start()):
            chains[-1].append(bit)
        else:
            chains.append([bit])
    found = []
    for chain in chains:
        begin, end = chain[0].start(), chain[-1].end()
        before = begin - len(_MARKS_BEFORE.match(text[max(0, begin - 8):begin][::-1]).group())  # type: ignore[union-attr]
        after = _ONLY_MARKS.match(text, end).end()  # type: ignore[union-attr]
        last = bisect.bisect_right(starts, after) - 1  # the anchors that start at `after` or before
        if last >= 0 and reach[last] >= before:
            found += [("address", bit.start(), bit.group()) for bit in chain]
    return found


_TYPES = re.compile(r"(?i)^(?:act|lam|lhss|ehpad|ssiad|csapa|caarud|chrs|cada|ccas|association|asso)\s+")


def _structure_cores(names: Iterable[str], common_words: frozenset[str]) -> list[str]:
    """The folded core of each structure name that cannot be ordinary French: without its type
    and its article; one of its words unknown to `common_words` (a word of 4 letters or more),
    or, without a word list, two words at least."""
    cores = []
    for name in names:
        core = _folded_words(_TYPES.sub("", name.strip()))
        core = re.sub(r"^ (?:le|la|les|l) ", " ", core)
        words = [w for w in core.split() if w not in ("de", "du", "des", "d", "l", "la", "le", "les", "et")]
        if not words:
            continue
        if common_words:
            if not any(len(w) >= 4 and w not in common_words for w in words):
                continue
        elif len(words) < 2:
            continue
        cores.append(core)
    return cores


class StructureIndex:
    """The structures' folded cores (`_structure_cores`) in one Aho-Corasick automaton
    (pyahocorasick), built once for a whole publication: a file's folded text is then read once,
    whatever the number of names, instead of once per name.

    What it finds is what a search of each core in the folded text finds: every core begins and
    ends with a space, as every word of a folded text does, so a name inside a longer word does not
    match; for each core found, its first occurrence, in the order of the names (once per name that
    folds to it)."""

    def __init__(self, names: Iterable[str] = (), common_words: frozenset[str] = frozenset()) -> None:
        self.cores = _structure_cores(names, common_words)
        self._positions: dict[str, list[int]] = {}
        for position, core in enumerate(self.cores):
            self._positions.setdefault(core, []).append(position)
        self._automaton = None
        if self._positions:
            import ahocorasick

            automaton = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
            for core in self._positions:
                automaton.add_word(core)
            automaton.make_automaton()
            self._automaton = automaton

    def find(self, folded: str) -> list[tuple[int, str]]:
        """(offset in `folded`, core) of each core that `folded` (a `_folded_words` text) contains."""
        if self._automaton is None:
            return []
        first: dict[str, int] = {}
        for end, length in self._automaton.iter(folded):
            start = end - length + 1
            core = folded[start:end + 1]
            if core not in first:  # matches come by increasing end: the first is the earliest
                first[core] = start
        hits = sorted((position, at) for core, at in first.items() for position in self._positions[core])
        return [(at, self.cores[position]) for position, at in hits]


def _mask(item: str) -> str:
    item = " ".join(item.split())
    if len(item) <= 6:
        return f"{item[:1]}…, {count(len(item), 'caractère')}"
    return f"{item[:2]}…{item[-2:]}, {count(len(item), 'caractère')}"


# From this many files the scan is shared between forked processes: at 1M answers the publication
# is 72 reports and 266 charts, and reading the PDFs' text (pypdf) alone took minutes on one core.
PARALLEL_SCAN_FROM = 8


def scan_files(
    files: Iterable[Path],
    *,
    structures: Iterable[str] = (),
    common_words: frozenset[str] = frozenset(),
    workers: int | None = None,
    vocabulary: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Every finding in `files`, in the files' order; the files are read in `workers` forked
    processes (default: every core from `PARALLEL_SCAN_FROM` files on). `vocabulary`: as
    `scan_text`."""
    from consultation.parallel import fork_map

    index = StructureIndex(structures, common_words)  # once for every file, shared by the workers
    paths = [p for p in map(Path, files) if p.is_file()]
    if workers is None and len(paths) < PARALLEL_SCAN_FROM:
        workers = 1
    found = fork_map(lambda path: _scan_file(path, index, vocabulary), paths, workers=workers)
    return [finding for per_file in found for finding in per_file]


def _scan_file(path: Path, index: StructureIndex, vocabulary: frozenset[str] = frozenset()) -> list[Finding]:
    text = published_text(path)
    seen: set[tuple[str, int]] = set()
    findings: list[Finding] = []
    breaks = [m.start() for m in re.finditer("\n", text)]  # a count per finding was quadratic
    for kind, offset, item in scan_text(text, index=index, vocabulary=vocabulary):
        line = bisect.bisect_left(breaks, offset) + 1 if kind != "structure" else 0
        if (kind, offset) not in seen:
            seen.add((kind, offset))
            findings.append(Finding(path, kind, line, _mask(item)))
    return findings


def _rules_key(structures: Iterable[str], common_words: frozenset[str]) -> str:
    """Everything that decides what the scanner finds in a file: this module's code, the versions
    of the libraries its detectors use, the structure names and the common words."""
    import hashlib
    import importlib.metadata

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for package in ("phonenumbers", "python-stdnum", "pypdf", "pyahocorasick", "spacy", "faker"):
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"\0{package}={version}".encode())
    for words in (sorted(set(structures)), sorted(common_words)):
        digest.update(b"\0\0" + "\0".join(words).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _record_name(path: Path, record: Path) -> str:
    try:
        return path.resolve().relative_to(record.parent.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _read_record(record: Path, key: str) -> dict[str, str]:
    """Files found clean by an earlier scan with the same rules: name -> SHA-256 of the bytes
    (an unreadable or other-rules record is an empty one: everything is scanned)."""
    import json

    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("rules") != key or not isinstance(data.get("clean"), dict):
        return {}
    return {str(k): str(v) for k, v in data["clean"].items()}


def check_publication(
    files: Iterable[Path],
    *,
    redactor: Redactor | None = None,
    structures: Iterable[str] = (),
    common_words: frozenset[str] | None = None,
    record: Path | None = None,
    workers: int | None = None,
) -> list[Path]:
    """Scan every published file; on any finding, remove the files that leak (and the index that
    lists them) and raise `PersonalDataLeakError` with a French message.

    With `record` (a JSON file outside the published folders), a file whose exact bytes an earlier
    check found clean under the same rules (`_rules_key`: same code, libraries, structure names and
    common words) is not read again, and the files found clean are added to it. Returns the files
    that were scanned. `workers`: as `scan_files`."""
    import hashlib
    import json

    files = [Path(f) for f in files]
    vocabulary: frozenset[str] = frozenset()
    if redactor is not None:
        structures = [*structures, *redactor.known_structures]
        if common_words is None:
            common_words = redactor.lexicon | redactor.stop_words
        vocabulary = redactor.vocabulary
    structures = list(structures)
    common_words = common_words or frozenset()
    todo = [p for p in files if p.is_file()]
    if record is not None:
        key = _rules_key(structures, common_words | vocabulary)
        clean = _read_record(record, key)
        digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in todo}
        todo = [p for p in todo if clean.get(_record_name(p, record)) != digests[p]]
    findings = scan_files(todo, structures=structures, common_words=common_words, workers=workers,
                          vocabulary=vocabulary)
    if record is not None:
        leaking_now = {f.file for f in findings}
        clean.update({_record_name(p, record): digests[p] for p in todo if p not in leaking_now})
        content = json.dumps({"rules": key, "clean": clean}, indent=0, sort_keys=True)
        if not record.is_file() or record.read_text(encoding="utf-8", errors="replace") != content:
            record.parent.mkdir(parents=True, exist_ok=True)
            partial = record.with_name(record.name + ".tmp")
            partial.write_text(content, encoding="utf-8")
            partial.replace(record)  # written whole or not at all
    if not findings:
        return todo
    leaking = sorted({f.file for f in findings})
    removed = [*leaking, *(p for p in files if p.name == "index.html" and p not in leaking and p.is_file())]
    for path in removed:
        path.unlink(missing_ok=True)
    shown = findings[:30]
    lines = [
        f"Publication arrêtée : {count(len(findings), 'donnée personnelle trouvée', 'données personnelles trouvées')} "
        f"dans {count(len(leaking), 'fichier')} après la mise en forme, malgré l'anonymisation des témoignages.",
        *(f"  - {f}" for f in shown),
        *([f"  - … et {count(len(findings) - len(shown), 'autre')}"] if len(findings) > len(shown) else []),
        "Fichiers retirés pour qu'ils ne soient pas diffusés : " + ", ".join(p.name for p in removed) + ".",
        "Retrouvez la réponse en cause dans la base (table answers), signalez l'élément manqué "
        "par l'anonymisation, puis relancez la publication.",
    ]
    raise PersonalDataLeakError("\n".join(lines))
