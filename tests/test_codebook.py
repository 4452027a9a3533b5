from __future__ import annotations

import copy
import shutil
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


# A mistaken codebook (a list pasted many times, a generated file) must be refused at once with the
# key, not run for hours: each theme is one more model to train and one more bar in every chart.
@pytest.mark.parametrize(
    ("where", "grow", "expected"),
    [
        ("themes", lambda d, n: d["questions"][0]["themes"].extend(
            {"id": f"x{i}", "label": f"Thème {i}"} for i in range(n)), "thèmes : 200 au plus"),
        ("questions", lambda d, n: d["questions"].extend(
            {**copy.deepcopy(d["questions"][0]), "id": f"qx{i}", "themes": [{"id": f"qx{i}_t", "label": "Un"}]}
            for i in range(n)), "questions : 200 au plus"),
        ("keywords", lambda d, n: d["questions"][0]["themes"][0].setdefault("keywords", []).extend(
            f"mot{i}" for i in range(n)), "mots-clés : 1\u202f000 au plus"),
        ("examples", lambda d, n: d["questions"][0]["themes"][0].setdefault("examples", []).extend(
            f"exemple {i}" for i in range(n)), "exemples : 1\u202f000 au plus"),
    ],
)
@pytest.mark.daily_cases(4)  # half the cases daily (building 5,000 questions takes seconds), all in the full run
@pytest.mark.parametrize("extra", [1, 5_000])
def test_a_codebook_past_its_bounds_is_refused_with_the_key_and_the_count(where, grow, expected, extra, tmp_path):
    from consultation import codebook

    data = _mini()
    limit = {"themes": codebook.MAX_THEMES, "questions": codebook.MAX_QUESTIONS}.get(where, codebook.MAX_THEME_TERMS)
    now = {
        "themes": len(data["questions"][0]["themes"]),
        "questions": len(data["questions"]),
    }.get(where, len(data["questions"][0]["themes"][0].get(where, [])))
    grow(data, limit - now)  # exactly at the bound: accepted
    load_consultation(_write(tmp_path, data))
    grow(data, extra)
    with pytest.raises(ConfigError) as err:
        load_consultation(_write(tmp_path, data))
    message = str(err.value)
    assert expected in message
    assert f"{limit + extra:,}".replace(",", "\u202f") in message
    assert where in message  # the key


def test_a_label_too_long_for_a_chart_is_refused_with_its_length(tmp_path):
    data = _mini()
    data["questions"][0]["themes"][0]["label"] = "Très long libellé " * 20  # 360 characters
    with pytest.raises(ConfigError) as err:
        load_consultation(_write(tmp_path, data))
    assert "label" in str(err.value) and "360 caractères : 300 au plus" in str(err.value)


def test_the_run_stops_before_reading_anything_when_the_codebook_is_past_its_bounds(tmp_path):
    from click.testing import CliRunner

    from consultation.cli import main

    folder = tmp_path / "c"
    shutil.copytree(MINI_DIR, folder)
    data = _mini()
    data["questions"][0]["themes"].extend({"id": f"x{i}", "label": f"Thème {i}"} for i in range(3_000))
    _write(folder, data)
    out = tmp_path / "sorties"
    result = CliRunner().invoke(main, ["run", str(folder), "--sorties", str(out)])
    assert result.exit_code == 2
    assert "thèmes : 200 au plus" in result.output and "Traceback" not in result.output
    assert not any(out.rglob("*.duckdb"))
