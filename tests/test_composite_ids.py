"""A respondent named by several columns (`respondent_id: [Horodateur, Nom de la structure]`).

Google Forms' exports have no respondent id: only « Horodateur », to the second. Once many answer
at once (a mailing, the last evening before a deadline), two respondents share a second: mapped to
the timestamp alone, both are quarantined as one respondent with different answers. The family
below draws exports where some respondents share a second (several per second, in any rows), and
checks what a federation notices: how many respondents are counted, what is quarantined and what
the message says; then the same export grown by new answers, ingested again (nobody twice).
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from consultation import store
from consultation.codebook import load_consultation
from consultation.errors import ConsultationError
from consultation.ingest.core import ingest_consultation
from ingest_family_support import HEADER, ROWS, SAMPLE, quoted

TIME, IDENT, NAME = HEADER.index("Horodateur"), HEADER.index("Identifiant"), HEADER.index("Nom de la structure")
# Google Forms writes no id: the export's columns are the timestamp and the questions.
FORM_HEADER = [h for i, h in enumerate(HEADER) if i != IDENT]


def form_rows(seed: int, n: int, *, start: int = 0) -> tuple[list[list[str]], int]:
    """`n` respondents (the sample's answers, cycled; each structure named once), a third of them
    sharing their second with another; returns the rows and how many seconds are shared."""
    rng = random.Random(seed)
    rows, second, shared = [], 0, 0
    i = 0
    while i < n:
        together = 1 if rng.random() < 0.6 else rng.choice([2, 2, 2, 3, 4])
        together = min(together, n - i)
        shared += together > 1
        second += rng.randint(1, 90)
        for _ in range(together):
            row = list(ROWS[(start + i) % len(ROWS)])
            row[TIME] = f"{12 + second // 86400:02d}/06/2020 {second % 86400 // 3600:02d}:{second % 3600 // 60:02d}:{second % 60:02d}"
            row[NAME] = f"{row[NAME]} n° {start + i}"
            rows.append([v for j, v in enumerate(row) if j != IDENT])
            i += 1
    return rows, shared


def write_folder(folder: Path, data: bytes, respondent_id: str | list[str], layout: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reponses.csv").write_bytes(data)
    config = yaml.safe_load((SAMPLE / "consultation.yaml").read_text(encoding="utf-8"))
    config["sources"] = {"responses": [layout or "reponses.csv"]}
    config["columns"]["respondent_id"] = respondent_id
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return folder


def ingest_folder(folder: Path, con=None):
    con = con or store.connect(None)
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    assert report.rows_read == report.rows_ingested + report.rows_quarantined
    return con, report


def respondents(con) -> int:
    return con.execute("SELECT count(*) FROM respondents").fetchone()[0]


@pytest.mark.parametrize("seed", range(8))
def test_respondents_sharing_a_second_are_all_counted_with_a_composite_id(tmp_path, seed):
    n = 30 + seed * 7
    rows, shared = form_rows(seed, n)
    assert shared, "the draw must put some respondents in the same second"
    data = quoted(rows, header=FORM_HEADER)

    con, report = ingest_folder(write_folder(tmp_path / "both", data, ["Horodateur", "Nom de la structure"]))
    assert (report.rows_ingested, report.rows_quarantined, respondents(con)) == (n, 0, n)
    # Every answer is there: the same as from the same export with an id column of its own.
    numbered = quoted([[str(k), *r] for k, r in enumerate(rows)], header=["Numéro", *FORM_HEADER])
    ref, _ = ingest_folder(write_folder(tmp_path / "ref", numbered, "Numéro"))
    texts = "SELECT question_id, text, follow_up FROM answers ORDER BY ALL"
    assert con.execute(texts).fetchall() == ref.execute(texts).fetchall()
    ids = [r[0] for r in con.execute("SELECT respondent_id FROM respondents").fetchall()]
    assert all(" | " in i for i in ids)

    # The timestamp alone: the respondents of a shared second are set aside, and the message says
    # what to map instead, with this consultation's structure column as the example.
    con, report = ingest_folder(write_folder(tmp_path / "time", data, "Horodateur"))
    clashing = sum(1 for r in rows if sum(1 for o in rows if o[0] == r[0]) > 1)
    assert (report.rows_quarantined, respondents(con)) == (clashing, n - clashing)
    (hint,) = [w for w in report.warnings if "plusieurs lignes avec des réponses différentes" in w]
    assert f"{shared} identifiant" in hint
    assert "respondent_id: ['Horodateur', 'Nom de la structure']" in hint


@pytest.mark.parametrize("seed", range(4))
def test_the_export_grown_by_new_answers_adds_only_them(tmp_path, seed):
    first, _ = form_rows(seed, 25)
    later, _ = form_rows(seed + 100, 12, start=25)
    # Google Forms appends: the second download holds the first's rows, unchanged, then the new ones.
    folder = write_folder(tmp_path / "c", quoted(first, header=FORM_HEADER), ["Horodateur", "Nom de la structure"])
    con, _ = ingest_folder(folder)
    assert respondents(con) == 25
    (folder / "reponses.csv").write_bytes(quoted(first + later, header=FORM_HEADER))
    con, report = ingest_folder(folder, con)
    assert (respondents(con), report.rows_quarantined) == (37, 0)
    # The same download again: nothing moves.
    con, report = ingest_folder(folder, con)
    assert respondents(con) == 37


def test_a_row_with_every_id_part_empty_has_no_id_one_part_is_enough(tmp_path):
    rows, _ = form_rows(0, 6)
    rows[1][FORM_HEADER.index("Nom de la structure")] = ""
    rows[2][0] = ""
    rows[3][0] = rows[3][FORM_HEADER.index("Nom de la structure")] = " "
    con, report = ingest_folder(
        write_folder(tmp_path / "c", quoted(rows, header=FORM_HEADER), ["Horodateur", "Nom de la structure"])
    )
    assert (report.rows_ingested, report.rows_quarantined) == (5, 1)
    reason = con.execute("SELECT reason, source_row FROM quarantine").fetchone()
    assert reason == ("identifiant du répondant manquant", 5)
    ids = {r[0] for r in con.execute("SELECT respondent_id FROM respondents").fetchall()}
    assert f"{rows[1][0]} | " in ids and any(i.startswith(" | ") for i in ids)


def test_an_id_column_missing_from_the_file_is_named(tmp_path):
    rows, _ = form_rows(1, 5)
    folder = write_folder(tmp_path / "c", quoted(rows, header=FORM_HEADER), ["Horodateur", "Adresse e-mail"])
    with pytest.raises(ConsultationError) as caught:
        ingest_folder(folder)
    message = str(caught.value)
    assert "reponses.csv" in message and "Adresse e-mail" in message and "identifiant du répondant" in message


@pytest.mark.parametrize(
    ("value", "said"),
    [([], "liste vide"), (["Horodateur", "Horodateur"], "deux fois"), (["Horodateur", 3], "respondent_id")],
)
def test_a_bad_list_is_refused_when_the_consultation_is_read(tmp_path, value, said):
    rows, _ = form_rows(2, 3)
    folder = write_folder(tmp_path / "c", quoted(rows, header=FORM_HEADER), value)
    with pytest.raises(ConsultationError) as caught:
        load_consultation(folder)
    assert said in str(caught.value) and "consultation.yaml" in str(caught.value)


def test_a_long_export_takes_a_composite_id_too(tmp_path):
    header = ["Horodateur", "Structure", "Région", "Question", "Réponse"]
    question = next(h for h in HEADER if h.startswith("1."))
    rows = [
        ["12/06/2020 10:00:00", "ACT A", "Bretagne", question, "Une première réponse"],
        ["12/06/2020 10:00:00", "ACT B", "Bretagne", question, "Une autre réponse"],
        ["12/06/2020 10:00:01", "ACT A", "Bretagne", question, "Encore une"],
    ]
    layout = {"path": "reponses.csv", "layout": "long", "question_column": "Question", "answer_column": "Réponse"}
    folder = write_folder(tmp_path / "c", quoted(rows, header=header), ["Horodateur", "Structure"], layout)
    config = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    config["columns"].update({"structure_name": "Structure", "region": "Région"})
    config["columns"].pop("structure_type")
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    con, report = ingest_folder(folder)
    assert (respondents(con), report.rows_quarantined) == (3, 0)


def test_the_cli_shows_the_hint(tmp_path):
    rows, _ = form_rows(3, 20)
    folder = write_folder(tmp_path / "c", quoted(rows, header=FORM_HEADER), "Horodateur")
    done = subprocess.run(
        [sys.executable, "-m", "consultation", "ingest", str(folder), "--sorties", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "un horodatage à la seconde près n'est pas unique" in done.stdout
    assert "en quarantaine" in done.stdout
