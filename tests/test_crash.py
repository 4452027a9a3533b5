"""Crash safety: an ingest killed at any moment leaves the database as it was before or as it is
after, never in between, and running it again converges to the clean result. Two runs started at
once on one database: the second fails with a clear message (or waits); nothing is corrupted.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from consultation import store
from consultation.codebook import load_consultation
from consultation.ingest import ingest_consultation

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini"
sys.path.insert(0, str(ROOT / "tests" / "data" / "bad"))
import make_corpus  # noqa: E402

KILLS = 20
# The console script, as a user runs it (`python -m consultation.cli` would not see the stage commands).
CLI = [sys.executable, "-c", "from consultation.cli import main; main()"]
ROWS = 2000  # about a second of ingest: long enough to be killed anywhere inside it

# The child imports everything, says "ready", waits for a line, then ingests: the parent's random
# delay starts when the ingest starts, not when Python starts.
CHILD = """
import sys
from pathlib import Path
from consultation import store
from consultation.codebook import load_consultation
from consultation.ingest import ingest_consultation
folder, db = Path(sys.argv[1]), Path(sys.argv[2])
consultation = load_consultation(folder)
print("ready", flush=True)
sys.stdin.readline()
con = store.connect(db)
ingest_consultation(con, consultation, folder)
con.close()
print("done", flush=True)
"""


def fingerprint(db: Path) -> dict[str, tuple[int, int]]:
    """Row count and content hash of every table, timestamps left out (they differ run to run).

    The hash is a sum of row hashes: independent of row order, and duplicates count.
    """
    con = duckdb.connect(str(db))  # plain open: replays what the last commit left in the WAL
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()]
        out = {}
        for table in tables:
            cols = con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND data_type NOT LIKE 'TIMESTAMP%' ORDER BY ordinal_position",
                [table],
            ).fetchall()
            select = ", ".join(f'"{c[0]}"' for c in cols)
            count, digest = con.execute(
                f'SELECT count(*), coalesce(sum(hash({select})::HUGEINT), 0) FROM "{table}"'  # noqa: S608 - names from the catalog
            ).fetchone()
            out[table] = (int(count), int(digest))
        return out
    finally:
        con.close()


def big_export(folder: Path, rows: int) -> None:
    """A corrected export of `rows` respondents (the first five replace the mini ones) and codes."""
    rng = random.Random(rows)
    regions = ["Occitanie", "PACA", "34", "Bretagne", "Hauts de France", "75012", "Atlantide", ""]
    table = [
        [f"A{i}" if i <= 5 else f"G{i:05d}", f"ACT n°{i}", "ACT", rng.choice(regions),
         f"Réponse {i} : l'équipe, les masques", f"- Revaloriser {i}\n- Former", f"Initiative {i}", ""]
        for i in range(1, rows + 1)
    ]
    (folder / "reponses.csv").write_text(make_corpus.csv_text(table), encoding="utf-8")
    codes = ["respondent_id,question_id,theme_id,text"]
    codes += [f"{r[0]},q1,{rng.choice(['q1_equipes', 'q1_epi'])}," for r in table[::3]]
    (folder / "codes.csv").write_text("\n".join(codes) + "\n", encoding="utf-8")


def ingest_in_process(folder: Path, db: Path) -> None:
    con = store.connect(db)
    try:
        ingest_consultation(con, load_consultation(folder), folder)
    finally:
        con.close()


def spawn(folder: Path, db: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    return proc


def start(proc: subprocess.Popen) -> float:
    line = proc.stdout.readline()
    assert line.strip() == "ready", line + proc.stderr.read()
    proc.stdin.write("go\n")
    proc.stdin.flush()
    return time.monotonic()


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """The consultation folder, the database before the ingest, and its fingerprints before and after."""
    base = tmp_path_factory.mktemp("crash")
    folder = base / "mini"
    shutil.copytree(MINI, folder)
    before_db = base / "before.duckdb"
    ingest_in_process(folder, before_db)  # the earlier, small export is in the database
    big_export(folder, ROWS)
    after_db = base / "after.duckdb"
    shutil.copy(before_db, after_db)
    ingest_in_process(folder, after_db)
    before, after = fingerprint(before_db), fingerprint(after_db)
    assert before != after
    assert after["respondents"][0] == ROWS
    return folder, before_db, before, after


def test_ingest_killed_at_random_moments_leaves_before_or_after_and_reruns_to_the_clean_result(states, tmp_path):
    folder, before_db, before, after = states
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20200616")))

    # How long one ingest takes in a child, so that the kills fall inside it.
    # Timed as in the loop below: while the next child starts (imports) beside it.
    db = tmp_path / "timing.duckdb"
    shutil.copy(before_db, db)
    proc = spawn(folder, db)
    work = [tmp_path / f"kill{i}.duckdb" for i in range(KILLS)]
    shutil.copy(before_db, work[0])
    t0 = start(proc)
    nxt = spawn(folder, work[0])
    assert proc.stdout.readline().strip() == "done", proc.stderr.read()
    duration = time.monotonic() - t0
    proc.wait(timeout=60)
    assert fingerprint(db) == after

    outcomes: Counter[str] = Counter()
    delays = []
    for i in range(KILLS):
        proc = nxt
        t0 = start(proc)
        if i + 1 < KILLS:  # the next child imports while this one ingests
            shutil.copy(before_db, work[i + 1])
            nxt = spawn(folder, work[i + 1])
        # Half anywhere in the ingest, half around its end, where the commit is.
        delay = duration * (rng.uniform(0.0, 1.0) if i % 2 else rng.uniform(0.8, 1.5))
        time.sleep(max(0.0, delay - (time.monotonic() - t0)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
        proc.stdin.close()
        delays.append(delay)

        state = fingerprint(work[i])
        label = "before" if state == before else "after" if state == after else "between"
        if label == "between":
            changed = {t: (before.get(t), state.get(t), after.get(t)) for t in state if state[t] not in (before.get(t), after.get(t))}
            pytest.fail(f"kill {i} after {delay:.3f}s left the database between states: {changed}")
        outcomes[label] += 1
        ingest_in_process(folder, work[i])  # the rerun a user would do
        assert fingerprint(work[i]) == after, f"kill {i}: rerun did not converge"
        work[i].unlink()
        Path(f"{work[i]}.wal").unlink(missing_ok=True)

    print(
        f"\nkill test: {KILLS} SIGKILLs in an ingest of {ROWS} rows lasting {duration:.2f}s "
        f"(delays {min(delays):.2f}-{max(delays):.2f}s): {outcomes['before']} left it as before, "
        f"{outcomes['after']} as after, 0 in between; {KILLS} reruns converged"
    )
    assert sum(outcomes.values()) == KILLS >= 20


@pytest.mark.slow
def test_two_runs_at_once_on_one_database_one_waits_or_fails_clearly(tmp_path, nlp):
    """`consultation run` twice at the same time: each ends cleanly or says the base is busy."""
    from consultation.pipeline import run
    from consultation.redact import load_ner

    folder = tmp_path / "mini"
    shutil.copytree(MINI, folder)
    reference = run(folder, processed_root=tmp_path / "reference", nlp=nlp, ner=load_ner())

    out = tmp_path / "processed"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    command = [*CLI, "run", str(folder), "--out", str(out)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]

    codes = sorted(code for code, _, _ in results)
    print(f"\ntwo runs at once: exit codes {codes}")
    assert codes in ([0, 0], [0, 2]), results
    for code, stdout, stderr in results:
        assert "Traceback" not in stdout + stderr
        if code == 2:
            assert "base est utilisée par un autre traitement" in stderr
    db = out / "mini" / "consultation.duckdb"
    state = fingerprint(db)
    expected = fingerprint(reference.paths.db)
    for table in ("respondents", "answers", "human_codes", "source_files", "quarantine", "auto_codes"):
        assert state[table] == expected[table], table
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM tally").fetchone()[0] > 0
    finally:
        con.close()


def test_ctrl_c_during_an_ingest_prints_a_message_and_leaves_before_or_after(states, tmp_path):
    """Ctrl+C (SIGINT) in `consultation ingest`: a French message, exit 130, no traceback."""
    folder, before_db, before, after = states
    db = tmp_path / "processed" / "mini" / "consultation.duckdb"
    db.parent.mkdir(parents=True)
    shutil.copy(before_db, db)
    stamp = db.stat().st_mtime_ns
    proc = subprocess.Popen(
        [*CLI, "ingest", str(folder), "--out", str(tmp_path / "processed")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    deadline = time.monotonic() + 120
    while db.stat().st_mtime_ns == stamp and not Path(f"{db}.wal").exists() and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)  # the command has opened the base: the ingest is starting
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert "Traceback" not in stdout + stderr
    assert proc.returncode in (130, 0), stdout + stderr
    if proc.returncode == 130:
        assert "Interrompu" in stderr
    state = fingerprint(db)
    assert state in (before, after)
    print(f"\nCtrl+C: exit {proc.returncode}, base left {'before' if state == before else 'after'}")
