"""Reports as they are printed or opened, with generated hostile content, measured where a reader
sees them: the size chart text prints at in the PDF and the Word file, a glyph for every character
of the testimonies in the PDF, region names not cut inside a word in the Word file as LibreOffice
lays it out, and no horizontal overflow at a phone's 390 CSS pixels.

One report is built by hand (`Report`, the renderers' input) from generated codebooks
(`hostile_labels`: 1 to 40 themes, labels of 1 to 150 characters), generated characters and every
region name, then rendered once in each format for the whole module.

Before (2026-12-06): see RELIABILITY.md, « Published outputs with hostile content »."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest

from consultation.ingest.regions import REGIONS
from consultation.publish import charts as chart_module
from consultation.publish import report_docx, report_text
from consultation.publish.charts import (
    ComparisonData,
    OverviewData,
    comparison_charts,
    overview_charts,
    overview_fills,
    save_charts,
    theme_charts,
)
from consultation.publish.report_data import (
    Overview,
    OverviewRow,
    QuestionTable,
    Reliability,
    Report,
    Section,
    ThemeGroup,
    ThemeRow,
    chart_refs,
)
from hostile_labels import labels_family, long_labels_family

PRINT_FLOOR_PT = 6.0  # the floor the charts are held to (charts.MIN_PRINT_PT says why)
# 2, 40 and 30 themes of generated labels; 40 and 14 themes of 80 to 150 characters.
SEEDS = [3, 6, 9, 40, 14]
# What testimonies hold: emoji (with skin tones, ZWJ sequences, flags, variation selectors),
# symbols, and scripts the report's fonts may lack.
CHARACTERS = [
    "🙂", "✅", "❤️", "⚠️", "👍", "👍🏽", "👩‍⚕️", "🇫🇷", "😷", "📱", "💻", "👏", "🙏", "🎉", "🔥", "💪", "😢",
    "😡", "🤝", "⭐", "✨", "🚑", "🏥", "💉", "🥰", "🫶", "☎", "✓", "✔", "✗", "★", "♥", "⚕", "➡", "⇒",
    "€", "‰", "№", "℃", "½", "∞", "≠", "•", "■", "◆", "♀", "☺", "✉", "✂", "✈", "⌚",
    "中文", "日本語", "한국어", "ひらがな", "カタカナ", "हिन्दी", "ไทย", "עברית", "Ελληνικά", "Русский",
    "العربية", "ქართული", "Հայերեն", "አማርኛ", "বাংলা", "தமிழ்", "𝔸𝕓", "𓀀", "𐀀", "𒀀", "ᚠᚢ", "⠁⠃",
]
OTHER_REGIONS = ["Saint-Pierre-et-Miquelon", "Nouvelle-Calédonie", "Polynésie française", "Wallis-et-Futuna",
                 "Saint-Barthélemy", "Terres australes et antarctiques françaises"]
REGION_NAMES = [r.name for r in REGIONS] + OTHER_REGIONS


def _question_table(seed: int, k: int, chart_dir: Path) -> tuple[QuestionTable, Overview | None, int]:
    family = long_labels_family(seed) if seed in (14, 40) else labels_family(seed)
    question, _, national, regional, region, n_nat, n_reg = family
    question = question.model_copy(update={"id": f"q{seed}"})
    stem = chart_dir / question.id
    save_charts(theme_charts(question, national, n_nat), stem)
    charts = chart_refs(stem.with_suffix(".png"), f"Question {seed} : thèmes cités au niveau national")
    comparison = ComparisonData(question, region, national, {t.theme_id: t for t in regional}, n_nat, n_reg)
    if comparison.worth_drawing:
        save_charts(comparison_charts(comparison), chart_dir / f"{question.id}-region")
        charts += chart_refs(chart_dir / f"{question.id}-region.png", f"Question {seed} : région et France")
    rows = [ThemeRow(t.label, t.count, f"{t.share:.0f} % des répondants",
                     [f"Témoignage {j} : {' '.join(CHARACTERS[j::7])} fin." for j in range(i % 2, 7, 2)] if i < 4 else [])
            for i, t in enumerate(national[:4])]  # the charts show every theme; the table, those quoted
    # The headers a regional report prints, with the family's region names.
    table = QuestionTable(question.id, question.text,
                          f"Thèmes cités au niveau national ({n_nat} répondants) (Occurrence)",
                          f"Témoignages pour la Région {REGION_NAMES[k * 5]} ({n_reg} répondants)",
                          [ThemeGroup(None, rows)], "Note.", charts)
    if k >= 3:
        return table, None, len(national)
    regions = REGION_NAMES[k::3]  # 8 names each, every name in one of the first three
    data = OverviewData(question, regions, [t.label for t in national], [t.share for t in national],
                        [[t.share if (i + j) % 4 else None for j in range(len(regions))]
                         for i, t in enumerate(national)], n_nat)
    save_charts(overview_charts(data), chart_dir / f"{question.id}-overview")
    overview = Overview(question.id, question.text, regions,
                        [OverviewRow(label, f"{share:.0f} %", ["s" if v is None else f"{v:.0f} %" for v in cells],
                                     fills)
                         for label, share, cells, fills in zip(data.labels, data.national, data.cells,
                                                               overview_fills(data), strict=True)],
                        chart_refs(chart_dir / f"{question.id}-overview.png", f"Question {seed} : par région"))
    return table, overview, len(national)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("print")
    chart_dir = out / "charts"
    chart_dir.mkdir()
    # PNGs at 60 dpi instead of 300: what is measured is the SVG and the size Word shows the
    # picture at, and the 300 dpi PNGs took most of this module's time.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chart_module, "DPI", 60)
        tables, overviews, themes = zip(*(_question_table(seed, k, chart_dir) for k, seed in enumerate(SEEDS)), strict=True)
    report = Report(
        kind="national", region=None, slug="synthese-nationale", title="Consultation : synthèse nationale",
        subtitle="Consultation « hostile »", intro=["Introduction."],
        reliability=Reliability("Fiabilité des chiffres", ["Une ligne."]),
        sections=[Section("Questions", list(tables))], free_text=[], overview=[o for o in overviews if o])
    page = report_text.render_html(report)
    (out / "report.html").write_text(page, encoding="utf-8")
    (out / "report.md").write_text(report_text.render_markdown(report, out), encoding="utf-8")
    (out / "report.docx").write_bytes(report_docx.docx_bytes(report))
    return {"out": out, "report": report, "themes": dict(zip(SEEDS, themes, strict=True)), "html": page, "pdf": report_text.pdf_document(page)}


# --- 1. chart text printed at 6 points at least ---------------------------------------------------

_FONT_SIZE = re.compile(r"font-size: ([\d.]+)px")
_VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')


def _smallest_text(svg: str) -> float:
    """The smallest font size of an SVG chart, in the units of its viewBox (points at full size)."""
    return min(float(size) for size in _FONT_SIZE.findall(svg))


def _svg_width_pt(svg: str) -> float:
    found = _VIEWBOX.search(svg)
    assert found, "no viewBox"
    return float(found.group(1))


def test_chart_text_prints_at_six_points_or_more_in_the_pdf(rendered):
    # Before: a tall chart was scaled down to one page (max-height 24 cm): its text printed at 2.5
    # to 4 points.
    import base64

    small = []
    charts = 0
    for page in rendered["pdf"].pages:
        for box in page._page_box.descendants():
            if not type(box).__name__.endswith("ReplacedBox"):
                continue
            source = box.element.get("src", "")
            svg = base64.b64decode(source.split(",", 1)[1]).decode("utf-8")
            charts += 1
            printed = _smallest_text(svg) * box.width * 0.75 / _svg_width_pt(svg)  # CSS px: 0.75 pt
            if printed < PRINT_FLOOR_PT - 0.01:
                small.append(round(printed, 1))
    assert charts >= len(SEEDS) + 2
    assert not small, (len(small), charts, small)


def test_chart_text_prints_at_six_points_or_more_in_word(rendered):
    document = docx.Document(str(rendered["out"] / "report.docx"))
    pictures = [c.png for c in rendered["report"].charts if "overview" not in c.png.name]  # Word: overview as tables
    assert len(document.inline_shapes) == len(pictures)
    small = []
    for shape, png in zip(document.inline_shapes, pictures, strict=True):
        svg = png.with_suffix(".svg").read_text(encoding="utf-8")
        printed = _smallest_text(svg) * (shape.width.pt / _svg_width_pt(svg))
        if printed < PRINT_FLOOR_PT - 0.01:
            small.append(round(printed, 1))
    assert not small, (len(small), len(pictures), small)


def test_every_theme_is_drawn_once_and_in_order_across_the_parts_of_a_chart(rendered):
    for seed, table in zip(SEEDS, rendered["report"].sections[0].tables, strict=True):
        themes = range(rendered["themes"][seed])
        for first in (c for c in table.charts if c.part == 1):
            parts = [c for c in table.charts if c.png.stem.split("-suite")[0] == first.png.stem]
            ids = [int(i) for c in parts for i in re.findall(r'id="theme-(\d+)"', c.svg.read_text(encoding="utf-8"))]
            expected = range(len(themes)) if "region" not in first.png.stem else ids  # comparison: cited only
            assert ids == sorted(set(ids)) and ids == list(expected), (first.png.name, ids)
            assert [c.part for c in parts] == list(range(1, len(parts) + 1))


def test_html_and_markdown_show_the_same_chart_parts_as_word(rendered):
    parts = [c for c in rendered["report"].charts]
    markdown = (rendered["out"] / "report.md").read_text(encoding="utf-8")
    assert all(c.png.name in markdown for c in parts)
    assert rendered["html"].count("<figure>") == len(parts)
    continued = [c for c in parts if c.part > 1]
    assert rendered["html"].count("(suite)") >= len(continued) and markdown.count("(suite)") >= len(continued)


# --- 2. a glyph for every character in the PDF ----------------------------------------------------


def _missing_glyphs(document) -> list[str]:
    """Characters Pango found no glyph for in any font, in WeasyPrint's laid-out PDF: WeasyPrint
    draws them as nothing (`draw_first_line` skips glyphs with PANGO_GLYPH_UNKNOWN_FLAG)."""
    from weasyprint.text.ffi import ffi, pango

    missing = []
    for page in document.pages:
        for box in page._page_box.descendants():
            layout = getattr(box, "pango_layout", None)
            if layout is None or not box.text.strip():
                continue
            if not hasattr(layout, "layout"):  # freed after layout; drawing sets it up again
                layout.reactivate(box.style)
            utf8 = layout.text.encode()
            line, _ = layout.get_first_line()
            run = line.runs[0] if line.runs != ffi.NULL else ffi.NULL
            while run != ffi.NULL:
                item, run = run.data, run.next
                glyphs = item.glyphs
                for i in range(glyphs.num_glyphs):
                    if glyphs.glyphs[i].glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG:
                        start = item.item.offset + glyphs.log_clusters[i]
                        missing.append(utf8[start:start + 4].decode("utf-8", "ignore")[:1])
    return missing


def test_every_character_of_the_testimonies_has_a_glyph_in_the_pdf(rendered):
    # Before: emoji, CJK and most scripts outside Latin, Greek, Cyrillic, Arabic and Hebrew were
    # printed as nothing.
    missing = sorted(set(_missing_glyphs(rendered["pdf"])))
    tested = sorted({c for text in CHARACTERS for c in text})
    assert not missing, (f"{len(missing)} of {len(tested)} characters", "".join(missing))
    # What no installed font has is written out where it was (report_text.printable).
    printed = "".join(box.text for page in rendered["pdf"].pages for box in page._page_box.descendants()
                      if getattr(box, "text", None))
    assert "non imprimable" in printed or "[émoji" in printed


def test_what_no_font_prints_is_written_out_in_french():
    """The written-out emoji are named in French (CLDR's names), a sequence joined by U+200D as one."""
    from consultation.publish.report_text import printable

    html = "<p>Merci 🫶 à l'équipe 👩\u200d⚕️ 👍🏽 ⌬</p>"
    out = printable(html, {"🫶", "👩", "⚕", "👍", "🏽", "⌬"})
    assert "mains qui forment un cœur" in out and "professionnelle de la santé" in out
    assert "pouce vers le haut" in out and "U+232C" in out
    assert not re.search(r"heart|health|thumbs|woman", out)
    assert out.startswith("<p>Merci [émoji") and out.endswith("</p>")


# --- 3. Word: region names never cut inside a word ------------------------------------------------


@pytest.fixture(scope="module")
def word_as_pdf_text(rendered) -> str:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) absent: the Word file is not laid out")
    from pypdf import PdfReader

    out = rendered["out"]
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{out / 'lo-profile'}",
                    "--convert-to", "pdf", "--outdir", str(out / "lo"), str(out / "report.docx")],
                   check=True, capture_output=True, timeout=180)
    return "\n".join(page.extract_text() for page in PdfReader(out / "lo" / "report.pdf").pages)


