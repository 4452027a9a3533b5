"""Learning from the whole consultation, the abstention policy and the review load (issue 16)."""

from __future__ import annotations

import numpy as np
import pytest

from consultation.codebook import Question
from consultation.coding.engine import decide
from consultation.coding.features import LatentSemanticFeatures, unit_frame
from consultation.coding.model import (
    REVIEW_SHARE,
    ModelSettings,
    ThemeClassifier,
    expected_errors,
    fit_question_model,
)
from consultation.coding.training import load_models, save_models

QUESTION = Question.model_validate({
    "id": "q", "section": "S", "text": "Vos attentes", "unit": "respondents", "columns": ["Q"],
    "themes": [
        {"id": "epi", "label": "Équipements de protection"},
        {"id": "visites", "label": "Visites des familles"},
        {"id": "autres", "label": "Autres"},
    ],
})
# Words of each theme: the coded answers use the first half, the uncoded ones mix both halves.
WORDS = {
    "epi": ["masques", "gants", "surblouses", "visières", "charlottes", "lunettes"],
    "visites": ["familles", "proches", "visites", "enfants", "parloir", "rencontres"],
}


def _answers(theme: str, rng: np.random.Generator, n: int, halves: slice) -> list[str]:
    words = WORDS[theme][halves]
    return [" ".join(["manque", "de", *rng.choice(words, 2, replace=False)]) for _ in range(n)]


def test_latent_features_learn_from_uncoded_answers(lemmatizer):
    """Words never seen in a coded answer, but written beside coded words in uncoded answers,
    score for the right theme only when the uncoded answers are used."""
    rng = np.random.default_rng(0)
    coded = _answers("epi", rng, 12, slice(0, 3)) + _answers("visites", rng, 12, slice(0, 3))
    sets = [["epi"]] * 12 + [["visites"]] * 12
    uncoded = _answers("epi", rng, 150, slice(0, 6)) + _answers("visites", rng, 150, slice(0, 6))
    unseen = [  # two words of the second half: never in a coded answer
        f"manque de {words[3 + i]} {words[3 + (i + 1) % 3]}" for words in WORDS.values() for i in range(3)
    ]
    truth = np.array([0] * 3 + [1] * 3)
    settings = ModelSettings(cv=3, latent_dims=2, use_codebook_examples=False)
    margins = {}
    for name, pool in (("with", coded + uncoded), ("without", [])):
        model = fit_question_model(QUESTION, coded, sets, lemmatizer, settings, unlabelled=pool)
        proba = model.probabilities(unit_frame(unseen, lemmatizer))
        margins[name] = np.where(truth == 0, proba[:, 0] - proba[:, 1], proba[:, 1] - proba[:, 0])
    assert (margins["with"] > 0).all()
    assert margins["with"].mean() > margins["without"].mean() + 0.1


def test_latent_model_is_saved_without_the_answers_and_reloaded(lemmatizer, tmp_path):
    rng = np.random.default_rng(1)
    coded = _answers("epi", rng, 10, slice(0, 6)) + _answers("visites", rng, 10, slice(0, 6))
    pool = coded + ["un texte qui ne doit pas être enregistré zzqx"] * 3
    model = fit_question_model(
        QUESTION, coded, [["epi"]] * 10 + [["visites"]] * 10, lemmatizer, ModelSettings(cv=3, latent_dims=5),
        unlabelled=pool,
    )
    latent = dict(model.pipeline.named_steps["features"].named_transformers_)["latent"]
    assert isinstance(latent, LatentSemanticFeatures) and latent.corpus == ()
    path = save_models({"q": model}, tmp_path / "m.skops", {})
    assert b"zzqx" not in path.read_bytes()
    frame = unit_frame(coded[:4], lemmatizer)
    again = load_models(path)["q"]
    assert np.allclose(again.probabilities(frame), model.probabilities(frame))


def test_expected_errors_count_each_doubtful_decision():
    proba = np.array([[0.9, 0.1], [0.55, 0.45], [0.2, 0.3]])
    errors = expected_errors(proba, np.array([0.5, 0.5]))
    assert errors == pytest.approx([0.2, 0.9, 0.5])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_review_flags_a_bounded_share_of_the_most_doubtful_units(seed):
    """About REVIEW_SHARE of the units are flagged beside « Autres », and they hold more of the
    model's errors than the units not flagged."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(600, 6))
    Y = np.column_stack([X[:, 0] + rng.normal(scale=0.5, size=600) > 0.3,
                         X[:, 1] + rng.normal(scale=0.5, size=600) > 0.8]).astype(int)
    clf = ThemeClassifier(cv=3).fit(X[:300], Y[:300])

    class Model:  # what `decide` reads of a QuestionModel
        theme_ids = ("epi", "visites")
        covered = clf.covered_
        thresholds = clf.thresholds_
        rules_trusted = np.zeros(0, dtype=bool)
        classifier = clf

    proba = clf.predict_proba(X[300:])
    d = decide(QUESTION, Model(), proba, [[] for _ in range(300)])
    beside_other = d.needs_review & ~d.other
    assert beside_other.mean() <= REVIEW_SHARE + 0.08
    wrong = (d.chosen != Y[300:].astype(bool)).any(axis=1)
    assert wrong[beside_other].mean() > 1.5 * wrong[~d.needs_review].mean()


def test_every_answer_has_its_ranked_themes_even_in_autres(lemmatizer):
    from consultation.codebook import Consultation
    from consultation.coding.engine import CodingEngine

    rng = np.random.default_rng(3)
    coded = _answers("epi", rng, 10, slice(0, 6)) + _answers("visites", rng, 10, slice(0, 6))
    model = fit_question_model(QUESTION, coded, [["epi"]] * 10 + [["visites"]] * 10, lemmatizer, ModelSettings(cv=3))
    consultation = Consultation.model_construct(id="c", questions=[QUESTION])
    engine = CodingEngine(consultation, lemmatizer, {"q": model}, "m")
    texts = ["manque de masques et de gants", "plus de visites des familles", "rien", "Rien", ""]
    for top in (1, 2, 5):
        ranked = engine.ranked_themes(QUESTION, texts, top=top)
        k = min(top, 2)
        assert len(ranked) == k * len(texts)  # every answer, those in « Autres » too
        assert (ranked.groupby("unit")["probability"].apply(lambda p: p.is_monotonic_decreasing)).all()
        first = ranked[ranked["rank"] == 1].set_index("unit")
        assert first.loc[0, "theme_id"] == "epi" and first.loc[1, "theme_id"] == "visites"
        above = ranked["probability"] >= ranked["threshold"]
        # chosen: above its threshold, or (the best-theme policy) the best of an answer that
        # says something and that nothing claimed
        assert (ranked["chosen"] >= above).all()
        extra = ranked[ranked["chosen"] & ~above]
        assert (extra["rank"] == 1).all()
        assert not above[ranked["unit"].isin(extra["unit"])].any()
        assert not extra["unit"].isin([2, 3, 4]).any()  # « rien », « Rien », « »: never given a theme below
