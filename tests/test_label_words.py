"""A theme without keywords is recognised by its label's own words (ModelSettings.label_words)."""

from __future__ import annotations

import numpy as np
import pytest

from consultation.codebook import Question
from consultation.coding.features import codebook_patterns, label_word_phrases, unit_frame
from consultation.coding.model import (
    ModelSettings,
    fit_question_model,
)
from consultation.coding.rules import RuleCoder


def _question(themes: list[dict]) -> Question:
    return Question.model_validate({
        "id": "q", "section": "S", "text": "Que faites-vous ?", "unit": "respondents", "columns": ["Q"],
        "themes": [*themes, {"id": "autres", "label": "Autres"}],
    })


LABELS_ONLY = _question([
    {"id": "isolation", "label": "Meilleure isolation, changement chauffage/chaudière"},
    {"id": "blanc", "label": "Prise en compte du vote blanc"},
    {"id": "obligatoire", "label": "Vote obligatoire"},
    {"id": "transports", "label": "Transports plus verts", "keywords": ["vélo", "covoiturage"]},
])


def test_each_theme_gets_the_words_of_its_label_that_no_other_label_holds(lemmatizer):
    words = label_word_phrases(LABELS_ONLY, lemmatizer)
    assert {"isolation", "chauffage", "chaudiere"} <= set(words["isolation"])
    # « vote » is in two labels: it tells neither theme apart
    assert "blanc" in words["blanc"] and "obligatoire" in words["obligatoire"]
    assert not any("vote" in w for w in words["blanc"] + words["obligatoire"])
    # function words and « Autres » never
    assert not {"en", "du", "plus", "de"} & {w for ws in words.values() for w in ws}
    assert "autres" not in words
    patterns = dict(codebook_patterns(LABELS_ONLY, lemmatizer, label_words=True))
    # a theme with keywords keeps its keywords alone: its author chose them
    assert set(patterns["transports"]) == {"velo", "covoiturage"}
    assert patterns["isolation"] == tuple(sorted(words["isolation"]))
    # off: the themes without keywords have no pattern, as before
    off = dict(codebook_patterns(LABELS_ONLY, lemmatizer))
    assert off["isolation"] == () and off["transports"] == patterns["transports"]


def test_label_words_are_never_rules(lemmatizer):
    """Rules code answers with no model at all: a label's words would code every answer that
    says « changement » as « isolation ». Only the keywords a person wrote are rules."""
    hits = RuleCoder([LABELS_ONLY], lemmatizer).code("q", ["un changement de chaudière", "je prends le vélo"])
    assert [[h.theme_id for h in row] for row in hits] == [[], ["transports"]]


VOCABULARY = ["isolation", "chaudière", "potager", "compost", "covoiturage", "emballages", "référendum",
              "proportionnelle", "jury", "crèche", "hôpital", "médecin", "bibliothèque", "piscine", "vélo",
              "tramway", "recyclage", "énergie", "solaire", "panneaux", "association", "bénévolat"]
FILLERS = ["de", "la", "des", "du", "et", "pour", "en", "plus", "meilleure", "les", "sur", "au"]


@pytest.mark.parametrize("seed", range(6))
def test_generated_codebooks_give_each_word_to_one_theme_only(lemmatizer, seed):
    """Labels drawn from one vocabulary, sharing words at random: a returned word is in its own
    theme's label, in no other label, and is a content word of at least 3 letters."""
    rng = np.random.default_rng(seed)
    themes = []
    for j in range(int(rng.integers(3, 9))):
        chosen = list(rng.choice(VOCABULARY, int(rng.integers(1, 4)), replace=False))
        label = " ".join(chosen[:1] + list(rng.choice(FILLERS, 2)) + chosen[1:])
        themes.append({"id": f"t{j}", "label": label.capitalize()})
    question = _question(themes)
    words = label_word_phrases(question, lemmatizer)
    content = {t["id"]: set(lemmatizer.one(t["label"])) | set(lemmatizer.content_forms([t["label"]])[0])
               for t in themes}
    for tid, mine in words.items():
        for word in mine:
            assert word in content[tid] and len(word) >= 3
            assert all(word not in content[other] for other in content if other != tid)
    # and every content word that is in one label only is kept
    for tid, own in content.items():
        others = set().union(*(content[o] for o in content if o != tid))
        assert {w for w in own - others if len(w) >= 3} <= set(words[tid])


THEMES = {  # label, then words the coded answers use (never the label's), then the label's words
    "isolation": ("Isolation du logement", ["fenêtres", "combles", "vitrage"], ["isolation", "logement"]),
    "jardin": ("Jardinage et potager", ["légumes", "graines", "arrosage"], ["jardinage", "potager"]),
    "dechets": ("Compost et recyclage", ["poubelle", "épluchures", "tri"], ["compost", "recyclage"]),
    "velo": ("Vélo au quotidien", ["pédaler", "cycliste", "piste"], ["vélo", "quotidien"]),
}
GARDEN = _question([{"id": tid, "label": label} for tid, (label, _, _) in THEMES.items()])


@pytest.mark.parametrize("seed", range(3))
def test_answers_that_name_a_theme_in_its_labels_words_are_coded_to_it(lemmatizer, seed):
    """A codebook of labels alone and a few human codes that never use the labels' words: the
    answers that do (« cette année isolation surtout ») are coded to their theme, with a higher
    probability for it than without the label words (where the label is only one pseudo-example
    among the codes). On real questions that is what lifts the rare themes' recall
    (benchmarks/coding/RESULTS-five.md); in this small example both decide alike."""
    rng = np.random.default_rng(seed)
    coded, sets = [], []
    for tid, (_, words, _) in THEMES.items():
        for _ in range(6):
            coded.append(" ".join(["nous", "avons", *rng.choice(words, 2, replace=False)]))
            sets.append([tid])
    named = [f"cette année {w} surtout" for _, _, label_words in THEMES.values() for w in label_words]
    truth = np.repeat(np.arange(len(THEMES)), 2)
    own = {}
    for name, on in (("on", True), ("off", False)):
        model = fit_question_model(GARDEN, coded, sets, lemmatizer, ModelSettings(cv=3, label_words=on),
                                   unlabelled=coded + named)
        proba = model.probabilities(unit_frame(named, lemmatizer))
        own[name] = proba[np.arange(len(named)), truth]
        if on:
            decided = proba >= model.thresholds
            assert decided[np.arange(len(named)), truth].all()
            assert (proba.argmax(axis=1) == truth).all()
    assert (own["on"] > own["off"]).all()
    assert (own["on"] - own["off"]).mean() > 0.05


def test_a_codebook_with_keywords_on_every_theme_is_unchanged(lemmatizer):
    """The bundled sample (and the generated 1M consultation, which copies its codebook): every
    theme but « Autres » has keywords, so its features, and its models, are what they were."""
    from conftest import SAMPLE_DIR
    from consultation.codebook import load_consultation

    for question in load_consultation(SAMPLE_DIR).questions:
        assert codebook_patterns(question, lemmatizer, label_words=True) == codebook_patterns(question, lemmatizer)
