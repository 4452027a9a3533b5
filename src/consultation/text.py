"""Text processing: normalisation, segmentation into propositions, and lemmas from spaCy's French tables."""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_MODEL = "fr_core_news_sm"
# Lemmas come from the lemmatizer's lookup tables (see LemmaTable): no statistical component is run.
LEMMA_EXCLUDE = ("tok2vec", "morphologizer", "parser", "attribute_ruler", "ner", "senter")

_APOSTROPHES = {"’": "'", "‘": "'", "`": "'", "´": "'", "\u00a0": " ", "\u202f": " "}
_APOSTROPHE = re.compile("[" + "".join(_APOSTROPHES) + "]")  # faster than str.translate on long texts
_SPACES = re.compile(r"[ \t\f\v]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Anything normalise_text would change: other control characters and tabs, typographic
# apostrophes and no-break spaces (one character class: fast), then doubled spaces, blank lines,
# spaces around line breaks or at the ends (checked only when they can occur).
_DIRTY_CHARS = re.compile("[\x00-\x09\x0b-\x1f\x7f" + "".join(_APOSTROPHES) + "]")
_DIRTY_LINES = re.compile(r"\s\n|\n\s")


def _is_clean(text: str) -> bool:
    return not (
        _DIRTY_CHARS.search(text) or "  " in text or text[:1].isspace() or text[-1:].isspace()
        or ("\n" in text and _DIRTY_LINES.search(text))
    ) and unicodedata.is_normalized("NFC", text)


def normalise_text(value: object) -> str:
    """Clean a raw cell for storage: NFC, no control characters, one space between words."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    if isinstance(value, str) and _is_clean(value):
        return value  # already clean (texts from the database, propositions): no work
    return _normalise(str(value))


def _normalise(text: str) -> str:
    text = _APOSTROPHE.sub(lambda m: _APOSTROPHES[m.group()], unicodedata.normalize("NFC", text))
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


# Combining marks left by NFKD: accents, cedillas, diaereses (the five « combining diacritical
# marks » blocks, into which Latin, Greek and Cyrillic letters decompose).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


_NOT_A_WORD = re.compile(r"[\W_]+")


def words_key(text: str) -> str:
    """A text's words in their order, in lower case, punctuation and spacing aside, padded with a
    space at each end (so that a key found in another starts and ends on whole words)."""
    return " " + _NOT_A_WORD.sub(" ", text.casefold()).strip() + " "


def is_excerpt_of(excerpt: str, answer: str) -> bool:
    """Whether `excerpt` is the respondent's own words, taken from `answer`: its words in order,
    whole, case, punctuation and spacing aside (« le lien avec l'ARS » is in « Renforcer le lien
    avec l’ARS ! »; a coder's paraphrase, a text with a word changed or another answer's text is not)."""
    key = words_key(excerpt)
    return key.strip() == "" or key in words_key(answer)


def fold(text: str, *, ligatures: bool = False) -> str:
    """Case- and accent-insensitive key (« Été » -> « ete »), for matching, never for display.

    Case folded, compatibility forms decomposed (« ﬁ », « ² », full-width letters, « ™ »), the
    combining diacritical marks removed (`_COMBINING`), case folded again (« ™ » is « TM » once
    decomposed). With `ligatures`, « œ » and « æ » are written out (« oe », « ae »), as respondents
    often type them. The one accent fold of the library: callers layer their own token rules
    (« st » for « saint », punctuation) on it.

    At C speed, whatever the length: a word whose letters are all precomposed Latin ones (most
    French words: the redactor folds a lexicon of 280,000) goes through a translate table of
    those letters' folds, computed by the general path; anything else, and long texts (where a
    table's look-up per character costs more than decomposing), through the general path.
    """
    low = text.casefold()
    if low.isascii():
        return low
    if len(low) <= _WORD_LENGTH:
        quick = low.translate(_LATIN_LIGATURES if ligatures else _LATIN)
        if quick.isascii():
            return quick
    return _fold_decomposing(low, ligatures)


def _fold_decomposing(low: str, ligatures: bool) -> str:
    """`fold` of a case-folded text, by decomposition: the definition the tables are made from."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", low)).casefold()
    # str.replace, not str.translate: a translate table costs a dictionary look-up per character.
    return folded.replace("œ", "oe").replace("æ", "ae") if ligatures else folded


