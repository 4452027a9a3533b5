"""French number formatting: one function per kind of figure, checked over generated values."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from consultation import fmt


def _back(text: str) -> float:
    return float(text.replace(fmt.NNBSP, "").replace(",", "."))


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_integers_are_grouped_by_three_with_a_narrow_no_break_space(n):
    text = fmt.integer(n)
    assert int(text.replace(fmt.NNBSP, "")) == n
    assert all(len(group) == 3 for group in text.lstrip("-").split(fmt.NNBSP)[1:])
    assert " " not in text and "," not in text


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(min_value=1, max_value=4))
def test_decimals_take_a_comma_and_read_back_to_the_rounded_value(value, digits):
    text = fmt.decimal(value, digits)
    assert "." not in text
    assert text.rsplit(",", 1)[1].isdigit() and len(text.rsplit(",", 1)[1]) == digits
    assert math.isclose(_back(text), round(value, digits), abs_tol=10**-digits)


def test_missing_values_read_as_a_dash_and_small_shares_are_not_zero():
    assert [fmt.integer(None), fmt.decimal(float("nan")), fmt.percent(None), fmt.number(None)] == ["—"] * 4
    assert fmt.percent(0.2) == "<\u00a01\u00a0%"
    assert fmt.percent(0.0) == "0\u00a0%"
    assert fmt.percent(36.4) == "36\u00a0%"
    assert fmt.percent(12.4, 1) == "12,4\u00a0%"
    assert fmt.number(12.0) == "12" and fmt.number(12.5) == "12,5" and fmt.number(1234.0) == "1\u202f234"
