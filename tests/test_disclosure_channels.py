"""Channels of small-cell disclosure that `test_disclosure_attack` (the reports of one publication)
does not read, each attacked by `attacker_channels`: the tally files written for publication, and
two publications of one consultation before and after new answers."""

from __future__ import annotations

import random

import pandas as pd
import pytest

import attacker
import attacker_channels
import consultation as consultation_package
from consultation import store
from consultation.codebook import Columns, Consultation, Question, Sources, Theme
from consultation.publish import disclosure

CID = "canaux"
REGIONS = {"Bretagne": 9, "Corse": 4, "Normandie": 3, "Occitanie": 12, "Guyane": 1, "Martinique": 2,
           "Grand Est": 6, "Région inconnue": 2}
TYPES = ("ACT", "CHRS", "Pension de famille")


def build(path, seed: int, extra: int = 0, where: str | None = None) -> Consultation:
    """A consultation with regions of every size, three structure types and themes from common to
    rare, coded by hand; `extra` respondents more (the next night's answers, in region `where` or
    anywhere) at the end."""
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
    later = random.Random(seed + 1000)  # the next night's respondents, drawn apart: the first stay the same
    people += [(where or later.choice([r for r in REGIONS if r != "Région inconnue"]), 100 + k) for k in range(extra)]
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
    assert attacker.recovered(derived, exact, 3) == {}


def test_without_complementary_suppression_the_exports_give_figures_back(tmp_path, monkeypatch):
    """The attack is not toothless: with primary suppression only (what the exports did before),
    it gets figures back."""
    def primary_only(tallies, comparisons=None, threshold=3):
        return disclosure.suppress(tallies, threshold), (
            None if comparisons is None else disclosure.suppress(comparisons, threshold))

    monkeypatch.setattr(disclosure, "protect_tables", primary_only)
    found = sum(len(attacker.recovered(*_export_attack(tmp_path, seed), 3)) for seed in (1, 2, 3))
    assert found > 0


# --- channel: two publications, before and after the next night's answers -------------------------




def _two_publications(tmp_path, seed: int, extra: int, where: str | None = None):
    """The same consultation published, then published again into the same outputs folder after
    `extra` new respondents (the nightly flow); the first publication's reports kept aside."""
    import shutil

    from consultation.publish.report import publish
    from consultation.store.paths import OutputPaths

    paths = OutputPaths(tmp_path / f"d{seed}" / "sorties")
    exact, folders = [], []
    for night, added in enumerate((0, extra)):
        path = tmp_path / f"d{seed}" / f"nuit{night}.duckdb"
        consultation = build(path, seed, added, where)
        con = store.connect(path)
        publish(con, consultation, paths, formats=("md",), threshold=3, workers=1)
        exact.append(attacker.truth(con, consultation, paths.reports))
        con.close()
        folders.append(shutil.copytree(paths.reports, tmp_path / f"d{seed}" / f"rapports{night}"))
    derived = attacker_channels.differencing(folders[0], folders[1], 3)
    truth = {(*k, p + 1): v for p in (0, 1) for k, v in exact[p].items()}
    return derived, truth


def _recovered_across(tmp_path, cases):
    found = {}
    for seed, extra, where in cases:
        derived, truth = _two_publications(tmp_path / f"x{extra}{where}", seed, extra, where)
        found.update({(seed, extra, where, *k): v
                      for k, v in attacker.recovered(derived, truth, 3).items()})
    return found


# Nights after which, before the last publication was remembered, the two publications together
# gave figures back (found by trying seeds 1 to 8 and 1 to 4 new respondents).
NIGHTS = [(1, 3, None), (1, 4, None), (2, 1, None), (2, 2, None), (2, 3, None), (2, 4, None)]


def test_two_publications_give_no_small_figure_back(tmp_path, blank_charts):
    assert _recovered_across(tmp_path, NIGHTS) == {}


@pytest.mark.slow  # two publications of the night cuts (25 s); test_two_publications_give_no_small_figure_back runs daily
def test_without_the_last_publication_remembered_two_publications_give_figures_back(
        tmp_path, blank_charts, monkeypatch):
    """The attack is not toothless: each publication protected on its own (as before) leaks."""
    from consultation.publish import report

    monkeypatch.setattr(report, "load_memory", lambda path: None)
    assert len(_recovered_across(tmp_path, NIGHTS)) > 0


# --- channel: the regional comparison charts (drawn for real) -------------------------------------


def test_comparison_charts_draw_no_hidden_figure(tmp_path):
    """Each region's national-versus-regional chart: no bar, label or value of a theme whose
    regional figure the report hides, and no regional share the report does not print (text of
    the SVG, as a screen reader or a search engine reads it; the bars follow the same data)."""
    import html
    import re

    from consultation.publish.charts import comparison_stem
    from consultation.publish.report import publish
    from consultation.store.paths import OutputPaths

    path = tmp_path / "consultation.duckdb"
    consultation = build(path, 1)
    con = store.connect(path)
    paths = OutputPaths(tmp_path / "sorties")
    publish(con, consultation, paths, formats=("md",), threshold=3, workers=1)
    con.close()
    checked = 0
    for report in paths.reports.glob("*.md"):
        if report.stem == "synthese-nationale":
            continue
        tables = attacker.read_tables(report.read_text(encoding="utf-8"))
        for question, (region, _, _, _, rows) in zip(consultation.questions, tables, strict=True):
            svg = comparison_stem(paths.charts, region, question.id).with_suffix(".svg")
            if not svg.is_file():
                continue
            texts = [html.unescape(t).strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text(encoding="utf-8"))]
            shown = [(label, figures.split(f"{region} ", 1)[1]) for label, _, figures, _ in rows
                     if f"· {region} " in figures]
            for label, value in shown:
                if value.strip() == "s":
                    assert label not in texts, (svg, label)
                    checked += 1
            def norm(text: str) -> str:
                return re.sub(r"\s", " ", text.split("(")[0]).strip()

            published = [v for _, v in shown if v.strip() != "s"]
            printed = {norm(v) for v in published} | {"0 %"}
            printed |= {norm(figures.split("France ", 1)[1].split(" ·")[0]) for _, _, figures, _ in rows}
            shares = [t for t in texts if t.endswith("%")]
            # One bar for the region, one for France, per theme whose regional figure is printed.
            assert len(shares) == 2 * len(published), (svg, shares, published)
            assert {norm(t) for t in shares} <= printed, (svg, shares)
    assert checked > 0


def test_publishing_again_with_nothing_new_changes_no_report(tmp_path, blank_charts):
    """The last publication remembered, a rerun on the same answers prints the same reports."""
    import filecmp

    _two_publications(tmp_path, 3, 0)
    first, second = tmp_path / "d3" / "rapports0", tmp_path / "d3" / "rapports1"
    assert [p.name for p in first.glob("*.md") if not filecmp.cmp(p, second / p.name, shallow=False)] == []
