"""Charts: per question, the national theme counts (as in the federation's documents) and, per
region, the national-versus-regional shares. PNG (300 dpi, for Word) and SVG (for print and web).

The display order computed here (`TallyFigures.themes`) is also the order
of the report tables, so that a chart and the table above it always read the same way.
Charts never show answer text: only codebook labels, counts and shares.
"""

from __future__ import annotations

import io
import math
import os
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch
from matplotlib.text import Annotation, Text
from matplotlib.typing import RcKeyType

from consultation import fmt
from consultation.codebook import Consultation, Question
from consultation.parallel import fork_map
from consultation.progress import progress
from consultation.publish import palette
from consultation.publish.disclosure import DEFAULT_THRESHOLD, is_small
from consultation.publish.typography import french
from consultation.tally import NATIONAL_SCOPE
from consultation.text import fold

PAGE_WIDTH_CM = 16.0
DPI = 300
LABEL_WIDTH = 42  # characters per line of a theme label
TITLE_WIDTH = 75
CAPTION_WIDTH = 105
NATIONAL = ("national", NATIONAL_SCOPE)
SMALL_CELL_THRESHOLD = DEFAULT_THRESHOLD  # fewer respondents in a regional cell: the figure is masked

# Fixed salt and no dates: the same counts give byte-identical files, run after run.
_RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "svg.hashsalt": "consultation",
    "svg.fonttype": "none",  # text as text: searchable, 8 times smaller than glyph paths, quick to print
}
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}
# PNG compression level 1 instead of Pillow's 6: a third less time per chart (a national
# consultation has hundreds), files about a quarter larger; the pixels are the same.
_SAVE_OPTIONS: dict[str, dict] = {"png": {"pil_kwargs": {"compress_level": 1}}, "svg": {}}


@dataclass(frozen=True)
class ThemeCount:
    """One theme of a question in one scope, as charts and report tables show it."""

    theme_id: str
    label: str
    category: str | None
    is_other: bool
    count: int  # what the federation publishes: respondents, or propositions
    citing: int = 0  # respondents citing the theme
    answered: int = 0  # respondents of the scope who answered the question
    ci_low: float | None = None  # corrected count's 90% interval, when the coding engine made one
    ci_high: float | None = None

    @property
    def share(self) -> float:
        """Percentage of the scope's respondents citing the theme."""
        return 100.0 * self.citing / self.answered if self.answered else 0.0

    def suppressed(self, threshold: int = SMALL_CELL_THRESHOLD) -> bool:
        """Too few respondents to publish: 1 or 2 structures could be recognised."""
        return is_small(self.citing, threshold)

    def share_interval(self, unit: str) -> tuple[float, float] | None:
        """The corrected count's interval as shares, only where it counts respondents."""
        if unit != "respondents" or self.ci_low is None or self.ci_high is None or not self.answered:
            return None
        if self.ci_high - self.ci_low < 1e-9:  # answers coded by hand: nothing uncertain to draw
            return None
        return 100.0 * self.ci_low / self.answered, 100.0 * self.ci_high / self.answered


def respondents_phrase(n: int) -> str:
    """« 0 répondant », « 1 répondant », « 47 répondants » (French singular below 2)."""
    return f"{fmt.integer(n)} répondant{'s' if n > 1 else ''}"


def region_slug(region: str) -> str:
    """ASCII file name: « Provence-Alpes-Côte d'Azur » -> provence-alpes-cote-d-azur."""
    return re.sub(r"[^a-z0-9]+", "-", fold(region, ligatures=True)).strip("-") or "region"


def _reading_order(question: Question, themes: list[tuple[ThemeCount, int]]) -> list[ThemeCount]:
    defined = {t.id for t in question.themes}
    kept = [(t, pos) for t, pos in themes if not _implicit_empty_other(t, defined)]
    groups = question.categories
    kept.sort(key=lambda tp: (_group_rank(tp[0].category, groups), tp[0].is_other, -tp[0].count, tp[1]))
    return [t for t, _ in kept]


def _implicit_empty_other(theme: ThemeCount, defined: set[str]) -> bool:
    return (
        theme.is_other and theme.count == 0 and theme.theme_id.endswith("_autres")
        and theme.theme_id not in defined
    )


def _group_rank(category: str | None, categories: list[str]) -> int:
    """Codebook order of a category; themes without one (an implicit « Autres ») come after."""
    return categories.index(category) if category in categories else len(categories)


def group_by_category(themes: list[ThemeCount]) -> list[tuple[str | None, list[ThemeCount]]]:
    """Consecutive runs of one category, as (category, themes); order is kept."""
    groups: list[tuple[str | None, list[ThemeCount]]] = []
    for theme in themes:
        if groups and groups[-1][0] == theme.category:
            groups[-1][1].append(theme)
        else:
            groups.append((theme.category, [theme]))
    return groups


