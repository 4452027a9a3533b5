"""A PDF report leaves nothing in a run's log: WeasyPrint's font subsetting used to send fontTools'
DEBUG lines to the root logger, which a Prefect flow prints (thousands of lines in a night)."""

from __future__ import annotations

import logging

from consultation.publish.report_text import render_pdf


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_rendering_a_pdf_sends_no_font_subsetting_lines_to_the_root_logger():
    # the root logger as Prefect configures it: a console handler that takes every level
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        pdf = render_pdf(
            "<html lang='fr'><body><h1>Synthèse régionale</h1>"
            "<p>Accès aux soins, logement, coordination : « réponses » éçàù.</p></body></html>"
        )
    finally:
        root.removeHandler(handler)
    assert pdf.startswith(b"%PDF")
    font_lines = [r for r in handler.records if r.name.startswith("fontTools")]
    assert font_lines == [], f"{len(font_lines)} ligne(s) de fontTools, par exemple {font_lines[0].getMessage()!r}"