_WORD_LENGTH = 40


def _latin_table(ligatures: bool) -> dict[int, int | str]:
    """The precomposed Latin letters (U+00C0-U+024F) whose fold is ASCII, with that fold; and
    ASCII as itself (a character missing from a table costs str.translate an exception)."""
    table: dict[int, int | str] = {c: c for c in range(128)}
    for c in range(0xC0, 0x250):
        folded = _fold_decomposing(chr(c).casefold(), ligatures)
        if folded.isascii():
            table[c] = folded
    return table


_LATIN, _LATIN_LIGATURES = _latin_table(False), _latin_table(True)


_BULLET = re.compile(r"^\s*(?:[-–—•*·▪►>]+|\(?\d{1,2}[).°-]|\(?[a-hA-H][).])\s*")
_HARD_SPLIT = re.compile(r"\n+|;|&&|\s•\s|\s[-–—]\s(?=[A-ZÀ-Ýa-zà-ÿ])")
_SLASH = re.compile(r"(?<![\d:/])\s*/\s*(?![\d/])")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=[«\"(A-ZÀ-Ý0-9])")
_WORDY = re.compile(r"[A-Za-zÀ-ÿ]{2,}")


_HARD_HINT = re.compile(r"[\n;&•\-–—]")  # a hard separator is possible only with one of these
_SENTENCE_HINT = re.compile(r"[.!?…]")
_ET_OU = re.compile(r"\bet\s*/\s*ou\b", flags=re.IGNORECASE)


def segment(text: str) -> list[str]:
    """Split an answer into propositions: lines, bullets, ';', '&&', '/', then sentences.

    'et/ou' and dates such as 12/05 are kept whole. Each split is tried only when a character
    it needs is present: most answers are one or two sentences.
    """
    text = normalise_text(text)
    out: list[str] = []
    for part in _HARD_SPLIT.split(text) if _HARD_HINT.search(text) else (text,):
        for piece in _split_slashes(part) if "/" in part else (part,):
            for sentence in _SENTENCE.split(piece) if _SENTENCE_HINT.search(piece) else (piece,):
                cleaned = _BULLET.sub("", sentence).strip(" ,.-–—").strip()
                if _WORDY.search(cleaned):
                    out.append(cleaned)
    return out


def _split_slashes(part: str) -> list[str]:
    # 'et/ou' is hidden behind a character the text does not contain while splitting on '/'
    mark = next(c for c in "\u2044\ue000\ue001\ue002\ue003\ue004" if c not in part)
    protected = _ET_OU.sub(f"et{mark}ou", part)
    return [p.replace(mark, "/") for p in _SLASH.split(protected)]


@functools.cache
def french_stop_words() -> frozenset[str]:
    """spaCy's French stop-word list, without importing spaCy: `spacy/lang/fr/stop_words.py` is a
    plain set literal, but importing it runs `spacy/__init__` and `spacy/lang/fr/__init__` (the
    Language machinery and the tokenizer exceptions: seconds), which a process without NER or
    lemmas never needs. The module is executed from its file, as data."""
    loaded = sys.modules.get("spacy.lang.fr.stop_words")
    if loaded is None:
        package = importlib.util.find_spec("spacy")  # finds the package without importing it
        if package is None or not package.submodule_search_locations:
            raise ModuleNotFoundError("spacy")
        path = Path(next(iter(package.submodule_search_locations))) / "lang" / "fr" / "stop_words.py"
        spec = importlib.util.spec_from_file_location("_consultation_spacy_fr_stop_words", path)
        if spec is None or spec.loader is None:
            raise ModuleNotFoundError(str(path))
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
    return frozenset(loaded.STOP_WORDS)


