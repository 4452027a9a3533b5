"""Generated families of exports read wrong without a word.

- Notes, totals and footers under the table (« Source : … », « N = 47 », « Nombre de réponses :
  47 », an export's stamp, a signature, a count alone): a line directly under the last respondent,
  in the id column, was a respondent whose id was the note; one beside it was set aside as « no
  id » and named nowhere. Respondents who answered one question, placed the same way, are read.
- JSON wrapped in an envelope (`{"meta": …, "responses": [...]}`, one level deeper, or a list of
  lists under a header row): refused.
- A second sheet whose headers differ from the first's only by their spelling (case, accents,
  spaces, punctuation, a line break): skipped as « other headers », its respondents lost.
- Rows and columns hidden in an old Excel (.xls) sheet: read (calamine reads cells only), but
  named nowhere, as they are for .xlsx and .ods.

Each family is seeded: the same seed gives the same file."""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import subprocess

import pytest
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from consultation.errors import InputFileError
from consultation.text import fold
from ingest_family_support import HEADER, ROWS, content, ingest

ID = HEADER.index("Identifiant")
REGION = HEADER.index("Région")
ANSWERS = [i for i, h in enumerate(HEADER) if h[0].isdigit()]
WIDTH = len(HEADER)


def _line(cells: dict[int, str]) -> list[str]:
    row = [""] * WIDTH
    for col, value in cells.items():
        row[col] = value
    return row


