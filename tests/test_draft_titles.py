"""The consultation's title when `init` finds none above the headers: the file's name, without
what the survey tool added to it.

KoboToolbox names its export « Contribution_Segur_-_all_versions_-_labels_-_2020-06-30-08-12-44 ».
That stem became the title, printed at the top of every report, and the publication's check for
personal data read its date and time as a 14-digit identifier: **every report of such a
consultation was withheld** (« Publication arrêtée : 107 donnée(s) personnelle(s) … identifiant
numérique »; found running init then run on each tool's export, 2026-12-07). Now the title is the
form's name (« Contribution Segur »), and a date and time is no identifier for the check.

The family: form names × what tools add (KoboToolbox, Google Forms, Microsoft Forms, Qualtrics,
Tally, a copy's mark, « export du … ») × the ways a date and time is written. Names that hold
nothing but the tool's words (« results-survey842915 », « Data_All_200630 ») give the folder's
name. Not covered: a form whose own name ends in words listed as the tools' (« … Export »).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from stdnum.fr import siret

from consultation.cli import main
from consultation.draft import recognise, render
from consultation.publish.leakscan import scan_text
from consultation.publish.redact import Redactor
from survey_tools import export

NAMES = ["Contribution Ségur", "Enquête adhérents 2020", "Questionnaire FNARS", "Consultation régionale Occitanie",
         "Crise sanitaire : vos retours", "Enquête COVID19 structures", "L'accompagnement à domicile",
         "Ségur de la santé"]
# A date and time, as tools and people write them in file names.
STAMPS = [
    lambda d: d.strftime("%Y-%m-%d-%H-%M-%S"),  # KoboToolbox
    lambda d: d.strftime("%Y-%m-%dT%H-%M-%S"),
    lambda d: d.strftime("%Y%m%d_%H%M%S"),
    lambda d: d.strftime("%Y%m%d%H%M%S"),
    lambda d: d.strftime("%Y-%m-%d %H.%M"),
    lambda d: d.strftime("%d-%m-%Y %Hh%M"),
    lambda d: d.strftime("%Y-%m-%d"),
    lambda d: d.strftime("%y%m%d"),  # SurveyMonkey
]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]
DECORATIONS = [
    lambda n, s, d: f"{n.replace(' ', '_')}_-_all_versions_-_labels_-_{s}",  # KoboToolbox
    lambda n, s, d: f"{n.replace(' ', '_')}_-_all_versions_-_xml_values_-_{s}",
    lambda n, s, d: f"{n} (réponses)",  # Google Forms
    lambda n, s, d: f"{n}(1-{d.day + 20})",  # Microsoft Forms
    lambda n, s, d: f"{n}_{d.day} {MONTHS[d.month - 1]} {d.year}_{d.hour:02d}.{d.minute:02d}",  # Qualtrics
    lambda n, s, d: f"{n}_{d.strftime('%B')} {d.day}, {d.year}_{d.hour:02d}.{d.minute:02d}",
    lambda n, s, d: f"{n.replace(' ', '-')}_Submissions_{s}",  # Tally
    lambda n, s, d: f"{n} - export du {s}",
    lambda n, s, d: f"{n} {s} - Copie",
    lambda n, s, d: f"Export_{n.replace(' ', '_')}_{s}",
    lambda n, s, d: f"{n} (réponses) - Réponses au formulaire 1",  # a Google sheet downloaded as CSV
    lambda n, s, d: f"{n} - Form Responses {d.day % 3 + 1}",
    lambda n, s, d: f"{n} - Feuil1",
    lambda n, s, d: f"{n} - Sheet{d.day % 3 + 1}",
    lambda n, s, d: f"{n} - résultats {s}",
    lambda n, s, d: f"Données {n} {s}",
]


@pytest.fixture(scope="module")
def redactor():
    return Redactor([])


def _case(seed: int) -> tuple[str, str]:
    rng = random.Random(seed)
    when = datetime(2020, 1, 1) + timedelta(seconds=rng.randrange(3 * 365 * 86400))
    name = rng.choice([n for n in NAMES if ":" not in n and "'" not in n]) if seed % 3 else rng.choice(NAMES)
    decorate = DECORATIONS[seed % len(DECORATIONS)]
    stem = decorate(name, rng.choice(STAMPS)(when), when)
    for bad in ':/\\':  # what a file name cannot hold
        stem = stem.replace(bad, "-" if bad != ":" else "")
    expected = name.replace(":", "").replace("  ", " ")
    return stem, " ".join(expected.split())


def _drafted_title(folder: Path, stem: str) -> str:
    source = Path(__file__).resolve().parents[1] / "data" / "raw" / "segur-2020-sample" / "reponses.csv"
    path = folder / f"{stem}.csv"
    path.write_bytes(source.read_bytes())
    draft, _ = recognise(path, folder)
    for question in draft.questions:
        question.themes.append({"id": f"{question.id}_x", "label": "x", "keywords": [], "size": 0, "examples": []})
    line = next(x for x in render(draft, Path("schema.json")).splitlines() if x.startswith("title: "))
    return line.removeprefix("title: ").strip('"')


@pytest.mark.parametrize("seed", range(48))
def test_a_files_name_gives_the_forms_name_as_title_and_nothing_the_check_withholds(seed, tmp_path):
    stem, expected = _case(seed)
    title = _drafted_title(tmp_path, stem)
    assert title.casefold() == expected.casefold(), stem
    assert scan_text(title) == []


# Names made only of a tool's words, or of words that name any file: 17 in one test (the daily
# subset keeps it whole).
TOOL_NAMES = ["results-survey842915", "Data_All_200630", "responses-Fz8qR2-csv", "reponses", "export_20200630081244",
              "answers", "donnees", "Données", "resultats", "Résultats", "Sheet1", "Feuil1", "tags",
              "Réponses au formulaire 1", "Form Responses 1", "fichier_export", "data (1)"]


def test_a_name_made_only_of_the_tools_words_gives_the_folders(tmp_path):
    folder = tmp_path / "consultation-adherents-2021"
    folder.mkdir()
    titles = {stem: _drafted_title(folder, stem) for stem in TOOL_NAMES}
    assert {stem: t for stem, t in titles.items() if t != "Consultation adherents 2021"} == {}


@pytest.mark.parametrize("seed", range(24))
def test_a_date_and_time_is_no_identifier_but_numbers_of_its_length_still_are(seed, redactor):
    """Neither the publication's check nor the redactor takes a date and time for a phone number or
    an identifier (« 05-10-2025 13h15 » was « [téléphone]h15 », « 2021-02-25-09-30-52 » was
    « 2021-[téléphone] »), in a title or in a testimony; 14 digits in a row that are also a valid
    SIRET stay an identifier for both."""
    rng = random.Random(seed)
    when = datetime(2018, 1, 1) + timedelta(seconds=rng.randrange(8 * 365 * 86400))
    stamp = STAMPS[seed % len(STAMPS)](when)
    texts = [f"Rapport de la consultation {stamp}", f"Le rendez-vous du {stamp} a été annulé.",
             f"Contribution_Segur_-_all_versions_-_labels_-_{stamp}"]
    if stamp.isdigit() and len(stamp) == 14 and siret.is_valid(stamp):
        assert all(scan_text(t) and stamp not in redactor(t) for t in texts)
    else:
        assert all(scan_text(t) == [] and redactor(t) == t for t in texts)
    # the same length of digits that is no date and time: a phone number, a social security number
    assert [k for k, _, _ in scan_text("joignable au 06 12 34 56 78")] == ["phone"]
    assert [k for k, _, _ in scan_text("son numéro 2 84 05 78 006 084 65 est ici")] == ["nir"]


@pytest.mark.slow
def test_a_kobotoolbox_export_is_drafted_run_and_published(tmp_path):
    """The journey that found it: init then run on KoboToolbox's CSV; before, the run stopped with
    every report withheld."""
    made = export("kobotoolbox", "csv", tmp_path / "kobo")
    folder, out = tmp_path / "consultation", tmp_path / "sorties"
    drafted = CliRunner().invoke(main, ["init", str(made.path), str(folder)])
    assert drafted.exit_code == 0, drafted.output
    assert 'title: "Contribution Segur"' in (folder / "consultation.yaml").read_text(encoding="utf-8")
    ran = CliRunner().invoke(main, ["run", str(folder), "--sorties", str(out)])
    assert ran.exit_code == 0, ran.output[-3000:]
    assert "Publication arrêtée" not in ran.output
    reports = sorted((out / "consultation" / "reports").glob("*.md"))
    assert len(reports) >= 2
    assert all("Contribution Segur" in r.read_text(encoding="utf-8")[:300] for r in reports)
