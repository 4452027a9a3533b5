"""The bad input corpus (tests/data/bad/): every file gives a clear error or rows ingested and
quarantined, never a traceback, and rows read = ingested + quarantined.

What each file must give is in tests/data/bad/MANIFEST.yaml; this module only runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from consultation import store
from consultation.codebook import load_consultation
from consultation.errors import ConsultationError
from consultation.ingest.core import ingest_consultation

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad"
MINI = ROOT / "tests" / "data" / "mini"
# MANIFEST.yaml is written by hand; MANIFEST_hostile.yaml by make_hostile.py (issue 15's families).
MANIFEST = [
    case
    for name in ("MANIFEST.yaml", "MANIFEST_hostile.yaml")
    for case in yaml.safe_load((BAD / name).read_text(encoding="utf-8"))["cases"]
]
CASES = {case["file"]: case for case in MANIFEST}
CLI = [sys.executable, "-c", "from consultation.cli import console; console()"]  # the console script
TABLES = ("respondents", "answers", "quarantine", "human_codes", "source_files")

# Cases that still fail: each names the module at fault. strict=True, so a fix makes the test fail
# until the mark is removed (and RELIABILITY.md updated).
KNOWN_FAILURES: dict[str, str] = {}

sys.path.insert(0, str(BAD))
import make_corpus  # noqa: E402


def huge_answer_csv() -> str:
    """An answer of more than 1 MB (generated: the corpus files stay small)."""
    long = "Une réponse très longue sur les moyens des structures. " * 19_000
    first = [*make_corpus.ROWS[0][:4], long + "fin de la très longue réponse", *make_corpus.ROWS[0][5:]]
    return make_corpus.csv_text([first, make_corpus.ROWS[1]])


GENERATED = {"huge_answer.csv": huge_answer_csv}


def consultation_folder(case: dict, target: Path) -> Path:
    """A consultation folder in which the case's file plays its role."""
    target.mkdir(parents=True)
    config = yaml.safe_load((MINI / "consultation.yaml").read_text(encoding="utf-8"))
    name = case["file"]
    source = BAD / name
    if case.get("generated"):
        (target / name).write_text(GENERATED[name](), encoding="utf-8")
    elif case["role"] != "consultation":
        shutil.copy(source, target / name)
    if case["role"] == "responses":
        config["sources"] = {"responses": [name]}
    elif case["role"] == "human_codes":
        shutil.copy(MINI / "reponses.csv", target)
        config["sources"] = {"responses": ["reponses.csv"], "human_codes": [name]}
    if case["role"] == "consultation":
        shutil.copy(MINI / "reponses.csv", target)
        shutil.copy(MINI / "codes.csv", target)
        shutil.copy(source, target / "consultation.yaml")
    else:
        (target / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return target


@dataclass
class Outcome:
    """What ingesting one case gave: a domain error, an unexpected crash, or file reports."""

    error: str | None = None  # the domain error's message
    crash: str | None = None
    reports: list = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    unaccounted: int = 0  # rows source_files records as neither ingested nor quarantined


# Outcomes already computed in this session, so that the corpus summary does not ingest twice.
_SEEN: dict[str, Outcome] = {}


def ingest_case(case: dict, tmp_path: Path) -> tuple[Outcome, object]:
    folder = consultation_folder(case, tmp_path / "consultation")
    con = store.connect(None)
    outcome = Outcome()
    try:
        outcome.reports = ingest_consultation(con, load_consultation(folder), folder)
    except ConsultationError as exc:
        # Only the message is kept (in _SEEN): the exception's chain would hold frames and their
        # DuckDB connections until the interpreter exits, where nanobind reports them as leaks.
        outcome.error = str(exc)
    except Exception:
        outcome.crash = "".join(traceback.format_exc(limit=-4))
    outcome.counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608
    outcome.unaccounted = con.execute(
        "SELECT coalesce(sum(rows_read - rows_ingested - rows_quarantined), 0) FROM source_files"
    ).fetchone()[0]
    _SEEN[case["file"]] = outcome
    return outcome, con


def _param(case: dict):
    reason = KNOWN_FAILURES.get(case["file"])
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case["file"], marks=marks)


def test_manifest_covers_every_file_of_the_corpus():
    tools = {"MANIFEST.yaml", "MANIFEST_hostile.yaml", "make_corpus.py", "make_hostile.py", "__pycache__"}
    on_disk = {p.name for p in BAD.iterdir() if p.name not in tools}
    stored = {c["file"] for c in MANIFEST if not c.get("generated")}
    assert on_disk == stored
    assert len(MANIFEST) >= 25
    for case in MANIFEST:
        assert case["role"] in {"responses", "human_codes", "consultation"}, case
        assert ("error" in case) != ("rows" in case), f"{case['file']}: exactly one of error / rows"


