"""Helpers of the notebooks, without running a notebook: the reviewer of notebook 02 and the noise
of an agreement score."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import SAMPLE_DIR
from consultation import notebook as nb
from consultation.codebook import load_consultation

CODES = pd.read_csv(SAMPLE_DIR / "codes_humains.csv", dtype=str, keep_default_na=False)
UNITS = {q.id: q.unit for q in load_consultation(SAMPLE_DIR).questions}


def _rows(unit: str, n: int = 6) -> pd.DataFrame:
    """Review rows built from the sample's own human codes: whole answers, or one quoted proposition."""
    codes = CODES[CODES["question_id"].map(UNITS) == unit]
    if unit == "respondents":
        answers = codes.groupby(["respondent_id", "question_id"])["theme_id"].apply(sorted).reset_index().head(n)
        return answers.assign(text="(réponse entière)", themes=answers["theme_id"]).drop(columns="theme_id")
    return codes.head(n).assign(themes=codes.head(n)["theme_id"].map(lambda t: [t])).drop(columns="theme_id")


@pytest.mark.parametrize("unit", ["respondents", "propositions"])
def test_reviewer_accepts_the_coders_themes_and_corrects_to_them(unit):
    rows = _rows(unit)
    right = rows.assign(suggested=rows["themes"].map(" ; ".join))
    decided = nb.reviewer_decisions(SAMPLE_DIR, right)
    assert (decided["decision"] == "Accepter").all()
    wrong = rows.assign(suggested="pas_un_theme")
    decided = nb.reviewer_decisions(SAMPLE_DIR, wrong)
    assert (decided["decision"] == "Corriger").all()
    assert decided["corrected"].tolist() == rows["themes"].map(" ; ".join).tolist()


def test_a_text_the_coders_did_not_quote_is_accepted_and_said_so():
    row = _rows("propositions", 1).assign(text="Un texte que personne n'a écrit", suggested="x")
    decided = nb.reviewer_decisions(SAMPLE_DIR, row)
    assert decided["decision"].tolist() == ["Accepter"] and "pas de code humain" in decided["reference"].iloc[0]


def test_margin_of_an_agreement_score_shrinks_with_the_units():
    assert nb._margin(0.8, 20) == pytest.approx(0.18, abs=0.01)
    margins = [nb._margin(0.8, n) for n in (20, 80, 320)]
    assert margins == sorted(margins, reverse=True) and margins[-1] < 0.05
    assert nb._margin(None, 20) is None


def test_agreement_change_says_whether_the_change_exceeds_the_noise():
    def frame(f1: float, n: int) -> pd.DataFrame:
        return pd.DataFrame([{"question": "toutes", "F1 micro": f1, "unités codées à la main": n,
                              "marge F1 (≈ 95 %)": nb._margin(f1, n)}])
    assert "dans la marge" in nb.agreement_change(frame(0.80, 40), frame(0.83, 50))
    assert "plus grand que la marge" in nb.agreement_change(frame(0.70, 400), frame(0.85, 450))
    assert "0,70" in nb.agreement_change(frame(0.70, 400), frame(0.85, 450))