def _csv(lines: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(lines)
    return buffer.getvalue().encode("utf-8")


def _xlsx(lines: list[list[str]]) -> bytes:
    book = Workbook()
    for line in lines:
        book.active.append([c or None for c in line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _quarantine(con) -> dict[int, str]:
    return dict(con.execute("SELECT source_row, reason FROM quarantine").fetchall())


# --------------------------------------------------------------------------
# Notes, totals and footers around the table
# --------------------------------------------------------------------------

# What people and survey tools leave under the answers, one cell each: (text, the word the reason
# and the warning use).
NOTES = [
    "Source : enquête de la fédération, juin 2020",
    "Export généré le 02/12/2026 par LimeSurvey",
    "N = 47",
    "Nombre de réponses : 47",
    "47",
    "Marie Dupont, chargée de mission",
    "Réponses recueillies du 10 au 30 juin ; les noms des structures sont publiés avec leur accord.",
    "© Fédération — document interne",
]
TOTALS = [{ID: "Total"}, {0: "TOTAL", ID: "47"}, {REGION: "Total", ANSWERS[0]: "47"}, {ID: "Nombre de réponses :", REGION: "47"}]
ABOVE = [["Export du questionnaire « Ségur de la santé »"], ["Source : fédération, juin 2020"], []]


def _footer_export(seed: int):
    """The sample's answers with, by seed: title lines above the header, respondents who answered
    one question (or none) at the end, then one to four lines of notes or totals under the table
    (after an empty line or not, in the id column, the first column or any other). Returns the
    lines of the file, the rows the database must hold, and each footer's line number and text."""
    rnd = random.Random(seed)
    above = ABOVE[: rnd.randint(1, 3)] if rnd.random() < 0.4 else []
    rows = [list(r) for r in ROWS]
    few = []
    for k in range(rnd.randint(0, 3)):
        person = list(rnd.choice(ROWS))
        person[ID] = f"R{90 + k}"
        kept = {ID, *rnd.sample(ANSWERS, rnd.choice([0, 1, 1]))}
        if rnd.random() < 0.5:
            kept.add(REGION)
        person = [c if i in kept else "" for i, c in enumerate(person)]
        answered = kept - {ID, REGION}
        if answered and rnd.random() < 0.4:  # an answer that reads like a note: still an answer
            person[max(answered)] = rnd.choice(["Total", "Source : internet", "N = 3", "47"])
        few.append(person)
    lines = [*above, HEADER, *rows, *few]
    footers = []
    for _ in range(rnd.randint(1, 4)):
        if rnd.random() < 0.3:
            lines.append([])
        if rnd.random() < 0.25:
            cells = rnd.choice(TOTALS)
        else:
            cells = {rnd.choice([ID, ID, 0, rnd.randrange(WIDTH)]): rnd.choice(NOTES)}
        lines.append(_line(cells))
        footers.append((len(lines), " ".join(cells[c] for c in sorted(cells))))
    return lines, [*rows, *few], footers


@pytest.mark.parametrize("seed", range(12))
def test_notes_and_totals_under_the_table_are_set_aside_and_named(seed, tmp_path, clean_reference):
    lines, expected, footers = _footer_export(seed)
    kind = "xlsx" if seed % 4 == 3 else "csv"
    data = _xlsx(lines) if kind == "xlsx" else _csv(lines)
    con, report = ingest(tmp_path, "footers", data, f"reponses.{kind}")

    assert content(con) == clean_reference(expected)  # every respondent, the one-answer ones too
    assert (report.respondents, report.rows_quarantined) == (len(expected), len(footers))
    assert set(_quarantine(con)) == {row for row, _ in footers}
    for row, text in footers:
        said = [w for w in report.warnings if f"ligne {row} : « {text[:40]}" in w]
        assert len(said) == 1 and "non comptée" in said[0], (row, text, report.warnings)


def count_under_ids(seed: int) -> tuple[list[list[str]], list[list[str]], str]:
    """The sample numbered 1, 2, 3… and a count alone under it (after an empty line or not): the
    lines of the file, the respondents' rows, the count."""
    rnd = random.Random(seed)
    rows = [list(r) for r in ROWS]
    for n, r in enumerate(rows, start=1):
        r[ID] = str(n)
    count = str(rnd.choice([len(rows), rnd.randrange(1, len(rows))]))
    return [HEADER, *rows, *([[]] if rnd.random() < 0.5 else []), _line({ID: count})], rows, count


@pytest.mark.parametrize("seed", range(4))
def test_a_count_alone_under_numbered_ids_is_a_note_and_the_last_respondent_is_kept(seed, tmp_path, clean_reference):
    """Ids 1, 2, 3…: « 47 » alone under them (the count) was respondent 47 again, with other
    answers: a conflict, and the real respondent 47 was set aside with it."""
    lines, rows, count = count_under_ids(seed)
    data = _xlsx(lines) if seed % 2 else _csv(lines)
    con, report = ingest(tmp_path, "count", data, "reponses.xlsx" if seed % 2 else "reponses.csv")
    assert content(con) == clean_reference(rows)
    assert set(_quarantine(con)) == {len(lines)}
    assert any(f"ligne {len(lines)} : « {count} » ressemble à une note" in w for w in report.warnings)


# Notes of two cells: a label and its value, side by side in any two columns.
TWO_CELLS = [("N =", "47"), ("Source :", "enquête FNARS"), ("Export généré le", "02/12/2026"),
             ("Contact :", "Marie Dupont"), ("Nombre de structures", "47"), ("Réponses", "47 / 52"),
             ("Période :", "juin 2020"), ("Questionnaire", "v2")]


@pytest.mark.daily_cases(1)
@pytest.mark.parametrize("seed", range(6))
def test_a_note_of_two_cells_under_the_table_is_set_aside_and_named(seed, tmp_path, clean_reference):
    """« N = » | « 47 » under the answers (the label in the timestamp column, the count in the id's,
    as a spreadsheet user types it): respondent « 47 » without a region before 2026-12-06."""
    rnd = random.Random(seed)
    lines, notes = [HEADER, *ROWS], []
    for _ in range(rnd.randint(1, 3)):
        if rnd.random() < 0.3:
            lines.append([])
        label, value = rnd.choice(TWO_CELLS)
        first = rnd.choice([0, ID, REGION, 2, 3])
        second = rnd.choice([c for c in [ID, REGION, 3, *ANSWERS[:2]] if c > first])
        lines.append(_line({first: label, second: value}))
        notes.append((len(lines), f"{label} {value}"))
    kind = "xlsx" if seed % 3 == 2 else "csv"
    con, report = ingest(tmp_path, "two", _xlsx(lines) if kind == "xlsx" else _csv(lines), f"reponses.{kind}")
    assert content(con) == clean_reference([list(r) for r in ROWS])
    assert (report.respondents, report.rows_quarantined) == (len(ROWS), len(notes))
    assert set(_quarantine(con)) == {row for row, _ in notes}
    for row, text in notes:
        said = [w for w in report.warnings if f"ligne {row} : « {text}" in w]
        assert len(said) == 1 and "non comptée" in said[0], (row, text, report.warnings)


@pytest.mark.daily_cases(1)
@pytest.mark.parametrize("seed", range(3))
def test_a_respondent_with_an_unusual_id_and_one_answer_at_the_end_is_read(seed, tmp_path, clean_reference):
    """The look-alike of a two-cell note: an id unlike the others' (« R48-bis », « 48 ») and a
    sentence under one question; read as a respondent, nothing set aside."""
    rnd = random.Random(seed)
    lines, rows = [HEADER, *ROWS], [list(r) for r in ROWS]
    for _ in range(rnd.randint(1, 2)):
        cells = {ID: rnd.choice(["R48-bis", "48", "X-2020-17", "ACT Marseille"]),
                 rnd.choice(ANSWERS): rnd.choice(["Plus de moyens pour les équipes de nuit.",
                                                  "Nous avons manqué de masques au début."])}
        if any(r[ID] == cells[ID] for r in rows):
            continue
        lines.append(_line(cells))
        rows.append(_line(cells))
    con, report = ingest(tmp_path, "unusual", _xlsx(lines) if seed == 2 else _csv(lines),
                         "reponses.xlsx" if seed == 2 else "reponses.csv")
    assert content(con) == clean_reference(rows)
    assert report.rows_quarantined == 0
    assert not any("non comptée" in w for w in report.warnings)


@pytest.mark.parametrize("seed", range(6))
def test_a_respondent_who_answered_one_question_at_the_end_is_read(seed, tmp_path, clean_reference):
    """The look-alikes of a note: the last lines are respondents with an id like the others' and
    one answer (or none), after an empty line or not; nothing is set aside or said."""
    rnd = random.Random(seed)
    lines, rows = [HEADER, *ROWS], [list(r) for r in ROWS]
    for k in range(rnd.randint(1, 4)):
        if rnd.random() < 0.3:
            lines.append([])
        cells = {ID: f"R{60 + k}"}
        if rnd.random() < 0.8:
            cells[rnd.choice(ANSWERS)] = rnd.choice(["Plus de moyens.", "Total", "Source : le terrain", "47", "RAS"])
        lines.append(_line(cells))
        rows.append(_line(cells))
    data = _xlsx(lines) if seed % 3 == 2 else _csv(lines)
    con, report = ingest(tmp_path, "few", data, "reponses.xlsx" if seed % 3 == 2 else "reponses.csv")
    assert content(con) == clean_reference(rows)
    assert report.rows_quarantined == 0
    assert not any("non comptée" in w for w in report.warnings)


def test_a_note_under_each_sheet_of_a_split_export_is_set_aside_and_named_with_its_sheet(tmp_path, clean_reference):
    """Answers over two sheets, a note directly under each: the end of each sheet is looked at."""
    cut = 20
    book = Workbook()
    book.remove(book.active)
    for name, part, note in (("Réponses 1", ROWS[:cut], {ID: "Source : fédération"}), ("Réponses 2", ROWS[cut:], {0: "N = 27"})):
        ws = book.create_sheet(name)
        for line in [HEADER, *part, _line(note)]:
            ws.append([c or None for c in line])
    buffer = io.BytesIO()
    book.save(buffer)
    con, report = ingest(tmp_path, "split", buffer.getvalue(), "reponses.xlsx")
    assert content(con) == clean_reference([list(r) for r in ROWS])
    assert report.rows_quarantined == 2
    assert any(f"ligne {cut + 2} (feuille « Réponses 1 ») : « Source : fédération » ressemble à une note" in w
               for w in report.warnings), report.warnings
    assert any(f"ligne {len(ROWS) - cut + 2} (feuille « Réponses 2 ») : « N = 27 » ressemble à une note" in w
               for w in report.warnings), report.warnings


# --------------------------------------------------------------------------
# JSON in an envelope
# --------------------------------------------------------------------------

KEYS = ["data", "results", "items", "responses", "records", "rows", "answers", "reponses"]


def _records() -> list[dict]:
    return [dict(zip(HEADER, r, strict=True)) for r in ROWS]


def _envelope(seed: int):
    """The sample's answers in an envelope a survey tool or an API writes: under one key, with
    metadata beside it, one level deeper, or as a list of lists under a header row (rows cut of
    their trailing empty cells, as the Google Sheets API writes them). Some records hold the
    structure as a nested object. Returns the document, the key path said, and the config edit."""
    rnd = random.Random(seed)
    records = _records()
    layout = seed % 5  # 0, 4: objects; 1: objects with a nested one; 2: lists under a key; 3: lists alone
    nested = layout == 1
    if nested:
        for r in records:
            r["structure"] = {"nom": r.pop("Nom de la structure"), "type": r.pop("Type de structure")}
    table = layout in (2, 3)
    if table:
        body: list = [list(HEADER)]
        for r in ROWS:
            row = list(r)
            while row and not row[-1]:
                row.pop()
            body.append(row)
    else:
        body = records
    key = rnd.choice(KEYS)
    shape = rnd.choice(["top", "meta", "deep"])
    meta = {"survey": "Ségur", "exported_at": "2026-12-02T10:00:00Z", "count": len(ROWS), "tags": ["santé"]}
    if shape == "top":
        document, said = {key: body}, key
    elif shape == "meta":
        document, said = {"meta": meta, key: body, "total": len(ROWS)}, key
    else:
        outer = rnd.choice(["data", "result", "payload"])
        document, said = {"status": "ok", outer: {key: body, "page": 1}}, f"{outer}.{key}"
    if layout == 3:
        document, said = body, None

    def edit(config: dict) -> None:
        if nested:
            config["columns"]["structure_name"] = "structure.nom"
            config["columns"]["structure_type"] = "structure.type"

    return document, said, edit


@pytest.mark.parametrize("seed", range(10))
def test_json_in_an_envelope_is_read_and_the_key_named(seed, tmp_path, clean_reference):
    document, said, edit = _envelope(seed)
    data = json.dumps(document, ensure_ascii=False, indent=None if seed % 2 else 1).encode()
    con, report = ingest(tmp_path, "envelope", data, "reponses.json", edit=edit)
    assert content(con) == clean_reference([list(r) for r in ROWS])
    assert report.rows_quarantined == 0
    if said is not None:
        assert any(f"« {said} »" in w and "réponses lues" in w for w in report.warnings), report.warnings
    else:
        assert any("première ligne" in w and "en-têtes" in w for w in report.warnings), report.warnings


@pytest.mark.parametrize("seed", range(4))
def test_an_envelope_with_several_lists_of_records_is_refused_naming_them(seed, tmp_path):
    rnd = random.Random(seed)
    first, second = rnd.sample(KEYS, 2)
    records = _records()
    cut = rnd.randrange(5, len(records) - 5)
    document = {"meta": {"page": 1}, first: records[:cut], second: records[cut:]}
    if seed % 2:
        document = {"data": document}
        first, second = f"data.{first}", f"data.{second}"
    with pytest.raises(InputFileError) as refused:
        ingest(tmp_path, "several", json.dumps(document, ensure_ascii=False).encode(), "reponses.json")
    message = str(refused.value)
    assert f"« {first} »" in message and f"« {second} »" in message and "plusieurs listes" in message


def test_a_list_of_lists_whose_row_is_longer_than_its_header_is_refused_naming_the_row(tmp_path):
    body = [list(HEADER), *[list(r) for r in ROWS[:6]]]
    body[4] = [*body[4], "en trop"]
    with pytest.raises(InputFileError) as refused:
        ingest(tmp_path, "long", json.dumps({"values": body}, ensure_ascii=False).encode(), "reponses.json")
    (problem,) = refused.value.problems
    assert problem.row == 4 and "en trop" in str(problem)


# --------------------------------------------------------------------------
# Sheets whose headers differ only by their spelling
# --------------------------------------------------------------------------

SPELLINGS = [
    str.upper, str.lower, fold, lambda h: fold(h).upper(), lambda h: f"  {h}  ", lambda h: h.replace(" ", "  "),
    lambda h: h.rstrip(" ?.") + " :", lambda h: h.replace(" ", "\n", 1), lambda h: h.replace("'", "’"),
    lambda h: h.replace("-", " "),
]


def _respelled_book(seed: int):
    """Two or three sheets of the sample's answers; the later ones' headers respelled (and in
    another order on some), or, on some seeds, one sheet with a header really different."""
    rnd = random.Random(seed)
    cut = sorted(rnd.sample(range(5, len(ROWS) - 5), rnd.randint(1, 2)))
    parts = [ROWS[a:b] for a, b in zip([0, *cut], [*cut, len(ROWS)], strict=True)]
    book = Workbook()
    book.remove(book.active)
    other = None
    for n, part in enumerate(parts):
        header = list(HEADER)
        if n:
            for col in rnd.sample(range(WIDTH), rnd.randint(1, 5)):
                header[col] = rnd.choice(SPELLINGS)(HEADER[col])
        order = list(range(WIDTH))
        if n and rnd.random() < 0.5:
            rnd.shuffle(order)
        if n == len(parts) - 1 and seed % 3 == 2:
            col = rnd.choice(ANSWERS)
            header[col] = "Commentaire interne"  # not a spelling: another column
            other = f"Sheet{n + 1}"
        ws = book.create_sheet(f"Sheet{n + 1}")
        ws.append([header[i] for i in order])
        for r in part:
            ws.append([r[i] or None for i in order])
    buffer = io.BytesIO()
    book.save(buffer)
    read = [r for n, p in enumerate(parts) if f"Sheet{n + 1}" != other for r in p]
    return buffer.getvalue(), read, other, len(parts)


@pytest.mark.parametrize("seed", range(9))
def test_a_sheet_whose_headers_differ_only_by_spelling_is_read_with_the_first(seed, tmp_path, clean_reference):
    data, read, other, sheets = _respelled_book(seed)
    con, report = ingest(tmp_path, "spelled", data, "reponses.xlsx")
    assert content(con) == clean_reference([list(r) for r in read])
    if other is not None:
        assert any(f"« {other} »" in w and "non lue" in w for w in report.warnings)
    if sheets - (other is not None) > 1:
        said = next(w for w in report.warnings if "réponses lues sur" in w)
        assert "ne diffèrent que par leur écriture" in said, said


# --------------------------------------------------------------------------
# Rows and columns hidden in an .xls sheet
# --------------------------------------------------------------------------

_SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_SOFFICE is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("seed", range(3))
def test_rows_and_columns_hidden_in_an_xls_sheet_are_read_and_named(seed, tmp_path, clean_reference):
    """An .xlsx with hidden rows and columns, saved as .xls by LibreOffice (Excel 97 format)."""
    rnd = random.Random(seed)
    rows = sorted(rnd.sample(range(2, len(ROWS) + 2), rnd.randint(1, 5)))
    columns = sorted(rnd.sample(range(1, WIDTH + 1), rnd.randint(0, 2)))
    book = Workbook()
    for line in [HEADER, *ROWS]:
        book.active.append([c or None for c in line])
    for row in rows:
        book.active.row_dimensions[row].hidden = True
    for col in columns:
        book.active.column_dimensions[get_column_letter(col)].hidden = True
    book.save(tmp_path / "cache.xlsx")
    subprocess.run(
        [_SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "xls",
         "--outdir", str(tmp_path), str(tmp_path / "cache.xlsx")],
        check=True, capture_output=True, timeout=180,
    )
    con, report = ingest(tmp_path, "xls", (tmp_path / "cache.xls").read_bytes(), "reponses.xls")
    assert content(con) == clean_reference([list(r) for r in ROWS])
    (said,) = [w for w in report.warnings if "masquée" in w]
    n = len(rows)
    assert f"{n} ligne{'s' if n > 1 else ''} masquée{'s' if n > 1 else ''} ({', '.join(map(str, rows))})" in said
    for col in columns:
        assert f"{get_column_letter(col)} « {HEADER[col - 1][:60]} »" in said
