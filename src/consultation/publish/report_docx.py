"""DOCX renderer of a `Report`: a Word document report authors can edit and restyle.

Real Word styles throughout (Title, Heading 1/2, Caption, List Bullet, Table Grid), so that
« Insérer une table des matières » and « Table des illustrations » work, and a table of contents
field that Word fills when the document is opened. Files are byte-identical for the same report
(fixed ZIP timestamps), like the charts.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell

from consultation.publish import palette
from consultation.publish.charts import CONTINUED, PAGE_WIDTH_CM
from consultation.publish.disclosure import SECRET
from consultation.publish.report_data import (
    OVERVIEW_TITLE,
    Overview,
    QuestionTable,
    Report,
    ThemeRow,
    overview_note,
)
from consultation.publish.report_text import guillemets
from consultation.publish.typography import french

LEFT_CM, RIGHT_CM = 6.0, 11.0
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # ZIP entries: no build date, so reruns give the same bytes


def docx_bytes(report: Report) -> bytes:
    """The .docx file's bytes (the same for the same report)."""
    doc = render_docx(report)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _reproducible_zip(buffer.getvalue())


def render_docx(report: Report) -> DocxDocument:
    doc = Document()
    _cache_style_ids(doc)
    _setup(doc, report)
    doc.add_paragraph(report.subtitle.upper(), style="Subtitle")
    doc.add_paragraph(report.title, style="Title")
    for paragraph in report.intro:
        doc.add_paragraph(paragraph)
    _reliability_box(doc, report)
    _table_of_contents(doc, report)
    if report.participation:
        doc.add_heading("Participation par région", level=1)
        _participation(doc, report)
    figure_no = 0
    if report.overview:
        doc.add_heading(OVERVIEW_TITLE, level=1)
        _note(doc, overview_note(report.threshold) + " Chaque tableau est coloré comme le graphique "
              "correspondant (version PDF ou page web, et dossier charts/vue-d-ensemble) : plus la case "
              "est foncée, plus le thème est cité ; en gris, un chiffre masqué.")
        # In Word the table is the heatmap (cells shaded as on the chart): seven more pictures
        # would take the synthesis of the sample past 500 KB. The charts are in charts/vue-d-ensemble/.
        for overview in report.overview:
            doc.add_heading(overview.text, level=2)
            _overview_table(doc, overview)
    for section in report.sections:
        doc.add_heading(section.title, level=1)
        for table in section.tables:
            if section.show_question_text:
                doc.add_heading(table.text, level=2)
            _theme_table(doc, table)
            _note(doc, table.note)
            for chart in table.charts:
                figure_no += chart.part == 1
                _figure(doc, chart.png, chart.caption, figure_no, continued=chart.part > 1)
            for reason in table.missing:
                _note(doc, reason)
    for block in report.free_text:
        doc.add_heading(block.title, level=1)
        for group in block.groups:
            if group.heading:
                doc.add_heading(group.heading, level=2)
            if group.note:
                _note(doc, group.note)
            for item in group.items:
                doc.add_paragraph(item.text, style="List Bullet")
                if item.follow_up and block.follow_up_prompt:
                    prompt = doc.add_paragraph()
                    prompt.paragraph_format.left_indent = Cm(0.63)
                    run = prompt.add_run(block.follow_up_prompt)
                    run.italic = True
                    run.font.color.rgb = _rgb(palette.MUTED)
                    answer = doc.add_paragraph(item.follow_up)
                    answer.paragraph_format.left_indent = Cm(0.63)
        if not block.items:
            _note(doc, "Aucune initiative recensée" + (" pour cette région." if report.region else "."))
    _french_runs(doc)
    return doc


def _french_runs(doc: DocxDocument) -> None:
    """French typography (`typography.french`) on every run of text, in tables too."""
    for t in doc.element.body.iter(qn("w:t")):
        if t.text:
            t.text = french(t.text)


