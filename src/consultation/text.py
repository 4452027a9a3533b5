"""Text processing: normalisation, segmentation into propositions and lemmas with spaCy."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_MODEL = "fr_core_news_sm"
# Lemmas need the morphologizer's POS tags; the parser and NER are not needed to code themes.
LEMMA_EXCLUDE = ("parser", "ner", "senter")

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "\u00a0": " ", "\u202f": " "})
_SPACES = re.compile(r"[ \t\f\v]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_text(value: object) -> str:
    """Clean a raw cell for storage: NFC, no control characters, one space between words."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    text = unicodedata.normalize("NFC", str(value)).translate(_APOSTROPHES)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def fold(text: str) -> str:
    """Case- and accent-insensitive key ("Été" -> "ete"), for matching, never for display."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_BULLET = re.compile(r"^\s*(?:[-–—•*·▪►>]+|\(?\d{1,2}[).°-]|\(?[a-hA-H][).])\s*")
_HARD_SPLIT = re.compile(r"\n+|;|&&|\s•\s|\s[-–—]\s(?=[A-ZÀ-Ýa-zà-ÿ])")
_SLASH = re.compile(r"(?<![\d:/])\s*/\s*(?![\d/])")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=[«\"(A-ZÀ-Ý0-9])")
_WORDY = re.compile(r"[A-Za-zÀ-ÿ]{2,}")


def segment(text: str) -> list[str]:
    """Split an answer into propositions: lines, bullets, ';', '&&', '/', then sentences.

    'et/ou' and dates such as 12/05 are kept whole.
    """
    text = normalise_text(text)
    out: list[str] = []
    for part in _HARD_SPLIT.split(text):
        for piece in _split_slashes(part):
            for sentence in _SENTENCE.split(piece):
                cleaned = _BULLET.sub("", sentence).strip(" ,.-–—").strip()
                if _WORDY.search(cleaned):
                    out.append(cleaned)
    return out


def _split_slashes(part: str) -> list[str]:
    protected = re.sub(r"\bet\s*/\s*ou\b", "et\u2044ou", part, flags=re.IGNORECASE)
    return [p.replace("\u2044", "/") for p in _SLASH.split(protected)]


def load_nlp(model: str = DEFAULT_MODEL) -> Language:
    """Load the French pipeline with only what lemmas need (installed as a package, never downloaded)."""
    import spacy

    return spacy.load(model, exclude=list(LEMMA_EXCLUDE))


class Lemmatizer:
    """Folded lemmas per text, computed once per distinct text with `nlp.pipe`.

    Identical answers ("Rien", "RAS", "Non") are very common: each distinct text goes through
    spaCy once. Two views are kept: content lemmas (no stop words) for keyword rules, and every
    word's lemma for the model, where "pour tous", "sans" or "plus de" carry meaning.
    """

    def __init__(self, nlp: Language, batch_size: int = 256):
        self.nlp = nlp
        self.batch_size = batch_size
        self._cache: dict[str, _Analysis] = {}

    def _analyse(self, texts: Sequence[str]) -> list[_Analysis]:
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        for text, doc in zip(todo, self.nlp.pipe(todo, batch_size=self.batch_size), strict=True):
            self._cache[text] = _analysis(doc)
        return [self._cache[t] for t in texts]

    def __call__(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Content lemmas of each text (stop words and punctuation dropped), folded."""
        return [a.content for a in self._analyse(texts)]

    def all_lemmas(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Every word's lemma, folded, punctuation dropped: the model's view of a text."""
        return [a.words for a in self._analyse(texts)]

    def content_forms(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """The content words as written (folded), not lemmatised.

        A keyword alone has no context and is sometimes mis-tagged ("équipement" read as a verb,
        lemma "equipemer"); its written form still matches the lemma of the word in an answer.
        """
        return [a.forms for a in self._analyse(texts)]

    def one(self, text: str) -> tuple[str, ...]:
        return self([text])[0]

    @property
    def cache_size(self) -> int:
        return len(self._cache)


class _Analysis(NamedTuple):
    content: tuple[str, ...]
    words: tuple[str, ...]
    forms: tuple[str, ...]


def _analysis(doc: Iterable) -> _Analysis:
    content, words, forms = [], [], []
    for tok in doc:
        if tok.is_punct or tok.is_space:
            continue
        lemma = fold(tok.lemma_ or tok.text).strip("'")
        if not lemma:
            continue
        words.append(lemma)
        if not tok.is_stop:
            content.append(lemma)
            form = fold(tok.text).strip("'")
            if form:
                forms.append(form)
    return _Analysis(tuple(content), tuple(words), tuple(forms))


def content_lemmas(tokens: Iterable) -> tuple[str, ...]:
    """Lemmas of the words that carry meaning, folded; stop words and punctuation dropped."""
    return _analysis(tokens).content
