"""The same answers exported by different tools (encodings, delimiters, Excel, JSON Lines, Parquet,
long layout) give the same respondents, regions and answers in the database."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import Workbook, load_workbook

from consultation import store
from consultation.codebook import load_consultation
from consultation.ingest.core import ingest_consultation, run_checks

INGEST_DATA = Path(__file__).parent / "data" / "ingest"
EXPECTED_REGIONS = {
    "F01": "Nouvelle-Aquitaine",  # Limousin, a pre-2016 region
    "F02": "Provence-Alpes-Côte d'Azur",  # PACA
    "F03": "La Réunion",  # Océan Indien
    "F04": "Corse",  # department 2A
    "F05": "Martinique",  # empty region, postal code 97200
    "F06": "Région inconnue",  # Atlantide
    "F07": "Région inconnue",  # nothing at all
    "F08": "Nouvelle-Aquitaine",  # Corrèze (the postal code says Paris: the first column wins)
    "F10": "Normandie",
}
EXPECTED_F01 = {
    "q1": ("L'équipe s'est mobilisée : « on tient bon ».", None),
    "q2": ("Le manque de masques / Des stocks régionaux", None),
    "initiatives": ("Repas livrés à domicile", "Le lien social"),
}


@pytest.fixture
def con():
    c = store.connect(None)
    yield c
    c.close()


def export_frame() -> pd.DataFrame:
    """The crafted export as a table of text, to be written again in another format."""
    return pd.read_csv(INGEST_DATA / "reponses.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def consultation_dir(tmp_path: Path, responses: list, **columns: object) -> Path:
    """A consultation folder in tmp_path: the crafted consultation.yaml with other sources."""
    raw = yaml.safe_load((INGEST_DATA / "consultation.yaml").read_text(encoding="utf-8"))
    raw["sources"] = {"responses": responses}
    raw["columns"].update(columns)
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "consultation.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return tmp_path


def ingest(con, folder: Path):
    reports = ingest_consultation(con, load_consultation(folder), folder)
    assert {name: len(rows) for name, rows in run_checks(con).items() if len(rows)} == {}
    return reports


def stored(con) -> tuple[dict[str, str], dict[tuple[str, str], tuple[str, str | None]]]:
    regions = dict(con.execute("SELECT respondent_id, region FROM respondents").fetchall())
    answers = {
        (r, q): (t, f) for r, q, t, f in con.execute("SELECT respondent_id, question_id, text, follow_up FROM answers").fetchall()
    }
    return regions, answers


def write_xlsx(frame: pd.DataFrame, path: Path, *, numbers: tuple[str, ...] = ()) -> Path:
    """As a person would prepare it: a notice sheet first, a merged title row, postal codes as numbers."""
    book = Workbook()
    book.active.title = "Notice"
    book.active.append(["Export de la consultation — à ne pas modifier"])
    sheet = book.create_sheet("Réponses")
    sheet.append(["Consultation de la fédération (export du 05/07/2020)"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    sheet.append([])
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([int(v) if c in numbers and v.isdigit() else (v or None) for c, v in zip(frame.columns, row, strict=True)])
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("name", "encoding", "sep"),
    [
        ("windows.csv", "cp1252", ";"),
        ("utf8.csv", "utf-8", ","),
        ("bom.csv", "utf-8-sig", ";"),
        ("tab.tsv", "utf-8", "\t"),
        ("unicode.txt", "utf-16", "\t"),  # Excel's "Texte Unicode"
    ],
)
def test_csv_exports_in_any_encoding_and_delimiter_give_the_same_database(con, tmp_path, name, encoding, sep):
    export_frame().to_csv(tmp_path / name, sep=sep, index=False, encoding=encoding)
    report = ingest(con, consultation_dir(tmp_path, [name]))[0]
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (13, 9, 4)
    regions, answers = stored(con)
    assert regions == EXPECTED_REGIONS
    assert {q: answers[("F01", q)] for q in EXPECTED_F01} == EXPECTED_F01
    assert answers[("F02", "q1")][0] == "Un cœur d'équipe soudé"


def test_xlsx_with_notice_sheet_merged_title_and_numeric_postal_codes(con, tmp_path):
    write_xlsx(export_frame(), tmp_path / "export.xlsx", numbers=("Code postal",))
    report = ingest(con, consultation_dir(tmp_path, [{"path": "export.xlsx", "sheet": "Réponses"}]))[0]
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (13, 9, 4)
    assert "feuille « Réponses »" in report.read_as and "en-têtes ligne 3" in report.read_as
    regions, answers = stored(con)
    assert regions == EXPECTED_REGIONS
    assert {q: answers[("F01", q)] for q in EXPECTED_F01} == EXPECTED_F01
    rows = dict(con.execute("SELECT respondent_id, source_row FROM respondents").fetchall())
    assert rows["F01"] == 4 and rows["F10"] == 15  # the rows a person sees in Excel
    quarantined = con.execute("SELECT source_row FROM quarantine ORDER BY 1").fetchall()
    assert [r[0] for r in quarantined] == [12, 13, 14, 16]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) absent: no .ods or .xls written")
@pytest.mark.parametrize("suffix", ["ods", "xls"])
def test_a_workbook_saved_by_libreoffice_as_ods_or_xls_gives_the_same_database(con, tmp_path, suffix):
    """LibreOffice's own format (and Google Sheets' « .ods » download), and the old Excel format,
    as LibreOffice writes them: the same sheet is chosen (a notice first, a hidden sheet skipped
    with a warning), the same rows, regions and answers as from the .xlsx."""
    (tmp_path / "source").mkdir()
    book_path = write_xlsx(export_frame(), tmp_path / "source" / "export.xlsx", numbers=("Code postal",))
    book = load_workbook(book_path)
    old = book.create_sheet("Ancien export", 0)
    old.append(list(export_frame().columns))
    old.sheet_state = "hidden"
    book.save(book_path)
    folder = tmp_path / "consultation"
    folder.mkdir()
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                    "--convert-to", suffix, "--outdir", str(folder), str(book_path)],
                   check=True, capture_output=True, timeout=180)
    report = ingest(con, consultation_dir(folder, [f"export.{suffix}"]))[0]
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (13, 9, 4)
    assert "feuille « Réponses »" in report.read_as and "en-têtes ligne 3" in report.read_as
    assert any("masquée" in w and "Ancien export" in w for w in report.warnings)
    regions, answers = stored(con)
    assert regions == EXPECTED_REGIONS  # postal codes typed as numbers included
    assert {q: answers[("F01", q)] for q in EXPECTED_F01} == EXPECTED_F01
    assert answers[("F02", "q1")][0] == "Un cœur d'équipe soudé"
    rows = dict(con.execute("SELECT respondent_id, source_row FROM respondents").fetchall())
    assert rows["F01"] == 4 and rows["F10"] == 15


@pytest.mark.parametrize("suffix", [".ods", ".xls"])
def test_a_damaged_ods_or_xls_is_named_not_a_traceback(tmp_path, suffix):
    from consultation.errors import InputFileError
    from consultation.ingest.readers import read_table

    path = tmp_path / f"export{suffix}"
    path.write_bytes(b"PK\x03\x04 pas vraiment un classeur" if suffix == ".ods" else b"\xd0\xcf\x11\xe0 abime")
    with pytest.raises(InputFileError) as caught:
        read_table(path, header_hint="Identifiant")
    assert str(path) in str(caught.value) and "illisible" in str(caught.value) and ".xlsx" in str(caught.value)


def test_json_lines_and_parquet(con, tmp_path):
    frame = export_frame()
    with (tmp_path / "export.jsonl").open("w", encoding="utf-8") as fh:
        for record in frame.to_dict(orient="records"):
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    ingest(con, consultation_dir(tmp_path, ["export.jsonl"]))
    from_jsonl = stored(con)
    assert from_jsonl[0] == EXPECTED_REGIONS

    other = store.connect(None)
    frame.assign(**{"Code postal": pd.to_numeric(frame["Code postal"]).astype("Int64")}).to_parquet(tmp_path / "export.parquet")
    ingest(other, consultation_dir(tmp_path / "pq", ["../export.parquet"]))
    assert stored(other) == from_jsonl
    other.close()


def test_long_layout_one_row_per_answer(con, tmp_path):
    shutil.copy(INGEST_DATA / "reponses_long.csv", tmp_path / "reponses_long.csv")
    folder = consultation_dir(
        tmp_path,
        [{"path": "reponses_long.csv", "layout": "long", "question_column": "Question", "answer_column": "Answer"}],
        respondent_id="respondent_id",
        region=["code_postal", "departement"],
        structure_name=None,
    )
    report = ingest(con, folder)[0]
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (12, 7, 5)
    assert report.respondents == 3
    regions, answers = stored(con)
    assert regions == {"L1": "Occitanie", "L2": "Corse", "L4": "Région inconnue"}
    # Questions named by id, by header or by text; two parts joined; the follow-up attached.
    assert answers[("L1", "q1")] == ("L'écoute « bienveillante »", None)
    assert answers[("L1", "q2")] == ("Le manque de masques / Des stocks", None)
    assert answers[("L1", "initiatives")] == ("Des repas", "Le lien")
    assert answers[("L2", "q1")] == ("La fatigue", None)
    reasons = dict(con.execute("SELECT source_row, reason FROM quarantine").fetchall())
    assert reasons == {
        8: "répondant « L3 » : plusieurs réponses différentes à la question q1 (lignes 8, 9)",
        9: "répondant « L3 » : plusieurs réponses différentes à la question q1 (lignes 8, 9)",
        11: "doublon exact de la ligne 10 (répondant L4, question q1)",
        12: "identifiant du répondant manquant",
        13: "question manquante",
    }


def test_source_options_are_validated_with_the_key_named(tmp_path):
    from consultation.errors import ConfigError

    folder = consultation_dir(tmp_path, [{"path": "x.csv", "layout": "long"}])
    with pytest.raises(ConfigError) as err:
        load_consultation(folder)
    assert "question_column" in str(err.value) and "sources.responses" in str(err.value)