def _cache_style_ids(doc: DocxDocument) -> None:
    """Resolve each style name once per document: python-docx scans every style on each lookup,
    a few milliseconds per paragraph of a long report."""
    part = doc.part
    lookup = part.get_style_id
    cache: dict[tuple[str, object], str | None] = {}

    def get_style_id(style_or_name, style_type):  # type: ignore[no-untyped-def]
        if not isinstance(style_or_name, str):
            return lookup(style_or_name, style_type)
        key = (style_or_name, style_type)
        if key not in cache:
            cache[key] = lookup(style_or_name, style_type)
        return cache[key]

    part.get_style_id = get_style_id  # type: ignore[method-assign]


def _setup(doc: DocxDocument, report: Report) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin = section.bottom_margin = Cm(2.0)
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    _set_language(doc, "fr-FR")
    for name, size in (("Title", 22), ("Heading 1", 15), ("Heading 2", 11.5)):
        styles[name].font.color.rgb = _rgb(palette.ACCENT)
        styles[name].font.size = Pt(size)
    styles["Subtitle"].font.size = Pt(9)
    styles["Subtitle"].font.color.rgb = _rgb(palette.ACCENT)
    styles["Caption"].font.color.rgb = _rgb(palette.MUTED)
    styles["Caption"].font.size = Pt(8.5)
    props = doc.core_properties
    props.title = report.title
    props.subject = report.subtitle
    props.author = ""
    props.last_modified_by = ""
    props.language = "fr-FR"
    props.keywords = "consultation; rapport régional" if report.region else "consultation; synthèse nationale"
    props.created = props.modified = datetime(2020, 1, 1)  # fixed: the content, not the build, dates it
    props.revision = 1


