"""`consultation estimate --estimateur`: the estimator a user chooses, as they see it (the method
of every count in the JSON and the text, what is stored, the message for an unknown name)."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from consultation import store
from consultation.cli import main
from consultation.cli.coding import ESTIMATOR_NAMES, _estimator
from consultation.coding.estimate import ESTIMATORS, METHOD_LABELS
from consultation.errors import ConsultationError
from test_coding_support import half_sample

# What each estimator's rows are labelled with (« raw »: a question without human codes).
METHODS = {
    "calibre": {"pcc-bootstrap", "confusion-bootstrap"},
    "difference": {"difference"},
    "part-echantillon": {"sample-share"},
    "validation-croisee": {"cross-fitted"},
}


@pytest.fixture(scope="module")
def half(tmp_path_factory, nlp):
    return half_sample(tmp_path_factory, nlp)


def _spellings(name: str) -> list[str]:
    """Ways a user may type an estimator's name: as listed, upper case, spaces for hyphens, with
    its French accents, the internal English name."""
    accented = {"calibre": "calibré", "difference": "différence", "part-echantillon": "part de l’échantillon",
                "validation-croisee": "Validation croisée"}[name]
    return [name, name.upper(), name.replace("-", " "), accented,
            unicodedata.normalize("NFD", accented), ESTIMATOR_NAMES[name]]


def test_every_estimator_of_the_library_has_a_french_name():
    assert sorted(ESTIMATOR_NAMES.values()) == sorted(ESTIMATORS)


@pytest.mark.parametrize("name", list(ESTIMATOR_NAMES))
def test_names_are_read_whatever_the_accents_case_and_spaces(name):
    for spelling in _spellings(name):
        assert _estimator(spelling) == ESTIMATOR_NAMES[name], spelling


@pytest.mark.parametrize("name", ["médiane", "", "calibr", "croisee", "difference-croisee"])
def test_an_unknown_name_is_refused_with_the_choices(name):
    with pytest.raises(ConsultationError) as caught:
        _estimator(name)
    message = str(caught.value)
    assert f"estimateur inconnu « {name} »" in message
    assert all(choice in message for choice in ESTIMATOR_NAMES)


def test_unknown_estimator_on_the_command_line_is_a_french_message(half):
    folder, out = half
    result = CliRunner().invoke(main, ["estimate", str(folder), "--sorties", str(out), "--estimateur", "médiane"])
    assert result.exit_code == 2
    assert "Erreur : --estimateur : estimateur inconnu « médiane »" in result.output
    assert "validation-croisee" in result.output and "Traceback" not in result.output


def _stored_methods(out, folder) -> set[str]:
    from consultation.store.paths import locate

    con = store.connect(locate(folder, out).existing_db(), read_only=True)
    try:
        return {m for (m,) in con.execute("SELECT DISTINCT method FROM count_estimates").fetchall()}
    finally:
        con.close()


@pytest.mark.parametrize("name", list(ESTIMATOR_NAMES))
def test_each_estimator_is_shown_in_the_json_and_the_text(half, name):
    folder, out = half
    base = ["estimate", str(folder), "--sorties", str(out), "-q", "q1_retenir", "--estimateur", _spellings(name)[3]]
    result = CliRunner().invoke(main, [*base, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and {r["question_id"] for r in rows} == {"q1_retenir"}
    assert {r["method"] for r in rows} <= METHODS[name] and {r["method"] for r in rows} & METHODS[name]
    assert all(r["ci_low"] <= r["corrected_count"] <= r["ci_high"] for r in rows)
    assert all(r["raw_count"] >= 0 for r in rows)
    text = CliRunner().invoke(main, base)
    assert text.exit_code == 0, text.output
    assert "Décomptes corrigés — national (intervalle à 90 %)" in text.output
    shown = text.output.split("Méthodes : ", 1)[1]
    assert any(METHOD_LABELS[m] in shown for m in METHODS[name])
    assert ("non enregistré" in text.output) == (name != "calibre")
    # the stored counts (those of the tallies and reports) stay the default estimator's
    assert _stored_methods(out, folder) <= METHODS["calibre"]


def test_a_region_gets_the_chosen_estimator_too(half):
    folder, out = half
    national = json.loads(CliRunner().invoke(
        main, ["estimate", str(folder), "--sorties", str(out), "--estimateur", "difference", "--json"]).output)
    regions = {r["scope"] for r in national}
    assert regions == {"France"}
    result = CliRunner().invoke(main, ["estimate", str(folder), "--sorties", str(out), "--estimateur", "difference",
                                       "--region", "occitanie", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["scope"] for r in rows} == {"Occitanie"} and {r["method"] for r in rows} <= {"difference"}


def test_cross_fitted_with_a_model_saved_before_says_to_retrain(half, tmp_path):
    """A model file without the fold models' average (saved by an earlier version): the user is
    told to retrain, no traceback."""
    from consultation.coding.training import load_models, save_models
    from consultation.store.paths import locate

    folder, out = half
    shutil.copytree(folder, tmp_path / "raw" / folder.name)
    shutil.copytree(out, tmp_path / "out")
    folder, out = tmp_path / "raw" / folder.name, tmp_path / "out"
    con = store.connect(locate(folder, out).existing_db())
    try:
        (path,) = con.execute("SELECT path FROM models").fetchone()
        path = str(path).replace(str(half[1]), str(out))
        con.execute("UPDATE models SET path = ?", [path])
    finally:
        con.close()
    path = Path(path)
    models = load_models(path)
    for model in models.values():
        del model.classifier.fold_coef_
    save_models(models, path, {})
    result = CliRunner().invoke(main, ["estimate", str(folder), "--sorties", str(out), "--estimateur",
                                       "validation-croisee"])
    assert result.exit_code == 2, result.output
    assert "consultation code --reentrainer" in result.output and "Traceback" not in result.output
    assert CliRunner().invoke(main, ["estimate", str(folder), "--sorties", str(out), "--estimateur",
                                     "difference"]).exit_code == 0