@pytest.mark.daily_cases(27)  # a quarter of the corpus, spread over it, in the daily subset; all of it in the full run
@pytest.mark.parametrize("case", [_param(c) for c in MANIFEST])
def test_bad_input_gives_its_expected_outcome(case, tmp_path, request):
    outcome, con = ingest_case(case, tmp_path)
    request.addfinalizer(con.close)
    assert outcome.crash is None, f"{case['file']}: not a domain error:\n{outcome.crash}"
    name = case["file"]
    if "error" in case:
        assert outcome.error is not None, f"{name}: expected an error, got {outcome.reports}"
        message = str(outcome.error)
        for word in case["error"]:
            assert word.casefold() in message.casefold(), f"{name}: « {word} » missing from: {message}"
        assert outcome.counts == dict.fromkeys(TABLES, 0), f"{name}: a failed ingest wrote {outcome.counts}"
        return

    assert outcome.error is None, f"{name}: unexpected error: {outcome.error}"
    report = next(r for r in outcome.reports if Path(r.path).name == name)
    expected = case["rows"]
    got = {"read": report.rows_read, "ingested": report.rows_ingested, "quarantined": report.rows_quarantined}
    assert got == expected
    assert report.rows_read == report.rows_ingested + report.rows_quarantined

    label = f"%{name}"
    quarantined = con.execute("SELECT count(*) FROM quarantine WHERE source_file LIKE ?", [label]).fetchone()[0]
    assert quarantined == expected["quarantined"], "quarantine table and report disagree"
    if case["role"] == "responses":
        assert outcome.counts["respondents"] == expected["ingested"]
    else:
        assert outcome.counts["human_codes"] == expected["ingested"]

    for key, fragment in case.get("answers", {}).items():
        respondent, question = key.split("/")
        row = con.execute(
            "SELECT text FROM answers WHERE respondent_id = ? AND question_id = ?", [respondent, question]
        ).fetchone()
        assert row is not None, f"{name}: no answer stored for {key}"
        assert fragment in row[0], f"{name}: {key} holds {row[0][:200]!r}"
    if case.get("warnings"):
        assert any(all(w in text for w in case["warnings"]) for text in report.warnings), report.warnings
    if case.get("quarantine_reasons"):
        reasons = [r[0] for r in con.execute("SELECT reason FROM quarantine").fetchall()]
        assert any(all(w in r for w in case["quarantine_reasons"]) for r in reasons), reasons


@pytest.mark.slow  # the whole corpus again (20-35 s): the figures of RELIABILITY.md, for the full run
def test_whole_corpus_loses_no_row_and_raises_only_domain_errors(tmp_path):
    """The figures of RELIABILITY.md: files tried, clear errors, rows read, ingested, quarantined, lost."""
    crashes, lost, errors, rows = [], [], 0, {"read": 0, "ingested": 0, "quarantined": 0}
    for i, case in enumerate(MANIFEST):
        outcome = _SEEN.get(case["file"])
        if outcome is None:
            outcome, con = ingest_case(case, tmp_path / str(i))
            con.close()
        if outcome.crash:
            crashes.append(f"{case['file']}: {outcome.crash.strip().splitlines()[-1]}")
            continue
        if outcome.error:
            errors += 1
            continue
        for r in outcome.reports:
            rows["read"] += r.rows_read
            rows["ingested"] += r.rows_ingested
            rows["quarantined"] += r.rows_quarantined
            if r.rows_read != r.rows_ingested + r.rows_quarantined:
                lost.append(f"{case['file']}: {r.path.name} read {r.rows_read}, "
                            f"ingested {r.rows_ingested}, quarantined {r.rows_quarantined}")
        if outcome.unaccounted:
            lost.append(f"{case['file']}: source_files records {outcome.unaccounted} rows neither ingested nor quarantined")
    print(
        f"\nbad inputs: {len(MANIFEST)} files tried, {errors} clear errors, {len(crashes)} crashes; "
        f"rows read {rows['read']} = ingested {rows['ingested']} + quarantined {rows['quarantined']}; "
        f"rows lost {rows['read'] - rows['ingested'] - rows['quarantined']}"
    )
    assert not crashes, "\n".join(crashes)
    assert not lost, "\n".join(lost)
    assert rows["read"] == rows["ingested"] + rows["quarantined"]


# --- through the command line: a message and exit code 2, never a traceback -------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [*CLI, *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.daily_cases(2)  # two of the four bad files daily (each a CLI process), all four in the full run
@pytest.mark.parametrize(
    ("command", "name"),
    [("ingest", "bom_invalid_utf8.csv"), ("ingest", "truncated.xlsx"), ("ingest", "codes_unknown_theme.csv"),
     ("run", "cfg_traversal_id.yaml")],
)
def test_cli_on_a_bad_file_prints_a_clear_error_without_traceback(command, name, tmp_path):
    case = CASES[name]
    folder = consultation_folder(case, tmp_path / "consultation")
    result = run_cli(command, str(folder), "--out", str(tmp_path / "processed"), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert "Erreur" in result.stderr
    for word in case["error"]:
        assert word.casefold() in result.stderr.casefold(), result.stderr


def test_cli_ingest_reports_quarantined_rows_and_keeps_the_count(tmp_path):
    folder = consultation_folder(CASES["duplicate_ids.csv"], tmp_path / "consultation")
    result = run_cli("ingest", str(folder), "--out", str(tmp_path / "processed"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Lignes de réponses lues : 5 ; ingérées : 2 ; en quarantaine : 3" in result.stdout


# --- the whole pipeline on inputs that ingest: coding, charts and reports cope too -----------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "header_only.csv", "emoji_rtl.csv", "formulas.csv",
        "huge_answer.csv",  # over 1,000,000 characters: lemmas no longer go through spaCy's nlp()
    ],
)
def test_pipeline_runs_to_the_end_on_odd_but_valid_inputs(name, tmp_path, nlp, ner):
    from consultation.pipeline import run

    folder = consultation_folder(CASES[name], tmp_path / "consultation")
    try:
        result = run(folder, processed_root=tmp_path / "processed", nlp=nlp, ner=ner)
    except ConsultationError as exc:  # a clear refusal is acceptable; a crash is not
        assert name in str(exc) or "consultation" in str(exc)
        return
    assert result.rows_read == result.rows_ingested + result.rows_quarantined
    if result.rows_ingested:
        assert result.reports, "respondents ingested but no report written"
