"""A report as plain data: what the builder (`report`) makes and the renderers read.

`report` builds these from the database; `report_text` (HTML, Markdown) and `report_docx` render
them. Neither side imports the other's module, so the renderers never import the builder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from consultation import fmt
from consultation.publish.disclosure import DEFAULT_THRESHOLD, SECRET

if TYPE_CHECKING:
    from consultation.codebook import Consultation

NATIONAL_SLUG = "synthese-nationale"
OVERVIEW_TITLE = "Vue d'ensemble par région"
_TITLE_QUALIFIER = re.compile(r" \(| — | – ")


# --- the data model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeRow:
    label: str
    count: int  # national, in the question's unit (respondents or propositions)
    figures: str  # « France 36 % · Occitanie 40 % (2) », or « 36 % des répondants »
    quotes: list[str]
    flag: str | None = None  # « plus cité que dans le reste du pays » (significant only)

    @property
    def left(self) -> str:
        return f"{self.label} ({fmt.integer(self.count)})"


@dataclass(frozen=True)
class ThemeGroup:
    heading: str | None  # category in capitals; None when the question has no categories
    rows: list[ThemeRow]


@dataclass(frozen=True)
class ChartRef:
    """A chart file as a report shows it: PNG for Word and Markdown, SVG inlined in HTML."""

    png: Path
    caption: str
    part: int = 1  # a chart taller than a page is drawn in parts (`charts.save_charts`)

    @property
    def svg(self) -> Path:
        return self.png.with_suffix(".svg")


def chart_refs(png: Path, caption: str) -> list[ChartRef]:
    """A chart and the parts that continue it (`q1.png`, `q1-suite2.png`…), as written by
    `charts.save_charts`, which deletes the parts a chart no longer has."""
    refs = [ChartRef(png, caption)]
    while (more := png.with_name(f"{png.stem}-suite{len(refs) + 1}{png.suffix}")).is_file():
        refs.append(ChartRef(more, caption, len(refs) + 1))
    return refs


@dataclass(frozen=True)
class QuestionTable:
    question_id: str
    text: str
    left_header: str
    right_header: str
    groups: list[ThemeGroup]
    note: str  # how to read the figures under each theme
    charts: list[ChartRef]  # national chart, then the regional comparison when there is one
    missing: list[str] = field(default_factory=list)  # why a chart is absent, in French

    @property
    def has_answers(self) -> bool:
        return any(g.rows for g in self.groups) and bool(self.charts)


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
class InitiativeGroup:
    heading: str | None  # the region, in the national synthesis
    items: list[Initiative]
    total: int = 0  # initiatives of the region; more than `items` when only a draw is printed

    @property
    def note(self) -> str | None:
        """« 40 initiatives sur 2 300, tirées au hasard. » when not every initiative is printed."""
        if self.total <= len(self.items):
            return None
        n = len(self.items)
        return f"{fmt.count(n, 'initiative')} sur {fmt.integer(self.total)}, {fmt.plural(n, 'tirée')} au hasard."


@dataclass(frozen=True)
class InitiativeSection:
    title: str
    follow_up_prompt: str | None
    groups: list[InitiativeGroup]

    @property
    def items(self) -> list[Initiative]:
        return [i for g in self.groups for i in g.items]


@dataclass(frozen=True)
class Reliability:
    title: str
    lines: list[str]


@dataclass(frozen=True)
class ParticipationRow:
    region: str
    respondents: int
    slug: str | None  # report file stem, None when the region has no report


@dataclass(frozen=True)
class OverviewRow:
    label: str
    national: str  # « 36 % »
    cells: list[str]  # per region: « 40 % », « 0 » or « s »
    fills: list[tuple[str, str]] = field(default_factory=list)  # (background, text), France first


@dataclass(frozen=True)
class Overview:
    """One question of the synthesis' region × theme overview: its heatmap and the same figures
    as a table (`charts.overview_data`: exactly the regional figures the regional reports show)."""

    question_id: str
    text: str
    regions: list[str]
    rows: list[OverviewRow]
    charts: list[ChartRef]  # the heatmap, in parts when taller than a page


@dataclass(frozen=True)
class Report:
    kind: Literal["region", "national"]
    region: str | None
    slug: str
    title: str
    subtitle: str  # the consultation's full title
    intro: list[str]
    reliability: Reliability
    sections: list[Section]
    free_text: list[InitiativeSection]
    participation: list[ParticipationRow] = field(default_factory=list)
    overview: list[Overview] = field(default_factory=list)  # national synthesis only
    threshold: int = DEFAULT_THRESHOLD
    authors: str = "structures"  # who answered, plural (`Consultation.respondents`)

    @property
    def charts(self) -> list[ChartRef]:
        """Every chart in document order (the overview comes before the questions)."""
        return [*(c for o in self.overview for c in o.charts),
                *(c for s in self.sections for t in s.tables for c in t.charts)]


def consultation_name(consultation: Consultation) -> str:
    """The consultation's title without its qualifiers (year in parentheses, « — audience »)."""
    return _TITLE_QUALIFIER.split(consultation.title, maxsplit=1)[0].strip()


def overview_note(threshold: int) -> str:
    return (f"Part des répondants à la question qui citent le thème, en France et dans chaque région "
            f"d'au moins {fmt.count(threshold, 'répondant')} (les autres régions et la région inconnue ne sont "
            f"comptées que dans la colonne France entière). {secret_note(threshold)}")


def secret_note(threshold: int) -> str:
    return (f"« {SECRET} » : secret statistique, chiffre régional masqué parce qu'il compte moins de "
            f"{fmt.count(threshold, 'répondant')}, ou parce qu'il permettrait de retrouver un tel chiffre par "
            "différence avec le chiffre national.")
