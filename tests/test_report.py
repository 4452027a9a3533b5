"""Regional reports and testimonies, checked as a reader of the HTML and Markdown files sees them."""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from consultation import store
from consultation.charts import format_count, write_national_charts
from consultation.codebook import (
    Columns,
    Consultation,
    FollowUp,
    FreeTextSection,
    Question,
    Sources,
    Theme,
)
from consultation.errors import ConsultationError
from consultation.quotes import region_quotes
from consultation.report import (
    build_region_report,
    guillemets,
    region_slug,
    report_title,
    write_region_reports,
)

CID = "segur-test"
OCC, IDF, PACA = "Occitanie", "Île-de-France", "Provence-Alpes-Côte d'Azur"
FOLLOW_UP = "En quoi cette initiative peut inspirer les réflexions sur la refonte du système de santé"


def make_consultation() -> Consultation:
    positive, negative = "ASPECTS POSITIFS", "ASPECTS NEGATIFS"
    return Consultation(
        id=CID,
        title="Contribution au Ségur de la santé (2020) — questionnaire de test",
        sources=Sources(responses=["reponses.csv"]),
        columns=Columns(respondent_id="id", region="region"),
        questions=[
            Question(
                id="q1_retenir",
                section="Gestion du COVID",
                text="Si vous ne deviez retenir qu'une chose de cette crise sanitaire, que serait-elle ?",
                unit="respondents",
                columns=["Q1"],
                themes=[
                    Theme(id="q1_equipes", label="L'implication des équipes", category=positive),
                    Theme(id="q1_adapt", label="Adaptabilité et innovation des ACT", category=positive),
                    Theme(id="q1_fed", label="Importance des fédérations", category=positive),
                    Theme(id="q1_autres", label="Autres", category=negative),
                    Theme(id="q1_etat", label="Défaillance de l'état, des tutelles", category=negative),
                    Theme(id="q1_num", label="Accès au numérique", category="ASPECTS TECHNIQUES"),
                ],
            ),
            Question(
                id="pilier1",
                section="Pilier n° 1 : Transformer les métiers et revaloriser ceux qui soignent",
                text="Vos propositions pour le pilier n° 1",
                unit="propositions",
                columns=["P1"],
                themes=[
                    Theme(id="p1_formation", label="Formation des soignants, des équipes"),
                    Theme(id="p1_salaires", label="Revaloriser les salaires"),
                ],
            ),
        ],
        free_text=[
            FreeTextSection(
                id="initiatives",
                section="Recensement des initiatives pendant la crise",
                text="Décrivez une initiative menée pendant la crise.",
                columns=["I"],
                follow_up=FollowUp(text=f"{FOLLOW_UP} ?", columns=["I2"]),
            )
        ],
    )


RESPONDENTS = [("r01", OCC), ("r02", OCC), ("r03", IDF), ("r04", IDF), ("r05", PACA), ("r06", "Région inconnue")]
ANSWERS = [  # respondent, question, text, follow-up
    ("r01", "q1_retenir", "Les équipes ont su   s'adapter très vite.", None),
    ("r02", "q1_retenir", "L'État a été absent.\nAucune consigne claire.", None),
    ("r03", "q1_retenir", "<script>alert(1)</script> Nous avons innové.", None),
    ("r04", "q1_retenir", "Rien de particulier à signaler.", None),
    ("r05", "q1_retenir", "Accès aux tablettes pour les résidents.", None),
    ("r06", "q1_retenir", "Une réponse sans région.", None),
    ("r01", "pilier1", "Former les équipes / Augmenter les salaires", None),
    ("r03", "pilier1", "Revaloriser les salaires des infirmiers | et des aides-soignants", None),
    ("r01", "initiatives", "Création d'une cellule d'écoute\ntéléphonique", "Elle montre l'intérêt du lien à distance."),
    ("r03", "initiatives", "Distribution de repas <b>solidaires</b>", None),
]
HUMAN_CODES = [  # respondent, question, theme, unit text ('' = whole answer)
    ("r01", "q1_retenir", "q1_adapt", ""),
    ("r01", "q1_retenir", "q1_equipes", ""),
    ("r02", "q1_retenir", "q1_etat", "L'État a été absent."),
    ("r02", "q1_retenir", "q1_autres", "Aucune consigne claire."),
    ("r03", "q1_retenir", "q1_adapt", ""),
    ("r04", "q1_retenir", "q1_autres", ""),
    ("r01", "pilier1", "p1_formation", "Former les équipes"),
    ("r01", "pilier1", "p1_salaires", "Augmenter les salaires"),
    ("r03", "pilier1", "p1_salaires", ""),
]


