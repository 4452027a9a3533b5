"""Generated families of exports whose answers were lost or misread without a word.

- Answers spread over several visible sheets with the same headers (split by region, by month, or
  by a tool's cap on rows per sheet): only the first sheet was read, the others' respondents lost.
- Rows and columns hidden in the sheet, by hand or by a filter: read, but nothing said so.
- JSON whose records hold objects or lists: their JSON text went in as answers (« {"q1": …} »),
  and a region written as an object counted under « Région inconnue ».

Each family is seeded: the same seed gives the same workbook or file."""

from __future__ import annotations

import io
import itertools
import json
import random
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from consultation.cli import main
from consultation.errors import InputFileError
from ingest_family_support import HEADER, ROWS, content, ingest, ods_archive

ID = HEADER.index("Identifiant")
REGION = HEADER.index("Région")
NAMES = ["Réponses 1", "Réponses 2", "Réponses 3", "Janvier", "Février", "Mars", "Île-de-France", "Occitanie",
         "Feuil2", "Export (suite)", "Sheet1", "Réponses_2020"]


def _sheet(name: str, header: list[str], rows: list[list[str]], **marks) -> dict:
    """A sheet: `title` (a line above the header), `hidden` (the sheet), `hidden_rows` (sheet row
    numbers, 1-based), `hidden_columns` (1-based), `auto_filter`."""
    return {"name": name, "header": header, "rows": rows, **marks}


def _lines(sheet: dict) -> list[list[str]]:
    return ([["Export du questionnaire — fédération"]] if sheet.get("title") else []) + [sheet["header"], *sheet["rows"]]


def _xlsx(sheets: list[dict]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet["name"])
        for line in _lines(sheet):
            ws.append(line)
        if sheet.get("hidden"):
            ws.sheet_state = "hidden"
        for row in sheet.get("hidden_rows", []):
            ws.row_dimensions[row].hidden = True
        for col in sheet.get("hidden_columns", []):
            ws.column_dimensions[get_column_letter(col)].hidden = True
        if sheet.get("auto_filter"):
            top = 2 if sheet.get("title") else 1
            ws.auto_filter.ref = f"A{top}:{get_column_letter(len(sheet['header']))}{top + len(sheet['rows'])}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _ods(sheets: list[dict]) -> bytes:
    """An OpenDocument workbook as LibreOffice lays one out: hidden rows `collapse`d (or hidden by
    the filter: `filter`), hidden columns declared before the rows."""
    spaces = ('xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
              'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
              'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
              'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"')
    tables, styles = [], []
    for n, sheet in enumerate(sheets):
        if sheet.get("hidden"):
            styles.append(f'<style:style style:name="ta{n}" style:family="table">'
                          '<style:table-properties table:display="false"/></style:style>')
        width = max(len(line) for line in _lines(sheet))
        hidden_columns = set(sheet.get("hidden_columns", []))
        collapsed = ' table:visibility="collapse"'
        columns = "".join(
            f"<table:table-column{collapsed if c in hidden_columns else ''}/>" for c in range(1, width + 1)
        )
        how = ' table:visibility="filter"' if sheet.get("auto_filter") else collapsed
        body = "".join(
            f"<table:table-row{how if r in sheet.get('hidden_rows', []) else ''}>" + "".join(
                '<table:table-cell office:value-type="string">'
                + "".join(f"<text:p>{escape(part)}</text:p>" for part in v.split("\n")) + "</table:table-cell>"
                if v else "<table:table-cell/>" for v in line
            ) + "</table:table-row>"
            for r, line in enumerate(_lines(sheet), start=1)
        )
        style = f' table:style-name="ta{n}"' if sheet.get("hidden") else ""
        tables.append(f'<table:table table:name="{escape(sheet["name"])}"{style}>{columns}{body}</table:table>')
    content_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {spaces} office:version="1.2">'
        f'<office:automatic-styles>{"".join(styles)}</office:automatic-styles>'
        f'<office:body><office:spreadsheet>{"".join(tables)}</office:spreadsheet></office:body></office:document-content>'
    )
    return ods_archive(content_xml)


