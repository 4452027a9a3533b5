"""What a reader of a chart would notice, measured by matplotlib's renderer: text cut off at the
figure's edge, texts drawn over one another, a plot squeezed to nothing by its labels, and glyphs
the font lacks (drawn as empty boxes)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from consultation.codebook import Question
from consultation.publish.charts import (
    _RC,
    DPI,
    ComparisonData,
    OverviewData,
    ThemeCount,
    comparison_charts,
    overview_charts,
    theme_charts,
)


@dataclass
class Problems:
    cut: list[str] = field(default_factory=list)  # texts past the figure's edge
    overlapping: list[tuple[str, str]] = field(default_factory=list)
    missing_glyphs: list[str] = field(default_factory=list)  # matplotlib's warnings
    plot_share: float = 1.0  # width of the narrowest axes, as a share of the figure's

    def __bool__(self) -> bool:
        return bool(self.cut or self.overlapping or self.missing_glyphs or self.plot_share < 0.25)


def measure(fig: Figure) -> Problems:
    """Lay the figure out and draw it as `charts.save_chart` does, then measure every text."""
    problems = Problems()
    with warnings.catch_warnings(record=True) as caught, mpl.rc_context(_RC):
        warnings.simplefilter("always")
        engine = fig.get_layout_engine()
        if engine is not None:
            engine.execute(fig)
            fig.set_layout_engine("none")
        canvas = FigureCanvasAgg(fig)  # a bare Figure has no renderer of its own
        fig.set_dpi(DPI)  # measured at the resolution the PNG is saved at
        canvas.draw()
        renderer = canvas.get_renderer()
        texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        boxes = [(t.get_text(), t.get_window_extent(renderer), t.get_rotation() % 180 != 0) for t in texts]
    problems.missing_glyphs = sorted({str(w.message) for w in caught if "missing from font" in str(w.message)})
    width, height = fig.bbox.width, fig.bbox.height
    tolerance = 1.0  # pixel
    for text, box, _ in boxes:
        if box.x0 < -tolerance or box.y0 < -tolerance or box.x1 > width + tolerance or box.y1 > height + tolerance:
            problems.cut.append(text)
    for i, (a, box_a, turned_a) in enumerate(boxes):
        for b, box_b, turned_b in boxes[i + 1:]:
            if turned_a and turned_b:
                continue  # the boxes of slanted column headers overlap, their letters do not
            overlap_w = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            overlap_h = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if overlap_w > tolerance and overlap_h > tolerance:
                problems.overlapping.append((a, b))
    if fig.axes:
        problems.plot_share = min(ax.get_position().width for ax in fig.axes)
    return problems


# Whole charts, however tall: the measures above are the same for a chart and for each of its
# parts (the library splits a chart taller than a page, `charts.MAX_CHART_HEIGHT_CM`).
def theme_chart(question: Question, themes: list[ThemeCount], answered: int) -> Figure:
    return theme_charts(question, themes, answered, max_height_in=math.inf)[0]


def comparison_chart(data: ComparisonData) -> Figure:
    return comparison_charts(data, max_height_in=math.inf)[0]


def overview_chart(data: OverviewData) -> Figure:
    return overview_charts(data, max_height_in=math.inf)[0]