def _set_language(doc: DocxDocument, lang: str) -> None:
    """French spelling and hyphenation in Word for every style (document defaults)."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang_el = rpr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr.append(lang_el)
    lang_el.set(qn("w:val"), lang)
    lang_el.set(qn("w:eastAsia"), lang)


def _table_of_contents(doc: DocxDocument, report: Report) -> None:
    """The contents written out at generation (headings 1 and 2), not a field Word must update:
    it is there in any viewer and in a PDF made from the file."""
    title = doc.add_paragraph()
    run = title.add_run("Sommaire")
    run.bold = True
    run.font.color.rgb = _rgb(palette.ACCENT)
    entries: list[tuple[int, str]] = []
    if report.participation:
        entries.append((1, "Participation par région"))
    if report.overview:
        entries.append((1, OVERVIEW_TITLE))
        entries += [(2, item.text) for item in report.overview]
    for section in report.sections:
        entries.append((1, section.title))
        if section.show_question_text:
            entries += [(2, table.text) for table in section.tables]
    for block in report.free_text:
        entries.append((1, block.title))
        entries += [(2, group.heading) for group in block.groups if group.heading]
    for level, text in entries:
        paragraph = doc.add_paragraph(text)
        paragraph.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        paragraph.paragraph_format.space_after = Pt(1)
        if level == 2:
            for r in paragraph.runs:
                r.font.size = Pt(9)
                r.font.color.rgb = _rgb(palette.MUTED)


def _field(paragraph, instruction: str, placeholder: str) -> None:
    def fld(kind: str) -> BaseOxmlElement:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    run = paragraph.add_run()
    run._r.append(fld("begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    run._r.append(fld("separate"))
    paragraph.add_run(placeholder)
    end = paragraph.add_run()
    end._r.append(fld("end"))


def _reliability_box(doc: DocxDocument, report: Report) -> None:
    table = doc.add_table(rows=1, cols=1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    cell = table.cell(0, 0)
    _shade(cell, palette.SOFT)
    _width(cell, PAGE_WIDTH_CM + 1)
    title = cell.paragraphs[0]
    run = title.add_run(report.reliability.title)
    run.bold = True
    run.font.color.rgb = _rgb(palette.ACCENT)
    for line in report.reliability.lines:
        p = cell.add_paragraph(line, style="List Bullet")
        p.paragraph_format.space_after = Pt(2)
    doc.add_paragraph()


def _participation(doc: DocxDocument, report: Report) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    _header_row(table, ["Région", "Répondants"], [8.0, 3.0])
    for row in report.participation:
        cells = table.add_row().cells
        cells[0].text = row.region
        cells[1].text = str(row.respondents)
        cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _width(cells[0], 8.0)
        _width(cells[1], 3.0)


OVERVIEW_THEME_CM = 5.0


HEADER_PT = 7.5  # the region × theme tables' column headers
CELL_MARGINS_CM = 0.45  # Word's and LibreOffice's cell margins (0.19 cm a side), and a little play


def _overview_table(doc: DocxDocument, overview: Overview) -> list[Table]:
    """The heatmap's figures: themes down, France entière then each region across, as many
    regions a table as fit with every word of their names whole (`_overview_tables`)."""
    return [_overview_part(doc, overview, start, stop, widths)
            for start, stop, widths in _overview_tables(overview.regions)]


def _overview_tables(regions: list[str]) -> list[tuple[int, int, list[float]]]:
    """(first region, region after the last, column widths in cm) of each table: a column is as
    wide as the longest word of its header, so that no region name is cut inside a word
    (6 regions in columns of 1.7 cm had LibreOffice print « Guadelou / pe », « Occita / nie »)."""
    room = PAGE_WIDTH_CM + 1 - OVERVIEW_THEME_CM
    national = _column_cm("France entière")
    needs = [_column_cm(r) for r in regions]
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < len(regions) or not bounds:  # as many regions a table as fit
        stop, used = start, national
        while stop < len(regions) and (stop == start or used + needs[stop] <= room):
            used += needs[stop]
            stop += 1
        bounds.append((start, stop))
        start = stop
    # As many tables, the regions shared evenly between them when they fit so (5, 5, 4, 4
    # rather than 6, 6, 5, 1).
    size = -(-len(regions) // len(bounds))
    even = [(i, min(i + size, len(regions))) for i in range(0, len(regions), size)] if regions else bounds
    if len(even) == len(bounds) and all(national + sum(needs[a:b]) <= room for a, b in even):
        bounds = even
    tables = []
    for a, b in bounds:
        widths = [national, *needs[a:b]]
        extra = max(room - sum(widths), 0) / len(widths)  # the rest of the width, shared
        tables.append((a, b, [OVERVIEW_THEME_CM, *(cm + extra for cm in widths)]))
    return tables


def _column_cm(header: str) -> float:
    """The width a column needs for its header's longest word (a line may break after a hyphen)
    and for « 100 % »."""
    words = re.findall(r"[^\s-]+-?", header) or [header]
    return max(max(_text_cm(w, bold=True, size=HEADER_PT) for w in words), _text_cm("100 %", size=8)) + CELL_MARGINS_CM


@functools.cache
def _text_cm(text: str, *, bold: bool = False, size: float = 10) -> float:
    """Width of `text` in DejaVu Sans: wider than Calibri, Carlito and Liberation Sans, and what
    LibreOffice prints where Calibri is missing, so a width it fits is enough in each."""
    from matplotlib import font_manager
    from PIL import ImageFont

    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans",
                                                             weight="bold" if bold else "normal"))
    return ImageFont.truetype(path, 100).getlength(text) / 100 * size / 72 * 2.54


def _overview_part(doc: DocxDocument, overview: Overview, start: int, stop: int, widths: list[float]) -> Table:
    columns = ["France entière", *overview.regions[start:stop]]
    table = doc.add_table(rows=1, cols=1 + len(columns))
    table.style = "Table Grid"
    table.autofit = False
    for column, cm in zip(table.columns, widths, strict=True):
        column.width = Cm(cm)  # the grid: LibreOffice reads it, not the cells' widths
    _header_row(table, ["Thème", *columns], widths)
    for row in overview.rows:
        cells = table.add_row().cells
        kept = [0, *range(1 + start, 1 + min(stop, len(overview.regions)))]  # France entière, these regions
        texts = [row.national, *row.cells]
        for i, (cell, text) in enumerate(zip(cells, [row.label, *(texts[k] for k in kept)], strict=True)):
            _width(cell, widths[i])
            run = cell.paragraphs[0].add_run(text)
            run.font.size = Pt(8)
            if i:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
                if row.fills:
                    fill, ink = row.fills[kept[i - 1]]
                    _shade(cell, fill)
                    run.font.color.rgb = _rgb(ink)
                run.bold = i == 1
            if text == SECRET:
                run.italic = True
        _cant_split(table.rows[-1])
    for cell in table.rows[0].cells:
        for r in cell.paragraphs[0].runs:
            r.font.size = Pt(HEADER_PT)
    doc.add_paragraph()
    return table


def _theme_table(doc: DocxDocument, question: QuestionTable) -> Table:
    """The reference's two columns: themes with their figures, then the testimonies."""
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.autofit = False
    _header_row(table, [question.left_header, question.right_header], [LEFT_CM, RIGHT_CM])
    for group in question.groups:
        if group.heading:
            cells = table.add_row().cells
            merged = cells[0].merge(cells[1])
            _shade(merged, palette.CATEGORY)
            run = merged.paragraphs[0].add_run(group.heading)
            run.bold = True
            run.font.size = Pt(8.5)
            run.font.color.rgb = _rgb(palette.ACCENT)
            merged.paragraphs[0].paragraph_format.keep_with_next = True  # never alone at a page's foot
            _cant_split(table.rows[-1])
        for row in group.rows:
            _theme_rows(table, row)
    return table


