"""Who answered, as the reports name them (`respondents` in consultation.yaml).

A citizens' consultation read « Ce document présente les réponses des structures de la Région
Bretagne » and « 2 538 structures ont répondu »: the reports' sentences named the federation's
members whoever had answered. Checked as a reader sees each format (web page, Markdown, Word), for
a family of nouns, with the singular where a count is 1, and through `init`'s draft.
"""

from __future__ import annotations

import html
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from consultation import store
from consultation.cli import main
from consultation.codebook import Consultation
from consultation.publish.report import publish
from consultation.store.paths import OutputPaths
from test_report import ANSWERS, HUMAN_CODES, IDF, OCC, RESPONDENTS, fill, make_consultation, plain

# (value in consultation.yaml, singular, plural): one word, an adjective agreeing with it, a
# complement that keeps its form, a word in « x », and the [singular, plural] form for the rest.
NOUNS = [
    ("personnes", "personne", "personnes"),
    ("structures adhérentes", "structure adhérente", "structures adhérentes"),
    ("centres de santé", "centre de santé", "centres de santé"),
    ("habitants du quartier", "habitant du quartier", "habitants du quartier"),
    ("bureaux", "bureau", "bureaux"),
    (["travail en réseau", "travaux en réseau"], "travail en réseau", "travaux en réseau"),
    ("  établissements   adhérents ", "établissement adhérent", "établissements adhérents"),
]


def with_respondents(value: object) -> Consultation:
    return Consultation.model_validate({**make_consultation().model_dump(), "respondents": value})


def published(tmp_path: Path, consultation: Consultation, respondents=RESPONDENTS) -> dict[str, str]:
    """Report file name -> the text a reader sees (web page unescaped, Word's paragraphs and cells)."""
    con = store.connect(None)
    kept = {r for r, _ in respondents}
    fill(con, consultation, respondents=respondents, answers=[a for a in ANSWERS if a[0] in kept],
         codes=[c for c in HUMAN_CODES if c[0] in kept])
    out = tmp_path / "out"
    publish(con, consultation, OutputPaths(out), workers=1, threshold=2, formats=("html", "docx", "md"))
    texts = {}
    for path in sorted((out / "reports").iterdir()):
        if path.suffix == ".docx":
            document = docx.Document(str(path))
            cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
            texts[path.name] = "\n".join([p.text for p in document.paragraphs] + cells)
        else:
            texts[path.name] = html.unescape(path.read_text(encoding="utf-8"))
    return {name: plain(text) for name, text in texts.items()}


def test_each_noun_has_its_singular_and_plural():
    for value, singular, plural in NOUNS:
        assert with_respondents(value).respondent_nouns == (singular, plural), value
    assert make_consultation().respondent_nouns == ("structure", "structures")  # the default


def test_every_format_names_who_answered(tmp_path):
    texts = published(tmp_path, with_respondents("personnes"))
    for ext in ("html", "md", "docx"):
        region, national = texts[f"occitanie.{ext}"], texts[f"synthese-nationale.{ext}"]
        assert f"Ce document présente les réponses des personnes de la Région {OCC} (2 répondants sur 6 " \
               "en France)" in region, ext
        assert "et les témoignages des personnes de la région." in region, ext
        assert "Une question à laquelle moins de 2 personnes de la région ont répondu" in region, ext
        assert "Propositions citées par les personnes de la Région Occitanie" in region, ext
        assert national.count("6 personnes ont répondu.") == 1, ext
        assert "2 régions ont leur propre rapport" in national, ext
        # « structure » stays only where it means the masked names of structures.
        for text in (region, national):
            assert "structures" not in text.replace("noms de personnes et de structures", ""), ext
    assert "Les témoignages sont cités tels que les personnes les ont écrits" in texts["occitanie.html"]


def test_one_respondent_and_one_region_in_the_singular(tmp_path):
    texts = published(tmp_path, with_respondents("structures adhérentes"), respondents=[("r01", OCC), ("r02", OCC)])
    national = texts["synthese-nationale.md"]
    assert "2 structures adhérentes ont répondu." in national
    assert "1 région a son propre rapport" in national
    texts = published(tmp_path / "one", with_respondents(["centre de santé", "centres de santé"]),
                      respondents=[("r03", IDF)])
    assert "1 centre de santé a répondu." in texts["synthese-nationale.md"]
    assert "0 région a son propre rapport" in texts["synthese-nationale.md"]


def test_renaming_who_answered_rewrites_the_reports(tmp_path):
    before = published(tmp_path, make_consultation())
    assert "Ce document présente les réponses des structures de la Région" in before["occitanie.md"]
    after = published(tmp_path, with_respondents("habitants"))
    assert "Ce document présente les réponses des habitants de la Région" in after["occitanie.md"]
    assert "6 habitants ont répondu." in after["synthese-nationale.md"]


@pytest.mark.daily_cases(2)  # two of the seven daily, all of them in the full run
@pytest.mark.parametrize("value", ["", "   ", ["personne"], ["a", "b", "c"], "personnes\nâgées",
                                   "x" * 61, "<b>personnes</b>"])
def test_a_bad_name_is_refused_with_the_key_and_the_value(tmp_path, monkeypatch, value):
    import yaml

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "c"
    folder.mkdir()
    config = make_consultation().model_dump(exclude_defaults=True)
    config["respondents"] = value
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(folder)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "clé « respondents »" in result.output, result.output
    if isinstance(value, str) and value.strip() and "\n" not in value:
        assert f"« {value} »" in result.output


@pytest.mark.parametrize(("structures", "expected"), [(True, "structures"), (False, "personnes")])
def test_init_names_structures_only_when_the_export_has_them(tmp_path, structures, expected):
    rows = [["Identifiant", "Région", *(["Nom de la structure"] if structures else []),
             "Que proposez-vous pour améliorer l'accueil ?"]]
    ideas = ["plus de personnel à l'accueil", "des horaires plus larges le soir", "un accueil sans rendez-vous",
             "former les équipes à l'écoute", "des locaux plus calmes et accessibles"]
    for i in range(40):
        rows.append([f"r{i}", ["Bretagne", "Occitanie", "Normandie"][i % 3],
                     *([f"Association numéro {i}"] if structures else []), f"{ideas[i % 5]}, réponse {i}"])
    export = tmp_path / "export.csv"
    export.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(export), str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    config = (tmp_path / "c" / "consultation.yaml").read_text(encoding="utf-8")
    assert f'respondents: "{expected}"' in config