# Words that alone answer nothing, folded: « Rien », « RAS », « Néant », « Sans avis », « Je ne
# sais pas », « NSP », « Pas concerné », « Non applicable », « Idem », « Voir ci-dessus », « Aucune
# idée », « Rien à signaler », « Pas de commentaire », and the function words around them
# (articles, pronouns, prepositions, conjunctions, « être » and « avoir »): with letters alone or
# repeated, they make the answers `says_something` is False for. Not spaCy's stop words: those
# hold content words too (« parler », « gens », « directement », « personne », « nouveau »).
_NOTHING_WORDS = frozenset("""
    rien ras neant aucun aucune aucuns non oui ok nsp nspp nc nr na ya sais savoir sait avis opinion
    idee idees objet commentaire commentaires remarque remarques signaler particulier precis
    precise special speciale rep reponse reponses repondre ajouter concerne concernee concernes
    concernees applicable idem voir cf pareil chose choses question questions haut bas dessus
    dessous supra precedent precedente precedemment dire dit deja merci bonjour bof euh hum ah oh
    eh
    le la les un une des du de au aux ce cet cette ces mon ma mes ton ta tes son sa ses notre nos
    votre vos leur leurs quelque quelques chaque autre autres
    je me moi tu te toi il elle on nous vous ils elles se soi lui eux en ca cela ceci celui celle ne
    ceux celles ci qui que qu quoi dont ou lequel laquelle lesquels lesquelles lorsqu puisqu jusqu
    dans par pour sur sous avec sans chez entre vers jusque depuis pendant avant apres contre
    et mais donc or ni car si comme quand lorsque puisque
    est es suis sommes etes sont etre ete etait etais etaient sera serait ai as avons avez ont
    avoir eu avait avais fait faire fais peut peux
    pas plus moins tres trop peu tout tous toute toutes bien encore aussi ici vraiment
""".split())  # noqa: SIM905 - a word list is easier to read and extend as text
_NOTHING_LONGEST = max(map(len, _NOTHING_WORDS))
_LETTER_RUNS = re.compile(r"[^\W\d_]+")
# An acronym written letter by letter (« R.I.C », « R.A.S. », « R I C »): one word, not letters.
_DOTTED_ACRONYM = re.compile(r"(?<![^\W\d_])(?:[^\W\d_]\.){1,}[^\W\d_](?![^\W\d_])")
# What may surround a capital letter spelt alone (« (R I C) », « R A S ! », « « R I C » »).
_AROUND_A_LETTER = "«»()[]\"'’.,;:!?…-"


def _lone_letter(token: str) -> str:
    """The letter a token is, marks around it aside (« (R », « S! »); "" when it is not one letter."""
    core = token.strip(_AROUND_A_LETTER)
    return core if len(core) == 1 and core.isalpha() else ""


def _spelt_letter(token: str) -> bool:
    return _lone_letter(token).isupper()


def _read_run(letters: list[str]) -> list[str]:
    """Letters written alone, in a row: the words that say nothing they spell, when they spell
    only such words (« R A S r a s » → « ras ras », « N S P »); otherwise each run of capitals is
    one word (« R I C ») and the other letters stay letters."""
    if len(letters) >= 2:
        pieces = _segmented("".join(letters))
        if pieces is not None:
            return pieces
    out: list[str] = []
    capitals: list[str] = []
    for letter in [*letters, ""]:
        if letter.isupper():
            capitals.append(letter)
            continue
        if len(capitals) >= 2:
            out.append("".join(capitals))
        else:
            out.extend(capitals)
        capitals = []
        if letter:
            out.append(letter)
    return out


def _segmented(letters: str) -> list[str] | None:
    """« RASRAS » → [ras, ras] when the letters read wholly as words that say nothing
    (`_NOTHING_WORDS`, two letters or more); None otherwise (« RIC »). Linear in the length."""
    folded = fold(letters)
    cut: list[int | None] = [0] + [None] * len(folded)  # cut[k]: where the last piece before k starts
    for end in range(2, len(folded) + 1):
        for start in range(max(0, end - _NOTHING_LONGEST), end - 1):
            if cut[start] is not None and folded[start:end] in _NOTHING_WORDS:
                cut[end] = start
                break
    if cut[-1] is None:
        return None
    pieces = []
    end = len(folded)
    while end:
        piece_start = cut[end]
        assert piece_start is not None
        pieces.append(folded[piece_start:end])
        end = piece_start
    return pieces[::-1]


def _slash_pair(token: str) -> bool:
    core = token.strip(_AROUND_A_LETTER)
    return len(core) == 3 and core[1] == "/" and core[0].isalpha() and core[2].isalpha()