def _theme_rows(table: Table, row: ThemeRow) -> None:
    """A theme: one table row kept on one page, or two when it is tall (`_tall`). The first of the
    two holds the theme's name, figures and flag and its first testimonies (`_first_part`),
    kept on one page too: the name never at a page's foot without its testimonies, nor on the
    page after the first one; the second row holds the other testimonies and may split between
    them. The left cell spans both (merged vertically), so the theme reads as one row. A heading
    or category row before it is kept with the first row, which is never tall, so with no blank
    of a tall row moved whole."""
    tall = _tall(row) and len(row.quotes) > 1
    first = _first_part(row) if tall else len(row.quotes)
    parts = [row.quotes[:first], row.quotes[first:]] if tall else [row.quotes]
    for n, quotes in enumerate(parts):
        may_split = _tall(row) and n == len(parts) - 1  # the second row, or a tall one-testimony row
        left, right = table.add_row().cells
        _width(left, LEFT_CM)
        _width(right, RIGHT_CM)
        if tall:
            _merge_down(left, first=n == 0)
            # No rule between the theme's two parts: its testimonies read as one cell.
            _no_border(right, "bottom" if n == 0 else "top")
        if tall and n == 0:
            # At least as tall as the left cell (its estimate is never short), should its
            # testimonies be shorter (`_first_part`).
            table.rows[-1].height = Pt(_left_pt(row))
            table.rows[-1].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        if n == 0:
            theme = left.paragraphs[0].add_run(row.left)
            theme.bold = True
            left.paragraphs[0].paragraph_format.keep_together = True  # a theme's name on one page
            figures = left.add_paragraph().add_run(row.figures)
            figures.font.size = Pt(8.5)
            figures.font.color.rgb = _rgb(palette.MUTED)
            if row.flag:
                flag = left.add_paragraph().add_run(row.flag)
                flag.bold = True
                flag.font.size = Pt(8.5)
        for i, quote in enumerate(quotes):
            paragraph = right.paragraphs[0] if i == 0 else right.add_paragraph()
            paragraph.add_run(guillemets(quote))
            paragraph.paragraph_format.space_after = Pt(QUOTE_AFTER_PT)
            paragraph.paragraph_format.widow_control = True  # never one line alone on a page
            # The testimony beside the name in a row that splits may split too (two lines at least
            # on each side): kept whole, it could leave the name alone at a page's foot.
            paragraph.paragraph_format.keep_together = (
                not (may_split and n == 0 and i == 0) and _lines(guillemets(quote), RIGHT_CM) <= KEEP_TOGETHER_LINES)
        if not may_split:
            _cant_split(table.rows[-1])


def _no_border(cell: _Cell, side: str) -> None:
    """The cell drawn without its rule on `side` (« top » or « bottom »), whatever the table's style."""
    borders = OxmlElement("w:tcBorders")
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "nil")
    borders.append(edge)
    cell._tc.get_or_add_tcPr().append(borders)


