"""The generated export families, under the configuration `consultation init` drafts.

Every family of tests/test_ingest_families*.py ran under the sample's hand-written
consultation.yaml; a federation's first consultation is drafted by `init` from its export, with
no column known beforehand. Run under drafts, the families found what follows (30 of the 59 cases
here fail on 82eca19, the others are guards):

- a workbook whose first sheet is a notice (« Lisez-moi »): `init` read the notice and stopped
  (« aucune colonne de région »); the notice is now named as no table, the answers drafted from
  the first sheet as wide as the widest table;
- `init --feuille X`: the draft was made from that sheet, but consultation.yaml did not name it,
  so each import read every sheet with the same headers;
- a respondent id repeated on a few rows (a count typed under numbered ids, a row on two sheets,
  a respondent twice): the « Identifiant » column was dropped without a word for « Horodateur »
  with the structure's name, under which a respondent sent twice with other answers was counted
  twice (48 respondents of 47); the id is kept now, its repeated values named at init, and the
  import sets both rows aside, each naming the other;
- JSON as a list of lists under a header row (the Google Sheets API), bare or in an envelope:
  refused by `init`, whose message named a column « None ».

Not covered: a summary sheet as wide as the answers placed before them is drafted as the answers
(`--feuille` names the right one); a list of lists of answers without a header row whose first
row shares no value with the rows below is read with that row as the header (said as such).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from consultation.cli import main
from consultation.draft import recognise
from consultation.errors import InputFileError
from ingest_family_support import HEADER, ROWS, content, ingest, quoted
from test_ingest_families_footers import (
    NOTES,
    TOTALS,
    _csv,
    _envelope,
    _footer_export,
    _respelled_book,
    _xlsx,
    count_under_ids,
)
from test_ingest_families_sheets import _book, _sheet, _split_export, named_sheets

ID = HEADER.index("Identifiant")
QUESTIONS = 10  # the sample's open questions as a draft finds them (its follow-up is one of them)


def _drafted(tmp_path: Path, name: str, data: bytes, filename: str, sheet: str | None = None):
    con, report = ingest(tmp_path, name, data, filename, sheet=sheet, drafted=True)
    return content(con, by_position=True), report, con


@pytest.mark.parametrize("seed", range(10))
def test_a_split_workbook_is_drafted_from_its_answers_whatever_sheet_comes_first(seed, tmp_path, drafted_reference):
    sheets, read, expected, _, twin, _, extra = _split_export(seed)
    data, filename = _book(sheets, "ods" if seed % 4 == 3 else "xlsx")
    (tmp_path / filename).write_bytes(data)
    draft, _ = recognise(tmp_path / filename, tmp_path)
    assert draft.respondent_id == ["Identifiant"], draft.id_note
    assert len(draft.questions) == QUESTIONS
    if "notice" in extra:
        assert any("« Notice »" in w and "pas de tableau" in w for w in draft.read), draft.read
    if twin is not None and twin[1]:  # the same id twice, other answers: both named at init
        assert f"sauf « {twin[0]} » sur 2 lignes" in draft.id_note
    said, report, _ = _drafted(tmp_path, "split", data, filename)
    assert said == drafted_reference(expected)
    assert report.rows_read == sum(len(s["rows"]) for s in sheets if s["name"] in read)


@pytest.mark.parametrize("seed", range(9))
def test_sheets_whose_headers_differ_by_spelling_are_drafted_from_the_first(seed, tmp_path, drafted_reference):
    data, read, other, _ = _respelled_book(seed)
    said, report, _ = _drafted(tmp_path, "spelled", data, "reponses.xlsx")
    assert said == drafted_reference([list(r) for r in read])
    if other is not None:
        assert any(f"« {other} »" in w and "non lue" in w for w in report.warnings)


@pytest.mark.parametrize("seed", range(4))
def test_the_sheet_chosen_at_init_is_the_only_one_each_run_reads(seed, tmp_path, drafted_reference):
    data, filename, names, cuts, chosen = named_sheets(seed, ods=seed % 2 == 1)
    export = tmp_path / filename
    export.write_bytes(data)
    folder, out = tmp_path / "consultation", tmp_path / "sorties"
    runner = CliRunner()
    drafted = runner.invoke(main, ["init", str(export), str(folder), "--feuille", names[chosen]])
    assert drafted.exit_code == 0, drafted.output
    assert f'sheet: "{names[chosen]}"' in (folder / "consultation.yaml").read_text(encoding="utf-8")
    a, b = cuts[chosen]
    said, report, _ = _drafted(tmp_path, "named", data, filename, sheet=names[chosen])
    assert said == drafted_reference([list(r) for r in ROWS[a:b]])
    assert report.rows_read == b - a and not any("réponses lues sur" in w for w in report.warnings)
    ran = runner.invoke(main, ["ingest", str(folder), "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    assert f"répondants en base : {b - a}" in ran.output, ran.output


@pytest.mark.parametrize("seed", range(10))
def test_json_in_an_envelope_or_as_lists_under_a_header_is_drafted_and_read(seed, tmp_path, drafted_reference):
    document, _, _ = _envelope(seed)
    data = json.dumps(document, ensure_ascii=False).encode()
    said, report, _ = _drafted(tmp_path, "envelope", data, "reponses.json")
    assert said == drafted_reference([list(r) for r in ROWS])
    assert report.rows_quarantined == 0


def test_json_lists_without_a_header_row_are_refused_by_init_naming_what_is_missing(tmp_path):
    path = tmp_path / "reponses.json"
    path.write_text(json.dumps([list(r) for r in ROWS], ensure_ascii=False), encoding="utf-8")  # pandas' orient="values"
    with pytest.raises(InputFileError) as refused:
        recognise(path, tmp_path)
    message = str(refused.value)
    assert "ne nomme pas les colonnes" in message and "None" not in message


@pytest.mark.parametrize("seed", range(12))
def test_notes_and_totals_under_a_table_leave_its_id_column_the_id(seed, tmp_path, drafted_reference):
    lines, expected, footers = _footer_export(seed)
    kind = "xlsx" if seed % 4 == 3 else "csv"
    said, report, _ = _drafted(tmp_path, "footers", _xlsx(lines) if kind == "xlsx" else _csv(lines), f"reponses.{kind}")
    assert said == drafted_reference(expected)
    assert (report.respondents, report.rows_quarantined) == (len(expected), len(footers))


@pytest.mark.parametrize("seed", range(4))
def test_a_count_under_numbered_ids_is_named_at_init_and_set_aside_by_the_import(seed, tmp_path, drafted_reference):
    lines, rows, count = count_under_ids(seed)
    filename = "reponses.xlsx" if seed % 2 else "reponses.csv"
    (tmp_path / filename).write_bytes(_xlsx(lines) if seed % 2 else _csv(lines))
    draft, _ = recognise(tmp_path / filename, tmp_path)
    assert draft.respondent_id == ["Identifiant"] and f"sauf « {count} » sur 2 lignes" in draft.id_note
    said, report, _ = _drafted(tmp_path, "count", (tmp_path / filename).read_bytes(), filename)
    assert said == drafted_reference(rows)
    assert (report.respondents, report.rows_quarantined) == (len(rows), 1)


@pytest.mark.parametrize("seed", range(6))
def test_a_respondent_sent_twice_with_other_answers_is_never_counted_twice(seed, tmp_path):
    """The same id on two rows, answers corrected, sent a few minutes apart: under « Horodateur »
    with the structure's name (what the draft chose) they were two respondents; under the id the
    draft keeps, both rows are set aside, each naming the other, for a person to choose."""
    rnd = random.Random(seed)
    rows = [list(r) for r in ROWS]
    twice = rnd.sample(range(len(rows)), rnd.randint(1, 2))
    for i in twice:
        again = list(rows[i])
        again[0] = again[0][:-2] + f"{(int(again[0][-2:]) + 7) % 60:02d}"  # sent again, later
        again[-1] = (again[-1] + " (corrigé)").strip()
        rows.insert(rnd.randrange(i + 1, len(rows) + 1), again)
    data = quoted(rows, rnd.choice([";", ","]))
    (tmp_path / "reponses.csv").write_bytes(data)
    draft, _ = recognise(tmp_path / "reponses.csv", tmp_path)
    assert draft.respondent_id == ["Identifiant"]
    assert all(f"« {ROWS[i][ID]} »" in draft.id_note for i in twice), draft.id_note
    _, report, con = _drafted(tmp_path, "twice", data, "reponses.csv")
    assert report.respondents == len(ROWS) - len(twice)
    assert report.rows_quarantined == 2 * len(twice)
    reasons = [r for (r,) in con.execute("SELECT reason FROM quarantine").fetchall()]
    assert all(any(f"« {ROWS[i][ID]} » présent plusieurs fois" in r for r in reasons) for i in twice), reasons


@pytest.mark.parametrize("structures", [3, 12])
def test_a_code_column_shared_by_the_respondents_of_a_structure_is_not_their_id(structures, tmp_path):
    """« Code » holding the structure's code repeats on many rows: not the respondents' id."""
    header = ["Code", *HEADER[:ID], *HEADER[ID + 1 :]]
    rows = [[f"S{n % structures:03d}", *r[:ID], *r[ID + 1 :]] for n, r in enumerate(ROWS)]
    (tmp_path / "reponses.csv").write_bytes(quoted(rows, ";", header))
    draft, _ = recognise(tmp_path / "reponses.csv", tmp_path)
    assert "Code" not in draft.respondent_id and draft.respondent_id[0] == "Horodateur"


def test_a_notice_of_several_lines_and_one_column_is_named_and_not_read(tmp_path, drafted_reference):
    notice = _sheet("Lisez-moi", ["Notice"], [[n] for n in NOTES])
    totals = _sheet("Totaux", ["Total"], [[str(t)] for t in TOTALS])
    data, filename = _book([notice, totals, _sheet("Réponses", HEADER, [list(r) for r in ROWS])], "xlsx")
    (tmp_path / filename).write_bytes(data)
    draft, _ = recognise(tmp_path / filename, tmp_path)
    assert any("feuilles « Lisez-moi », « Totaux » non lues : pas de tableau" in w for w in draft.read), draft.read
    said, _, _ = _drafted(tmp_path, "notice", data, filename)
    assert said == drafted_reference([list(r) for r in ROWS])