def _book(sheets: list[dict], kind: str) -> tuple[bytes, str]:
    return (_xlsx(sheets), "reponses.xlsx") if kind == "xlsx" else (_ods(sheets), "reponses.ods")


def _cuts(rnd: random.Random, n: int, parts: int) -> list[tuple[int, int]]:
    bounds = [0, *sorted(rnd.sample(range(1, n), parts - 1)), n]
    return list(itertools.pairwise(bounds))


def _quarantine(con) -> list[tuple[int, str]]:
    return con.execute("SELECT source_row, reason FROM quarantine ORDER BY source_row, reason").fetchall()


# --------------------------------------------------------------------------
# Answers over several sheets
# --------------------------------------------------------------------------


def _split_export(seed: int):
    """A workbook of the sample's answers split over 2 to 4 sheets (columns in another order on
    some, a title line on some), with around them, by seed: a notice sheet first, a hidden sheet
    of old answers, a visible sheet with other headers, a respondent on two sheets (the same
    answers, or different ones), a region no one knows. Returns the sheets, the rows the database
    must hold, and what the test checks."""
    rnd = random.Random(seed)
    rows = [list(r) for r in ROWS]
    unknown = None
    if rnd.random() < 0.5:
        unknown = rnd.randrange(len(rows))
        rows[unknown][REGION] = "Atlantide"
    k = rnd.randint(2, 4)
    names = rnd.sample(NAMES, k)
    sheets, where = [], {}  # where: respondent id -> (sheet, row number in the sheet)
    for s, (a, b) in enumerate(_cuts(rnd, len(rows), k)):
        order = list(range(len(HEADER)))
        if s and rnd.random() < 0.5:
            rnd.shuffle(order)
        title = rnd.random() < 0.3
        part = [[r[i] for i in order] for r in rows[a:b]]
        sheets.append(_sheet(names[s], [HEADER[i] for i in order], part, title=title, order=order))
        for n, r in enumerate(rows[a:b]):
            where[r[ID]] = (names[s], n + (3 if title else 2))
    read = [s["name"] for s in sheets]
    expected = [list(r) for r in rows]
    twin = None
    if rnd.random() < 0.6:
        source, target = rnd.sample(range(k), 2)
        original = sheets[source]["rows"][rnd.randrange(len(sheets[source]["rows"]))]
        copy = [original[sheets[source]["order"].index(i)] for i in sheets[target]["order"]]
        conflict = rnd.random() < 0.5
        answer = sheets[target]["order"].index(HEADER.index(HEADER[-1]))
        if conflict:
            copy[answer] = copy[answer] + " (réponse corrigée)"
        at = rnd.randrange(len(sheets[target]["rows"]) + 1)
        sheets[target]["rows"].insert(at, copy)
        rid = original[sheets[source]["order"].index(ID)]
        # the rows after the copy moved down by one
        for other, (name, row) in list(where.items()):
            first = 3 if sheets[target]["title"] else 2
            if name == sheets[target]["name"] and row >= first + at:
                where[other] = (name, row + 1)
        twin = (rid, conflict, where[rid], (sheets[target]["name"], at + (3 if sheets[target]["title"] else 2)))
        if conflict:
            expected = [r for r in expected if r[ID] != rid]
    extra = []
    if rnd.random() < 0.5:
        extra.append("notice")
        sheets.insert(0, _sheet("Notice", ["Lisez-moi"], [["Export brut du questionnaire, une feuille par lot."]]))
    if rnd.random() < 0.4:
        extra.append("hidden")
        old = [list(r) for r in ROWS[:3]]
        for r in old:
            r[ID] = "ANCIEN-" + r[ID]
        sheets.insert(rnd.randrange(len(sheets) + 1), _sheet("Ancien export", HEADER, old, hidden=True))
    if rnd.random() < 0.5:
        extra.append("other")
        dropped = rnd.choice([i for i in range(len(HEADER)) if i != ID])
        header = [h for i, h in enumerate(HEADER) if i != dropped] + ["Commentaire interne"]
        other = [[*([c for i, c in enumerate(r) if i != dropped]), "vu"] for r in ROWS[:2]]
        for r in other:
            r[ID] = "AUTRE-" + r[ID]
        sheets.append(_sheet("Synthèse", header, other, dropped=HEADER[dropped]))
    return sheets, read, expected, where, twin, unknown, extra


