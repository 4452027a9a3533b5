"""The bundled sample: every hand-coded excerpt is in its answer, and its answers read like real ones.

The figures come from benchmarks/sample_realism.py (data/raw/segur-2020-sample/README.md gives them
beside the real data's). The real answers are read in place from ../shared/data/.
"""

from __future__ import annotations

import sys

import pandas as pd
import pytest
import yaml

from conftest import ROOT, SAMPLE_DIR, SHARED_DATA

sys.path.insert(0, str(ROOT / "benchmarks"))


def _sample() -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    if not SAMPLE_DIR.is_dir():
        pytest.skip(f"échantillon absent : {SAMPLE_DIR}")
    config = yaml.safe_load((SAMPLE_DIR / "consultation.yaml").read_text(encoding="utf-8"))
    answers = pd.read_csv(SAMPLE_DIR / "reponses.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    codes = pd.read_csv(SAMPLE_DIR / "codes_humains.csv", dtype=str, keep_default_na=False)
    return config, answers, codes


def test_every_coded_excerpt_is_found_in_its_answer():
    config, answers, codes = _sample()
    columns = {q["id"]: q["columns"] for q in config["questions"]}
    by_id = answers.set_index(config["columns"]["respondent_id"])
    missing = [
        (r, q, t) for r, q, t in zip(codes.respondent_id, codes.question_id, codes.text, strict=True)
        if not t.strip() or t not in " / ".join(by_id.loc[r, c] for c in columns[q])
    ]
    assert len(codes) == 458
    assert missing == []


@pytest.mark.slow
def test_the_samples_answers_are_as_short_long_and_careless_as_real_ones():
    import sample_realism

    if not (SHARED_DATA / "entendre-la-france" / "answers.csv").is_file():
        pytest.skip(f"réponses réelles absentes ({SHARED_DATA} est hors du dépôt)")
    _sample()
    lexicon = sample_realism.Lexicon()
    sample = sample_realism.figures(*sample_realism.sample_source(SAMPLE_DIR), lexicon)
    real = [sample_realism.figures(a, t, lexicon) for a, t in sample_realism.real_sources().values()]
    print(f"\nsample: {sample}\nreal: {real}")
    # Within the span of the real sources, give or take a fifth of it (a sample of 311 answers).
    for key in ("share_le_10_words", "share_over_50_words", "share_accents_dropped", "share_all_lower_case",
                "share_no_final_punctuation", "words_q1"):
        low, high = min(r[key] for r in real), max(r[key] for r in real)
        margin = 0.2 * high
        assert low - margin <= sample[key] <= high + margin, (key, sample[key], low, high)
    assert min(r["words_median"] for r in real) * 0.8 <= sample["words_median"]
    assert sample["share_out_of_lexicon_words"] <= 2 * max(r["share_out_of_lexicon_words"] for r in real)
