"""Editing the codebook of a consultation that was already coded: every kind of edit is detected
(a new codebook version when, and only when, what the coding depends on changed) and the answers
of the questions it touches are coded again, with the new themes counted and nothing twice."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import MINI_DIR
from consultation import store
from consultation.codebook import Consultation, codebook_changes, load_consultation
from consultation.coding.run import pending_units
from consultation.ingest.core import ingest_consultation

RAW = yaml.safe_load((MINI_DIR / "consultation.yaml").read_text(encoding="utf-8"))


def _theme(raw: dict, qid: str, tid: str) -> dict:
    question = next(q for q in raw["questions"] if q["id"] == qid)
    return next(t for t in question["themes"] if t["id"] == tid)


def _question(raw: dict, qid: str) -> dict:
    return next(q for q in raw["questions"] if q["id"] == qid)


def _add_theme(qid: str) -> Callable[[dict], None]:
    def edit(raw: dict) -> None:
        _question(raw, qid)["themes"].insert(0, {"id": f"{qid}_neuf", "label": "Neuf", "keywords": ["neuf"]})
    return edit


def _set(qid: str, tid: str, key: str, value: object) -> Callable[[dict], None]:
    def edit(raw: dict) -> None:
        _theme(raw, qid, tid)[key] = value
    return edit


def _remove_theme(qid: str, tid: str) -> Callable[[dict], None]:
    def edit(raw: dict) -> None:
        q = _question(raw, qid)
        q["themes"] = [t for t in q["themes"] if t["id"] != tid]
    return edit


def _set_question(qid: str, key: str, value: object) -> Callable[[dict], None]:
    def edit(raw: dict) -> None:
        _question(raw, qid)[key] = value
    return edit


def _swap_themes(qid: str) -> Callable[[dict], None]:
    def edit(raw: dict) -> None:
        themes = _question(raw, qid)["themes"]
        themes[0], themes[1] = themes[1], themes[0]
    return edit


def _add_question(raw: dict) -> None:
    raw["questions"].append({
        "id": "q9", "section": "Nouvelle", "text": "Une question de plus ?", "unit": "respondents",
        "columns": ["Q3. Décrivez une initiative."], "themes": [{"id": "q9_repas", "label": "Repas", "keywords": ["repas"]}],
    })


# (edit, the questions whose coding it changes: empty = display only, no new version)
CODING_EDITS: dict[str, tuple[Callable[[dict], None], set[str]]] = {
    "theme added to q1": (_add_theme("q1"), {"q1"}),
    "theme added to p1": (_add_theme("p1"), {"p1"}),
    "theme removed": (_remove_theme("q1", "q1_epi"), {"q1"}),
    "keywords changed": (_set("p1", "p1_formation", "keywords", ["formation", "apprendre"]), {"p1"}),
    "keyword added": (_set("q1", "q1_epi", "keywords", ["EPI", "masque", "protection", "gants"]), {"q1"}),
    "description changed": (_set("q1", "q1_equipes", "description", "Équipes mobilisées"), {"q1"}),
    "examples changed": (_set("p1", "p1_salaires", "examples", ["Augmenter les salaires"]), {"p1"}),
    # The label is coding content: the model learns from it (codebook pseudo-examples) and it says
    # which theme is « Autres ». Renaming a theme codes its question again.
    "label changed": (_set("q1", "q1_epi", "label", "Pénurie d'EPI"), {"q1"}),
    "unit changed": (_set_question("q1", "unit", "propositions"), {"q1"}),
    "themes reordered": (_swap_themes("p1"), {"p1"}),
    "question added": (_add_question, {"q9"}),
}
DISPLAY_EDITS: dict[str, Callable[[dict], None]] = {
    "category changed": _set("q1", "q1_epi", "category", "DIFFICULTÉS"),
    "question text changed": _set_question("q1", "text", "Que retenez-vous de la crise sanitaire ?"),
    "section changed": _set_question("p1", "section", "Pilier 1 : les métiers"),
    "chart caption added": _set_question("p1", "chart_caption", "Propositions du pilier 1"),
    "title changed": lambda raw: raw.__setitem__("title", "Autre titre"),
}


def _edited(edit: Callable[[dict], None]) -> Consultation:
    raw = copy.deepcopy(RAW)
    edit(raw)
    return Consultation.model_validate(raw)


BASE = Consultation.model_validate(RAW)


@pytest.mark.parametrize("name", sorted(CODING_EDITS))
def test_a_coding_edit_changes_the_hash_of_the_questions_it_touches_only(name):
    edit, touched = CODING_EDITS[name]
    new = _edited(edit)
    assert new.codebook_hash() != BASE.codebook_hash()
    before, after = BASE.question_hashes(), new.question_hashes()
    assert {q for q in after if before.get(q) != after[q]} == touched
    described = codebook_changes(BASE, new)
    assert set(described) == touched
    assert all(text for text in described.values())


@pytest.mark.parametrize("name", sorted(DISPLAY_EDITS))
def test_a_display_edit_changes_no_hash(name):
    new = _edited(DISPLAY_EDITS[name])
    assert new.codebook_hash() == BASE.codebook_hash()
    assert new.question_hashes() == BASE.question_hashes()
    assert codebook_changes(BASE, new) == {}


def test_changes_are_described_in_french():
    new = _edited(lambda raw: (_add_theme("q1")(raw), _remove_theme("q1", "q1_epi")(raw),
                               _set("q1", "q1_equipes", "keywords", ["équipe"])(raw)))
    text = codebook_changes(BASE, new)["q1"]
    assert "thème ajouté : « Neuf »" in text
    assert "thème retiré : « Manque d'EPI »" in text
    assert "« Mobilisation des équipes » : mots-clés modifiés" in text
    assert codebook_changes(BASE, _edited(_add_question)) == {"q9": "question ajoutée"}
    # the participle agrees with the fields changed: « description modifiée », two fields « modifiés »
    new = _edited(lambda raw: (_set("p1", "p1_salaires", "description", "Payer mieux.")(raw),
                               _set("p1", "p1_formation", "description", "Former.")(raw),
                               _set("p1", "p1_formation", "examples", ["Des formations."])(raw)))
    assert codebook_changes(BASE, new) == {"p1": "« Revaloriser les salaires » : description modifiée ; "
                                                 "« Formation » : description, exemples modifiés"}


# -- versions in the database and what is pending ------------------------------------------------


def _write(folder: Path, edit: Callable[[dict], None] | None) -> Consultation:
    raw = copy.deepcopy(RAW)
    if edit is not None:
        edit(raw)
    (folder / "consultation.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_consultation(folder)


def _code_everything(con, consultation: Consultation) -> None:
    """Every answer coded « Autres » with the current version, as a coding run would leave them."""
    units = pending_units(con, consultation)
    version = store.codebook_version(con, consultation.id)
    con.execute("SELECT NULL").fetchall()  # codebook_version leaves its result open
    other = {q.id: q.other_theme.id for q in consultation.questions}
    codes = units[["respondent_id", "question_id", "unit_no"]].assign(
        consultation_id=consultation.id, theme_id=units["question_id"].map(other), source="rule",
        confidence=0.5, needs_review=False, model_version=None, codebook_version=version,
        coded_at=pd.Timestamp("2024-01-01"),
    )
    store.insert_df(con, "auto_codes", codes)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(MINI_DIR, target)
    return target


@pytest.mark.parametrize("name", sorted(CODING_EDITS) + sorted(DISPLAY_EDITS))
def test_an_edit_gives_a_new_version_and_pending_answers_only_for_the_questions_it_touches(folder, name):
    edit, touched = CODING_EDITS.get(name, (DISPLAY_EDITS.get(name), set()))
    con = store.connect(None)
    try:
        consultation = _write(folder, None)
        ingest_consultation(con, consultation, folder)
        _code_everything(con, consultation)
        assert pending_units(con, consultation).empty
        edited = _write(folder, edit)
        ingest_consultation(con, edited, folder)  # registers the codebook; the files are unchanged
        assert store.codebook_version(con, edited.id) == (2 if touched else 1)
        pending = pending_units(con, edited)
        if name == "question added":
            # A new question reads the files again (a column they were not read for): ingestion
            # replaces the answers and drops their codes, so every question is coded again.
            assert set(pending["question_id"]) == {"q1", "p1", "q9"}
        else:
            assert set(pending["question_id"]) == touched
        answered = con.execute(
            "SELECT question_id, count(*) FROM stg_answers WHERE consultation_id = 'mini' GROUP BY ALL"
        ).fetchall()
        for qid, n in answered:
            if qid in touched:  # every answer of the edited question, once
                assert pending[pending["question_id"] == qid]["respondent_id"].nunique() == n
        # what users read is the edited codebook, version or not
        shown = dict(con.execute("SELECT theme_id, coalesce(category, '') FROM themes WHERE consultation_id = 'mini'").fetchall())
        assert set(shown) == {t.id for q in edited.questions for t in q.coded_themes}
        for q in edited.questions:
            for t in q.themes:
                assert shown[t.id] == (t.category or "")
        stored = store.codebook_history(con, "mini")[store.codebook_version(con, "mini")]
        assert stored == edited
    finally:
        con.close()


def test_going_back_to_an_earlier_codebook_needs_no_coding_of_the_questions_it_restores(folder):
    """Version 3 restores q1 as in version 1: q1's answers coded with version 1 are current again;
    p1, edited in version 2 and kept, is pending."""
    con = store.connect(None)
    try:
        first = _write(folder, None)
        ingest_consultation(con, first, folder)
        _code_everything(con, first)
        ingest_consultation(con, _write(folder, lambda r: (_add_theme("q1")(r), _add_theme("p1")(r))), folder)
        third = _write(folder, _add_theme("p1"))
        ingest_consultation(con, third, folder)
        assert store.codebook_version(con, "mini") == 3
        assert set(pending_units(con, third)["question_id"]) == {"p1"}
    finally:
        con.close()


def test_a_database_whose_stored_hash_was_computed_otherwise_gets_no_new_version(folder):
    """Databases written before the hash covered only the coding content: same codebook, same version."""
    con = store.connect(None)
    try:
        consultation = _write(folder, None)
        ingest_consultation(con, consultation, folder)
        con.execute("UPDATE codebook_versions SET codebook_hash = 'ancien-calcul'")
        assert store.register_codebook(con, consultation) == 1
        assert con.execute("SELECT codebook_hash FROM codebook_versions").fetchall() == [(consultation.codebook_hash(),)]
    finally:
        con.close()


# -- the normal path: run, edit the codebook, run again -------------------------------------------


def _counts(db: Path, question_id: str) -> dict[str, tuple[int, int]]:
    """theme -> (respondents answered, count) in the national tally, as `consultation tally` shows."""
    from consultation.tally import tally

    con = store.connect(db, read_only=True)
    try:
        frame = tally(con, "mini")
    finally:
        con.close()
    mine = frame[frame["question_id"] == question_id]
    return {t: (int(a), int(c)) for t, a, c in zip(mine["theme_id"], mine["respondents_answered"], mine["count"], strict=True)}


def _no_code_twice(db: Path) -> None:
    con = store.connect(db, read_only=True)
    try:
        assert con.execute(
            "SELECT count(*) FROM (SELECT respondent_id, question_id, unit_no, theme_id FROM auto_codes "
            "GROUP BY ALL HAVING count(*) > 1)"
        ).fetchall() == [(0,)]
        assert con.execute(
            "SELECT DISTINCT codebook_version FROM auto_codes"
        ).fetchall() == [(store.codebook_version(con, "mini"),)]
    finally:
        con.close()


# (question, keywords of the new theme, respondents without human codes for that question whose
# answer holds one of them: what the new theme must count; in propositions for p1)
NEW_THEMES = [
    ("q1", ["rien"], {"A3"}),
    ("q1", ["rien", "soudé"], {"A3", "A5"}),
    ("p1", ["bénévole"], {"A3"}),
]


@pytest.mark.slow
@pytest.mark.parametrize(("qid", "keywords", "expected"), NEW_THEMES)
def test_a_theme_added_to_the_consultation_file_is_counted_by_the_next_run(mini_dir, tmp_path, qid, keywords, expected):
    import re

    from click.testing import CliRunner

    from consultation.cli import main

    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["run", str(mini_dir), "--sorties", str(out)])
    assert first.exit_code == 0, first.output
    db = out / "mini" / "consultation.duckdb"
    before = _counts(db, qid)
    raw = yaml.safe_load((mini_dir / "consultation.yaml").read_text(encoding="utf-8"))
    _question(raw, qid)["themes"].insert(0, {"id": f"{qid}_neuf", "label": "Thème nouveau", "keywords": keywords})
    (mini_dir / "consultation.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")

    second = CliRunner().invoke(main, ["run", str(mini_dir), "--sorties", str(out)])
    assert second.exit_code == 0, second.output
    after = _counts(db, qid)
    assert after[f"{qid}_neuf"][1] == len(expected)
    other = f"{qid}_autres"
    left_other = before[other][1] - after[other][1]
    for theme, (answered, count) in before.items():
        assert after[theme][0] == answered  # the same respondents answered
        if theme != other:
            assert after[theme][1] == count, theme  # the other themes keep their answers
    assert 0 <= left_other <= len(expected)
    _no_code_twice(db)
    text = second.output.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Codebook modifié (version 1 → 2) :" in text
    assert f"{qid} : thème ajouté : « Thème nouveau »" in text
    recoded = int(re.search(r"Réponses recodées avec le nouveau codebook : (\d+)", text).group(1))
    con = store.connect(db, read_only=True)
    try:
        answers = con.execute("SELECT count(*) FROM stg_answers a JOIN questions q USING (consultation_id, question_id) "
                              "WHERE q.unit <> 'free_text'").fetchall()[0][0]
    finally:
        con.close()
    assert recoded == answers  # `consultation run` codes every answer again
    assert "Rien de nouveau" not in text

    third = CliRunner().invoke(main, ["run", str(mini_dir), "--sorties", str(out)])
    assert third.exit_code == 0, third.output
    assert "Codebook modifié" not in third.output and "Rien de nouveau" in third.output
    assert _counts(db, qid) == after


@pytest.mark.slow
def test_the_incremental_path_codes_again_only_the_edited_question(folder, lemmatizer):
    """What the nightly flow plans (`recode_all=False`): after a theme is added to p1, only p1's
    answers are coded again; q1's codes stay as they were written."""
    from consultation.coding.coder import code_consultation

    con = store.connect(None)
    try:
        first = _write(folder, None)
        ingest_consultation(con, first, folder)
        code_consultation(con, first, lemmatizer, recode_all=False)
        q1_before = con.execute("SELECT * FROM auto_codes WHERE question_id = 'q1' ORDER BY ALL").fetchall()
        edited = _write(folder, lambda r: _question(r, "p1")["themes"].insert(
            0, {"id": "p1_benevoles", "label": "Bénévoles", "keywords": ["bénévole"]}))
        ingest_consultation(con, edited, folder)
        summary = code_consultation(con, edited, lemmatizer, recode_all=False)
        p1_units = con.execute("SELECT count(*) FROM units WHERE question_id = 'p1'").fetchall()[0][0]
        assert summary.units == p1_units
        assert con.execute("SELECT * FROM auto_codes WHERE question_id = 'q1' ORDER BY ALL").fetchall() == q1_before
        assert con.execute(
            "SELECT DISTINCT respondent_id FROM auto_codes WHERE theme_id = 'p1_benevoles'"
        ).fetchall() == [("A3",)]
    finally:
        con.close()


