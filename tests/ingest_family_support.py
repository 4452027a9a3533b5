"""What the generated export families share (tests/test_ingest_families*.py): the bundled sample's
answers, an ingest of one file as the sample's only export (rows read = ingested + quarantined,
the raw file unchanged), and the database content of the same answers exported cleanly. Each
ingest is under the sample's hand-written consultation.yaml, or (`drafted`) under the one `init`
drafts from the file itself, as every federation's first consultation is
(tests/test_draft_families.py)."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from consultation import store
from consultation.codebook import load_consultation
from consultation.draft import Draft, recognise, render
from consultation.ingest.core import ingest_consultation

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "raw" / "segur-2020-sample"


def _sample() -> tuple[list[str], list[list[str]]]:
    text = (SAMPLE / "reponses.csv").read_text(encoding="utf-8-sig")
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=";") if r]
    return rows[0], rows[1:]


HEADER, ROWS = _sample()
ANSWERS = [i for i, h in enumerate(HEADER) if h[0].isdigit()]  # "1. …", "3a. …"
ID = HEADER.index("Identifiant")
CONFIG = yaml.safe_load((SAMPLE / "consultation.yaml").read_text(encoding="utf-8"))
LABEL = {t["id"]: t["label"] for q in CONFIG["questions"] for t in q["themes"]}  # theme id -> label
COLUMN = {q["id"]: q["columns"][0] for q in CONFIG["questions"]}  # question id -> its answers' header


def _sample_codes() -> dict[tuple[str, str], list[str]]:
    codes: dict[tuple[str, str], list[str]] = {}
    for row in csv.DictReader(io.StringIO((SAMPLE / "codes_humains.csv").read_text(encoding="utf-8"))):
        labels = codes.setdefault((row["respondent_id"], row["question_id"]), [])
        if LABEL[row["theme_id"]] not in labels:
            labels.append(LABEL[row["theme_id"]])
    return codes


CODES = _sample_codes()  # the sample's human codes: (respondent, question) -> theme labels, in order


def with_code_columns(names: dict[str, str], cell: Callable[[list[str], str], str]) -> tuple[list[str], list[list[str]]]:
    """The sample's export with a column of codes given by hand right of each question of `names`
    (question id -> the column's header); `cell(row, question)` writes that row's codes."""
    by_column = {COLUMN[q]: q for q in names}
    header = [x for h in HEADER for x in ([h, names[by_column[h]]] if h in by_column else [h])]
    rows = []
    for r in ROWS:
        out = []
        for h, value in zip(HEADER, r, strict=True):
            out.append(value)
            if h in by_column:
                out.append(cell(r, by_column[h]))
        rows.append(out)
    return header, rows


def quoted(rows: list[list[str]], delimiter: str = ";", header: list[str] = HEADER) -> bytes:
    """The rows as a clean export writes them: quoted where needed, UTF-8, CRLF."""
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    return buf.getvalue().encode("utf-8")


def draft_config(folder: Path, filename: str, sheet: str | None = None) -> Draft:
    """consultation.yaml as `init` drafts it from the export beside it, each question given one
    theme (a federation's first edit: a draft's proposed themes would take the model's time)."""
    draft, _ = recognise(folder / filename, folder, sheet=sheet)
    for question in draft.questions:
        question.themes.append({"id": f"{question.id}_x", "label": "x", "keywords": [], "size": 0, "examples": []})
    (folder / "consultation.yaml").write_text(render(draft, Path("schema.json")), encoding="utf-8")
    return draft


def ingest(
    tmp_path: Path, name: str, data: bytes, filename: str = "reponses.csv", columns: dict | None = None,
    sheet: str | None = None, edit: Callable[[dict], None] | None = None, drafted: bool = False,
):
    """Ingest `data` as the sample's only export; returns the connection and the file's report.
    `columns` replaces some of the consultation's column names (e.g. the respondent id's); `sheet`
    is the sheet named in consultation.yaml; `edit` changes the rest of the configuration;
    `drafted`: under the configuration `init` drafts from the file (`sheet` as init's --feuille),
    `columns` and `edit` unused."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / filename).write_bytes(data)
    if drafted:
        draft_config(folder, filename, sheet)
    else:
        config = yaml.safe_load((SAMPLE / "consultation.yaml").read_text(encoding="utf-8"))
        config["sources"] = {"responses": [{"path": filename, "sheet": sheet} if sheet else filename]}
        config["columns"].update(columns or {})
        if edit is not None:
            edit(config)
        (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    con = store.connect(None)
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    assert report.rows_read == report.rows_ingested + report.rows_quarantined
    assert hashlib.sha256((folder / filename).read_bytes()).digest() == hashlib.sha256(data).digest()
    return con, report


def content(con, *, by_position: bool = False) -> tuple[dict, dict]:
    """Respondents and answers as the database holds them; `by_position`: each answer under its
    question's rank in consultation.yaml rather than its id (a draft's ids follow the headers)."""
    respondents = {
        r[0]: r[1:]
        for r in con.execute("SELECT respondent_id, structure_name, structure_type, region FROM respondents").fetchall()
    }
    answers = {
        (r[0], r[2] if by_position else r[1]): r[3:]
        for r in con.execute(
            "SELECT a.respondent_id, a.question_id, q.position, a.text, a.follow_up FROM answers a "
            "JOIN questions q ON q.question_id = a.question_id AND q.consultation_id = a.consultation_id"
        ).fetchall()
    }
    return respondents, answers


def _reference(tmp_path_factory, drafted: bool) -> Callable[[list[list[str]]], tuple[dict, dict]]:
    seen: dict[bytes, tuple[dict, dict]] = {}

    def of(rows: list[list[str]]) -> tuple[dict, dict]:
        data = quoted(rows)
        if data not in seen:
            con, report = ingest(tmp_path_factory.mktemp("ref"), "ref", data, drafted=drafted)
            assert report.rows_quarantined == 0
            seen[data] = content(con, by_position=drafted)
            con.close()
        return seen[data]

    return of


@pytest.fixture(scope="module")
def clean_reference(tmp_path_factory):
    """What the database holds for a table of answers exported cleanly (quoted, UTF-8)."""
    return _reference(tmp_path_factory, drafted=False)


@pytest.fixture(scope="module")
def drafted_reference(tmp_path_factory):
    """`clean_reference` under the configuration `init` drafts from that clean export, each answer
    under its question's rank."""
    return _reference(tmp_path_factory, drafted=True)


def ods_archive(content_xml: str) -> bytes:
    """An OpenDocument spreadsheet (.ods) holding `content_xml` as its content.xml, written by hand
    so that a test controls every attribute LibreOffice would normalise."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>'))
        archive.writestr("content.xml", content_xml)
    return buffer.getvalue()
