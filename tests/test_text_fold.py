"""The one accent fold (`text.fold`) against frozen copies of the six it replaced, caller by caller.

Each old implementation is copied here as it was. For every caller, two checks:
- over every code point, the characters that fold differently are exactly the documented ones
  (`_CHANGED_ON_PURPOSE` below: each is a bug of the old version, with its example test);
- over generated strings (arbitrary Unicode, and text biased to French letters, ligatures,
  apostrophes, dashes, no-break spaces, combining marks, « St »/« Ste », ß, İ…), with those
  characters left out, the new function gives exactly what the old one gave: no character
  interacts with its neighbours differently (decomposition order, token rules).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from consultation.ingest import regions
from consultation.publish import charts, leakscan, redact
from consultation.text import fold

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------------------------
# Frozen copies of the six old folds (and the old region slug), as they were before the merge.
# --------------------------------------------------------------------------------------------


def old_text_fold(text: str) -> str:  # consultation.text.fold
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_OLD_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def old_fast_fold(text: str) -> str:  # consultation.text.fast_fold (the Lemmatizer's)
    return _OLD_COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


def _old_accent_table() -> dict[int, str]:
    table = {}
    for code in range(0xC0, 0x250):
        base = "".join(c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c))
        if base and base != chr(code):
            table[code] = base
    return table


_OLD_STRIP_ACCENTS = _old_accent_table()


def old_redact_fold(text: str) -> str:  # consultation.publish.redact.fold
    low = text.casefold()
    return low if low.isascii() else low.translate(_OLD_STRIP_ACCENTS)


def old_index_fold(text: str) -> str:  # consultation.publish.redact._index_fold
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    if decomposed.isascii():
        return decomposed
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def old_leakscan_fold(text: str) -> str:  # consultation.publish.leakscan._fold
    text = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"\bste\b", "sainte", re.sub(r"\bst\b", "saint", re.sub(r"[^\w]+", " ", text)))
    return f" {' '.join(text.split())} "


_OLD_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_OLD_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
_OLD_TOKEN_ALIASES = {"st": "saint", "ste": "sainte"}


def old_regions_fold(text: str) -> str:  # consultation.ingest.regions._fold
    text = unicodedata.normalize("NFKD", text.casefold().translate(_OLD_LIGATURES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    tokens = _OLD_NON_ALNUM.sub(" ", text).split()
    return " ".join(_OLD_TOKEN_ALIASES.get(token, token) for token in tokens)


def old_region_slug(region: str) -> str:  # consultation.publish.charts.region_slug
    ascii_name = unicodedata.normalize("NFKD", region).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "region"


# --------------------------------------------------------------------------------------------
# The characters each caller now folds differently, on purpose (documented, one example each).
# --------------------------------------------------------------------------------------------


def _decomposed(c: str) -> str:
    return unicodedata.normalize("NFKD", c.casefold())


def marks_differ(c: str) -> bool:
    """A mark the old loop and the new regular expression disagree on: a combining mark outside
    the combining diacritical blocks (Hebrew points, Arabic vowels, kana voicing marks: kept now),
    or a non-combining character inside them (the grapheme joiner U+034F, enclosing circles:
    removed now)."""
    return any(bool(unicodedata.combining(m)) != bool(_OLD_COMBINING.match(m)) for m in _decomposed(c))


def case_left(c: str) -> bool:
    """A compatibility character with no case of its own that decomposes to capitals (« ™ », « ℌ »,
    « 𝔄 »): the old folds left « TM » in a case-insensitive key; the new one folds case again."""
    stripped = _OLD_COMBINING.sub("", _decomposed(c))
    return stripped.casefold() != stripped


def ligature_hidden(c: str) -> bool:
    """A ligature that only decomposition reveals (« ǽ », « Ǣ », « ꟹ », « ᴭ »): the old folds replaced « æ »
    before decomposing, so « ǽ » stayed « æ » while « æ » became « ae »."""
    return c.casefold() not in ("œ", "æ") and any(x in _decomposed(c).casefold() for x in "œæ")


def outside_latin_table(c: str) -> bool:
    """What the redactor's old translate table (U+00C0–U+024F only) did not fold: full-width and
    other compatibility forms (« Ｊｅａｎ », « ﬁ », « ² », « ª »), letters of Latin Extended
    Additional (« ẽ »), Greek accents, and a combining accent typed separately (« e\u0301 »)."""
    return any(not 0xC0 <= ord(x) <= 0x24F and (unicodedata.normalize("NFKD", x) != x or _OLD_COMBINING.match(x))
               for x in c.casefold())


# caller -> (old function, new function, the characters changed on purpose)
CALLERS: dict[str, tuple[Callable[[str], str], Callable[[str], str], Callable[[str], bool]]] = {
    "text.fold (review, active learning, column names, quotes)": (
        old_text_fold, fold, lambda c: marks_differ(c) or case_left(c)),
    # `Lemmatizer` folds each word and each lemma with `fold` (it called `fast_fold`).
    "Lemmatizer (coder features, formerly fast_fold)": (old_fast_fold, fold, case_left),
    "redactor word keys (lexicon, first names, surnames)": (
        old_redact_fold, fold, lambda c: outside_latin_table(c) or case_left(c)),
    "redactor structure index": (
        old_index_fold, lambda t: fold(t, ligatures=True),
        lambda c: marks_differ(c) or case_left(c) or ligature_hidden(c)),
    "leak scanner": (old_leakscan_fold, leakscan._folded_words, lambda c: marks_differ(c) or ligature_hidden(c)),
    "region names": (
        old_regions_fold, regions._region_key, lambda c: marks_differ(c) or case_left(c) or ligature_hidden(c)),
}

# A character that case folding, decomposition and the mark removals all leave alone is itself for
# every fold, old and new (the token rules that follow are the same code): only the others are tried.
_CHANGING = [c for c in map(chr, range(sys.maxunicode + 1))
             if not 0xD800 <= ord(c) <= 0xDFFF and (c.casefold() != c or unicodedata.normalize("NFKD", c) != c
                                                   or unicodedata.combining(c) or _OLD_COMBINING.match(c))]
_FRENCH_ALPHABET = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                    "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ’'-–— .,;:!?«»()")


def test_the_characters_folded_differently_are_exactly_the_documented_ones():
    for caller, (old, new, on_purpose) in CALLERS.items():
        unexplained = [c for c in _CHANGING if old(c) != new(c) and not on_purpose(c)]
        assert unexplained == [], f"{caller}: {[(hex(ord(c)), old(c), new(c)) for c in unexplained[:10]]}"
        # and no French letter, apostrophe or space is among the differences
        assert [c for c in _FRENCH_ALPHABET if on_purpose(c)] == [], caller
        assert all(old(c) == new(c) for c in _FRENCH_ALPHABET), caller


def test_each_difference_is_a_fix_shown_on_an_example():
    # « ™ » decomposes to capitals: the old keys were not case-insensitive.
    assert (old_text_fold("Marque™"), fold("Marque™")) == ("marqueTM", "marquetm")
    assert (old_fast_fold("ℌôpital"), fold("ℌôpital")) == ("Hopital", "hopital")
    # The redactor's table knew only precomposed Latin letters: a name typed in full-width forms or
    # with a separate accent was not the first name of its list.
    assert old_redact_fold("Ｌéa") == "ｌea" and fold("Ｌéa") == "lea"
    assert old_redact_fold("Le\u0301a") == "le\u0301a" and fold("Le\u0301a") == "lea"
    # No-break spaces are spaces in its keys too now (its keys are words split on white space:
    # no word contains one); every other fold already did so.
    assert old_redact_fold("a\u00a0b\u202fc") == "a\u00a0b\u202fc" and fold("a\u00a0b\u202fc") == "a b c"
    # « ǽ » kept its « æ » while « æ » was written out.
    assert old_leakscan_fold("Cǽsar") == " cæsar " and leakscan._folded_words("Cǽsar") == " caesar "
    assert regions._region_key("Cǽsar") == regions._region_key("Caesar") != old_regions_fold("Cǽsar")
    # Marks outside the combining diacritical blocks: kept now (the coder never removed them).
    assert old_text_fold("שָׁלוֹם") == "שלום" and fold("שָׁלוֹם") == "שָׁלוֹם"


# --------------------------------------------------------------------------------------------
# Generated strings
# --------------------------------------------------------------------------------------------

_FRENCH = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list("àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ")
    + list("’'‘`´-–—‑ \u00a0\u202f\u2009\n\t.,;:!?«»()/_")
    + ["\u0301", "\u0300", "\u0327", "\u0308", "\u0302", "\u034f", "\u20dd", "\u05b8"]
    + list("ßẞİıſǽǢﬁﬀ²ª™ℌ𝔄Ａｅ½Ǆ")
    + ["St", "st", "Ste", "ste", "St.", "Saint", "Sainte", "Œuvre", "Oeuvre", "Étienne", "d'Azur", "Côte"]
)
TEXTS = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(_FRENCH), max_size=25).map("".join),
)


def _without(text: str, on_purpose: Callable[[str], bool]) -> str:
    return "".join(c for c in text if not on_purpose(c))


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_every_caller_folds_generated_text_as_before(text):
    for caller, (old, new, on_purpose) in CALLERS.items():
        kept = _without(text, on_purpose)
        assert new(kept) == old(kept), caller


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_fold_is_idempotent(text):
    for ligatures in (False, True):
        once = fold(text, ligatures=ligatures)
        assert fold(once, ligatures=ligatures) == once


def test_the_redactor_and_the_leak_scanner_fold_structure_names_alike():
    """A structure name the redactor indexes is the same words for the leak scanner: the index's
    runs of letters are the scanner's words (bar the scanner's « st » -> « saint »)."""
    for name in ["Œuvre Sainte-Thérèse", "Cœur d'Hôpital", "ÆGIS Santé", "Le Relais de l’Orb", "ＡＣＴ Ｓｏｌｅｉｌ"]:
        assert re.findall(r"\w+", fold(name, ligatures=True)) == leakscan._folded_words(name).split()


# --------------------------------------------------------------------------------------------
# Region file names
# --------------------------------------------------------------------------------------------

_FRENCH_WRITING = st.text(alphabet=st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789àâäçéèêëîïôöùûüÿÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ")
    + list("'- .,()/")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_FRENCH_WRITING)
def test_region_file_names_are_unchanged_for_french_writing(text):
    assert charts.region_slug(text) == old_region_slug(text)


def test_every_region_and_department_keeps_its_file_name():
    names = [r.name for r in regions.REGIONS] + ["Non précisé", "France"]
    names += list(regions._tables().names)  # folded keys, then the departments' own names
    names += [d.name for d in regions._load_departments()]
    assert [charts.region_slug(n) for n in names] == [old_region_slug(n) for n in names]
    # Where they differ, the old name lost letters: « Cœur » was « cur », « Straße » « strae »; and
    # a typographic apostrophe or a dash glued two words: « d’Azur » was « dazur », « d'Azur » « d-azur ».
    assert (old_region_slug("Cœur-Straße"), charts.region_slug("Cœur-Straße")) == ("cur-strae", "coeur-strasse")
    assert (old_region_slug("Côte d’Azur"), charts.region_slug("Côte d’Azur")) == ("cote-dazur", "cote-d-azur")
    assert charts.region_slug("Côte d’Azur") == charts.region_slug("Côte d'Azur") == old_region_slug("Côte d'Azur")
    assert (old_region_slug("Nord–Est"), charts.region_slug("Nord–Est")) == ("nordest", "nord-est")


# --------------------------------------------------------------------------------------------
# One fold in the library
# --------------------------------------------------------------------------------------------


def test_no_other_accent_fold_in_the_library():
    """Decomposing text (NFKD, NFD) is how an accent fold starts: only `text.py` may do it."""
    pattern = re.compile(r"""normalize\(\s*["']NF(?:K)?D["']""")
    found = [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "src").rglob("*.py"))
             if pattern.search(p.read_text(encoding="utf-8")) and p.name != "text.py"]
    assert found == []
    assert pattern.search((ROOT / "src/consultation/text.py").read_text(encoding="utf-8"))


def test_the_removed_folds_are_gone():
    assert not hasattr(redact, "_index_fold") and not hasattr(leakscan, "_fold") and not hasattr(regions, "_fold")
    import consultation.text as text

    assert not hasattr(text, "fast_fold")


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_the_word_table_gives_what_decomposing_gives(text):
    """`fold` takes a translate table for words of precomposed Latin letters: the same result."""
    from consultation.text import _fold_decomposing

    for ligatures in (False, True):
        assert fold(text, ligatures=ligatures) == _fold_decomposing(text.casefold(), ligatures)


def test_every_fold_is_case_folded():
    assert [c for c in _CHANGING if fold(c) != fold(c).casefold()] == []
