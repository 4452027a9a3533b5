"""The index page of a consultation's outputs: every report and chart, one click away.

Written at the root of the output folder (`data/processed/<id>/index.html`) with relative links,
so the folder can be zipped, moved or put on a web server as it is.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote as url_quote

from consultation.charts import region_slug, respondents_phrase, write_if_changed
from consultation.codebook import Consultation
from consultation.paths import OutputPaths
from consultation.regions import UNKNOWN_REGION
from consultation.report import NATIONAL_SLUG, ReportContext, consultation_name
from consultation.report_text import template_environment
from consultation.typography import french_html

INDEX_NAME = "index.html"
_FORMAT_LABELS = {"html": "page web", "docx": "Word", "md": "Markdown"}


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class ReportEntry:
    name: str
    detail: str
    links: list[Link]
    charts: list[Link]


@dataclass(frozen=True)
class ChartEntry:
    label: str
    links: list[Link]


def write_index(
    consultation: Consultation,
    paths: OutputPaths,
    reports: Sequence[Path],
    ctx: ReportContext | None = None,
) -> Path:
    """Write `index.html` listing the given reports and every chart under `paths.charts`."""
    root = paths.root
    root.mkdir(parents=True, exist_ok=True)
    by_slug: dict[str, list[Path]] = {}
    for path in reports:
        by_slug.setdefault(path.stem, []).append(path)
    respondents = ctx.respondents if ctx else {}
    national = None
    if NATIONAL_SLUG in by_slug:
        national = ReportEntry("Synthèse nationale", respondents_phrase(sum(respondents.values())),
                               _links(by_slug[NATIONAL_SLUG], root), _charts(paths.charts, root))
    regions = sorted(respondents, key=lambda r: (r == UNKNOWN_REGION, region_slug(r)))
    entries = []
    for region in regions:
        slug = region_slug(region)
        if slug in by_slug:
            entries.append(ReportEntry(region, respondents_phrase(respondents[region]),
                                       _links(by_slug[slug], root), _charts(paths.charts / slug, root)))
    questions = {q.id: q.text for q in consultation.questions}
    chart_rows = [
        ChartEntry(questions.get(stem, stem), links)
        for stem, links in _chart_groups(paths.charts, root).items()
    ]
    html = template_environment().get_template("index.html").render(
        title=f"{consultation_name(consultation)} : rapports et graphiques",
        subtitle=consultation.title,
        national=national,
        regions=entries,
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


def _charts(folder: Path, root: Path) -> list[Link]:
    """Links to the PNG charts of a folder (its SVG twins are listed on the chart rows)."""
    if not folder.is_dir():
        return []
    return [Link(p.stem, _href(p, root)) for p in sorted(folder.glob("*.png"))]


def _chart_groups(folder: Path, root: Path) -> dict[str, list[Link]]:
    groups: dict[str, list[Link]] = {}
    if folder.is_dir():
        for p in sorted(folder.glob("*.png")) + sorted(folder.glob("*.svg")):
            groups.setdefault(p.stem, []).append(Link(p.suffix.lstrip(".").upper(), _href(p, root)))
    return groups
