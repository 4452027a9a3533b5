"""Testimonies: the verbatim quotes that illustrate each theme, for a region or the whole country.

A good testimony is (1) coded reliably (a person's code, or a sure automatic one), (2) typical of
its theme and (3) not a repeat of another quote in the same cell. Typicality is the TF-IDF cosine
between a quote and the centroid of every answer coded with the theme nationally; repeats are
caught with the same vectors (cosine) and with word overlap (Jaccard). Long answers are cut to
their most typical whole sentences, never mid-sentence.

Everything is loaded once per consultation (`QuoteSelector`), so 15 regional reports cost one
query and one TF-IDF fit per question. The query keeps a bounded sample of excerpts per region,
question and theme (`MAX_CANDIDATES`), so a million answers cost what a few thousand do.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import duckdb
import numpy as np

from consultation.store.queries import quote_candidates, theme_labels
from consultation.text import fold, french_stop_words, is_excerpt_of

_SPACES = re.compile(r"\s+")
_BULLET = re.compile(r"^\s*(?:[-–—•*·▪►]+|\d{1,2}[).]|\(\d{1,2}\))\s*")
# « && » between a respondent's messages, as conversational surveys join them (Entendre la
# France): a line break, as `text.segment` reads it, never printed.
_MESSAGE_BREAK = re.compile(r"(?:\s*&&)+\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"(A-ZÀ-Ý0-9])")
_TOKEN = re.compile(r"[^\W\d_]{3,}")
GAP = " […] "

DEFAULT_MAX_QUOTES = 4
MAX_CHARS = 320  # about three lines of a report table cell
SHORT_CHARS = 25  # « L'adaptabilité. » says less than a sentence
HIGH_CONFIDENCE = 0.7
NEAR_DUPLICATE = 0.6  # Jaccard of content words above which two quotes say the same thing
MAX_POOL = 200  # candidates considered per theme and scope, the most typical first

MAX_CANDIDATES = 100  # coded excerpts read per question, theme and region (see store.queries.quote_candidates)

# The coded excerpt when there is one, else the whole answer (a code on '' means "all of it").
# A report shows four quotes per theme: the database keeps, per question, theme and region, at
# most `max_candidates` excerpts, the best tier first and then a reproducible random draw (one
# integer key: tier in the top bits, a hash of the coded unit below), so that Python never holds
# a million answers. A cell with fewer excerpts is read whole (then the choice is the one made
# over every answer); the national pool is the union of the regional ones.
@dataclass(frozen=True)
class Quote:
    """One testimony as published: the text (whole sentences) and where it comes from."""

    text: str
    respondent_id: str
    region: str
    source: str  # 'human', 'rule', 'model'
    confidence: float
    others: tuple[str, ...] = ()  # other themes coded on the same whole answer
    context: str = ""  # the whole answer an excerpt was coded in (cleaned), else ""

    @property
    def tier(self) -> int:
        """0: coded by a person; 1: sure automatic code; 2: the rest."""
        if self.source == "human":
            return 0
        return 1 if self.confidence >= HIGH_CONFIDENCE else 2


@dataclass
class _QuestionIndex:
    """TF-IDF vectors (sparse rows) of one question's texts and the centroid of each theme.

    Texts that were not fitted (sentences of long answers, shortened quotes) are vectorised in
    batches (`add`) and appended to the same matrix; typicality is one sparse product per theme
    over the whole matrix, looked up afterwards.
    """

    vectorizer: object | None = None
    rows: dict[str, int] = field(default_factory=dict)
    matrix: object | None = None  # scipy CSR, one row per fitted text, then the added ones
    centroids: dict[str, np.ndarray] = field(default_factory=dict)
    _typical: dict[str, np.ndarray] = field(default_factory=dict)  # theme -> matrix @ centroid

    def add(self, texts: list[str]) -> None:
        """Vectorise, in one batch, the texts not seen yet."""
        if self.matrix is None:
            return
        new = [t for t in dict.fromkeys(texts) if t not in self.rows]
        if not new:
            return
        from scipy.sparse import vstack

        start = self.matrix.shape[0]  # type: ignore[attr-defined]
        self.matrix = vstack([self.matrix, self.vectorizer.transform(new)], format="csr")  # type: ignore[union-attr, attr-defined]
        self.rows.update((t, start + i) for i, t in enumerate(new))
        self._typical.clear()

    def row(self, text: str) -> int:
        if text not in self.rows:
            self.add([text])
        return self.rows[text]

    def typicality(self, text: str, theme_id: str) -> float:
        if self.matrix is None or theme_id not in self.centroids:
            return 0.0
        row = self.row(text)
        if theme_id not in self._typical:
            self._typical[theme_id] = self.matrix @ self.centroids[theme_id]  # type: ignore[operator]
        return float(self._typical[theme_id][row])

    def similarities(self, texts: list[str]) -> np.ndarray:
        """Cosine similarity of every pair of texts (vectors are L2-normalised)."""
        if self.matrix is None or not texts:
            return np.zeros((len(texts), len(texts)))
        self.add(texts)
        stacked = self.matrix[[self.rows[t] for t in texts]]  # type: ignore[index]
        return (stacked @ stacked.T).toarray()


class QuoteSelector:
    """Coded excerpts of a consultation (a bounded sample per region), ready to pick testimonies
    per scope and theme."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        consultation_id: str,
        *,
        question_id: str | None = None,
        max_chars: int = MAX_CHARS,
        max_candidates: int = MAX_CANDIDATES,
        keywords: dict[tuple[str, str], list[str]] | None = None,
    ):
        """`keywords`: (question, theme) -> the codebook's keywords, to tell which sentence of an
        answer on several topics carries which theme (the themes' labels are used in any case)."""
        self.max_chars = max_chars
        rows = quote_candidates(con, consultation_id, question_id, HIGH_CONFIDENCE, max_candidates)
        # question -> theme -> candidates (one per distinct text and respondent), and by region
        self._candidates: dict[str, dict[str, list[Quote]]] = defaultdict(lambda: defaultdict(list))
        self._by_region: dict[tuple[str, str, str], list[Quote]] = defaultdict(list)
        seen: set[tuple[str, str, str, str]] = set()
        cleaned: dict[str, str] = {}
        for qid, tid, rid, region, source, confidence, text, whole_themes, answer in rows:
            clean = cleaned.get(text)
            if clean is None:
                clean = cleaned[text] = drop_contacts(clean_quote(text))
            if not clean or (qid, tid, rid, clean) in seen:
                continue
            if source == "human" and answer is not None and not is_excerpt_of(text, answer):
                # A codes file's text that is not in the respondent's answer (a coder's summary, a
                # column shifted by a sort): the code counts, its text is never quoted as theirs.
                continue
            seen.add((qid, tid, rid, clean))
            others = tuple(sorted({t for t in whole_themes or () if t and t != tid}))
            context = ""
            if answer and depends_on_previous(clean):  # only then is the context read
                context = cleaned.get(answer) or cleaned.setdefault(answer, drop_contacts(clean_quote(answer)))
            quote = Quote(clean, rid, region, source, float(confidence), others, context)
            self._candidates[qid][tid].append(quote)
            self._by_region[qid, tid, region].append(quote)
        self._indexes: dict[str, _QuestionIndex] = {}
        self._short: dict[tuple, str | None] = {}  # (question, theme, text, others) -> as quoted
        self._words: dict[tuple[str, str], tuple[str, ...]] = {
            (q, t): theme_words(label, (keywords or {}).get((q, t), ()))
            for q, t, label in theme_labels(con, consultation_id)}

    def choose(
        self,
        question_id: str,
        *,
        region: str | None = None,
        theme_id: str | None = None,
        limit: int = DEFAULT_MAX_QUOTES,
    ) -> dict[str, list[Quote]]:
        """Up to `limit` quotes per theme, best first; `region=None` draws from the whole country."""
        if limit <= 0:
            return {}
        themes = self._candidates.get(question_id, {})
        index = self._index(question_id)
        pools: dict[str, list[Quote]] = {}
        for tid in sorted(themes):
            if theme_id is not None and tid != theme_id:
                continue
            pool = themes[tid] if region is None else self._by_region.get((question_id, tid, region), [])
            pools[tid] = [q for q in (self._shorten(q, question_id, tid, index) for q in pool) if q is not None]
        # One table shows every theme of the question: a testimony already quoted for one theme is
        # quoted for another only when that theme has nothing else as reliable (an answer coded
        # with two themes came back in both cells). Each theme takes the testimonies that are its
        # own before those it shares with another theme; the fewest candidates choose first.
        claims = Counter(key for pool in pools.values() for key in {k for q in pool for k in _shown_keys(q.text)})
        shared = {key for key, n in claims.items() if n > 1}
        shown: set[str] = set()
        out: dict[str, list[Quote]] = {}
        for tid in sorted(pools, key=lambda t: (len(pools[t]), t)):
            chosen = _select(pools[tid], tid, index, limit, spread_regions=region is None, shown=shown, shared=shared)
            shown.update(k for q in chosen for k in _shown_keys(q.text))
            if chosen:
                out[tid] = chosen
        return dict(sorted(out.items()))

    def _index(self, question_id: str) -> _QuestionIndex:
        if question_id not in self._indexes:
            themes = self._candidates.get(question_id, {})
            index = self._indexes[question_id] = _fit_index(themes)
            # Every candidate to cut (long, on several topics, or opening on a word that needs the
            # sentence before) is cut the same way in every report: once, in two batches.
            cut = [(tid, q) for tid, qs in themes.items() for q in qs if self._to_cut(q)]
            index.add([s for _, q in cut for s in sentences(q.text)])
            for tid, q in cut:
                self._shorten(q, question_id, tid, index)
            index.add([t for t in self._short.values() if t])
        return self._indexes[question_id]

    def _to_cut(self, quote: Quote) -> bool:
        return len(quote.text) > self.max_chars or bool(quote.others) or depends_on_previous(quote.text)

    def _shorten(self, quote: Quote, question_id: str, theme_id: str, index: _QuestionIndex) -> Quote | None:
        """The quote as published: the sentences that carry the theme, standing on their own;
        None when nothing in it can be quoted without the sentence before."""
        if not self._to_cut(quote):
            return quote
        key = (question_id, theme_id, quote.text, quote.others)
        if key not in self._short:
            words = self._words

            def score(sentence: str, theme: str) -> float:
                return index.typicality(sentence, theme) + WORDS_WEIGHT * word_hits(
                    sentence, words.get((question_id, theme), ()))

            self._short[key] = quotable(quote.text, theme_id, self.max_chars, score,
                                        others=quote.others, context=quote.context)
        text = self._short[key]
        if text is None:
            return None
        return quote if text == quote.text else dataclasses.replace(quote, text=text)


