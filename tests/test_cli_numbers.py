"""Counts a French user reads are grouped by thousands (« 3 012 », not « 3012 »), whatever the
command: run on a generated consultation of a few thousand answers, every command's output is
searched for a bare run of four or more digits that is not part of a path, an identifier or a
version."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from consultation.cli import main
from consultation.fmt import NNBSP

# A run of 4+ digits standing alone: not inside a word, a path, an identifier (R0001, m1-3f2a…),
# a file name or a decimal.
BARE = re.compile(r"(?<![\w./\\:,-])\d{4,}(?![\w./\\:-]|,\d)")
GROUPED = re.compile(rf"\b\d{{1,3}}(?:{NNBSP}\d{{3}})+\b")


@pytest.fixture(scope="module")
def consultation_3000(tmp_path_factory) -> tuple[Path, Path]:
    from benchmarks.generate import generate, load_corpus

    work = tmp_path_factory.mktemp("numbers")
    folder = generate(3_000, work=work, batch_respondents=5, corpus=load_corpus())
    return folder, work / "sorties"


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow  # runs the commands, spaCy's model included
def test_every_count_a_command_prints_is_grouped(consultation_3000, tmp_path):
    folder, out = consultation_3000
    outputs = {
        "code": _run("code", str(folder), "--sorties", str(out)),
        "ingest": _run("ingest", str(folder), "--sorties", str(out)),
        "export codings": _run("export", "codings", str(folder), "--sorties", str(out),
                               "--fichier", str(tmp_path / "codages.csv"), "--sans-classement"),
        "export a-coder": _run("export", "a-coder", str(folder), "--sorties", str(out),
                               "--fichier", str(tmp_path / "a-coder.csv")),
        "review export": _run("review", "export", str(folder), "--sorties", str(out),
                              "--fichier", str(tmp_path / "relecture.xlsx")),
        "estimate": _run("estimate", str(folder), "--sorties", str(out)),
        "tally csv": _run("tally", str(folder), "--sorties", str(out), "--format", "csv",
                          "--fichier", str(tmp_path / "tally.csv")),
        "tally": _run("tally", str(folder), "--sorties", str(out)),
        "tally region": _run("tally", str(folder), "--sorties", str(out), "--region", "occitanie"),
        "evaluate": _run("evaluate", str(folder), "--sorties", str(out)),
        "quarantine": _run("quarantine", str(folder), "--sorties", str(out)),
    }
    for command, text in outputs.items():
        bare = [m.group(0) for m in BARE.finditer(text)]
        assert not bare, f"« consultation {command} » prints counts without grouping: {bare}\n{text}"
        assert "(s)" not in text, f"« consultation {command} » writes « (s) » rather than agreeing its words\n{text}"
    # not vacuous: the big counts are there, grouped
    assert GROUPED.search(outputs["code"]), outputs["code"]
    assert GROUPED.search(outputs["export codings"]), outputs["export codings"]
    assert re.search(r"Fichiers : \d+ chargés?, \d+ inchangés?\n", outputs["code"]), outputs["code"]
    assert re.search(r"\d écarts? testés? sans correction pour la multiplicité : environ \d+,\d "
                     r"(signal peut|signaux peuvent) apparaître par hasard", outputs["tally region"]), outputs["tally region"]


def test_the_pattern_finds_bare_counts_and_spares_identifiers():
    assert BARE.findall("Lignes lues : 3012 ; ingérées : 3 012") == ["3012"]
    assert BARE.findall("1066 lignes (consultation estimate data/raw/n3000-s0)") == ["1066"]
    assert not BARE.findall("Modèle m1-3f2a1066 : fichier /tmp/x/n3000-s0/models/m1.skops ; R0001 ; 0,1234")
    assert GROUPED.search(f"Lignes lues : 3{NNBSP}012")
