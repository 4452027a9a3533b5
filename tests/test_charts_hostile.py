"""Charts with hostile but plausible codebooks, measured as a reader would notice: no text cut off
at the figure's edge, no two texts drawn over one another, the plot not squeezed out by its
labels, no glyph drawn as an empty box (`chart_geometry.measure`, matplotlib's own renderer).

Before (2026-12-06, the same 30 generated codebooks of `hostile_labels`): every one of the 90
charts had at least one of these; see RELIABILITY.md."""

from __future__ import annotations

import pytest

from chart_geometry import comparison_chart, measure, overview_chart, theme_chart
from consultation import fmt
from consultation.codebook import Question, Theme
from consultation.publish.charts import (
    ComparisonData,
    OverviewData,
    ThemeCount,
    drawable,
)
from hostile_labels import labels_family

SEEDS = range(8)  # 24 charts, about 25 s; RELIABILITY.md gives a run of 30


def charts(seed: int):
    question, _, national, regional, region, n_nat, n_reg = labels_family(seed)
    others = [r for r in ("Provence-Alpes-Côte d'Azur", "Corse", "Bourgogne-Franche-Comté") if r != region]
    return {
        "national": theme_chart(question, national, n_nat),
        "comparison": comparison_chart(ComparisonData(
            question, region, national, {t.theme_id: t for t in regional}, n_nat, n_reg,
            flags={national[0].theme_id: "plus cité"})),
        # The longest region name last: its slanted header was cut at the right edge.
        "overview": overview_chart(OverviewData(
            question, [region, *others], [t.label for t in national], [t.share for t in national],
            [[t.share, None, 0.0] for t in regional], n_nat)),
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_codebooks_give_charts_with_nothing_cut_overlapping_or_missing(seed):
    for kind, fig in charts(seed).items():
        problems = measure(fig)
        assert not problems, (kind, problems)


LONG = ("Manque de coordination entre l'ARS, les collectivités territoriales / les services de l'État "
        "et les structures d'hébergement pour l'accès aux soins des personnes sans domicile stable")
HEADING = "ASPECTS NÉGATIFS ET DIFFICULTÉS RENCONTRÉES PAR LES STRUCTURES / LES ÉQUIPES"


def forty_long_themes() -> tuple[Question, list[ThemeCount], list[ThemeCount]]:
    themes = [Theme(id=f"t{i}", label=f"{LONG[:80 + i]} n° {i}", category=HEADING if i % 2 else "POSITIFS")
              for i in range(40)]
    question = Question(id="q", section="S", text="Que retenir ?", unit="respondents", columns=["Q"], themes=themes)
    national = [ThemeCount(t.id, t.label, t.category, False, 11_960 - i, 11_960 - i, 12_000) for i, t in enumerate(themes)]
    national.sort(key=lambda t: (t.category != "POSITIFS", -t.count))
    regional = [ThemeCount(t.theme_id, t.label, t.category, False, 11_919, 11_919, 11_920) for t in national]
    return question, national, regional


def test_forty_labels_of_80_to_120_characters_and_a_long_heading():
    question, national, regional = forty_long_themes()
    # Before: the unwrapped heading squeezed the plot to nothing (« constrained_layout not
    # applied »), labels of 4 lines overlapped, « 100 % » and « France entière » were cut off.
    for fig in (theme_chart(question, national, 12_000),
                comparison_chart(ComparisonData(question, "Provence-Alpes-Côte d'Azur", national,
                                                {t.theme_id: t for t in regional}, 12_000, 11_920,
                                                flags={national[0].theme_id: "plus cité"}))):
        problems = measure(fig)
        assert not problems, problems
        assert problems.plot_share > 0.3


def test_emoji_and_cjk_are_left_out_of_charts_not_drawn_as_boxes():
    assert drawable("Télé-consultation / visio 📱💻 : un outil 👍") == "Télé-consultation / visio : un outil"
    assert drawable("Exilés (中文, русский, ελληνικά)") == "Exilés (русский, ελληνικά)"
    assert drawable("👍👍") == "(caractères non affichables)"
    assert drawable("العربية") == "العربية"  # drawn (and shaped) in the regular font
    assert drawable("العربية", italic=True) == "(caractères non affichables)"  # not in the italic one
    themes = [Theme(id="a", label="Visio 📱 et 中文"), Theme(id="b", label="👍👍")]
    question = Question(id="q", section="S", text="Les 👩‍⚕️ et العربية ?", unit="respondents",
                        columns=["Q"], themes=themes)
    counts = [ThemeCount(t.id, t.label, None, False, 5, 5, 9) for t in themes]
    fig = theme_chart(question, counts, 9)
    assert not measure(fig).missing_glyphs
    texts = {t.get_text() for t in fig.axes[0].get_yticklabels()}
    assert texts == {"Visio et", "(caractères non affichables)"}


@pytest.mark.parametrize(("value", "text"), [
    (99.67, "> 99 %"), (99.5, "> 99 %"), (99.49, "99 %"), (100, "100 %"), (0.3, "< 1 %"), (0, "0 %"),
])
def test_a_share_short_of_everyone_never_reads_100(value, text):
    assert fmt.percent(value).replace("\u00a0", " ") == text


def test_the_heatmap_of_all_eighteen_regions():
    from consultation.ingest.regions import REGIONS

    question, national, _ = forty_long_themes()
    regions = [r.name for r in REGIONS]
    fig = overview_chart(OverviewData(question, regions, [t.label for t in national[:12]],
                                      [t.share for t in national[:12]],
                                      [[None if (i + j) % 5 == 0 else 99.7 for j in range(18)] for i in range(12)],
                                      12_000))
    problems = measure(fig)
    assert not problems, problems


def test_a_chart_taller_than_a_page_comes_in_parts_each_clean_and_at_most_23_cm():
    # Before: one figure 77 cm tall, scaled to the page in the PDF and Word (text at 2.5 to 4 pt).
    from consultation.publish.charts import MAX_CHART_HEIGHT_CM, comparison_charts, theme_charts
    from hostile_labels import long_labels_family

    question, _, national, regional, region, n_nat, n_reg = long_labels_family(40)
    parts = {
        "national": theme_charts(question, national, n_nat),
        "comparison": comparison_charts(ComparisonData(question, region, national, {t.theme_id: t for t in regional},
                                                       n_nat, n_reg)),
    }
    for kind, figures in parts.items():
        assert len(figures) > 1, kind
        for fig in figures:
            assert fig.get_figheight() * 2.54 <= MAX_CHART_HEIGHT_CM + 0.01, (kind, fig.get_figheight())
            problems = measure(fig)
            assert not problems, (kind, problems)
        titles = [fig._suptitle.get_text() for fig in figures]
        assert all(t.endswith("(suite)") for t in titles[1:]) and not titles[0].endswith("(suite)"), titles
