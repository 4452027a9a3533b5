"""Small-cell protection: what a published table, report or chart may show.

A regional count of one or two structures points at those structures: in anything published,
a count from 1 to `threshold - 1` (default 3, so 1 and 2) is shown as « < 3 ». Zero is shown: it
points at nobody. National figures are exempt by default: the federation publishes them, down to 1.

The rules, for a frame of the tally or of a comparison:
- counts of respondents, mentions and the coding engine's counts (raw, corrected, interval) are
  shown as « < 3 » when their own value is small;
- a share, a difference in points, a p-value computed from a small count of respondents (on
  either side of the share: those citing or those who answered) is shown as « s » (secret
  statistique, as in INSEE tables): the share and the base would give the count back;
- in a comparison, the rest of the country's figures are hidden (« s ») with the scope's, since
  national minus rest would give the scope back;
- rows whose `scope_kind` is 'national' are left exact (unless `exempt_national=False`), and so
  are the `national_*` columns of a comparison.

`suppress` does no complementary suppression: someone holding every regional table of one theme
and the national figure can subtract to recover a single hidden region. The reports do
(`protect_row`, and the rule written above it, the one place it is stated).

Analysts work on exact figures (the API's default); `suppress` gives the published form.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 3
SECRET = "s"

_COUNT_COLUMNS = (
    "respondents_answered", "respondents_citing", "mentions", "mentions_human", "count",
    "raw_count", "corrected_count", "ci_low", "ci_high",
    "scope_answered", "scope_citing", "scope_mentions", "scope_count",
    "rest_answered", "rest_citing",
)


def marker(threshold: int = DEFAULT_THRESHOLD) -> str:
    """The text shown instead of a small count: « < 3 »."""
    return f"< {threshold}"


def check_threshold(threshold: int) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ValueError(f"threshold must be a whole number ≥ 1, got {threshold!r}")
    return int(threshold)


def is_small(value: object, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True for a count that must not be published: 0 < value < threshold (NaN and None are not)."""
    if value is None or isinstance(value, str):
        return False
    number = float(value)  # type: ignore[arg-type]
    return not math.isnan(number) and 0 < number < threshold


