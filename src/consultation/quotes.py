"""Testimonies: the verbatim quotes that illustrate each theme, for a region or the whole country.

A good testimony is (1) coded reliably (a person's code, or a sure automatic one), (2) typical of
its theme and (3) not a repeat of another quote in the same cell. Typicality is the TF-IDF cosine
between a quote and the centroid of every answer coded with the theme nationally; repeats are
caught with the same vectors (cosine) and with word overlap (Jaccard). Long answers are cut to
their most typical whole sentences, never mid-sentence.

Everything is loaded once per consultation (`QuoteSelector`), so 15 regional reports cost one
query and one TF-IDF fit per question.
"""

from __future__ import annotations

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

# The coded excerpt when there is one, else the whole answer (a code on '' means "all of it").
_QUOTES_SQL = """
SELECT c.question_id, c.theme_id, c.respondent_id, c.region, c.source, c.confidence,
       CASE WHEN trim(c.unit_text) <> '' THEN c.unit_text ELSE coalesce(a.text, '') END AS text
FROM stg_codes c
LEFT JOIN answers a USING (consultation_id, respondent_id, question_id)
WHERE c.consultation_id = ? AND (CAST(? AS VARCHAR) IS NULL OR c.question_id = ?)
ORDER BY c.question_id, c.theme_id, c.respondent_id, text
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
    """TF-IDF vectors (sparse rows) of one question's texts and the centroid of each theme."""

    vectorizer: object | None = None
    rows: dict[str, int] = field(default_factory=dict)
    matrix: object | None = None  # scipy CSR, one row per distinct text
    centroids: dict[str, np.ndarray] = field(default_factory=dict)
    _extra: dict[str, object] = field(default_factory=dict)

    def vector(self, text: str) -> object | None:
        if self.matrix is None:
            return None
        row = self.rows.get(text)
        if row is not None:
            return self.matrix[row]
        if text not in self._extra:  # a shortened quote: not in the fitted texts
            self._extra[text] = self.vectorizer.transform([text])  # type: ignore[union-attr]
        return self._extra[text]

    def typicality(self, text: str, theme_id: str) -> float:
        vec, centroid = self.vector(text), self.centroids.get(theme_id)
        if vec is None or centroid is None:
            return 0.0
        return float((vec @ centroid)[0])  # type: ignore[operator]

    def similarities(self, texts: list[str]) -> list[list[float]]:
        """Cosine similarity of every pair of texts (vectors are L2-normalised)."""
        if self.matrix is None or not texts:
            return [[0.0] * len(texts) for _ in texts]
        from scipy.sparse import vstack

        stacked = vstack([self.vector(t) for t in texts])
        return (stacked @ stacked.T).toarray().tolist()


class QuoteSelector:
    """Every coded excerpt of a consultation, ready to pick testimonies per scope and theme."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        consultation_id: str,
        *,
        question_id: str | None = None,
        max_chars: int = MAX_CHARS,
    ):
        self.max_chars = max_chars
        rows = con.execute(_QUOTES_SQL, [consultation_id, question_id, question_id]).fetchall()
        # question -> theme -> candidates (one per distinct text and respondent)
        self._candidates: dict[str, dict[str, list[Quote]]] = defaultdict(lambda: defaultdict(list))
        seen: set[tuple[str, str, str, str]] = set()
        for qid, tid, rid, region, source, confidence, text in rows:
            clean = clean_quote(text)
            if not clean or (qid, tid, rid, clean) in seen:
                continue
            seen.add((qid, tid, rid, clean))
            self._candidates[qid][tid].append(Quote(clean, rid, region, source, float(confidence)))
        self._indexes: dict[str, _QuestionIndex] = {}

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
            pool = [q for q in themes[tid] if region is None or q.region == region]
            pool = [self._shorten(q, tid, index) for q in pool]
            chosen = _select(pool, tid, index, limit, spread_regions=region is None)
            if chosen:
                out[tid] = chosen
        return out

    def _index(self, question_id: str) -> _QuestionIndex:
        if question_id not in self._indexes:
            themes = self._candidates.get(question_id, {})
            self._indexes[question_id] = _fit_index(themes)
        return self._indexes[question_id]

    def _shorten(self, quote: Quote, theme_id: str, index: _QuestionIndex) -> Quote:
        text = shorten(quote.text, self.max_chars, lambda s: index.typicality(s, theme_id))
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
    return out


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
    words = [content_words(q.text) for q in pool]
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
                value -= 0.6 * max(similarity[i][j] for j in chosen)
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