def _merge_down(cell: _Cell, *, first: bool) -> None:
    """The cell merged with the one under it (`first`) or with the one above it (Word's `vMerge`)."""
    cell._tc.get_or_add_tcPr().vMerge_val = "restart" if first else "continue"


# Word and LibreOffice lay the page out themselves: a row's height is estimated from its text.
# A theme row is kept on one page (`w:cantSplit`: two lines of a theme on one page and the rest
# on the next read badly) unless it is tall: a row kept whole that does not fit the page's foot
# moves to the next page and leaves blank the room it needed, up to its own height (half a page
# for a theme with four long testimonies). Up to a fifth of the page (about 12 lines), the blank
# stays small beside a page's worth of text; a taller theme is two rows (`_theme_rows`), the
# second of which splits between its testimonies, each of which is kept whole
# (`KEEP_TOGETHER_LINES`: every testimony the quote selector prints, 320 characters at most, is
# 6 lines or fewer).
TEXT_HEIGHT_PT = (29.7 - 2 * 2.0) / 2.54 * 72  # A4 within the 2 cm margins of `_setup`
TALL_ROW_SHARE = 0.2
KEEP_TOGETHER_LINES = 8
LINE_PT = 1.22  # a cell's line (single spacing, Table Grid) over its font size: Calibri's, DejaVu Sans 1.16
QUOTE_AFTER_PT = 3
# Average width of a character of French text at 10 points in DejaVu Sans (0.177 cm measured with
# `_text_cm` on testimonies), what LibreOffice prints where Calibri is missing; Calibri is
# narrower, so Word's rows are shorter than estimated: a row kept whole is never taller than its
# estimate.
CHAR_CM = 0.18


def _lines(text: str, column_cm: float, size: float = 10, *, bold: bool = False) -> int:
    """Lines `text` takes in a column, wrapped at words (half a word lost at the end of a line)."""
    per_line = max(int((column_cm - CELL_MARGINS_CM) / (CHAR_CM * size / 10 * (1.13 if bold else 1))) - 3, 1)
    return max(-(-len(text) // per_line), 1)


def _tall(row: ThemeRow) -> bool:
    """Whether the theme is too tall to be kept on one page whole (see `TALL_ROW_SHARE`)."""
    return _row_pt(row) > TALL_ROW_SHARE * TEXT_HEIGHT_PT


def _row_pt(row: ThemeRow) -> float:
    """The estimated height of a theme row in points: its taller column."""
    return max(_left_pt(row), sum(_quote_pt(q) for q in row.quotes))


def _left_pt(row: ThemeRow) -> float:
    """The estimated height of a theme's left cell in points: its name, figures and flag."""
    left = _lines(row.left, LEFT_CM, bold=True) * 10 * LINE_PT + _lines(row.figures, LEFT_CM, 8.5) * 8.5 * LINE_PT
    if row.flag:
        left += _lines(row.flag, LEFT_CM, 8.5, bold=True) * 8.5 * LINE_PT
    return left


def _quote_pt(quote: str) -> float:
    """The estimated height of a testimony in points, with the space after it."""
    return _lines(guillemets(quote), RIGHT_CM) * 10 * LINE_PT + QUOTE_AFTER_PT


def _first_part(row: ThemeRow) -> int:
    """How many testimonies the first of a tall theme's two rows holds (one at least, and one left
    for the second): as many as it takes to be as tall as the left cell, unless that makes the row
    tall itself. Measured in LibreOffice: a merged cell's text taller than the first row runs on
    into the second and is split with it (the name on one page, its first testimony on the page
    before). Filled only up to the left cell's height instead, the first row left a second row
    moved whole and a third of a page blank above it in two reports of the test's 40."""
    count, right, left = 1, _quote_pt(row.quotes[0]), _left_pt(row)
    while count < len(row.quotes) - 1 and right < left:
        right += _quote_pt(row.quotes[count])
        if right > TALL_ROW_SHARE * TEXT_HEIGHT_PT:
            break
        count += 1
    return count


def _header_row(table: Table, titles: list[str], widths: list[float]) -> None:
    row = table.rows[0]
    for cell, title, width in zip(row.cells, titles, widths, strict=True):
        _shade(cell, palette.ACCENT)
        _width(cell, width)
        run = cell.paragraphs[0].add_run(title)
        run.bold = True
        run.font.size = Pt(9)
        run.font.color.rgb = _rgb(palette.PAPER)
    header = OxmlElement("w:tblHeader")  # repeated at the top of every page the table spans
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)
    _cant_split(row)


def _cant_split(row) -> None:
    cant = OxmlElement("w:cantSplit")
    cant.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(cant)


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(palette.docx_hex(colour))


def _shade(cell: _Cell, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), palette.docx_hex(fill))
    cell._tc.get_or_add_tcPr().append(shd)