def fill(con: duckdb.DuckDBPyConnection, consultation: Consultation) -> None:
    """Hand codes for r01–r04, one automatic code for r05, nothing for r06."""
    version = store.register_codebook(con, consultation)
    store.insert_df(con, "respondents", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": rid, "region": region, "region_method": "name",
          "source_file": "reponses.csv", "source_row": i + 2} for i, (rid, region) in enumerate(RESPONDENTS)]
    ))
    store.insert_df(con, "answers", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": r, "question_id": q, "text": t, "follow_up": f}
         for r, q, t, f in ANSWERS]
    ))
    store.insert_df(con, "human_codes", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": r, "question_id": q, "theme_id": t, "unit_text": u,
          "codebook_version": version, "source_file": "codes.csv"} for r, q, t, u in HUMAN_CODES]
    ))
    store.insert_df(con, "units", pd.DataFrame([{
        "consultation_id": CID, "respondent_id": "r05", "question_id": "q1_retenir", "unit_no": 0,
        "text": "Accès aux tablettes pour les résidents."}]))
    store.insert_df(con, "auto_codes", pd.DataFrame([{
        "consultation_id": CID, "respondent_id": "r05", "question_id": "q1_retenir", "unit_no": 0,
        "theme_id": "q1_num", "source": "rule", "confidence": 0.8, "needs_review": False,
        "model_version": None, "codebook_version": version, "coded_at": datetime(2024, 1, 1)}]))


@pytest.fixture
def consultation() -> Consultation:
    return make_consultation()


