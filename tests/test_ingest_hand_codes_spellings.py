"""A codes file written by hand: every way a person names a theme or a question that still names
exactly one (id or label; case, accents, punctuation, spacing; the id without its question's
prefix; several themes in one cell) gives the codes of the file written with ids; a spelling that
names no theme still stops the import, naming its line. Generated from the bundled sample's
codes_humains.csv (458 lines, 7 questions) with fixed seeds."""

from __future__ import annotations

import random
import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from consultation import store
from consultation.codebook import load_consultation
from consultation.errors import InputFileError
from consultation.ingest.core import ingest_consultation

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "raw" / "segur-2020-sample"


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _theme_spellings(theme, question) -> list[str]:
    """Ways to write one theme that name it and nothing else."""
    label = theme.label
    return [
        label, label.upper(), label.lower(), _strip_accents(label), f"  {label}. ", label.replace(" ", "-"),
        label.replace("'", "’"), theme.id.upper(), theme.id.removeprefix(f"{question.id}_"), f" {theme.id} ",
    ]


def _question_spellings(question) -> list[str]:
    return [question.id, question.id.upper(), *question.columns, question.columns[0].upper()]


def _codes(con) -> set[tuple[str, str, str, str]]:
    return set(con.execute("SELECT respondent_id, question_id, theme_id, unit_text FROM human_codes").fetchall())


def _ingest(folder: Path):
    con = store.connect(None)
    try:
        reports = ingest_consultation(con, load_consultation(folder), folder)
        return _codes(con), reports
    finally:
        con.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ids") / "c"
    shutil.copytree(SAMPLE, folder)
    codes, _ = _ingest(folder)
    assert len(codes) > 400
    return codes


def _unambiguous(question) -> set[str]:
    """Themes whose spellings name no other theme of the question (labels are distinct here; the
    check keeps the test honest if the sample changes)."""
    from consultation.codebook import code_key

    keys: dict[str, set[str]] = {}
    for theme in question.coded_themes:
        for s in _theme_spellings(theme, question):
            keys.setdefault(code_key(s), set()).add(theme.id)
    return {t.id for t in question.coded_themes if all(keys[code_key(s)] == {t.id} for s in _theme_spellings(t, question))}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_themes_and_questions_as_people_write_them_give_the_same_codes(tmp_path, reference, seed):
    rng = random.Random(seed)
    folder = tmp_path / "c"
    shutil.copytree(SAMPLE, folder)
    consultation = load_consultation(folder)
    path = folder / "codes_humains.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    # Lines of one text coded with several themes merged into one cell, joined as people join them
    # (the sample has 4 such texts).
    groups = [list(i) for i in frame.groupby(["respondent_id", "question_id", "text"], sort=False).groups.values()
              if len(i) > 1]
    drop = []
    for index in groups:
        frame.at[index[0], "theme_id"] = rng.choice([" ; ", ";", "\n", " | "]).join(frame.loc[index, "theme_id"])
        drop.extend(index[1:])
    frame = frame.drop(index=drop).reset_index(drop=True)
    rewritten = 0
    for i in rng.sample(range(len(frame)), 120):
        question = consultation.question(frame.at[i, "question_id"])
        theme = next((t for t in question.coded_themes if t.id == frame.at[i, "theme_id"]), None)
        if theme is not None and theme.id in _unambiguous(question):
            frame.at[i, "theme_id"] = rng.choice(_theme_spellings(theme, question))
            rewritten += 1
        frame.at[i, "question_id"] = rng.choice(_question_spellings(question))
    assert rewritten > 60 and len(groups) >= 4
    frame.to_csv(path, index=False)

    codes, reports = _ingest(folder)
    assert codes == reference
    hand = next(r for r in reports if r.kind == "human_codes")
    assert hand.rows_read == hand.rows_ingested == len(frame) and hand.rows_quarantined == 0
    assert any("autrement que par l'identifiant d'un thème" in w for w in hand.warnings)


@pytest.mark.parametrize(
    ("theme", "question", "expected"),
    [
        ("Adaptabilité", "q1_retenir", "thème inconnu du codebook pour la question q1_retenir (valeur : « Adaptabilité »)"),
        ("q1_adaptabilite ; q1_inexistant", "q1_retenir", "thème inconnu du codebook pour la question q1_retenir"),
        ("q2_mobilisation", "q1_retenir", "le thème appartient à la question q2_positif, pas à q1_retenir"),
        ("q1_adaptabilite", "Q1", "colonne « question_id » : question inconnue du codebook (valeur : « Q1 »)"),
    ],
)
def test_a_spelling_naming_no_theme_still_stops_the_import_at_its_line(tmp_path, theme, question, expected):
    folder = tmp_path / "c"
    shutil.copytree(SAMPLE, folder)
    path = folder / "codes_humains.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, ["question_id", "theme_id"]] = [question, theme]
    frame.to_csv(path, index=False)
    with pytest.raises(InputFileError) as err:
        _ingest(folder)
    assert f"{path}, ligne 2, " in str(err.value) and expected in str(err.value)


@pytest.mark.parametrize("seed", [0, 1])
def test_answers_taken_out_of_the_codes_file_lose_its_codes_and_only_its(tmp_path, reference, seed):
    """A coder takes lines out of the codes file (a wrong respondent, an answer to code again): at
    the next import those answers lose this file's codes (before, they kept them for ever); an
    answer with some of its lines left keeps those; codes from elsewhere (a review sheet) stay."""
    rng = random.Random(seed)
    folder = tmp_path / "c"
    shutil.copytree(SAMPLE, folder)
    path = folder / "codes_humains.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    con = store.connect(None)
    try:
        consultation = load_consultation(folder)
        ingest_consultation(con, consultation, folder)
        pairs = sorted(set(zip(frame["respondent_id"], frame["question_id"], strict=True)))
        gone = set(rng.sample(pairs, 6))
        reviewed = sorted(gone)[0]  # also coded by a review sheet: that code is not the file's to remove
        con.execute("INSERT INTO human_codes (consultation_id, respondent_id, question_id, theme_id, unit_text, "
                    "codebook_version, source_file) SELECT consultation_id, ?, ?, 'x_revu', '', "
                    "codebook_version, 'relecture.xlsx' FROM consultations", list(reviewed))
        multi = [p for p in pairs if p not in gone and (frame["respondent_id"].eq(p[0]) & frame["question_id"].eq(p[1])).sum() > 1]
        cut = rng.choice(multi)
        cut_rows = frame.index[frame["respondent_id"].eq(cut[0]) & frame["question_id"].eq(cut[1])]
        keep = ~frame.apply(lambda r: (r["respondent_id"], r["question_id"]) in gone, axis=1)
        keep[cut_rows[0]] = False  # one line of an answer coded on several lines
        frame[keep].to_csv(path, index=False)
        reports = ingest_consultation(con, load_consultation(folder), folder)
        hand = next(r for r in reports if r.kind == "human_codes")
        said = next(w for w in hand.warnings if "dans une version précédente de ce fichier" in w)
        assert said.startswith("codes_humains.csv : 6 réponses codées dans une version précédente de ce fichier n'y sont plus")
        assert all(f"{r} ({q})" in said for r, q in gone)
        stored = _codes(con)
        removed = frame.loc[~keep, ["respondent_id", "question_id", "theme_id", "text"]]
        expected = reference - {tuple(r) for r in removed.itertuples(index=False)}
        expected.add((*reviewed, "x_revu", ""))
        assert stored == expected
        assert {(r, q) for r, q, _, _ in stored} & gone == {reviewed}
    finally:
        con.close()
