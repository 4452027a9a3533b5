"""French number formatting: one function per kind of figure, checked over generated values."""

from __future__ import annotations

import ast
import math
from pathlib import Path

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


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_exact_decimals_take_a_comma_and_read_back_to_the_same_float(value):
    text = fmt.exact_decimal(value)
    assert "." not in text and fmt.NNBSP not in text
    assert float(text.replace(",", ".")) == value


def test_missing_values_read_as_a_dash_and_small_shares_are_not_zero():
    assert [fmt.integer(None), fmt.decimal(float("nan")), fmt.percent(None), fmt.number(None)] == ["—"] * 4
    assert fmt.percent(0.2) == "<\u00a01\u00a0%"
    assert fmt.percent(0.0) == "0\u00a0%"
    assert fmt.percent(36.4) == "36\u00a0%"
    assert fmt.percent(12.4, 1) == "12,4\u00a0%"
    assert fmt.number(12.0) == "12" and fmt.number(12.5) == "12,5" and fmt.number(1234.0) == "1\u202f234"



def test_a_counted_word_agrees_with_its_count_singular_for_zero_and_one():
    """« 0 fichier ingéré », « 1 fichier ingéré », « 2 fichiers ingérés », never « fichier(s) »."""
    said = {n: fmt.count(n, "fichier ingéré", "fichiers ingérés") for n in (0, 1, 2, 3, 1234)}
    assert said == {0: "0 fichier ingéré", 1: "1 fichier ingéré", 2: "2 fichiers ingérés", 3: "3 fichiers ingérés",
                    1234: "1\u202f234 fichiers ingérés"}
    assert [fmt.count(n, "lot") for n in (0, 1, 2, 10_000)] == ["0 lot", "1 lot", "2 lots", "10\u202f000 lots"]
    assert [fmt.plural(n, "signal", "signaux") for n in (0, 0.5, 1, 1.5, 2, 2.5)] == ["signal"] * 4 + ["signaux"] * 2
    assert [fmt.plural(n, "point") for n in (-1, -2)] == ["point", "points"]
    assert fmt.count(1.6, "lot") == "2 lots"  # the count shown, rounded, is the one the word agrees with
    assert fmt.count(1, "mise de côté", "mises de côté") == "1 mise de côté"


# --- fmt is the one home of French number formatting ---------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
# notebook.py is being rewritten elsewhere; it is the one module still allowed its own copy for now.
# ingest/numfmt.py renders a spreadsheet's cell as the sheet displays it (Excel's number formats, the
# French sheet's no-break space U+00A0), so that a workbook reads as its CSV twin: the spreadsheet's
# convention, not the project's own way of writing numbers.
ALLOWED = {"src/consultation/fmt.py", "src/consultation/notebook.py", "src/consultation/ingest/numfmt.py"}
_FRENCH_REPLACES = ([".", ","], [",", fmt.NNBSP], [",", fmt.NBSP], [",", " "])


def _copies(path: Path, root: Path = ROOT) -> list[str]:
    """Digit grouping in a format spec (« {n:,} ») or a decimal point turned into a comma by hand."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FormattedValue) and isinstance(node.format_spec, ast.JoinedStr):
            spec = "".join(v.value for v in node.format_spec.values if isinstance(v, ast.Constant))
            if "," in spec:
                found.append(f"{path.relative_to(root)}:{node.lineno} groups digits itself")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "replace"
                and len(node.args) == 2 and all(isinstance(a, ast.Constant) for a in node.args)
                and [a.value for a in node.args] in _FRENCH_REPLACES):
            found.append(f"{path.relative_to(root)}:{node.lineno} writes a French number by hand")
    return found


def test_french_numbers_are_written_by_fmt_only():
    files = [*(ROOT / "src" / "consultation").rglob("*.py"), *(ROOT / "flows").rglob("*.py")]
    assert files
    copies = [c for p in sorted(files) if p.relative_to(ROOT).as_posix() not in ALLOWED for c in _copies(p)]
    assert copies == []


def test_the_scan_finds_a_copy(tmp_path):
    sample = tmp_path / "copy.py"
    sample.write_text('def f(v):\n    return f"{v:,}", f"{v:.2f}".replace(".", ",")\n', encoding="utf-8")
    assert sorted(_copies(sample, tmp_path)) == ["copy.py:2 groups digits itself", "copy.py:2 writes a French number by hand"]
