"""National theme charts: one horizontal bar chart per coded question, PNG for Word and SVG for the web.

The display order computed here (`ordered_theme_counts`) is also the order of the regional report
tables, so that a chart and the table above it always read the same way.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import duckdb
import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from consultation.codebook import Consultation, Question

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency. Yellow and black
# come last: yellow is faint on white, black hides the count labels' contrast.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
PAGE_WIDTH_CM = 16.0
DPI = 300
LABEL_WIDTH = 42  # characters per line of a theme label
TITLE_WIDTH = 75
CAPTION_WIDTH = 105
NATIONAL = ("national", "France")

# Fixed salt and no dates: the same counts give byte-identical files, run after run.
_RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "svg.hashsalt": "consultation",
    "svg.fonttype": "path",
}
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


@dataclass(frozen=True)
class ThemeCount:
    """One theme of a question as charts and report tables show it."""

    theme_id: str
    label: str
    category: str | None
    is_other: bool
    count: int


def format_count(n: int) -> str:
    """French digit grouping (narrow no-break space): 1 234, never 1,234."""
    return f"{n:,}".replace(",", "\u202f")


def respondents_phrase(n: int) -> str:
    """« 0 répondant », « 1 répondant », « 47 répondants » (French singular below 2)."""
    return f"{format_count(n)} répondant{'s' if n > 1 else ''}"


def respondents_answered(
    con: duckdb.DuckDBPyConnection,
    consultation_id: str,
    question_id: str,
    scope: tuple[str, str] = NATIONAL,
) -> int:
    """Respondents of a scope who answered the question: the N printed in titles and headers."""
    row = con.execute(
        "SELECT max(respondents_answered) FROM tally "
        "WHERE consultation_id = ? AND question_id = ? AND scope_kind = ? AND scope = ?",
        [consultation_id, question_id, *scope],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def ordered_theme_counts(
    con: duckdb.DuckDBPyConnection,
    consultation_id: str,
    question: Question,
    scope: tuple[str, str] = NATIONAL,
) -> list[ThemeCount]:
    """Themes in reading order: category groups in codebook order, count descending, « Autres » last.

    An « Autres » that the pipeline added on its own and that nobody cited is left out: it is not
    part of the codebook the readers know.
    """
    rows = con.execute(
        "SELECT theme_id, label, category, is_other, count, theme_position FROM tally "
        "WHERE consultation_id = ? AND question_id = ? AND scope_kind = ? AND scope = ?",
        [consultation_id, question.id, *scope],
    ).fetchall()
    defined = {t.id for t in question.themes}
    kept = [r for r in rows if not _implicit_empty_other(r[0], r[3], r[4], defined)]
    groups = question.categories
    kept.sort(key=lambda r: (_group_rank(r[2], groups), r[3], -r[4], r[5]))
    return [ThemeCount(r[0], r[1], r[2], bool(r[3]), int(r[4])) for r in kept]


def _implicit_empty_other(theme_id: str, is_other: bool, count: int, defined: set[str]) -> bool:
    return is_other and count == 0 and theme_id.endswith("_autres") and theme_id not in defined


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


def chart_title(question: Question, answered: int) -> str:
    return f"{question.text} ({respondents_phrase(answered)})"


def write_national_charts(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, out_dir: Path
) -> list[Path]:
    """Write `<question_id>.png` (300 dpi) and `.svg` for every coded question that has answers."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for question in consultation.questions:
        answered = respondents_answered(con, consultation.id, question.id)
        if answered == 0:
            continue
        themes = ordered_theme_counts(con, consultation.id, question)
        written += save_chart(theme_chart(question, themes, answered), out_dir / question.id)
    return written


def save_chart(fig: Figure, stem: Path) -> list[Path]:
    """Save as PNG and SVG with fixed metadata, so reruns are byte-identical."""
    paths = []
    with mpl.rc_context(_RC):
        for fmt in ("png", "svg"):
            path = stem.with_suffix(f".{fmt}")
            fig.savefig(path, format=fmt, dpi=DPI, metadata=_METADATA[fmt])
            paths.append(path)
    return paths


def theme_chart(question: Question, themes: list[ThemeCount], answered: int) -> Figure:
    """Horizontal bars in reading order, one colour and one bold heading row per category.

    A bare `Figure` (not pyplot) is never registered with a GUI backend, so nothing has to be
    closed and the process-wide pyplot state is left alone.
    """
    with mpl.rc_context(_RC):
        rows = _layout_rows(question, themes)
        label_lines = max((r.label.count("\n") + 1 for r in rows), default=1)
        row_in = 0.24 + 0.04 * label_lines  # room for wrapped labels, without wasting a page
        height_in = 1.1 + row_in * len(rows) + 0.15 * _lines(question.caption, CAPTION_WIDTH)
        fig = Figure(figsize=(PAGE_WIDTH_CM / 2.54, height_in), layout="constrained")
        ax = fig.add_subplot()
        _draw_bars(ax, rows)
        fig.suptitle(textwrap.fill(chart_title(question, answered), TITLE_WIDTH),
                     fontsize=9, fontweight="bold")
        fig.supxlabel(textwrap.fill(question.caption, CAPTION_WIDTH), fontsize=7.5, style="italic")
    return fig


@dataclass(frozen=True)
class _Row:
    label: str
    count: int | None  # None: a category heading
    colour: str


def _layout_rows(question: Question, themes: list[ThemeCount]) -> list[_Row]:
    """Top-to-bottom rows: a heading row per category (only where the question has categories)."""
    colours = {c: OKABE_ITO[i % len(OKABE_ITO)] for i, c in enumerate(question.categories)}
    rows: list[_Row] = []
    # Themes without a category in a categorised question (an implicit « Autres »): neutral grey.
    default = "#777777" if colours else OKABE_ITO[0]
    for category, group in group_by_category(themes):
        colour = colours.get(category or "", default)
        if category and colours:
            rows.append(_Row(category.upper(), None, colour))
        rows += [_Row(textwrap.fill(t.label, LABEL_WIDTH), t.count, colour) for t in group]
    return rows


def _draw_bars(ax: Axes, rows: list[_Row]) -> None:
    positions = list(range(len(rows)))
    counts = [r.count or 0 for r in rows]
    bars = ax.barh(positions, counts, color=[r.colour for r in rows], height=0.7)
    labels = [format_count(r.count) if r.count is not None else "" for r in rows]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=8)
    ax.set_yticks(positions, [r.label for r in rows])
    for tick, row in zip(ax.get_yticklabels(), rows, strict=True):
        if row.count is None:
            tick.set_fontweight("bold")
            tick.set_color(row.colour)
    ax.tick_params(axis="y", length=0)
    ax.invert_yaxis()
    ax.set_xlim(0, max([*counts, 1]) * 1.12)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)


def _lines(text: str, width: int) -> int:
    return len(textwrap.wrap(text, width)) or 1
