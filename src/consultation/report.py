"""Regional reports: the national themes next to one region's testimonies, as HTML and Markdown.

The layout follows the hand-made 2020 regional documents. A report is first built as plain data
(`RegionReport`), then rendered; other formats (DOCX) only need another renderer.
"""

from __future__ import annotations

import base64
import functools
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote as url_quote

import duckdb
import jinja2

from consultation.charts import (
    ThemeCount,
    format_count,
    group_by_category,
    ordered_theme_counts,
    respondents_answered,
    respondents_phrase,
)
from consultation.codebook import Consultation, FreeTextSection, Question
from consultation.errors import ConsultationError
from consultation.quotes import region_quotes
from consultation.regions import UNKNOWN_REGION

NBSP = "\u00a0"
_TITLE_QUALIFIER = re.compile(r" \(| — | – ")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


@dataclass(frozen=True)
class ThemeRow:
    label: str
    count: int
    quotes: list[str]

    @property
    def left(self) -> str:
        return f"{self.label} ({format_count(self.count)})"


@dataclass(frozen=True)
class ThemeGroup:
    heading: str | None  # category in capitals; None when the question has no categories
    rows: list[ThemeRow]


@dataclass(frozen=True)
class QuestionTable:
    question_id: str
    text: str
    left_header: str
    right_header: str
    groups: list[ThemeGroup]
    chart: Path | None  # the national PNG; None when nobody answered the question
    caption: str


@dataclass(frozen=True)
class Section:
    title: str
    tables: list[QuestionTable]

    @property
    def show_question_text(self) -> bool:
        """Several tables under one heading need the question to tell them apart."""
        return len(self.tables) > 1


@dataclass(frozen=True)
class Initiative:
    text: str
    follow_up: str | None


@dataclass(frozen=True)
class InitiativeSection:
    title: str
    follow_up_prompt: str | None
    items: list[Initiative]


@dataclass(frozen=True)
class RegionReport:
    region: str
    slug: str
    title: str
    sections: list[Section]
    free_text: list[InitiativeSection]


def write_region_reports(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, out_dir: Path, chart_dir: Path
) -> list[Path]:
    """Write `<slug>.html` (self-contained) and `<slug>.md` for every region present in the data.

    The national charts must already be in `chart_dir` (see `charts.write_national_charts`).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for region in report_regions(con, consultation.id):
        report = build_region_report(con, consultation, region, Path(chart_dir))
        html_path = out_dir / f"{report.slug}.html"
        md_path = out_dir / f"{report.slug}.md"
        html_path.write_text(render_html(report), encoding="utf-8")
        md_path.write_text(render_markdown(report, out_dir), encoding="utf-8")
        written += [html_path, md_path]
    return written


def report_regions(con: duckdb.DuckDBPyConnection, consultation_id: str) -> list[str]:
    """Every region of a respondent, alphabetical without accents, « Région inconnue » last."""
    rows = con.execute(
        "SELECT DISTINCT region FROM respondents WHERE consultation_id = ?", [consultation_id]
    ).fetchall()
    return sorted((r[0] for r in rows), key=lambda name: (name == UNKNOWN_REGION, region_slug(name)))


def region_slug(region: str) -> str:
    """ASCII file name: « Provence-Alpes-Côte d'Azur » -> provence-alpes-cote-d-azur."""
    ascii_name = unicodedata.normalize("NFKD", region).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "region"


def region_phrase(region: str) -> str:
    """« Région Occitanie », but « Région inconnue » rather than « Région Région inconnue »."""
    return region if region == UNKNOWN_REGION else f"Région {region}"


def report_title(consultation: Consultation, region: str) -> str:
    """The consultation's name without its qualifiers (year in parentheses, « — audience »).

    « Contribution au Ségur de la santé (2020) — questionnaire … » gives
    « Contribution au Ségur de la santé : Région Occitanie ».
    """
    name = _TITLE_QUALIFIER.split(consultation.title, maxsplit=1)[0].strip()
    return f"{name} : {region_phrase(region)}"


def build_region_report(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, region: str, chart_dir: Path
) -> RegionReport:
    """Everything a regional report shows, as plain data independent of the output format."""
    sections: list[Section] = []
    for question in consultation.questions:
        table = _question_table(con, consultation.id, question, region, chart_dir)
        if sections and sections[-1].title == question.section:
            sections[-1].tables.append(table)
        else:
            sections.append(Section(question.section, [table]))
    free_text = [_initiatives(con, consultation.id, f, region) for f in consultation.free_text]
    return RegionReport(
        region, region_slug(region), report_title(consultation, region), sections, free_text
    )


