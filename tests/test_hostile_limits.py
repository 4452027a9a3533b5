"""Bounded resources and long answers (issue 15): each bomb is ingested in a child process whose
time and peak memory are measured, and must end in a clear error (or a bounded ingest); valid but
big files (answers of 200,000 to 1,000,000 characters among 2,000 rows) are read whole.

The figures printed here are the ones RELIABILITY.md gives.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import markdown_it
import pytest
import yaml
from openpyxl import Workbook

from consultation import store
from consultation.codebook import MAX_ANSWER_CHARS, load_consultation
from consultation.coding.discover import Lead, QuestionDiscovery, discovery_markdown, md_text
from consultation.errors import ConsultationError
from consultation.ingest.core import ingest_consultation

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini"
sys.path.insert(0, str(ROOT / "tests" / "data" / "bad"))
from make_corpus import HEADER, ROWS, csv_text  # noqa: E402

from ingest_family_support import ods_archive  # noqa: E402

TIME_LIMIT = 30.0  # seconds, on a busy 2-core machine: the bombs took hours or ended in tracebacks
EXTRA_MEMORY_MB = 400  # peak above a clean ingest of the mini consultation (the bombs took 4.5-6 GB)

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    start = time.perf_counter()
    from consultation import store
    from consultation.codebook import load_consultation
    from consultation.errors import ConsultationError
    from consultation.ingest.core import ingest_consultation
    out = {}
    try:
        folder = sys.argv[1]
        reports = ingest_consultation(store.connect(None), load_consultation(folder), folder)
        out["rows"] = [[r.rows_read, r.rows_ingested, r.rows_quarantined] for r in reports]
    except ConsultationError as exc:
        out["error"] = str(exc)
    out["seconds"] = time.perf_counter() - start
    # VmHWM: this process's own peak (ru_maxrss also counts the parent's pages before exec).
    try:
        status = open("/proc/self/status").read()
        out["peak_mb"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError):
        out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
    """
)


def run_child(folder: Path) -> dict:
    """Ingest in a fresh process: its peak memory is its own, and a hang is cut at 120 s."""
    env_path = str(ROOT / "src")
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)],
        capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def folder_with(tmp_path: Path, name: str, data: bytes | None = None, config: str | None = None) -> Path:
    folder = tmp_path / "consultation"
    folder.mkdir()
    settings = yaml.safe_load((MINI / "consultation.yaml").read_text(encoding="utf-8"))
    settings["sources"] = {"responses": [name]}
    if data is not None:
        (folder / name).write_bytes(data)
    (folder / "consultation.yaml").write_text(
        config if config is not None else yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict:
    folder = folder_with(tmp_path_factory.mktemp("baseline"), "reponses.csv", csv_text(ROWS).encode())
    return run_child(folder)


def _xlsx_with_last_cell(value: str) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [HEADER, *ROWS]:
        sheet.append(row)
    sheet["XFD1048576"] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _ods(rows: list[list[str]], tail: str = "") -> bytes:
    """An OpenDocument spreadsheet written by hand (as a tool might): `rows` as string cells, then
    `tail`, raw rows of XML (repeated rows and cells, as LibreOffice writes its empty ranges)."""
    from xml.sax.saxutils import escape

    spaces = ('xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
              'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
              'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    body = "".join(
        "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>'
            if v else "<table:table-cell/>" for v in row
        ) + "</table:table-row>"
        for row in rows
    )
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {spaces} office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="Réponses">{body}{tail}'
               "</table:table></office:spreadsheet></office:body></office:document-content>")
    return ods_archive(content)


