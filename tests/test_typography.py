"""French typography of what is published: one function (`typography.french`), checked on generated
strings and on the reports themselves."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from consultation.publish.typography import NBSP, NNBSP, french, french_html

pieces = st.sampled_from(["Contact", " ", ":", ";", "!", "?", "«", "»", "12", "345", "%", "mot", "\u00a0",
                          "http://exemple.fr/a?b=1", "10:30", "[lien]", "\n", ",", "3"])


@settings(max_examples=500, deadline=None)
@given(st.lists(pieces, max_size=20).map("".join))
def test_no_breakable_space_where_french_forbids_it(text):
    out = french(text)
    assert not re.search(r"[ \t][;:!?»]", out)  # no line can start with « : » or « » »
    assert not re.search(r"« ", out)
    assert not re.search(r"\d[ \u202f]%", out)
    assert french(out) == out  # idempotent: rendering twice changes nothing
    # Only spaces change: the words are the same.
    assert re.sub(r"\s", "", out) == re.sub(r"\s", "", text)


def test_the_rules_on_examples_of_each_family():
    assert french("Contact : voir ! Vraiment ? Oui ; non") == (
        f"Contact{NNBSP}: voir{NNBSP}! Vraiment{NNBSP}? Oui{NNBSP}; non")
    assert french("« cité »") == french("«cité»") == f"«{NNBSP}cité{NNBSP}»"
    assert french("12 345 structures, 50 % et 3%") == f"12{NNBSP}345 structures, 50{NBSP}% et 3{NBSP}%"
    for untouched in ("http://exemple.fr/a?b=1", "à 10:30", "[lien]"):
        assert french(untouched) == untouched


def test_html_text_changes_but_not_the_style_sheet_nor_tags():
    page = '<style>a::before { content: " : "; }</style><p title="a : b">Note : 40 %</p>'
    out = french_html(page)
    assert '<style>a::before { content: " : "; }</style>' in out
    assert f">Note{NNBSP}: 40{NBSP}%<" in out