@pytest.mark.parametrize("seed", range(10))
def test_answers_split_over_sheets_are_all_read_each_row_named_by_its_sheet(seed, tmp_path, clean_reference):
    sheets, read, expected, where, twin, unknown, extra = _split_export(seed)
    kind = "ods" if seed % 4 == 3 else "xlsx"
    data, filename = _book(sheets, kind)
    con, report = ingest(tmp_path, "split", data, filename)

    assert content(con) == clean_reference(expected)
    by_name = {s["name"]: s for s in sheets}
    assert report.rows_read == sum(len(by_name[n]["rows"]) for n in read)
    said = next(w for w in report.warnings if "réponses lues sur" in w)
    for name in read:
        count = len(by_name[name]["rows"])
        assert f"« {name} » ({count} ligne{'s' if count > 1 else ''})" in said
    assert all(f"« {n} »" in report.read_as for n in read)
    # every respondent's row is the one a person sees in its sheet
    stored = dict(con.execute("SELECT respondent_id, source_row FROM respondents").fetchall())
    if twin is not None and not twin[1]:  # an exact copy: the row kept is the one on the first sheet read
        where[twin[0]] = min(twin[2], twin[3], key=lambda p: read.index(p[0]))
    for rid, row in stored.items():
        assert where[rid][1] == row
    ids = set(stored)
    assert not any(i.startswith(("ANCIEN-", "AUTRE-")) for i in ids)
    if "hidden" in extra:
        assert any("masquée" in w and "« Ancien export »" in w for w in report.warnings)
    if "other" in extra:
        skipped = next(w for w in report.warnings if "« Synthèse »" in w)
        assert "non lue" in skipped and f"« {by_name['Synthèse']['dropped'][:60]} »" in skipped
        assert "Commentaire interne" in skipped
    if "notice" in extra:
        assert not any("Notice" in w for w in report.warnings)

    quarantined = _quarantine(con)
    if twin is None:
        assert quarantined == []
    else:
        rid, conflict, (first_sheet, first_row), (copy_sheet, copy_row) = twin
        if conflict:
            assert len(quarantined) == 2
            for _, reason in quarantined:
                assert f"répondant « {rid} » présent plusieurs fois" in reason
                assert f"feuille « {first_sheet} », ligne {first_row}" in reason
                assert f"feuille « {copy_sheet} », ligne {copy_row}" in reason
        else:
            ((row, reason),) = quarantined
            (later_sheet, later_row), (kept_sheet, kept_row) = sorted(
                [(first_sheet, first_row), (copy_sheet, copy_row)], key=lambda p: read.index(p[0]), reverse=True)
            assert row == later_row
            assert reason == f"feuille « {later_sheet} » : doublon exact de la ligne {kept_row} (feuille « {kept_sheet} ») (répondant {rid})"
    if unknown is not None and ROWS[unknown][ID] in ids:
        sheet, row = where[ROWS[unknown][ID]]
        assert any(f"feuille « {sheet} », ligne {row}" in w and "« Atlantide »" in w for w in report.warnings)


@pytest.mark.parametrize("seed", range(2))
def test_a_workbook_with_every_answer_and_the_same_split_by_region_counts_each_respondent_once(
    seed, tmp_path, clean_reference
):
    """« Ensemble » then one sheet per region, holding the same rows again: each respondent once,
    each copy quarantined as an exact copy of its row on « Ensemble », naming both sheets."""
    rnd = random.Random(seed)
    regions = sorted({r[REGION] for r in ROWS})
    sheets = [_sheet("Ensemble", HEADER, [list(r) for r in ROWS])]
    for region in rnd.sample(regions, len(regions)):
        sheets.append(_sheet(region[:31], HEADER, [list(r) for r in ROWS if r[REGION] == region]))
    data, filename = _book(sheets, "xlsx" if seed == 0 else "ods")
    con, report = ingest(tmp_path, "all", data, filename)
    assert content(con) == clean_reference([list(r) for r in ROWS])
    assert (report.rows_read, report.rows_quarantined) == (2 * len(ROWS), len(ROWS))
    row_of = {r[ID]: n + 2 for n, r in enumerate(ROWS)}
    quarantined = set(_quarantine(con))
    for sheet in sheets[1:]:
        for n, r in enumerate(sheet["rows"]):
            reason = f"feuille « {sheet['name']} » : doublon exact de la ligne {row_of[r[ID]]} (feuille « Ensemble ») (répondant {r[ID]})"
            assert (n + 2, reason) in quarantined