@dataclass
class TallyFigures:
    """The national and regional rows of the tally, read in one query for a whole publication."""

    consultation: Consultation
    # (question_id, scope_kind, scope) -> [(theme, codebook position)]
    _rows: dict[tuple[str, str, str], list[tuple[ThemeCount, int]]] = field(default_factory=dict)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, consultation: Consultation) -> TallyFigures:
        from consultation.tally import select_tally

        df = select_tally(
            con, consultation.id, scopes=[("national", NATIONAL[1]), ("region", None)],
            columns=["question_id", "scope_kind", "scope", "theme_id", "label", "category",
                     "is_other", "count", "theme_position", "respondents_citing",
                     "respondents_answered", "ci_low", "ci_high"],
        )
        figures = cls(consultation)
        for r in df.itertuples(index=False):
            theme = ThemeCount(
                r.theme_id, r.label, r.category if isinstance(r.category, str) else None,
                bool(r.is_other), int(r.count), int(r.respondents_citing),
                int(r.respondents_answered), _float_or_none(r.ci_low), _float_or_none(r.ci_high),
            )
            key = (r.question_id, r.scope_kind, r.scope)
            figures._rows.setdefault(key, []).append((theme, int(r.theme_position)))
        return figures

    def themes(self, question: Question, scope: tuple[str, str] = NATIONAL) -> list[ThemeCount]:
        return _reading_order(question, list(self._rows.get((question.id, *scope), [])))

    def by_theme(self, question: Question, scope: tuple[str, str]) -> dict[str, ThemeCount]:
        return {t.theme_id: t for t, _ in self._rows.get((question.id, *scope), [])}

    def answered(self, question_id: str, scope: tuple[str, str] = NATIONAL) -> int:
        rows = self._rows.get((question_id, *scope))
        return rows[0][0].answered if rows else 0

    def regions(self) -> list[str]:
        return sorted({scope for (_, kind, scope) in self._rows if kind == "region"})


