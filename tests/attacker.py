"""A reader who wants the hidden regional figures back, from the published Markdown reports only.

What it knows: every report of the folder (the national synthesis and each regional report), so
the national figure of each theme, each region's published figures, its respondents to each
question, the testimonies printed beside each figure, and the participation table. What it does:
per question and theme, the hidden figures add up to the national figure minus the published
ones; each hidden figure lies between the testimonies printed beside it (at least that many
respondents, at most one) and the region's respondents to the question. The interval each hidden
figure can take is then exact (one equation, bounded unknowns). For questions counted in
propositions it does the same with the counts of propositions (a figure is at most its
propositions). Shares are printed rounded: it turns them back into intervals of counts.

It also reads the national synthesis' region × theme overview: its tables (Markdown) and its
heatmaps' data (the SVG files' named cells, « cellule-<theme>-<column> »). A share printed there
for a figure a regional report hides narrows that figure to the counts the share allows.
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

POOL = "(autres)"
_NUM = r"[\d\u202f\u00a0 ]+"
_HEADER = re.compile(r"^\| (Thèmes[^|]*?)\((" + _NUM + r") répondants?\)[^|]*\| ([^|]*) \|$")
_REGION_N = re.compile(r"Région (.+?)(?: \((" + _NUM + r") répondants?\))?$")
_ROW = re.compile(r"^\| (.+?) \((" + _NUM + r")\)<br>(.*?) \| (.*) \|$")
_PCT = re.compile(r"([<>]\s*)?(" + _NUM + r")\s*%")


def _int(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _pct_interval(text: str, n: int) -> tuple[int, int]:
    """Counts out of n whose share prints as `text` (« 36 % », « < 1 % », « > 99 % »)."""
    m = _PCT.search(text)
    if not m:
        return 0, n
    if m.group(1) and m.group(1).startswith("<"):
        return 0, math.floor(0.005 * n)
    if m.group(1):
        return math.ceil(0.995 * n - 1e-9), n - 1
    p = _int(m.group(2))
    low, high = math.ceil((p - 0.5) * n / 100 - 1e-9), math.floor((p + 0.5) * n / 100 + 1e-9)
    return max(low, 0), min(high, n)


@dataclass
class Theme:
    national_count: int
    national_citing: tuple[int, int]
    # region -> published (citing interval, count) or None when hidden
    published: dict[str, tuple[tuple[int, int], int]] = field(default_factory=dict)
    hidden: dict[str, tuple[int, int]] = field(default_factory=dict)  # region -> (low, high) prior
    overview: dict[str, str] = field(default_factory=dict)  # region -> share the overview prints


@dataclass
class Table:
    index: int
    propositions: bool
    national_n: int
    themes: dict[str, Theme] = field(default_factory=dict)
    answered: dict[str, int | None] = field(default_factory=dict)  # region -> answered (None: < t)


def read_tables(md: str) -> list[tuple[str, int | None, bool, int, list[tuple[str, int, str, int]]]]:
    """Every theme table of a Markdown report: (right header region, its N, propositions, national N,
    rows (label, national count, figures, testimonies))."""
    out = []
    current = None
    for line in md.splitlines():
        header = _HEADER.match(line)
        if header:
            right = header.group(3)
            region, region_n = None, None
            m = _REGION_N.search(right)
            if m:
                region = m.group(1)
                region_n = _int(m.group(2)) if m.group(2) else None
            current = (region, region_n, "propositions" in header.group(1), _int(header.group(2)), [])
            out.append(current)
            continue
        if current is None:
            continue
        if not line.startswith("|"):
            if line.strip() == "":
                continue
            current = None
            continue
        row = _ROW.match(line)
        if row:
            quotes = row.group(4).count("«")
            current[4].append((row.group(1), _int(row.group(2)), row.group(3), quotes))
    return out


_OVERVIEW_HEADING = "## Vue d'ensemble par région"
_IMAGE = re.compile(r"^!\[[^\]]*\]\(([^)]+)\.png\)$")
_SVG_CELL = re.compile(r'<g id="cellule-(\d+)-(\d+)">\s*<text[^>]*>([^<]*)</text>')


def _cells(line: str) -> list[str]:
    """A Markdown table row's cells, as printed (escapes kept, as `read_tables` keeps them)."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]


