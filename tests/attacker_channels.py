"""A reader who wants hidden figures back through channels `attacker.py` does not read.

1. The tally files `consultation export tallies` writes for publication (decomptes.json and
   comparaisons-regions.json): every scope kind side by side. Per question and theme, the regions
   add up to the national figure, so do the structure types, each region's region × structure type
   figures add up to the region's, each type's to the type's, and a region's figure is the national
   one minus the rest of the country's (comparisons). The reader propagates intervals through
   these equations until they stop narrowing (each hidden figure: « < 3 » is 1 to threshold - 1,
   « s » 0 to its scope's respondents, or the country's when those are hidden too; a published
   count of propositions bounds the respondents citing; a printed share with a printed base
   bounds the count). It does the same with the respondents who answered each question.
2. Two publications of the same consultation, before and after new answers (`differencing`): a
   figure published in one and hidden in the other, and the region's respondents to the question
   in both, bound the hidden one (only answers were added: a figure can only grow, by at most the
   region's new respondents).
3. A chain of publications, every one kept (`chain`): each publication's interval for a figure,
   carried along the chain by how far the figure may move between two (the region's new or
   removed respondents, widened by what the reader allows for recodings), intersected forward
   and back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from functools import partial
from itertools import pairwise
from pathlib import Path

Interval = tuple[int, int]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    return None


def _propagate(bounds: dict, equations: list[tuple[object, list[object]]]) -> None:
    """Narrow `bounds` (key -> [low, high]) through `total = sum(parts)` equations, to a fixpoint."""
    for _ in range(100):
        changed = False
        for total, parts in equations:
            if total not in bounds or any(p not in bounds for p in parts):
                continue
            t_lo, t_hi = bounds[total]
            lo_sum = sum(bounds[p][0] for p in parts)
            hi_sum = sum(bounds[p][1] for p in parts)
            new_t = (max(t_lo, lo_sum), min(t_hi, hi_sum))
            if new_t != (t_lo, t_hi):
                bounds[total] = list(new_t)
                changed = True
            t_lo, t_hi = bounds[total]
            for p in parts:
                lo, hi = bounds[p]
                new = (max(lo, t_lo - (hi_sum - hi)), min(hi, t_hi - (lo_sum - lo)))
                if new != (lo, hi):
                    bounds[p] = list(new)
                    lo_sum += new[0] - lo
                    hi_sum += new[1] - hi
                    changed = True
        if not changed:
            return


def attack_exports(folder: Path, threshold: int) -> dict[tuple, tuple[int, int, int, int]]:
    """(question, theme or None for respondents, scope kind, scope) -> (low, high) derived, then
    (low, high) its own cell said, for every hidden regional figure of the exported files."""
    tallies = json.loads((folder / "decomptes.json").read_text(encoding="utf-8"))
    comparisons_path = folder / "comparaisons-regions.json"
    comparisons = json.loads(comparisons_path.read_text(encoding="utf-8")) if comparisons_path.is_file() else []
    small = f"< {threshold}"
    bounds: dict[tuple, list[int]] = {}
    prior: dict[tuple, tuple[int, int]] = {}
    national_answered: dict[str, int] = {}
    national_citing: dict[tuple[str, str], int] = {}
    for row in tallies:
        if row["scope_kind"] == "national":
            national_answered[row["question_id"]] = int(row["respondents_answered"])
            national_citing[row["question_id"], row["theme_id"]] = int(row["respondents_citing"])
    for row in tallies:
        q, t, kind, scope = row["question_id"], row["theme_id"], row["scope_kind"], row["scope"]
        top = national_answered[q]
        answered_key = (q, None, kind, scope)
        a = row["respondents_answered"]
        if answered_key not in bounds:
            value = _number(a)
            bounds[answered_key] = [int(value), int(value)] if value is not None else (
                [1, threshold - 1] if a == small else [0, top])
            if value is None:
                prior[answered_key] = tuple(bounds[answered_key])
        key = (q, t, kind, scope)
        c = _number(row["respondents_citing"])
        if c is not None:
            bounds[key] = [int(c), int(c)]
            continue
        a_value = _number(a)
        high = int(a_value) if a_value is not None else (threshold - 1 if a == small else top)
        high = min(high, national_citing[q, t])  # the national figure, published, says that much
        low = 1 if row["respondents_citing"] == small else 0
        if row["respondents_citing"] == small:
            high = min(high, threshold - 1)
        mentions = _number(row.get("mentions"))
        if mentions is not None:
            high = min(high, int(mentions))
            low = max(low, 1 if mentions > 0 else 0)
        share = _number(row.get("share_pct"))
        if share is not None and a_value is not None and a_value > 0:
            n = int(a_value)
            low = max(low, math.ceil((share - 0.05) * n / 100 - 1e-9))
            high = min(high, math.floor((share + 0.05) * n / 100 + 1e-9))
        bounds[key] = [low, high]
        prior[key] = (low, high)
    for row in comparisons:
        key = (row["question_id"], row["theme_id"], row["scope_kind"], row["scope"])
        rest, national = _number(row.get("rest_citing")), _number(row.get("national_citing"))
        if key in prior and rest is not None and national is not None:
            value = int(national - rest)
            bounds[key] = [max(bounds[key][0], value), min(bounds[key][1], value)]
        rest_n, national_n = _number(row.get("rest_answered")), _number(row.get("national_answered"))
        answered_key = (key[0], None, key[2], key[3])
        if answered_key in prior and rest_n is not None and national_n is not None:
            bounds[answered_key] = [int(national_n - rest_n)] * 2
    equations: list[tuple[object, list[object]]] = []
    by_total: dict[tuple, list[tuple]] = {}
    cross_region: dict[str, str] = {}
    cross_type: dict[str, str] = {}
    for row in tallies:
        q, t, kind, scope = row["question_id"], row["theme_id"], row["scope_kind"], row["scope"]
        for theme in (t, None):
            if kind in ("region", "structure_type"):
                by_total.setdefault((q, theme, "national", kind), []).append((q, theme, kind, scope))
            elif kind == "region_structure_type":
                cross_region[scope], cross_type[scope] = row["region"], row["structure_type"]
                by_total.setdefault((q, theme, "region", row["region"]), []).append((q, theme, kind, scope))
                by_total.setdefault((q, theme, "structure_type", row["structure_type"]), []).append(
                    (q, theme, kind, scope))
    national_keys = {}
    for row in tallies:
        if row["scope_kind"] == "national":
            national_keys[row["question_id"], row["theme_id"], "national", "France"] = int(row["respondents_citing"])
            national_keys[row["question_id"], None, "national", "France"] = int(row["respondents_answered"])
    bounds.update({k: [v, v] for k, v in national_keys.items()})
    for (q, theme, kind, scope), parts in by_total.items():
        parts = list(dict.fromkeys(parts))
        total = (q, theme, "national", "France") if kind == "national" else (q, theme, kind, scope)
        equations.append((total, parts))
    _propagate(bounds, equations)
    return {k: (bounds[k][0], bounds[k][1], *v) for k, v in prior.items()}


def export_truth(db) -> dict[tuple, int]:
    """Exact figures of every scope, keyed as `attack_exports` keys them."""
    frame = db.tallies(by="all")
    out: dict[tuple, int] = {}
    for q, t, kind, scope, c, a in zip(frame["question_id"], frame["theme_id"], frame["scope_kind"], frame["scope"],
                                       frame["respondents_citing"], frame["respondents_answered"], strict=True):
        out[q, t, kind, scope] = int(c)
        out[q, None, kind, scope] = int(a)
    return out


# --- two publications, before and after new answers -----------------------------------------------


def published_figures(report_dir: Path, threshold: int) -> dict[tuple[int, str, str], tuple[int, int]]:
    """(table index, theme label, region) -> the interval of respondents citing its report prints
    ([v, v] for a count, the counts a share allows for propositions), and (table index, None,
    region) -> the region's respondents to the question, for every regional report of the folder."""
    import attacker

    out: dict[tuple, tuple[int, int]] = {}
    for path in sorted(report_dir.glob("*.md")):
        if path.name == "synthese-nationale.md":
            continue
        for i, (region, region_n, props, _, rows) in enumerate(attacker.read_tables(path.read_text(encoding="utf-8"))):
            if region_n is None:
                continue
            out[i, None, region] = (region_n, region_n)
            for label, _, figures, _ in rows:
                if f"· {region} " not in figures:
                    continue
                value = figures.split(f"{region} ", 1)[1].replace("\\", "").strip()
                if value in ("s", "—"):
                    continue
                if value == "0":
                    out[i, label, region] = (0, 0)
                elif props:
                    out[i, label, region] = attacker._pct_interval(value, region_n)
                else:
                    count = attacker._int(value.split("(")[1]) if "(" in value else attacker._int(value)
                    out[i, label, region] = (count, count)
    return out