def clean_quote(text: str | None) -> str:
    """One line per quote: bullets dropped, lines (and messages joined by « && ») joined, one
    space between words."""
    text = _MESSAGE_BREAK.sub("\n", text) if text and "&&" in text else text
    lines = [_BULLET.sub("", line).strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    joined = ""
    for line in lines:
        if joined:
            joined += " " if joined[-1] in ".!?…;:," else " ; "
        joined += line
    return collapse_spaces(joined)


def collapse_spaces(text: str | None) -> str:
    """One space between words, none at the ends: quotes are shown inline in a table cell."""
    return _SPACES.sub(" ", text or "").strip()


def sentences(text: str) -> list[str]:
    """Whole sentences (and the lines of a list, already joined by « ; »)."""
    parts = []
    for piece in re.split(r"\s;\s", text):
        parts += [p.strip() for p in _SENTENCE_END.split(piece) if p.strip()]
    return parts


def shorten(text: str, max_chars: int, typicality) -> str:
    """The most typical whole sentences of a long answer, in their order, « […] » between gaps."""
    if len(text) <= max_chars:
        return text
    parts = sentences(text)
    if len(parts) <= 1:
        return text  # one long sentence: whole rather than cut
    kept = _most_typical(parts, max_chars, typicality)
    return _mark_cuts(_join(parts, kept), kept[0] > 0, kept[-1] < len(parts) - 1)


def _most_typical(parts: list[str], max_chars: int, typicality, kept: list[int] | None = None) -> list[int]:
    candidates = kept if kept is not None else list(range(len(parts)))
    ranked = sorted(candidates, key=lambda i: (-typicality(parts[i]), i))
    out = [ranked[0]]
    total = len(parts[ranked[0]])
    for i in ranked[1:]:
        if typicality(parts[i]) > 0 and total + len(parts[i]) + len(GAP) <= max_chars:
            out.append(i)
            total += len(parts[i]) + len(GAP)
    return sorted(out)


WORDS_WEIGHT = 0.5  # per word of the theme's label or keywords a sentence uses


def carrying(parts: list[str], theme_id: str, others: tuple[str, ...], score) -> list[int]:
    """The sentences of a multi-topic answer that carry `theme_id`: they score for it at least as
    well as for any other theme the answer is coded with (`score(sentence, theme)`: typicality
    plus label words). Every sentence when none can be told apart."""
    own = [score(p, theme_id) for p in parts]
    rival = [max((score(p, o) for o in others), default=0.0) for p in parts]
    kept = [i for i in range(len(parts)) if own[i] > 0 and own[i] >= rival[i]]
    if not kept:
        return list(range(len(parts)))
    best = max(range(len(parts)), key=lambda i: (own[i] - rival[i], own[i], -i))
    return sorted(set(kept) | {best})


def quotable(text: str, theme_id: str, max_chars: int, score, *, others: tuple[str, ...] = (),
             context: str = "") -> str | None:
    """What of an answer (or coded excerpt) to print for a theme, or None.

    - on several topics (`others`: the other themes coded on the whole answer), the sentences that
      carry this one (`carrying`);
    - too long, the most typical of them that fit in `max_chars`;
    - no run of sentences opening on a word that needs the sentence before (« Mais », « Et »,
      « Cela », « Ils »…): that sentence comes in too, or, at the very start of the answer, the
      opening sentence is left out; an excerpt may take it from its answer (`context`);
    - « […] » wherever the answer is cut.
    """
    parts = sentences(text)
    if not parts:
        return None
    kept = list(range(len(parts)))
    if others and len(parts) > 1:
        kept = carrying(parts, theme_id, others, score)
    if sum(len(parts[i]) for i in kept) + len(GAP) * (len(kept) - 1) > max_chars and len(kept) > 1:
        kept = _most_typical(parts, max_chars, lambda s: score(s, theme_id), kept)
    kept = standalone(parts, kept)
    opens_leaning = bool(kept) and kept[0] == 0 and depends_on_previous(parts[0])
    before = _previous_in(context, parts[0]) if opens_leaning else ""
    if not before:
        kept = _drop_leaning(parts, kept)
    if not kept:
        return None
    if kept == list(range(len(parts))) and not before:
        return text
    body = _join_as_written(text, parts, kept)
    if before:
        ctx = sentences(context)
        start = ctx.index(before)
        return _mark_cuts(f"{before} {body}", start > 0, kept[-1] < len(parts) - 1 or _ends_before(ctx, parts))
    return _mark_cuts(body, kept[0] > 0, kept[-1] < len(parts) - 1)


def _join_as_written(text: str, parts: list[str], kept: list[int]) -> str:
    """The kept sentences, with the answer's own separator between neighbours (« ; » of a list
    included) and « […] » between the others."""
    ends, pos = [], 0
    for part in parts:
        start = text.find(part, pos)
        if start < 0:
            return _join(parts, kept)
        ends.append((start, start + len(part)))
        pos = start + len(part)
    out = parts[kept[0]]
    for prev, cur in itertools.pairwise(kept):
        out += (text[ends[prev][1]:ends[cur][0]] if cur == prev + 1 else GAP) + parts[cur]
    return out


def standalone(parts: list[str], kept: list[int]) -> list[int]:
    """`kept` with, before every run that opens on a sentence needing the one before, that
    sentence (twice at most); a run opening the answer is left for the caller to judge."""
    out = set(kept)
    for i in sorted(kept):
        j = i
        steps = 0
        while j > 0 and j - 1 not in out and depends_on_previous(parts[j]) and steps < 2:
            out.add(j - 1)
            j -= 1
            steps += 1
    return _drop_leaning(parts, sorted(out), keep_opening=True)


def _drop_leaning(parts: list[str], kept: list[int], *, keep_opening: bool = False) -> list[int]:
    """`kept` without the sentences that open a run and lean on a sentence left out (the answer's
    first sentence too, unless `keep_opening`), and those that then lean on them."""
    out = list(kept)
    changed = True
    while changed:
        changed = False
        for i in out:
            if depends_on_previous(parts[i]) and i - 1 not in out and not (i == 0 and keep_opening):
                out.remove(i)
                changed = True
                break
    return out


def _previous_in(context: str, first: str) -> str:
    """The sentence before `first` in the answer it was taken from, when it stands on its own."""
    if not context:
        return ""
    ctx = sentences(context)
    probe = first.rstrip(".!?… ")[:60].casefold()
    for k, sentence in enumerate(ctx):
        if probe and probe in sentence.casefold():
            if k > 0 and not depends_on_previous(ctx[k - 1]) and not ctx[k - 1].startswith(GAP.strip()):
                return ctx[k - 1]
            return ""
    return ""


def _ends_before(ctx: list[str], parts: list[str]) -> bool:
    probe = parts[-1].rstrip(".!?… ")[:60].casefold()
    last = next((k for k, s in enumerate(ctx) if probe and probe in s.casefold()), len(ctx) - 1)
    return last < len(ctx) - 1


# Words that need the sentence before: connectives, and pronouns or phrases pointing back to it.
_REFERS_BACK = re.compile(
    r"^(?:cela|ça|ca|ceci|celui-ci|celle-ci|ceux-ci|celles-ci|ce dernier|cette dernière|ces derniers"
    r"|ces dernières|elles?|ils|eux|leurs?|c'est pourquoi|d'où|de ce fait|en effet|notamment"
    r"|c'est (?:ce|cela|ça) qui)\b",
    re.IGNORECASE,
)


def depends_on_previous(sentence: str) -> bool:
    """True for a sentence that only makes sense after another: « Mais aussi… », « Et une
    équipe… », « Cela a permis… », « Ils ont tenu. »."""
    text = sentence.lstrip(" «\"'(" + GAP.strip()).lstrip()
    return bool(_DANGLING.match(text) or _REFERS_BACK.match(text))


def theme_words(label: str, keywords=()) -> tuple[str, ...]:
    """The stems a sentence on this theme is likely to use: content words of its label and its
    keywords, folded, cut to their stem (`_stem`)."""
    words = content_words(label) | {w for k in keywords for w in content_words(k)}
    return tuple(sorted({_stem(w) for w in words}))


def _stem(word: str) -> str:
    """A crude French stem: « salaires », « salaire » -> « salai »; « former », « formation » ->
    « form »; never under four letters."""
    return word[:max(4, min(len(word) - 2, 5))]


def word_hits(sentence: str, stems: tuple[str, ...]) -> int:
    """How many of a theme's stems the sentence uses."""
    if not stems:
        return 0
    tokens = content_words(sentence)
    return sum(1 for stem in stems if any(t.startswith(stem) for t in tokens))


def _mark_cuts(text: str, start: bool, end: bool) -> str:
    """« […] » where the quote leaves out the beginning or the end of the answer."""
    if start and not text.startswith(GAP.strip()):
        text = f"{GAP.strip()} {text}"
    if end and not text.endswith(GAP.strip()):
        text = f"{text} {GAP.strip()}"
    return text


# Lines that are not testimony: contact details, greetings, signatures (whole sentences).
_CONTACT = re.compile(
    r"^\W*(?:(?:contacts?|t[ée]l(?:[ée]phone)?|portable|mobile|fax|e-?mail|mail|courriel|site(?: web| internet)?"
    r"|adresse|r[ée]f[ée]rente?)\s*[.:]"
    r"|(?:(?:bien )?cordialement|bien (?:à|a) vous|(?:sinc[eè]res |meilleures )?salutations|signé)\b"
    r"|(?:bonjour|bonsoir|madame,? monsieur)\W*$)",
    re.IGNORECASE,
)
# An address starts its run of [\w.+-] (a start inside it finds what the run's first one finds):
# from every start of a long run, the search was quadratic.
_CONTACT_DETAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+|\b0[1-9](?:[ .-]?\d{2}){4}\b|\+33|\[(?:téléphone|courriel|adresse)\]",
    re.IGNORECASE,
)
_GREETING = re.compile(r"^\W*(?:bonjour|bonsoir|madame,? monsieur|bien (?:à|a) vous)\s*[,.!:]\s*", re.IGNORECASE)
# Words that only make sense after another sentence: a quote opening on them starts with « […] ».
_DANGLING = re.compile(
    r"^(?:mais|et|ou|donc|or|puis|ensuite|aussi|enfin|également|egalement|de plus|en plus|par ailleurs"
    r"|en outre|d'autre part|cependant|toutefois|pourtant|sinon|car|alors|ainsi|du coup|au contraire"
    r"|à l'inverse|a l'inverse|quant à|de même|là encore)\b",
    re.IGNORECASE,
)


