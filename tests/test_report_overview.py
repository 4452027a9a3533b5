"""The national synthesis' region × theme overview (heatmap and table) and the index page.

The overview prints exactly the regional figures the regional reports print: the attacker
(tests/attacker.py), reading its tables and its heatmaps' data as well, recovers no hidden figure;
and it would, were the overview to print what the reports hide.
"""

from __future__ import annotations

import html
import re

import pytest

import attacker
from consultation.publish import report as report_mod
from consultation.publish.charts import overview_cell_text
from consultation.publish.report import publish
from consultation.store.paths import OutputPaths
from generated_consultation import REGIONS
from test_disclosure_attack import generated

REPORTED = ["Bretagne", "Corse", "Grand Est", "Normandie", "Occitanie"]  # ≥ 3 respondents, known region


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The generated consultation published once, charts drawn for real."""
    consultation, con = generated(1)
    paths = OutputPaths(tmp_path_factory.mktemp("overview"))
    publish(con, consultation, paths, formats=("md", "html", "docx"), threshold=3, workers=1)
    return consultation, con, paths


def _svg_cells(path) -> dict[tuple[int, int], str]:
    text = path.read_text(encoding="utf-8")
    return {(int(i), int(j)): html.unescape(v).strip()
            for i, j, v in re.findall(r'<g id="cellule-(\d+)-(\d+)">\s*<text[^>]*>([^<]*)</text>', text)}


def test_heatmap_and_table_print_the_same_figures_and_mask_the_same_cells(published):
    consultation, _, paths = published
    from consultation.publish.charts import TallyFigures, overview_data
    from consultation.publish.figures import respondent_counts
    from consultation.publish.report import DisclosurePlan

    _, con, _ = published
    figures = TallyFigures.load(con, consultation)
    plan = DisclosurePlan.build(consultation, figures, respondent_counts(con, consultation.id), 3)
    md = (paths.reports / "synthese-nationale.md").read_text(encoding="utf-8")
    blocks = attacker.read_overview(md, paths.reports)
    assert len(blocks) == len(consultation.questions)
    masked = 0
    for question, block in zip(consultation.questions, blocks, strict=True):
        data = overview_data(figures, question, plan)
        assert data.regions == REPORTED  # no small region, no « Région inconnue »
        svg = _svg_cells(paths.charts / "vue-d-ensemble" / f"{question.id}.svg")
        assert len(svg) == len(data.labels) * (1 + len(data.regions))
        for i, (label, row) in enumerate(zip(data.labels, data.cells, strict=True)):
            for j, (region, value) in enumerate(zip(data.regions, row, strict=True), start=1):
                table = block[label, region].replace("\u202f", " ").replace("\u00a0", " ")
                chart = svg[i, j].replace("\u00a0", " ")
                assert table == overview_cell_text(value).replace("\u00a0", " ")
                assert chart == table.replace(" %", "")  # the chart drops the « % » of each cell
                # Published in the overview exactly when the region's report publishes it.
                theme = next(t for t in figures.themes(question) if t.label == label)
                assert (value is None) == (not plan.shown(question.id, theme.theme_id, region))
                masked += value is None
    assert masked > 5  # the generated consultation does hide figures


def test_attacker_reading_the_overview_recovers_nothing(published):
    consultation, con, paths = published
    derived = attacker.attack(paths.reports, 3)
    exact = attacker.truth(con, consultation, paths.reports)
    assert sum(1 for k in derived if 0 < exact[k] < 3) > 5
    assert attacker.recovered(derived, exact, 3) == {}


@pytest.mark.slow  # a whole publication with its charts (30 s); the overview's masking is checked daily by the tests above
def test_an_overview_printing_hidden_figures_would_be_caught(tmp_path, monkeypatch):
    """The attacker is not blind to the overview: were it to print every figure of a region with
    figures (what the reports hide included), small figures would come back."""
    real = report_mod.overview_data

    class Careless:
        def __init__(self, plan):
            self.plan, self.report_regions, self.threshold = plan, plan.report_regions, plan.threshold

        def shown(self, question_id, theme_id, region):
            return self.plan.has_figures(question_id, region)

    monkeypatch.setattr(report_mod, "overview_data", lambda figures, q, plan: real(figures, q, Careless(plan)))
    found = 0
    for seed in (1, 2, 3):
        consultation, con = generated(seed)
        paths = OutputPaths(tmp_path / f"s{seed}")
        publish(con, consultation, paths, formats=("md",), threshold=3, workers=1)
        derived = attacker.attack(paths.reports, 3)
        found += len(attacker.recovered(derived, attacker.truth(con, consultation, paths.reports), 3))
    assert found > 0


def test_overview_in_every_format_of_the_synthesis_only(published):
    _, _, paths = published
    from docx import Document

    page = html.unescape((paths.reports / "synthese-nationale.html").read_text(encoding="utf-8"))
    assert '<h2 id="vue-ensemble">Vue d\'ensemble par région</h2>' in page
    assert page.count('<table class="overview">') == 2
    doc = Document(str(paths.reports / "synthese-nationale.docx"))
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert headers.count(["Thème", "France entière", *REPORTED]) == 2
    texts = [p.text for p in doc.paragraphs]
    assert texts.count("Vue d'ensemble par région") == 2  # in the contents, then the heading
    # In Word the table is the heatmap: shaded as the chart, a masked cell grey and « s ».
    overview = next(t for t in doc.tables if t.rows[0].cells[0].text == "Thème")
    fills = {c.text: c._tc.tcPr.xpath("./w:shd/@w:fill")[0] for row in overview.rows[1:] for c in row.cells[1:]}
    zero = fills["0\u00a0%"]  # « 0 % », never a bare « 0 »: nine zeros in a row read as an identifier
    assert fills["s"] == "E3E3E3" and zero != "E3E3E3"
    for region in REPORTED:
        slug = region.lower().replace(" ", "-")
        assert "Vue d'ensemble" not in (paths.reports / f"{slug}.md").read_text(encoding="utf-8")


def test_unknown_region_is_a_count_in_the_synthesis_never_a_report(tmp_path, monkeypatch):
    """Even with enough respondents for a report, « Région inconnue » gets none: it is a row of the
    synthesis' participation table and of the index, and no column of the overview."""
    monkeypatch.setitem(REGIONS, "Région inconnue", 7)
    consultation, con = generated(4)
    paths = OutputPaths(tmp_path)
    publish(con, consultation, paths, formats=("md", "html"), threshold=3, workers=1)
    names = sorted(p.stem for p in paths.reports.glob("*.md"))
    assert names == ["bretagne", "corse", "grand-est", "normandie", "occitanie", "synthese-nationale"]
    md = (paths.reports / "synthese-nationale.md").read_text(encoding="utf-8")
    assert "| Région inconnue | 7 |  |" in md
    assert "| Autres régions (moins de 3 répondants chacune) | 3 |  |" in md  # Guyane 1, Martinique 2
    assert not re.search(r"^\| Thème \|.*Région inconnue", md, flags=re.M)
    index = html.unescape((paths.root / "index.html").read_text(encoding="utf-8")).replace("\u00a0", " ")
    assert "<tr><td>Région inconnue</td><td>7 répondants</td>" in index
    assert "region-inconnue" not in index
    assert "Guyane" not in index and "Martinique" not in index  # a region of 1 or 2 is not named


def test_a_row_of_zeros_does_not_read_as_an_identification_number(published):
    """Found at 100k answers: « 0 0 0 0 0 0 0 0 0 » in the PDF's text stopped the publication as a
    SIRET; every cell of the overview carries its « % » or « s »."""
    _, _, paths = published
    md = (paths.reports / "synthese-nationale.md").read_text(encoding="utf-8")
    section = md.split("## Vue d'ensemble par région", 1)[1].split("\n## ", 1)[0]
    cells = [c.strip() for line in section.splitlines() if line.startswith("| ") and "---" not in line
             for c in line.strip("|").split("|")[1:]]
    assert cells and all(c in ("s", "France entière", *REPORTED) or c.endswith("%") for c in cells)
