"""The `consultation` command as a user types it: messages, exit codes, help with examples."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import ROOT
from consultation.cli import main


def _commands(group, prefix=()):
    import click

    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


@pytest.mark.parametrize(("path", "cmd"), list(_commands(main)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_help_with_an_example(path, cmd):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Exemple" in result.output, f"{' '.join(path)} --help has no example"


def test_bad_consultation_gives_a_message_not_a_traceback(tmp_path):
    (tmp_path / "consultation.yaml").write_text("id: x\ntitle: t\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(tmp_path), "--sorties", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "clé « questions »" in result.output and "obligatoire" in result.output


def test_missing_folder_gives_a_message(tmp_path):
    result = CliRunner().invoke(main, ["run", str(tmp_path / "nope"), "--sorties", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"« {tmp_path / 'nope'} » n'existe pas" in result.output
    result = CliRunner().invoke(main, ["code", str(tmp_path), "--sorties", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "ne contient pas de fichier consultation.yaml" in result.output
    for command in (["tally"], ["report"], ["charts"]):
        result = CliRunner().invoke(main, [*command, str(tmp_path / "nope")])
        assert result.exit_code == 2 and "n'existe pas" in result.output, command


def test_run_on_mini_prints_counts_and_where_files_are(mini_dir, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "consultation.cli", "run", str(mini_dir), "--sorties", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Lignes de réponses lues : 5 ; ingérées : 5 ; en quarantaine : 0" in proc.stdout
    assert "Région inconnue" in proc.stdout  # the unmapped region is reported
    assert str(out / "mini" / "consultation.duckdb") in proc.stdout
    assert (out / "mini" / "consultation.duckdb").exists()


def test_a_notebook_holding_the_database_is_named_with_what_to_do(mini_dir, tmp_path):
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["ingest", str(mini_dir), "--sorties", str(out)]).exit_code == 0
    db = out / "mini" / "consultation.duckdb"
    holder = subprocess.Popen(  # a notebook: consultation.open(...) and nothing closed
        [sys.executable, "-c", f"import consultation, sys, time; db = consultation.open({str(db)!r}); "
                               "print('ouvert', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ouvert"
        result = CliRunner().invoke(main, ["ingest", str(mini_dir), "--sorties", str(out)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2, result.output
    assert "Si c'est un notebook, fermez-la (db.close()" in result.output and "Traceback" not in result.output


def test_a_folder_typed_with_a_tilde_is_found(mini_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(mini_dir.parent))
    result = CliRunner().invoke(main, ["ingest", "~/mini", "--sorties", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Lignes de réponses lues : 5 ; ingérées : 5" in result.output


@pytest.mark.parametrize(
    "entry",
    [["-m", "consultation"], ["-m", "consultation.cli"], ["-c", "from consultation.cli import console; console()"]],
    ids=["python -m consultation", "python -m consultation.cli", "console script"],
)
def test_every_entry_point_lists_every_stage_command(entry):
    """`python -m consultation.cli` used to run cli.py as __main__ while the stage commands
    registered on a second copy of it: it knew « run » and nothing else."""
    proc = subprocess.run([sys.executable, *entry, "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    commands = {line.split()[0] for line in proc.stdout.split("Commandes :")[1].splitlines() if line.strip()}
    assert {"run", "ingest", "code", "tally", "report", "charts", "export", "review"} <= commands



def test_the_notebooks_output_variable_is_every_commands_default(mini_dir, tmp_path):
    """CONSULTATION_PROCESSED was read by the notebooks only: `consultation ingest` on a copy wrote
    into the project's data/processed/ while the notebooks looked in the variable's folder."""
    elsewhere, work = tmp_path / "ailleurs", tmp_path / "travail"
    work.mkdir()
    env = {**os.environ, "CONSULTATION_PROCESSED": str(elsewhere)}

    def consultation(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "consultation", *args], cwd=work, env=env,
                              capture_output=True, text=True, check=False)

    ingest = consultation("ingest", str(mini_dir))
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    assert (elsewhere / "mini" / "consultation.duckdb").is_file()
    assert not (work / "data").exists()
    # The other commands find it there without being told, and --sorties still wins.
    quarantine = consultation("quarantine", str(mini_dir))
    assert quarantine.returncode == 0 and "Traceback" not in quarantine.stderr, quarantine.stdout + quarantine.stderr
    assert str(elsewhere) in "".join(consultation("ingest", "--help").stdout.split())  # help wraps the path
    serve = subprocess.run([sys.executable, "-m", "flows.serve", "--help"], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=False)  # the scheduled flows' default
    assert serve.returncode == 0 and str(elsewhere) in "".join(serve.stdout.split()), serve.stdout + serve.stderr
    explicit = consultation("ingest", str(mini_dir), "--sorties", str(tmp_path / "choisi"))
    assert explicit.returncode == 0 and (tmp_path / "choisi" / "mini" / "consultation.duckdb").is_file()