# -- a trained model that does not know the new theme ---------------------------------------------

_SYNTHETIC = {
    "id": "synth", "title": "Consultation synthétique",
    "sources": {"responses": ["reponses.csv"], "human_codes": ["codes.csv"]},
    "columns": {"respondent_id": "id", "region": "Région"},
    "questions": [{
        "id": "q1", "section": "S", "text": "Que proposez-vous ?", "unit": "respondents", "columns": ["Q1"],
        "themes": [
            {"id": "q1_salaires", "label": "Salaires", "keywords": ["salaire"]},
            {"id": "q1_formation", "label": "Formation", "keywords": ["formation"]},
            {"id": "q1_autres", "label": "Autres"},
        ],
    }],
}
_TEXTS = {
    "q1_salaires": ["Augmenter les salaires des soignants", "Des salaires dignes pour les aides-soignants",
                    "Revaloriser le salaire de base"],
    "q1_formation": ["Plus de formation continue", "Une formation payée pour chacun", "Financer la formation des jeunes"],
}


def _synthetic(folder: Path, n: int, coded: int, housing: set[int]) -> None:
    """`n` respondents; the first `coded` coded by hand with the codebook of the time (salaries or
    training); those in `housing` also ask for housing, which no theme covers yet."""
    folder.mkdir(parents=True)
    rows, codes = [], []
    for i in range(n):
        theme = "q1_salaires" if i % 2 else "q1_formation"
        text = _TEXTS[theme][i % 3]
        if i in housing:
            text += ", et un logement pour les équipes"
        rid = f"R{i:03d}"
        rows.append({"id": rid, "Région": "Bretagne", "Q1": text})
        if i < coded:
            codes.append({"respondent_id": rid, "question_id": "q1", "theme_id": theme, "text": ""})
    pd.DataFrame(rows).to_csv(folder / "reponses.csv", index=False)
    pd.DataFrame(codes).to_csv(folder / "codes.csv", index=False)
    (folder / "consultation.yaml").write_text(yaml.safe_dump(_SYNTHETIC, allow_unicode=True, sort_keys=False),
                                              encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("housing_coded", [1, 3, 6])
def test_a_model_trained_before_a_theme_existed_lets_the_rules_code_it(tmp_path, nlp, housing_coded):
    """The model was trained on human codes made when the theme did not exist: they say nothing
    against its keywords. The run after the edit retrains the model (new codebook version), the
    model cannot decide the theme (no example coded by hand), and its rules code it: every answer
    without human codes that asks for housing counts, however many coded ones also did."""
    from consultation.pipeline import run

    folder, out = tmp_path / "synth", tmp_path / "out"
    n, coded = 40, 24
    housing = {*range(coded - housing_coded, coded), 30, 33, 37}  # some coded by hand, three not
    _synthetic(folder, n, coded, housing)
    first = run(folder, processed_root=out, nlp=nlp)
    assert first.coding.engines == {"q1": "model"} and first.coding.model_version
    raw = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    raw["questions"][0]["themes"].insert(2, {"id": "q1_logement", "label": "Logement", "keywords": ["logement"]})
    (folder / "consultation.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")

    second = run(folder, processed_root=out, nlp=nlp)
    assert second.coding.trained and second.coding.model_version != first.coding.model_version
    assert second.coding.engines == {"q1": "model"}
    change = second.codebook_change
    assert change is not None and (change.old_version, change.new_version) == (1, 2)
    assert change.changes == {"q1": "thème ajouté : « Logement »"}
    assert change.recoded == {"q1": n}
    con = store.connect(second.paths.db, read_only=True)
    try:
        from consultation.tally import tally

        counts = tally(con, "synth").set_index("theme_id")["count"].to_dict()
        sources = con.execute("SELECT DISTINCT source FROM auto_codes WHERE theme_id = 'q1_logement'").fetchall()
    finally:
        con.close()
    assert counts["q1_logement"] == len({i for i in housing if i >= coded})
    assert sources == [("rule",)]
