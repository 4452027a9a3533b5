"""National charts: files a Word user can paste (300 dpi PNG), reproducible SVG, reading order."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from PIL import Image

from chart_geometry import theme_chart
from consultation import store
from consultation.codebook import Columns, Consultation, Question, Sources, Theme
from consultation.publish.charts import write_national_charts

CID = "charts-test"


def make_consultation() -> Consultation:
    good, bad = "ASPECTS POSITIFS", "ASPECTS NEGATIFS"
    return Consultation(
        id=CID,
        title="Consultation de test",
        sources=Sources(responses=["reponses.csv"]),
        columns=Columns(respondent_id="id", region="region"),
        questions=[
            Question(
                id="q1", section="Gestion du COVID", text="Que retenir de la crise ?",
                unit="respondents", columns=["Q1"],
                chart_caption="Thèmes des réponses (au niveau national) à la question : Que retenir ?",
                themes=[
                    Theme(id="q1_rare", label="Un thème rarement cité", category=good),
                    Theme(id="q1_souvent", label="Un thème au libellé assez long pour devoir être coupé "
                                                 "sur plusieurs lignes", category=good),
                    Theme(id="q1_autres", label="Autres", category=bad),
                    Theme(id="q1_etat", label="Défaillance de l'État", category=bad),
                    Theme(id="q1_vide", label="Jamais cité", category=bad),
                ],
            ),
            Question(
                id="p1", section="Pilier 1", text="Vos propositions", unit="propositions",
                columns=["P1"],
                themes=[Theme(id="p1_a", label="Former"), Theme(id="p1_b", label="Payer")],
            ),
            Question(
                id="p2", section="Pilier 2", text="Personne n'a répondu", unit="propositions",
                columns=["P2"], themes=[Theme(id="p2_a", label="Rien")],
            ),
        ],
    )


CODES = [  # respondent, question, theme, unit text
    ("r1", "q1", "q1_souvent", ""), ("r2", "q1", "q1_souvent", ""), ("r3", "q1", "q1_souvent", ""),
    ("r1", "q1", "q1_rare", ""),
    ("r2", "q1", "q1_autres", ""), ("r3", "q1", "q1_autres", ""), ("r4", "q1", "q1_autres", ""),
    ("r4", "q1", "q1_etat", ""),
    ("r1", "p1", "p1_b", "payer mieux"), ("r1", "p1", "p1_b", "primes"), ("r2", "p1", "p1_a", "former"),
]


@pytest.fixture
def consultation() -> Consultation:
    return make_consultation()


@pytest.fixture
def con(consultation: Consultation) -> duckdb.DuckDBPyConnection:
    con = store.connect(None)
    store.register_codebook(con, consultation)
    ids = ["r1", "r2", "r3", "r4"]
    store.insert_df(con, "respondents", pd.DataFrame({
        "consultation_id": CID, "respondent_id": ids, "region": ["Bretagne", "Bretagne", "Corse", "Corse"],
        "region_method": "name", "source_file": "reponses.csv", "source_row": [2, 3, 4, 5]}))
    answers = [(r, "q1", "réponse") for r in ids] + [("r1", "p1", "payer mieux / primes"), ("r2", "p1", "former")]
    store.insert_df(con, "answers", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": r, "question_id": q, "text": t} for r, q, t in answers]))
    store.insert_df(con, "human_codes", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": r, "question_id": q, "theme_id": t, "unit_text": u,
          "codebook_version": 1, "source_file": "codes.csv"} for r, q, t, u in CODES]))
    return con


def test_one_png_and_one_svg_per_answered_question(con, consultation, tmp_path):
    paths = write_national_charts(con, consultation, tmp_path / "charts")
    assert [p.name for p in paths] == ["q1.png", "q1.svg", "p1.png", "p1.svg"]  # p2: no answer
    assert all(p.is_file() and p.stat().st_size > 1000 for p in paths)


def test_png_is_300_dpi_and_page_wide(con, consultation, tmp_path):
    write_national_charts(con, consultation, tmp_path)
    with Image.open(tmp_path / "q1.png") as image:
        dpi_x, dpi_y = image.info["dpi"]
        assert dpi_x == pytest.approx(300, abs=0.5) and dpi_y == pytest.approx(300, abs=0.5)
        assert image.width == pytest.approx(16 / 2.54 * 300, abs=1)  # 16 cm: a Word page between margins


def test_same_counts_give_byte_identical_files(con, consultation, tmp_path):
    first = write_national_charts(con, consultation, tmp_path / "a")
    second = write_national_charts(con, consultation, tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_reading_order_groups_by_category_and_puts_autres_last(con, consultation):
    rows = TallyFigures.load(con, consultation).themes(consultation.question("q1"))
    assert [(r.theme_id, r.count) for r in rows] == [
        ("q1_souvent", 3), ("q1_rare", 1),                    # ASPECTS POSITIFS, count descending
        ("q1_etat", 1), ("q1_vide", 0), ("q1_autres", 3),     # ASPECTS NEGATIFS, « Autres » last
    ]


def test_propositions_count_mentions_and_implicit_autres_is_left_out(con, consultation):
    figures = TallyFigures.load(con, consultation)
    rows = figures.themes(consultation.question("p1"))
    assert [(r.label, r.count) for r in rows] == [("Payer", 2), ("Former", 1)]
    assert figures.answered("p1") == 2
    assert figures.answered("p1", ("region", "Corse")) == 0


def test_chart_shows_title_counts_headings_and_caption(con, consultation):
    question = consultation.question("q1")
    fig = theme_chart(question, TallyFigures.load(con, consultation).themes(question), 4)
    ax = fig.axes[0]
    assert fig.get_suptitle() == "Que retenir de la crise\u202f? (4 répondants)"
    assert " ".join(fig.get_supxlabel().replace("\u202f", " ").split()) == " ".join(question.caption.split())
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[0] == "ASPECTS POSITIFS" and ticks[3] == "ASPECTS NEGATIFS"
    assert ticks[-1] == "Autres"
    assert any("\n" in t for t in ticks)  # the long label is wrapped
    bar_labels = [t.get_text() for t in ax.texts]
    assert bar_labels == ["", "3", "1", "", "1", "0", "3"]
    colours = {tuple(p.get_facecolor()) for p in ax.patches if p.get_width() > 0}
    assert len(colours) == 2  # one colour per category


def test_one_respondent_is_singular(con, consultation):
    question = consultation.question("p1")
    fig = theme_chart(question, TallyFigures.load(con, consultation).themes(question), 1)
    assert fig.get_suptitle() == "Vos propositions (1 répondant)"


def test_writes_into_a_new_folder(con, consultation, tmp_path: Path):
    target = tmp_path / "deep" / "charts"
    assert write_national_charts(con, consultation, target)[0].parent == target


# --- national versus regional -------------------------------------------------------------------

from matplotlib.container import ErrorbarContainer  # noqa: E402

from chart_geometry import comparison_chart  # noqa: E402
from consultation import fmt  # noqa: E402
from consultation.publish.charts import (  # noqa: E402
    TallyFigures,
    comparison_data,
    write_comparison_charts,
)


def comparison(con, consultation, region="Bretagne", threshold=2, flags=None) -> object:
    figures = TallyFigures.load(con, consultation)
    return comparison_data(figures, consultation.question("q1"), region, threshold=threshold,
                           flags={region: {("q1", t): f for t, f in (flags or {}).items()}})


def texts(fig) -> list[str]:
    return [t.get_text().replace("\u202f", " ").replace("\u00a0", " ") for t in fig.axes[0].texts]


def test_comparison_shows_both_shares_with_n_and_masks_small_regional_cells(con, consultation):
    fig = comparison_chart(comparison(con, consultation))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Région Bretagne (2 répondants)", "France entière (4 répondants)"]
    labels = texts(fig)
    # Reading order as the national chart: souvent (Bretagne 2/2, France 3/4), then état and vide;
    # rare and autres (one Breton respondent each) are masked: left out, no empty bar.
    assert labels[:2] == ["100 %", "75 %"]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert not any("Autres" in t for t in ticks) and len(labels) == 2 * 3
    assert "secret statistique ne figurent pas" in " ".join(fig.get_supxlabel().split())
    assert "Fisher" not in fig.get_supxlabel()
    region_bars = [p for p in ax.patches if p.get_facecolor()[:3] == (0.0, 0x72 / 255, 0xB2 / 255)]
    assert len(region_bars) == 3  # only themes with a published regional figure


def test_corrected_count_intervals_are_drawn_as_error_bars(con, consultation):
    rows = [("national", "France", 3, 2.0, 3.5), ("region", "Bretagne", 2, 1.5, 2.0)]
    con.executemany(
        "INSERT INTO count_estimates VALUES (?, 'q1', 'q1_souvent', ?, ?, ?, ?, ?, ?, 'test', NULL, now())",
        [(CID, kind, scope, raw, raw, low, high) for kind, scope, raw, low, high in rows],
    )
    fig = comparison_chart(comparison(con, consultation))
    assert sum(isinstance(c, ErrorbarContainer) for c in fig.axes[0].containers) == 2
    assert "intervalle à 90\u00a0%" in fig.get_supxlabel()


def test_significant_differences_are_marked(con, consultation):
    fig = comparison_chart(comparison(con, consultation, flags={"q1_souvent": "plus cité"}))
    assert texts(fig)[0] == "100 % ▲"
    assert "test exact de Fisher" in " ".join(fig.get_supxlabel().split())


def test_comparison_files_per_region_skip_small_regions_and_are_reproducible(con, consultation, tmp_path):
    first = write_comparison_charts(con, consultation, tmp_path / "a", threshold=1, workers=1)
    names = sorted(p.relative_to(tmp_path / "a").as_posix() for p in first)
    assert names == ["bretagne/p1.png", "bretagne/p1.svg", "bretagne/q1.png", "bretagne/q1.svg",
                     "corse/q1.png", "corse/q1.svg"]  # nobody in Corse answered p1
    # Threshold 2 masks the single Breton citations: one cited theme left, nothing to compare.
    assert write_comparison_charts(con, consultation, tmp_path / "b", threshold=2, workers=1) == []
    parallel = write_comparison_charts(con, consultation, tmp_path / "c", threshold=1, workers=2)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in parallel]


def test_svg_keeps_the_labels_searchable(con, consultation, tmp_path):
    write_national_charts(con, consultation, tmp_path)
    svg = (tmp_path / "q1.svg").read_text(encoding="utf-8")
    assert "Défaillance de l'État" in svg or "Défaillance de l&#39;État" in svg


@pytest.mark.parametrize(("value", "text"), [(36.2, "36 %"), (0, "0 %"), (0.3, "< 1 %"), (100, "100 %"),
                                             (12345.4, "12 345 %")])
def test_percentages_in_french(value, text):
    assert fmt.percent(value).replace("\u202f", " ").replace("\u00a0", " ") == text


def test_zero_width_intervals_of_hand_coded_counts_are_not_drawn(con, consultation):
    con.execute(
        "INSERT INTO count_estimates VALUES (?, 'q1', 'q1_souvent', 'region', 'Bretagne', 2, 2, 2, 2, 'test', NULL, now())",
        [CID],
    )
    fig = comparison_chart(comparison(con, consultation))
    assert not any(isinstance(c, ErrorbarContainer) for c in fig.axes[0].containers)
    assert "intervalle" not in fig.get_supxlabel()
