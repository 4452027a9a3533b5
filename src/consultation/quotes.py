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
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb
import numpy as np

from consultation.redact import fold

_SPACES = re.compile(r"\s+")
_BULLET = re.compile(r"^\s*(?:[-–—•*·▪►]+|\d{1,2}[).]|\(\d{1,2}\))\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"(A-ZÀ-Ý0-9])")
_TOKEN = re.compile(r"[^\W\d_]{3,}")
GAP = " […] "

DEFAULT_MAX_QUOTES = 4
MAX_CHARS = 320  # about three lines of a report table cell
SHORT_CHARS = 25  # « L'adaptabilité. » says less than a sentence
HIGH_CONFIDENCE = 0.7
NEAR_DUPLICATE = 0.6  # Jaccard of content words above which two quotes say the same thing
MAX_POOL = 200  # candidates considered per theme and scope, the most typical first

MAX_CANDIDATES = 100  # coded excerpts read per question, theme and region (see _QUOTES_SQL)

# The coded excerpt when there is one, else the whole answer (a code on '' means "all of it").
# A report shows four quotes per theme: the database keeps, per question, theme and region, at
# most `max_candidates` excerpts, the best tier first and then a reproducible random draw (one
# integer key: tier in the top bits, a hash of the coded unit below), so that Python never holds
# a million answers. A cell with fewer excerpts is read whole (then the choice is the one made
# over every answer); the national pool is the union of the regional ones.
_QUOTES_SQL = """
WITH drawn AS (
    SELECT question_id, theme_id, respondent_id, region, source, confidence, unit_text,
           row_number() OVER (PARTITION BY question_id, theme_id, region ORDER BY pick_key) AS pick
    FROM (
        SELECT *, (CASE WHEN source = 'human' THEN 0 WHEN confidence >= ? THEN 1 ELSE 2 END)::UBIGINT << 62
                  | hash(respondent_id, unit_key) >> 2 AS pick_key
        FROM stg_codes
        WHERE consultation_id = ? AND (CAST(? AS VARCHAR) IS NULL OR question_id = ?)
    )
),
picked AS (
    SELECT d.question_id, d.theme_id, d.respondent_id, d.region, d.source, d.confidence,
           CASE WHEN trim(d.unit_text) <> '' THEN d.unit_text ELSE coalesce(a.text, '') END AS text
    FROM drawn d
    LEFT JOIN answers a
      ON a.consultation_id = ? AND a.respondent_id = d.respondent_id AND a.question_id = d.question_id
    WHERE d.pick <= ?
)
SELECT * FROM picked
WHERE trim(text) <> ''
ORDER BY question_id, theme_id, respondent_id, text
"""


@dataclass(frozen=True)
class Quote:
    """One testimony as published: the text (whole sentences) and where it comes from."""

    text: str
    respondent_id: str
    region: str
    source: str  # 'human', 'rule', 'model'
    confidence: float

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
        self.matrix = vstack([self.matrix, self.vectorizer.transform(new)], format="csr")  # type: ignore[union-attr]
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
    ):
        self.max_chars = max_chars
        rows = con.execute(
            _QUOTES_SQL,
            [HIGH_CONFIDENCE, consultation_id, question_id, question_id, consultation_id, max_candidates],
        ).fetchall()
        # question -> theme -> candidates (one per distinct text and respondent), and by region
        self._candidates: dict[str, dict[str, list[Quote]]] = defaultdict(lambda: defaultdict(list))
        self._by_region: dict[tuple[str, str, str], list[Quote]] = defaultdict(list)
        seen: set[tuple[str, str, str, str]] = set()
        cleaned: dict[str, str] = {}
        for qid, tid, rid, region, source, confidence, text in rows:
            clean = cleaned.get(text)
            if clean is None:
                clean = cleaned[text] = drop_contacts(clean_quote(text))
            if not clean or (qid, tid, rid, clean) in seen:
                continue
            seen.add((qid, tid, rid, clean))
            quote = Quote(clean, rid, region, source, float(confidence))
            self._candidates[qid][tid].append(quote)
            self._by_region[qid, tid, region].append(quote)
        self._indexes: dict[str, _QuestionIndex] = {}
        self._short: dict[tuple[str, str, str], str] = {}  # (question, theme, text) -> shortened

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
        out: dict[str, list[Quote]] = {}
        for tid in sorted(themes):
            if theme_id is not None and tid != theme_id:
                continue
            pool = themes[tid] if region is None else self._by_region.get((question_id, tid, region), [])
            pool = [self._shorten(q, question_id, tid, index) for q in pool]
            chosen = _select(pool, tid, index, limit, spread_regions=region is None)
            if chosen:
                out[tid] = [dataclasses.replace(q, text=mark_opening(q.text)) for q in chosen]
        return out

    def _index(self, question_id: str) -> _QuestionIndex:
        if question_id not in self._indexes:
            themes = self._candidates.get(question_id, {})
            index = self._indexes[question_id] = _fit_index(themes)
            # Every long candidate is cut the same way in every report: once, in two batches.
            long = [(tid, q) for tid, qs in themes.items() for q in qs if len(q.text) > self.max_chars]
            index.add([s for _, q in long for s in sentences(q.text)])
            for tid, q in long:
                self._shorten(q, question_id, tid, index)
            index.add(list(self._short.values()))
        return self._indexes[question_id]

    def _shorten(self, quote: Quote, question_id: str, theme_id: str, index: _QuestionIndex) -> Quote:
        if len(quote.text) <= self.max_chars:
            return quote
        key = (question_id, theme_id, quote.text)
        text = self._short.get(key)
        if text is None:
            text = self._short[key] = shorten(quote.text, self.max_chars, lambda s: index.typicality(s, theme_id))
        if text == quote.text:
            return quote
        return Quote(text, quote.respondent_id, quote.region, quote.source, quote.confidence)


