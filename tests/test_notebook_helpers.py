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


# -- notebook 03: a new theme from the « Autres » answers, and the counts it changes --------------

NEW_THEME = {"label": "Nouveau thème : supprimer tva", "keywords": ["supprimer tva"], "answers": 2}
SPELLINGS = [f"{lead}{verb} {article}{tva}{end}" for lead, verb, article, tva, end in [
    ("", "Supprimer", "la ", "TVA", ""), ("Il faut ", "supprimer", "la ", "tva", " !"),
    ("", "SUPPRIMER", "", "TVA", "."), ("On doit ", "Supprimer", "la ", "Tva", ", voilà"),
]]


@pytest.mark.slow
def test_adding_a_theme_moves_the_answers_its_keywords_match_out_of_others():
    others = [*SPELLINGS, "Rien à dire", "Plus de justice"]
    coded = ["Supprimer la TVA et baisser l'impôt", "Baisser l'impôt sur le revenu"]
    answers = pd.DataFrame({"text": others + coded,
                            "themes": [["Autres"]] * len(others) + [["Baisser l'impôt"]] * len(coded)})
    counts = nb.counts_with_theme(answers, NEW_THEME)
    matched = len(SPELLINGS)  # every spelling of the expression, whatever its case or punctuation
    assert counts.loc["Autres", "réponses avant"] == len(others)
    assert counts.loc["Autres", "réponses après"] == len(others) - matched
    assert counts.loc[NEW_THEME["label"], "réponses après"] == matched + 1  # one coded answer gets it too
    assert counts.loc["Baisser l'impôt", "écart"] == 0  # a theme is added, none is taken away
    answer = nb.discovery_answer("Essai", pd.DataFrame(columns=nb.LEAD_COLUMNS), NEW_THEME, counts)
    assert f"« Autres » passe de {len(others)} à {len(others) - matched} réponses" in answer.replace("\u202f", " ")


def test_no_new_theme_is_said_in_french_with_the_existing_themes_it_resembles():
    leads = pd.DataFrame([{"thème proche": "Taille des équipes"}], columns=nb.LEAD_COLUMNS)
    leads.attrs["autres"] = 4
    assert nb.theme_from_lead(leads) is None
    answer = nb.discovery_answer("Échantillon", leads, None, None)
    assert "pas de nouveau thème" in answer and "Taille des équipes" in answer and "\u202f:" in answer


@pytest.mark.slow
def test_on_the_grand_debat_a_real_lead_becomes_a_theme_and_empties_others_a_little(tmp_path):
    from conftest import ROOT, SHARED_DATA

    if not (SHARED_DATA / nb.GRAND_DEBAT).is_file():
        pytest.skip(f"real answers absent: {SHARED_DATA / nb.GRAND_DEBAT}")
    source, answers = nb.coded_answers(ROOT, tmp_path, tmp_path)
    assert "question 163" in source and len(answers) > 1000
    leads = nb.leads_in_others(answers)
    theme = nb.theme_from_lead(leads)
    assert theme is not None and theme["answers"] >= 2 and theme["keywords"]
    counts = nb.counts_with_theme(answers, theme)
    assert counts.loc[theme["label"], "réponses après"] >= 2
    assert counts.loc["Autres", "réponses après"] < counts.loc["Autres", "réponses avant"]


@pytest.mark.parametrize("diff", [-31.6, 12.4, 50.0])
def test_the_answer_of_notebook_01_affirms_only_the_significant_differences(diff):
    national = pd.DataFrame({"label": ["A", "B"], "count": [3, 17], "share_pct": [6.4, 36.2]})
    comparison = pd.DataFrame({
        "label": ["A", "B"], "flag": ["effectif trop faible", "plus cité" if diff > 0 else "moins cité"],
        "diff_points": [1.0, diff], "significant": [False, True], "too_small": [True, False]})
    answer = nb.results_answer(national, comparison, "Occitanie").replace("\u202f", " ").replace("\xa0", " ")
    assert "le thème le plus cité est « B » (17 ; 36 % des répondants" in answer
    assert f"« B » {'plus' if diff > 0 else 'moins'} cité ({'+' if diff > 0 else '−'}{abs(diff):.0f} points)" in answer
    assert "« A »" not in answer
    quiet = nb.results_answer(national, comparison.assign(significant=False), "Occitanie").replace("\u202f", " ").replace("\xa0", " ")
    assert "aucun écart" in quiet and ", et 1 thème a un effectif trop faible pour être comparé." in quiet
    both = nb.results_answer(national, comparison.assign(significant=False, too_small=True), "Occitanie")
    assert ", et 2 thèmes ont un effectif trop faible pour être comparés." in both.replace("\xa0", " ")


def test_without_the_real_answers_notebook_03_works_on_the_sample_question_with_most_others(sample_run, tmp_path):
    from conftest import SAMPLE_DIR

    project = tmp_path / "projet"  # no ../shared/data beside it
    source, answers = nb.coded_answers(project, SAMPLE_DIR, sample_run.paths.root.parent)
    assert source.startswith("Contribution au Ségur de la santé (2020), question ")
    others = answers["themes"].map(lambda t: "Autres" in t).sum()
    assert others >= 1 and len(answers) > others
    leads = nb.leads_in_others(answers)
    theme = nb.theme_from_lead(leads)
    counts = nb.counts_with_theme(answers, theme) if theme else None
    answer = nb.discovery_answer(source, leads, theme, counts).replace("\u202f", " ")
    assert answer.startswith(source.replace("\u202f", " ")) and ("oui" in answer or "pas de nouveau thème" in answer)


def test_counts_change_puts_two_runs_side_by_side_and_the_answer_says_what_the_new_theme_counts():
    from consultation.pipeline import CodebookChange

    before = pd.Series({"Formation": 5, "Autres": 4})
    after = pd.Series({"Formation": 5, "Nouveau thème : logement": 2, "Autres": 2})
    table = nb.counts_change(before, after)
    assert table.loc["Nouveau thème : logement"].tolist() == [0, 2, 2]
    assert table.loc["Autres"].tolist() == [4, 2, -2]
    assert table.loc["Formation"].tolist() == [5, 5, 0]
    theme = {"label": "Nouveau thème : logement", "keywords": ["logement"], "question": "pilier2"}
    answer = nb.pipeline_answer("Échantillon", theme, CodebookChange(1, 2, {"pilier2": "thème ajouté"}), table)
    answer = answer.replace("\u202f", " ")
    assert "compte 2 au nouveau traitement (codebook version 1 → 2)" in answer
    assert "« Autres » passe de 4 à 2" in answer
    assert "rien à ajouter" in nb.pipeline_answer("Échantillon", None, None, None)