def drop_contacts(text: str) -> str:
    """The answer without its contact lines, greetings and signatures, « […] » where they were."""
    parts = sentences(text)
    greeted = [bool(_GREETING.match(p)) and _GREETING.match(p).end() < len(p) for p in parts]  # type: ignore[union-attr]
    parts = [_GREETING.sub("", p, count=1) if g else p for p, g in zip(parts, greeted, strict=True)]
    kept = [i for i, p in enumerate(parts) if not (_CONTACT.match(p) or _CONTACT_DETAIL.search(p))]
    if any(greeted) and kept:
        return _mark_cuts(_join(parts, kept), True, kept[-1] < len(parts) - 1)
    if len(kept) == len(parts):
        return text
    if not kept:
        return ""
    return _mark_cuts(_join(parts, kept), kept[0] > 0, kept[-1] < len(parts) - 1)


def _join(parts: list[str], kept: list[int]) -> str:
    out = parts[kept[0]]
    for prev, cur in itertools.pairwise(kept):
        out += (" " if cur == prev + 1 else GAP) + parts[cur]
    return out


def mark_opening(text: str) -> str:
    """« […] Mais aussi… » rather than a quote that opens mid-thought."""
    return _mark_cuts(text, bool(_DANGLING.match(text)), False)


def content_words(text: str) -> set[str]:
    return {w for w in _TOKEN.findall(fold(text)) if w not in _STOP}


