"""The review loop: the sheet of uncertain answers, filled in Excel, read back as human codes."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from consultation import store
from consultation.cli import main
from consultation.codebook import load_consultation
from consultation.coding.coder import code_consultation
from consultation.coding.review import (
    COLUMNS,
    SHEET,
    export_review,
    import_review,
    read_review_sheet,
    select_diverse,
)
from consultation.coding.training import load_engine
from consultation.errors import InputFileError
from consultation.store.paths import OutputPaths
from test_coding_support import half_sample


@pytest.fixture
def half_copy(tmp_path_factory, nlp, tmp_path):
    """A private copy of the half-coded sample's database (imports change it)."""
    folder, out = half_sample(tmp_path_factory, nlp)
    consultation = load_consultation(folder)
    db = tmp_path / "consultation.duckdb"
    shutil.copy(OutputPaths.for_consultation(out, consultation.id).db, db)
    con = store.connect(db)
    yield consultation, con
    con.close()


def _header(ws):
    return {cell.value: cell.column for cell in ws[1]}


def _rows(ws):
    head = _header(ws)
    return [
        {name: ws.cell(row=r, column=c).value for name, c in head.items()} | {"_row": r}
        for r in range(2, ws.max_row + 1)
    ]


def test_review_sheet_round_trip(half_copy, lemmatizer, tmp_path):
    consultation, con = half_copy
    engine = load_engine(con, consultation, lemmatizer)
    assert engine.model_version is not None  # the saved model is found and loaded
    path, rows = export_review(con, engine, tmp_path / "a-revoir.xlsx", n_answers=6)
    assert path.exists()
    answers = rows[["question_id", "respondent_id"]].drop_duplicates()
    assert len(answers) == 6
    # only answers without human codes are proposed
    coded = {tuple(r) for r in con.execute("SELECT DISTINCT question_id, respondent_id FROM human_codes").fetchall()}
    assert not coded & {tuple(r) for r in answers.itertuples(index=False)}

    wb = load_workbook(path)
    ws = wb[SHEET]
    assert list(_header(ws))[:5] == ["N°", "Identifiant", "Question", "Unité", "Texte à coder"]
    assert {"Thèmes", "Mode d'emploi"} <= set(wb.sheetnames)
    sheet_rows = _rows(ws)
    first, second = [list(k) for k in answers.itertuples(index=False)][:2]
    head = _header(ws)
    for row in sheet_rows:
        key = [row["Question"], row["Identifiant"]]
        if key == first:
            ws.cell(row=row["_row"], column=head["Décision"], value="Accepter")
        elif key == second:
            question = consultation.question(row["Question"])
            ws.cell(row=row["_row"], column=head["Décision"], value="Corriger")
            # a label (any case) is accepted as well as an id
            ws.cell(row=row["_row"], column=head["Thèmes corrigés"], value=question.themes[0].label.upper())
    wb.save(path)

    result = import_review(con, consultation, path)
    assert result.answers_reviewed == 2
    stored = con.execute(
        "SELECT question_id, respondent_id, theme_id, source_file FROM human_codes WHERE source_file = ?", [str(path)]
    ).fetchall()
    assert {(q, r) for q, r, _, _ in stored} == {tuple(first), tuple(second)}
    corrected_theme = consultation.question(second[0]).themes[0].id
    assert {t for q, r, t, _ in stored if [q, r] == second} == {corrected_theme}
    # the reviewed answers now count as human-coded
    sources = con.execute(
        "SELECT DISTINCT source FROM final_codes WHERE question_id = ? AND respondent_id = ?", second
    ).fetchall()
    assert sources == [("human",)]
    # and the next coding retrains on them
    summary = code_consultation(con, consultation, lemmatizer, estimate=False)
    assert summary.model_version != engine.model_version


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) absent: no round trip through it")
@pytest.mark.parametrize("saved_as", ["xlsx", "ods", "xls"])
def test_a_sheet_filled_then_saved_by_libreoffice_is_read_back(half_copy, lemmatizer, tmp_path, saved_as):
    """Whoever fills the sheet in LibreOffice saves it in its own format (.ods) as often as in
    Excel's: the decisions come back the same from each, as LibreOffice itself writes them."""
    consultation, con = half_copy
    engine = load_engine(con, consultation, lemmatizer)
    path, rows = export_review(con, engine, tmp_path / "a-revoir.xlsx", n_answers=3)
    first, second = [list(k) for k in rows[["question_id", "respondent_id"]].drop_duplicates().itertuples(index=False)][:2]
    wb = load_workbook(path)
    ws = wb[SHEET]
    head = _header(ws)
    question = consultation.question(second[0])
    for row in _rows(ws):
        if [row["Question"], row["Identifiant"]] == first:
            ws.cell(row=row["_row"], column=head["Décision"], value="Accepter")
        elif [row["Question"], row["Identifiant"]] == second:
            ws.cell(row=row["_row"], column=head["Décision"], value="Corriger")
            ws.cell(row=row["_row"], column=head["Thèmes corrigés"], value=f"{question.themes[0].id} ; {question.themes[1].label}")
    filled = tmp_path / "rempli" / "a-revoir.xlsx"
    filled.parent.mkdir()
    wb.save(filled)
    out = tmp_path / "libreoffice"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                    "--convert-to", saved_as, "--outdir", str(out), str(filled)],
                   check=True, capture_output=True, timeout=180)
    saved = out / f"a-revoir.{saved_as}"
    assert saved.is_file()

    result = import_review(con, consultation, saved)
    assert result.answers_reviewed == 2
    stored = con.execute(
        "SELECT question_id, respondent_id, theme_id FROM human_codes WHERE source_file = ?", [str(saved)]
    ).fetchall()
    assert {(q, r) for q, r, _ in stored} == {tuple(first), tuple(second)}
    assert {t for q, r, t in stored if [q, r] == second} == {question.themes[0].id, question.themes[1].id}


