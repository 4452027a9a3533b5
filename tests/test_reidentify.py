"""The same export read again with its ids written another way: the same respondents, once.

A later download of the same file may write the ids differently: the survey tool changed its date
format (« 2020-06-12 10:31:00 » → « 12/06/2020 10:31:00 »), the sheet pads numbers (« 7 » →
« 007 »), or an update of this tool reads a workbook's cells as the sheet shows them (a
timestamp, a zero-padded id). A respondent no longer in the file stays in the base (a tool may
export only part of its answers), so without care each of them would be counted twice. The family:
every such shift, with answers added, changed or removed between the two downloads.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
import yaml

from consultation import store
from consultation.codebook import load_consultation
from consultation.ingest.core import ingest_consultation
from ingest_family_support import HEADER, ROWS, SAMPLE, quoted

QUESTION = next(i for i, h in enumerate(HEADER) if h[0].isdigit())
IDENT = HEADER.index("Identifiant")

SHIFTS: dict[str, tuple[Callable[[int], str], Callable[[int], str]]] = {
    "date format": (lambda i: f"2020-06-{10 + i // 24:02d} {i % 24:02d}:31:00",
                    lambda i: f"{10 + i // 24:02d}/06/2020 {i % 24:02d}:31:00"),
    "zeros": (lambda i: str(i + 1), lambda i: f"{i + 1:03d}"),
    "float": (lambda i: f"{i + 1}.0", lambda i: str(i + 1)),
    "prefix": (lambda i: f"R{i + 1}", lambda i: f"R-{i + 1:04d}"),
}


def rows_with(ids: Callable[[int], str], n: int) -> list[list[str]]:
    out = []
    for i in range(n):
        row = list(ROWS[i % len(ROWS)])
        row[IDENT] = ids(i)
        row[QUESTION] = f"{row[QUESTION]} (réponse n° {i})"  # every respondent says something of their own
        out.append(row)
    return out


def folder_with(tmp_path, data: bytes, codes: str | None = None):
    folder = tmp_path / "c"
    folder.mkdir(exist_ok=True)
    (folder / "reponses.csv").write_bytes(data)
    config = yaml.safe_load((SAMPLE / "consultation.yaml").read_text(encoding="utf-8"))
    config["sources"] = {"responses": ["reponses.csv"], **({"human_codes": ["codes.csv"]} if codes else {})}
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    if codes:
        (folder / "codes.csv").write_text(codes, encoding="utf-8")
    return folder


def ingest(con, folder):
    reports = ingest_consultation(con, load_consultation(folder), folder)
    return next(r for r in reports if r.path.name == "reponses.csv")


def count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("shift", sorted(SHIFTS))
def test_a_respondent_read_under_another_id_is_counted_once(tmp_path, shift, seed):
    before, after = SHIFTS[shift]
    rng = random.Random(seed)
    n, added = 30 + seed * 5, rng.randint(0, 6)
    first = rows_with(before, n)
    theme = load_consultation(SAMPLE).questions[0].themes[0].id
    qid = load_consultation(SAMPLE).questions[0].id
    codes = f"respondent_id,question_id,theme_id\n{before(3)},{qid},{theme}\n"
    folder = folder_with(tmp_path, quoted(first), codes)
    con = store.connect(None)
    ingest(con, folder)
    assert count(con, "SELECT count(*) FROM respondents") == n

    # The next download: the same people under their ids written anew, some answers changed, some
    # respondents gone from the export (kept in the base), some new ones.
    second = rows_with(after, n + added)
    changed = rng.sample([i for i in range(n) if i != 3], 2)
    for i in changed:
        second[i][QUESTION] = f"{second[i][QUESTION]} ajout"
    removed = sorted(rng.sample([i for i in range(n) if i not in changed and i != 3], 2))
    second = [r for i, r in enumerate(second) if i not in removed]
    (folder / "reponses.csv").write_bytes(quoted(second))
    report = ingest(con, folder)

    # Each person once: the renamed ones, the changed ones (new id and new answer: not recognisable,
    # kept under both ids, as a respondent gone from the export is), the removed ones kept, the new.
    assert count(con, "SELECT count(*) FROM respondents") == n + added + len(changed)
    (said,) = [w for w in report.warnings if "sous un autre identifiant" in w]
    assert f"{n - len(changed) - len(removed)} répondants" in said
    shown = [i for i in range(n) if f"« {before(i)} » → « {after(i)} »" in said]
    assert len(shown) == 5 and not set(shown) & set(changed + removed)
    # The human code follows its respondent.
    assert [r[0] for r in con.execute("SELECT respondent_id FROM human_codes").fetchall()] == [after(3)]
    # The ids gone from the export and still in the base are named, as before.
    (gone,) = [w for w in report.warnings if "n'y figure" in w]
    assert all(before(i) in gone for i in removed + changed)
    assert count(con, "SELECT count(*) FROM answers a LEFT JOIN respondents r USING (consultation_id, respondent_id) "
                      "WHERE r.respondent_id IS NULL") == 0


def test_respondents_who_said_the_same_are_not_merged(tmp_path):
    """Two respondents of the same structure and region who wrote the same: nothing tells which is
    which, so neither is renamed (both stay, as before, with the warning naming them)."""
    before, after = SHIFTS["zeros"]
    first = rows_with(before, 10)
    first[5] = [*first[4]]
    first[5][IDENT] = before(5)
    folder = folder_with(tmp_path, quoted(first))
    con = store.connect(None)
    ingest(con, folder)
    second = rows_with(after, 10)
    second[5] = [*second[4]]
    second[5][IDENT] = after(5)
    (folder / "reponses.csv").write_bytes(quoted(second))
    report = ingest(con, folder)
    assert count(con, "SELECT count(*) FROM respondents") == 12
    (said,) = [w for w in report.warnings if "sous un autre identifiant" in w]
    assert "8 répondants" in said
