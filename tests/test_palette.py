"""The publications' colours have one home, consultation.publish.palette: change a colour there and the HTML
report, the index, the Word file and the charts all change with it; nothing else spells a colour."""

from __future__ import annotations

import io
import re
import tokenize
import zipfile
from pathlib import Path

from chart_geometry import comparison_chart
from consultation import store
from consultation.publish import palette
from consultation.publish.charts import TallyFigures, comparison_data
from consultation.publish.report import publish
from consultation.store.paths import OutputPaths
from test_report import fill, make_consultation

SRC = Path(__file__).resolve().parents[1] / "src" / "consultation"
HEX = re.compile(r"#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})\b")


def test_no_colour_is_spelt_outside_the_palette():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "palette.py":
            continue
        with path.open("rb") as handle:
            for token in tokenize.tokenize(handle.readline):
                if token.type == tokenize.STRING and HEX.search(token.string):
                    found.append(f"{path.relative_to(SRC)}:{token.start[0]} {token.string}")
    for path in sorted((SRC / "publish" / "templates").iterdir()):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if HEX.search(line):
                found.append(f"templates/{path.name}:{number} {line.strip()}")
    assert found == []


# Distinctive replacements: each must appear where its colour is used, and the old value nowhere.
NEW = {"ACCENT": "#123456", "CATEGORY": "#a1b2c3", "MUTED": "#3c4d5e", "REGION": "#654321", "NATIONAL": "#BADA55",
       "MASKED_FILL": "#DDEEFF"}
CATEGORY_COLOURS = ("#123ABC", "#ABC123", "#C0FFEE")


def test_changing_the_palette_changes_every_publication(tmp_path, monkeypatch):
    old = {name: getattr(palette, name) for name in NEW}
    old_categories = palette.OKABE_ITO
    for name, value in NEW.items():
        monkeypatch.setattr(palette, name, value)
    monkeypatch.setattr(palette, "OKABE_ITO", CATEGORY_COLOURS)
    consultation, con = make_consultation(), store.connect(None)
    fill(con, consultation)
    publish(con, consultation, OutputPaths(tmp_path), workers=1, threshold=2, formats=("html", "docx"))

    html = (tmp_path / "reports" / "occitanie.html").read_text(encoding="utf-8")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for page in (html, index):
        assert f"--accent: {NEW['ACCENT']};" in page and f"--muted: {NEW['MUTED']};" in page
        assert old["ACCENT"] not in page and old["MUTED"] not in page
    assert f"--category: {NEW['CATEGORY']};" in html

    with zipfile.ZipFile(tmp_path / "reports" / "occitanie.docx") as docx:
        xml = "".join(docx.read(name).decode("utf-8") for name in docx.namelist() if name.endswith(".xml"))
    for name in ("ACCENT", "CATEGORY", "MUTED"):
        assert palette.docx_hex(NEW[name]) in xml, name
        assert palette.docx_hex(old[name]) not in xml.upper(), name
    assert f'w:fill="{palette.docx_hex(NEW["ACCENT"])}"' in xml  # the header row of the tables

    svgs = {p.name: p.read_text(encoding="utf-8").lower() for p in (tmp_path / "charts").glob("*.svg")}
    assert svgs and all(CATEGORY_COLOURS[0].lower() in svg for svg in svgs.values())
    assert not any(colour.lower() in svg for svg in svgs.values() for colour in old_categories[:3])
    assert "#123abc" in svgs["q1_retenir.svg"] and "#abc123" in svgs["q1_retenir.svg"]  # two categories

    figures = TallyFigures.load(con, consultation)
    data = comparison_data(figures, consultation.question("q1_retenir"), "Occitanie", threshold=2)
    buffer = io.StringIO()
    comparison_chart(data).savefig(buffer, format="svg")
    svg = buffer.getvalue().lower()
    assert NEW["REGION"].lower() in svg and NEW["NATIONAL"].lower() in svg
    assert old["REGION"].lower() not in svg and old["NATIONAL"].lower() not in svg

    # the overview heatmap: its masked cells are the palette's grey, in the chart and in Word
    overview = (tmp_path / "charts" / "vue-d-ensemble" / "q1_retenir.svg").read_text(encoding="utf-8").lower()
    with zipfile.ZipFile(tmp_path / "reports" / "synthese-nationale.docx") as docx:
        synthesis = docx.read("word/document.xml").decode("utf-8")
    assert NEW["MASKED_FILL"].lower() in overview and f'w:fill="{palette.docx_hex(NEW["MASKED_FILL"])}"' in synthesis
    assert old["MASKED_FILL"].lower() not in overview and palette.docx_hex(old["MASKED_FILL"]) not in synthesis


def test_css_variables_name_every_report_colour():
    css = palette.css_variables()
    assert css.startswith(":root {") and css.endswith("}")
    for value in (palette.INK, palette.MUTED, palette.ACCENT, palette.LINE, palette.SOFT, palette.CATEGORY,
                  palette.LEAD, palette.FLAG, palette.PAPER):
        assert f": {value};" in css
    assert palette.docx_hex("#fff") == "FFFFFF" and palette.docx_hex("#1f4e79") == "1F4E79"
