"""Reports: one per region and a national synthesis, each as HTML, DOCX and Markdown.

The layout follows the hand-made 2020 regional documents (national themes with their counts next
to the region's testimonies, a chart under each table) and adds what they lacked: the regional
counts and shares beside the national ones, a national-versus-regional chart and a short box on
reliability. A report is first built as plain data (`Report`, every text already redacted), then
rendered by `report_text` (HTML, Markdown) and `report_docx`; `publish` writes everything.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from consultation import fmt
from consultation.codebook import Consultation, FreeTextSection, Question
from consultation.errors import MissingChartError
from consultation.ingest.regions import UNKNOWN_REGION
from consultation.parallel import fork_map
from consultation.progress import progress
from consultation.publish.charts import (
    SMALL_CELL_THRESHOLD,
    TallyFigures,
    ThemeCount,
    comparison_data,
    comparison_stem,
    group_by_category,
    overview_cell_text,
    overview_data,
    overview_fills,
    overview_stem,
    region_slug,
    respondents_phrase,
    write_comparison_charts,
    write_if_changed,
    write_national_charts,
    write_overview_charts,
)
from consultation.publish.disclosure import SECRET
from consultation.publish.figures import (
    CodingStats,
    Drawn,
    Evaluation,
    coding_stats,
    has_estimates,
    initiative_totals,
    latest_evaluation,
    load_initiatives,
    respondent_counts,
)
from consultation.publish.quotes import DEFAULT_MAX_QUOTES, QuoteSelector
from consultation.publish.redact import Redactor
from consultation.publish.report_data import (
    NATIONAL_SLUG,
    OVERVIEW_TITLE,
    ChartRef,
    Initiative,
    InitiativeGroup,
    InitiativeSection,
    Overview,
    OverviewRow,
    ParticipationRow,
    QuestionTable,
    Reliability,
    Report,
    Section,
    ThemeGroup,
    ThemeRow,
    chart_refs,
    consultation_name,
    overview_note,
    secret_note,
)

if TYPE_CHECKING:
    from spacy.language import Language

    from consultation.store.paths import OutputPaths

__all__ = [
    "FORMATS",
    "NATIONAL_SLUG",
    "OVERVIEW_TITLE",
    "Publication",
    "Report",
    "build_national_report",
    "build_region_report",
    "consultation_name",
    "overview_note",
    "publish",
    "region_slug",
    "report_title",
    "write_reports",
]

FORMATS = ("html", "docx", "md", "pdf")
_FLAG_TEXT = {"plus cité": "plus cité que dans le reste du pays",
              "moins cité": "moins cité que dans le reste du pays"}




# --- what may be published (disclosure.py states the rule) ----------------------------------------

POOL = "\x00pool"  # the regions without a report of their own, and « Région inconnue », together
MEMORY_FILE = ".publication.json"  # beside the database: what the publications told a reader, for the next
# 2: « earlier » added, the small figures every earlier publication hid (version 1 kept the last
# publication only; its files are read as a memory of one publication, and still read version 2's).
MEMORY_VERSION = 2


@dataclass
class DisclosurePlan:
    """Which regional figures every report, chart and overview of one publication shows.

    Computed once from the tally (`disclosure.protect_row` per question and theme), then read by
    every renderer, so that one figure is hidden in every place it could appear.
    """

    threshold: int
    respondents: dict[str, int]  # region -> respondents
    report_regions: list[str]  # regions with a report of their own, in display order
    no_figures: dict[str, set[str]] = field(default_factory=dict)  # question -> regions
    hidden: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (question, theme) -> regions
    unquoted: set[tuple[str, str]] = field(default_factory=set)  # hidden figures there get no testimony
    # What this publication tells a reader, for the next one: « figures », (question, theme, region)
    # -> [shown, exact figure, low, high a reader can give it]; « answered », (question, region) ->
    # respondents who answered; « earlier », (question, theme, region) -> [exact figure, respondents,
    # low, high a reader holds now] for each small figure an earlier publication hid (one per
    # small value and number of respondents).
    memory: dict = field(default_factory=dict)

    @classmethod
    def build(cls, consultation: Consultation, figures: TallyFigures, respondents: dict[str, int],
              threshold: int = SMALL_CELL_THRESHOLD, previous: dict | None = None) -> DisclosurePlan:
        """`previous` is the `memory` of the last publication (`publish` keeps it next to the
        database): what it printed bounds what a reader knows of the figures now, and a figure it
        hid stays hidden while printing it would pin the old one (rule 6 above `protect_row`)."""
        from dataclasses import replace

        from consultation.publish.disclosure import (
            Cell,
            carried_bounds,
            hidden_bounds,
            move,
            narrowed,
            pinned_backwards,
            protect_row,
            recoding_bands,
        )

        ordered = sorted(respondents, key=lambda r: (r == UNKNOWN_REGION, region_slug(r)))
        regions = [r for r in ordered if r != UNKNOWN_REGION and respondents[r] >= threshold]
        plan = cls(threshold, dict(respondents), regions)
        remembered = previous if previous and previous.get("threshold") == threshold else {}
        previous_figures = remembered.get("figures", {})
        previous_answered = remembered.get("answered", {})
        previous_earlier = remembered.get("earlier", {})  # absent from a file of the first version
        plan.memory = {"version": MEMORY_VERSION, "threshold": threshold, "figures": {}, "answered": {},
                       "earlier": {}}
        for question in consultation.questions:
            national_n = figures.answered(question.id)
            answered = {r: figures.answered(question.id, ("region", r)) for r in regions}
            plan.no_figures[question.id] = {r for r in regions if answered[r] < threshold}
            pool_answered = national_n - sum(answered.values())
            propositions = question.unit == "propositions"
            for r in regions:
                plan.memory["answered"][_memory_key(question.id, r)] = answered[r]
            for theme in figures.themes(question):
                # hidden, without testimony, and kept uncertain, for an earlier publication's sake
                held: set[str] = set()
                # region -> small figures earlier publications hid: (a reader's interval, the figure, its
                # respondents to the question, its move since, the moves readers allowing for recodings hold)
                carried: dict[str, list[tuple[tuple[int, int], int, int, tuple[int, int], list[tuple[int, int]]]]] = {}
                while True:
                    cells = []
                    for r in regions:
                        t = figures.by_theme(question, ("region", r)).get(theme.theme_id)
                        citing, count = (t.citing, t.count) if t else (0, 0)
                        floor, ceiling = 0, None
                        recoded: tuple[tuple[int, int | None], ...] = ()
                        key = _memory_key(question.id, theme.theme_id, r)
                        before = previous_figures.get(key)
                        n_before = previous_answered.get(_memory_key(question.id, r))
                        if before is not None and n_before is not None:
                            shown_before, value_before, low_before, high_before = before
                            band = move(value_before, citing, n_before, answered[r])
                            floor, ceiling = carried_bounds((low_before, high_before), band)
                            recoded = tuple(carried_bounds((low_before, high_before), b)
                                            for b in recoding_bands(band, n_before, answered[r], threshold))
                            kept = [(value, n, low, high) for value, n, low, high in previous_earlier.get(key, [])]
                            if not shown_before and 0 < value_before < threshold:
                                kept.append((value_before, n_before, low_before, high_before))
                            carried[r] = []
                            for value, n, low, high in kept:
                                band = move(value, citing, n, answered[r])
                                carried[r].append(((low, high), value, n, band,
                                                   recoding_bands(band, n, answered[r], threshold)))
                        cells.append(Cell(r, citing, answered[r], count, floor=floor, ceiling=ceiling,
                                          publishable=r not in plan.no_figures[question.id] and r not in held,
                                          guarded=r in held, recoded=recoded))
                    pool_citing = theme.citing - sum(c.citing for c in cells)
                    pool_count = theme.count - sum(c.mentions for c in cells)
                    cells.append(Cell(POOL, pool_citing, pool_answered, pool_count, publishable=False))
                    protection = protect_row(cells, threshold, propositions=propositions)
                    if not protection.quotes:
                        cells = [replace(c, quoted=False) for c in cells]
                    bounds = {c.key: (c.citing, c.citing) if c.key not in protection.hidden else hidden_bounds(
                        cells, protection.hidden, c.key, propositions=propositions) for c in cells[:-1]}
                    more = {r for r, entries in carried.items() if r not in held and any(
                        pinned_backwards(interval, value, bounds[r], band, threshold, recoded=others)
                        for interval, value, _, band, others in entries)}
                    if not more:
                        break
                    held |= more
                plan.hidden[question.id, theme.theme_id] = protection.hidden - {POOL}
                if not protection.quotes:
                    plan.unquoted.add((question.id, theme.theme_id))
                for c in cells[:-1]:
                    key = _memory_key(question.id, theme.theme_id, c.key)
                    plan.memory["figures"][key] = [c.key not in protection.hidden, c.citing, *bounds[c.key]]
                    # Every small figure an earlier publication hid, with what a reader now holds of it.
                    earlier: dict[tuple[int, int], tuple[int, int]] = {}
                    for interval, value, n, band, _ in carried.get(c.key, []):
                        low, high = narrowed(interval, bounds[c.key], band)
                        same = earlier.get((value, n))  # a rerun: the same figure, the same respondents
                        earlier[value, n] = (low, high) if same is None else (max(low, same[0]), min(high, same[1]))
                    if earlier:
                        plan.memory["earlier"][key] = sorted([v, n, lo, hi] for (v, n), (lo, hi) in earlier.items())
        # A region without figures this time (fewer respondents now) is still known to a reader as
        # the earlier publications showed it: kept as it was, for when its figures come back.
        for part in ("figures", "answered", "earlier"):
            for key, value in remembered.get(part, {}).items():
                plan.memory[part].setdefault(key, value)
        return plan

    @property
    def pooled(self) -> dict[str, int]:
        """Regions counted only in the national synthesis (« Région inconnue » included)."""
        return {r: n for r, n in self.respondents.items() if r not in self.report_regions}

    def has_figures(self, question_id: str, region: str) -> bool:
        return region in self.report_regions and region not in self.no_figures.get(question_id, set())

    def shown(self, question_id: str, theme_id: str, region: str) -> bool:
        """Whether the region's figure for this theme is published."""
        return (self.has_figures(question_id, region)
                and region not in self.hidden.get((question_id, theme_id), set()))