def _width(cell: _Cell, cm: float) -> None:
    cell.width = Cm(cm)


def _note(doc: DocxDocument, text: str) -> None:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)
    run.italic = True
    run.font.size = Pt(8)
    run.font.color.rgb = _rgb(palette.MUTED)


EMBED_DPI = 150  # charts in Word: readable on screen and in print; a report of the sample stays under 500 KB
EMBED_COLOURS = 64


@functools.lru_cache(maxsize=256)
def _embedded(png: Path, mtime_ns: int) -> bytes:
    """The chart as Word embeds it: 16 cm at `EMBED_DPI`, in a palette of `EMBED_COLOURS`
    (a chart has a handful of colours and their anti-aliasing): a third of the 300 dpi file.

    Halved by whole pixels first (`reducing_gap=1`), then an octree palette, not PNG's slow
    `optimize`: 1.7 × less CPU per chart than Lanczos on the full image and a median-cut palette,
    files a third smaller, no difference to the eye (72 reports embed 266 charts at 1M answers)."""
    from PIL import Image

    with Image.open(png) as image:
        width = round(PAGE_WIDTH_CM / 2.54 * EMBED_DPI)
        height = round(image.height * width / image.width)
        small = image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS, reducing_gap=1.0)
        paletted = small.quantize(colors=EMBED_COLOURS, method=Image.Quantize.FASTOCTREE)
        out = io.BytesIO()
        paletted.save(out, format="PNG", dpi=(EMBED_DPI, EMBED_DPI))
    return out.getvalue()


MAX_FIGURE_HEIGHT_CM = 24.0  # a chart and its caption on one A4 page within 2 cm margins (25.7 cm)


def _figure(doc: DocxDocument, png: Path, caption: str, number: int, *, continued: bool = False) -> None:
    data = _embedded(png, png.stat().st_mtime_ns)
    # A chart of 36 themes with long labels is 77 cm tall at the page's width: Word showed its
    # first page and cut the rest. Charts are now drawn in parts of at most 23 cm
    # (`charts.MAX_CHART_HEIGHT_CM`), inserted full size; the scaling stays as a guard.
    height = PAGE_WIDTH_CM * _aspect(data)
    if height > MAX_FIGURE_HEIGHT_CM:
        doc.add_picture(io.BytesIO(data), height=Cm(MAX_FIGURE_HEIGHT_CM))
    else:
        doc.add_picture(io.BytesIO(data), width=Cm(PAGE_WIDTH_CM))
    picture = doc.paragraphs[-1]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    paragraph = doc.add_paragraph(style="Caption")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if continued:  # the same figure's next part: no number of its own
        paragraph.add_run(f"Figure {number}{CONTINUED} : {caption}")
        return
    paragraph.add_run("Figure ")
    _field(paragraph, "SEQ Figure \\* ARABIC", str(number))  # Word's own numbering: « Table des illustrations »
    paragraph.add_run(f" : {caption}")


def _aspect(png: bytes) -> float:
    """Height over width of a PNG."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return image.height / image.width


def _reproducible_zip(data: bytes) -> bytes:
    """The same entries in the same order with a fixed timestamp."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            # Images are compressed already: storing them saves recompressing megabytes.
            entry.compress_type = (zipfile.ZIP_STORED if info.filename.endswith((".png", ".jpeg", ".jpg"))
                                   else zipfile.ZIP_DEFLATED)
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