def jaccard(a: str, b: str) -> float:
    """Share of content words two quotes have in common (1.0: the same words)."""
    return _jaccard_words(content_words(a), content_words(b), a, b)


MIN_SHOWN_SENTENCE = 20  # characters: « Non. », « Oui, tout à fait. » repeat between answers


@functools.lru_cache(maxsize=65536)
def _shown_keys(text: str) -> frozenset[str]:
    """What a reader would recognise as said already: the quote, and each of its sentences long
    enough to be someone's (two excerpts of one long answer share sentences)."""
    parts = [_shown_key(p) for p in sentences(text.replace("[…]", " "))]  # a cut mark splits nothing
    return frozenset([_shown_key(text), *(p for p in parts if len(p) >= MIN_SHOWN_SENTENCE)])


def _shown_key(text: str) -> str:
    return collapse_spaces(text.replace("[…]", " ")).strip(" «»").casefold()


def _select(
    pool: list[Quote], theme_id: str, index: _QuestionIndex, limit: int, *, spread_regions: bool,
    shown: AbstractSet[str] = frozenset(), shared: AbstractSet[str] = frozenset(),
) -> list[Quote]:
    """Greedy choice: best tier first; within it, a text nothing of which is already `shown` for
    another theme (then one that shares a sentence, then the very quote), likewise one no other
    theme can quote (`shared`), then typical and unlike what is already chosen (maximal marginal
    relevance), never a near-duplicate of a chosen quote."""
    if not pool:
        return []
    typical = [index.typicality(q.text, theme_id) for q in pool]
    order = sorted(range(len(pool)), key=lambda i: (pool[i].tier, -typical[i], pool[i].respondent_id, pool[i].text))
    order = order[:MAX_POOL]  # a national pool of thousands: the most typical are enough
    pool, typical = [pool[i] for i in order], [typical[i] for i in order]
    similarity = index.similarities([q.text for q in pool])
    words = [_content_words(q.text) for q in pool]
    # A sentence says more than three words: a small bonus for length, up to about two lines.
    base = [
        typical[i] + 0.1 * q.confidence + 0.15 * min(len(q.text), 150) / 150
        - (0.2 if len(q.text) < SHORT_CHARS else 0.0)
        for i, q in enumerate(pool)
    ]
    # 2: nothing of it shown yet; 1: one of its sentences shown; 0: the very quote shown.
    keys = [(_shown_key(q.text), _shown_keys(q.text)) for q in pool]
    fresh = [0 if whole in shown else 1 if parts & shown else 2 for whole, parts in keys]
    own = [0 if whole in shared else 1 if parts & shared else 2 for whole, parts in keys]
    left = list(range(len(pool)))
    chosen: list[int] = []
    while left and len(chosen) < limit:
        tier = min(pool[i].tier for i in left)

        def score(i: int) -> tuple[int, int, float, int, str]:
            value = base[i]
            if chosen:
                value -= 0.6 * max(float(similarity[i, j]) for j in chosen)
                if any(pool[j].respondent_id == pool[i].respondent_id for j in chosen):
                    value -= 0.15
                if spread_regions and any(pool[j].region == pool[i].region for j in chosen):
                    value -= 0.1
            return fresh[i], own[i], round(value, 9), -len(pool[i].text), pool[i].text  # stable ties

        best = max((i for i in left if pool[i].tier == tier), key=score)
        chosen.append(best)
        left = [
            i for i in left
            if i != best and pool[i].text != pool[best].text
            and _jaccard_words(words[i], words[best], pool[i].text, pool[best].text) < NEAR_DUPLICATE
        ]
    return [pool[i] for i in chosen]


