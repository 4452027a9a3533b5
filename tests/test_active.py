"""Choose what humans code next (issue 16, item 4): the choice, the « export a-coder » command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from consultation import store
from consultation.cli import main
from consultation.codebook import load_consultation
from consultation.coding.active import choose_to_code
from consultation.coding.review import NEXT_COLUMNS, export_review
from consultation.coding.training import load_engine
from consultation.store.paths import OutputPaths
from test_coding_support import half_sample

# --- the choice on generated pools ----------------------------------------------------------------

_WORDS = [
    "hopital", "salaire", "effectif", "formation", "logement", "transport", "horaire", "materiel",
    "retraite", "garde", "stress", "reconnaissance", "management", "securite", "agression", "ecole",
    "cantine", "parking", "teletravail", "prime", "conge", "recrutement", "interim", "planning",
]


def _pool(seed: int, n_topics: int = 8, per_topic: int = 12, n_easy: int = 400):
    """A pool where what to code is known: `n_topics` uncertain topics (each its own words, its
    answers alike) among many near-identical easy answers. Returns texts, uncertainty, topic
    (-1 for easy answers)."""
    rng = np.random.default_rng(seed)
    words = rng.permutation(_WORDS)
    texts, uncertainty, topic = [], [], []
    for t in range(n_topics):
        own = words[2 * t: 2 * t + 2]
        for k in range(per_topic):
            texts.append(f"{own[0]} {own[1]} {rng.choice(['trop', 'pas assez', 'mieux', 'plus de'])} {k}")
            uncertainty.append(rng.uniform(0.6, 1.0))
            topic.append(t)
    for k in range(n_easy):
        texts.append(f"rien a signaler tout va bien {rng.choice(['merci', 'ok', 'rien'])} {k}")
        uncertainty.append(rng.uniform(0.0, 0.5))
        topic.append(-1)
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], np.asarray(uncertainty)[order], np.asarray(topic)[order]


@pytest.mark.parametrize("seed", range(5))
def test_the_choice_covers_every_uncertain_topic_where_random_and_uncertainty_alone_do_not(seed):
    texts, uncertainty, topic = _pool(seed)
    n = 8
    chosen = choose_to_code(texts, uncertainty, n, seed=seed)
    assert len(chosen) == n and len(set(chosen)) == n
    covered = len({topic[i] for i in chosen} - {-1})
    assert covered == n  # one answer per uncertain topic, none spent on easy ones
    rng = np.random.default_rng(seed)
    random_cover = np.mean([len({topic[i] for i in rng.choice(len(texts), n, replace=False)} - {-1})
                            for _ in range(200)])
    top = np.argsort(-uncertainty)[:n]
    assert random_cover < covered - 4
    assert len({topic[i] for i in top}) < covered  # uncertainty alone picks twice in a topic


def test_the_choice_is_deterministic_for_a_seed_and_skips_repeated_texts():
    texts, uncertainty, _ = _pool(3)
    texts = texts + [t.upper() + "  " for t in texts[:50]]  # the same answers, written again
    uncertainty = np.r_[uncertainty, uncertainty[:50]]
    first = choose_to_code(texts, uncertainty, 20, seed=7)
    assert first == choose_to_code(texts, uncertainty, 20, seed=7)
    folded = [" ".join(texts[i].lower().split()) for i in first]
    assert len(set(folded)) == len(folded)
    # most uncertain first
    assert list(uncertainty[first]) == sorted(uncertainty[first], reverse=True)


@pytest.mark.parametrize("n", [0, 1, 5, 1000])
def test_the_choice_returns_what_it_can(n):
    texts = ["a b c", "d e f", "a b c", "", "g h i"]
    chosen = choose_to_code(texts, [0.1, 0.9, 0.8, 0.2, 0.5], n)
    assert len(chosen) == min(n, 3)  # the repeated « a b c » counts once, the blank answer never
    assert 3 not in chosen and not {0, 2} <= set(chosen)
    if n >= 3:
        assert chosen == [1, 2, 4]  # all of them, most uncertain first


# --- the export on the half-coded sample ----------------------------------------------------------


@pytest.fixture
def half(tmp_path_factory, nlp):
    return half_sample(tmp_path_factory, nlp)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_a_coder_writes_n_uncoded_answers_with_french_headers(half, tmp_path, fmt):
    folder, out = half
    target = tmp_path / f"suivantes.{fmt}"
    result = CliRunner().invoke(main, ["export", "a-coder", str(folder), "--sorties", str(out), "-n", "12",
                                       "--format", fmt, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "12 réponses à coder ensuite, choisies par le modèle, écrites dans" in result.output
    frame = (pd.read_csv(target, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False) if fmt == "csv"
             else pd.read_excel(target, dtype=str, keep_default_na=False))
    assert list(frame.columns) == list(NEXT_COLUMNS.values())
    assert len(frame) == 12
    assert frame["Rang"].tolist() == [str(i) for i in range(1, 13)]
    assert (frame["Réponse"].str.len() > 0).all()
    assert frame["Thèmes classés (probabilité)"].str.contains(r"\(0,\d\d\)").any()
    consultation = load_consultation(folder)
    con = store.connect(OutputPaths.for_consultation(out, consultation.id).db, read_only=True)
    try:
        coded = {tuple(r) for r in con.execute("SELECT DISTINCT question_id, respondent_id FROM human_codes").fetchall()}
    finally:
        con.close()
    assert coded  # the sample is half coded
    assert not coded & set(zip(frame["Question"], frame["Identifiant"], strict=True))


def test_review_sheet_and_export_a_coder_choose_the_same_answers(half, tmp_path, lemmatizer):
    folder, out = half
    target = tmp_path / "a-coder.csv"
    result = CliRunner().invoke(main, ["export", "a-coder", str(folder), "--sorties", str(out), "-n", "9",
                                       "--format", "csv", "-o", str(target)])
    assert result.exit_code == 0, result.output
    exported = pd.read_csv(target, sep=";", dtype=str, encoding="utf-8-sig")
    consultation = load_consultation(folder)
    con = store.connect(OutputPaths.for_consultation(out, consultation.id).db, read_only=True)
    try:
        _, rows = export_review(con, load_engine(con, consultation, lemmatizer), tmp_path / "r.xlsx", n_answers=9)
    finally:
        con.close()
    assert set(zip(exported["Question"], exported["Identifiant"], strict=True)) == set(
        zip(rows["question_id"], rows["respondent_id"], strict=True))


def test_export_a_coder_unknown_question_is_a_french_message(half, tmp_path):
    folder, out = half
    result = CliRunner().invoke(main, ["export", "a-coder", str(folder), "--sorties", str(out), "-q", "nope"])
    assert result.exit_code != 0
    assert "question inconnue « nope »" in result.output
    assert "Traceback" not in result.output


# --- ranked themes in the codings export (item 3) -------------------------------------------------


def test_export_codings_ranks_themes_for_every_answer_including_autres(half, tmp_path):
    folder, out = half
    target = tmp_path / "codages.csv"
    result = CliRunner().invoke(main, ["export", "codings", str(folder), "--sorties", str(out), "-o", str(target)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(target, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    consultation = load_consultation(folder)
    themes = {q.id: {t.id for t in q.themes} for q in consultation.questions}
    others = {q.id: q.other_theme.id for q in consultation.questions}
    ranked = "thèmes les plus probables"
    modelled = frame[frame["question"].isin(set(frame.loc[frame["source du code"] == "modèle", "question"]))]
    assert len(modelled)
    autres = modelled[[t == others[q] for q, t in zip(modelled["question"], modelled["thème (identifiant)"], strict=True)]]
    assert len(autres) and (autres[ranked] != "").all()  # « Autres » answers get their ranked themes
    assert (modelled.loc[modelled["source du code"] == "humain", ranked] != "").all()
    for question_id, cell in zip(modelled["question"], modelled[ranked], strict=True):
        parts = [p.rsplit(" (", 1) for p in cell.split(" ; ")]
        assert 1 <= len(parts) <= 3
        assert {theme for theme, _ in parts} <= themes[question_id]
        assert all("." not in p and "," in p for _, p in parts)  # « 0,82 »: a French reader's decimals
        probabilities = [float(p.rstrip(")").replace(",", ".")) for _, p in parts]
        assert probabilities == sorted(probabilities, reverse=True)
        assert all(0 <= p <= 1 for p in probabilities)
    plain = tmp_path / "simple.csv"
    result = CliRunner().invoke(main, ["export", "codings", str(folder), "--sorties", str(out), "-o", str(plain),
                                       "--sans-classement"])
    assert result.exit_code == 0, result.output
    assert ranked not in pd.read_csv(plain, sep=";", encoding="utf-8-sig", nrows=1).columns


def test_the_api_ranks_themes_for_every_coded_answer_and_agrees_with_the_export(half, tmp_path):
    """An analyst's view of item 3: `db.ranked_themes(folder)` gives, per coded unit, the model's
    ranked themes, « Autres » and hand-coded answers included, with the final themes marked."""
    import consultation as api
    from consultation.errors import ConsultationError

    folder, out = half
    consultation = load_consultation(folder)
    others = {q.id: q.other_theme.id for q in consultation.questions}
    target = tmp_path / "codages.csv"
    assert CliRunner().invoke(main, ["export", "codings", str(folder), "--sorties", str(out), "-o", str(target)]).exit_code == 0
    export = pd.read_csv(target, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False).rename(columns={
        "question": "question_id", "répondant": "respondent_id", "unité": "unit_key", "source du code": "source",
        "thème (identifiant)": "theme_id", "thèmes les plus probables": "ranked_themes"})
    with api.open(OutputPaths.for_consultation(out, consultation.id).db) as db:
        ranked = db.ranked_themes(folder)
        one = db.ranked_themes(folder, "q1_retenir", top=1)
        with pytest.raises(ConsultationError, match="question « nope » inconnue"):
            db.ranked_themes(folder, "nope")
    modelled = set(export.loc[export["source"] == "modèle", "question_id"])
    assert modelled and set(ranked["question_id"]) == modelled
    # every unit of those questions, once per rank, ranks 1..k in decreasing probability
    units = export[export["question_id"].isin(modelled)].drop_duplicates(["question_id", "respondent_id", "unit_key"])
    keys = ["question_id", "respondent_id", "unit_key"]
    assert ranked[keys].drop_duplicates().shape[0] == len(units)
    for _, group in ranked.groupby(keys):
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert group["probability"].is_monotonic_decreasing
    # the same ranking as the export's column, unit by unit
    cells = {(q, r, u): c for q, r, u, c in zip(export["question_id"], export["respondent_id"], export["unit_key"],
                                               export["ranked_themes"], strict=True)}
    for key, group in ranked.groupby(keys):
        assert [p.rsplit(" (", 1)[0] for p in cells[key].split(" ; ")] == group["theme_id"].tolist()
    # « Autres » answers are there, and a final theme is marked where the export has it
    autres_units = {(q, r, u) for q, r, u, t in zip(export["question_id"], export["respondent_id"],
                                                   export["unit_key"], export["theme_id"], strict=True) if t == others[q]}
    assert autres_units & set(map(tuple, ranked[keys].to_numpy()))
    final = {(q, r, u, t) for q, r, u, t in zip(export["question_id"], export["respondent_id"], export["unit_key"],
                                                export["theme_id"], strict=True)}
    assert ranked["final"].tolist() == [(q, r, u, t) in final for q, r, u, t in zip(
        ranked["question_id"], ranked["respondent_id"], ranked["unit_key"], ranked["theme_id"], strict=True)]
    assert ranked["final"].any() and (~ranked["final"]).any()
    assert set(one["rank"]) == {1} and set(one["question_id"]) <= {"q1_retenir"}


def test_the_api_says_why_a_consultation_coded_by_rules_alone_has_no_ranking(tmp_path, nlp):
    """No hand codes yet (a cold start): the rules code every answer, no model ranks them. An
    analyst asking for the ranking gets an empty table and a French warning saying why."""
    import consultation as api
    from test_coding_support import coded_sample

    folder, out = coded_sample(tmp_path, nlp, 0)
    paths = OutputPaths.for_consultation(out, load_consultation(folder).id)
    with api.open(paths.db) as db:
        assert len(db.codings(source="rule"))  # coded, by the rules
        with pytest.warns(UserWarning, match="Aucun classement : pas de modèle entraîné pour la question « q1_retenir »"):
            assert db.ranked_themes(folder, "q1_retenir").empty
        with pytest.warns(UserWarning, match="pas de modèle entraîné pour cette consultation. Le modèle apprend"):
            assert db.ranked_themes(folder).empty


# --- review flags on the question's own answers (item 5) ------------------------------------------

from consultation.coding.engine import decide  # noqa: E402
from consultation.coding.features import unit_frame  # noqa: E402
from consultation.coding.model import REVIEW_SHARE, ModelSettings, fit_question_model  # noqa: E402
from test_coding_semi import QUESTION, WORDS  # noqa: E402

_OFF = ["rien à signaler", "pas d'avis", "je ne sais pas", "merci pour tout", "bonne journée", "aucune idée"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_review_flags_a_bounded_share_of_the_answers_and_not_every_autres(lemmatizer, seed):
    rng = np.random.default_rng(seed)

    def answers(theme, n, words):
        return [" ".join(["manque", "de", *rng.choice(WORDS[theme][words], 2, replace=False)]) for _ in range(n)]

    coded = answers("epi", 15, slice(0, 4)) + answers("visites", 15, slice(0, 4)) + list(_OFF[:3])
    sets = [["epi"]] * 15 + [["visites"]] * 15 + [[]] * 3
    mixed = [f"{a} et {b.split(' ', 2)[2]}" for a, b in
             zip(answers("epi", 60, slice(2, 6)), answers("visites", 60, slice(2, 6)), strict=True)]
    off = [f"{rng.choice(_OFF)} {i}" for i in range(80)]
    pool = answers("epi", 150, slice(0, 6)) + answers("visites", 150, slice(0, 6)) + mixed + off
    settings = ModelSettings(cv=3, use_codebook_examples=False)
    model = fit_question_model(QUESTION, coded, sets, lemmatizer, settings, unlabelled=pool)
    d = decide(QUESTION, model, model.probabilities(unit_frame(pool, lemmatizer)), [[] for _ in pool])
    assert 0 < d.needs_review.mean() <= REVIEW_SHARE + 0.05  # about REVIEW_SHARE of the answers, « Autres » included
    clearly_off = d.other & (np.nan_to_num(d.probabilities) < 0.5 * d.thresholds).all(axis=1)
    assert clearly_off.sum() >= 20 and not d.needs_review[clearly_off].any()
    # without the question's answers, every « Autres » is flagged as before
    old = fit_question_model(QUESTION, coded, sets, lemmatizer, settings)
    d_old = decide(QUESTION, old, old.probabilities(unit_frame(pool, lemmatizer)), [[] for _ in pool])
    assert d_old.needs_review[d_old.other].all()
