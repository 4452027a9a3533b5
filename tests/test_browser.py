"""The HTML reports as a browser shows them: headless Chromium renders the page, we read what is
visible (`innerText`, which applies the CSS) and check that every chart image decodes."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from conftest import ROOT
from test_report import written  # noqa: F401 - the module fixture: everything published once

sys.path.insert(0, str(ROOT / "scripts"))
import screenshots

BROWSER = screenshots.find_browser()
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="Chromium absent (Debian package « chromium », installed by .ci/run): HTML not rendered",
)

# Appended to a copy of the page only: the published reports contain no script.
_PROBE = """<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  document.body.setAttribute("data-images",
    images.length + "/" + images.filter(i => i.complete && i.naturalWidth > 0).length);
  document.body.setAttribute("data-visible", document.body.innerText);
});
</script>
"""


def render(page: Path, tmp_path: Path) -> tuple[str, str]:
    """(visible text, « images/decoded ») of a page after Chromium has loaded it."""
    probe = tmp_path / page.name
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    result = subprocess.run(
        screenshots.browser_command(BROWSER, tmp_path / "profile", "--virtual-time-budget=10000",
                                    "--dump-dom", probe.resolve().as_uri()),
        check=True, capture_output=True, text=True, timeout=180,
    )
    attrs = dict(re.findall(r'data-(images|visible)="([^"]*)"', result.stdout))
    assert attrs, f"the page did not finish loading: {result.stderr[-500:]}"
    visible = html.unescape(attrs["visible"]).replace("\u202f", " ").replace("\u00a0", " ")
    return visible, attrs["images"]


def test_regional_report_reads_right_in_a_browser(written, tmp_path):  # noqa: F811
    visible, images = render(written / "reports" / "occitanie.html", tmp_path)
    for text in (
        "Contribution au Ségur de la santé : Région Occitanie",
        "Fiabilité des chiffres",
        "Témoignages pour la Région Occitanie (2 répondants)",
        "Adaptabilité et innovation des ACT (2)",
        "France 33 % · Occitanie s",  # a small regional figure is secret (« s »)
        "« Les équipes ont su s'adapter très vite. »",
        "Figure 1 : Si vous ne deviez retenir qu'une chose de cette crise sanitaire",
        "Chiffres régionaux couverts par le secret statistique",
        "Création d'une cellule d'écoute\ntéléphonique",
    ):
        assert text in visible, (text, visible)
    total, decoded = images.split("/")
    assert int(total) == 2 and decoded == total  # the inlined SVG charts display


def test_an_answer_with_markup_is_shown_as_text_not_run(written, tmp_path):  # noqa: F811
    # Quoted in the synthesis (its region's figure is secret, so its own report keeps no quote).
    visible, _ = render(written / "reports" / "synthese-nationale.html", tmp_path)
    assert "<script>alert(1)</script> Nous avons innové." in visible, visible


def test_screenshot_script_saves_whole_page_and_screen_sized_pages(written):  # noqa: F811
    assert screenshots.main([str(written), "--report", "occitanie"]) == 0
    full = written / "screenshots" / "occitanie.png"
    pages = sorted((written / "screenshots").glob("occitanie-*.png"))
    with Image.open(full) as image:
        assert image.width == screenshots.WIDTH and image.height > 2000
        assert image.convert("L").getextrema()[0] < 50  # dark text on the page, not a blank render
    assert len(pages) == -(-image.height // screenshots.PAGE_HEIGHT)