def named_sheets(seed: int, ods: bool) -> tuple[bytes, str, list[str], list[tuple[int, int]], int]:
    """The sample's answers cut over 2 to 4 sheets with the same headers, and one of them chosen:
    the workbook, its file name, the sheets' names, their rows in the sample, the chosen one."""
    rnd = random.Random(seed)
    k = rnd.randint(2, 4)
    names = rnd.sample(NAMES, k)
    cuts = _cuts(rnd, len(ROWS), k)
    sheets = [_sheet(names[s], HEADER, [list(r) for r in ROWS[a:b]]) for s, (a, b) in enumerate(cuts)]
    chosen = rnd.randrange(k)
    data, filename = _book(sheets, "ods" if ods else "xlsx")
    return data, filename, names, cuts, chosen


@pytest.mark.parametrize("seed", range(4))
def test_a_sheet_named_in_the_configuration_is_read_alone(seed, tmp_path, clean_reference):
    data, filename, names, cuts, chosen = named_sheets(seed, ods=seed % 3 == 2)
    con, report = ingest(tmp_path, "named", data, filename, sheet=names[chosen])
    a, b = cuts[chosen]
    assert content(con) == clean_reference([list(r) for r in ROWS[a:b]])
    assert report.rows_read == b - a
    assert not any("réponses lues sur" in w for w in report.warnings)
    assert report.read_as.endswith(f"feuille « {names[chosen]} », en-têtes ligne 1")


# --------------------------------------------------------------------------
# Hidden rows and columns, filters
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_hidden_rows_and_columns_are_read_and_named(seed, tmp_path, clean_reference):
    """A row hidden by hand or by a filter is still in the file: it is read (hiding is a view) and
    the warning names each hidden row and column, so the user knows the counts include them."""
    rnd = random.Random(seed)
    kind = "ods" if seed % 4 == 3 else "xlsx"
    title = rnd.random() < 0.3
    first = 3 if title else 2
    nothing = seed % 5 == 0
    hidden_rows = [] if nothing else sorted(rnd.sample(range(first, first + len(ROWS)), rnd.randint(0, 6)))
    hidden_columns = [] if nothing else sorted(rnd.sample(range(1, len(HEADER) + 1), rnd.randint(0 if hidden_rows else 1, 3)))
    auto_filter = bool(hidden_rows) and rnd.random() < 0.5
    hidden_rows_above = [1] if title and rnd.random() < 0.5 else []  # the title line: not data, not named
    sheet = _sheet("Réponses", HEADER, [list(r) for r in ROWS], title=title,
                   hidden_rows=hidden_rows_above + hidden_rows, hidden_columns=hidden_columns, auto_filter=auto_filter)
    data, filename = _book([sheet], kind)
    con, report = ingest(tmp_path, "hidden", data, filename)

    assert content(con) == clean_reference([list(r) for r in ROWS])
    assert report.rows_read == len(ROWS) and report.rows_quarantined == 0
    said = [w for w in report.warnings if "masquée" in w]
    if nothing:
        assert said == []
        return
    (said,) = said
    if hidden_rows:
        n = len(hidden_rows)
        assert f"{n} ligne{'s' if n > 1 else ''} masquée{'s' if n > 1 else ''} ({', '.join(map(str, hidden_rows))})" in said
    else:
        assert "ligne masquée" not in said and "lignes masquées" not in said
    for col in hidden_columns:
        assert f"{get_column_letter(col)} « {HEADER[col - 1][:60]} »" in said
    assert ("filtre actif" in said) == (auto_filter and kind == "xlsx")
    assert "lue" in said and "supprimez" in said