@functools.lru_cache(maxsize=65536)
def _content_words(text: str) -> frozenset[str]:
    """`content_words`, cached: national and regional pools share their texts."""
    return frozenset(content_words(text))


def _jaccard_words(wa: AbstractSet[str], wb: AbstractSet[str], a: str, b: str) -> float:
    return len(wa & wb) / len(wa | wb) if wa and wb else float(a.casefold() == b.casefold())


def _fit_index(themes: dict[str, list[Quote]]) -> _QuestionIndex:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = sorted({q.text for quotes in themes.values() for q in quotes})
    if not texts:
        return _QuestionIndex()
    vectorizer = TfidfVectorizer(
        preprocessor=fold, token_pattern=r"(?u)\b[^\W\d_]{3,}\b", stop_words=sorted(_STOP),
        sublinear_tf=True,
    )
    try:
        matrix = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # only stop words: no vocabulary
        return _QuestionIndex()
    rows = {t: i for i, t in enumerate(texts)}
    centroids = {}
    for tid, quotes in themes.items():
        mean = np.asarray(matrix[[rows[q.text] for q in quotes]].mean(axis=0)).ravel()
        norm = float(np.linalg.norm(mean))
        if norm > 0:
            centroids[tid] = mean / norm
    return _QuestionIndex(vectorizer, rows, matrix, centroids)


def _stop_words() -> frozenset[str]:
    """spaCy's French stop words, cut into tokens the way the vectorizer cuts texts."""
    return frozenset(t for w in french_stop_words() for t in _TOKEN.findall(fold(w)))


_STOP = _stop_words()
