"""The colours of every publication, defined once.

The HTML templates get them as CSS variables (`css_variables`, passed by the renderers), the Word
files and the charts read them here; so a report, its Word file and its charts never drift apart.
Each value keeps the spelling it always had, so that outputs stay byte-identical.
"""

from __future__ import annotations

# The reports (HTML, PDF, Word): ink, muted text, the accent blue and the soft fills.
INK = "#1b1f24"
MUTED = "#59636e"
ACCENT = "#1f4e79"
LINE = "#c9d1d9"
SOFT = "#f3f6f9"
CATEGORY = "#e4ebf2"  # the category rows of the tables
LEAD = "#2d333b"  # the cover's subtitle
FLAG = "#7a3e00"  # « plus cité » / « moins cité » beside a regional figure
PAPER = "#fff"

# The charts. Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
# Yellow and black come last: yellow is faint on white, black hides the count labels' contrast.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
# National-versus-regional: the region in strong blue, the country as a neutral grey reference;
# they differ in lightness too, so they stay apart in greyscale print.
REGION = "#0072B2"
NATIONAL = "#B4B4B4"
CHART_MUTED = "#555555"
CHART_INK = "#1A1A1A"
ERROR_BAR = "#222222"
UNCATEGORISED = "#777777"  # bars of themes without a category when the others have colours
MASKED_FILL = "#E3E3E3"  # grey: no shade of the blue scale, so a masked cell never reads as a value
LIGHT_INK = "#FFFFFF"  # figures on the dark cells of the heatmap
HEATMAP = "Blues"  # matplotlib colour map of the overview heatmap (and of the Word table's cells)

_CSS = {
    "ink": "INK", "muted": "MUTED", "accent": "ACCENT", "line": "LINE", "soft": "SOFT",
    "category": "CATEGORY", "lead": "LEAD", "flag": "FLAG", "paper": "PAPER",
}


def css_variables() -> str:
    """`:root { --ink: …; … }`: the report colours for the HTML templates."""
    return ":root { " + " ".join(f"--{name}: {globals()[constant]};" for name, constant in _CSS.items()) + " }"


def docx_hex(colour: str) -> str:
    """« #1f4e79 » as Word writes it (« 1F4E79 »); « #fff » spelt out."""
    digits = colour.lstrip("#").upper()
    return "".join(d * 2 for d in digits) if len(digits) == 3 else digits
