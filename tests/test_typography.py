"""French typography of what is published: one function (`typography.french`), checked on generated
strings and on the reports themselves."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from consultation.publish.typography import (
    BREAK_EVERY,
    LONG_RUN,
    NBSP,
    NNBSP,
    breakable,
    french,
    french_html,
)

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


# --- runs too long to be a word: a place to break every BREAK_EVERY characters --------------------

_RUN_PIECES = st.sampled_from(["Mot", "sans", "espace", "é", "&amp;", "&#39;", "&quot;", "_", ".", "42", "ß",
                               "😷", "%", "?", "=", " ", "-", "/", "\u202f", "\n", "anticonstitutionnellement", "d&#39;anticonstitutionnellement,"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_RUN_PIECES, max_size=80).map("".join))
def test_a_run_too_long_to_be_a_word_gets_a_place_to_break_and_nothing_else_changes(text):
    out = breakable(text)
    assert out.replace("<wbr>", "") == text  # the text itself is unchanged
    assert breakable(out) == out  # idempotent: rendering twice adds nothing
    pieces = re.split(r"<wbr>|[\s\-/]", out)
    units = [re.findall(r"&#?\w{1,10};|.", piece, re.S) for piece in pieces]
    assert all(len(u) <= LONG_RUN for u in units), max(units, key=len)  # no run longer than a word
    for piece in out.split("<wbr>"):  # an entity is never cut in two
        assert not re.search(r"&#?\w*$", piece) or piece == out.split("<wbr>")[-1], out
    for run in re.split(r"[\s\-/]", text):  # a run short enough to be a word is left whole
        if len(re.findall(r"&#?\w{1,10};|.", run, re.S)) <= LONG_RUN:
            assert run in re.split(r"[\s\-/]", out)


def test_ordinary_words_and_what_is_not_page_text_are_left_whole():
    word = "Motsansaucuneespace" * 12
    page = (f'<style>table.overview td {{ -webkit-print-color-adjust: exact; }}</style>'
            f'<img src="data:image/svg+xml;base64,{"QUJD" * 500}"><p title="{word}">anticonstitutionnellement, '
            f'd&#39;accompagnement / {word}</p>')
    out = french_html(page)
    assert "-webkit-print-color-adjust: exact;" in out and "QUJD" * 500 in out and f'title="{word}"' in out
    assert "anticonstitutionnellement, d&#39;accompagnement / " in out  # 26 characters: a word
    text = out.split("/ ", 1)[1].split("</p>")[0]
    assert text.split("<wbr>") == [word[k:k + BREAK_EVERY] for k in range(0, len(word), BREAK_EVERY)]