def _join_spelt_acronyms(text: str) -> str:
    """« Le R I C » → « Le RIC »: a run of capital letters each written alone is one word. Two
    letters around a slash are an abbreviation, one token, never part of a run: « N/A » and
    « N / A » (unless the first letter ends a run: « R A S / N/A » is « RAS », « N/A »); so
    « N/A N/A » is not the word « AN ». A slash glued to words, or to runs, separates them
    (« R A S/rien », « R A S/R A S »).
    Linear in the text's length."""
    tokens: list[str] = []
    raw = text.split()
    for k, token in enumerate(raw):
        # « R A S/R A S »: a pair between two runs is their ends, not « S/R »
        beside_runs = 0 < k < len(raw) - 1 and _spelt_letter(raw[k - 1]) and _spelt_letter(raw[k + 1])
        if "/" in token and (beside_runs or not _slash_pair(token)):
            for j, part in enumerate(token.split("/")):
                if j:
                    tokens.append("/")
                if part:
                    tokens.append(part)
        else:
            tokens.append(token)
    merged: list[str] = []
    i = 0
    while i < len(tokens):
        if (i + 2 < len(tokens) and tokens[i + 1] == "/" and _spelt_letter(tokens[i]) and _spelt_letter(tokens[i + 2])
                and not (merged and _spelt_letter(merged[-1]))):
            merged.append(tokens[i] + "/" + tokens[i + 2])
            i += 3
        else:
            merged.append(tokens[i])
            i += 1
    out: list[str] = []
    run: list[str] = []  # letters written alone, any case
    for token in [*merged, ""]:
        letter = _lone_letter(token)
        if letter:
            run.append(letter)
            continue
        out.extend(_read_run(run))
        run = []
        if token:
            out.append(token)
    return " ".join(out)


def says_something(text: object) -> bool:
    """False for an answer that answers nothing: no word at all (« - », « ? », « … », « 0 »), or
    only words that say nothing alone (`_NOTHING_WORDS`, a letter alone or repeated: « Rien à
    signaler », « R.A.S. », « Je ne sais pas », « sans avis », « NÉANT », « xxx »). An acronym
    spelt letter by letter is a word (« R.I.C » says something). Linear in the text's length. A
    question counted in respondents gives its best theme to an answer nothing claimed only when
    it says something (`model.best_theme_choice`)."""
    if not isinstance(text, str):
        return False
    joined = _join_spelt_acronyms(_DOTTED_ACRONYM.sub(lambda m: m.group().replace(".", ""), text))
    return any(len(set(word)) > 1 and word not in _NOTHING_WORDS
               for word in _LETTER_RUNS.findall(fold(joined)))


def load_lemmatizer(model: str = DEFAULT_MODEL) -> Lemmatizer:
    """A Lemmatizer equal to `Lemmatizer(load_nlp(model))`, without loading the pipeline
    (`LemmaTable.from_package`): what a process that only needs lemmas (coding, the corrected
    counts) loads, seconds faster."""
    return Lemmatizer(None, table=LemmaTable.from_package(model))


def load_nlp(model: str = DEFAULT_MODEL) -> Language:
    """Load the French pipeline's vocabulary, stop words and lemma tables (installed as a package,
    never downloaded). The statistical components are left out: `Lemmatizer` needs none of them."""
    import spacy

    return spacy.load(model, exclude=list(LEMMA_EXCLUDE))


# Words, elided articles and pronouns (« l' », « qu' » keep their apostrophe), numbers.
_TOKEN = re.compile(r"aujourd['’]hui|[^\W\d_]+['’]?|\d+(?:[.,]\d+)?")
_ELISIONS = {
    "l'": "le", "d'": "de", "j'": "je", "m'": "me", "t'": "te", "s'": "se", "n'": "ne", "c'": "ce",
    "qu'": "que", "jusqu'": "jusque", "lorsqu'": "lorsque", "puisqu'": "puisque", "quoiqu'": "quoique",
}
# Open-class parts of speech tried, in this order, for a form the lookup table does not know.
_FALLBACK_POS = ("noun", "adj", "verb")


