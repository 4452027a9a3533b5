"""Rows above the columns' names: `consultation init` finds the header below them.

An export often starts with a line or two that are not the header: the form's title (Framaforms
writes it, then « Détails de la soumission », above its column names), the date of the export,
its source or filter, a blank line, a title centred in a merged Excel cell. `init` took the first
filled row for the header and stopped (« aucune colonne de région ») on every one of them. Now the
header is the first row as wide as the table; the rows above are said (« lues comme un titre »),
the form's title becomes the consultation's, and the drafted folder ingests every respondent, the
data rows numbered as in the file.

The family is generated: 1 to 4 rows drawn from eight kinds, in four formats. Not covered: a row
above the header filled in half of its columns or more (a legend as wide as the table) is taken for
the header; a title that is a date alone stays out of the title.
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
from consultation.draft import recognise, render
from consultation.ingest.core import ingest_consultation
from consultation.ingest.readers import read_table
from ingest_family_support import HEADER, ROWS

TITLES = ["Contribution Ségur de la santé", "Enquête auprès des adhérents : vos réponses",
          "Questionnaire « Crise sanitaire » 2020", "Consultation des structures ACT, LAM et LHSS"]
# Each kind: (rows it adds above the header, whether its first cell is a title the draft takes)
KINDS = {
    "title": lambda rng: ([[rng.choice(TITLES)]], True),
    "centred title": lambda rng: ([["", "", rng.choice(TITLES)]], True),
    "export date": lambda rng: ([[f"Exporté le {rng.randint(1, 28):02d}/06/2020 à {rng.randint(8, 19)}:{rng.randint(0, 59):02d}"]], False),
    "source": lambda rng: ([["Source :", rng.choice(["Framaforms", "LimeSurvey", "Extraction manuelle"])]], False),
    "filter": lambda rng: ([["Filtre :", "toutes les réponses", "(complètes et incomplètes)"]], False),
    "blank": lambda rng: ([[]], False),
    "webform": lambda rng: ([[rng.choice(TITLES)], ["Détails de la soumission", "", "", "", "Thématiques"]], True),
    "legend": lambda rng: ([["Légende :", "X = coché", "vide = non coché"]], False),
}
FORMATS = ["csv", "csv;", "tsv", "xlsx"]
SEEDS = range(24)


def _case(seed: int) -> tuple[list[list[str]], str | None, str]:
    rng = random.Random(seed)
    rows: list[list[str]] = []
    title = None
    kinds = rng.sample(sorted(KINDS), rng.randint(1, 3))
    for kind in kinds:
        added, titled = KINDS[kind](rng)
        if titled and not any(any(r) for r in rows):  # the first filled row is a title
            title = next(c for c in added[0] if c)
        rows += added
    if not any(any(r) for r in rows):  # blank lines alone are no preamble
        rows.insert(0, [TITLES[seed % len(TITLES)]])
        title = TITLES[seed % len(TITLES)]
    return rows, title, FORMATS[seed % len(FORMATS)]


def _write(path_stem: Path, preamble: list[list[str]], fmt: str) -> Path:
    width = len(HEADER)
    grid = [row + [""] * (width - len(row)) if fmt == "xlsx" else row for row in preamble] + [HEADER, *ROWS]
    if fmt == "xlsx":
        path = path_stem.with_suffix(".xlsx")
        book = openpyxl.Workbook()
        for row in grid:
            book.active.append([None if v == "" else v for v in row])
        if preamble[0] and preamble[0][0]:  # a title in a merged cell over the table's width
            book.active.merge_cells(f"A1:{openpyxl.utils.get_column_letter(width)}1")
        book.save(path)
        return path
    delimiter = {"csv": ",", "csv;": ";", "tsv": "\t"}[fmt]
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n",
               quoting=csv.QUOTE_ALL if fmt == "csv" else csv.QUOTE_MINIMAL).writerows(grid)
    path = path_stem.with_suffix(".tsv" if fmt == "tsv" else ".csv")
    path.write_bytes(buf.getvalue().encode("utf-16" if fmt == "tsv" else "utf-8"))
    return path


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """What init recognises in the sample's export with nothing above its header."""
    path = _write(tmp_path_factory.mktemp("plain") / "reponses", [], "csv")
    draft, _ = recognise(path, path.parent)
    return draft


