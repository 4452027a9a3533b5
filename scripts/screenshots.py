"""Screenshots of a consultation's HTML reports, for a person to look at them without a browser.

Renders each page in headless Chromium (Debian's `chromium` package) and saves, under
`data/processed/<id>/screenshots/`, the whole page (`<report>.png`) and the same cut into
screen-sized pages (`<report>-01.png`, `<report>-02.png`…).

    python scripts/screenshots.py                                   # the sample, every report
    python scripts/screenshots.py data/processed/segur-2020-sample --report occitanie
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

DEFAULT_FOLDER = Path("data/processed/segur-2020-sample")
WIDTH = 1000
PAGE_HEIGHT = 1400
MAX_HEIGHT = 65_000
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def browser_command(browser: str, profile: Path, *args: str) -> list[str]:
    """Headless, offline, no first-run noise; `profile` keeps the user's own profile untouched."""
    return [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={profile}", *args,
    ]


def screenshot(browser: str, page: Path, target: Path, *, width: int = WIDTH) -> Path:
    """The whole page as one PNG: a tall window, then cropped to the last non-white row."""
    height = 16_000
    with tempfile.TemporaryDirectory(prefix="consultation-chromium-") as profile:
        while True:
            subprocess.run(
                browser_command(browser, Path(profile), f"--window-size={width},{height}",
                                f"--screenshot={target}", page.resolve().as_uri()),
                check=True, capture_output=True, timeout=180,
            )
            bottom = _content_bottom(target)
            if bottom < height - 20 or height >= MAX_HEIGHT:
                break
            height = min(height * 2, MAX_HEIGHT)
    with Image.open(target) as image:
        image.crop((0, 0, image.width, min(image.height, bottom + 40))).save(target, optimize=True)
    return target


def _content_bottom(path: Path) -> int:
    with Image.open(path) as image:
        grey = image.convert("L")
        box = grey.point(lambda v: 255 if v < 250 else 0).getbbox()
    return box[3] if box else 0


def cut_pages(full: Path, *, page_height: int = PAGE_HEIGHT) -> list[Path]:
    """`<name>-01.png`, `<name>-02.png`…: screen-sized pieces of a full-page screenshot."""
    pages = []
    with Image.open(full) as image:
        for i, top in enumerate(range(0, image.height, page_height), start=1):
            piece = image.crop((0, top, image.width, min(top + page_height, image.height)))
            path = full.with_name(f"{full.stem}-{i:02d}.png")
            piece.save(path, optimize=True)
            pages.append(path)
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER,
                        help="output folder of a consultation (data/processed/<id>)")
    parser.add_argument("--report", action="append", default=[],
                        help="report file name without .html (repeatable); default: all, plus the index")
    parser.add_argument("--width", type=int, default=WIDTH, help="window width in pixels")
    args = parser.parse_args(argv)

    browser = find_browser()
    if browser is None:
        print("Chromium introuvable : installez le paquet Debian « chromium ».", file=sys.stderr)
        return 2
    reports = args.folder / "reports"
    if args.report:
        pages = [reports / f"{name}.html" for name in args.report]
    else:
        pages = [*sorted(reports.glob("*.html")), args.folder / "index.html"]
    missing = [p for p in pages if not p.is_file()]
    if missing:
        print(f"Introuvable : {', '.join(map(str, missing))} (lancez d'abord « consultation run »).",
              file=sys.stderr)
        return 2
    out = args.folder / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for page in pages:
        full = screenshot(browser, page, out / f"{page.stem}.png", width=args.width)
        pieces = cut_pages(full)
        print(f"{full} ({len(pieces)} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