def read_overview(md: str, report_dir: Path) -> list[dict[tuple[str, str], str]]:
    """Per question of the overview, in order: (theme label, region) -> the share printed, from the
    table and from the heatmap's SVG (a figure either one prints counts)."""
    if _OVERVIEW_HEADING not in md:
        return []
    section = md.split(_OVERVIEW_HEADING, 1)[1].split("\n## ", 1)[0]
    blocks: list[dict[tuple[str, str], str]] = []
    svg_cells: dict[tuple[int, int], str] = {}
    columns: list[str] = []
    row_no = 0
    for line in section.splitlines():
        image = _IMAGE.match(line.strip())
        if image:
            svg = (report_dir / f"{image.group(1)}.svg").resolve()
            text = svg.read_text(encoding="utf-8") if svg.is_file() else ""
            cells_here = {(int(i), int(j)): html.unescape(v).strip() for i, j, v in _SVG_CELL.findall(text)}
            if re.search(r"-suite\d+$", image.group(1)) and blocks:  # the next part of the same heatmap
                svg_cells.update(cells_here)
                continue
            blocks.append({})
            svg_cells = cells_here
            columns, row_no = [], 0
            continue
        if not blocks or not line.startswith("|") or line.startswith("| ---"):
            continue
        cells = _cells(line)
        if cells[0] == "Thème":
            columns = cells[1:]
            continue
        label = cells[0]
        for j, (column, value) in enumerate(zip(columns, cells[1:], strict=True)):
            chart = svg_cells.get((row_no, j))
            if column == "France entière":
                continue
            # The more telling of the two: a share where the other says « s ».
            blocks[-1][label, column] = value if value != "s" or chart is None else chart
        row_no += 1
    return blocks


def _share_interval(text: str, n_low: int, n_high: int) -> tuple[int, int]:
    """Counts a printed share (« 40 % », « 40 », « 0 ») allows, for a base between n_low and n_high."""
    if re.fullmatch(r"0(\s*%)?", text.strip()):  # the overview prints « 0 % » only for none at all
        return 0, 0
    text = text if "%" in text else f"{text} %"
    bounds = [_pct_interval(text, n) for n in range(max(n_low, 1), n_high + 1)]
    bounds = [(lo, hi) for lo, hi in bounds if lo <= hi]
    if not bounds:
        return 0, n_high
    return min(lo for lo, _ in bounds), max(hi for _, hi in bounds)