def _memory_key(*parts: str) -> str:
    return "\x1f".join(parts)


def load_memory(path: Path) -> dict | None:
    """What the earlier publications told a reader (`DisclosurePlan.memory`, version 1 or 2), None
    if it is absent or not such a memory (`memory_warning` says so)."""
    try:
        memory = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return memory if _is_memory(memory) else None


def _is_memory(memory: object) -> bool:
    def whole(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    if not isinstance(memory, dict) or not whole(memory.get("threshold")) or memory.get("version", 1) not in (1, 2):
        return False
    figures, answered, earlier = memory.get("figures"), memory.get("answered"), memory.get("earlier", {})
    return (isinstance(figures, dict) and isinstance(answered, dict) and isinstance(earlier, dict)
            and all(isinstance(f, list) and len(f) == 4 and isinstance(f[0], bool) and all(map(whole, f[1:]))
                    for f in figures.values())
            and all(map(whole, answered.values()))
            and all(isinstance(entries, list) and all(isinstance(e, list) and len(e) == 4 and all(map(whole, e))
                                                      for e in entries) for entries in earlier.values()))


def memory_warning(path: Path, reports: Path, threshold: int) -> str | None:
    """Why this publication cannot take account of what the earlier ones told a reader, in French
    for the person publishing: the memory is unreadable, or absent while reports were published
    before (data/processed/ deleted or moved without it). None when there is nothing to say.

    Rebuilding the memory from the old reports was weighed and left: it needs each hidden figure's
    exact value then, which only the database of that night held, and the reports go with the
    memory when data/processed/ is lost."""
    restore = "Remettez ce fichier depuis l'ancien dossier ou l'ancienne machine s'il existe encore, avant de publier."
    if path.is_file():
        memory = load_memory(path)
        if memory is None:
            problem = f"{path} est illisible (ce n'est pas la mémoire qu'écrit cette version)"
        elif memory["threshold"] != threshold:
            problem = (f"{path} vient d'une publication protégée avec un autre seuil "
                       f"({fmt.integer(memory['threshold'])} au lieu de {fmt.integer(threshold)})")
            restore = f"Publiez avec le seuil {fmt.integer(memory['threshold'])} pour en tenir compte."
        else:
            return None
    elif any(p.suffix in (".md", ".html", ".docx", ".pdf") for p in reports.glob("*")):
        problem = f"{path} est absent alors que {reports} contient des rapports déjà publiés"
    else:
        return None
    return (f"{problem} : cette publication ne sait pas ce que les précédentes ont montré et se protège "
            "seule. Un lecteur qui a gardé une publication précédente peut retrouver, en comparant, "
            f"des effectifs de 1 ou 2 que chacune cache. {restore}")


# --- what one publication needs, loaded once ------------------------------------------------------


@dataclass
class ReportContext:
    """Figures, quote candidates, the redactor and coding statistics of one consultation.

    Built once, then every regional report and the synthesis read from it: a report costs no
    database query of its own, and the NER model runs once per distinct text.
    """

    consultation: Consultation
    figures: TallyFigures
    quotes: QuoteSelector
    redactor: Redactor
    chart_dir: Path
    coding: dict[str | None, CodingStats]  # region (None: national) -> statistics
    evaluation: Evaluation | None
    has_estimates: bool
    flags: dict[str, dict[tuple[str, str], str]]  # region -> (question, theme) -> flag
    initiatives: dict[str, list[Drawn]]  # section -> a random draw of its answers, per region
    initiative_totals: dict[str, dict[str, int]]  # section -> region -> answers
    respondents: dict[str, int]  # region -> respondents
    plan: DisclosurePlan
    max_quotes: int = DEFAULT_MAX_QUOTES
    threshold: int = SMALL_CELL_THRESHOLD

    @classmethod
    def load(
        cls,
        con: duckdb.DuckDBPyConnection,
        consultation: Consultation,
        chart_dir: Path,
        *,
        redactor: Redactor | None = None,
        ner: Language | None = None,
        figures: TallyFigures | None = None,
        flags: dict[str, dict[tuple[str, str], str]] | None = None,
        plan: DisclosurePlan | None = None,
        max_quotes: int = DEFAULT_MAX_QUOTES,
        threshold: int = SMALL_CELL_THRESHOLD,
    ) -> ReportContext:
        figures = figures or TallyFigures.load(con, consultation)
        respondents = respondent_counts(con, consultation.id)
        plan = plan or DisclosurePlan.build(consultation, figures, respondents, threshold)
        return cls(
            consultation=consultation,
            figures=figures,
            quotes=QuoteSelector(con, consultation.id, keywords={
                (q.id, t.id): t.keywords for q in consultation.questions for t in q.themes}),
            redactor=redactor or Redactor.for_consultation(con, consultation, nlp=ner),
            chart_dir=Path(chart_dir),
            coding=coding_stats(con, consultation.id),
            evaluation=latest_evaluation(con, consultation.id),
            has_estimates=has_estimates(con, consultation.id),
            flags=flags if flags is not None else significant_flags(con, consultation.id, plan.report_regions),
            initiatives=load_initiatives(con, consultation, REGION_INITIATIVES),
            initiative_totals=initiative_totals(con, consultation),
            respondents=respondents,
            plan=plan,
            max_quotes=max_quotes,
            threshold=threshold,
        )


def significant_flags(
    con: duckdb.DuckDBPyConnection, consultation_id: str, regions: Iterable[str]
) -> dict[str, dict[tuple[str, str], str]]:
    """Themes a region cites significantly more or less than the rest of the country (compare.py).

    One tally query for the country and every region, Fisher's test per region and theme
    (`compare_frame`), then one Benjamini–Hochberg correction over every test of every region
    (`compare.adjust_together`): the false discovery rate of all the ▲▼ of a publication is
    held at 5 %, not that of each test.
    """
    from consultation.compare import FLAG_HIGHER, FLAG_LOWER, adjust_together, compare_frame
    from consultation.tally import NATIONAL_SCOPE, select_tally

    wanted = [r for r in regions if r != UNKNOWN_REGION]
    rows = select_tally(con, consultation_id, scopes=[("national", NATIONAL_SCOPE), ("region", None)])
    national = rows[rows["scope_kind"] == "national"]
    regional = rows[rows["scope_kind"] == "region"]
    by_region = {name: part for name, part in regional.groupby("scope", sort=False)}
    frames = [compare_frame(national, by_region.get(region, regional.iloc[0:0]), scope_kind="region", scope=region)
              for region in wanted]
    out: dict[str, dict[tuple[str, str], str]] = {region: {} for region in wanted}
    for region, df in zip(wanted, adjust_together(frames), strict=True):
        kept = df[df["flag"].isin([FLAG_HIGHER, FLAG_LOWER])]
        out[region] = {(q, t): f for q, t, f in zip(kept["question_id"], kept["theme_id"], kept["flag"], strict=True)}
    return out


def region_phrase(region: str) -> str:
    """« Région Occitanie », but « Région inconnue » rather than « Région Région inconnue »."""
    return region if region == UNKNOWN_REGION else f"Région {region}"


def report_title(consultation: Consultation, region: str | None) -> str:
    """« Contribution au Ségur de la santé : Région Occitanie » (or « : synthèse nationale »)."""
    where = region_phrase(region) if region else "synthèse nationale"
    return f"{consultation_name(consultation)} : {where}"


# --- building -------------------------------------------------------------------------------------


def build_region_report(ctx: ReportContext, region: str) -> Report:
    """Everything a regional report shows, as plain data independent of the output format."""
    return _build(ctx, region)


def build_national_report(ctx: ReportContext) -> Report:
    """The national synthesis: national figures, testimonies from every region, participation."""
    return _build(ctx, None)


def _build(ctx: ReportContext, region: str | None) -> Report:
    c = ctx.consultation
    chosen = {
        q.id: ctx.quotes.choose(q.id, region=region, limit=ctx.max_quotes) for q in c.questions
    }
    initiatives = {
        sid: [item for item in items if (item.pick <= NATIONAL_INITIATIVES if region is None else item.region == region)]
        for sid, items in ctx.initiatives.items()
    }
    # One NER pass over every text this report publishes; the rows then hit the redactor's cache.
    ctx.redactor.redact_many(
        [q.text for by_theme in chosen.values() for quotes in by_theme.values() for q in quotes]
        + [t for items in initiatives.values() for item in items for t in (item.text, item.follow_up) if t]
    )
    sections: list[Section] = []
    for question in c.questions:
        quotes = {tid: [ctx.redactor(q.text) for q in qs[:_quote_limit(ctx, question.id, tid, region)]]
                  for tid, qs in chosen[question.id].items()}
        table = _question_table(ctx, question, region, quotes)
        if sections and sections[-1].title == question.section:
            sections[-1].tables.append(table)
        else:
            sections.append(Section(question.section, [table]))
    free_text = [_initiatives(ctx, f, initiatives[f.id], ctx.initiative_totals.get(f.id, {}), region)
                 for f in c.free_text]
    national_n = sum(ctx.respondents.values())
    if region is None:
        participation = [ParticipationRow(r, ctx.respondents[r], region_slug(r)) for r in ctx.plan.report_regions]
        pooled = ctx.plan.pooled
        small = sum(n for r, n in pooled.items() if r != UNKNOWN_REGION)
        if small:
            participation.append(ParticipationRow(
                f"Autres régions (moins de {ctx.threshold} {fmt.plural(ctx.threshold, 'répondant')} chacune)",
                small, None))
        if pooled.get(UNKNOWN_REGION):
            participation.append(ParticipationRow(UNKNOWN_REGION, pooled[UNKNOWN_REGION], None))
        intro = [_national_intro(c, national_n, participation)]
        overview = [o for q in c.questions if (o := _overview(ctx, q)) is not None]
    else:
        participation, overview = [], []
        intro = [_regional_intro(c, region, ctx.respondents.get(region, 0), national_n)]
    return Report(
        kind="national" if region is None else "region",
        region=region,
        slug=NATIONAL_SLUG if region is None else region_slug(region),
        title=report_title(c, region),
        subtitle=c.title,
        intro=intro,
        reliability=_reliability(ctx, region),
        sections=sections,
        free_text=free_text,
        participation=participation,
        overview=overview,
        threshold=ctx.threshold,
        authors=c.respondent_nouns[1],
    )


def _overview(ctx: ReportContext, question: Question) -> Overview | None:
    data = overview_data(ctx.figures, question, ctx.plan)
    if data is None:
        return None
    png = overview_stem(ctx.chart_dir, question.id).with_suffix(".png")
    _require(png, f"vue d'ensemble par région de la question « {question.id} »")
    rows = [OverviewRow(label, overview_cell_text(national), [overview_cell_text(v) for v in cells], fills)
            for label, national, cells, fills
            in zip(data.labels, data.national, data.cells, overview_fills(data), strict=True)]
    return Overview(question.id, question.text, data.regions, rows,
                    chart_refs(png, f"Thèmes cités par région, en part des répondants : {question.text}"))


def _quote_limit(ctx: ReportContext, question_id: str, theme_id: str, region: str | None) -> int:
    """Testimonies beside a figure: none without regional figures, one beside a hidden figure
    (one testimony says « at least one », which the hidden figure may be; two would say more)."""
    if region is None:
        return ctx.max_quotes
    if not ctx.plan.has_figures(question_id, region):
        return 0
    if ctx.plan.shown(question_id, theme_id, region):
        return ctx.max_quotes
    return 0 if (question_id, theme_id) in ctx.plan.unquoted else min(1, ctx.max_quotes)


def _regional_intro(consultation: Consultation, region: str, n: int, national_n: int) -> str:
    who = consultation.respondent_nouns[1]
    return (
        f"Ce document présente les réponses des {who} de la {region_phrase(region)} "
        f"({respondents_phrase(n)} sur {fmt.integer(national_n)} en France). Pour chaque question : "
        "les thèmes cités au niveau national avec leur nombre, la part des répondants qui les citent "
        f"en France et dans la région, et les témoignages des {who} de la région."
    )


def _national_intro(consultation: Consultation, n: int, participation: list[ParticipationRow]) -> str:
    regions = sum(1 for p in participation if p.slug)
    one, many = consultation.respondent_nouns
    return (
        f"{fmt.integer(n)} {one + ' a' if n < 2 else many + ' ont'} répondu. Pour chaque question : les "
        "thèmes cités, leur nombre et la part des répondants qui les citent, et des témoignages choisis "
        f"dans toutes les régions. {fmt.integer(regions)} "
        f"{'région a son' if regions < 2 else 'régions ont leur'} propre rapport ; "
        "les régions de trop peu de répondants sont comptées ici seulement."
    )


def _question_table(
    ctx: ReportContext, question: Question, region: str | None, quotes: dict[str, list[str]]
) -> QuestionTable:
    figures = ctx.figures
    national_n = figures.answered(question.id)
    themes = figures.themes(question)
    scope = ("region", region) if region else None
    region_n = figures.answered(question.id, scope) if scope else 0
    regional = figures.by_theme(question, scope) if scope else {}
    flags = ctx.flags.get(region, {}) if region else {}
    with_figures = region is None or ctx.plan.has_figures(question.id, region)
    groups = [
        ThemeGroup(
            category.upper() if category and question.categories else None,
            [_row(ctx, question, t, regional.get(t.theme_id), region, region_n,
                  quotes.get(t.theme_id, []), flags.get((question.id, t.theme_id)))
             for t in group],
        )
        for category, group in group_by_category(themes)
    ]
    left, right = _headers(ctx.consultation, question, national_n, region, region_n if with_figures else None)
    charts, missing = _charts(ctx, question, region, national_n, region_n)
    if region is not None and not with_figures and national_n:
        missing.insert(0, (
            f"Moins de {ctx.threshold} {fmt.plural(ctx.threshold, *ctx.consultation.respondent_nouns)} de la région "
            f"{fmt.plural(ctx.threshold, 'a', 'ont')} répondu à "
            "cette question : ni chiffres "
            "ni témoignages régionaux, pour préserver leur anonymat. Le tableau donne les chiffres "
            "nationaux."))
    return QuestionTable(
        question_id=question.id,
        text=question.text,
        left_header=left,
        right_header=right,
        groups=groups,
        note=_table_note(question, region, ctx.threshold),
        charts=charts,
        missing=missing,
    )


def _row(
    ctx: ReportContext,
    question: Question,
    national: ThemeCount,
    regional: ThemeCount | None,
    region: str | None,
    region_n: int,
    quotes: list[str],
    flag: str | None,
) -> ThemeRow:
    if region is None:
        return ThemeRow(national.label, national.count, f"{fmt.percent(national.share)} des répondants", quotes)
    figures = f"France {fmt.percent(national.share)}"
    if not ctx.plan.has_figures(question.id, region):
        return ThemeRow(national.label, national.count, figures, quotes)
    figures += f" · {region} "
    if not ctx.plan.shown(question.id, national.theme_id, region):
        figures += SECRET
        flag = None
    elif regional is None or region_n == 0 or regional.citing == 0:
        figures += "0"
    else:
        figures += f"{fmt.percent(regional.share)} ({fmt.integer(regional.count)})"
    return ThemeRow(national.label, national.count, figures, quotes, _FLAG_TEXT.get(flag or ""))


def _table_note(question: Question, region: str | None, threshold: int) -> str:
    what = "propositions" if question.unit == "propositions" else "répondants"
    if region is None:
        return (f"Entre parenthèses : nombre de {what} citant le thème. Pourcentages : part des "
                "répondants à la question qui citent le thème.")
    return (
        f"Entre parenthèses après le thème : nombre de {what} au niveau national. Pourcentages : part "
        f"des répondants à la question qui citent le thème, en France et dans la région (entre "
        f"parenthèses, nombre de {what} de la région). {secret_note(threshold)}"
    )


def _headers(consultation: Consultation, question: Question, national_n: int, region: str | None,
             region_n: int | None) -> tuple[str, str]:
    national = f"({respondents_phrase(national_n)})"
    who = consultation.respondent_nouns[1]
    if region is not None and region_n is None:
        right = (f"Propositions citées par les {who} de la {region_phrase(region)}"
                 if question.unit == "propositions" else f"Témoignages pour la {region_phrase(region)}")
        if question.unit == "propositions":
            return (f"Thèmes des propositions citées au niveau national {national} (Nombre de propositions)",
                    right)
        return f"Thèmes cités au niveau national {national} (Occurrence)", right
    if region is None:
        right = ("Exemples de propositions, toutes régions" if question.unit == "propositions"
                 else "Témoignages, toutes régions")
    else:
        assert region_n is not None, "a region's headers need its number of respondents"
        regional = f"{region_phrase(region)} ({respondents_phrase(region_n)})"
        right = (f"Propositions citées par les {who} de la {regional}"
                 if question.unit == "propositions" else f"Témoignages pour la {regional}")
    if question.unit == "propositions":
        return (f"Thèmes des propositions citées au niveau national {national} (Nombre de propositions)",
                right)
    return f"Thèmes cités au niveau national {national} (Occurrence)", right


def _charts(
    ctx: ReportContext, question: Question, region: str | None, national_n: int, region_n: int
) -> tuple[list[ChartRef], list[str]]:
    if national_n == 0:
        return [], ["Aucune réponse à cette question au niveau national."]
    national = ctx.chart_dir / f"{question.id}.png"
    _require(national, f"graphique national de la question « {question.id} »")
    # The chart carries the reference's long caption; the document's caption only numbers it.
    charts = chart_refs(national, f"{question.text} : thèmes cités au niveau national")
    missing: list[str] = []
    if region is None:
        return charts, missing
    data = comparison_data(ctx.figures, question, region, threshold=ctx.threshold, flags=ctx.flags,
                           plan=ctx.plan)
    if data is None:
        return charts, missing
    if data.worth_drawing:
        png = comparison_stem(ctx.chart_dir, region, question.id).with_suffix(".png")
        _require(png, f"graphique régional « {region} » de la question « {question.id} »")
        charts += chart_refs(png, f"{question.text} : {region_phrase(region)} et France entière, en "
                                  "part des répondants citant chaque thème")
    cited = [t for t in data.drawn if data.regional_theme(t).citing > 0]
    hidden = [t.label for t in data.national if t.theme_id in data.hidden]
    if not data.worth_drawing:
        if cited:
            words = "; ".join(f"« {t.label} » ({fmt.percent(data.regional_theme(t).share)} des répondants de "
                              f"la région, {fmt.percent(t.share)} en France)" for t in cited)
            missing.append(f"Pas de graphique régional : un seul thème a un chiffre régional publiable, {words}.")
        else:
            missing.append("Pas de graphique régional : aucun thème n'a de chiffre régional publiable "
                           "au-dessus de zéro.")
    if hidden:
        missing.append(
            f"Chiffres régionaux couverts par le secret statistique ({len(hidden)} thème"
            f"{'s' if len(hidden) > 1 else ''}) : " + ", ".join(f"« {h} »" for h in hidden) + ".")
    return charts, missing


def _require(path: Path, what: str) -> None:
    if not path.is_file() or not path.with_suffix(".svg").is_file():
        raise MissingChartError(
            f"{path} : {what} introuvable ; produisez les graphiques avant les rapports "
            "(consultation charts)."
        )


REGION_INITIATIVES = 40  # initiatives printed in a regional report; a random draw beyond
NATIONAL_INITIATIVES = 10  # per region in the national synthesis (the first of the same draw)


def _initiatives(
    ctx: ReportContext,
    section: FreeTextSection,
    items: list[Drawn],
    totals: dict[str, int],
    region: str | None,
) -> InitiativeSection:
    def initiative(item: Drawn) -> Initiative:
        return Initiative(ctx.redactor(item.text), ctx.redactor(item.follow_up) if item.follow_up else None)

    if region is not None:
        groups = [InitiativeGroup(None, [initiative(i) for i in items], totals.get(region, 0))]
    else:
        # Regions without a report of their own are printed together: under their own name, the
        # initiative of a region's single structure would name it.
        pooled = (f"Autres régions (moins de {ctx.threshold} {fmt.plural(ctx.threshold, 'répondant')} chacune) "
                  "et région inconnue")
        by_region: dict[str, list[Initiative]] = {}
        counts: dict[str, int] = {}
        for item in items:
            key = region_phrase(item.region) if item.region in ctx.plan.report_regions else pooled
            by_region.setdefault(key, []).append(initiative(item))
        for r, n in totals.items():
            key = region_phrase(r) if r in ctx.plan.report_regions else pooled
            counts[key] = counts.get(key, 0) + n
        order = [region_phrase(r) for r in ctx.plan.report_regions if region_phrase(r) in by_region]
        order += [pooled] if pooled in by_region else []
        groups = [InitiativeGroup(h, by_region[h], counts.get(h, 0)) for h in order]
    prompt = section.follow_up.text.rstrip(" ?:") + " :" if section.follow_up else None
    return InitiativeSection(section.section, prompt, groups)


def _reliability(ctx: ReportContext, region: str | None) -> Reliability:
    stats = ctx.coding.get(region) if region else ctx.coding.get(None)
    national = ctx.coding.get(None)
    lines: list[str] = []
    where = f"de la {region_phrase(region)}" if region else "de toute la France"
    if stats and stats.answers:
        all_human = stats.human == stats.answers
        automatic = _sources_phrase(stats.sources)
        text = (
            f"{fmt.percent(stats.human_share)} des réponses {where} aux questions codées "
            f"({fmt.integer(stats.human)} sur {fmt.integer(stats.answers)}) ont été codées à la main"
        )
        if region and national and national.answers:
            text += f" (France entière : {fmt.percent(national.human_share)})"
        text += (" : les chiffres ne dépendent pas du codage automatique." if all_human
                 else f" ; les autres l'ont été automatiquement ({automatic}).")
        lines.append(text)
        if not all_human:
            lines.append(_evaluation_line(ctx.evaluation))
        elif ctx.evaluation is not None and _measures(ctx.evaluation):
            lines.append("Pour les réponses nouvelles, le codage automatique a été comparé aux codeurs "
                         f"humains : {_measures(ctx.evaluation)}.")
        if stats.to_review:
            many = stats.to_review > 1
            lines.append(f"{fmt.integer(stats.to_review)} réponse{'s' if many else ''} codée{'s' if many else ''} "
                         f"automatiquement reste{'nt' if many else ''} à vérifier par la fédération.")
    else:
        lines.append(f"Aucune réponse {where} aux questions codées.")
    if ctx.has_estimates and region:
        lines.append("Sur les graphiques régionaux, les traits donnent l'intervalle à 90 % des décomptes "
                     "corrigés des erreurs mesurées du codage automatique.")
    if region:
        lines.append(
            f"Secret statistique : un chiffre régional de moins de {ctx.threshold} "
            f"{fmt.plural(ctx.threshold, 'répondant')} est masqué "
            f"(« {SECRET} »), avec sa part et tous ses témoignages sauf un ; d'autres chiffres régionaux "
            "sont masqués de la même façon quand ils permettraient de le retrouver par différence avec "
            "le chiffre national. Une question à laquelle moins de "
            f"{ctx.threshold} {fmt.plural(ctx.threshold, *ctx.consultation.respondent_nouns)} de la région "
            f"{fmt.plural(ctx.threshold, 'a', 'ont')} répondu n'a ni chiffres "
            "ni témoignages régionaux.")
        if any(ctx.flags.get(region, {}).values()):
            lines.append("« plus cité » / « moins cité » : écart avec le reste du pays significatif au test "
                         "exact de Fisher, après correction de Benjamini-Hochberg sur l'ensemble des "
                         "comparaisons de toutes les régions (taux de fausses découvertes de 5 %).")
    lines.append("Les témoignages sont anonymisés : noms de personnes et de structures, adresses, "
                 "téléphones, courriels, liens, numéros d'identification (sécurité sociale, SIRET, "
                 "FINESS…), comptes bancaires, dates de naissance, pseudonymes et plaques "
                 "d'immatriculation sont remplacés par [nom], [structure], [adresse], [téléphone], "
                 "[courriel], [lien], [numéro], [compte], [date], [pseudo], [plaque].")
    return Reliability("Fiabilité des chiffres", lines)


def _sources_phrase(sources: Sequence[str]) -> str:
    names = {"rule": "règles par mots-clés", "model": "modèle statistique entraîné sur les codes humains"}
    words = [names.get(s, s) for s in sources] or ["règles par mots-clés"]
    return " et ".join(words)


def _evaluation_line(evaluation: Evaluation | None) -> str:
    measures = _measures(evaluation) if evaluation else ""
    if not measures:
        return ("L'accord du codage automatique avec les codeurs humains n'a pas encore été mesuré : "
                "les thèmes attribués automatiquement sont à lire comme une indication.")
    return f"Accord du codage automatique avec les codeurs humains : {measures}."


def _measures(evaluation: Evaluation) -> str:
    """« kappa 0,74 (accord bon), F1 0,81, mesuré sur 240 réponses ou propositions codées à la main (…) ».

    The evaluation counts units: whole answers, or propositions for questions counted in them."""
    parts = []
    if evaluation.kappa is not None:
        parts.append(f"kappa {fmt.decimal(evaluation.kappa)} ({_kappa_word(evaluation.kappa)})")
    if evaluation.micro_f1 is not None:
        parts.append(f"F1 {fmt.decimal(evaluation.micro_f1)}")
    if not parts:
        return ""
    units = fmt.count(evaluation.n_units, "réponse ou proposition codée", "réponses ou propositions codées")
    return f"{', '.join(parts)}, mesuré sur {units} à la main (1 = accord parfait)"


def _kappa_word(kappa: float) -> str:
    """Landis & Koch's usual reading of Cohen's kappa, in words a reader can use."""
    if kappa >= 0.8:
        return "accord très bon"
    if kappa >= 0.6:
        return "accord bon"
    if kappa >= 0.4:
        return "accord modéré"
    return "accord faible"


# --- writing --------------------------------------------------------------------------------------


def write_reports(
    ctx: ReportContext,
    out_dir: Path,
    *,
    regions: Sequence[str] | None = None,
    formats: Sequence[str] = FORMATS,
    national: bool = True,
) -> list[Path]:
    """Write every regional report and the national synthesis in each format; returns the paths."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown report formats {unknown} (expected {FORMATS})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(regions if regions is not None else ctx.plan.report_regions)
    items: list[str | None] = [*names, *([None] if national else [])]  # None: the national synthesis

    def build_and_write(name: str | None) -> list[Path]:
        report = build_region_report(ctx, name) if name is not None else build_national_report(ctx)
        return _write_report(report, out_dir, formats)

    # Reports are independent: on several cores, forked workers build them side by side (they
    # share the loaded context; the files are the same whichever process writes them).
    with progress(len(items), "Rapports", unit="rapports") as advance:
        done = fork_map(build_and_write, items, workers=None if len(items) >= PARALLEL_REPORTS_FROM else 1,
                        on_done=lambda *_: advance(1))
    return [path for paths in done for path in paths]


PARALLEL_REPORTS_FROM = 4


def _write_report(report: Report, out_dir: Path, formats: Sequence[str]) -> list[Path]:
    """Each format of one report; a file whose content is unchanged is left as it is (same bytes,
    same modification time), and the PDF is rendered again only when its HTML changed or is
    newer than it."""
    from consultation.publish import report_docx, report_text

    written: list[Path] = []
    html: str | None = None
    html_changed = True
    for kind in formats:
        path = out_dir / f"{report.slug}.{kind}"
        if kind in ("html", "pdf") and html is None:
            html = report_text.render_html(report)
            html_path = out_dir / f"{report.slug}.html"
            html_changed = not (html_path.is_file() and html_path.read_bytes() == html.encode("utf-8"))
        if kind == "html":
            write_if_changed(path, html.encode("utf-8"))  # type: ignore[union-attr]
        elif kind == "md":
            write_if_changed(path, report_text.render_markdown(report, out_dir).encode("utf-8"))
        elif kind == "pdf":
            # Older than its HTML: a run that wrote the HTML without the PDF left it stale.
            stale = (not path.is_file() or not html_path.is_file()
                     or path.stat().st_mtime_ns < html_path.stat().st_mtime_ns)
            if (html_changed or stale or "html" not in formats) and not write_if_changed(
                    path, report_text.render_pdf(html)) and stale:  # type: ignore[arg-type]
                os.utime(path)  # same bytes: now known to match its HTML
        else:
            write_if_changed(path, report_docx.docx_bytes(report))
        written.append(path)
    return written



_PUBLISHED_SUFFIXES = (".html", ".docx", ".md", ".pdf", ".png", ".svg")


def _prune(folder: Path, stale) -> None:
    """Delete the publication files of `folder` (and its subfolders) that `stale` says this run
    no longer publishes."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in _PUBLISHED_SUFFIXES and stale(path):
            path.unlink()
    for sub in sorted((p for p in folder.iterdir() if p.is_dir()), reverse=True):
        if not any(sub.iterdir()):
            sub.rmdir()


@dataclass
class Publication:
    """What `publish` wrote, for the CLI and the flow to report."""

    charts: list[Path] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    index: Path | None = None
    warnings: list[str] = field(default_factory=list)  # in French, for the person publishing

    @property
    def files(self) -> list[Path]:
        return [*self.charts, *self.reports, *([self.index] if self.index else [])]


def write_charts(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    chart_dir: Path,
    *,
    figures: TallyFigures | None = None,
    flags: dict[str, dict[tuple[str, str], str]] | None = None,
    threshold: int = SMALL_CELL_THRESHOLD,
    workers: int | None = None,
    plan: DisclosurePlan | None = None,
    previous: dict | None = None,
) -> list[Path]:
    """National charts, per region with a report the national-versus-regional comparisons, and the
    synthesis' region × theme heatmaps. `previous`: the last publication's memory (`load_memory`),
    so that the charts hide what the reports do."""
    figures = figures or TallyFigures.load(con, consultation)
    plan = plan or DisclosurePlan.build(consultation, figures, respondent_counts(con, consultation.id), threshold,
                                        previous=previous)
    regions = plan.report_regions
    if flags is None:
        flags = significant_flags(con, consultation.id, regions)
    national = write_national_charts(con, consultation, chart_dir, figures=figures)
    regional = write_comparison_charts(
        con, consultation, chart_dir, figures=figures, regions=regions, threshold=threshold,
        flags=flags, workers=workers, plan=plan,
    )
    overview = write_overview_charts(consultation, chart_dir, figures=figures, plan=plan, workers=workers)
    return national + regional + overview


def publish(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    paths: OutputPaths,
    *,
    ner: Language | None = None,
    redactor: Redactor | None = None,
    max_quotes: int = DEFAULT_MAX_QUOTES,
    threshold: int = SMALL_CELL_THRESHOLD,
    formats: Sequence[str] = FORMATS,
    charts: bool = True,
    workers: int | None = None,
) -> Publication:
    """Charts, reports (every region and the synthesis, in every format) and the index page.

    `ner` is a spaCy pipeline with NER (`redact.load_ner()`) used to find people's names in the
    testimonies; without it only patterns are used. `charts=False` reuses the chart files already
    in `paths.charts` (they must exist).
    """
    from consultation.publish.leakscan import check_publication
    from consultation.publish.report_index import write_index

    figures = TallyFigures.load(con, consultation)
    # What the last publication printed (exact figures too: kept beside the database, never with the
    # reports), so that two publications compared give nothing more back than each alone.
    memory_path = paths.root / MEMORY_FILE
    plan = DisclosurePlan.build(consultation, figures, respondent_counts(con, consultation.id), threshold,
                                previous=load_memory(memory_path))
    flags = significant_flags(con, consultation.id, plan.report_regions)
    result = Publication()
    lost = memory_warning(memory_path, paths.reports, threshold)
    if lost:
        result.warnings.append(lost)
    if charts:
        result.charts = write_charts(con, consultation, paths.charts, figures=figures, flags=flags,
                                     threshold=threshold, workers=workers, plan=plan)
    ctx = ReportContext.load(con, consultation, paths.charts, redactor=redactor, ner=ner,
                             figures=figures, flags=flags, plan=plan, max_quotes=max_quotes,
                             threshold=threshold)
    result.reports = write_reports(ctx, paths.reports, formats=formats)
    # A region that fell below the threshold, a chart no longer drawn: their old files would still
    # publish what the rule now hides.
    slugs = {p.stem for p in result.reports}
    _prune(paths.reports, lambda p: p.stem not in slugs or (p.suffix.lstrip(".") in formats
                                                            and p not in result.reports))
    if charts:
        written = set(result.charts)
        _prune(paths.charts, lambda p: p.suffix in (".png", ".svg") and p not in written)
    result.index = write_index(consultation, paths, result.reports, ctx)
    check_publication(result.files, redactor=ctx.redactor,  # independent post-render scan (leakscan)
                      record=paths.root / ".leakscan.json",  # files already found clean are not read again
                      workers=workers)
    write_if_changed(memory_path, json.dumps(plan.memory, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return result