@pytest.mark.parametrize("seed", SEEDS)
def test_init_finds_the_header_under_a_title_and_the_folder_ingests_every_respondent(tmp_path, seed, plain):
    preamble, title, fmt = _case(seed)
    path = _write(tmp_path / "export", preamble, fmt)
    draft, table = recognise(path, tmp_path)

    # The same columns as with nothing above the header.
    assert (draft.respondent_id, draft.region, draft.structure_name) == (
        plain.respondent_id, plain.region, plain.structure_name)
    assert [q.header for q in draft.questions] == [q.header for q in plain.questions]
    # The rows above are said, with the line the names were taken from, and numbered as in the file.
    (said,) = [w for w in draft.read if "au-dessus des en-têtes" in w]
    lines, read = ("ligne", "lue") if len(preamble) == 1 else ("lignes", "lues")  # agreed with the count
    assert f"{len(preamble)} {lines} au-dessus des en-têtes" in said and f" : {read} comme un titre" in said
    assert f"noms des colonnes pris ligne {len(preamble) + 1}" in said
    assert table.first_data_row == len(preamble) + 2
    # The form's title, not an export's date or source, names the consultation.
    assert draft.title == title

    for question in draft.questions:
        question.themes.append({"id": f"{question.id}_x", "label": "x", "keywords": [], "size": 0, "examples": []})
    text = render(draft, Path("schema.json"))
    assert f"# - lecture : {' '.join(said.split())} ;" in text  # the draft's reader sees it too
    (tmp_path / "consultation.yaml").write_text(text, encoding="utf-8")
    config = load_consultation(tmp_path)
    if title is not None:  # else the file's name: « export » says nothing, the folder's is taken (test_draft_titles)
        assert config.title == title
    con = store.connect(None)
    (report,) = ingest_consultation(con, config, tmp_path)
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (47, 47, 0)
    answers = con.execute("SELECT count(*) FROM answers WHERE text <> ''").fetchone()[0]
    assert answers == sum(1 for row in ROWS for h, v in zip(HEADER, row, strict=True) if h[0].isdigit() and v.strip())
    con.close()


def test_a_row_as_wide_as_the_table_is_the_header(tmp_path):
    """A file whose first row is its header, but with a few columns unnamed: still that row."""
    header = [h if i % 4 else "" for i, h in enumerate(HEADER)]
    path = tmp_path / "sans_noms.csv"
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";").writerows([header, *ROWS])
    path.write_text(buf.getvalue(), encoding="utf-8")
    table = read_table(path)
    assert table.first_data_row == 2 and len(table.frame) == 47
    assert not [w for w in table.warnings if "au-dessus des en-têtes" in w]


def test_rows_broken_by_an_unquoted_delimiter_do_not_move_the_header(tmp_path):
    """One row in five with a « ; » inside its answers, unquoted, spilling into columns the header
    does not have: the header is still the first row, and the broken rows are set aside as before."""
    rng = random.Random(5)
    lines = ["id;Région;Réponse"]
    for i in range(40):
        answer = "un avis; puis un autre; et un troisième; encore un; enfin" if i % 5 == 0 else f"réponse numéro {i} sans séparateur"
        lines.append(f"{i + 1};{rng.choice(['Bretagne', 'Occitanie', 'Normandie'])};{answer}")
    path = tmp_path / "casse.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_table(path)
    assert table.first_data_row == 2 and list(table.frame.columns[:3]) == ["id", "Région", "Réponse"]
    assert len(table.malformed) == 8
    assert not [w for w in table.warnings if "au-dessus des en-têtes" in w]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_excels_sep_line_is_said_as_such_and_names_nothing(tmp_path, delimiter):
    """« sep=; », the first line Excel writes and reads to know the delimiter: skipped, said as
    Excel's, never the consultation's title (before the title rule knew it, the title was « sep= »;
    before this session, init stopped on it)."""
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows([HEADER, *ROWS])
    path = tmp_path / "reponses.csv"
    path.write_text(f"sep={delimiter}\r\n" + buf.getvalue(), encoding="utf-8")
    draft, table = recognise(path, tmp_path)
    assert draft.title is None and table.first_data_row == 3 and len(table.frame) == 47
    (said,) = [w for w in draft.read if "au-dessus des en-têtes" in w]
    assert "la consigne d'Excel qui nomme le séparateur" in said
    assert [q.header for q in draft.questions] == [h for h in HEADER if h[0].isdigit()]