def attack(report_dir: Path, threshold: int) -> dict[tuple[int, str, str], tuple[int, int, int, int]]:
    """(table index, theme label, region) -> (low, high) the reader derives for each hidden figure,
    then (low, high) it knew from that figure's own report."""
    synthesis = (report_dir / "synthese-nationale.md").read_text(encoding="utf-8")
    participation = {}
    for m in re.finditer(r"^\| ([^|]+?) \| (" + _NUM + r") \| ([^|]*)\|$", synthesis, flags=re.M):
        participation[m.group(1)] = (_int(m.group(2)), bool(m.group(3).strip()))
    pool_n = sum(n for n, has_report in participation.values() if not has_report)
    tables: list[Table] = []
    for i, (_, _, props, national_n, rows) in enumerate(read_tables(synthesis)):
        table = Table(i, props, national_n)
        for label, count, figures, _ in rows:
            citing = (count, count) if not props else _pct_interval(figures, national_n)
            table.themes[label] = Theme(count, citing)
        tables.append(table)
    for path in sorted(report_dir.glob("*.md")):
        if path.name == "synthese-nationale.md":
            continue
        for i, (region, region_n, props, _, rows) in enumerate(read_tables(path.read_text(encoding="utf-8"))):
            table = tables[i]
            table.answered[region] = region_n
            for label, _, figures, quotes in rows:
                theme = table.themes[label]
                value = figures.split(f"{region} ", 1)[1].replace("\\", "") if f"· {region} " in figures else None
                if region_n is None or value is None:
                    theme.hidden[region] = (0, min(threshold - 1, participation[region][0]))
                elif value.strip().startswith("<"):  # the first version's « < 3 »
                    theme.hidden[region] = (1, threshold - 1)
                elif value.strip() in ("s", "—"):
                    theme.hidden[region] = (min(1, quotes), region_n)
                elif value.strip() == "0":
                    theme.published[region] = ((0, 0), 0)
                else:
                    count = _int(value.split("(")[1]) if "(" in value else _int(value)
                    citing = (count, count) if not props else _pct_interval(value, region_n)
                    theme.published[region] = (citing, count)
    answered_tables = [t for t in tables if t.national_n]
    for table, block in zip(answered_tables, read_overview(synthesis, report_dir), strict=False):
        for (label, region), value in block.items():
            if label in table.themes and value != "s":
                table.themes[label].overview[region] = value
    derived: dict[tuple[int, str, str], tuple[int, int]] = {}
    for table in tables:
        shown_answered = sum(n for n in table.answered.values() if n is not None)
        pool_high = min(pool_n, table.national_n - shown_answered)
        for label, theme in table.themes.items():
            cells = dict(theme.hidden)
            for region, value in theme.overview.items():
                if region in cells:  # hidden in the region's report, printed in the overview
                    n = table.answered.get(region)
                    n_low, n_high = (n, n) if n is not None else (1, participation[region][0])
                    low, high = _share_interval(value, n_low, n_high)
                    cells[region] = (max(cells[region][0], low), min(cells[region][1], high))
            cells[POOL] = (0, pool_high)
            low_sum = theme.national_citing[0] - sum(c[1] for c, _ in theme.published.values())
            high_sum = theme.national_citing[1] - sum(c[0] for c, _ in theme.published.values())
            mentions_left = theme.national_count - sum(n for _, n in theme.published.values())
            for key, (low, high) in cells.items():
                others = [v for k, v in cells.items() if k != key]
                lo = max(low, low_sum - sum(h for _, h in others))
                hi = min(high, high_sum - sum(o for o, _ in others))
                if table.propositions:
                    hi = min(hi, mentions_left - sum(o for o, _ in others))
                if key != POOL:
                    # what the region's report alone said; the national figure says no more than this
                    low, high = theme.hidden[key]
                    high = min(high, theme.national_citing[1])
                    derived[table.index, label, key] = (lo, hi, low, high)
    return derived


def truth(con, consultation, report_dir: Path) -> dict[tuple[int, str, str], int]:
    """The exact regional figures of the published cells' keys, from the database."""
    from consultation.publish.charts import TallyFigures
    from consultation.publish.typography import french

    figures = TallyFigures.load(con, consultation)
    out: dict[tuple[int, str, str], int] = {}
    regions = figures.regions()
    for i, question in enumerate(consultation.questions):
        for region in regions:
            by_theme = figures.by_theme(question, ("region", region))
            for theme in figures.themes(question):
                t = by_theme.get(theme.theme_id)
                out[i, french(theme.label), region] = t.citing if t else 0
    return out


def recovered(derived, exact, threshold: int) -> dict[tuple[int, str, str], tuple[int, tuple[int, int]]]:
    """Small hidden figures (1 to threshold - 1) the reader narrows, by differencing, to fewer than
    `threshold` possible values (or to fewer than the report alone allowed), with the true value
    and the interval."""
    out = {}
    for key, (lo, hi, prior_lo, prior_hi) in derived.items():
        value = exact[key]
        assert lo <= value <= hi, f"the attack is wrong about {key}: {value} not in [{lo}, {hi}]"
        if 0 < value < threshold and hi - lo < min(threshold - 1, prior_hi - prior_lo):
            out[key] = (value, (lo, hi))
    return out


def by_region(cells) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for _, _, region in cells:
        counts[region] += 1
    return dict(counts)
