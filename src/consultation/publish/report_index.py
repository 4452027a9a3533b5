"""The index page of a consultation's outputs: every report and chart, one click away.

Written at the root of the output folder (`data/processed/<id>/index.html`) with relative links,
so the folder can be zipped, moved or put on a web server as it is.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote as url_quote

from consultation import fmt
from consultation.codebook import Consultation, Question
from consultation.ingest.regions import UNKNOWN_REGION
from consultation.publish.charts import (
    SMALL_CELL_THRESHOLD,
    overview_stem,
    part_stem,
    region_slug,
    respondents_phrase,
    write_if_changed,
)
from consultation.publish.report_data import NATIONAL_SLUG, consultation_name
from consultation.publish.report_text import template_environment
from consultation.publish.typography import french_html
from consultation.store.paths import OutputPaths

if TYPE_CHECKING:  # the builder's context, read here, never imported (the builder imports this module)
    from consultation.publish.report import ReportContext

INDEX_NAME = "index.html"
_FORMAT_LABELS = {"pdf": "PDF", "html": "page web", "docx": "Word", "md": "Markdown"}


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    title: str = ""  # shown on hover: the question's wording behind a short label


@dataclass(frozen=True)
class ReportEntry:
    name: str
    detail: str
    links: list[Link]
    charts: list[Link]


@dataclass(frozen=True)
class ChartEntry:
    """One question of the questionnaire, in its order, with its charts."""

    number: int
    section: str
    label: str  # the question's wording
    links: list[Link]  # national chart
    overview: list[Link]  # region × theme heatmap


@dataclass(frozen=True)
class PooledEntry:
    name: str
    detail: str


def write_index(
    consultation: Consultation,
    paths: OutputPaths,
    reports: Sequence[Path],
    ctx: ReportContext | None = None,
) -> Path:
    """Write `index.html`: the synthesis, the regional reports by region name, then every question
    in questionnaire order with its wording and its charts."""
    root = paths.root
    root.mkdir(parents=True, exist_ok=True)
    by_slug: dict[str, list[Path]] = {}
    for path in reports:
        by_slug.setdefault(path.stem, []).append(path)
    respondents = ctx.respondents if ctx else {}
    questions = list(consultation.questions)
    national = None
    if NATIONAL_SLUG in by_slug:
        national = ReportEntry("Synthèse nationale", respondents_phrase(sum(respondents.values())),
                               _links(by_slug[NATIONAL_SLUG], root), [])
    regions = sorted(respondents, key=lambda r: (r == UNKNOWN_REGION, region_slug(r)))
    entries, pooled = [], []
    for region in regions:
        slug = region_slug(region)
        if slug in by_slug:
            entries.append(ReportEntry(region, respondents_phrase(respondents[region]),
                                       _links(by_slug[slug], root),
                                       _question_charts(questions, paths.charts / slug, root)))
        else:
            pooled.append(region)
    pooled_entries = []
    small = [r for r in pooled if r != UNKNOWN_REGION]
    if small:
        # Not named: which regions have one or two respondents is itself a small figure.
        threshold = ctx.threshold if ctx else SMALL_CELL_THRESHOLD
        pooled_entries.append(PooledEntry(f"Autres régions (moins de {fmt.count(threshold, 'répondant')} chacune)",
                                          respondents_phrase(sum(respondents[r] for r in small))))
    if UNKNOWN_REGION in pooled:
        pooled_entries.append(PooledEntry(UNKNOWN_REGION, respondents_phrase(respondents[UNKNOWN_REGION])))
    chart_rows = []
    for number, question in enumerate(questions, start=1):
        links = _formats(paths.charts / question.id, root)
        overview = _formats(overview_stem(paths.charts, question.id), root)
        if links or overview:
            chart_rows.append(ChartEntry(number, question.section, question.text, links, overview))
    html = template_environment().get_template("index.html").render(
        title=f"{consultation_name(consultation)} : rapports et graphiques",
        subtitle=consultation.title,
        national=national,
        regions=entries,
        pooled=pooled_entries,
        national_charts=chart_rows,
        total=respondents_phrase(sum(respondents.values())),
    )
    path = root / INDEX_NAME
    write_if_changed(path, french_html(html).encode("utf-8"))
    return path


def _href(path: Path, root: Path) -> str:
    return url_quote(Path(os.path.relpath(path, root)).as_posix())


def _links(files: list[Path], root: Path) -> list[Link]:
    order = {ext: i for i, ext in enumerate(_FORMAT_LABELS)}
    files = sorted(files, key=lambda p: order.get(p.suffix.lstrip("."), 99))
    return [Link(_FORMAT_LABELS.get(p.suffix.lstrip("."), p.suffix), _href(p, root)) for p in files]


def _question_charts(questions: Sequence[Question], folder: Path, root: Path) -> list[Link]:
    """A region's charts in questionnaire order, « question 4 » with the wording on hover."""
    return [Link(f"question {n}", _href(folder / f"{q.id}.png", root), q.text)
            for n, q in enumerate(questions, start=1) if (folder / f"{q.id}.png").is_file()]


def _formats(stem: Path, root: Path) -> list[Link]:
    """PNG and SVG of a chart, then of each part continuing it (« PNG suite 2 »)."""
    links: list[Link] = []
    part = 1
    while (found := [ext for ext in ("png", "svg") if part_stem(stem, part).with_suffix(f".{ext}").is_file()]):
        links += [Link(ext.upper() + (f" suite {part}" if part > 1 else ""),
                       _href(part_stem(stem, part).with_suffix(f".{ext}"), root)) for ext in found]
        part += 1
    return links
