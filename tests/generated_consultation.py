"""One generated consultation for the disclosure tests: regions of every size, themes from common to
rare, coded by hand, with settings for what the tests vary (how many themes and how common, structure
types, the next nights' respondents, recodings between publications).

The random draws of the first respondents do not depend on what comes after them: a consultation
built again with more respondents or a recoding is the same one, a night later.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from consultation import store
from consultation.codebook import Columns, Consultation, Question, Sources, Theme

REGIONS = {"Bretagne": 9, "Corse": 4, "Normandie": 3, "Occitanie": 12, "Guyane": 1, "Martinique": 2,
           "Grand Est": 6, "Région inconnue": 2}
TYPES = ("ACT", "CHRS", "Pension de famille")
RECODED = 0.1  # share of the codes a recoding moves to another theme of the question


@dataclass(frozen=True)
class Shape:
    """What differs between the generated consultations of the tests."""

    cid: str
    theme_rates: tuple[float, ...]  # chance that a respondent cites each theme of q1
    proposition_rates: tuple[float, ...]  # chance that a proposition of q2 is coded with each theme
    propositions: tuple[int, ...]  # how many propositions a respondent writes, drawn from these
    structure_types: tuple[str, ...] = ()  # none: no structure type column


# The reports' attack (test_disclosure_attack): seven themes, four kinds of proposition, no types.
REPORTS = Shape("attaque", (0.6, 0.35, 0.2, 0.1, 0.06, 0.04, 0.03), (0.5, 0.25, 0.1, 0.05), (1, 1, 2, 3))
# The channels' attack (test_disclosure_channels): six themes, three kinds, structure types.
CHANNELS = Shape("canaux", (0.6, 0.35, 0.2, 0.1, 0.06, 0.04), (0.5, 0.25, 0.1), (1, 1, 2), TYPES)


def build(con, seed: int, shape: Shape = REPORTS, *, arrivals: Sequence[str | None] = (),
          recodings: Sequence[int] = (), departures: Sequence[int] = ()) -> Consultation:
    """Fill `con` with the generated consultation. `arrivals`: one new respondent each (the next
    nights' answers), in the region given or one drawn apart; `recodings`: seeds of successive
    recodings, each moving about `RECODED` of the codes to another theme of the same question (a
    human correcting codes: figures go down as well as up, the respondents stay the same);
    `departures`: seeds each removing one respondent drawn among the others (a duplicate deleted:
    a region's respondents go down)."""
    rng = random.Random(seed)
    themes = [Theme(id=f"t{i}", label=f"Thème numéro {i}") for i in range(len(shape.theme_rates))]
    props = [Theme(id=f"p{i}", label=f"Proposition numéro {i}") for i in range(len(shape.proposition_rates))]
    consultation = Consultation(
        id=shape.cid, title="Consultation générée (2024)", sources=Sources(responses=["r.csv"]),
        columns=Columns(respondent_id="id", region="region",
                        structure_type="type" if shape.structure_types else None),
        questions=[
            Question(id="q1", section="Première partie", text="Que retenir ?", unit="respondents",
                     columns=["Q1"], themes=themes),
            Question(id="q2", section="Propositions", text="Vos propositions", unit="propositions",
                     columns=["Q2"], themes=props),
        ],
    )
    version = store.register_codebook(con, consultation)
    people = [(region, k) for region, n in REGIONS.items() for k in range(n)]
    later = random.Random(seed + 1000)  # the next nights' regions, drawn apart: the first stay the same
    people += [(where or later.choice([r for r in REGIONS if r != "Région inconnue"]), 100 + k)
               for k, where in enumerate(arrivals)]
    respondents, answers, codes = [], [], []
    for region, k in people:
        rid = f"{region[:3]}{k}"
        respondents.append({"consultation_id": shape.cid, "respondent_id": rid, "region": region,
                            "region_method": "name", "source_file": "r.csv", "source_row": len(respondents) + 2})
        if shape.structure_types:
            respondents[-1]["structure_type"] = rng.choice(shape.structure_types)
        if rng.random() < 0.9:
            answers.append({"consultation_id": shape.cid, "respondent_id": rid, "question_id": "q1",
                            "text": f"Réponse de {rid}.", "follow_up": None})
            for i, rate in enumerate(shape.theme_rates):
                if rng.random() < rate:
                    codes.append((rid, "q1", f"t{i}", ""))
        if rng.random() < 0.7:
            answers.append({"consultation_id": shape.cid, "respondent_id": rid, "question_id": "q2",
                            "text": f"Propositions de {rid}.", "follow_up": None})
            for i, rate in enumerate(shape.proposition_rates):
                for unit in range(rng.choice(shape.propositions)):
                    if rng.random() < rate:
                        codes.append((rid, "q2", f"p{i}", f"Proposition {unit} de {rid}."))
    for recoding in recodings:
        moves = random.Random(recoding)
        ids = {"q1": [t.id for t in themes], "q2": [t.id for t in props]}
        codes = [(r, q, moves.choice([t for t in ids[q] if t != theme]), u) if moves.random() < RECODED
                 else (r, q, theme, u) for r, q, theme, u in codes]
    first = sorted(f"{region[:3]}{k}" for region, k in people if k < 100)  # the same every night
    gone: set[str] = set()
    for departure in departures:
        gone.add(random.Random(departure).choice([rid for rid in first if rid not in gone]))
    respondents = [r for r in respondents if r["respondent_id"] not in gone]
    answers = [a for a in answers if a["respondent_id"] not in gone]
    codes = [c for c in codes if c[0] not in gone]
    store.insert_df(con, "respondents", pd.DataFrame(respondents))
    store.insert_df(con, "answers", pd.DataFrame(answers))
    store.insert_df(con, "human_codes", pd.DataFrame(
        [{"consultation_id": shape.cid, "respondent_id": r, "question_id": q, "theme_id": t, "unit_text": u,
          "codebook_version": version, "source_file": "codes.csv"} for r, q, t, u in dict.fromkeys(codes)]))
    return consultation