def _question_table(
    con: duckdb.DuckDBPyConnection, cid: str, question: Question, region: str, chart_dir: Path
) -> QuestionTable:
    national_n = respondents_answered(con, cid, question.id)
    region_n = respondents_answered(con, cid, question.id, ("region", region))
    quotes = region_quotes(con, cid, region, question.id)
    themes = ordered_theme_counts(con, cid, question)
    left, right = _headers(question, national_n, region, region_n)
    return QuestionTable(
        question_id=question.id,
        text=question.text,
        left_header=left,
        right_header=right,
        groups=_groups(question, themes, quotes),
        chart=_chart_path(chart_dir, question, national_n),
        caption=question.caption,
    )


def _headers(question: Question, national_n: int, region: str, region_n: int) -> tuple[str, str]:
    national = f"({respondents_phrase(national_n)})"
    regional = f"{region_phrase(region)} ({respondents_phrase(region_n)})"
    if question.unit == "propositions":
        return (
            f"Thèmes des propositions citées au niveau national {national} (Nombre de propositions)",
            f"Propositions citées par les structures de la {regional}",
        )
    return (
        f"Thèmes cités au niveau national {national} (Occurrence)",
        f"Témoignages pour la {regional}",
    )


def _groups(
    question: Question, themes: list[ThemeCount], quotes: dict[str, list[str]]
) -> list[ThemeGroup]:
    return [
        ThemeGroup(
            category.upper() if category and question.categories else None,
            [ThemeRow(t.label, t.count, quotes.get(t.theme_id, [])) for t in group],
        )
        for category, group in group_by_category(themes)
    ]


def _chart_path(chart_dir: Path, question: Question, national_n: int) -> Path | None:
    if national_n == 0:
        return None
    path = chart_dir / f"{question.id}.png"
    if not path.is_file():
        raise ConsultationError(
            f"{path} : graphique national introuvable pour la question « {question.id} » ; "
            "produisez les graphiques avant les rapports régionaux."
        )
    return path


def _initiatives(
    con: duckdb.DuckDBPyConnection, cid: str, section: FreeTextSection, region: str
) -> InitiativeSection:
    rows = con.execute(
        "SELECT text, follow_up FROM stg_answers "
        "WHERE consultation_id = ? AND question_id = ? AND region = ? "
        "ORDER BY respondent_id",
        [cid, section.id, region],
    ).fetchall()
    items = [Initiative(text, (follow or "").strip() or None) for text, follow in rows]
    prompt = section.follow_up.text.rstrip(" ?:") + " :" if section.follow_up else None
    return InitiativeSection(section.section, prompt, items)


# --- rendering -------------------------------------------------------------------------------


def render_html(report: RegionReport) -> str:
    """One self-contained page: charts inlined as data URIs, every answer HTML-escaped."""
    charts = {
        t.question_id: _data_uri(t.chart) for s in report.sections for t in s.tables if t.chart
    }
    return _environment().get_template("region.html").render(report=report, charts=charts)


def render_markdown(report: RegionReport, report_dir: Path) -> str:
    """Markdown whose chart links are relative to `report_dir`, so the folder can be moved."""
    charts = {
        t.question_id: url_quote(Path(os.path.relpath(t.chart, report_dir)).as_posix())
        for s in report.sections
        for t in s.tables
        if t.chart
    }
    text = _environment().get_template("region.md").render(report=report, charts=charts)
    return text.rstrip() + "\n"


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("consultation", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(guillemets=guillemets, md=md_escape, md_lines=md_lines)
    return env


def guillemets(text: str) -> str:
    """« text » with no-break spaces, so a quotation mark never starts or ends a line alone."""
    return f"«{NBSP}{text}{NBSP}»"


def md_escape(text: str) -> str:
    """Markdown-inert text on one line: safe in a table cell, no raw HTML, no emphasis."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_lines(text: str, indent: str = "  ") -> str:
    """Escaped text keeping its line breaks as hard breaks, indented to stay in a list item."""
    lines = [md_escape(line) for line in text.splitlines() if line.strip()]
    return f"\\\n{indent}".join(lines)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
