"""How wide an HTML page lays out in Chromium at a given width, 390 CSS px (a phone) included:
Chromium headless opens no window narrower than 500 px, so the page is laid out in an iframe of
that width, whose document has it as its viewport, and reports to its parent by message."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import screenshots


def browser() -> str | None:
    return screenshots.find_browser()


PHONE = 390
_PROBE = """<script>
window.addEventListener("load", () => {
  const width = document.documentElement.clientWidth;
  // What scrolls inside its own box (a wide table in « .wide ») does not widen the page; what
  // an « overflow: hidden » would cut off is counted.
  const inScroller = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
    if (["auto", "scroll"].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  const past = [...document.body.querySelectorAll("*")]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !inScroller(e));
  parent.postMessage(document.documentElement.scrollWidth + "/" + width + "/" + past.length + "/"
                     + past.slice(0, 5).map(e => e.tagName + "." + e.className).join(","), "*");
});
</script>
"""
_FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{src}" style="width:{width}px;height:800px;border:0"></iframe>
<script>window.addEventListener("message", e => document.body.setAttribute("data-overflow", e.data));</script>
</body></html>"""


def overflow_at(page: Path, width: int, workdir: Path) -> tuple[int, int, int, str]:
    """(document width, viewport width, elements past the right edge, the first of them) of `page`
    laid out at `width` CSS pixels in Chromium."""
    probe = workdir / f"probe-{page.name}"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    frame = workdir / f"frame-{page.name}"
    frame.write_text(_FRAME.format(src=probe.name, width=width), encoding="utf-8")
    result = subprocess.run(
        screenshots.browser_command(screenshots.find_browser(), workdir / "profile", f"--window-size={max(width + 40, 800)},900",
                                    "--allow-file-access-from-files", "--virtual-time-budget=10000",
                                    "--dump-dom", frame.resolve().as_uri()),
        check=True, capture_output=True, text=True, timeout=180)
    found = re.search(r'data-overflow="(\d+)/(\d+)/(\d+)/([^"]*)"', html.unescape(result.stdout))
    assert found, result.stderr[-300:]
    return int(found.group(1)), int(found.group(2)), int(found.group(3)), found.group(4)
