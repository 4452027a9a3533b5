"""An attacker reads every published report and tries to get the hidden regional figures back.

The attacker (tests/attacker.py) knows the national figures, every published regional figure,
the testimonies printed, each region's respondents, and subtracts. It must recover no small
figure from the reports, on a generated consultation and on the sample; and it must recover some
when complementary suppression is switched off (so that it is not toothless).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import attacker
import generated_consultation
from consultation import store
from consultation.codebook import Consultation
from consultation.publish import disclosure
from consultation.publish.disclosure import Cell, hidden_bounds, protect_row, unprotected
from consultation.publish.report import publish
from consultation.store.paths import OutputPaths


def generated(seed: int) -> tuple[Consultation, object]:
    """The generated consultation of the reports' attack, in an in-memory database."""
    con = store.connect(None)
    return generated_consultation.build(con, seed, generated_consultation.REPORTS), con


@pytest.fixture(autouse=True)
def _blank_charts(blank_charts):
    """Every test of this file with charts standing in as empty files (conftest's `blank_charts`)."""


def _publish_and_attack(tmp_path, seed: int, threshold: int = 3):
    consultation, con = generated(seed)
    paths = OutputPaths(tmp_path / f"s{seed}")
    publish(con, consultation, paths, formats=("md",), threshold=threshold, workers=1)
    derived = attacker.attack(paths.reports, threshold)
    exact = attacker.truth(con, consultation, paths.reports)
    return derived, exact, paths


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_attacker_recovers_no_small_figure_of_a_generated_consultation(tmp_path, seed):
    derived, exact, paths = _publish_and_attack(tmp_path, seed)
    small_hidden = [k for k in derived if 0 < exact[k] < 3]
    assert small_hidden, "the generated consultation must have small figures to protect"
    assert attacker.recovered(derived, exact, 3) == {}
    # No report for the regions below the threshold, nor for « Région inconnue ».
    names = sorted(p.stem for p in paths.reports.glob("*.md"))
    assert names == ["bretagne", "corse", "grand-est", "normandie", "occitanie", "synthese-nationale"]


def test_without_complementary_suppression_the_attacker_succeeds(tmp_path, monkeypatch):
    """The attack is not toothless: with primary suppression only, it gets figures back."""
    def primary_only(cells, threshold=3, *, propositions=False):
        return disclosure.Protection({c.key for c in cells if not c.publishable or 0 < c.citing < threshold},
                                     True)

    monkeypatch.setattr(disclosure, "protect_row", primary_only)
    found = 0
    for seed in (1, 2, 3):
        derived, exact, _ = _publish_and_attack(tmp_path, seed)
        found += len(attacker.recovered(derived, exact, 3))
    assert found > 0


def test_a_hidden_figure_has_at_most_one_testimony(tmp_path):
    _, _, paths = _publish_and_attack(tmp_path, 1)
    for path in paths.reports.glob("*.md"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"· [^|]+ s \|", line):
                assert line.count("«") <= 1, line


# --- the row rule itself, on generated rows --------------------------------------------------------

cells_strategy = st.lists(
    st.tuples(st.integers(0, 30), st.integers(0, 30), st.booleans()), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(cells_strategy, st.integers(2, 5), st.booleans())
def test_protect_row_leaves_every_small_figure_uncertain(raw, threshold, propositions):
    cells = [Cell(f"r{i}", min(c, a), a, min(c, a) * 2, publishable=pub) for i, (c, a, pub) in enumerate(raw)]
    cells.append(Cell("pool", 1, 3, 2, publishable=False))
    protection = protect_row(cells, threshold, propositions=propositions)
    if not protection.quotes:  # no testimony beside the row's hidden figures
        cells = [replace(c, quoted=False) for c in cells]
    # Whatever it hides, a small hidden figure's interval is as wide as the rule asks, when it can be.
    left = unprotected(cells, protection.hidden, threshold, propositions=propositions)
    published = [c for c in cells if c.key not in protection.hidden]
    assert not left or not published  # only when there was nothing more to hide
    for c in cells:
        if not c.publishable:
            assert c.key in protection.hidden
        if 0 < c.citing < threshold:
            assert c.key in protection.hidden
            low, high = hidden_bounds(cells, protection.hidden, c.key, propositions=propositions)
            assert low <= c.citing <= high


# --- the sample, every format ---------------------------------------------------------------------


def _figures_by_format(report_dir, stem: str) -> dict[str, list[str]]:
    """The figures line under each theme, as the Markdown, the HTML page and the Word file print it."""
    import html as html_module

    from docx import Document

    md = (report_dir / f"{stem}.md").read_text(encoding="utf-8")
    page = (report_dir / f"{stem}.html").read_text(encoding="utf-8")
    doc = Document(str(report_dir / f"{stem}.docx"))
    docx_lines = [p.text for t in doc.tables for row in t.rows for p in row.cells[0].paragraphs]

    def norm(text: str) -> str:
        return " ".join(text.replace("\\", "").split())

    return {
        "md": [norm(m.split("<br>")[0]) for m in re.findall(r"<br>(France [^|]*?) \|", md)],
        "html": [norm(html_module.unescape(m)) for m in re.findall(r'<span class="figures">(France [^<]*)</span>', page)],
        "docx": [norm(line) for line in docx_lines if line.startswith("France ")],
    }


@pytest.mark.slow
def test_attacker_recovers_nothing_from_the_sample_in_any_format(sample_run):
    reports = sample_run.paths.reports
    con = store.connect(sample_run.paths.db)
    try:
        derived = attacker.attack(reports, 3)
        exact = attacker.truth(con, sample_run.consultation, reports)
    finally:
        con.close()
    assert sum(1 for k in derived if 0 < exact[k] < 3) > 50  # the sample has many small figures
    assert attacker.recovered(derived, exact, 3) == {}
    # The HTML page and the Word file print exactly the figures the Markdown does.
    for path in reports.glob("*.md"):
        if path.stem != "synthese-nationale":
            by_format = _figures_by_format(reports, path.stem)
            assert by_format["md"] and by_format["md"] == by_format["html"] == by_format["docx"], path.stem
    # Regions of 1 or 2 respondents (Guadeloupe, Bretagne…) have no report of their own.
    names = {p.stem for p in reports.glob("*.html")}
    assert "guadeloupe" not in names and "bretagne" not in names and "occitanie" in names
