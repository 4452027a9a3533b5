"""Regional reports and the national synthesis, checked as a reader of the files sees them."""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from consultation import store
from consultation.codebook import (
    Columns,
    Consultation,
    FollowUp,
    FreeTextSection,
    Question,
    Sources,
    Theme,
)
from consultation.errors import MissingChartError
from consultation.fmt import integer as format_count
from consultation.fmt import percent as format_pct
from consultation.publish.report import (
    ReportContext,
    build_national_report,
    build_region_report,
    publish,
    region_slug,
    report_title,
    write_charts,
)
from consultation.publish.report_text import guillemets as typeset_guillemets
from consultation.publish.report_text import render_html
from consultation.store.paths import OutputPaths

CID = "segur-test"
OCC, IDF, PACA = "Occitanie", "Île-de-France", "Provence-Alpes-Côte d'Azur"
FOLLOW_UP = "En quoi cette initiative peut inspirer les réflexions sur la refonte du système de santé"
REGION_SLUGS = ["occitanie", "ile-de-france"]


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


def fill(con: duckdb.DuckDBPyConnection, consultation: Consultation, *, answers=ANSWERS, codes=HUMAN_CODES,
         respondents=RESPONDENTS, structures: dict[str, str] | None = None) -> None:
    """Hand codes for r01–r04, one automatic code for r05, nothing for r06."""
    version = store.register_codebook(con, consultation)
    store.insert_df(con, "respondents", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": rid, "region": region, "region_method": "name",
          "structure_name": (structures or {}).get(rid), "source_file": "reponses.csv", "source_row": i + 2}
         for i, (rid, region) in enumerate(respondents)]
    ))
    store.insert_df(con, "answers", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": r, "question_id": q, "text": t, "follow_up": f}
         for r, q, t, f in answers]
    ))
    store.insert_df(con, "human_codes", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": r, "question_id": q, "theme_id": t, "unit_text": u,
          "codebook_version": version, "source_file": "codes.csv"} for r, q, t, u in codes]
    ))
    store.insert_df(con, "units", pd.DataFrame([{
        "consultation_id": CID, "respondent_id": "r05", "question_id": "q1_retenir", "unit_no": 0,
        "text": "Accès aux tablettes pour les résidents."}]))
    store.insert_df(con, "auto_codes", pd.DataFrame([{
        "consultation_id": CID, "respondent_id": "r05", "question_id": "q1_retenir", "unit_no": 0,
        "theme_id": "q1_num", "source": "rule", "confidence": 0.8, "needs_review": True,
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
    """Charts, reports and index written once for the module (read-only afterwards)."""
    out = tmp_path_factory.mktemp("out")
    consultation, con = make_consultation(), store.connect(None)
    fill(con, consultation)
    # Threshold 2: Occitanie and Île-de-France (2 respondents) get a report; PACA (1) and
    # « Région inconnue » are counted in the synthesis only.
    publish(con, consultation, OutputPaths(out), workers=1, threshold=2, formats=("html", "docx", "md"))
    return out


@pytest.fixture
def reports(written: Path) -> dict[str, str]:
    """Text report file name -> text, no-break spaces as plain ones (test_french_typography… checks them)."""
    return {p.name: plain(p.read_text(encoding="utf-8")) for p in (written / "reports").iterdir()
            if p.suffix in (".html", ".md")}


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def guillemets(text: str) -> str:
    return plain(typeset_guillemets(text))


def visible(page: str) -> str:
    """The text of an HTML page as a reader sees it (entities decoded, tags kept)."""
    return plain(html.unescape(page))


def test_one_report_per_region_and_a_synthesis_in_three_formats(written):
    names = sorted(p.name for p in (written / "reports").iterdir())
    slugs = [*REGION_SLUGS, "synthese-nationale"]
    assert names == sorted(f"{s}.{ext}" for s in slugs for ext in ("html", "docx", "md"))
    assert all((written / "reports" / n).stat().st_size > 500 for n in names)
    assert (written / "index.html").is_file()


def test_title_names_the_region(reports):
    assert "<h1>Contribution au Ségur de la santé : Région Occitanie</h1>" in reports["occitanie.html"]
    assert reports["occitanie.md"].startswith("# Contribution au Ségur de la santé : Région Occitanie\n")
    assert not any(name.startswith(("region-inconnue", "provence")) for name in reports)
    synthesis = visible(reports["synthese-nationale.html"])
    # Below the threshold, or without a region: counted in the synthesis, no report of their own.
    assert "<tr><td>Autres régions (moins de 2 répondants chacune)</td><td class=\"n\">1</td>" in synthesis
    assert "<tr><td>Région inconnue</td><td class=\"n\">1</td>" in synthesis
    assert reports["synthese-nationale.md"].startswith("# Contribution au Ségur de la santé : synthèse nationale\n")


def test_headers_give_national_and_regional_respondents(reports):
    page = visible(reports["occitanie.html"])
    assert "Thèmes cités au niveau national (6 répondants) (Occurrence)" in page
    assert "Témoignages pour la Région Occitanie (2 répondants)" in page
    assert "Thèmes des propositions citées au niveau national (2 répondants) (Nombre de propositions)" in page
    # One Occitan respondent to the propositions: no regional figure nor testimony, said in words.
    assert "Propositions citées par les structures de la Région Occitanie</th>" in page
    assert "Moins de 2 structures de la région ont répondu à cette question : ni chiffres ni témoignages" in page


def test_regional_figures_beside_national_ones_with_small_cells_masked(reports):
    md = reports["occitanie.md"]
    # Adaptabilité: 2 of 6 respondents nationally (33 %), 1 in Occitanie: masked.
    md = md.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Adaptabilité et innovation des ACT (2)<br>France 33 % · Occitanie s" in md
    assert "Importance des fédérations (0)<br>France 0 % · Occitanie 0" in md
    assert "« s » : secret statistique, chiffre régional masqué parce qu'il compte moins de 2 répondants" in md
    page = visible(reports["occitanie.html"]).replace("\u202f", " ").replace("\u00a0", " ")
    assert '<span class="figures">France 33 % · Occitanie s</span>' in page


def test_unmasked_regional_share_and_count_with_threshold_one(con, consultation, tmp_path):
    write_charts(con, consultation, tmp_path, threshold=1, workers=1)
    ctx = ReportContext.load(con, consultation, tmp_path, threshold=1)
    report = build_region_report(ctx, OCC)
    rows = {r.label: r.figures for s in report.sections for t in s.tables for g in t.groups for r in g.rows}
    assert rows["Adaptabilité et innovation des ACT"] == f"France {format_pct(100 / 3)} · Occitanie {format_pct(50)} (1)"
    assert rows["Revaloriser les salaires"] == f"France {format_pct(100)} · Occitanie {format_pct(100)} (1)"
    assert [c.png.name for c in report.charts] == ["q1_retenir.png", "q1_retenir.png", "pilier1.png", "pilier1.png"]
    assert report.charts[1].png.parent.name == "occitanie"  # the national-versus-regional chart


def test_small_region_gets_no_comparison_chart_and_says_why(reports):
    page = visible(reports["occitanie.html"])
    assert "Pas de graphique régional : aucun thème n'a de chiffre régional publiable au-dessus de zéro." in page
    hidden = re.search(r"Chiffres régionaux couverts par le secret statistique \(\d thèmes\) : (.*)\.</p>", page)
    assert hidden and "« Adaptabilité et innovation des ACT »" in hidden.group(1)
    assert page.count("<figure>") == 2  # the two national charts


def test_region_shows_its_own_testimonies_only(reports):
    page, md = visible(reports["occitanie.html"]), reports["occitanie.md"]
    own = guillemets("Les équipes ont su s'adapter très vite.")
    assert own in page and own in md
    assert page.count(own) <= 2  # coded with two hidden themes: at most one quote in each row
    assert guillemets("L'État a été absent.") in page
    for other in ("Nous avons innové", "Rien de particulier", "tablettes", "sans région"):
        assert other not in page and other not in md


def test_synthesis_quotes_every_region_and_groups_initiatives_by_region(reports):
    page = visible(reports["synthese-nationale.html"])
    for quote in ("Les équipes ont su s'adapter très vite.", "Accès aux tablettes pour les résidents.",
                  "Rien de particulier à signaler."):
        assert guillemets(quote) in page
    assert "Témoignages, toutes régions" in page
    assert "<h3>Région Occitanie</h3>" in page and "<h3>Région Île-de-France</h3>" in page
    order = ["<h3>Région Île-de-France</h3>", "Distribution de repas", "<h3>Région Occitanie</h3>",
             "Création d'une cellule"]  # regions alphabetical, accents ignored
    assert [page.index(text) for text in order] == sorted(page.index(text) for text in order)
    assert "Participation par région" in page and '<a href="occitanie.html">' in page


def test_automatic_code_gives_a_testimony_when_there_is_no_human_code(con, consultation, tmp_path):
    write_charts(con, consultation, tmp_path, threshold=1, workers=1)
    report = build_region_report(ReportContext.load(con, consultation, tmp_path, threshold=1), PACA)
    assert guillemets("Accès aux tablettes pour les résidents.") in visible(render_html(report))


def test_left_column_shows_label_with_national_count(reports):
    md = reports["occitanie.md"]
    for cell in ("| Adaptabilité et innovation des ACT (2)<br>", "| Revaloriser les salaires (2)<br>",
                 "| Importance des fédérations (0)<br>", "| Autres (2)<br>"):
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


def test_reliability_box_says_what_is_known(reports, con, consultation, tmp_path):
    occ = visible(reports["occitanie.html"])
    assert "Fiabilité des chiffres" in occ
    assert f"{plain(format_pct(100))} des réponses de la Région Occitanie aux questions codées (3 sur 3) ont été codées à la main" in occ
    assert "les chiffres ne dépendent pas du codage automatique" in occ
    write_charts(con, consultation, tmp_path, threshold=1, workers=1)
    paca = visible(render_html(build_region_report(ReportContext.load(con, consultation, tmp_path, threshold=1), PACA)))
    assert f"{plain(format_pct(0))} des réponses de la Région Provence-Alpes-Côte d'Azur aux questions codées (0 sur 1)" in paca
    assert "n'a pas encore été mesuré" in paca  # no evaluation in the database yet
    assert "1 réponse codée automatiquement reste à vérifier par la fédération" in paca


def test_reliability_box_gives_agreement_when_an_evaluation_exists(con, consultation, tmp_path):
    con.execute(
        "INSERT INTO evaluations VALUES (?, 'm1', NULL, 240, 0.81, 0.7, 0.74, '{}', TIMESTAMP '2024-01-02')", [CID]
    )
    write_charts(con, consultation, tmp_path, workers=1)
    report = build_region_report(ReportContext.load(con, consultation, tmp_path), PACA)
    assert ("Accord du codage automatique avec les codeurs humains : kappa 0,74 (accord bon), F1 0,81, "
            "mesuré sur 240 réponses ou propositions codées à la main (1 = accord parfait).") in report.reliability.lines


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
    for name in ("ile-de-france.html", "synthese-nationale.html"):
        assert "<script" not in reports[name] and "<b>" not in reports[name]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reports["synthese-nationale.html"]
    assert "Distribution de repas &lt;b&gt;solidaires&lt;/b&gt;" in reports["ile-de-france.html"]
    md = reports["synthese-nationale.md"]
    assert r"\<script\>alert(1)\</script\>" in md
    assert r"des infirmiers \| et des aides-soignants" in md


def test_html_is_self_contained(reports):
    for name, page in reports.items():
        if name.endswith(".html"):
            assert '<html lang="fr">' in page and '<meta charset="utf-8">' in page
            assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
            images = re.findall(r'<img src="([^"]*)"', page)
            assert images and all(src.startswith("data:image/svg+xml;base64,") for src in images)


def test_markdown_links_charts_relative_to_the_report(reports, written):
    md = reports["occitanie.md"]
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert links == ["../charts/q1_retenir.png", "../charts/pilier1.png"]
    assert all((written / "reports" / link).is_file() for link in links)


def test_index_lists_every_report_and_chart_with_working_links(written):
    page = (written / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', page)
    assert all((written / link).is_file() for link in links)
    listed = {Path(link).name for link in links}
    for slug in [*REGION_SLUGS, "synthese-nationale"]:
        assert {f"{slug}.html", f"{slug}.docx", f"{slug}.md"} <= listed
    assert {"q1_retenir.png", "q1_retenir.svg", "pilier1.png", "pilier1.svg"} <= listed
    assert "region-inconnue" not in page and "provence" not in page


def test_outputs_are_reproducible(con, consultation, tmp_path):
    formats = ("html", "docx", "md")  # the PDF engine's font subsets are named at random
    first = publish(con, consultation, OutputPaths(tmp_path / "a"), workers=1, formats=formats)
    second = publish(con, consultation, OutputPaths(tmp_path / "b"), workers=1, formats=formats)
    assert [p.name for p in first.files] == [p.name for p in second.files]
    for a, b in zip(first.files, second.files, strict=True):
        if a.suffix in (".md", ".html"):  # absolute chart paths never appear; relative ones match
            assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8"), a.name
        else:
            assert a.read_bytes() == b.read_bytes(), a.name


def test_missing_chart_is_reported(con, consultation, tmp_path):
    ctx = ReportContext.load(con, consultation, tmp_path / "no-charts")
    with pytest.raises(MissingChartError, match="q1_retenir"):
        build_region_report(ctx, OCC)


def test_render_html_of_a_built_report(con, consultation, tmp_path):
    write_charts(con, consultation, tmp_path, workers=1)
    report = build_national_report(ReportContext.load(con, consultation, tmp_path, max_quotes=1))
    assert report.slug == "synthese-nationale"
    rows = [r for s in report.sections for t in s.tables for g in t.groups for r in g.rows]
    assert max(len(r.quotes) for r in rows) == 1
    assert render_html(report).count("<figure>") == 2


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
    assert format_pct(36.2) == "36\u00a0%"
    assert report_title(consultation, "Bretagne") == "Contribution au Ségur de la santé : Région Bretagne"
    assert report_title(consultation, None) == "Contribution au Ségur de la santé : synthèse nationale"


def test_report_command_regenerates_from_the_database(written, tmp_path):
    import shutil

    from click.testing import CliRunner

    from consultation.cli import main

    folder = tmp_path / CID
    shutil.copytree(written, folder)
    store.connect(folder / "consultation.duckdb").close()  # the module fixture was in memory: make a file
    con = store.connect(folder / "consultation.duckdb")
    fill(con, make_consultation())
    con.close()
    (folder / "reports" / "occitanie.md").unlink()
    result = CliRunner().invoke(main, ["report", str(folder), "--reuse-charts", "--no-ner", "--format", "md",
                                       "--threshold", "2"])
    assert result.exit_code == 0, result.output
    assert f"Rapports : 3 fichiers dans {folder / 'reports'}/" in result.output
    assert plain((folder / "reports" / "occitanie.md").read_text(encoding="utf-8")).startswith(
        "# Contribution au Ségur de la santé : Région Occitanie")


def test_report_command_says_when_what_readers_of_the_last_publication_know_is_lost(written, tmp_path):
    """Reports already published but no `.publication.json` (data/processed/ moved without it): the
    command publishes and warns in French, naming the file; once written again, no warning."""
    import shutil

    from click.testing import CliRunner

    from consultation.cli import main
    from consultation.publish.report import MEMORY_FILE

    folder = tmp_path / CID
    shutil.copytree(written, folder)
    (folder / MEMORY_FILE).unlink(missing_ok=True)
    con = store.connect(folder / "consultation.duckdb")
    fill(con, make_consultation())
    con.close()
    command = ["report", str(folder), "--reuse-charts", "--no-ner", "--format", "md", "--threshold", "2"]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    assert f"attention : {folder / MEMORY_FILE} est absent alors que {folder / 'reports'} contient" in result.output
    assert "retrouver, en comparant" in result.output and "Traceback" not in result.output
    again = CliRunner().invoke(main, command)
    assert again.exit_code == 0 and "attention" not in again.output, again.output


def test_charts_command_without_a_database_says_what_to_do(tmp_path):
    from click.testing import CliRunner

    from consultation.cli import main

    result = CliRunner().invoke(main, ["charts", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "base introuvable" in result.output and "consultation run" in result.output
    assert "Traceback" not in result.output


def test_all_hand_coded_region_still_learns_how_the_model_compares(con, consultation, tmp_path):
    con.execute(
        "INSERT INTO evaluations VALUES (?, 'm1', NULL, 404, 0.85, 0.8, 0.84, '{}', TIMESTAMP '2024-01-02')", [CID]
    )
    write_charts(con, consultation, tmp_path, workers=1)
    lines = build_region_report(ReportContext.load(con, consultation, tmp_path), OCC).reliability.lines
    assert "les chiffres ne dépendent pas du codage automatique" in lines[0]
    assert lines[1] == ("Pour les réponses nouvelles, le codage automatique a été comparé aux codeurs humains : "
                        "kappa 0,84 (accord très bon), F1 0,85, mesuré sur 404 réponses ou propositions codées à la main "
                        "(1 = accord parfait).")


def test_many_initiatives_print_a_random_draw_and_say_so(con, consultation, tmp_path, monkeypatch):
    """A national consultation has thousands of initiatives per region: a report prints a
    reproducible draw, says how many there are, and the synthesis takes fewer per region."""
    from consultation.publish import report as report_mod

    monkeypatch.setattr(report_mod, "REGION_INITIATIVES", 2)
    monkeypatch.setattr(report_mod, "NATIONAL_INITIATIVES", 1)
    extra = [(f"z{i}", OCC) for i in range(3)]
    store.insert_df(con, "respondents", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": rid, "region": region, "region_method": "name",
          "source_file": "reponses.csv", "source_row": 100 + i} for i, (rid, region) in enumerate(extra)]))
    store.insert_df(con, "answers", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": rid, "question_id": "initiatives",
          "text": f"Initiative numéro {i} de la région", "follow_up": None} for i, (rid, _) in enumerate(extra)]))
    paths = OutputPaths(tmp_path)
    write_charts(con, consultation, paths.charts, workers=1)
    ctx = ReportContext.load(con, consultation, paths.charts)
    region = build_region_report(ctx, OCC).free_text[0]
    assert len(region.items) == 2
    assert region.groups[0].note == "2 initiatives sur 4, tirées au hasard."
    page = visible(render_html(build_region_report(ctx, OCC)))
    assert "2 initiatives sur 4, tirées au hasard." in page
    national = build_national_report(ctx).free_text[0]
    by_region = {g.heading: g for g in national.groups}
    assert len(by_region["Région Occitanie"].items) == 1
    assert by_region["Région Occitanie"].note == "1 initiative sur 4, tirée au hasard."
    # Île-de-France (2 respondents) has no report: its initiative is printed with the other small regions'.
    assert by_region["Autres régions (moins de 3 répondants chacune) et région inconnue"].note is None
    again = ReportContext.load(con, consultation, paths.charts)
    assert build_region_report(again, OCC).free_text == build_region_report(ctx, OCC).free_text


def test_french_typography_in_every_published_text(written):
    from docx import Document

    texts = {p.name: p.read_text(encoding="utf-8") for p in (written / "reports").iterdir()
             if p.suffix in (".html", ".md")}
    for path in (written / "reports").glob("*.docx"):
        doc = Document(str(path))
        paragraphs = [*doc.paragraphs, *(p for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs)]
        texts[path.name] = "\n".join(p.text for p in paragraphs)
    for name, text in texts.items():
        if name.endswith(".html"):
            text = re.sub(r"<style.*?</style>", "", text, flags=re.S)
            text = " ".join(re.findall(r">([^<]*)<", html.unescape(text)))
        assert not re.search(r" [;:!?»]", text), (name, re.search(r".{30} [;:!?»]", text))
        assert "« " not in text and not re.search(r"\d %", text), name
    assert "Contribution au Ségur de la santé\u202f: Région Occitanie" in texts["occitanie.md"]


def test_index_lists_questions_in_questionnaire_order_with_their_wording(written):
    """The questionnaire puts q1_retenir before pilier1, file names the other way round; readers
    see the wording, never an internal id, and every report's PDF is listed when written."""
    page = plain(html.unescape((written / "index.html").read_text(encoding="utf-8")))
    text = re.sub(r"<[^>]+>", " ", page)
    first = text.index("Si vous ne deviez retenir qu'une chose de cette crise sanitaire")
    second = text.index("Vos propositions pour le pilier n° 1")
    assert first < second
    assert "q1_retenir" not in text and "pilier1" not in text
    assert re.search(r"<td>Occitanie</td><td>2 répondants</td>", page)
    assert "<tr><td>Région inconnue</td><td>1 répondant</td>" in page
    assert 'href="charts/vue-d-ensemble/q1_retenir.png"' in page