@pytest.fixture
def con(consultation: Consultation) -> duckdb.DuckDBPyConnection:
    con = store.connect(None)
    fill(con, consultation)
    return con


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Charts and reports written once for the module (read-only afterwards): the output folder."""
    out = tmp_path_factory.mktemp("out")
    consultation, con = make_consultation(), store.connect(None)
    fill(con, consultation)
    write_national_charts(con, consultation, out / "charts")
    write_region_reports(con, consultation, out / "reports", out / "charts")
    return out


@pytest.fixture
def reports(written: Path) -> dict[str, str]:
    """Report file name -> text."""
    return {p.name: p.read_text(encoding="utf-8") for p in (written / "reports").iterdir()}


def visible(page: str) -> str:
    """The text of an HTML page as a reader sees it (entities decoded, tags kept)."""
    return html.unescape(page)


def test_one_report_per_region_in_both_formats(reports):
    slugs = ["occitanie", "ile-de-france", "provence-alpes-cote-d-azur", "region-inconnue"]
    assert sorted(reports) == sorted(f"{s}.{ext}" for s in slugs for ext in ("html", "md"))
    assert all(text.strip() for text in reports.values())


def test_title_names_the_region(reports):
    assert "<h1>Contribution au Ségur de la santé : Région Occitanie</h1>" in reports["occitanie.html"]
    assert reports["occitanie.md"].startswith("# Contribution au Ségur de la santé : Région Occitanie\n")
    assert "# Contribution au Ségur de la santé : Région inconnue\n" in reports["region-inconnue.md"]


def test_headers_give_national_and_regional_respondents(reports):
    page = visible(reports["occitanie.html"])
    assert "Thèmes cités au niveau national (6 répondants) (Occurrence)" in page
    assert "Témoignages pour la Région Occitanie (2 répondants)" in page
    assert "Thèmes des propositions citées au niveau national (2 répondants) (Nombre de propositions)" in page
    assert "Propositions citées par les structures de la Région Occitanie (1 répondant)" in page


def test_region_shows_its_own_testimonies_only(reports):
    page, md = visible(reports["occitanie.html"]), reports["occitanie.md"]
    own = guillemets("Les équipes ont su s'adapter très vite.")
    assert own in page and own in md
    assert page.count(own) == 2  # coded with two themes: one quote in both rows
    assert guillemets("L'État a été absent.") in page
    for other in ("Nous avons innové", "Rien de particulier", "tablettes", "sans région"):
        assert other not in page and other not in md


def test_automatic_code_gives_a_testimony_when_there_is_no_human_code(reports):
    assert guillemets("Accès aux tablettes pour les résidents.") in visible(reports["provence-alpes-cote-d-azur.html"])


def test_left_column_shows_label_with_national_count(reports):
    md = reports["occitanie.md"]
    for cell in ("| Adaptabilité et innovation des ACT (2) |", "| Revaloriser les salaires (2) |",
                 "| Importance des fédérations (0) |", "| Autres (2) |"):
        assert cell in md
    assert "Autres (0)" not in md  # the implicit « Autres » of pilier1 was never cited


def test_rows_grouped_by_category_in_codebook_order_with_autres_last(reports):
    md = reports["occitanie.md"]
    order = ["**ASPECTS POSITIFS**", "Adaptabilité et innovation des ACT (2)", "L'implication des équipes (1)",
             "Importance des fédérations (0)", "**ASPECTS NEGATIFS**", "Défaillance de l'état, des tutelles (1)",
             "Autres (2)", "**ASPECTS TECHNIQUES**", "Accès au numérique (1)",
             "Revaloriser les salaires (2)", "Formation des soignants, des équipes (1)"]
    positions = [md.index(item) for item in order]
    assert positions == sorted(positions)
    assert '<th colspan="2" scope="colgroup">ASPECTS POSITIFS</th>' in reports["occitanie.html"]


def test_initiatives_of_the_region_with_follow_up(reports):
    page = visible(reports["occitanie.html"])
    assert "Recensement des initiatives pendant la crise" in page
    assert "Création d'une cellule d'écoute\ntéléphonique" in page
    assert f"{FOLLOW_UP} :" in page
    assert "Elle montre l'intérêt du lien à distance." in page
    assert "Distribution de repas" not in page
    md = reports["occitanie.md"]
    assert "- Création d'une cellule d'écoute\\\n  téléphonique" in md
    assert f"*{FOLLOW_UP} :*" in md
    idf = visible(reports["ile-de-france.html"])
    assert "cellule d'écoute" not in idf
    assert f"{FOLLOW_UP} :" not in idf  # that initiative has no follow-up answer


def test_answers_are_escaped(reports):
    page = reports["ile-de-france.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page and "<b>" not in page
    md = reports["ile-de-france.md"]
    assert r"\<script\>alert(1)\</script\>" in md
    assert r"des infirmiers \| et des aides-soignants" in md


def test_html_is_self_contained(reports):
    for name, page in reports.items():
        if name.endswith(".html"):
            assert '<html lang="fr">' in page and '<meta charset="utf-8">' in page
            assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
            assert page.count('<img src="data:image/png;base64,') == 2


def test_markdown_links_charts_relative_to_the_report(reports, written):
    md = reports["occitanie.md"]
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert links == ["../charts/q1_retenir.png", "../charts/pilier1.png"]
    assert all((written / "reports" / link).is_file() for link in links)


def test_reports_are_reproducible(con, consultation, tmp_path):
    write_national_charts(con, consultation, tmp_path / "charts")
    first = write_region_reports(con, consultation, tmp_path / "a", tmp_path / "charts")
    second = write_region_reports(con, consultation, tmp_path / "b", tmp_path / "charts")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_missing_chart_is_reported(con, consultation, tmp_path):
    with pytest.raises(ConsultationError, match="q1_retenir"):
        build_region_report(con, consultation, OCC, tmp_path / "no-charts")


def test_region_quotes_prefer_human_codes_and_deduplicate(con):
    quotes = region_quotes(con, CID, OCC, "q1_retenir")
    assert quotes == {
        "q1_adapt": ["Les équipes ont su s'adapter très vite."],
        "q1_autres": ["Aucune consigne claire."],
        "q1_equipes": ["Les équipes ont su s'adapter très vite."],
        "q1_etat": ["L'État a été absent."],
    }
    assert region_quotes(con, CID, OCC, "q1_retenir", theme_id="q1_etat") == {"q1_etat": ["L'État a été absent."]}


def test_region_quotes_prefer_human_codes_over_surer_automatic_ones(con):
    add_codes(con, [("x9", PACA, "q1_num", "Tablettes prêtées aux résidents")])
    quotes = region_quotes(con, CID, PACA, "q1_retenir", max_per_theme=1)
    assert quotes == {"q1_num": ["Tablettes prêtées aux résidents"]}  # r05 is automatic, x9 human


def add_codes(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str, str]]) -> None:
    """Human codes (respondent, region, theme, unit text) on q1 for new respondents."""
    store.insert_df(con, "respondents", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": r, "region": reg, "region_method": "name",
          "source_file": "f", "source_row": 1} for r, reg, _, _ in rows]))
    store.insert_df(con, "human_codes", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": r, "question_id": "q1_retenir", "theme_id": t,
          "unit_text": u, "codebook_version": 1, "source_file": "f"} for r, _, t, u in rows]))


def test_region_quotes_limit_and_order(con):
    rows = [(f"x{i}", OCC, "q1_adapt", f"Idée {i}") for i in (3, 1, 2)] + [("x4", OCC, "q1_adapt", "Idée 1")]
    add_codes(con, rows)
    quotes = region_quotes(con, CID, OCC, "q1_retenir", theme_id="q1_adapt", max_per_theme=3)
    assert quotes == {"q1_adapt": ["Les équipes ont su s'adapter très vite.", "Idée 1", "Idée 2"]}


@pytest.mark.parametrize(("region", "slug"), [
    ("Occitanie", "occitanie"),
    ("Provence-Alpes-Côte d'Azur", "provence-alpes-cote-d-azur"),
    ("Île-de-France", "ile-de-france"),
    ("Région inconnue", "region-inconnue"),
])
def test_region_slug(region, slug):
    assert region_slug(region) == slug


def test_french_number_formatting_and_title(consultation):
    assert format_count(47) == "47"
    assert format_count(12345) == "12\u202f345"
    assert report_title(consultation, "Bretagne") == "Contribution au Ségur de la santé : Région Bretagne"