def test_word_region_headers_are_not_cut_inside_a_word(rendered, word_as_pdf_text):
    # Before: in the region × theme tables' column headers, LibreOffice broke region names inside
    # their words (« Guadelou / pe »).
    tokens = set(re.split(r"[\s\-]+", word_as_pdf_text))
    regions = sorted({r for o in rendered["report"].overview for r in o.regions})
    cut = [(region, word) for region in regions for word in re.split(r"[\s\-]+", region) if word not in tokens]
    assert not cut, (f"{len({r for r, _ in cut})} of {len(regions)} names cut", cut)
    # The tables' other headers and the headings (a region's name in a regional report's header).
    document = docx.Document(str(rendered["out"] / "report.docx"))
    headers = [c.text for t in document.tables for c in t.rows[0].cells if len(t.rows) > 1]
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    tokens |= {t.strip("()«»:,.?") for t in tokens}
    words = {w.strip("()«»:,.?") for text in headers + headings for w in re.split(r"[\s\-]+", text)}
    checked = [w for w in words if re.fullmatch(r"[^\W\d]+(?:'[^\W\d]+)?", w)]  # words of letters
    cut_words = sorted(w for w in checked if w not in tokens)
    assert len(checked) > 60
    assert not cut_words, cut_words


# --- 4. no horizontal overflow at 390 CSS px ------------------------------------------------------

from page_width import PHONE, browser, layout, overflow_at  # noqa: E402


@pytest.mark.skipif(browser() is None, reason="Chromium absent: HTML not rendered")
def test_html_has_no_horizontal_overflow_and_no_word_cut_at_390_px(rendered, tmp_path):
    seen = layout(rendered["out"] / "report.html", PHONE, tmp_path)
    assert seen.client == PHONE, seen.client  # laid out at a phone's width, not at a window's 500 px
    assert seen.scroll <= seen.client and seen.past == 0, seen
    assert seen.broken == 0, (seen.broken, seen.first_broken)  # « accompagne|ment » before 2026-12-06


@pytest.mark.skipif(browser() is None, reason="Chromium absent: HTML not rendered")
def test_the_phone_check_sees_what_a_500_px_window_would_not(tmp_path):
    # A block of 450 px fits Chromium's narrowest window (500 px) but not a phone's 390 px.
    page = tmp_path / "wide.html"
    page.write_text('<!DOCTYPE html><html><body style="margin:0"><div style="width:450px">x</div></body></html>',
                    encoding="utf-8")
    scroll, client, past, _ = overflow_at(page, PHONE, tmp_path)
    assert (scroll, client, past) == (450, PHONE, 1)
