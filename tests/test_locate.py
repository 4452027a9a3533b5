"""One resolver for every path a user gives: the CLI commands and `consultation.open` read a path
the same way, and refuse a wrong one with the same French message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import consultation
from conftest import MINI_DIR
from consultation import store
from consultation.cli import main
from consultation.errors import ConsultationError
from consultation.store.paths import locate
from test_tally import build_mini


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    """data/raw/mini (the consultation) and data/processed/mini (its database) under one root."""
    root = tmp_path_factory.mktemp("projet")
    raw = root / "data" / "raw" / "mini"
    shutil.copytree(MINI_DIR, raw)
    db = root / "data" / "processed" / "mini" / "consultation.duckdb"
    con = store.connect(db)
    build_mini(con)
    con.close()
    shutil.copy(db, root / "copie.db")  # a database renamed: recognised by its content
    never_run = root / "data" / "raw" / "jamais"
    shutil.copytree(MINI_DIR, never_run)
    (never_run / "consultation.yaml").write_text(
        (MINI_DIR / "consultation.yaml").read_text(encoding="utf-8").replace("id: mini", "id: jamais"),
        encoding="utf-8",
    )
    (root / "vide").mkdir()
    return root


RAW_SPELLINGS = ["data/raw/mini", "data/raw/mini/", "data/raw/mini/consultation.yaml", "./data/raw/mini"]
DB_SPELLINGS = [
    "data/processed/mini", "data/processed/mini/", "data/processed/mini/consultation.duckdb",
    "data/raw/../processed/mini", "copie.db",
]


def _spellings(root: Path, spelling: str) -> list[str]:
    """The relative spelling, the absolute one, and the one from the home folder (« ~/… »)."""
    return [spelling, str(root / spelling), "~/" + spelling]


@pytest.fixture
def at_root(layout, monkeypatch):
    monkeypatch.chdir(layout)
    monkeypatch.setenv("HOME", str(layout))
    return layout


@pytest.mark.daily_cases(3)  # three spellings daily, every one in the full run
@pytest.mark.parametrize("spelling", RAW_SPELLINGS + DB_SPELLINGS)
def test_every_spelling_of_a_consultation_reaches_its_database(at_root, spelling):
    expected = (at_root / "data/processed/mini/consultation.duckdb").resolve()
    relative, absolute, home = _spellings(at_root, spelling)
    for path in (relative, absolute, home):
        found = locate(path).existing_db()
        if spelling != "copie.db":
            assert found.resolve() == expected, path
    # the CLI reads it the same way (--sorties defaults to data/processed, relative)
    for path in (relative, home):
        result = CliRunner().invoke(main, ["tally", path, "--question", "q1"])
        assert result.exit_code == 0, (path, result.output)
        assert "National : 5 répondants" in result.output
    # and so does the Python API
    for path in (relative, absolute):
        with consultation.open(path) as db:
            assert db.consultation_id == "mini"
            assert int(db.tallies(question="q1")["respondents_answered"].max()) == 5


@pytest.mark.parametrize("spelling", RAW_SPELLINGS)
def test_commands_that_read_the_raw_files_take_every_spelling_of_its_folder(at_root, spelling):
    for path in _spellings(at_root, spelling):
        assert locate(path).require_folder().resolve() == (at_root / "data/raw/mini").resolve()
        result = CliRunner().invoke(main, ["ingest", path])  # nothing new: the files are those of the base
        assert result.exit_code == 0, (path, result.output)
        assert "reponses.csv (réponses) : inchangé" in result.output
        assert str(at_root / "data/processed/mini/consultation.duckdb") in result.output


# (path, the words a user must read); the same message from every entry point
WRONG = [
    ("nulle-part", ["« nulle-part » n'existe pas", "base introuvable", "consultation run"]),
    ("data/raw/nulle-part/", ["n'existe pas", "data/raw/…", "consultation.duckdb"]),
    ("vide", ["« vide » ne contient pas de fichier consultation.yaml", "ni de base consultation.duckdb"]),
    ("data/raw/mini/reponses.csv", ["n'est pas une base DuckDB ni un fichier consultation.yaml"]),
    ("data/raw/jamais", ["consultation.duckdb : base introuvable", "consultation run data/raw/jamais"]),
]


@pytest.mark.parametrize(("path", "words"), WRONG)
def test_a_wrong_path_gets_the_same_french_message_everywhere(at_root, path, words):
    with pytest.raises(ConsultationError) as err:
        consultation.open(path)
    api_message = " ".join(str(err.value).split())
    for word in words:
        assert word in api_message, (word, api_message)
    for command in (["tally"], ["report"], ["charts"], ["export", "tallies"], ["evaluate"], ["estimate"]):
        result = CliRunner().invoke(main, [*command, path])
        shown = " ".join(result.output.split())
        assert result.exit_code == 2, (command, result.output)
        assert "Traceback" not in result.output
        for word in words:
            assert word in shown, (command, word, shown)


def test_commands_that_read_raw_files_refuse_a_database_saying_what_to_give(at_root):
    for command in (["evaluate"], ["code"], ["ingest"], ["review", "export"]):
        result = CliRunner().invoke(main, [*command, "data/processed/mini"])
        assert result.exit_code == 2, (command, result.output)
        assert "cette commande lit les fichiers de la consultation" in result.output
        assert "consultation.yaml" in result.output


def test_outputs_follow_the_sorties_option(at_root, tmp_path):
    moved = tmp_path / "ailleurs"
    shutil.copytree(at_root / "data" / "processed", moved)
    location = locate("data/raw/mini", moved)
    assert location.existing_db() == (moved / "mini" / "consultation.duckdb").resolve()
    result = CliRunner().invoke(main, ["tally", "data/raw/mini", "--sorties", str(moved)])
    assert result.exit_code == 0 and "National : 5 répondants" in result.output
    assert location.outputs.root.samefile(moved / "mini")