def participation(report_dir: Path) -> dict[str, int]:
    """Each region's respondents, from the synthesis' participation table (regions with a report)."""
    import re

    synthesis = (report_dir / "synthese-nationale.md").read_text(encoding="utf-8")
    return {m.group(1): int(re.sub(r"\D", "", m.group(2)))
            for m in re.finditer(r"^\| \[?([^|\]]+?)\]?(?:\([^)]*\))? \| ([\d\u202f\u00a0 ]+) \|", synthesis, flags=re.M)}


def differencing(first: Path, second: Path, threshold: int) -> dict[tuple[int, str, str, int], tuple[int, int, int, int]]:
    """(table index, label, region, publication 1 or 2) -> (low, high) derived from both
    publications, then (low, high) that publication alone gave (`attacker.attack`), for every
    regional figure hidden in one of them. Only answers were added between the two: a figure grows
    by at most the region's new respondents to the question (or new respondents, when the
    question's are not printed)."""
    import attacker

    alone = [attacker.attack(folder, threshold) for folder in (first, second)]
    shown = [published_figures(folder, threshold) for folder in (first, second)]
    people = [participation(folder) for folder in (first, second)]
    out: dict[tuple, tuple[int, int, int, int]] = {}
    keys = {k[:3] for k in alone[0]} | {k[:3] for k in alone[1]}
    for key in keys:
        i, _, region = key
        intervals = []
        for p in (0, 1):
            if key in shown[p]:
                intervals.append(shown[p][key])
            elif key in alone[p]:
                lo, hi, _, _ = alone[p][key]
                intervals.append((lo, hi))
            else:
                intervals.append(None)
        if None in intervals:
            continue
        n1, n2 = shown[0].get((i, None, region)), shown[1].get((i, None, region))
        if n1 is not None and n2 is not None:
            growth = n2[0] - n1[0]
        elif region in people[0] and region in people[1]:
            growth = people[1][region] - people[0][region]
        else:
            continue
        (lo1, hi1), (lo2, hi2) = intervals
        other = [(lo2 - growth, hi2), (lo1, hi1 + growth)]  # what the other publication says of it
        for p in (0, 1):
            if key in alone[p]:
                low, high = max(intervals[p][0], other[p][0]), min(intervals[p][1], other[p][1])
                # What one publication gives away is `attacker.attack`'s to find, and a figure
                # published in one bounds the other by the region's growth whatever the other
                # hides (`inherent`): what the two together add counts here.
                narrower = min(intervals[p], other[p], key=lambda b: b[1] - b[0])
                out[(*key, p + 1)] = (low, high, *narrower)
    return out



