"""Reading survey exports: encodings, delimiters, Excel sheets and header rows, JSON Lines, Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from consultation.errors import InputFileError
from consultation.ingest.readers import header_key, read_table, sniff_delimiter

INGEST_DATA = Path(__file__).parent / "data" / "ingest"
FRENCH = "L’équipe a tenu : « un cœur soudé », dit-elle."
HEADER = ["Identifiant", "Région", "Q1. Que retenez-vous ?"]


def _write_csv(path: Path, rows: list[list[str]], *, encoding: str, delimiter: str = ";") -> Path:
    text = "\r\n".join(delimiter.join(f'"{c}"' if delimiter in c or "\n" in c else c for c in row) for row in rows)
    path.write_bytes((text + "\r\n").encode(encoding))
    return path


# --------------------------------------------------------------------------
# Encodings: the stored text is exactly what was typed, never mojibake
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "expected_name"),
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("cp1252", "Windows-1252"), ("utf-16", "UTF-16")],
)
def test_french_text_survives_every_usual_encoding(tmp_path, encoding, expected_name):
    path = _write_csv(tmp_path / "export.csv", [HEADER, ["R1", "Île-de-France", FRENCH]], encoding=encoding)
    table = read_table(path)
    assert table.encoding == expected_name
    assert table.frame.iloc[0].tolist() == ["R1", "Île-de-France", FRENCH]
    assert list(table.frame.columns) == HEADER


def test_latin1_export_is_read_as_latin1_text(tmp_path):
    text = "Réponse « très » précise à Noël"  # Latin-1 has no œ nor ’
    path = _write_csv(tmp_path / "export.csv", [HEADER, ["R1", "Bretagne", text]], encoding="latin-1")
    assert read_table(path).frame.iloc[0, 2] == text


def test_iso_8859_15_oe_is_not_read_as_one_half(tmp_path):
    path = _write_csv(tmp_path / "export.csv", [HEADER, ["R1", "Bretagne", "Un cœur à l'ouvrage, 15 €"]], encoding="iso-8859-15")
    table = read_table(path)
    assert table.frame.iloc[0, 2] == "Un cœur à l'ouvrage, 15 €"
    assert table.encoding == "ISO-8859-15"


@pytest.mark.parametrize("whole_file", [True, False])
def test_utf8_saved_again_as_windows_1252_is_repaired(tmp_path, whole_file):
    """An export opened in Excel as ANSI and saved again: 'Ã©' for 'é' (all of it, or some lines)."""
    good = ";".join(HEADER) + "\nR1;Bretagne;" + FRENCH + "\nR2;Corse;Créé à Noël\n"
    damaged = good.encode("utf-8").decode("cp1252")
    if not whole_file:
        damaged = good.splitlines()[0] + "\n" + "\n".join(damaged.splitlines()[1:]) + "\n"
    path = tmp_path / "export.csv"
    path.write_bytes(damaged.encode("utf-8"))
    table = read_table(path)
    assert list(table.frame.columns) == HEADER
    assert table.frame.iloc[:, 2].tolist() == [FRENCH, "Créé à Noël"]
    assert "réparé" in table.encoding


def test_windows_1252_crafted_export_reads_like_its_utf8_twin():
    windows = read_table(INGEST_DATA / "reponses_windows-1252.csv")
    utf8 = read_table(INGEST_DATA / "reponses.csv")
    assert windows.encoding == "Windows-1252"
    pd.testing.assert_frame_equal(windows.frame, utf8.frame)
    assert "L’équipe s’est mobilisée : « on tient bon »." in windows.frame.iloc[:, 5].tolist()
    assert "Un cœur d’équipe soudé" in windows.frame.iloc[:, 5].tolist()


# --------------------------------------------------------------------------
# Delimiters
# --------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed_even_with_delimiters_inside_quoted_answers(tmp_path, delimiter):
    answer = "Des masques, du gel; des blouses\tet | du temps"
    path = _write_csv(
        tmp_path / "export.csv",
        [HEADER, ["R1", "Bretagne", answer], ["R2", "Corse", "Court"]],
        encoding="utf-8", delimiter=delimiter,
    )
    table = read_table(path)
    assert table.delimiter == delimiter
    assert table.frame.iloc[0].tolist() == ["R1", "Bretagne", answer]


def test_sniffing_prefers_the_delimiter_that_gives_regular_rows():
    text = 'id,texte\n1,"a; b; c"\n2,"d; e"\n'
    assert sniff_delimiter(text) == ","


# --------------------------------------------------------------------------
# Header rows, blank lines, broken rows, unreadable files
# --------------------------------------------------------------------------


def test_title_line_above_headers_blank_line_and_broken_row():
    table = read_table(INGEST_DATA / "titre_et_ligne_cassee.csv", header_hint="identifiant")
    assert table.first_data_row == 3  # headers on line 2
    assert table.frame["Identifiant"].tolist() == ["T1", "T2", "T3"]  # the blank line is not a row
    numbers = {table.frame.loc[i, "Identifiant"]: table.row_number(i) for i in table.frame.index}
    assert numbers == {"T1": 3, "T2": 4, "T3": 6}
    broken = {table.frame.loc[i, "Identifiant"]: why for i, why in table.malformed.items()}
    assert list(broken) == ["T2"] and "6 champs pour 4 en-têtes" in broken["T2"]


def test_header_row_given_explicitly(tmp_path):
    path = _write_csv(tmp_path / "e.csv", [["Titre"], ["Sous-titre"], HEADER, ["R1", "Corse", "x"]], encoding="utf-8")
    table = read_table(path, header_row=3)
    assert list(table.frame.columns) == HEADER and table.row_number(table.frame.index[0]) == 4


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("vide.csv", b"", "fichier vide"),
        ("binaire.csv", b"PK\x03\x04\x00\x00\x00binary", "binaire ou corrompu"),
        ("classeur.xlsx", b"ceci n'est pas un classeur", "classeur Excel illisible"),
        ("vieux.xls", b"\xd0\xcf\x11\xe0", "réenregistrez-le en .xlsx"),
        ("donnees.parquet", b"PAR1 broken", "Parquet illisible"),
    ],
)
def test_unreadable_files_are_named_in_the_error(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError) as err:
        read_table(path)
    assert name in str(err.value) and expected in str(err.value)


def test_unclosed_quote_is_read_as_written_and_named_with_its_line():
    """A quote that opens a cell and never closes, rows after it: the cell is read as written
    (the whole file was refused until 2026-12-06), the rows after it are rows, a warning names it."""
    table = read_table(INGEST_DATA / "guillemet_non_ferme.csv")
    assert table.frame["Q1"].tolist() == ['"Texte ouvert', "Autre"]
    assert not table.malformed
    (warning,) = table.warnings
    assert "guillemet_non_ferme.csv, ligne 2" in warning and "guillemet" in warning and "« Q1 »" in warning


def test_missing_header_hint_names_what_was_looked_for(tmp_path):
    path = _write_csv(tmp_path / "e.csv", [HEADER, ["R1", "Corse", "x"]], encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_table(path, header_hint="Numéro de dossier")
    assert "e.csv" in str(err.value) and "Numéro de dossier" in str(err.value)


# --------------------------------------------------------------------------
# Tolerant header keys
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "Que retenez-vous de la crise ?",
        "QUE RETENEZ-VOUS DE LA CRISE ?",
        "que retenez vous de la crise?",
        "Que  retenez-vous\nde la   crise ?",
        "Q3. Que retenez-vous de la crise ?",
        "3a. Que retenez-vous de la crise ?",
        "3) Que retenez-vous de la crise ?",
        "Question 3 : Que retenez-vous de la crise ?",
        "1.2 - Que retenez-vous de la crise ?",
        "  Que retenez-vous de la crise ? ",
        "Que retenez-vous de la crise ?_x000D_",
    ],
)
def test_header_variants_share_one_key(variant):
    assert header_key(variant) == header_key("Que retenez-vous de la crise ?") == "que retenez vous de la crise"


def test_header_key_keeps_words_that_only_look_like_numbering():
    assert header_key("1er choix") == "1er choix"
    assert header_key("2020 en quelques mots") == "2020 en quelques mots"
    assert header_key("Q3. Commentaire", keep_number=True) != header_key("Q4. Commentaire", keep_number=True)


def test_typographic_apostrophe_and_accents_in_headers():
    assert header_key("Qu’en pensez-vous ? Écrivez") == header_key("qu'en pensez vous ? ecrivez")


# --------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------


def _workbook(path: Path, sheets: dict[str, list[list[object]]], *, merge_title: bool = False) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if merge_title and rows and len(rows[0]) == 1:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)
    book.save(path)
    return path


def test_xlsx_named_sheet_with_merged_title_row_above_headers(tmp_path):
    rows = [["Consultation Ségur — export du 05/07/2020"], [], HEADER, ["R1", "Bretagne", FRENCH], [34, 34000, 12.0]]
    path = _workbook(tmp_path / "e.xlsx", {"Notice": [["Lisez-moi"]], "Réponses": rows}, merge_title=True)
    table = read_table(path, sheet="Réponses", header_hint="identifiant")
    assert table.sheet == "Réponses" and table.first_data_row == 4
    assert list(table.frame.columns) == HEADER
    assert table.frame.iloc[0].tolist() == ["R1", "Bretagne", FRENCH]
    assert table.frame.iloc[1].tolist() == ["34", "34000", "12"]  # numbers as typed, not 34000.0
    assert [table.row_number(i) for i in table.frame.index] == [4, 5]


def test_xlsx_without_sheet_takes_the_first_sheet_that_has_the_headers(tmp_path):
    path = _workbook(tmp_path / "e.xlsx", {"Notice": [["Lisez-moi"]], "Feuil2": [HEADER, ["R1", "Corse", "x"]]})
    assert read_table(path, header_hint="Identifiant").sheet == "Feuil2"


def test_xlsx_sheet_by_position_and_tolerant_name(tmp_path):
    path = _workbook(tmp_path / "e.xlsx", {"Notice": [["x"]], "Réponses": [HEADER, ["R1", "Corse", "x"]]})
    assert read_table(path, sheet=2).sheet == "Réponses"
    assert read_table(path, sheet="reponses").sheet == "Réponses"


def test_xlsx_missing_sheet_lists_the_sheets(tmp_path):
    path = _workbook(tmp_path / "e.xlsx", {"Notice": [["x"]], "Réponses": [HEADER]})
    with pytest.raises(InputFileError) as err:
        read_table(path, sheet="Export")
    assert "feuille « Export » introuvable" in str(err.value) and "Notice, Réponses" in str(err.value)


# --------------------------------------------------------------------------
# JSON Lines and Parquet
# --------------------------------------------------------------------------


def test_json_lines_with_numbers_nulls_and_a_blank_line(tmp_path):
    path = tmp_path / "e.jsonl"
    records = [{"Identifiant": "R1", "Code postal": 34000, "Texte": FRENCH}, {"Identifiant": "R2", "Code postal": None}]
    path.write_text(json.dumps(records[0], ensure_ascii=False) + "\n\n" + json.dumps(records[1]) + "\n", encoding="utf-8")
    table = read_table(path)
    assert table.frame.to_dict(orient="records") == [
        {"Identifiant": "R1", "Code postal": "34000", "Texte": FRENCH},
        {"Identifiant": "R2", "Code postal": "", "Texte": ""},
    ]
    assert [table.row_number(i) for i in table.frame.index] == [1, 3]


def test_json_lines_bad_line_is_located(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text('{"Identifiant": "R1"}\n{"Identifiant": \n', encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_table(path)
    assert "e.jsonl, ligne 2" in str(err.value)


def test_parquet_numbers_become_the_text_a_user_typed(tmp_path):
    path = tmp_path / "e.parquet"
    pd.DataFrame(
        {"Identifiant": ["R1", "R2"], "Code postal": [34000.0, None], "Département": [34, 2], "Texte": [FRENCH, None]}
    ).to_parquet(path)
    table = read_table(path)
    assert table.frame.to_dict(orient="records") == [
        {"Identifiant": "R1", "Code postal": "34000", "Département": "34", "Texte": FRENCH},
        {"Identifiant": "R2", "Code postal": "", "Département": "2", "Texte": ""},
    ]


def test_xlsx_with_a_wrong_dimension_record_is_read_whole(tmp_path):
    """Some tools write <dimension ref="A1"/> whatever the size: every row must still be read."""
    import re
    import zipfile

    good = _workbook(tmp_path / "good.xlsx", {"Réponses": [HEADER, ["R1", "Corse", "x"], ["R2", "Bretagne", "y"]]})
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', data)
            dst.writestr(item, data)
    assert read_table(bad, header_hint="Q1. Que retenez-vous ?").frame["Identifiant"].tolist() == ["R1", "R2"]