def _lookups_folder(model: str) -> Path | None:
    """Where an installed spaCy pipeline package keeps its lemmatizer's lookups (None: elsewhere,
    or a pipeline whose lemmatizer has none): `<package>/<lang>_<name>-<version>/lemmatizer/lookups`,
    as `spacy.util.load_model_from_init_py` finds the data folder."""
    import json

    spec = importlib.util.find_spec(model)
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    try:
        meta = json.loads((package / "meta.json").read_text(encoding="utf-8"))
        folder = package / f"{meta['lang']}_{meta['name']}-{meta['version']}" / "lemmatizer" / "lookups"
    except (OSError, ValueError, KeyError):
        return None
    return folder if (folder / "lookups.bin").is_file() else None


class LemmaTable:
    """A lemma for every written form, without context: spaCy's French lookup table first, then the
    rule lemmatizer's exceptions and suffix rules for nouns, adjectives and verbs, else the form.

    The morphologizer chooses a lemma from the word's part of speech in its sentence, at about
    5,000 words per second on this kind of machine; a form's lemma here is computed once per
    distinct form and the text is cut by a regular expression, at millions of words per second.
    Keywords and answers go through the same table, so they always agree (the morphologizer
    sometimes read a lone keyword such as « équipement » as a verb).
    """

    def __init__(self, nlp: Language):
        lemmatizer: Any = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.pipe_names else None
        self._set(frozenset(nlp.Defaults.stop_words), lemmatizer.lookups if lemmatizer is not None else None)

    @classmethod
    def from_package(cls, model: str = DEFAULT_MODEL) -> LemmaTable:
        """The same table as `LemmaTable(load_nlp(model))`, read from the installed pipeline's files
        without loading it: its lemmatizer's lookups (`lemmatizer/lookups` in the package's data
        folder) and spaCy's French stop words (`french_stop_words`). Loading the pipeline imports
        spaCy's French language class, whose tokenizer exceptions take 6 to 8 s of one core to
        build; lemmas never use the tokenizer. Falls back to loading the pipeline when its files
        are not laid out as spaCy packages them."""
        folder = _lookups_folder(model)
        if folder is None:
            return cls(load_nlp(model))
        from spacy.lookups import Lookups

        table = cls.__new__(cls)
        table._set(french_stop_words(), Lookups().from_disk(folder))
        return table

    def _set(self, stop_words: frozenset[str], lookups: Any) -> None:
        self.stop_words = stop_words
        table = (lambda name: lookups.get_table(name, {})) if lookups is not None else (lambda name: {})
        self._lookup = table("lemma_lookup")
        index, exceptions, rules = table("lemma_index"), table("lemma_exc"), table("lemma_rules")
        self._index = {pos: set(index.get(pos, ())) for pos in _FALLBACK_POS}
        self._exceptions = {pos: exceptions.get(pos, {}) for pos in _FALLBACK_POS}
        self._rules = {pos: [tuple(r) for r in rules.get(pos, [])] for pos in _FALLBACK_POS}

    def lemma(self, form: str) -> str:
        """The lemma of a lower-case form."""
        if form in _ELISIONS:
            return _ELISIONS[form]
        found = self._lookup.get(form)
        if found:
            return found[0] if isinstance(found, list | tuple) else str(found)
        for pos in _FALLBACK_POS:
            if form in self._index[pos]:
                return form
        for pos in _FALLBACK_POS:
            known = self._exceptions[pos].get(form)
            if known:
                return known[0]
        for pos in _FALLBACK_POS:
            for old, new in self._rules[pos]:
                if form.endswith(old):
                    candidate = form[: len(form) - len(old)] + new
                    if candidate and candidate in self._index[pos]:
                        return candidate
        return form


class _FoldedWords(dict):
    def __missing__(self, word: str) -> str:
        if len(self) >= FORM_CACHE_MAX:  # bounded: made-up words have no end
            self.clear()
        folded = self[word] = fold(word)
        return folded


# Distinct texts whose analysis a Lemmatizer keeps (then it starts again): enough for a federation's
# consultation to be analysed once per run (training, evaluation and coding ask for the same texts),
# bounded for a national one, where each coding worker would otherwise keep every text it saw
# (with the vectorizers' word caches, 400 MB of the 1M run's peak, BENCHMARKS.md).
TEXT_CACHE_MAX = 100_000
# Distinct word forms whose lemma (and folded form) a Lemmatizer keeps: every French word and its
# usual misspellings, bounded against answers made of made-up words.
FORM_CACHE_MAX = 500_000