# --- a chain of publications, every one kept --------------------------------------------------------

Allowance = Callable[[tuple, int, int, int], tuple[int, int]]


def chain(folders: Sequence[Path], threshold: int, recoding: Allowance | int = 0
          ) -> dict[tuple[int, str, str, int], tuple[int, int, int, int]]:
    """(table index, label, region, publication 1 to N) -> (low, high) derived from every
    publication, then the narrowest interval one publication alone gives it (its own, or another's
    carried over), for every regional figure hidden in one of them.

    Between two publications a figure moves by at least min(0, g) and at most max(0, g), g the
    region's new respondents to the question (or new respondents; negative when some were
    removed), widened by `recoding`: (down, up) a reader allows for codes corrected in between (a
    number: both ways, per night; a function of the figure's key, the two publications and g: per
    figure). The reader intersects every publication's
    interval carried along the chain (a path of difference constraints: one pass forward, one
    back, gives each figure its tightest interval)."""
    import attacker

    allow = recoding if callable(recoding) else (lambda key, q, p, g: (recoding * (p - q),) * 2)
    alone = [attacker.attack(folder, threshold) for folder in folders]
    shown = [published_figures(folder, threshold) for folder in folders]
    people = [participation(folder) for folder in folders]
    out: dict[tuple, tuple[int, int, int, int]] = {}
    for key in {k[:3] for derived in alone for k in derived}:
        i, _, region = key
        own: dict[int, Interval] = {}
        for p in range(len(folders)):
            if key in shown[p]:
                own[p] = shown[p][key]
            elif key in alone[p]:
                own[p] = alone[p][key][:2]
        for segment in _segments(sorted(own), partial(_growth, shown, people, i, region)):
            positions = [p for p, _ in segment]
            band = {}  # position -> (low, high) move from the previous position of the segment
            for (p, g), (q, _) in zip(segment[1:], segment, strict=False):
                down, up = allow(key, q, p, g)
                band[p] = (min(0, g) - down, max(0, g) + up)
            tight = {p: own[p] for p in positions}
            for before, after in pairwise(positions):
                lo, hi = band[after]
                tight[after] = (max(tight[after][0], tight[before][0] + lo), min(tight[after][1], tight[before][1] + hi))
            for before, after in reversed(list(pairwise(positions))):
                lo, hi = band[after]
                tight[before] = (max(tight[before][0], tight[after][0] - hi), min(tight[before][1], tight[after][1] - lo))
            for p in positions:
                if key not in alone[p]:
                    continue
                singles = [_carry(own[q], band, positions, q, p) for q in positions]
                narrower = min(singles, key=lambda b: b[1] - b[0])
                out[(*key, p + 1)] = (*tight[p], *narrower)
    return out


