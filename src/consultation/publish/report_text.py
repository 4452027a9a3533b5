"""HTML and Markdown renderers of a `Report` (Jinja2 templates in `templates/`).

HTML is one self-contained page (charts inlined as SVG data URIs, no script, no external
resource), so it opens offline and can be mailed as one file; every answer is HTML-escaped by the
template engine. Markdown links the PNG charts relative to the report folder.
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import re
from pathlib import Path
from urllib.parse import quote as url_quote

import jinja2

from consultation.publish import palette
from consultation.publish.charts import CONTINUED
from consultation.publish.disclosure import SECRET
from consultation.publish.report_data import OVERVIEW_TITLE, Report, overview_note
from consultation.publish.typography import NNBSP, french, french_html

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")


def render_html(report: Report) -> str:
    """One self-contained page: charts inlined as SVG data URIs, every answer HTML-escaped."""
    charts = {str(c.png): _data_uri(c.svg, "image/svg+xml") for c in report.charts}
    return french_html(template_environment().get_template("report.html").render(
        report=report, charts=charts, numbers=_figure_numbers(report), **_overview_words(report)
    ))


def render_pdf(html: str) -> bytes:
    """The PDF of a rendered HTML report (WeasyPrint): A4 pages, the charts as vectors (SVG).

    WeasyPrint needs Pango on the system (Debian: libpango-1.0-0 and libpangoft2-1.0-0). Pango
    takes each character from the first installed font that has it (fonts-symbola: emoji and
    symbols; fonts-droid-fallback: Chinese and Japanese; .ci/run installs them); a character no
    installed font has was printed as nothing, a silent hole in a testimony. Such characters are
    written out instead (`printable`), and the page laid out again.
    """
    return pdf_document(html).write_pdf(pdf_identifier=b"consultation")


def pdf_document(html: str):  # type: ignore[no-untyped-def]
    """The laid-out WeasyPrint document `render_pdf` writes (its pages and boxes)."""
    import weasyprint

    _keep_font_subsetting_out_of_the_logs()
    missing = unprintable(weasyprint.HTML(string=_every_character(html)).render())
    return weasyprint.HTML(string=printable(html, missing) if missing else html).render()


def _every_character(html: str) -> str:
    """A page of the report's style sheet and each character beyond ASCII of its text once:
    Pango chooses the same fonts for it as for the report, in a fraction of its layout time."""
    head = html[:html.find("<body")] if "<body" in html else ""
    chars = sorted(c for c in set(html) if not c.isascii())
    return f"{head}<body><p>{' '.join(chars)}</p><p><b>{' '.join(chars)}</b> <i>{' '.join(chars)}</i></p></body></html>"


def unprintable(document) -> set[str]:  # type: ignore[no-untyped-def]
    """Characters of a laid-out WeasyPrint document that no installed font has a glyph for
    (Pango marks them PANGO_GLYPH_UNKNOWN_FLAG; WeasyPrint draws nothing for them)."""
    from weasyprint.text.ffi import ffi, pango

    missing: set[str] = set()
    for page in document.pages:
        for box in page._page_box.descendants():
            layout = getattr(box, "pango_layout", None)
            if layout is None or not box.text or box.text.isascii():
                continue
            if not hasattr(layout, "layout"):  # released after layout; drawing sets it up again
                layout.reactivate(box.style)
            utf8 = layout.text.encode()
            line, _ = layout.get_first_line()
            run = line.runs
            while run != ffi.NULL:
                item, run = run.data, run.next
                glyphs = item.glyphs
                for i in range(glyphs.num_glyphs):
                    if glyphs.glyphs[i].glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG:
                        start = item.item.offset + glyphs.log_clusters[i]
                        missing.update(utf8[start:start + 4].decode("utf-8", "ignore")[:1])
            layout.deactivate()
    return missing - {" ", "\n"}


_JOINERS = "\u200d\ufe0e\ufe0f"  # zero-width joiner, text and emoji presentation selectors
_SCRIPTS = {"CJK": "chinoise", "HIRAGANA": "japonaise", "KATAKANA": "japonaise", "HANGUL": "coréenne",
            "DEVANAGARI": "devanagari", "BENGALI": "bengalie", "TAMIL": "tamoule", "TELUGU": "télougoue",
            "THAI": "thaïe", "ETHIOPIC": "éthiopienne", "RUNIC": "runique", "KHMER": "khmère",
            "TIBETAN": "tibétaine", "SINHALA": "cingalaise", "GUJARATI": "gujarati", "GURMUKHI": "gurmukhi",
            "MYANMAR": "birmane", "LAO": "laotienne", "EGYPTIAN": "hiéroglyphique", "CUNEIFORM": "cunéiforme"}


def printable(html: str, missing: set[str]) -> str:
    """`html` with each run of characters in `missing` written out, so that the printed
    testimony shows that something is there and what: « [émoji : mains qui forment un cœur] »
    (CLDR's French names), « [écriture coréenne : 3 caractères non imprimables] »."""
    chars = "".join(sorted(re.escape(c) for c in missing))
    pattern = re.compile(f"[{chars}][{chars}{_JOINERS}]*")
    return pattern.sub(lambda m: _written_out(m.group(0)), html)


def _french_emoji_names(run: str) -> list[str]:
    """The emoji of `run` by their French names (CLDR's, through the `emoji` package: a sequence
    joined by U+200D is one emoji, « professionnelle de la santé »); another symbol by its code."""
    import emoji

    converted = emoji.demojize(run, language="fr", delimiters=("\x00", "\x01"))
    names: list[str] = []
    for part in re.split(r"(\x00[^\x01]*\x01)", converted):
        if part.startswith("\x00"):
            names.append(part[1:-1].replace("_", " "))
        else:
            names.extend(f"symbole U+{ord(c):04X}" for c in part if c not in _JOINERS)
    return names


def _written_out(run: str) -> str:
    import unicodedata

    chars = [c for c in run if c not in _JOINERS]
    if all(unicodedata.category(c).startswith("S") or 0x1F000 <= ord(c) < 0x1FB00 for c in chars):
        names = _french_emoji_names(run)
        if all(n.startswith("symbole U+") for n in names):
            return f"[symbole{'s' if len(names) > 1 else ''} non imprimable{'s' if len(names) > 1 else ''}{NNBSP}: " \
                   f"{', '.join(n.removeprefix('symbole ') for n in names[:5])}]"
        return f"[émoji{NNBSP}: {', '.join(names)}]" if len(names) < 6 else (
            f"[{len(names)} émojis ou symboles non imprimables{NNBSP}: {', '.join(names[:3])}…]")
    first = unicodedata.name(chars[0], "").split(" ")[0]
    script = _SCRIPTS.get(first, first.lower() or "inconnue")
    letters = sum(1 for c in chars if not unicodedata.category(c).startswith("M"))
    return (f"[écriture {script}{NNBSP}: {letters} caractère{'s' if letters > 1 else ''} non "
            f"imprimable{'s' if letters > 1 else ''}]")


def _keep_font_subsetting_out_of_the_logs() -> None:
    """WeasyPrint subsets fonts with fontTools inside `capture_logs`, which sets the `fontTools`
    logger to DEBUG for the call; the records still propagate to the root logger, and wherever
    the root has a handler (a Prefect flow's console: the nightly run, `serve`, a worker) about 40
    DEBUG lines per PDF reached the log (5,544 lines in a 1M-answer night). WeasyPrint collects
    fontTools' warnings itself and logs them again under `weasyprint`; fontTools' records stop at
    their own logger (a warning outside that capture still reaches Python's last-resort stderr
    handler)."""
    logging.getLogger("fontTools").propagate = False


def render_markdown(report: Report, report_dir: Path) -> str:
    """Markdown whose chart links are relative to `report_dir`, so the folder can be moved."""
    charts = {
        str(c.png): url_quote(Path(os.path.relpath(c.png, report_dir)).as_posix())
        for c in report.charts
    }
    text = template_environment().get_template("report.md").render(
        report=report, charts=charts, numbers=_figure_numbers(report), **_overview_words(report)
    )
    return french(re.sub(r"\n{3,}", "\n\n", text).rstrip()) + "\n"


OVERVIEW_COLUMNS = 6  # regions per region × theme table in HTML and PDF: 18 in one ran off an A4 page


def _overview_words(report: Report) -> dict[str, str | int]:
    threshold = report.threshold
    return {"overview_title": OVERVIEW_TITLE, "overview_note": overview_note(threshold), "secret": SECRET,
            "overview_columns": OVERVIEW_COLUMNS}


def _figure_numbers(report: Report) -> dict[str, str]:
    """« 3 », and « 3 (suite) » for the parts that continue figure 3 (`ChartRef.part`)."""
    numbers: dict[str, str] = {}
    number = 0
    for chart in report.charts:
        number += chart.part == 1
        numbers[str(chart.png)] = str(number) + (CONTINUED if chart.part > 1 else "")
    return numbers


@functools.cache
def template_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("consultation.publish", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(guillemets=guillemets, md=md_escape, md_lines=md_lines, anchor=anchor)
    env.globals["palette_css"] = palette.css_variables  # called at each rendering: the colours of consultation.publish.palette
    return env


def guillemets(text: str) -> str:
    """« text » with narrow no-break spaces, so a quotation mark never starts or ends a line alone."""
    return f"«{NNBSP}{text}{NNBSP}»"


def md_escape(text: str) -> str:
    """Markdown-inert text on one line: safe in a table cell, no raw HTML, no emphasis."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_lines(text: str, indent: str = "  ") -> str:
    """Escaped text keeping its line breaks as hard breaks, indented to stay in a list item."""
    lines = [md_escape(line) for line in text.splitlines() if line.strip()]
    return f"\\\n{indent}".join(lines)


def anchor(index: int) -> str:
    return f"section-{index}"


def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