@pytest.mark.parametrize("suffix", [".csv", ".CSV", ".tsv", ".txt"])
def test_a_sheet_saved_as_text_is_refused_by_name(tmp_path, suffix):
    sheet = tmp_path / f"a-revoir{suffix}"
    sheet.write_text("N°;Identifiant;Question\n1;R1;pilier1\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_review_sheet(sheet)
    message = str(caught.value)
    assert str(sheet) in message and ".xlsx" in message and ".ods" in message


def test_a_file_that_is_no_workbook_names_the_formats_read(tmp_path):
    for name in ("a-revoir.ods", "a-revoir.xls", "a-revoir.xlsx", "a-revoir"):
        sheet = tmp_path / name
        sheet.write_bytes(b"\x00pas un classeur")
        with pytest.raises(InputFileError) as caught:
            read_review_sheet(sheet)
        message = str(caught.value)
        assert str(sheet) in message and "classeur illisible" in message and "OpenDocument (.ods)" in message
        assert "pip" not in message and "install" not in message


def test_an_ods_sheet_with_a_far_filled_cell_is_refused_before_it_is_loaded(tmp_path):
    """One letter typed far from the table would make calamine build a grid of 70 million cells."""
    from test_hostile_limits import _EMPTY_100K, _FAR_CELL, _ods

    sheet = tmp_path / "a-revoir.ods"
    sheet.write_bytes(_ods([list(COLUMNS.values())], _EMPTY_100K + _FAR_CELL))
    with pytest.raises(InputFileError) as caught:
        read_review_sheet(sheet)
    assert str(sheet) in str(caught.value) and "10\u202f000\u202f000" in str(caught.value)


def test_bad_rows_are_reported_with_row_column_and_value(half_copy, lemmatizer, tmp_path):
    consultation, con = half_copy
    engine = load_engine(con, consultation, lemmatizer)
    path, _ = export_review(con, engine, tmp_path / "a-revoir.xlsx", n_answers=4)
    wb = load_workbook(path)
    ws = wb[SHEET]
    head = _header(ws)
    ws.cell(row=2, column=head["Décision"], value="Corriger")
    ws.cell(row=2, column=head["Thèmes corrigés"], value="theme_qui_n_existe_pas")
    ws.cell(row=3, column=head["Décision"], value="Peut-être")
    wb.save(path)
    before = con.execute("SELECT count(*) FROM human_codes").fetchone()[0]
    with pytest.raises(InputFileError) as caught:
        import_review(con, consultation, path)
    message = str(caught.value)
    assert "ligne 2, colonne « Thèmes corrigés »" in message and "theme_qui_n_existe_pas" in message
    assert "ligne 3, colonne « Décision »" in message and "Peut-être" in message
    assert con.execute("SELECT count(*) FROM human_codes").fetchone()[0] == before  # nothing imported


def test_an_answer_reviewed_in_part_is_refused(half_copy, lemmatizer, tmp_path):
    consultation, con = half_copy
    engine = load_engine(con, consultation, lemmatizer)
    path, rows = export_review(con, engine, tmp_path / "a-revoir.xlsx", n_answers=40, question_id="pilier1")
    multi = rows.groupby("respondent_id").size()
    respondent = multi[multi > 1].index[0]
    wb = load_workbook(path)
    ws = wb[SHEET]
    head = _header(ws)
    target = next(r for r in _rows(ws) if r["Identifiant"] == respondent)
    ws.cell(row=target["_row"], column=head["Décision"], value="Accepter")
    wb.save(path)
    with pytest.raises(InputFileError, match="décision manquante"):
        import_review(con, consultation, path)
    # the answer's other units taken out of the sheet: named, the words agreed with how many
    others = [r for r in _rows(ws) if r["Identifiant"] == respondent and r["_row"] != target["_row"]]
    for row in sorted(others, key=lambda r: -r["_row"]):
        ws.delete_rows(row["_row"])
    wb.save(path)
    with pytest.raises(InputFileError) as caught:
        import_review(con, consultation, path)
    one = len(others) == 1
    units = ", ".join(str(u) for u in sorted(int(r["Unité"]) for r in others))
    assert (f"réponse relue en partie : {'unité' if one else 'unités'} {units} du répondant {respondent} (question "
            f"pilier1) {'absente' if one else 'absentes'} de la feuille ; {'ajoutez-la' if one else 'ajoutez-les'} "
            "ou ne relisez pas cette réponse") in str(caught.value)


def test_review_import_command_reports_problems_without_traceback(tmp_path, mini_dir):
    sheet = tmp_path / "pas-une-feuille.xlsx"
    sheet.write_bytes(b"pas un classeur")
    CliRunner().invoke(main, ["ingest", str(mini_dir), "--out", str(tmp_path / "out")])
    result = CliRunner().invoke(main, ["review", "import", str(sheet), str(mini_dir), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert str(sheet) in result.output


def test_diversity_skips_duplicates_and_near_duplicates():
    texts = ["Manque de masques", "manque de masques", "Manque de masques !", "Visio avec les résidents", "Rien"]
    chosen = select_diverse(texts, uncertainty=[0.9, 0.9, 0.9, 0.6, 0.1], n=3)
    assert chosen[:2] == [0, 3]
    assert 1 not in chosen


def test_sheet_columns_are_french():
    assert COLUMNS["decision"] == "Décision" and COLUMNS["corrected"] == "Thèmes corrigés"


def test_unit_numbers_that_are_not_whole_numbers_are_named_not_a_traceback(half_copy, lemmatizer, tmp_path):
    """inf, nan, huge, fractional, negative: each a French message with row, column and value."""
    consultation, con = half_copy
    engine = load_engine(con, consultation, lemmatizer)
    path, _ = export_review(con, engine, tmp_path / "a-revoir.xlsx", n_answers=8)
    wb = load_workbook(path)
    ws = wb[SHEET]
    head = _header(ws)
    bad = ["inf", "-inf", "Infinity", "nan", "1e400", "99999999999999999999999", "2.5", "-1", "deux"]
    rows = _rows(ws)[: len(bad)]
    assert len(rows) == len(bad)
    for row, value in zip(rows, bad, strict=True):
        ws.cell(row=row["_row"], column=head["Unité"], value=value)
        ws.cell(row=row["_row"], column=head["Décision"], value="Accepter")
    wb.save(path)
    before = con.execute("SELECT count(*) FROM human_codes").fetchone()[0]
    with pytest.raises(InputFileError) as caught:
        import_review(con, consultation, path)
    message = str(caught.value)
    for row, value in zip(rows, bad, strict=True):
        assert f"ligne {row['_row']}, colonne « Unité »" in message
        assert value in message
    assert con.execute("SELECT count(*) FROM human_codes").fetchone()[0] == before


def test_the_same_unit_accepted_and_corrected_is_refused_naming_both_rows(half_copy, lemmatizer, tmp_path):
    consultation, con = half_copy
    engine = load_engine(con, consultation, lemmatizer)
    path, _ = export_review(con, engine, tmp_path / "a-revoir.xlsx", n_answers=6)
    wb = load_workbook(path)
    ws = wb[SHEET]
    head = _header(ws)
    rows = _rows(ws)
    first = rows[0]
    for row in rows:  # the whole answer is reviewed (accepted) ...
        if (row["Question"], row["Identifiant"]) == (first["Question"], first["Identifiant"]):
            ws.cell(row=row["_row"], column=head["Décision"], value="Accepter")
    question = consultation.question(first["Question"])
    suggested = {t.strip() for t in str(first["Thèmes proposés"] or "").split(";")}
    other = next(t for t in question.themes if t.id not in suggested and t.label not in suggested)
    extra = ws.max_row + 1  # ... and its first unit again, corrected to another theme
    for column in head.values():
        ws.cell(row=extra, column=column, value=ws.cell(row=first["_row"], column=column).value)
    ws.cell(row=extra, column=head["Décision"], value="Corriger")
    ws.cell(row=extra, column=head["Thèmes corrigés"], value=other.id)
    wb.save(path)
    before = con.execute("SELECT count(*) FROM human_codes").fetchone()[0]
    with pytest.raises(InputFileError) as caught:
        import_review(con, consultation, path)
    message = str(caught.value)
    assert f"lignes {first['_row']} et {extra}" in message
    assert con.execute("SELECT count(*) FROM human_codes").fetchone()[0] == before


# Every pairing of what a person writes in « Décision » and in « Thèmes corrigés » (the review sheet
# filled by hand): the themes stored, or the row named in the refusal. Before, themes typed with no
# decision were dropped without a word, and themes typed beside « Accepter » lost to the proposal.
_DECISIONS = {"empty": ["", "  "], "accept": ["Accepter", "accepté", "OK", "oui"], "correct": ["Corriger", "corrigé", "non", "C"]}
_CORRECTIONS = ["empty", "same-ids", "same-labels", "other", "unknown"]
_OUTCOME = {  # (decision, correction) -> "skip", "proposed", "other", or the refusal's words
    ("empty", "empty"): "skip",
    ("empty", "same-ids"): "proposed", ("empty", "same-labels"): "proposed", ("empty", "other"): "other",
    ("empty", "unknown"): "thème inconnu",
    ("accept", "empty"): "proposed", ("accept", "same-ids"): "proposed", ("accept", "same-labels"): "proposed",
    ("accept", "other"): "« Accepter » mais des thèmes corrigés différents",
    ("accept", "unknown"): "« Accepter » mais des thèmes corrigés différents",
    ("correct", "empty"): "« Corriger » sans thème",
    ("correct", "same-ids"): "proposed", ("correct", "same-labels"): "proposed", ("correct", "other"): "other",
    ("correct", "unknown"): "thème inconnu",
}


@pytest.mark.parametrize("seed", [0, 1])
def test_every_pairing_of_decision_and_corrected_themes(half_copy, lemmatizer, tmp_path, seed):
    import random

    consultation, con = half_copy
    engine = load_engine(con, consultation, lemmatizer)
    path, rows = export_review(con, engine, tmp_path / "a-revoir.xlsx", n_answers=60)
    wb = load_workbook(path)
    ws = wb[SHEET]
    head = _header(ws)
    sheet_rows = _rows(ws)
    units = rows.groupby(["question_id", "respondent_id"]).size()
    single = [r for r in sheet_rows if units[(r["Question"], r["Identifiant"])] == 1]
    cases = list(_OUTCOME)
    assert len(single) >= len(cases)
    rng = random.Random(seed)
    rng.shuffle(single)
    planned = {}
    for (decision, correction), row in zip(cases, single, strict=False):
        question = consultation.question(row["Question"])
        proposed = [t for t in str(row["Thèmes proposés"]).split(" ; ") if t]
        label = {t.id: t.label for t in question.coded_themes}
        other = next(t.id for t in question.coded_themes if t.id not in proposed)
        written = {
            "empty": "", "same-ids": " ; ".join(proposed), "same-labels": " ; ".join(label[t].upper() for t in proposed),
            "other": other, "unknown": "theme_qui_n_existe_pas",
        }[correction]
        ws.cell(row=row["_row"], column=head["Décision"], value=rng.choice(_DECISIONS[decision]))
        ws.cell(row=row["_row"], column=head["Thèmes corrigés"], value=written)
        planned[(decision, correction)] = (row, set(proposed), other)
    wb.save(path)
    before = con.execute("SELECT count(*) FROM human_codes").fetchone()[0]
    with pytest.raises(InputFileError) as caught:
        import_review(con, consultation, path)
    message = str(caught.value)
    refused = {case for case, outcome in _OUTCOME.items() if outcome not in ("skip", "proposed", "other")}
    for case in refused:
        row = planned[case][0]
        assert f"ligne {row['_row']}, colonne « Thèmes corrigés »" in message, (case, message)
    assert message.count("ligne ") == len(refused), message
    assert con.execute("SELECT count(*) FROM human_codes").fetchone()[0] == before  # all or nothing

    # The refused rows emptied: the others are read as planned.
    for case in refused:
        row = planned[case][0]
        ws.cell(row=row["_row"], column=head["Décision"]).value = None
        ws.cell(row=row["_row"], column=head["Thèmes corrigés"]).value = None
    wb.save(path)
    result = import_review(con, consultation, path)
    stored = con.execute("SELECT question_id, respondent_id, theme_id FROM human_codes WHERE source_file = ?",
                         [str(path)]).fetchall()
    for case, outcome in _OUTCOME.items():
        if case in refused:
            continue
        row, proposed, other = planned[case]
        themes = {t for q, r, t in stored if (q, r) == (row["Question"], row["Identifiant"])}
        expected = {"skip": set(), "proposed": proposed, "other": {other}}[outcome]
        assert themes == expected, (case, themes, expected)
    assert result.inferred == sum(1 for (d, _), o in _OUTCOME.items() if d == "empty" and o in ("proposed", "other"))
    assert result.units_reviewed == sum(1 for o in _OUTCOME.values() if o in ("proposed", "other"))
