from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import MINI_DIR, SAMPLE_DIR
from consultation.codebook import load_consultation
from consultation.errors import ConfigError


def _write(tmp_path: Path, data: dict) -> Path:
    (tmp_path / "consultation.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


def _mini() -> dict:
    return yaml.safe_load((MINI_DIR / "consultation.yaml").read_text(encoding="utf-8"))


def test_sample_codebook_has_the_seven_questions_and_66_themes():
    c = load_consultation(SAMPLE_DIR)
    assert [q.id for q in c.questions] == [
        "q1_retenir", "q2_positif", "q3_ecueil", "pilier1", "pilier2", "pilier3", "pilier4",
    ]
    assert sum(len(q.themes) for q in c.questions) == 66
    assert {q.unit for q in c.questions[:3]} == {"respondents"}
    assert {q.unit for q in c.questions[3:]} == {"propositions"}
    assert [f.id for f in c.free_text] == ["initiatives"]


def test_missing_key_is_named(tmp_path):
    data = _mini()
    del data["questions"][0]["unit"]
    with pytest.raises(ConfigError) as err:
        load_consultation(_write(tmp_path, data))
    assert "questions[q1].unit" in str(err.value)
    assert "obligatoire" in str(err.value)


def test_bad_unit_value_is_named_with_allowed_values(tmp_path):
    data = _mini()
    data["questions"][1]["unit"] = "mentions"
    with pytest.raises(ConfigError) as err:
        load_consultation(_write(tmp_path, data))
    assert "questions[p1].unit" in str(err.value)
    assert "mentions" in str(err.value) and "propositions" in str(err.value)


def test_duplicate_theme_id_across_questions_is_refused(tmp_path):
    data = _mini()
    data["questions"][1]["themes"][0]["id"] = "q1_equipes"
    with pytest.raises(ConfigError, match="q1_equipes"):
        load_consultation(_write(tmp_path, data))


def test_unknown_key_and_unreadable_yaml(tmp_path):
    data = _mini()
    data["questions"][0]["colour"] = "rouge"
    with pytest.raises(ConfigError, match=r"colour.*clé inconnue"):
        load_consultation(_write(tmp_path, data))
    (tmp_path / "consultation.yaml").write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML illisible"):
        load_consultation(tmp_path)


def test_path_like_consultation_id_is_refused(tmp_path):
    data = _mini()
    data["id"] = "../../etc"
    with pytest.raises(ConfigError, match="id"):
        load_consultation(_write(tmp_path, data))


def test_implicit_other_theme_only_when_codebook_has_none():
    c = load_consultation(MINI_DIR)
    q1, p1 = c.questions
    assert [t.id for t in q1.coded_themes] == ["q1_equipes", "q1_epi", "q1_autres"]
    assert p1.coded_themes[-1].label == "Autres" and p1.coded_themes[-1].id == "p1_autres"


def test_codebook_version_changes_with_themes_not_with_column_mapping():
    c = load_consultation(MINI_DIR)
    renamed_column = c.model_copy(update={"columns": c.columns.model_copy(update={"region": "Region"})})
    assert renamed_column.codebook_hash() == c.codebook_hash()
    q = c.questions[0]
    relabelled = q.model_copy(update={"themes": [q.themes[0].model_copy(update={"label": "X"}), *q.themes[1:]]})
    changed = c.model_copy(update={"questions": [relabelled, *c.questions[1:]]})
    assert changed.codebook_hash() != c.codebook_hash()
