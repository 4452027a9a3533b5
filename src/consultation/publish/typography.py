"""French typography of everything published (reports in every format, charts): one function.

- a narrow no-break space (U+202F) before « ; : ! ? » and inside « » (never a line starting
  with « : » or a guillemet alone at a line end);
- a narrow no-break space (U+202F) between the digit groups of a number (« 12 345 », as
  `fmt.integer` writes them and the charts print them), a no-break space (U+00A0) before « % ».

Only spaces already there are changed (or added inside guillemets and before « % » after a
digit): « http://… », « 10:30 » or « [lien] » are left alone. Applied at render time, to the
answers quoted as well as to the report's own text.
"""

from __future__ import annotations

import re

NNBSP = "\u202f"
NBSP = "\u00a0"

_SPACES = "[ \u00a0\u202f\t]"
# From the first space of a run only: from each of them, a long run was read to its end (quadratic).
_BEFORE_PUNCT = re.compile(r"(?<![ \u00a0\u202f\t])" + _SPACES + r"+([;:!?»])")
_AFTER_OPEN = re.compile(r"«" + _SPACES + "*")
_BEFORE_CLOSE = re.compile(r"(?<=[^\s«])»")
_THOUSANDS = re.compile(r"(?<![\d,.])(\d{1,3})(?:[ \u202f\u00a0](\d{3}))+(?![\d])")
_PERCENT = re.compile(r"(\d)" + _SPACES + r"*%")


def french(text: str) -> str:
    """`text` with French non-breaking spaces (see the module docstring); idempotent."""
    if not text:
        return text
    text = _BEFORE_PUNCT.sub(NNBSP + r"\1", text)
    text = _AFTER_OPEN.sub("«" + NNBSP, text)
    text = _BEFORE_CLOSE.sub(NNBSP + "»", text)
    text = _THOUSANDS.sub(lambda m: re.sub(_SPACES, NNBSP, m.group(0)), text)
    return _PERCENT.sub(r"\1" + NBSP + "%", text)


_RAW_TAG = re.compile(r"(style|script)\b", re.I)


def french_html(page: str) -> str:
    """`french` on the text between tags of an HTML page (not its style sheet nor attributes), and
    a place to break in each run too long to be a word (`breakable`).

    One pass over the pieces between « < »: each is a tag, then (after its first « > ») the text
    up to the next tag. A regular expression looking for « >text< » from every « > » read a long
    run of « > » to its end from each of them (quadratic: 20,000 took 1.8 s, 50,000 took 7.5 s).
    """
    pieces = page.split("<")
    raw: str | None = None  # inside <style> or <script>: the closing tag's name
    for i in range(len(pieces) - 1):  # the last piece has no tag after it: it is not a text node
        piece = pieces[i]
        if raw is not None:
            if piece[:len(raw) + 1].lower() != "/" + raw:
                continue
            raw = None
        elif i and (opened := _RAW_TAG.match(piece)):
            raw = opened.group(1).lower()
            continue
        end = piece.find(">")
        if end >= 0 and end + 1 < len(piece):
            pieces[i] = piece[:end + 1] + breakable(french(piece[end + 1:]))
    return "<".join(pieces)


# A run of more than LONG_RUN characters with no place to break (a space, a hyphen, a slash) is no
# ordinary word (« d'anticonstitutionnellement, » has 28 characters): a pasted link, a word of 230
# letters. It gets a break opportunity (<wbr>, which WeasyPrint keeps too) every BREAK_EVERY
# characters, so that table cells can keep ordinary words whole (« overflow-wrap: break-word ») and
# still not widen the page. An entity (« &amp; ») counts as one character and is never cut.
LONG_RUN = 30
BREAK_EVERY = 12
# From a place to break only, an entity taken whole (atomic: never as five plain characters).
_LONG_RUN = re.compile(r"(?<![^\s\-/<>])(?>&#?\w{1,10};|[^\s\-/<>]){" + str(LONG_RUN + 1) + ",}")
_UNIT = re.compile(r"&#?\w{1,10};|.", re.S)


def breakable(text: str) -> str:
    """Escaped HTML text with a <wbr> every BREAK_EVERY characters inside runs longer than LONG_RUN."""
    return _LONG_RUN.sub(lambda m: _with_breaks(m.group(0)), text) if len(text) > LONG_RUN else text


def _with_breaks(run: str) -> str:
    units = _UNIT.findall(run)
    return "<wbr>".join("".join(units[k:k + BREAK_EVERY]) for k in range(0, len(units), BREAK_EVERY))
