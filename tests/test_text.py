from __future__ import annotations

import pytest

from consultation.text import fold, normalise_text, segment


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("- Former les équipes\n- Revaloriser les salaires", ["Former les équipes", "Revaloriser les salaires"]),
        ("• plus d'IDE • moins de paperasse", ["plus d'IDE", "moins de paperasse"]),
        ("Revaloriser les salaires ; former les bénévoles", ["Revaloriser les salaires", "former les bénévoles"]),
        ("1) Plus de moyens\n2) Moins de réunions", ["Plus de moyens", "Moins de réunions"]),
        ("vote obligatoire && plus de référendums", ["vote obligatoire", "plus de référendums"]),
        ("Plus de visio / moins de déplacements", ["Plus de visio", "moins de déplacements"]),
        ("Former les IDE. Augmenter les ETP.", ["Former les IDE", "Augmenter les ETP"]),
    ],
)
def test_segment_splits_propositions(answer, expected):
    assert segment(answer) == expected


def test_segment_keeps_et_ou_and_dates_whole():
    assert segment("Des moyens humains et/ou financiers dès le 12/05") == [
        "Des moyens humains et/ou financiers dès le 12/05"
    ]


def test_segment_drops_empty_and_punctuation_only_parts():
    assert segment("-\n- \n;;  .") == []
    assert segment("") == []


def test_normalise_text_cleans_cells_without_losing_words():
    assert normalise_text("  l’équipe\u00a0a  tenu\r\n\r\nbon\x00 ") == "l'équipe a tenu\nbon"
    assert normalise_text(None) == ""
    assert normalise_text(float("nan")) == ""
    assert normalise_text(normalise_text(" a  b ")) == normalise_text(" a  b ")


def test_fold_ignores_case_and_accents():
    assert fold("Équipe ÉTÉ") == "equipe ete"


def test_lemmatizer_processes_each_distinct_text_once(lemmatizer):
    before = lemmatizer.cache_size
    texts = ["Rien", "Rien", "RAS", "Les équipes se sont adaptées", "Rien"]
    out = lemmatizer(texts)
    assert lemmatizer.cache_size - before <= 3
    assert out[0] == out[1] == out[4]
    assert "adapter" in out[3] and "equipe" in out[3]