_EMPTY_MILLION = ('<table:table-row table:number-rows-repeated="1048000">'
                  '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
_EMPTY_100K = ('<table:table-row table:number-rows-repeated="100000">'
               '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
_FAR_CELL = ('<table:table-row><table:table-cell table:number-columns-repeated="700"/>'
             '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>')


def _laughs(levels: int) -> str:
    lines = ['x0: &x0 ["' + "lol" * 10 + '"]']
    lines += [f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _mini_text() -> str:
    return (MINI / "consultation.yaml").read_text(encoding="utf-8").replace("[reponses.csv]", "[r.csv]").replace(
        "  human_codes: [codes.csv]\n", ""
    )


def _wide_parquet(columns: int) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"Identifiant": ["A1"], **{f"Colonne {i}": ["x"] for i in range(columns)}})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def _many_aliases() -> str:
    label = "Mobilisation " * 5_000
    text = _mini_text().replace('label: "Mobilisation des équipes"', f'label: &long "{label}"', 1)
    themes = "".join(f"      - id: q1_t{i}\n        label: *long\n" for i in range(20_000))
    return text.replace('      - id: q1_epi\n', themes + '      - id: q1_epi\n', 1)


BOMBS = {
    # name: (file name, bytes or None, consultation.yaml text or None, words the error must hold)
    "xlsx, one space in XFD1048576": ("r.xlsx", lambda: _xlsx_with_last_cell(" "), None, None),
    "xlsx, one letter in XFD1048576": ("r.xlsx", lambda: _xlsx_with_last_cell("x"), None, None),
    # calamine makes a dense grid up to the last filled cell (70 million cells: 5 GB before the check)
    "ods, a million empty repeated rows": ("r.ods", lambda: _ods([HEADER, *ROWS], _EMPTY_MILLION), None, None),
    "ods, one letter in column 701 of row 100,005": (
        "r.ods", lambda: _ods([HEADER, *ROWS], _EMPTY_100K + _FAR_CELL), None,
        ["r.ods", "Réponses", "100\u202f005", "701", "cellules", ".xlsx"],
    ),
    # one column per field made pandas work per column: 1 MB of « "; » took 53 s, linear but unbounded
    "csv, a row of 500,000 quoted delimiters": ("r.csv", lambda: (csv_text(ROWS) + 'X1;' + '";' * 500_000 + "\r\n").encode(),
                                                None, None),
    "csv, a row of 1,000,000 delimiters": ("r.csv", lambda: (csv_text(ROWS) + "X2" + ";" * 1_000_000 + "\r\n").encode(),
                                           None, None),
    "csv, a header of 20,000 columns": (
        "r.csv", lambda: (";".join([*HEADER, *(f"Colonne {i}" for i in range(20_000))]) + "\r\n"
                          + csv_text(ROWS).split("\r\n", 1)[1]).encode(),
        None, ["r.csv", "20\u202f008 colonnes", "16\u202f384"],
    ),
    "jsonl, a record of 200,000 keys (52 s before)": (
        "r.jsonl", lambda: (json.dumps(dict(zip(HEADER, ROWS[0], strict=True))) + "\n"
                            + json.dumps({"Identifiant": "A2", **{f"k{i}": "x" for i in range(200_000)}}) + "\n").encode(),
        None, ["r.jsonl", "ligne 2", "16\u202f384 colonnes"],
    ),
    "parquet, 20,000 columns": ("r.parquet", lambda: _wide_parquet(20_000), None, ["r.parquet", "16\u202f384"]),
    "yaml, billion laughs (9 levels of 9 aliases)": ("r.csv", None, lambda: _mini_text() + _laughs(9), ["alias"]),
    "yaml, 20,000 aliases to one 65 KB label": ("r.csv", None, _many_aliases, ["alias", "100"]),
    "yaml, nested 50,000 deep": ("r.csv", None, lambda: _mini_text() + "x: " + "[" * 50_000 + "]" * 50_000 + "\n",
                                 ["YAML"]),
    "json, nested 50,000 deep": ("r.json", lambda: ("[" * 50_000 + "]" * 50_000).encode(), None,
                                 ["r.json", "imbriqué", "64"]),
    "jsonl, record nested 50,000 deep": (
        "r.jsonl",
        lambda: (json.dumps(dict(zip(HEADER, ROWS[0], strict=True))) + "\n"
                 + '{"Identifiant": "A2", "x": ' + "[" * 50_000 + "]" * 50_000 + "}\n").encode(),
        None, ["r.jsonl", "ligne 2", "imbriqué"],
    ),
}


@pytest.mark.daily_cases(4)  # four bombs spread over the list in the daily subset, every one in the full run
@pytest.mark.parametrize("name", list(BOMBS))
def test_a_bomb_ends_fast_in_bounded_memory_with_a_clear_message(name, tmp_path, baseline):
    file_name, data, config, words = BOMBS[name]
    folder = folder_with(tmp_path, file_name, data() if data else None, config() if config else None)
    if data is None:
        (folder / file_name).write_text(csv_text(ROWS), encoding="utf-8")
    size = sum(p.stat().st_size for p in folder.iterdir())
    out = run_child(folder)
    extra = out["peak_mb"] - baseline["peak_mb"]
    print(f"\n{name}: {size / 1024:.0f} KB of input, {out['seconds']:.1f} s, peak {out['peak_mb']:.0f} MB "
          f"(clean ingest {baseline['peak_mb']:.0f} MB), +{extra:.0f} MB "
          f"over a clean ingest; {'error: ' + out['error'][:160] if 'error' in out else out['rows']}")
    assert out["seconds"] < TIME_LIMIT
    assert extra < EXTRA_MEMORY_MB
    if words:
        assert "error" in out, out
        for word in words:
            assert word.casefold() in out["error"].casefold(), out["error"]
        assert len(out["error"]) < 2_000, "the message must not print the expanded value"
    else:  # a spreadsheet whose used range is small: read as the 3 rows it holds, or the odd cell set aside
        assert "error" not in out, out
        (read, ingested, quarantined), = out["rows"]
        assert (ingested, read) == (3, ingested + quarantined)


# --- long answers in large files: the documented 1 MB answer holds at any size --------------------


def _long_answers_csv(title_line: bool) -> tuple[bytes, dict[str, int]]:
    """2,000 rows; four answers of 200,000 to 1,000,000 characters spread through the file."""
    lengths = {"R0100": 200_000, "R0700": 400_000, "R1300": 700_000, "R1999": 1_000_000}
    rows = []
    for i in range(2_000):
        rid = f"R{i:04d}"
        answer = ("Des moyens pour les équipes ; " * 40_000)[: lengths[rid]] if rid in lengths else f"Réponse {i}"
        rows.append([rid, f"Structure {i}", "ACT", "Occitanie", answer, "Former", "", ""])
    text = csv_text(rows)
    if title_line:  # rows of other widths: the row-by-row reader (Python's csv module) is used
        text = "Export du questionnaire\r\n" + text
    return text.encode("utf-8"), lengths


@pytest.mark.parametrize("title_line", [False, True], ids=["arrow-reader", "row-reader"])
def test_answers_up_to_a_million_characters_are_read_in_a_2000_row_file(title_line, tmp_path):
    data, lengths = _long_answers_csv(title_line)
    folder = folder_with(tmp_path, "r.csv", data)
    con = store.connect(None)
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (2_000, 2_000, 0)
    stored = dict(con.execute(
        "SELECT respondent_id, length(text) FROM answers WHERE question_id = 'q1' AND length(text) > 1000"
    ).fetchall())
    # Cleaning trims the trailing space a cut may leave: lengths within one character.
    assert set(stored) == set(lengths)
    assert all(abs(stored[r] - n) <= 1 for r, n in lengths.items()), stored


def test_an_answer_over_the_limit_is_quarantined_with_the_limit_and_how_to_raise_it(tmp_path):
    over = MAX_ANSWER_CHARS + 10
    rows = [ROWS[0], [*ROWS[1][:4], "a" * over, *ROWS[1][5:]], ROWS[2]]
    folder = folder_with(tmp_path, "r.csv", csv_text(rows).encode())
    con = store.connect(None)
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (3, 2, 1)
    (row, reason), = con.execute("SELECT source_row, reason FROM quarantine").fetchall()
    assert row == 3
    assert "max_answer_chars" in reason and "2\u202f000\u202f000" in reason and "Q1. Que retenez-vous" in reason

    settings = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    settings["sources"] = {"responses": [{"path": "r.csv", "max_answer_chars": over}]}
    (folder / "consultation.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (3, 3, 0)


# --- no silent reshaping at scale ------------------------------------------------------------------------


def test_shifted_rows_in_a_big_export_are_all_quarantined_and_none_moves(tmp_path):
    """20,000 rows, one in ten with an unquoted ';' in Q1 and empty answers after it."""
    lines = [";".join(HEADER)]
    shifted = set()
    for i in range(20_000):
        if i % 10 == 3:
            lines.append(f"R{i};S{i};ACT;Occitanie;Le manque de masques; fragment déplacé;;;")
            shifted.add(f"R{i}")
        else:
            lines.append(f"R{i};S{i};ACT;Occitanie;Réponse {i};Former;;")
    folder = folder_with(tmp_path, "r.csv", ("\r\n".join(lines) + "\r\n").encode())
    con = store.connect(None)
    start = time.perf_counter()
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    seconds = time.perf_counter() - start
    print(f"\n20,000 rows, {len(shifted)} shifted: {report.rows_quarantined} quarantined in {seconds:.1f} s")
    assert (report.rows_read, report.rows_quarantined) == (20_000, len(shifted))
    assert report.rows_ingested == 20_000 - len(shifted)
    moved = con.execute("SELECT count(*) FROM answers WHERE text LIKE '%fragment déplacé%'").fetchone()[0]
    assert moved == 0
    reasons = {r for (r,) in con.execute("SELECT DISTINCT reason FROM quarantine").fetchall()}
    assert reasons == {"ligne mal formée : 9 champs pour 8 en-têtes (« ; » dans une réponse sans guillemets ?)"}


# --- every file the project writes is inert: discover's Markdown ------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[clic](javascript:alert(1))",
    "<javascript:alert(1)>", "[a]: javascript:alert(1)", "![x](https://example.org/t.png)",
    "<a href='javascript:alert(1)'>ici</a>", "**gras** _it_ `code` ~~barré~~", "&#106;avascript:alert(1)",
    "<!-- commentaire -->", "# titre\n- liste\n> citation", "| a | b |\n|---|---|", "<https://example.org>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_discover_markdown_renders_answers_as_text_only(payload):
    consultation = load_consultation(MINI)
    question = consultation.questions[0]
    lead = Lead(terms=[payload, "masque"], size=3, examples=[f"Avant {payload} après", payload, "ordinaire"])
    markdown = discovery_markdown(consultation, [QuestionDiscovery(question, 3, 0, [lead])])
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(markdown)
    allowed = {"h1", "h2", "h3", "p", "ul", "li", "code", "/h1", "/h2", "/h3", "/p", "/ul", "/li", "/code"}
    assert html.count("<code>") == 1  # the report's own `consultation.yaml`, none from the answers
    tags = {m.group(1).lower() for m in re.finditer(r"<(/?[a-zA-Z][a-zA-Z0-9]*)", html)}
    assert tags <= allowed, (tags - allowed, markdown)
    assert "<!--" not in html
    assert re.search(r"<[a-zA-Z][^>]*\s[^>]*>", html) is None  # no tag with attributes (href, src, on…)
    # What a reader sees is what was written (spacing aside).
    text = re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    assert " ".join(payload.split()) in " ".join(text.split())


def test_md_text_is_idempotent_on_plain_french():
    plain = "Les équipes, mobilisées à 100 % : bravo (vraiment) !"
    assert md_text(plain) == plain


def test_config_values_in_messages_are_cut_short(tmp_path):
    """A huge value in consultation.yaml is not printed whole in the error."""
    text = (MINI / "consultation.yaml").read_text(encoding="utf-8").replace("unit: respondents", "unit: " + "x" * 100_000, 1)
    (tmp_path / "consultation.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConsultationError) as caught:
        load_consultation(tmp_path)
    assert "unit" in str(caught.value) and len(str(caught.value)) < 1_000
