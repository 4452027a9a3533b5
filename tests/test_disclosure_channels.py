"""Channels of small-cell disclosure that `test_disclosure_attack` (the reports of one publication)
does not read, each attacked by `attacker_channels`: the tally files written for publication, and
two publications of one consultation before and after new answers."""

from __future__ import annotations

import random

import pandas as pd
import pytest

import attacker_channels
import consultation as consultation_package
from consultation import store
from consultation.codebook import Columns, Consultation, Question, Sources, Theme
from consultation.publish import disclosure

CID = "canaux"
REGIONS = {"Bretagne": 9, "Corse": 4, "Normandie": 3, "Occitanie": 12, "Guyane": 1, "Martinique": 2,
           "Grand Est": 6, "Région inconnue": 2}
TYPES = ("ACT", "CHRS", "Pension de famille")


def build(path, seed: int, extra: int = 0) -> Consultation:
    """A consultation with regions of every size, three structure types and themes from common to
    rare, coded by hand; `extra` respondents more (the next night's answers) at the end."""
    rng = random.Random(seed)
    themes = [Theme(id=f"t{i}", label=f"Thème numéro {i}") for i in range(6)]
    props = [Theme(id=f"p{i}", label=f"Proposition numéro {i}") for i in range(3)]
    consultation = Consultation(
        id=CID, title="Consultation générée (2024)", sources=Sources(responses=["r.csv"]),
        columns=Columns(respondent_id="id", region="region", structure_type="type"),
        questions=[
            Question(id="q1", section="Première partie", text="Que retenir ?", unit="respondents",
                     columns=["Q1"], themes=themes),
            Question(id="q2", section="Propositions", text="Vos propositions", unit="propositions",
                     columns=["Q2"], themes=props),
        ],
    )
    con = store.connect(path)
    version = store.register_codebook(con, consultation)
    people = [(region, k) for region, n in REGIONS.items() for k in range(n)]
    people += [(rng.choice(list(REGIONS)), 100 + k) for k in range(extra)]
    respondents, answers, codes = [], [], []
    for region, k in people:
        rid = f"{region[:3]}{k}"
        respondents.append({"consultation_id": CID, "respondent_id": rid, "region": region,
                            "structure_type": rng.choice(TYPES), "region_method": "name",
                            "source_file": "r.csv", "source_row": len(respondents) + 2})
        if rng.random() < 0.9:
            answers.append({"consultation_id": CID, "respondent_id": rid, "question_id": "q1",
                            "text": f"Réponse de {rid}.", "follow_up": None})
            for i, _ in enumerate(themes):
                if rng.random() < (0.6, 0.35, 0.2, 0.1, 0.06, 0.04)[i]:
                    codes.append((rid, "q1", f"t{i}", ""))
        if rng.random() < 0.7:
            answers.append({"consultation_id": CID, "respondent_id": rid, "question_id": "q2",
                            "text": f"Propositions de {rid}.", "follow_up": None})
            for i, _ in enumerate(props):
                for unit in range(rng.choice((1, 1, 2))):
                    if rng.random() < (0.5, 0.25, 0.1)[i]:
                        codes.append((rid, "q2", f"p{i}", f"Proposition {unit} de {rid}."))
    store.insert_df(con, "respondents", pd.DataFrame(respondents))
    store.insert_df(con, "answers", pd.DataFrame(answers))
    store.insert_df(con, "human_codes", pd.DataFrame(
        [{"consultation_id": CID, "respondent_id": r, "question_id": q, "theme_id": t, "unit_text": u,
          "codebook_version": version, "source_file": "codes.csv"} for r, q, t, u in dict.fromkeys(codes)]))
    con.close()
    return consultation


# --- channel: the tally files written for publication ---------------------------------------------


def _export_attack(tmp_path, seed: int, threshold: int = 3):
    path = tmp_path / f"e{seed}" / "consultation.duckdb"
    path.parent.mkdir(parents=True)
    build(path, seed)
    with consultation_package.open(path) as db:
        db.export_tallies(path.parent / "publication", fmt="json", threshold=threshold)
        exact = attacker_channels.export_truth(db)
    derived = attacker_channels.attack_exports(path.parent / "publication", threshold)
    return derived, exact


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_exported_tallies_give_no_small_figure_back(tmp_path, seed):
    derived, exact = _export_attack(tmp_path, seed)
    assert sum(1 for k in derived if 0 < exact[k] < 3) > 10, "the consultation must have small figures"
    assert attacker_channels.recovered(derived, exact, 3) == {}


def test_without_complementary_suppression_the_exports_give_figures_back(tmp_path, monkeypatch):
    """The attack is not toothless: with primary suppression only (what the exports did before),
    it gets figures back."""
    def primary_only(tallies, comparisons=None, threshold=3):
        return disclosure.suppress(tallies, threshold), (
            None if comparisons is None else disclosure.suppress(comparisons, threshold))

    monkeypatch.setattr(disclosure, "protect_tables", primary_only)
    found = sum(len(attacker_channels.recovered(*_export_attack(tmp_path, seed), 3)) for seed in (1, 2, 3))
    assert found > 0