class Lemmatizer:
    """Folded lemmas of texts: every word's lemma (the model's view, where « pour tous », « sans »
    or « plus de » carry meaning) and content lemmas, stop words dropped (what keywords match).

    Each distinct form is looked up once (`LemmaTable`); each distinct text is analysed once and
    its two views kept as strings (identical answers such as « Rien », « RAS » are common, and the
    coder, the evaluation and the estimates ask for the same texts again).
    """

    def __init__(self, nlp: Language | None, batch_size: int = 256, *, table: LemmaTable | None = None):
        if table is None and nlp is None:
            raise ValueError("a Lemmatizer needs a spaCy pipeline or a LemmaTable")
        self.nlp = nlp
        self.batch_size = batch_size  # kept for callers of the spaCy-based version; unused
        self.table = table if table is not None else LemmaTable(nlp)  # type: ignore[arg-type]
        self._lemma: dict[str, str] = {}  # form -> folded lemma
        self._content: dict[str, str] = {}  # form -> folded lemma, "" for a stop word
        self._cache: dict[str, tuple[str, str]] = {}  # text -> (all lemmas, content lemmas), space-joined
        self._folded = _FoldedWords()  # white-space separated word -> fold(word)

    def _add_forms(self, forms: Sequence[str]) -> None:
        """Look up the forms not known yet. The tables start again when full, before a text's
        forms are added, so that every form of the text being analysed is there afterwards."""
        if len(self._lemma) + len(forms) > FORM_CACHE_MAX:
            self._lemma.clear()
            self._content.clear()
        stop = self.table.stop_words
        for form in forms:
            if form in self._lemma:
                continue
            key = form.replace("’", "'")
            lemma = fold(self.table.lemma(key)).strip("'")
            self._lemma[form] = lemma
            self._content[form] = "" if (key in stop or not lemma) else lemma

    def joined(self, texts: Sequence[str]) -> tuple[list[str], list[str]]:
        """Every word's lemma and the content lemmas of each text, each joined by single spaces."""
        cache, lemma, content = self._cache, self._lemma, self._content
        pairs = []
        for text in texts:
            pair = cache.get(text)
            if pair is None:
                forms = _TOKEN.findall(text.lower())
                try:
                    words = " ".join(filter(None, map(lemma.__getitem__, forms)))
                except KeyError:
                    self._add_forms(forms)
                    words = " ".join(filter(None, map(lemma.__getitem__, forms)))
                pair = (words, " ".join(filter(None, map(content.__getitem__, forms))))
                if len(cache) >= TEXT_CACHE_MAX:  # bounded: a national consultation has millions of texts
                    cache.clear()
                cache[text] = pair
            pairs.append(pair)
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def folded(self, texts: Sequence[str]) -> list[str]:
        """Each text folded (`fold`) word by word, words joined by one space: what character
        n-grams are counted on (they never cross white space), each distinct word folded once."""
        get = self._folded.__getitem__
        return [" ".join(map(get, t.split())) for t in texts]

    def __call__(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Content lemmas of each text (stop words and punctuation dropped), folded."""
        return [tuple(c.split()) for c in self.joined(texts)[1]]

    def all_lemmas(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Every word's lemma, folded, punctuation dropped: the model's view of a text."""
        return [tuple(w.split()) for w in self.joined(texts)[0]]

    def content_forms(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """The content words as written (folded), not lemmatised: a keyword's written form is
        matched too, in case its lemma differs from the lemma of the same word in an answer."""
        out = []
        for text in texts:
            forms = _TOKEN.findall(text.lower())
            self._add_forms(forms)
            out.append(tuple(f for f in (fold(x.replace("’", "'")).strip("'") for x in forms if self._content[x]) if f))
        return out

    def one(self, text: str) -> tuple[str, ...]:
        return self([text])[0]

    def clear(self) -> None:
        """Forget the analysed texts (the forms' lemmas are kept: they are few)."""
        self._cache.clear()

    @property
    def cache_size(self) -> int:
        """Distinct texts analysed so far."""
        return len(self._cache)