def suppress(
    frame: pd.DataFrame,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    exempt_national: bool = True,
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The published form of a tally or comparison frame (a copy; the input is left exact).

    Every column it may hide becomes an object column holding numbers and the markers « < 3 »
    and « s ». `columns` adds count columns of your own to protect by their value.
    """
    threshold = check_threshold(threshold)
    if exempt_national and "scope_kind" in frame.columns:
        protected_rows = (frame["scope_kind"] != "national").to_numpy()
    else:
        protected_rows = np.ones(len(frame), dtype=bool)

    def small(col: str) -> np.ndarray:
        if col not in frame.columns:
            return np.zeros(len(frame), dtype=bool)
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            return (values > 0) & (values < threshold) & protected_rows

    base = small("respondents_citing") | small("respondents_answered")
    scope = small("scope_citing") | small("scope_answered")
    rest = small("rest_citing") | small("rest_answered")
    if "national_citing" in frame.columns:
        # The national figures are published: the rest of the country would give the scope back.
        rest = rest | scope
    secret = {
        "share_pct": base, "scope_share_pct": scope, "rest_share_pct": rest,
        "diff_points": scope | rest, "p_value": scope | rest, "p_adjusted": scope | rest,
        "rest_citing": rest, "rest_answered": small("scope_answered"),
    }
    out = frame.copy()
    for col in out.columns:
        hidden_small = small(col) if col in (*_COUNT_COLUMNS, *(columns or ())) else None
        hidden_secret = secret.get(col)
        if hidden_small is None and hidden_secret is None:
            continue
        texts = np.full(len(out), None, dtype=object)
        if hidden_secret is not None:
            texts[hidden_secret] = SECRET
        if hidden_small is not None:
            texts[hidden_small] = marker(threshold)
        out[col] = _replace(frame[col], texts)
    return out


def _replace(series: pd.Series, texts: np.ndarray) -> pd.Series:
    """Numbers kept as Python numbers (ints stay ints), missing as None, hidden ones as their text."""
    as_int = pd.api.types.is_integer_dtype(series.dtype)
    values = np.empty(len(series), dtype=object)
    for i, value in enumerate(series.tolist()):
        if texts[i] is not None:
            values[i] = texts[i]
        elif value is None or (isinstance(value, float) and math.isnan(value)):
            values[i] = None
        else:
            values[i] = int(value) if as_int else value
    return pd.Series(values, index=series.index, name=series.name, dtype=object)


def published_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Mixed number/marker columns as text, for formats that want one type per column (Parquet)."""
    out = frame.copy()
    for col in out.columns:
        values = out[col].tolist()
        mixed = (
            out[col].dtype == object
            and any(isinstance(v, str) for v in values)
            and any(isinstance(v, (int, float, np.number, np.bool_)) for v in values)
        )  # booleans too: a comparison's hidden « significant » or « too_small » reads « s » among them
        if mixed:
            out[col] = pd.Series([_text(v) for v in values], index=out.index, dtype=object)
    return out


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Column headers of the spreadsheet exports (CSV, XLSX), read by people in French; JSON and Parquet
# keep the identifiers, which programs rely on.
FRENCH_HEADERS = {
    "question_id": "question", "question_position": "ordre question", "section": "section",
    "question_text": "intitulé de la question", "unit": "unité de décompte",
    "theme_id": "thème (identifiant)", "theme_position": "ordre thème", "label": "thème",
    "category": "catégorie", "is_other": "autres",
    "scope_kind": "type de périmètre", "scope": "périmètre", "region": "région",
    "structure_type": "type de structure",
    "respondents_answered": "répondants ayant répondu", "respondents_citing": "répondants citant le thème",
    "mentions": "mentions (propositions)", "mentions_human": "mentions codées à la main",
    "count": "décompte publié", "share_pct": "part des répondants (%)", "rank": "rang",
    "raw_count": "décompte brut (modèle)", "corrected_count": "décompte corrigé",
    "ci_low": "IC 90 % bas", "ci_high": "IC 90 % haut", "estimate_method": "méthode de correction",
    "national_answered": "national : répondants", "national_citing": "national : citant",
    "national_mentions": "national : mentions", "national_count": "national : décompte",
    "national_share_pct": "national : part (%)", "national_rank": "national : rang",
    "scope_answered": "périmètre : répondants", "scope_citing": "périmètre : citant",
    "scope_mentions": "périmètre : mentions", "scope_count": "périmètre : décompte",
    "scope_share_pct": "périmètre : part (%)", "scope_rank": "périmètre : rang",
    "rest_answered": "reste du pays : répondants", "rest_citing": "reste du pays : citant",
    "rest_share_pct": "reste du pays : part (%)", "diff_points": "écart (points)",
    "p_value": "p (test exact de Fisher)", "p_adjusted": "p ajusté", "too_small": "effectif trop faible",
    "significant": "écart significatif", "flag": "signal",
}

# The values of the coded columns, in French in the CSV and XLSX files (the headers above).
FRENCH_VALUES = {
    "unit": {"respondents": "répondants", "propositions": "propositions"},
    "scope_kind": {"national": "national", "region": "région", "structure_type": "type de structure",
                   "region_structure_type": "région × type de structure"},
}


def _french_values(frame: pd.DataFrame) -> pd.DataFrame:
    from consultation.coding.estimate import METHOD_LABELS

    values = {**FRENCH_VALUES, "estimate_method": METHOD_LABELS}
    return frame.replace({column: names for column, names in values.items() if column in frame.columns})


def write_tally_table(frame: pd.DataFrame, path: str | Path | None, fmt: str | None = None) -> Any:
    """Write a tally or comparison frame as given (call `suppress` first to publish it).

    CSV and XLSX get French headers and French values for the coded columns (unit, kind of scope,
    correction method; CSV in UTF-8 with BOM, ';' and decimal commas for French Excel, formulas
    neutralised); JSON and Parquet keep the column identifiers (JSON mixes numbers and markers;
    Parquet, one type per column, turns a column holding markers into text). With `path=None`, returns the
    CSV text instead of writing a file. Returns the path written.
    """
    from consultation.exports import csv_frame, write_table

    fmt = (fmt or Path(str(path)).suffix.lstrip(".")).lower()
    if fmt in ("csv", "xlsx"):
        frame = _french_values(frame).rename(columns=FRENCH_HEADERS)
    elif fmt == "parquet":
        frame = published_columns(frame)
    if path is None:
        if fmt != "csv":
            raise ValueError("only CSV can be returned as text")
        return csv_frame(frame).to_csv(sep=";", index=False, lineterminator="\r\n")
    return write_table(frame, path, fmt)


# --- reports: primary and complementary suppression -----------------------------------------------
#
# The rule for everything `consultation report` publishes (reports in every format, charts, index):
#
# 1. A region with fewer than `threshold` respondents gets no report; its respondents are counted
#    in the national synthesis with the other small regions and « Région inconnue » (the pool).
# 2. A region with fewer than `threshold` respondents to a question gets no regional figure and
#    no testimony for that question (the report says so in words).
# 3. A regional figure (respondents citing a theme) from 1 to `threshold - 1` is hidden (« s »),
#    with its share, its count of propositions, its significance mark and all but one testimony.
# 4. Complementary suppression: the national figure is published, so the hidden cells of a theme
#    (rule 3, rule 2's regions and the pool) add up to a known total. More cells of the same theme
#    are hidden (`protect_row`) until every hidden small figure stays uncertain to a reader who
#    knows that total, every other published figure of the theme, each region's respondents to
#    the question and the testimonies printed (at most one beside a hidden figure, so a hidden
#    figure is at least 1 when a testimony is printed): the values it may take span at least
#    `threshold` whole numbers (e.g. 0 to 2 for the default 3), or everything it could a priori.
#    For propositions, the same holds with the published counts of propositions.
# 5. Every hidden figure shows the same « s », whatever the reason: a reader cannot tell a small
#    figure from one hidden by complementary suppression, nor a zero from a large figure.
# 6. Publications follow one another (the nightly flow publishes again after new answers, codes
#    corrected by hand or by a retrained model, answers removed), and a reader may keep them all.
#    Between two publications a figure moves (`move`): new answers make it grow by at most the
#    region's new respondents to the question, removed answers shrink it by at most those removed,
#    and a recoding moves it either way by an amount no publication prints: a reader can only
#    assume a bound on it. The band `move` gives is growth widened just enough to hold the figure's
#    true move: the tightest band of that form that is true, so a reader whose assumption holds
#    for the figure knows no more than it (one whose assumption is false draws a false interval).
#    `publish` keeps what the publications told a reader (`.publication.json` beside the database,
#    version 2): the last one's figures, printed or the interval a reader could give them, each
#    region's respondents to each question, and under « earlier » every small figure an earlier
#    publication hid, with its value, its respondents then and the tightest interval a reader
#    holds for it now. Now, a figure is at least the last interval's low end and at most its high
#    end, carried by the move since (`Cell.floor`, `Cell.ceiling`; the last interval already
#    carries the ones before it: constraints along a chain add up), and rule 4 holds with that
#    knowledge; a figure stays hidden, without testimony, and is kept as uncertain as a small one
#    (`Cell.guarded`: a small figure recoded down to 0 is not pinned through its zero) as long as
#    what this publication says of it would narrow any small figure an earlier publication hid
#    below `threshold` values (`pinned_backwards`), and each such interval is narrowed by what this
#    one says (`narrowed`) before it is kept for the next. Where a recoding moved a figure, readers
#    allowing more recoding know less but are owed a wider interval: they are checked too
#    (`recoding_bands`, `Cell.recoded`). What an earlier publication alone pins (a zero printed,
#    then one new respondent: the figure is 0 or 1), or with the national figure now, cannot be
#    undone by hiding more now.
#
# Not covered: the number of a region's respondents who answered a question is not protected when
# it is 1 or 2 (it says nothing about what they answered); national figures are published exactly;
# rule 6 links each figure to itself across publications (a reader's row sums of one publication
# meet the others only through each figure's interval, which holds that publication's row sums);
# a reader whose recoding bound is false may be right by chance (nothing protects against a lucky
# guess); a figure printed before, then recoded, is pinned for a reader allowing that recoding by
# its region's respondents or the national figure now, both printed exactly (as rule 4 allows);
# without `.publication.json` (deleted, another machine, another threshold) a publication
# protects itself alone, and `publish` says so in a French warning (rebuilding it from the old
# reports was left: the hidden figures' exact values then are neither in the reports nor, once
# answers or codes changed, in the database); the files of `consultation export tallies` keep no
# memory: each export protects itself alone.


@dataclass(frozen=True)
class Cell:
    """One region's figure for one theme, as `protect_row` reasons about it."""

    key: str
    citing: int  # respondents citing the theme
    answered: int  # respondents who answered the question (assumed known to a reader)
    mentions: int = 0  # propositions, for questions counted in propositions
    publishable: bool = True  # False: never published (the pool, a region without figures)
    quoted: bool = True  # a testimony may be printed beside the figure when hidden
    # What a reader knows from elsewhere: the earlier publications (`carried_bounds`).
    floor: int = 0
    ceiling: int | None = None
    # (floor, ceiling) of readers who allow for recodings, when one moved the figure beyond what
    # answers explain since the last publication (`recoding_bands`): they know less, and are owed more.
    recoded: tuple[tuple[int, int | None], ...] = ()
    # Kept uncertain like a small figure whatever its value now: what a reader could narrow it to
    # would pin a small figure an earlier publication hid (rule 6; a figure that went down to 0).
    guarded: bool = False


@dataclass(frozen=True)
class Protection:
    hidden: set[str]  # cells to hide
    quotes: bool  # whether a hidden figure of the row may keep one testimony


def is_primary(cell: Cell, threshold: int) -> bool:
    return cell.guarded or 0 < cell.citing < threshold


def protect_row(cells: Sequence[Cell], threshold: int = DEFAULT_THRESHOLD, *,
                propositions: bool = False) -> Protection:
    """The cells to hide in one theme's row so that no small figure can be derived.

    Starts from the cells never published and the small ones (primary suppression), then hides
    published cells, smallest helpful first, until `row_is_protected`. A testimony beside a hidden
    figure tells a reader it is at least 1; when that is enough to pin a small figure whatever
    else is hidden, the row's hidden figures get no testimony at all.
    """
    threshold = check_threshold(threshold)
    hidden = _protect(cells, threshold, propositions)
    if row_is_protected(cells, hidden, threshold, propositions=propositions):
        return Protection(hidden, True)
    bare = [replace(c, quoted=False) for c in cells]
    return Protection(_protect(bare, threshold, propositions), False)


def _protect(cells: Sequence[Cell], threshold: int, propositions: bool) -> set[str]:
    hidden = {c.key for c in cells if not c.publishable or is_primary(c, threshold)}
    if not any(is_primary(c, threshold) for c in cells):
        return hidden
    while not row_is_protected(cells, hidden, threshold, propositions=propositions):
        candidates = [c for c in cells if c.key not in hidden]
        if not candidates:
            break  # nothing left to hide: the row cannot be protected (see `unprotected`)

        def gain(c: Cell) -> tuple[int, int, int, str]:
            trial = hidden | {c.key}
            missing = _deficit(cells, trial, threshold, propositions)
            return missing, c.citing, -c.answered, c.key

        hidden.add(min(candidates, key=gain).key)
    return hidden


def hidden_bounds(cells: Sequence[Cell], hidden: set[str], key: str, *,
                  propositions: bool = False) -> tuple[int, int]:
    """The smallest and largest value a reader can give the hidden cell `key`.

    The reader knows the row total (national figure), every published cell, each cell's
    respondents (upper bound) and whether a testimony is printed beside it (lower bound 1).
    One linear equation with bounded unknowns: the interval is exact.
    """
    by_key = {c.key: c for c in cells}
    cell = by_key[key]
    others = [by_key[k] for k in hidden if k != key]
    low = _low(cell)
    high = min(_high(cell), cell.citing + sum(o.citing - _low(o) for o in others))
    if propositions:
        high = min(high, cell.mentions + sum(o.mentions - _low(o) for o in others))
    low = max(low, cell.citing - sum(_high(o) - o.citing for o in others))
    return low, high


def row_is_protected(cells: Sequence[Cell], hidden: set[str], threshold: int, *,
                     propositions: bool = False) -> bool:
    return _deficit(cells, hidden, threshold, propositions) == 0


def unprotected(cells: Sequence[Cell], hidden: set[str], threshold: int, *,
                propositions: bool = False) -> list[str]:
    """Small hidden cells a reader could still narrow below `threshold` possible values."""
    out = []
    for c in cells:
        if c.key in hidden and is_primary(c, threshold):
            low, high = hidden_bounds(cells, hidden, c.key, propositions=propositions)
            if high - low < _needed(cells, c, threshold):
                out.append(c.key)
    return out


def _needed(cells: Sequence[Cell], cell: Cell, threshold: int) -> int:
    """How wide the interval of a small hidden figure must stay: `threshold - 1`, or less when its
    respondents or the national figure itself (published, exact) allow no more."""
    total = sum(c.citing for c in cells)
    # What the reader knows of the figure without the testimony caps the width asked; a testimony
    # that would pin it is left out instead (`protect_row` retries without testimonies).
    return max(0, min(threshold - 1, _high(cell) - min(cell.floor, cell.citing), total - _low(cell)))


def _deficit(cells: Sequence[Cell], hidden: set[str], threshold: int, propositions: bool) -> int:
    missing = 0
    for readers in _readers(cells):
        for c in readers:
            if c.key in hidden and is_primary(c, threshold):
                low, high = hidden_bounds(readers, hidden, c.key, propositions=propositions)
                missing += max(0, _needed(readers, c, threshold) - (high - low))
    return missing


def _readers(cells: Sequence[Cell]) -> list[Sequence[Cell]]:
    """The row as the readers rule 6 protects against know it: `floor` and `ceiling` are what the
    strongest reader whose premise holds knows; where a recoding moved a figure (`Cell.recoded`),
    a reader allowing more recoding knows less of it, and what the earlier publication pins for
    them is wider, so the width owed them may be too."""
    variants = max((len(c.recoded) for c in cells), default=0)
    return [cells] + [[replace(c, floor=c.recoded[i][0], ceiling=c.recoded[i][1]) if len(c.recoded) > i else c
                       for c in cells] for i in range(variants)]


def _low(cell: Cell) -> int:
    """What a reader knows at least: 1 when a testimony may be printed beside the figure, what the
    previous publication said."""
    return max(min(1, cell.citing) if cell.publishable and cell.quoted else 0, min(cell.floor, cell.citing))


def _high(cell: Cell) -> int:
    return cell.answered if cell.ceiling is None else min(cell.answered, max(cell.ceiling, cell.citing))


Interval = tuple[int, int]


def recoding_bands(band: Interval, answered_before: int, answered_now: int, threshold: int) -> list[Interval]:
    """The moves readers who allow for recodings hold possible, besides `band`, when a recoding took
    the figure beyond what answers explain (none otherwise): a reader allowing d of recoding each
    way holds [min(0, g) - d, max(0, g) + d], g the new respondents, true for d at least the
    recoding's reach; from that d, up to `threshold - 2` more (the width owed them grows with what
    they do not know, up to `threshold - 1`)."""
    growth = answered_now - answered_before
    reach = max(0, min(0, growth) - band[0], band[1] - max(0, growth))
    if not reach:
        return []
    return [(min(0, growth) - d, max(0, growth) + d) for d in range(reach, reach + threshold - 1)]


def move(value_before: int, value_now: int, answered_before: int, answered_now: int) -> Interval:
    """How far a reader may hold that a figure moved between two publications: (least, most).

    New answers make a figure grow by 0 to the region's new respondents to the question (answers
    removed: shrink by at most those removed). A recoding (codes corrected, the model retrained)
    moves it either way by an amount a reader does not read anywhere; a reader who allows for
    recodings widens that band by what they think a recoding may do. The band is widened here just
    enough to hold the figure's true move: the tightest band of that form that is true, so any
    reader whose allowance holds for this figure knows at most this much."""
    growth, change = answered_now - answered_before, value_now - value_before
    return min(0, growth, change), max(0, growth, change)


def carried_bounds(before: Interval, band: Interval) -> tuple[int, int | None]:
    """What an earlier publication tells a reader about a figure now: (floor, ceiling).

    `before` is what it printed (v, v) or the interval a reader could give the hidden figure,
    `band` how far the figure may have moved since (`move`)."""
    return max(0, before[0] + band[0]), before[1] + band[1]


def narrowed(before: Interval, now: Interval, band: Interval) -> Interval:
    """A reader's interval for a figure of an earlier publication (`before`), once this publication
    says `now` of it (printed (v, v), or a reader's interval for it hidden) and it moved by `band`
    since: it lay between `now[0] - band[1]` and `now[1] - band[0]`."""
    return max(before[0], now[0] - band[1]), min(before[1], now[1] - band[0])


def pinned_backwards(before: Interval, value_before: int, now: Interval, band: Interval,
                     threshold: int, *, recoded: Sequence[Interval] = ()) -> bool:
    """Whether what a publication says of a figure now narrows a small figure an earlier
    publication hid (its exact value `value_before`, a reader's interval for it `before`) below
    `threshold` possible values (`narrowed`). `recoded`: the moves readers allowing for a
    recoding hold possible (`recoding_bands`); each such reader held the old figure that much
    less narrowly too."""
    if not 0 < value_before < threshold:
        return False
    for reader in (band, *recoded):
        wider = max(0, band[0] - reader[0])
        held = (max(0, before[0] - wider), before[1] + wider)
        low, high = narrowed(held, now, reader)
        if high - low < min(threshold - 1, held[1] - held[0]):
            return True
    return False


# --- tally files for publication: the same protection as the reports -------------------------------
#
# `consultation export tallies` writes every scope of the tally side by side (national, region,
# structure type, region × structure type) and every region against the rest of the country: a
# reader adds and subtracts across all of them. In the published form (`protect_tables`):
# - each theme's regional figures, then its structure types' figures, are protected with the
#   national figure as the known total (`protect_row`, the regions' pool where they do not add up);
# - region × structure type figures are left out of the published files (`--exact` keeps them):
#   they tie the regions and the structure types together, and a cross figure of zero, or one
#   nobody of the cross answered, pinned a structure type's figure hidden to protect another (3 of
#   902 small figures of the sample after protecting each margin and the cross figures row then
#   column; on the sample they published 9 figures other than 0 of 1,796);
# - the respondents who answered a question are protected the same way, per scope kind;
# - a hidden figure hides its whole row (counts, share, rank, the model's counts and interval) and,
#   in the comparison with the rest of the country, the scope's and the rest's figures, the gap,
#   the p-values and the flag;
# - every hidden figure reads « s », small or complementary alike (rule 5 of the reports);
# - ranks of a scope where a figure is hidden are hidden (a rank places a hidden count between two
#   published ones).


@dataclass
class TableProtection:
    """Which figures of a tally frame are hidden in the published tables."""

    figures: set[tuple[str, str, str, str]]  # (question, theme, scope kind, scope)
    answered: set[tuple[str, str, str]]  # (question, scope kind, scope)


_REST = "\x00rest"
_PUBLISHED_KINDS = ("region", "structure_type")  # region × structure type: exact files only
_ROW_FIGURES = ("respondents_citing", "mentions", "mentions_human", "count", "share_pct", "rank",
                "raw_count", "corrected_count", "ci_low", "ci_high")


def plan_tables(frame: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> TableProtection:
    """The figures `protect_tables` hides in a tally frame holding the national rows."""
    threshold = check_threshold(threshold)
    hidden = TableProtection(set(), set())
    if frame.empty:
        return hidden
    national = frame[frame["scope_kind"] == "national"]
    nat = {(q, t): (int(c), int(a), int(m)) for q, t, c, a, m in zip(
        national["question_id"], national["theme_id"], national["respondents_citing"],
        national["respondents_answered"], national["mentions"], strict=True)}
    units = dict(zip(frame["question_id"], frame["unit"], strict=False)) if "unit" in frame else {}
    rows = {(q, t, k, s): (int(c), int(a), int(m)) for q, t, k, s, c, a, m in zip(
        frame["question_id"], frame["theme_id"], frame["scope_kind"], frame["scope"],
        frame["respondents_citing"], frame["respondents_answered"], frame["mentions"], strict=True)}

    def protect(members: dict[str, tuple[int, int, int]], total: tuple[int, int, int],
                propositions: bool) -> set[str]:
        cells = [Cell(s, c, a, m, quoted=False) for s, (c, a, m) in members.items()]
        rest = (total[0] - sum(c.citing for c in cells), total[1] - sum(c.answered for c in cells),
                total[2] - sum(c.mentions for c in cells))
        if any(rest):
            cells.append(Cell(_REST, max(rest[0], 0), max(rest[1], 0), max(rest[2], 0), publishable=False))
        return protect_row(cells, threshold, propositions=propositions).hidden - {_REST}

    grouped: dict[tuple[str, str, str], dict[str, tuple[int, int, int]]] = {}
    for (q, t, k, s), value in rows.items():
        grouped.setdefault((q, t, k), {})[s] = value
    for (q, t), total in nat.items():
        propositions = units.get(q) == "propositions"
        hid = {k: protect(grouped.get((q, t, k), {}), total, propositions) for k in _PUBLISHED_KINDS}
        hidden.figures |= {(q, t, k, s) for k, names in hid.items() for s in names}
    first_theme = {q: t for q, t in reversed(list(nat))}
    for q, t in first_theme.items():
        answered = nat[q, t][1]
        hid = {k: protect({s: (a, answered, a) for s, (_, a, _) in grouped.get((q, t, k), {}).items()},
                          (answered, answered, answered), False) for k in _PUBLISHED_KINDS}
        hidden.answered |= {(q, k, s) for k, names in hid.items() for s in names}
    return hidden




def protect_tables(tallies: pd.DataFrame, comparisons: pd.DataFrame | None = None,
                   threshold: int = DEFAULT_THRESHOLD) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The published form of the tally files (`suppress`, then complementary suppression along
    the regions and the structure types; see the rule above `TableProtection`). Every hidden
    figure reads « s »; region × structure type rows are left out."""
    threshold = check_threshold(threshold)
    tallies = tallies[tallies["scope_kind"].isin(("national", *_PUBLISHED_KINDS)).to_numpy()]
    plan = plan_tables(tallies.reset_index(drop=True), threshold)
    out = suppress(tallies.reset_index(drop=True), threshold)
    keys = list(zip(out["question_id"], out["theme_id"], out["scope_kind"], out["scope"], strict=True))
    regional = (out["scope_kind"] != "national").to_numpy()
    figures = np.array([k in plan.figures for k in keys], dtype=bool)
    answered = np.array([(q, k, s) in plan.answered for q, _, k, s in keys], dtype=bool)
    scopes_with_hidden = {(q, k, s) for q, _, k, s in plan.figures}
    ranks = np.array([(q, k, s) in scopes_with_hidden for q, _, k, s in keys], dtype=bool) | answered
    masks = {col: figures for col in _ROW_FIGURES}
    masks["share_pct"] = figures | answered
    masks["rank"] = figures | ranks
    masks["respondents_answered"] = answered
    _hide(out, masks, regional, threshold)
    if comparisons is None:
        return out, None
    comp = suppress(comparisons, threshold)
    ckeys = list(zip(comp["question_id"], comp["theme_id"], comp["scope_kind"], comp["scope"], strict=True))
    cfig = np.array([k in plan.figures for k in ckeys], dtype=bool)
    cans = np.array([(q, k, s) in plan.answered for q, _, k, s in ckeys], dtype=bool)
    either = cfig | cans
    cmasks = {col: either for col in ("scope_citing", "scope_mentions", "scope_count", "scope_share_pct",
                                      "scope_rank", "rest_citing", "rest_mentions", "rest_count",
                                      "rest_share_pct", "diff_points", "p_value", "p_adjusted",
                                      "significant", "flag", "too_small")}
    cmasks["scope_answered"] = cmasks["rest_answered"] = cans
    _hide(comp, cmasks, np.ones(len(comp), dtype=bool), threshold)
    return out, comp


def _hide(frame: pd.DataFrame, masks: dict[str, np.ndarray], regional: np.ndarray, threshold: int) -> None:
    """Hidden figures as « s »; « < 3 » too, so that a small figure looks like any hidden one."""
    small = marker(threshold)
    for col in frame.columns:
        values = frame[col].tolist()
        mask = masks.get(col)
        changed = False
        for i, value in enumerate(values):
            if regional[i] and ((mask is not None and mask[i]) or (isinstance(value, str) and value == small)):
                values[i] = SECRET
                changed = True
        if changed:
            frame[col] = pd.Series(values, index=frame.index, dtype=object)
