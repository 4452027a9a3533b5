"""A testimony is the respondent's own words. A codes file's « text » that is not in the
respondent's answer (a coder's summary, a word changed, the text of another respondent after a
column was sorted alone in a spreadsheet) keeps its code but is never a candidate quote, and the
import names its line; the same text written with other case, spacing, apostrophes or punctuation
stays quotable. Generated from the bundled sample's codes file, fixed seeds."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from consultation import store
from consultation.codebook import load_consultation
from consultation.errors import InputFileError
from consultation.ingest.core import ingest_consultation
from consultation.publish.quotes import QuoteSelector

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "raw" / "segur-2020-sample"
MARK = "zorglub"


def _key(text: str) -> str:  # the test's own reading of « the same words »
    return " " + " ".join(re.findall(r"[^\W_]+", text.lower())) + " "


def _same_words(text: str, rng: random.Random) -> str:
    return rng.choice([
        text.upper(), f"  {text}  ", text.replace("'", "’"), re.sub(r"[,.;:!?]", "", text), text.rstrip(".") + ".",
        text.replace(" ", "\n", 1), f"« {text} »", re.sub(r" ", "  ", text),
    ])


def _foreign(text: str, others: list[str], answer: str, rng: random.Random) -> str:
    words = text.split()
    kind = rng.choice(["summary", "changed", "other"])
    if kind == "summary":
        return f"Résumé du codeur : {MARK} {rng.randint(1, 999)}"
    if kind == "changed" and len(words) > 3:
        i = rng.randrange(len(words))
        return " ".join([*words[:i], MARK, *words[i + 1:]])
    candidates = [o for o in others if _key(o) not in _key(answer)]
    return rng.choice(candidates)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_texts_not_in_the_answer_are_never_quoted_and_their_lines_are_named(tmp_path, seed):
    rng = random.Random(seed)
    folder = tmp_path / "c"
    shutil.copytree(SAMPLE, folder)
    consultation = load_consultation(folder)
    path = folder / "codes_humains.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    con = store.connect(None)
    try:
        ingest_consultation(con, consultation, folder)
        answers = {(r, q): t for r, q, t in con.execute("SELECT respondent_id, question_id, text FROM answers").fetchall()}
    finally:
        con.close()
    rows = rng.sample(range(len(frame)), 90)
    foreign, same = rows[:30], rows[30:]
    for i in foreign:
        rid, qid = frame.at[i, "respondent_id"], frame.at[i, "question_id"]
        others = frame.loc[frame["respondent_id"].ne(rid) & frame["question_id"].eq(qid), "text"].tolist()
        frame.at[i, "text"] = _foreign(frame.at[i, "text"], others, answers[(rid, qid)], rng)
        assert _key(frame.at[i, "text"]) not in _key(answers[(rid, qid)])
    for i in same:
        frame.at[i, "text"] = _same_words(frame.at[i, "text"], rng)
    frame.to_csv(path, index=False)

    con = store.connect(None)
    try:
        reports = ingest_consultation(con, load_consultation(folder), folder)
        hand = next(r for r in reports if r.kind == "human_codes")
        assert hand.rows_ingested == len(frame)  # every code kept: the counts do not change
        said = next(w for w in hand.warnings if "absents de la réponse du répondant" in w)
        assert said.startswith(f"codes_humains.csv : {len(foreign)} textes de codes")
        named = {int(n) for n in re.findall(r"ligne (\d+) \(", said)}
        assert named == {i + 2 for i in sorted(foreign)[:20]}  # file lines, the first 20 listed
        selector = QuoteSelector(con, consultation.id)
        candidates = [(q, t, quote) for q, themes in selector._candidates.items()
                      for t, quotes in themes.items() for quote in quotes]
    finally:
        con.close()
    for i in foreign:
        rid, qid, text = frame.at[i, "respondent_id"], frame.at[i, "question_id"], frame.at[i, "text"]
        assert not any(q == qid and c.respondent_id == rid and _key(c.text) == _key(text) for q, _, c in candidates), text
    assert not any(MARK in c.text for _, _, c in candidates)
    quoted = {(q, t, c.respondent_id, _key(c.text)) for q, t, c in candidates}
    for i in same:
        key = (frame.at[i, "question_id"], frame.at[i, "theme_id"], frame.at[i, "respondent_id"])
        assert any(k[:3] == key and _key(frame.at[i, "text"]).strip() in k[3] for k in quoted), frame.at[i, "text"]


@pytest.mark.parametrize(("column", "seed"), [("respondent_id", 0), ("text", 1), ("respondent_id", 2)])
def test_a_codes_file_whose_columns_no_longer_hold_together_is_refused(tmp_path, column, seed):
    """One column sorted alone (or shuffled) in a spreadsheet: most texts are no longer their
    respondent's, the codes would count for others; nothing of the file is imported."""
    folder = tmp_path / "c"
    shutil.copytree(SAMPLE, folder)
    path = folder / "codes_humains.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    values = frame[column].tolist()
    if seed:
        random.Random(seed).shuffle(values)
    else:
        values.sort(reverse=True)  # the file is in respondent order already
    frame[column] = values
    frame.to_csv(path, index=False)
    con = store.connect(None)
    try:
        with pytest.raises(InputFileError) as err:
            ingest_consultation(con, load_consultation(folder), folder)
        assert str(err.value).startswith(f"{path} : ")
        assert "absents de la réponse du répondant de leur ligne" in str(err.value)
        assert "rien n'est importé de ce fichier" in str(err.value)
        assert con.execute("SELECT count(*) FROM human_codes").fetchone()[0] == 0
    finally:
        con.close()