def region_quotes(
    con: duckdb.DuckDBPyConnection,
    consultation_id: str,
    region: str,
    question_id: str,
    theme_id: str | None = None,
    max_per_theme: int = DEFAULT_MAX_QUOTES,
) -> dict[str, list[str]]:
    """Quote texts per theme for one region and question (a one-off `QuoteSelector`)."""
    selector = QuoteSelector(con, consultation_id, question_id=question_id)
    chosen = selector.choose(question_id, region=region, theme_id=theme_id, limit=max_per_theme)
    return {tid: [q.text for q in quotes] for tid, quotes in chosen.items()}


def clean_quote(text: str | None) -> str:
    """One line per quote: bullets dropped, lines joined, one space between words."""
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
    ranked = sorted(range(len(parts)), key=lambda i: (-typicality(parts[i]), i))
    kept = [ranked[0]]
    total = len(parts[ranked[0]])
    for i in ranked[1:]:
        if typicality(parts[i]) > 0 and total + len(parts[i]) + len(GAP) <= max_chars:
            kept.append(i)
            total += len(parts[i]) + len(GAP)
    kept.sort()
    out = parts[kept[0]]
    for prev, cur in itertools.pairwise(kept):
        out += (" " if cur == prev + 1 else GAP) + parts[cur]
    return _mark_cuts(out, kept[0] > 0, kept[-1] < len(parts) - 1)


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
_CONTACT_DETAIL = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+|\b0[1-9](?:[ .-]?\d{2}){4}\b|\+33|\[(?:téléphone|courriel|adresse)\]",
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


def _select(
    pool: list[Quote], theme_id: str, index: _QuestionIndex, limit: int, *, spread_regions: bool
) -> list[Quote]:
    """Greedy choice: best tier first; within it, typical and unlike what is already chosen
    (maximal marginal relevance), never a near-duplicate of a chosen quote."""
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
    left = list(range(len(pool)))
    chosen: list[int] = []
    while left and len(chosen) < limit:
        tier = min(pool[i].tier for i in left)

        def score(i: int) -> tuple[float, int, str]:
            value = base[i]
            if chosen:
                value -= 0.6 * max(float(similarity[i, j]) for j in chosen)
                if any(pool[j].respondent_id == pool[i].respondent_id for j in chosen):
                    value -= 0.15
                if spread_regions and any(pool[j].region == pool[i].region for j in chosen):
                    value -= 0.1
            return round(value, 9), -len(pool[i].text), pool[i].text  # stable ties

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


def _jaccard_words(wa: set[str], wb: set[str], a: str, b: str) -> float:
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
    from spacy.lang.fr.stop_words import STOP_WORDS

    return frozenset(t for w in STOP_WORDS for t in _TOKEN.findall(fold(w)))


_STOP = _stop_words()
