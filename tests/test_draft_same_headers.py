"""Two or three questions of one form under the same header (« Précisez : », « Commentaires »).

A Google form, a LimeSurvey or a SurveyMonkey survey may give two questions the same title; their
export then has two columns under one header. `consultation init` drafted them (« Précisez : »,
« Précisez : (2) ») and said nothing, and `consultation run` stopped on every night: « en-tête
présent 2 fois … une seule serait lue et l'autre perdue ». Now, when consultation.yaml names each
column (as the draft does), each is read by its rank, and both init and the import say so; a column
under that header that nothing reads still stops the import (its answers would be lost), and init
says it will. Not covered: a survey tool that swaps two such columns between two nights (their
answers would be swapped: nothing in the file tells them apart).
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import openpyxl
import pytest

from consultation import store
from consultation.codebook import load_consultation
from consultation.errors import InputFileError
from consultation.ingest.core import ingest_consultation
from ingest_family_support import ANSWERS, HEADER, ROWS
from test_survey_tools import _draft_and_ingest

SHARED = ["Précisez :", "Commentaires", "Pourquoi ?", "Autre (précisez)"]


def _write(folder: Path, header: list[str], rows: list[list[str]], fmt: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        path = folder / "reponses.xlsx"
        book = openpyxl.Workbook()
        for row in [header, *rows]:
            book.active.append(row)
        book.save(path)
        return path
    path = folder / "reponses.csv"
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";").writerows([header, *rows])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _case(seed: int) -> tuple[list[str], list[int], str, str]:
    rng = random.Random(seed)
    shared = SHARED[seed % len(SHARED)]
    twins = sorted(rng.sample(ANSWERS[:-1], rng.choice([2, 2, 3])))
    header = list(HEADER)
    for i in twins:
        header[i] = shared
    return header, twins, shared, ["csv", "xlsx"][seed % 2]


@pytest.mark.parametrize("seed", range(12))
def test_questions_under_one_header_are_each_read_by_their_rank(tmp_path, seed):
    header, twins, shared, fmt = _case(seed)
    path = _write(tmp_path / "export", header, ROWS, fmt)
    draft, _, report, _ = _draft_and_ingest(path)

    labels = [shared] + [f"{shared} ({k})" for k in range(2, len(twins) + 1)]
    questions = {q.header: q for q in draft.questions}
    assert len(draft.questions) == 10 and set(labels) <= set(questions)
    assert {questions[label].text for label in labels} == {shared}
    (said,) = [w for w in draft.read if f"en-tête « {shared} » présent {len(twins)} fois" in w]
    assert "chaque colonne est une question, lue dans l'ordre" in said
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (47, 47, 0)
    assert any(f"« {shared} » présent {len(twins)} fois" in w and "lues dans l'ordre" in w for w in report.warnings)

    # Each column's answers under its own question, in the file's order.
    con = store.connect(None)
    ingest_consultation(con, load_consultation(path.parent), path.parent)
    for label, column in zip(labels, twins, strict=True):
        qid = questions[label].id
        got = dict(con.execute("SELECT respondent_id, text FROM answers WHERE question_id = ?", [qid]).fetchall())
        ident = HEADER.index("Identifiant")
        assert {r[ident]: " ".join(r[column].split()) for r in ROWS if r[column].strip()} == {
            k: " ".join(v.split()) for k, v in got.items() if v}


def test_a_new_column_under_that_header_the_next_night_stops_the_import(tmp_path):
    """Night 2 has a third « Précisez : » column before the two read: their ranks would move, so the
    import stops, naming the columns, rather than read the wrong answers."""
    header, twins, shared, fmt = _case(0)
    path = _write(tmp_path / "export", header, ROWS, fmt)
    _draft_and_ingest(path)
    extra = [shared, *header]
    _write(tmp_path / "export", extra, [["Un ajout du formulaire, rempli par chacun.", *r] for r in ROWS], fmt)
    con = store.connect(None)
    with pytest.raises(InputFileError) as raised:
        ingest_consultation(con, load_consultation(path.parent), path.parent)
    assert f"en-tête présent {len(twins) + 1} fois" in str(raised.value)
    assert "nommez chacune dans consultation.yaml" in str(raised.value)


def test_a_closed_column_under_a_questions_header_is_said_at_init(tmp_path):
    """« Précisez : » over a question and over a short closed answer: init says the import will stop."""
    header, rows = list(HEADER), [list(r) for r in ROWS]
    header[ANSWERS[2]] = "Précisez :"
    header.append("Précisez :")
    for i, r in enumerate(rows):
        r.append(["Oui", "Non"][i % 2])
    path = _write(tmp_path / "export", header, rows, "csv")
    from consultation.draft import recognise

    draft, _ = recognise(path, path.parent)
    (said,) = [w for w in draft.read if "« Précisez : » présent 2 fois" in w]
    assert "l'import s'arrêtera" in said
