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
from consultation.ingest.core import ingest_consultation

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini"
sys.path.insert(0, str(ROOT / "tests" / "data" / "bad"))
import make_corpus  # noqa: E402

KILLS = 20
# The console script, as a user runs it.
CLI = [sys.executable, "-c", "from consultation.cli import console; console()"]
ROWS = 2000  # about a second of ingest: long enough to be killed anywhere inside it

# The child imports everything, says "ready", waits for a line, then ingests: the parent's random
# delay starts when the ingest starts, not when Python starts.
CHILD = """
import sys
from pathlib import Path
from consultation import store
from consultation.codebook import load_consultation
from consultation.ingest.core import ingest_consultation
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
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "ORDER BY 1, 2"
        ).fetchall()
        out = {}
        for schema, table in tables:  # `main` and the library's `interne`
            cols = con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "AND data_type NOT LIKE 'TIMESTAMP%' ORDER BY ordinal_position",
                [schema, table],
            ).fetchall()
            select = ", ".join(f'"{c[0]}"' for c in cols)
            count, digest = con.execute(
                f'SELECT count(*), coalesce(sum(hash({select})::HUGEINT), 0) FROM "{schema}"."{table}"'  # noqa: S608 - names from the catalog
            ).fetchone()
            out[table if schema == "main" else f"{schema}.{table}"] = (int(count), int(digest))
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
def test_two_runs_at_once_on_one_database_one_waits_or_fails_clearly(tmp_path, nlp, ner):
    """`consultation run` twice at the same time: each ends cleanly or says the base is busy."""
    from consultation.pipeline import run

    folder = tmp_path / "mini"
    shutil.copytree(MINI, folder)
    reference = run(folder, processed_root=tmp_path / "reference", nlp=nlp, ner=ner)

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
            assert "la base est ouverte par un autre programme" in stderr and "attendez sa fin" in stderr
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


def test_a_duckdb_query_cut_short_is_recognised_as_ctrl_c():
    """DuckDB raises an interrupted query as InterruptException (con.interrupt(), here from another
    thread) or as RuntimeError('Query interrupted') (Ctrl+C, from its signal check): both must reach
    the user as « Interrompu (Ctrl+C) », whatever DuckDB version is pinned; other errors must not."""
    import threading

    from consultation.errors import is_interrupt

    con = duckdb.connect()
    timer = threading.Timer(0.3, con.interrupt)
    timer.start()
    try:
        with pytest.raises(Exception) as caught:  # the point is which class DuckDB picks
            con.execute("SELECT count(*) FROM range(100000000000) t(i) WHERE i % 7 = 3").fetchall()
    finally:
        timer.cancel()
        con.close()
    assert is_interrupt(caught.value), repr(caught.value)
    assert is_interrupt(RuntimeError("Query interrupted"))
    assert is_interrupt(KeyboardInterrupt())
    assert not is_interrupt(RuntimeError("IO Error: could not open file"))
    assert not is_interrupt(ValueError("interrupted"))


def _has_open(fds: Path, path: Path) -> bool:
    """Whether the process whose /proc fd folder this is has `path` open."""
    try:
        return any(str(fd.readlink()) == str(path) for fd in fds.iterdir())
    except OSError:  # the process ended, or a descriptor closed while listing
        return False


def _ctrl_c_ingest(states, tmp_path, *, after_summary: bool) -> tuple[int, str, str, str]:
    """Run `consultation ingest` on a copy of the "before" base and send it SIGINT: as soon as the
    base is opened (inside the ingest), or once the summary is printed.
    Returns the exit code, stdout, stderr and which state the base was left in."""
    folder, before_db, before, after = states
    db = tmp_path / "processed" / "mini" / "consultation.duckdb"
    db.parent.mkdir(parents=True)
    shutil.copy(before_db, db)
    stamp = db.stat().st_mtime_ns
    proc = subprocess.Popen(
        [*CLI, "ingest", str(folder), "--out", str(tmp_path / "processed")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        # As in a terminal: a test run started in the background inherits SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    printed = []
    if after_summary:
        for line in proc.stdout:  # click.echo flushes each line
            printed.append(line)
            if "Contrôles de la base" in line:
                break
    else:
        # The ingest starts as soon as the command opens the base (it lasts about 0.4 s here): watch
        # the process's open files. Without /proc, wait for the base to change.
        fds = Path(f"/proc/{proc.pid}/fd")
        deadline = time.monotonic() + 120
        while proc.poll() is None and not _has_open(fds, db) and (
            fds.exists() or (db.stat().st_mtime_ns == stamp and not Path(f"{db}.wal").exists())
        ):
            assert time.monotonic() < deadline
            time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    stdout = "".join(printed) + stdout
    state = fingerprint(db)
    assert state in (before, after), "the base is neither as before nor as after"
    return proc.returncode, stdout, stderr, "before" if state == before else "after"


def test_ctrl_c_during_an_ingest_prints_a_message_and_leaves_before_or_after(states, tmp_path):
    """Ctrl+C (SIGINT) in `consultation ingest`: a French message, exit 130, no traceback."""
    code, stdout, stderr, state = _ctrl_c_ingest(states, tmp_path, after_summary=False)
    assert "Traceback" not in stdout + stderr
    assert code in (130, 0), (code, stdout + stderr)
    if code == 130:
        assert "Interrompu" in stderr
    print(f"\nCtrl+C: exit {code}, base left {state}")


def test_ctrl_c_once_the_ingest_is_over_leaves_its_result_and_exit_code(states, tmp_path):
    """A Ctrl+C that lands after the summary is printed (in the command's last lines, or while
    Python shuts down) leaves the ingest committed, and the exit code is 0 or 130, never "killed by
    a signal" (-2), which a scheduler reports as a failed run, nor click's "Aborted!" (1). The CI
    caught -2 once: the ingest had become fast enough for the first test's Ctrl+C to land there."""
    code, stdout, stderr, state = _ctrl_c_ingest(states, tmp_path, after_summary=True)
    assert "Contrôles de la base : tous réussis" in stdout
    assert "Traceback" not in stdout + stderr
    assert code in (0, 130), (code, stdout + stderr)
    assert state == "after"
    print(f"\nCtrl+C after the summary: exit {code}")


