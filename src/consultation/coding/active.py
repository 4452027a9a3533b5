"""Choose what humans code next: the answers whose codes would teach the model most.

Uncertainty with diversity (« diverse mini-batch » active learning, Zhdanov 2019): keep the
`prefilter` × n most uncertain distinct answers, group them into n clusters by their words
(k-means on the TF-IDF of their character n-grams reduced by SVD, each answer weighted by its
uncertainty) and take, in each cluster, the answer closest to its centre. Twenty near-identical
uncertain answers thus cost one code, not twenty; the choice is deterministic for a seed.

`uncertainty` comes from the engine (`UnitDecisions.uncertainty()`: 1 when a theme's
probability sits on its threshold or nothing claims the answer). The review sheet
(`review.review_candidates`) and the « quoi coder ensuite » export (`review.next_to_code`) both use
`choose_to_code`; benchmarks/coding/bench_active.py measures it against random choice.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from consultation import fmt
from consultation.text import fold, normalise_text

# Candidates kept before clustering, as a multiple of the number of answers to choose.
PREFILTER = 5
# Dimensions of the word space the clusters are made in.
SVD_DIMS = 50


def _features(texts: list[str], seed: int) -> np.ndarray | None:
    try:
        X = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts)
    except ValueError:  # nothing but blanks
        return None
    dims = min(SVD_DIMS, X.shape[0] - 1, X.shape[1] - 1)
    if dims < 2:
        return normalize(X).toarray()
    return normalize(TruncatedSVD(dims, random_state=seed).fit_transform(X))


def choose_to_code(
    texts: list[str], uncertainty: np.ndarray | list[float], n: int, *, seed: int = 0, prefilter: int = PREFILTER
) -> list[int]:
    """Positions of the `n` texts to code next, most uncertain first; identical texts (after
    folding case, accents and spaces) are never chosen twice, blank ones never. Same inputs and seed, same choice."""
    if not texts or n <= 0:
        return []
    scores = np.nan_to_num(np.asarray(uncertainty, dtype=float))
    folded = [fold(normalise_text(t)) for t in texts]
    # one position per distinct text, most uncertain first (ties: first in the list)
    order = np.argsort(-scores, kind="stable")
    seen: set[str] = set()
    distinct = []
    for i in order:
        if folded[i] and folded[i] not in seen:  # a blank answer has nothing to code
            seen.add(folded[i])
            distinct.append(int(i))
    if len(distinct) <= n:
        return distinct
    candidates = np.asarray(distinct[: max(n, prefilter * n)])
    X = _features([folded[i] for i in candidates], seed)
    if X is None or len(candidates) == n:
        return [int(i) for i in candidates[:n]]
    weights = scores[candidates] + 1e-3
    km = KMeans(n_clusters=n, random_state=seed, n_init=3).fit(X, sample_weight=weights)
    distance = km.transform(X)  # candidates x clusters
    picked: list[int] = []
    for c in range(n):
        members = np.flatnonzero(km.labels_ == c)
        if len(members):
            picked.append(int(members[np.argmin(distance[members, c])]))
    if len(picked) < n:  # empty clusters: the next most uncertain candidates
        rest = [j for j in range(len(candidates)) if j not in set(picked)]
        picked += rest[: n - len(picked)]
    picked.sort(key=lambda j: (-scores[candidates[j]], j))
    return [int(candidates[j]) for j in picked]


def ranked_label(theme_ids: list[str], probabilities: np.ndarray, labels: dict[str, str], top: int = 3) -> str:
    """« Libellé (0,82) ; Autre libellé (0,40) » for the `top` themes by probability."""
    ok = np.flatnonzero(~np.isnan(probabilities))
    best = ok[np.argsort(-probabilities[ok], kind="stable")][:top]
    return " ; ".join(f"{labels.get(theme_ids[j], theme_ids[j])} ({fmt.decimal(float(probabilities[j]))})"
                      for j in best)
