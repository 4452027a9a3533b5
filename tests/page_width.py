"""How wide an HTML page lays out in Chromium at a given width, 390 CSS px (a phone) included:
Chromium headless opens no window narrower than 500 px, so the page is laid out in an iframe of
that width, whose document has it as its viewport, and reports to its parent by message."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

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
  // An ordinary word (2 to 20 letters or digits of a script that writes spaces between words: Chinese
  // and Japanese break between any two characters; a hyphen or an apostrophe is a fair place to break)
  // laid out on two lines: « répondant|s », « Markdow|n ». A word longer than that may break.
  const letter = "[\\p{sc=Latin}\\p{sc=Greek}\\p{sc=Cyrillic}\\p{sc=Arabic}\\p{sc=Hebrew}\\p{N}]";
  const ordinaryWord = new RegExp(`(?<!${letter})${letter}{2,20}(?!${letter})`, "gu");
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.data.matchAll(ordinaryWord)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  parent.postMessage(document.documentElement.scrollWidth + "/" + width + "/" + past.length + "/"
                     + past.slice(0, 5).map(e => e.tagName + "." + e.className).join(",")
                     + "/" + broken.length + "/" + broken.slice(0, 8).join(" "), "*");
});
</script>
"""
_FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{src}" style="width:{width}px;height:800px;border:0"></iframe>
<script>window.addEventListener("message", e => document.body.setAttribute("data-overflow", e.data));</script>
</body></html>"""


class Layout(NamedTuple):
    scroll: int  # the document's width
    client: int  # the viewport's width
    past: int  # elements past the right edge
    first_past: str  # the first of them
    broken: int  # ordinary words (2 to 20 letters or digits) cut across two lines
    first_broken: str  # the first of them


def overflow_at(page: Path, width: int, workdir: Path) -> tuple[int, int, int, str]:
    """(document width, viewport width, elements past the right edge, the first of them) of `page`
    laid out at `width` CSS pixels in Chromium."""
    return layout(page, width, workdir)[:4]


def layout(page: Path, width: int, workdir: Path) -> Layout:
    """What a reader sees wrong in `page` laid out at `width` CSS pixels in Chromium."""
    probe = workdir / f"probe-{page.name}"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    frame = workdir / f"frame-{page.name}"
    frame.write_text(_FRAME.format(src=probe.name, width=width), encoding="utf-8")
    result = subprocess.run(
        screenshots.browser_command(screenshots.find_browser(), workdir / "profile", f"--window-size={max(width + 40, 800)},900",
                                    "--allow-file-access-from-files", "--virtual-time-budget=10000",
                                    "--dump-dom", frame.resolve().as_uri()),
        check=True, capture_output=True, text=True, timeout=180)
    found = re.search(r'data-overflow="(\d+)/(\d+)/(\d+)/([^"/]*)/(\d+)/([^"]*)"', html.unescape(result.stdout))
    assert found, result.stderr[-300:]
    return Layout(int(found.group(1)), int(found.group(2)), int(found.group(3)), found.group(4),
                  int(found.group(5)), found.group(6))