def _float_or_none(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def chart_title(question: Question, answered: int) -> str:
    return french(f"{question.text} ({respondents_phrase(answered)})")


# --- writing files -------------------------------------------------------------------------------


def write_national_charts(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    out_dir: Path,
    *,
    figures: TallyFigures | None = None,
) -> list[Path]:
    """Write `<question_id>.png` (300 dpi) and `.svg` for every coded question that has answers."""
    figures = figures or TallyFigures.load(con, consultation)
    jobs = []
    for question in consultation.questions:
        answered = figures.answered(question.id)
        if answered:
            jobs.append(_Job("national", Path(out_dir) / question.id,
                             (question, figures.themes(question), answered)))
    return _render(jobs)


def comparison_stem(out_dir: Path, region: str, question_id: str) -> Path:
    """charts/<region-slug>/<question_id>: the regional charts of a region side by side."""
    return Path(out_dir) / region_slug(region) / question_id


def write_comparison_charts(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    out_dir: Path,
    *,
    figures: TallyFigures | None = None,
    regions: Iterable[str] | None = None,
    threshold: int = SMALL_CELL_THRESHOLD,
    flags: dict[str, dict[tuple[str, str], str]] | None = None,
    workers: int | None = None,
    plan=None,
) -> list[Path]:
    """Per region and question, national versus regional shares, in `<out_dir>/<region-slug>/`.

    A region where fewer than `threshold` respondents answered a question gets no chart for it:
    every regional bar would be masked. `flags` (region -> (question, theme) -> « plus cité » /
    « moins cité ») marks the significant differences computed by `compare`. `plan` (a
    `report.DisclosurePlan`) says which regional figures are published: the others are left out
    of the chart, and a chart with fewer than `MIN_COMPARED` cited themes left is not drawn.
    """
    figures = figures or TallyFigures.load(con, consultation)
    jobs = []
    for region in regions if regions is not None else figures.regions():
        for question in consultation.questions:
            data = comparison_data(figures, question, region, threshold=threshold, flags=flags, plan=plan)
            if data is not None and data.worth_drawing:
                jobs.append(_Job("comparison", comparison_stem(out_dir, region, question.id), data))
    return _render(jobs, workers)


MIN_COMPARED = 2  # themes the region cites (published figures) for a comparison chart to say something


def comparison_data(figures: TallyFigures, question: Question, region: str, *,
                    threshold: int = SMALL_CELL_THRESHOLD,
                    flags: dict[str, dict[tuple[str, str], str]] | None = None,
                    plan=None) -> ComparisonData | None:
    """What the comparison chart of a region and question would show; None without regional figures."""
    region_n = figures.answered(question.id, ("region", region))
    if region_n < threshold or (plan is not None and not plan.has_figures(question.id, region)):
        return None
    regional = figures.by_theme(question, ("region", region))
    national = figures.themes(question)
    if plan is not None:
        hidden = frozenset(t.theme_id for t in national if not plan.shown(question.id, t.theme_id, region))
    else:
        hidden = frozenset(t.theme_id for t in national
                           if t.theme_id in regional and regional[t.theme_id].suppressed(threshold))
    region_flags = (flags or {}).get(region, {})
    return ComparisonData(
        question=question,
        region=region,
        national=national,
        regional=regional,
        national_n=figures.answered(question.id),
        region_n=region_n,
        threshold=threshold,
        flags={tid: f for (qid, tid), f in region_flags.items() if qid == question.id and tid not in hidden},
        hidden=hidden,
    )


@dataclass(frozen=True)
class _Job:
    kind: str  # 'national' | 'comparison' | 'overview'
    stem: Path
    payload: Any  # national: (question, themes, answered); overview and comparison: their data


def _render(jobs: list[_Job], workers: int | None = None) -> list[Path]:
    """Render and save every chart; in forked worker processes when there are many.

    matplotlib is CPU-bound and single-threaded. Workers are forked (`parallel.fork_map`): a
    spawned worker would re-run the caller's script, which breaks any script without a
    `__main__` guard. Files are the same whichever process draws them, and the list comes back
    in job order.
    """
    workers = _worker_count(len(jobs)) if workers is None else workers
    with progress(len(jobs), "Graphiques", unit="graphiques") as advance:
        done = fork_map(_render_one, jobs, workers=workers, on_done=lambda *_: advance(1))
    return [path for paths in done for path in paths]


def _worker_count(n_jobs: int) -> int:
    if n_jobs < 8:  # a few charts: not worth a process
        return 1
    return max(1, min(4, os.cpu_count() or 1, n_jobs // 4))


def _render_one(job: _Job) -> list[Path]:
    job.stem.parent.mkdir(parents=True, exist_ok=True)
    if job.kind == "national":
        question, themes, answered = job.payload
        figures = theme_charts(question, themes, answered)
    elif job.kind == "overview":
        figures = overview_charts(job.payload)
    else:
        figures = comparison_charts(job.payload)
    return save_charts(figures, job.stem)


# --- charts taller than a page: several parts, each printed at full size --------------------------

# Chart text is drawn at 6 to 9 points and printed at that size only if the chart is not scaled
# down. 6 points is the smallest type print designers use for notes and legends (what is smaller
# needs a magnifier); a chart taller than a page used to be shrunk to fit it, and its labels were
# printed at 2.5 to 4 points. A chart is drawn 16 cm wide (`PAGE_WIDTH_CM`, the width the PDF and
# Word show it at) and at most `MAX_CHART_HEIGHT_CM` tall: a longer one is split into parts (the
# same themes in the same order, « (suite) » in the title of the next ones), each shown full size.
MIN_PRINT_PT = 6.0
MAX_CHART_HEIGHT_CM = 23.0  # a part and its caption on one A4 page (25.7 cm within 2 cm margins)
_MAX_HEIGHT_IN = MAX_CHART_HEIGHT_CM / 2.54
CONTINUED = " (suite)"


def part_stem(stem: Path, part: int) -> Path:
    """The file stem of a chart's part (1-based): `q1`, then `q1-suite2`, `q1-suite3`…"""
    return stem if part == 1 else stem.with_name(f"{stem.name}-suite{part}")


def save_charts(figures: list[Figure], stem: Path) -> list[Path]:
    """Save the parts of one chart (`part_stem`) and delete the files of parts it no longer has."""
    paths = [path for part, fig in enumerate(figures, start=1) for path in save_chart(fig, part_stem(stem, part))]
    part = len(figures) + 1
    while (stale := [p for p in (part_stem(stem, part).with_suffix(s) for s in (".png", ".svg")) if p.is_file()]):
        for path in stale:
            path.unlink()
        part += 1
    return paths


def _split(heights: list[float], headings: list[bool], budget: float, continued: float) -> list[range]:
    """Consecutive rows per part, each part's rows at most `budget` inches tall (`continued`
    more from the second part on: room for the category heading repeated there). A heading
    never ends a part; a row taller than the budget gets a part of its own."""
    parts: list[range] = []
    start, used = 0, 0.0
    for i, h in enumerate(heights):
        room = budget - (continued if parts else 0.0)
        if i > start and used + h > room:
            end = i - 1 if headings[i - 1] and i - 1 > start else i
            parts.append(range(start, end))
            start, used = end, sum(heights[end:i])
        used += h
    parts.append(range(start, len(heights)))
    return parts


def save_chart(fig: Figure, stem: Path) -> list[Path]:
    """Save as PNG and SVG with fixed metadata, so reruns are byte-identical.

    The layout is computed once and then frozen: both formats share it, and it is not redone.
    """
    paths = []
    with mpl.rc_context(_RC):
        engine = fig.get_layout_engine()
        if engine is not None:
            engine.execute(fig)
            fig.set_layout_engine("none")
        for fmt in ("png", "svg"):
            path = stem.with_suffix(f".{fmt}")
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt, dpi=DPI, metadata=_METADATA[fmt], **_SAVE_OPTIONS[fmt])
            write_if_changed(path, buffer.getvalue())  # unchanged charts keep their date
            paths.append(path)
    return paths


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` unless the file already holds exactly these bytes; True when written."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    return True


# --- the national chart --------------------------------------------------------------------------


def theme_charts(question: Question, themes: list[ThemeCount], answered: int, *,
                 max_height_in: float = _MAX_HEIGHT_IN) -> list[Figure]:
    """Horizontal bars in reading order, one colour and one bold heading row per category; in
    parts of at most `max_height_in` inches, every theme once and in order (`MIN_PRINT_PT`).

    A bare `Figure` (not pyplot) is never registered with a GUI backend, so nothing has to be
    closed and the process-wide pyplot state is left alone.
    """
    with mpl.rc_context(_RC):
        rows = _layout_rows(question, themes)
    # Each row as tall as its own label needs (in inches, the y axis's unit).
    heights = [_row_height(r.label.count("\n") + 1, 0.24, 0.04) for r in rows]
    caption = 0.15 * _lines(question.caption, CAPTION_WIDTH)
    title = 0.16 * (_fill(chart_title(question, answered), TITLE_WIDTH, bold=True).count("\n") + 1)
    heading = max((h for h, r in zip(heights, rows, strict=True) if r.count is None), default=0.0)
    parts = _split(heights, [r.count is None for r in rows], max_height_in - 1.1 - caption - title, heading)
    top = max([*(r.count or 0 for r in rows), 1]) * 1.12  # one scale for every part
    figures = []
    for number, part in enumerate(parts, start=1):
        chunk = [rows[i] for i in part]
        first = chunk[0] if chunk else None
        head = next((r for r in rows if first and r.count is None and r.category == first.category), None)
        if number > 1 and first and first.count is not None and head is not None and first.category:
            chunk.insert(0, replace(head, label=_heading(first.category + CONTINUED)))
        figures.append(_theme_figure(question, answered, chunk, top, number, len(parts)))
    return figures


def _theme_figure(question: Question, answered: int, rows: list[_Row], top: float, part: int,
                  parts: int) -> Figure:
    with mpl.rc_context(_RC):
        heights = [_row_height(r.label.count("\n") + 1, 0.24, 0.04) for r in rows]
        last = part == parts
        caption = _fill(question.caption, CAPTION_WIDTH, italic=True) if last else ""
        height_in = 1.1 + sum(heights) + (0.15 * _lines(question.caption, CAPTION_WIDTH) if last else 0.0)
        fig = Figure(figsize=(PAGE_WIDTH_CM / 2.54, height_in), layout="constrained")
        ax = fig.add_subplot()
        values = _draw_bars(ax, rows, heights, top)
        fig.suptitle(_fill(chart_title(question, answered) + (CONTINUED if part > 1 else ""), TITLE_WIDTH, bold=True),
                     fontsize=9, fontweight="bold")
        if caption:
            fig.supxlabel(caption, fontsize=7.5, style="italic")
        _fit_values(fig, ax, values)
    return fig


def _row_height(lines: int, base: float, per_line: float) -> float:
    """Inches for a row whose label has `lines` lines: the chart's usual spacing, and never less
    than the lines need (8-point text is 0.133 inch a line: at one height for every row, the
    four or five lines of a 150-character label overlapped the next label)."""
    return max(base + per_line * lines, 0.14 * lines + 0.06)


def _centres(heights: list[float]) -> list[float]:
    """The middle of each row, rows stacked from 0 downwards in the order given."""
    out, top = [], 0.0
    for h in heights:
        out.append(top + h / 2)
        top += h
    return out


def _fit_values(fig: Figure, ax: Axes, texts: list[Text]) -> None:
    """Lay the figure out, then widen the x axis until every value label ends inside the plot.

    A fixed margin did not do: with long theme labels the plot is narrow, and « 100 % ▲ » ran
    past the figure's right edge (cut off in the PNG and the PDF). The layout is frozen
    afterwards (`save_chart` would otherwise redo it, the same).
    """
    engine = fig.get_layout_engine()
    if engine is None or not texts:
        return
    engine.execute(fig)
    fig.set_layout_engine("none")
    renderer = FigureCanvasAgg(fig).get_renderer()
    low, high = ax.get_xlim()
    width = ax.bbox.width
    needed = high
    for text in texts:
        box = text.get_window_extent(renderer)
        anchor = float(text.xy[0] if isinstance(text, Annotation) else text.get_position()[0])
        anchor_px = ax.transData.transform((anchor, 0))[0] - ax.bbox.x0
        room = width - (box.x1 - ax.bbox.x0 - anchor_px)  # pixels left for the bar itself
        if room > 0 and anchor > low:
            needed = max(needed, low + (anchor - low) * width / room)
    if needed > high:
        ax.set_xlim(low, low + (needed - low) * 1.03)


@dataclass(frozen=True)
class _Row:
    label: str
    count: int | None  # None: a category heading
    colour: str
    heading_colour: str | None = None  # None: the chart ink
    category: str | None = None
    index: int | None = None  # the theme's place in reading order (None: a heading)


def _layout_rows(question: Question, themes: list[ThemeCount]) -> list[_Row]:
    """Top-to-bottom rows: a heading row per category (only where the question has categories)."""
    colours = {c: palette.OKABE_ITO[i % len(palette.OKABE_ITO)] for i, c in enumerate(question.categories)}
    rows: list[_Row] = []
    # Themes without a category in a categorised question (an implicit « Autres »): neutral grey.
    default = palette.UNCATEGORISED if colours else palette.OKABE_ITO[0]
    index = 0
    for category, group in group_by_category(themes):
        colour = colours.get(category or "", default)
        if category and colours:
            rows.append(_Row(_heading(category), None, colour, _darker(colour), category))
        for t in group:
            rows.append(_Row(_fill(t.label, LABEL_WIDTH), t.count, colour, None, category, index))
            index += 1
    return rows


def _darker(colour: str, factor: float = 0.62) -> str:
    """A darker shade of a palette colour, so that a coloured heading is readable as text."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02X}{:02X}{:02X}".format(*(round(c * factor) for c in (r, g, b)))


def _draw_bars(ax: Axes, rows: list[_Row], heights: list[float], top: float | None = None) -> list[Text]:
    """The bars and their counts, row `i` `heights[i]` inches tall; returns the count labels."""
    positions = _centres(heights)
    counts = [r.count or 0 for r in rows]
    bar = 0.7 * _row_height(1, 0.24, 0.04)  # every bar as thick, whatever its label's lines
    bars = ax.barh(positions, counts, color=[r.colour for r in rows], height=bar)
    labels = [fmt.integer(r.count) if r.count is not None else "" for r in rows]
    values = ax.bar_label(bars, labels=labels, padding=3, fontsize=8)
    ax.set_yticks(positions, [r.label for r in rows])
    for tick, row in zip(ax.get_yticklabels(), rows, strict=True):
        if row.count is None:
            tick.set_fontweight("bold")
            tick.set_color(row.heading_colour or palette.CHART_INK)
        else:
            tick.set_gid(f"theme-{row.index}")  # the SVG says which theme each label is (tests)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(sum(heights), 0)
    ax.set_xlim(0, top if top is not None else max([*counts, 1]) * 1.12)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    return list(values)


def _fill(text: str, width: int, *, bold: bool = False, italic: bool = False) -> str:
    """Wrapped at spaces only: the no-break spaces of French typography keep « : » and « % »
    with their words. Characters the chart's font cannot draw are left out (`drawable`)."""
    wrapper = textwrap.TextWrapper(width, break_on_hyphens=False)
    return "\n".join(wrapper.wrap(drawable(french(text), bold=bold, italic=italic)))


HEADING_WIDTH = 34  # characters per line of a bold capitalised category heading


def _heading(category: str) -> str:
    return _fill(category.upper(), HEADING_WIDTH, bold=True)


@lru_cache(maxsize=4)
def _font_characters(bold: bool, italic: bool) -> frozenset[int]:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = font_manager.FontProperties(family=_RC["font.family"], weight="bold" if bold else "normal",
                                       style="italic" if italic else "normal")
    return frozenset(FT2Font(font_manager.findfont(font)).get_charmap())


def drawable(text: str, *, bold: bool = False, italic: bool = False) -> str:
    """`text` without the characters the chart's font in that weight and style has no glyph for
    (emoji, CJK; Arabic in the italic captions): matplotlib would draw each as an empty box.
    Spaces left double are made single; a text of nothing but such characters reads
    « (caractères non affichables) »."""
    chars = _font_characters(bold, italic)
    if all(ord(c) in chars or c in "\n" for c in text):
        return text
    kept = "".join(c for c in text if ord(c) in chars or c == "\n")
    kept = re.sub(r"([ \u00a0\u202f])[ \u00a0\u202f]+", r"\1", kept)
    kept = re.sub(r"\(\s*,\s*", "(", kept)  # « (中文, русский) »: « (русский) »
    kept = re.sub(r",\s*(?=[,)])", "", kept)
    kept = re.sub(r" +([,.)\u202f])|(\() +", lambda m: m.group(1) or m.group(2), kept).strip()
    return kept if re.search(r"\w", kept) else "(caractères non affichables)"


def _lines(text: str, width: int) -> int:
    return len(textwrap.wrap(text, width)) or 1


# --- national versus regional --------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonData:
    """Everything one comparison chart shows (plain data: it travels to worker processes)."""

    question: Question
    region: str
    national: list[ThemeCount]  # reading order
    regional: dict[str, ThemeCount]  # by theme id
    national_n: int
    region_n: int
    threshold: int = SMALL_CELL_THRESHOLD
    flags: dict[str, str] = field(default_factory=dict)  # theme id -> « plus cité » / « moins cité »
    hidden: frozenset[str] = frozenset()  # themes whose regional figure is not published

    @property
    def drawn(self) -> list[ThemeCount]:
        """National themes in reading order, those with a published regional figure only."""
        return [t for t in self.national if t.theme_id not in self.hidden]

    @property
    def worth_drawing(self) -> bool:
        cited = sum(1 for t in self.drawn if self.regional_theme(t).citing > 0)
        return cited >= MIN_COMPARED

    @property
    def region_label(self) -> str:
        return f"{_region_phrase(self.region)} ({respondents_phrase(self.region_n)})"

    @property
    def national_label(self) -> str:
        return f"France entière ({respondents_phrase(self.national_n)})"

    def regional_theme(self, national: ThemeCount) -> ThemeCount:
        return self.regional.get(national.theme_id) or ThemeCount(
            national.theme_id, national.label, national.category, national.is_other, 0, 0, self.region_n
        )

    def caption(self, with_intervals: bool, with_flags: bool) -> str:
        parts = [
            "Part des répondants ayant cité chaque thème, dans la région et dans la France entière.",
        ]
        if self.hidden:
            parts.append("Les thèmes dont le chiffre régional est couvert par le secret statistique ne "
                         "figurent pas sur ce graphique.")
        if with_flags:
            parts.append(FLAG_CAPTION)
        if with_intervals:
            parts.append("Traits : intervalle à 90 % du décompte corrigé des erreurs du codage automatique.")
        return " ".join(parts)


_FLAG_MARKS = {"plus cité": "▲", "moins cité": "▼"}
FLAG_CAPTION = ("▲ ▼ : thème plus ou moins cité que dans le reste du pays (test exact de Fisher ; "
                "correction de Benjamini-Hochberg sur l'ensemble des comparaisons de toutes les "
                "régions, taux de fausses découvertes de 5 %).")


@dataclass(frozen=True)
class _Line:
    """One row of a comparison chart: a category heading (`theme` None) or a theme's two bars."""

    label: str
    height: float  # inches
    category: str | None
    theme: ThemeCount | None = None
    index: int | None = None


def comparison_charts(data: ComparisonData, *, max_height_in: float = _MAX_HEIGHT_IN) -> list[Figure]:
    """Two bars per theme (region, then France entière) in % of respondents, same order as the
    national chart; themes whose regional figure is hidden are left out (`ComparisonData.hidden`).
    In parts of at most `max_height_in` inches, like `theme_charts`."""
    with mpl.rc_context(_RC):
        themes = data.drawn
        groups = group_by_category(themes) if data.question.categories else [(None, themes)]
        base = _row_height(1, 0.32, 0.05)
        lines: list[_Line] = []
        for category, group in groups:
            if category:
                lines.append(_heading_line(category, base))
            for theme in group:
                label = _fill(theme.label, LABEL_WIDTH)
                lines.append(_Line(label, _row_height(label.count("\n") + 1, 0.32, 0.05), category, theme,
                                   data.national.index(theme)))
    regional = [data.regional_theme(t) for t in themes]
    # The caption, under the last part, explains the marks of every part.
    caption_text = data.caption(
        any(t.share_interval(data.question.unit) is not None for t in [*regional, *themes]),
        any(data.flags.get(r.theme_id) in _FLAG_MARKS and not r.suppressed(data.threshold) for r in regional))
    title = 0.16 * (_fill(data.question.text, TITLE_WIDTH, bold=True).count("\n") + 1)
    caption = 0.15 * _lines(caption_text, CAPTION_WIDTH)
    heading = max((line.height for line in lines if line.theme is None), default=0.0)
    parts = _split([line.height for line in lines], [line.theme is None for line in lines],
                   max_height_in - 1.45 - title - caption, heading)
    top = 10.0  # one scale for every part
    for theme in themes:
        for t in (data.regional_theme(theme), theme):
            interval = t.share_interval(data.question.unit)
            top = max(top, t.share, interval[1] if interval else 0.0)
    figures = []
    for number, part in enumerate(parts, start=1):
        chunk = [lines[i] for i in part]
        if number > 1 and chunk and chunk[0].theme is not None and chunk[0].category:
            chunk.insert(0, _heading_line(chunk[0].category + CONTINUED, base))
        figures.append(_comparison_figure(data, chunk, top, caption_text if number == len(parts) else None,
                                          number > 1))
    return figures


def _heading_line(category: str, base: float) -> _Line:
    title = _heading(category)
    return _Line(title, max(0.8 * base, 0.14 * (title.count("\n") + 1) + 0.12), category)


def _comparison_figure(data: ComparisonData, lines: list[_Line], top: float, caption: str | None,
                       continued: bool) -> Figure:
    with mpl.rc_context(_RC):
        unit = data.question.unit
        base = _row_height(1, 0.32, 0.05)
        y_labels: list[tuple[float, str, int | None]] = []  # (position, text, theme index; None: heading)
        bars: list[tuple[float, ThemeCount, ThemeCount]] = []
        # In inches down the y axis: each row as tall as its own label needs.
        y = 0.0
        for line in lines:
            if line.theme is None:
                y_labels.append((y + line.height / 2 - 0.1 * base, line.label, None))
            else:
                y_labels.append((y + line.height / 2, line.label, line.index))
                bars.append((y + line.height / 2, data.regional_theme(line.theme), line.theme))
            y += line.height
        height_in = 1.45 + y
        fig = Figure(figsize=(PAGE_WIDTH_CM / 2.54, height_in), layout="constrained")
        ax = fig.add_subplot()
        _, values = _draw_comparison(ax, data, bars, unit, top)
        ax.set_yticks([p for p, _, _ in y_labels], [t for _, t, _ in y_labels])
        for tick, (_, _, index) in zip(ax.get_yticklabels(), y_labels, strict=True):
            if index is None:
                tick.set_fontweight("bold")
                tick.set_color(palette.CHART_INK)
            else:
                tick.set_gid(f"theme-{index}")
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(y, 0)
        ax.xaxis.set_visible(False)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        # Above the plot, from its right edge leftwards; one entry a line when side by side they
        # would be wider than the page (centred on the plot, « Région Provence-Alpes-Côte d'Azur
        # (11 960 répondants) » pushed « France entière » past the figure's right edge).
        entries = [drawable(data.region_label), data.national_label]
        ax.legend(
            handles=[Patch(color=palette.REGION, label=entries[0]),
                     Patch(color=palette.NATIONAL, label=entries[1])],
            loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2 if sum(map(len, entries)) <= 64 else 1,
            frameon=False, fontsize=8,
        )
        fig.suptitle(_fill(data.question.text + (CONTINUED if continued else ""), TITLE_WIDTH, bold=True),
                     fontsize=9, fontweight="bold")
        if caption:
            fig.supxlabel(_fill(caption, CAPTION_WIDTH, italic=True), fontsize=7, style="italic",
                          color=palette.CHART_MUTED)
        _fit_values(fig, ax, values)
    return fig


def _draw_comparison(
    ax: Axes, data: ComparisonData, bars: list[tuple[float, ThemeCount, ThemeCount]], unit: str,
    top: float = 10.0,
) -> tuple[bool, list[Text]]:
    """Bars, value labels and error bars; returns whether any interval was drawn, and the labels."""
    base = _row_height(1, 0.32, 0.05)  # inches: the y axis's unit
    height, offset = 0.36 * base, 0.19 * base
    any_interval = False
    values = []
    for y, regional, national in bars:
        for share_of, colour, dy, is_region in ((regional, palette.REGION, -offset, True),
                                                 (national, palette.NATIONAL, offset, False)):
            pos = y + dy
            share = share_of.share
            ax.barh(pos, share, height=height, color=colour)
            interval = share_of.share_interval(unit)
            end = share
            if interval is not None:
                low, high = interval
                ax.errorbar(
                    share, pos, xerr=[[max(share - low, 0)], [max(high - share, 0)]],
                    fmt="none", ecolor=palette.ERROR_BAR, elinewidth=0.7, capsize=2,
                )
                end = max(share, high)
                any_interval = True
            label = fmt.percent(share)
            mark = _FLAG_MARKS.get(data.flags.get(regional.theme_id, "")) if is_region else None
            if mark:
                label += f" {mark}"
            strong = is_region and share > 0
            values.append(ax.text(
                end + 0.8, pos, label, va="center", ha="left", fontsize=7.5,
                fontweight="bold" if strong else "normal", color=palette.CHART_INK if strong else palette.CHART_MUTED))
            top = max(top, end)
    ax.set_xlim(0, top * 1.18 + 4)
    return any_interval, values


def _region_phrase(region: str) -> str:
    from consultation.ingest.regions import UNKNOWN_REGION

    return region if region == UNKNOWN_REGION else f"Région {region}"


# --- region × theme overview (national synthesis) -----------------------------------------------

OVERVIEW_DIR = "vue-d-ensemble"  # charts/vue-d-ensemble/<question_id>: one heatmap per question
OVERVIEW_LABEL_WIDTH = 34


@dataclass(frozen=True)
class OverviewData:
    """One question's region × theme overview: the share of each region's respondents to the
    question who cite each theme, `None` where the region's figure is not published.

    Built from the publication's disclosure plan (`report.DisclosurePlan`), so it shows exactly
    the regional figures the regional reports show, and nothing else: the chart and its table
    in the synthesis derive no cell the reports hide.
    """

    question: Question
    regions: list[str]  # regions with a report of their own, in display order
    labels: list[str]  # themes, in reading order
    national: list[float]  # national share per theme
    cells: list[list[float | None]]  # [theme][region]
    national_n: int
    threshold: int = SMALL_CELL_THRESHOLD

    @property
    def masked(self) -> int:
        return sum(1 for row in self.cells for v in row if v is None)


def overview_data(figures: TallyFigures, question: Question, plan) -> OverviewData | None:
    """The overview of a question, or None when nobody answered it or no region has a report."""
    national_n = figures.answered(question.id)
    regions = list(plan.report_regions)
    if not national_n or not regions:
        return None
    themes = figures.themes(question)
    by_region = {r: figures.by_theme(question, ("region", r)) for r in regions}
    cells: list[list[float | None]] = []
    for theme in themes:
        row: list[float | None] = []
        for region in regions:
            if not plan.shown(question.id, theme.theme_id, region):
                row.append(None)
                continue
            t = by_region[region].get(theme.theme_id)
            row.append(t.share if t and t.citing else 0.0)
        cells.append(row)
    return OverviewData(question, regions, [t.label for t in themes], [t.share for t in themes], cells,
                        national_n, plan.threshold)


def overview_cell_text(value: float | None, *, percent: bool = True) -> str:
    """What a cell of the overview says: « 36 % » (« 36 » on the chart), « 0 % », « s »."""
    from consultation.publish.disclosure import SECRET

    if value is None:
        return SECRET
    # « 0 % », not « 0 », in the tables: a row of zeros would read « 0 0 0 0 0 0 0 0 0 » in a PDF's
    # text, the shape of an identification number to the leak scanner (leakscan).
    text = fmt.percent(value or 0)
    return text if percent else text.replace("\u00a0%", "")


def overview_stem(out_dir: Path, question_id: str) -> Path:
    return Path(out_dir) / OVERVIEW_DIR / question_id


def write_overview_charts(consultation: Consultation, out_dir: Path, *, figures: TallyFigures,
                          plan, workers: int | None = None) -> list[Path]:
    """One heatmap per question with answers, for the national synthesis."""
    jobs = []
    for question in consultation.questions:
        data = overview_data(figures, question, plan)
        if data is not None:
            jobs.append(_Job("overview", overview_stem(out_dir, question.id), data))
    return _render(jobs, workers)


OVERVIEW_CAPTION = ("Part des répondants de chaque région ayant cité le thème, en %. « s » : secret "
                    "statistique (chiffre régional masqué, comme dans les rapports régionaux). Seules "
                    "les régions d'au moins {respondents} figurent ; les autres sont comptées "
                    "dans la colonne France entière.")


def overview_fills(data: OverviewData) -> list[list[tuple[str, str]]]:
    """(fill, text colour) of each cell, France entière first: one blue scale from 0 to the largest
    share shown, grey for a masked cell. The chart and the Word table use the same."""
    from matplotlib.colors import Normalize, to_hex

    cmap = mpl.colormaps[palette.HEATMAP]
    shown = [v for row in data.cells for v in row if v is not None] + list(data.national)
    norm = Normalize(0, max([*shown, 10.0]))
    out = []
    for national, row in zip(data.national, data.cells, strict=True):
        cells = []
        for value in [national, *row]:
            if value is None:
                cells.append((palette.MASKED_FILL, palette.CHART_MUTED))
            else:
                level = float(norm(value))
                cells.append((to_hex(cmap(0.08 + 0.85 * level)).upper(), palette.LIGHT_INK if level > 0.55 else palette.CHART_INK))
        out.append(cells)
    return out


def overview_charts(data: OverviewData, *, max_height_in: float = _MAX_HEIGHT_IN) -> list[Figure]:
    """A heatmap: themes down, « France entière » then the regions across, the share printed in
    each cell; a masked cell is grey and reads « s », never coloured by its value. In parts of at
    most `max_height_in` inches (`MIN_PRINT_PT`), the column headers on each."""
    with mpl.rc_context(_RC):
        labels = [_fill(label, OVERVIEW_LABEL_WIDTH) for label in data.labels]
    columns = ["France entière", *data.regions]
    label_lines = max((label.count("\n") + 1 for label in labels), default=1)
    row_in = max(0.12 + 0.11 * label_lines, 0.135 * label_lines + 0.05)
    header_in = 0.09 * max(len(c) for c in columns) + 0.3
    caption_in = 0.15 * _lines(OVERVIEW_CAPTION, CAPTION_WIDTH)
    title_in = 0.16 * (_fill(data.question.text, TITLE_WIDTH, bold=True).count("\n") + 1)
    parts = _split([row_in] * len(labels), [False] * len(labels),
                   max_height_in - 1.2 - header_in - caption_in - title_in, 0.0)
    fills = overview_fills(data)  # one colour scale for every part
    return [_overview_figure(data, labels, rows, fills, row_in, header_in, number, len(parts))
            for number, rows in enumerate(parts, start=1)]


def _overview_figure(data: OverviewData, all_labels: list[str], rows: range, fills: list[list[tuple[str, str]]],
                     row_in: float, header_in: float, part: int, parts: int) -> Figure:
    from matplotlib.patches import Rectangle

    with mpl.rc_context(_RC):
        labels = [all_labels[i] for i in rows]
        columns = ["France entière", *data.regions]
        last = part == parts
        height_in = 1.2 + header_in + row_in * len(labels) + (0.15 * _lines(OVERVIEW_CAPTION, CAPTION_WIDTH)
                                                              if last else 0.0)
        fig = Figure(figsize=(PAGE_WIDTH_CM / 2.54, height_in), layout="constrained")
        engine = fig.get_layout_engine()
        assert isinstance(engine, ConstrainedLayoutEngine)  # layout="constrained" above
        engine.set(w_pad=0.2)  # text at 300 dpi is a little wider than laid out
        ax = fig.add_subplot()
        gap = 0.3  # between the national column and the regions
        xs = [0.0] + [1 + gap + j for j in range(len(data.regions))]
        fontsize = 7 if len(columns) <= 10 else 6
        for y, i in enumerate(rows):
            for j, value in enumerate([data.national[i], *data.cells[i]]):
                x = xs[j]
                # A masked cell is flat grey (a hatch would cost a Word file hundreds of kilobytes).
                fill, colour = fills[i][j]
                ax.add_patch(Rectangle((x, y), 1, 1, facecolor=fill, edgecolor="white", linewidth=1.2))
                style = "italic" if value is None else "normal"
                text = ax.text(x + 0.5, y + 0.5, overview_cell_text(value, percent=False), ha="center",
                               va="center", fontsize=fontsize, color=colour, style=style,
                               fontweight="bold" if j == 0 else "normal")
                # Named cells: the SVG says which figure each text is (tests/attacker.py reads them).
                text.set_gid(f"cellule-{i}-{j}")
        ax.set_xlim(0, xs[-1] + 1)
        ax.set_ylim(len(labels), 0)
        ax.xaxis.tick_top()
        ax.set_xticks([x + 0.5 for x in xs], [drawable(french(c)) for c in columns], rotation=40, ha="left",
                      rotation_mode="anchor", fontsize=7.5)
        ax.set_yticks([i + 0.5 for i in range(len(labels))], labels, fontsize=7.5)
        for tick, i in zip(ax.get_yticklabels(), rows, strict=True):
            tick.set_gid(f"theme-{i}")
        ax.tick_params(length=0)
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        fig.suptitle(_fill(data.question.text + (CONTINUED if part > 1 else ""), TITLE_WIDTH, bold=True),
                     fontsize=9, fontweight="bold")
        if last:
            fig.supxlabel(_fill(OVERVIEW_CAPTION.format(respondents=fmt.count(data.threshold, "répondant")), CAPTION_WIDTH, italic=True),
                          fontsize=7, style="italic", color=palette.CHART_MUTED)
    return fig
