"""Time taken by French typography on hostile page text: `typography.french_html` (every HTML
report and the index go through it) and `typography.french` must be linear in their input.

`french_html` used to find text nodes with a regular expression looking for « >text< » from every
« > »: on a run of « > » with no « < » after it, each attempt read the run to its end (quadratic:
50,000 « > » took 7.5 s). Each page here must be typeset within `LIMIT` seconds under an
alarm, as in `tests/test_redact_time.py`.
"""

from __future__ import annotations

import random
import re

import pytest

from consultation.publish.typography import NBSP, NNBSP, french, french_html
from time_limit import time_limit

SIZE = 50_000
LIMIT = 10.0  # seconds per page: linear code takes milliseconds
SEED = 1312
ATOMS = [">", "<", "<p>", "</p>", "<style", "</style>", "<script", "</script>", "&gt;", " ", "\u00a0", "\u202f",
         ":", "!", "«", "»", "%", "1", "234", "a", "\n", "&", "#", "-", "/", "mot"]


def periodic(unit: str, suffix: str = "") -> str:
    return (unit * (SIZE // len(unit) + 1))[:SIZE] + suffix


NAMED = {
    "a run of >": ("<p>x</p>", periodic(">")),
    "> and no-break spaces": ("", periodic(">\u00a0")),
    "> and spaces then punctuation": ("", periodic("> ", "!")),
    "unclosed style": ("", periodic("<style")),
    "unclosed script": ("<p>x</p>", periodic("<script ")),
    "escaped answer": ("<p>", periodic("&gt;", "</p>")),
    "thousands then a digit": ("<p>", periodic("123 ", "1234</p>")),
    "spaces before a colon": ("<p>", periodic(" ", ":</p>")),
    # `breakable`: runs too long to be a word, entities, entities cut short
    "one long run": ("<p>", periodic("a", "</p>")),
    "entities": ("<p>", periodic("&amp;", "</p>")),
    "entities without their semicolon": ("<p>", periodic("&ampxxxxxx", "</p>")),
    "ampersands and hashes": ("<p>", periodic("&#", "</p>")),
}


def generated(n: int = 30) -> dict[str, tuple[str, str]]:
    rng = random.Random(SEED)
    out = {}
    for i in range(n):
        unit = "".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 4)))
        out[f"generated {i}: {unit!r}"] = ("<p>x</p>", periodic(unit, rng.choice(["", "<", ">", "!", "</p>"])))
    return out


CASES = {**NAMED, **generated()}


@pytest.mark.parametrize("name", list(CASES))
def test_french_html_is_linear_on_hostile_pages(name):
    head, body = CASES[name]
    with time_limit(LIMIT):
        french_html(head + body)
        french(body)


def _old_french_html(page: str) -> str:
    """The regular-expression version this replaced (quadratic), as the reference for results."""
    style = re.compile(r"(<style\b.*?</style>|<script\b.*?</script>)", re.S | re.I)
    node = re.compile(r">([^<]+)<")
    parts = style.split(page)
    for i in range(0, len(parts), 2):
        parts[i] = node.sub(lambda m: ">" + french(m.group(1)) + "<", parts[i])
    return "".join(parts)


def test_same_pages_as_before_on_short_random_markup():
    # Style sheets and scripts between tags, as in the templates: the text right before or after
    # one was left alone before (its piece had no tag on one side), and is typeset now.
    rng = random.Random(SEED)
    pieces = ["<p>", "</p>", "<td class=\"n\">", "</td>", "</p><style>a::before{content:' : '}</style><p>",
              "</p><script>x ? y : z</script><p>", "Note : 40 %", "12 345", "« cité »", " ! ", ">", "a", " ", "\n"]
    for _ in range(3000):
        page = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))

        assert french_html(page) == _old_french_html(page), page


def test_text_nodes_are_typeset_and_style_script_attributes_are_not():
    page = ('<style>a::before { content: " : "; }</style><p title="a : b">Note : 12 345 ! 40 %</p>'
            '<SCRIPT>x = a ? b : c</SCRIPT><i>x ?</i> y')
    assert french_html(page) == (
        f'<style>a::before {{ content: " : "; }}</style><p title="a : b">Note{NNBSP}: 12{NNBSP}345{NNBSP}! 40{NBSP}%</p>'
        f'<SCRIPT>x = a ? b : c</SCRIPT><i>x{NNBSP}?</i> y')