# --------------------------------------------------------------------------
# Nested JSON
# --------------------------------------------------------------------------

WRAPPERS = [["reponses"], ["answers"], ["data", "reponses"], ["submission", "fields"]]
ANSWER_COLUMNS = [i for i, h in enumerate(HEADER) if h[0].isdigit()]


def _nest(record: dict, path: list[str], keys: list[str]) -> None:
    """Move `keys` of `record` under the nested objects `path`."""
    inner = record
    for step in path:
        inner = inner.setdefault(step, {})
    for key in keys:
        inner[key] = record.pop(key)


def _nested_export(seed: int):
    rnd = random.Random(seed)
    path = rnd.choice(WRAPPERS)
    identity = rnd.random() < 0.5  # the structure's name and type under « structure » too
    records, expected, listed = [], [], []
    for n, row in enumerate(ROWS):
        record = dict(zip(HEADER, row, strict=True))
        clean = list(row)
        if rnd.random() < 0.15:
            col = rnd.choice(ANSWER_COLUMNS)
            parts = [p for p in rnd.sample(["Logement", "Santé", "Emploi", "Formation"], rnd.randint(1, 3))]
            record[HEADER[col]] = parts
            clean[col] = " / ".join(parts)
            listed.append((HEADER[col], n + 1))
        _nest(record, path, [HEADER[i] for i in ANSWER_COLUMNS])
        if identity:
            _nest(record, ["structure"], ["Nom de la structure", "Type de structure"])
        records.append(record)
        expected.append(clean)
    prefix = ".".join(path)

    def edit(config: dict) -> None:
        for q in [*config["questions"], *config["free_text"]]:
            q["columns"] = [f"{prefix}.{c}" for c in q["columns"]]
            if q.get("follow_up"):
                q["follow_up"]["columns"] = [f"{prefix}.{c}" for c in q["follow_up"]["columns"]]
        if identity:
            config["columns"]["structure_name"] = "structure.Nom de la structure"
            config["columns"]["structure_type"] = "structure.Type de structure"

    return records, expected, listed, prefix, edit