@pytest.mark.slow
def test_ctrl_c_anywhere_in_a_run_says_so_and_the_rerun_gives_the_clean_result(tmp_path):
    """Ctrl+C in a terminal reaches the whole process group (the command and its forked workers)
    at any stage of `consultation run`: a French message and exit 130 (or 0 if it came too late),
    no traceback, and running the command again gives the same base as a run never interrupted."""
    folder = tmp_path / "mini"
    shutil.copytree(MINI, folder)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}

    def start_run(out: Path) -> subprocess.Popen:
        return subprocess.Popen(
            [*CLI, "run", str(folder), "--out", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            preexec_fn=lambda: (signal.signal(signal.SIGINT, signal.SIG_DFL), os.setpgrp()),
        )

    t0 = time.monotonic()
    reference = start_run(tmp_path / "reference")
    stdout, stderr = reference.communicate(timeout=600)
    duration = time.monotonic() - t0
    assert reference.returncode == 0, stdout + stderr
    expected = fingerprint(tmp_path / "reference" / "mini" / "consultation.duckdb")

    codes = []
    fractions = (0.35, 0.6, 0.8)  # imports, ingest and coding, tallies and publishing
    for i, fraction in enumerate(fractions):  # one at a time, so that each is cut where timed
        out = tmp_path / f"cut{i}"
        proc = start_run(out)
        time.sleep(duration * fraction)
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=600)
        assert "Traceback" not in stdout + stderr, (fraction, stderr)
        assert proc.returncode in (130, 0), (fraction, proc.returncode, stdout + stderr)
        if proc.returncode == 130:
            assert "Interrompu (Ctrl+C)" in stderr
        codes.append(proc.returncode)

    # The reruns side by side: each on its own output folder, nothing is timed any more.
    reruns = [start_run(tmp_path / f"cut{i}") for i in range(len(fractions))]
    try:
        for i, (fraction, rerun) in enumerate(zip(fractions, reruns, strict=True)):
            stdout, stderr = rerun.communicate(timeout=600)
            assert rerun.returncode == 0, stdout + stderr
            state = fingerprint(tmp_path / f"cut{i}" / "mini" / "consultation.duckdb")
            for table in ("respondents", "answers", "human_codes", "source_files", "quarantine", "auto_codes"):
                assert state[table] == expected[table], (fraction, table)
    finally:
        for rerun in reruns:  # the others, when one failed
            if rerun.poll() is None:
                os.killpg(rerun.pid, signal.SIGKILL)
                rerun.communicate()
    print(f"\nCtrl+C in a run of {duration:.1f}s at 35/60/80 %: exit codes {codes}; reruns converged")
