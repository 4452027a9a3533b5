"""How long a national-versus-regional tally takes on a large synthetic consultation.

Not a test: run by hand, `python benchmarks/bench_tally.py [N_RESPONDENTS]` (default 100,000
respondents × 10 questions = 1M answers). Prints the build time and the timings of the queries
the CLI and the API make (median of 5 runs after a warm-up).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import consultation
from consultation import store
from consultation.compare import compare_scope
from consultation.tally import refresh_tallies, select_tally, tally

CID = "bench"
REGIONS = [f"Région {i:02d}" for i in range(17)] + ["Occitanie"]
TYPES = ["ACT", "LAM", "LHSS"]


def build(con, n_respondents: int, n_questions: int = 10, n_themes: int = 15, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    con.execute("INSERT INTO consultations VALUES (?, 'Bench', 1, now())", [CID])
    qs = pd.DataFrame({
        "consultation_id": CID, "question_id": [f"q{i}" for i in range(n_questions)],
        "position": range(n_questions), "section": "S", "text": "Question ?",
        "unit": ["propositions" if i % 2 else "respondents" for i in range(n_questions)], "chart_caption": None,
    })
    con.register("qs", qs)
    con.execute("INSERT INTO questions SELECT * FROM qs")
    themes = pd.DataFrame([
        (CID, f"q{q}", f"q{q}_t{t}", t, f"Thème {t}", None, t == n_themes - 1)
        for q in range(n_questions) for t in range(n_themes)
    ], columns=["consultation_id", "question_id", "theme_id", "position", "label", "category", "is_other"])
    con.register("th", themes)
    con.execute("INSERT INTO themes SELECT * FROM th")
    rid = np.array([f"R{i:07d}" for i in range(n_respondents)])
    resp = pd.DataFrame({
        "consultation_id": CID, "respondent_id": rid, "structure_name": "S",
        "structure_type": rng.choice(TYPES, n_respondents), "region_raw": "",
        "region_code": None, "region": rng.choice(REGIONS, n_respondents),
        "region_method": "name", "source_file": "x.csv", "source_row": np.arange(n_respondents),
    })
    store.insert_df(con, "respondents", resp)
    ans = pd.DataFrame({
        "consultation_id": CID,
        "respondent_id": np.repeat(rid, n_questions),
        "question_id": np.tile([f"q{i}" for i in range(n_questions)], n_respondents),
        "text": "Une réponse assez longue pour ressembler à une vraie réponse.",
        "follow_up": None,
    })
    store.insert_df(con, "answers", ans)
    con.execute("INSERT INTO units SELECT consultation_id, respondent_id, question_id, 0, text FROM answers")
    # ~1.5 codes per answer; 2% of answers coded by hand.
    con.execute("""
        INSERT INTO auto_codes
        SELECT consultation_id, respondent_id, question_id, 0,
               question_id || '_t' || (hash(respondent_id || question_id || k) % $n_themes),
               'rule', 0.6, FALSE, NULL, 1, now()
        FROM answers, range(2) r(k)
        WHERE k = 0 OR hash(respondent_id || question_id) % 2 = 0
    """, {"n_themes": n_themes})
    con.execute("""
        INSERT INTO human_codes
        SELECT consultation_id, respondent_id, question_id,
               question_id || '_t' || (hash(respondent_id) % $n_themes), '', 1, 'h.csv'
        FROM answers WHERE hash(respondent_id || question_id || 'h') % 50 = 0
    """, {"n_themes": n_themes})


def timed(label: str, func) -> None:
    func()
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    print(f"{label:<58} {1000 * statistics.median(runs):8.0f} ms")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        con = store.connect(Path(tmp) / "bench.duckdb")
        start = time.perf_counter()
        build(con, n)
        answers = con.execute("SELECT count(*) FROM answers").fetchone()[0]
        codes = con.execute("SELECT count(*) FROM auto_codes").fetchone()[0]
        print(f"built {answers:,} answers, {codes:,} automatic codes in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        refresh_tallies(con, CID)
        print(f"{'refresh_tallies (materialise after coding)':<58} {1000 * (time.perf_counter() - start):8.0f} ms")
        both = [("national", None), ("region", "Occitanie")]
        timed("live view: national + Occitanie, one question", lambda: select_tally(
            con, CID, scopes=both, question_id="q3", use_cache=False))
        timed("national tally, one question", lambda: tally(con, CID, question_id="q3"))
        timed("national + Occitanie, one question", lambda: select_tally(con, CID, scopes=both, question_id="q3"))
        timed("national + Occitanie, all questions", lambda: select_tally(con, CID, scopes=both))
        timed("comparison Occitanie vs rest, one question (Fisher)",
              lambda: compare_scope(con, CID, "Occitanie", question_id="q3"))
        timed("comparison Occitanie vs rest, all questions (Fisher)",
              lambda: compare_scope(con, CID, "Occitanie"))
        con.close()
        start = time.perf_counter()
        db = consultation.open(Path(tmp) / "bench.duckdb")
        db.comparison("Occitanie")
        print(f"{'API read-only: open + first comparison (all questions)':<58} "
              f"{1000 * (time.perf_counter() - start):8.0f} ms")
        timed("API read-only: comparison, all questions", lambda: db.comparison("Occitanie"))
        timed("API read-only: tallies, Occitanie, one question", lambda: db.tallies("q3", region="Occitanie"))
        db.close()


if __name__ == "__main__":
    main()