def _growth(shown, people, i: int, region: str, p: int, q: int) -> int | None:
    """New respondents to the question between publications p and q, as a reader reads them."""
    n_p, n_q = shown[p].get((i, None, region)), shown[q].get((i, None, region))
    if n_p is not None and n_q is not None:
        return n_q[0] - n_p[0]
    if region in people[p] and region in people[q]:
        return people[q][region] - people[p][region]
    return None


def _segments(positions: list[int], growth) -> list[list[tuple[int, int]]]:
    """Runs of publications a reader can link: (position, growth since the previous one)."""
    runs: list[list[tuple[int, int]]] = []
    for p in positions:
        g = growth(runs[-1][-1][0], p) if runs else None
        if g is None:
            runs.append([(p, 0)])
        else:
            runs[-1].append((p, g))
    return runs


def _carry(interval: Interval, band: dict[int, Interval], positions: list[int], q: int, p: int) -> Interval:
    """What publication q alone says of the figure in publication p, through the moves between."""
    lo, hi = interval
    if q < p:
        for r in positions[positions.index(q) + 1:positions.index(p) + 1]:
            lo, hi = lo + band[r][0], hi + band[r][1]
    else:
        for r in reversed(positions[positions.index(p) + 1:positions.index(q) + 1]):
            lo, hi = lo - band[r][1], hi - band[r][0]
    return max(lo, 0), hi