def _parquet(records: list[dict], listed: list[tuple[str, int]]) -> bytes:
    """The records as a Parquet file: objects as structs, and every value of a column that holds
    a list somewhere as a list (a Parquet column has one type)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {c for c, _ in listed}

    def as_lists(record: dict) -> dict:
        return {k: as_lists(v) if isinstance(v, dict) else [v] if k in columns and isinstance(v, str) else v
                for k, v in record.items()}

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist([as_lists(r) for r in records]), buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("seed", range(9))
def test_nested_json_is_read_under_dotted_names_never_as_json_text(seed, tmp_path, clean_reference):
    """JSON Lines, a JSON list, and Parquet (structs and lists), nested the same ways."""
    records, expected, listed, prefix, edit = _nested_export(seed)
    layout = ("jsonl", "json", "parquet")[seed % 3]
    lines = layout != "json"
    if layout == "jsonl":
        data, filename = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode(), "reponses.jsonl"
    elif layout == "json":
        data, filename = json.dumps(records, ensure_ascii=False, indent=1).encode(), "reponses.json"
    else:
        data, filename = _parquet(records, listed), "reponses.parquet"
    con, report = ingest(tmp_path, "nested", data, filename, edit=edit)

    assert content(con) == clean_reference(expected)
    texts = [t for (t,) in con.execute("SELECT text FROM answers UNION ALL SELECT follow_up FROM answers "
                                       "UNION ALL SELECT structure_name FROM respondents").fetchall() if t]
    assert not any(t.lstrip().startswith(("{", "[")) or "{'" in t for t in texts)
    said = next(w for w in report.warnings if "objets imbriqués" in w)
    assert f"« {prefix.split('.')[0]} »" in said and f"« {prefix}.{HEADER[ANSWER_COLUMNS[0]]} »" in said
    where = "ligne" if lines else "enregistrement"
    for column in {c for c, _ in listed}:
        numbers = [n for c, n in listed if c == column] if layout != "parquet" else list(range(1, len(ROWS) + 1))
        warning = next(w for w in report.warnings if f"colonne « {prefix}.{column} »" in w)
        assert f"{where}{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers[:10]))}" in warning
        assert "séparées par « / »" in warning


REFUSED = [
    ("liste d'objets", lambda rnd: [{"choix": rnd.choice(["Logement", "Santé"])}, {"choix": "Emploi"}]),
    ("liste de listes", lambda rnd: [["a", "b"], ["c"]]),
]


@pytest.mark.parametrize("seed", range(4))
def test_a_list_of_objects_in_a_record_is_refused_naming_file_line_and_key(seed, tmp_path):
    rnd = random.Random(seed)
    what, value = REFUSED[seed % 2]
    records = [dict(zip(HEADER, r, strict=True)) for r in ROWS[:12]]
    line = rnd.randrange(len(records))
    key = HEADER[rnd.choice(ANSWER_COLUMNS)]
    nested = rnd.random() < 0.5
    records[line][key] = value(rnd)
    if nested:
        for r in records:
            _nest(r, ["reponses"], [key])
        key = f"reponses.{key}"
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    with pytest.raises(InputFileError) as refused:
        ingest(tmp_path, "refused", data, "reponses.jsonl")
    (problem,) = refused.value.problems
    assert problem.row == line + 1 and problem.column == key and what in problem.message
    assert str(problem).startswith(str(tmp_path / "refused" / "reponses.jsonl") + f", ligne {line + 1}, colonne « {key} »")


def test_a_parquet_list_of_structs_is_refused_naming_row_and_column(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = [dict(zip(HEADER, r, strict=True)) for r in ROWS[:6]]
    column = HEADER[ANSWER_COLUMNS[2]]
    for n, r in enumerate(records):
        r[column] = [{"choix": "Logement"}] if n == 4 else None
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(records), buffer)
    with pytest.raises(InputFileError) as refused:
        ingest(tmp_path, "parquet", buffer.getvalue(), "reponses.parquet")
    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (5, column) and "liste d'objets" in problem.message


def test_the_cli_names_a_refused_nested_value_without_a_traceback(tmp_path):
    records = [dict(zip(HEADER, r, strict=True)) for r in ROWS[:5]]
    records[3]["Région"] = [{"nom": "Bretagne"}]
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    with pytest.raises(InputFileError):
        ingest(tmp_path, "cli", data, "reponses.jsonl")
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "cli"), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "reponses.jsonl, ligne 4, colonne « Région » : liste d'objets" in result.output


def test_a_flattened_key_that_exists_already_is_refused(tmp_path):
    records = [dict(zip(HEADER, r, strict=True)) for r in ROWS[:4]]
    records[2]["reponses"] = {"q1": "a"}
    records[2]["reponses.q1"] = "b"
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    with pytest.raises(InputFileError) as refused:
        ingest(tmp_path, "twice", data, "reponses.jsonl")
    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (3, "reponses.q1") and "deux fois" in problem.message


def test_the_quarantine_listing_names_the_sheet_before_the_line(tmp_path):
    """`consultation quarantine` of a workbook read from two sheets: « fichier, feuille « X »,
    ligne N : motif », the place first as for every other row (the reason used to start with it)."""
    data, name = _book([_sheet("Réponses 1", HEADER, ROWS[:4]), _sheet("Réponses 2", HEADER, [*ROWS[4:8], ROWS[0]])], "xlsx")  # respondent 1 twice
    folder = tmp_path / "q"
    ingest(tmp_path, "q", data, name)  # writes the folder and checks rows read = ingested + set aside
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["ingest", str(folder), "--out", str(out)]).exit_code == 0
    result = CliRunner().invoke(main, ["quarantine", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 ligne en quarantaine :" in result.output
    assert (f"  reponses.xlsx, feuille « Réponses 2 », ligne 6 : doublon exact de la ligne 2 "
            f"(feuille « Réponses 1 ») (répondant {ROWS[0][ID]})") in result.output
