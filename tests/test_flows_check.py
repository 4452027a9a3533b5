"""`python -m flows.check`: prefect.yaml read as `prefect deploy` and the server's scheduler will read
it, before the nights silently do not happen.

Families, generated from the project's own prefect.yaml as a federation edits it: a date that never
comes, French day and month names (read by flows.serve, refused by Prefect), a time zone in another
case or a city instead of a zone, a moved consultation folder, a wrong entry point, a broken YAML
line, a seconds-first cron. The server side (work pool without worker, late runs, not deployed) is
checked against a real Prefect server in tests/test_scheduler.py.
"""

from __future__ import annotations

import random

import pytest

from conftest import ROOT, SAMPLE_DIR
from flows import check, local_server

ORIGINAL = (ROOT / "prefect.yaml").read_text(encoding="utf-8")
NIGHT = 'cron: "0 2 * * *"\n        timezone: Europe/Paris'


@pytest.fixture(autouse=True)
def _no_server(monkeypatch):
    monkeypatch.setattr(local_server, "configured_url", lambda: None)


@pytest.fixture
def project(tmp_path):
    """A federation's folder: the flows, the sample consultation, and prefect.yaml beside them."""
    (tmp_path / "flows").symlink_to(ROOT / "flows")
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "segur-2020-sample").symlink_to(SAMPLE_DIR)
    return tmp_path


def _run(project, text: str, capsys) -> tuple[int, str]:
    path = project / "prefect.yaml"
    path.write_text(text, encoding="utf-8")
    code = check.main([str(path)])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    assert path.read_text(encoding="utf-8") == text  # the file is only read
    return code, out.out + out.err


def test_the_projects_own_prefect_yaml_has_nothing_to_fix(project, capsys):
    import logging

    handlers = list(logging.getLogger().handlers)
    code, out = _run(project, ORIGINAL, capsys)
    # the flows are read, not imported: importing them set Prefect's console handler up on the
    # captured stderr of this test, and a later test's log lines then failed on the closed stream
    assert logging.getLogger().handlers == handlers
    assert code == 0, out
    assert out.count("prochaines exécutions") == 2
    assert "Consultation : Contribution au Ségur de la santé (2020)" in out
    assert out.rstrip().endswith("Rien à corriger.")
    assert "work pools, workers et retards non vérifiés" in out


def _never(rng: random.Random) -> str:
    day, month = rng.choice([(31, 4), (31, 6), (31, 9), (31, 11), (30, 2), (31, 2)])
    return f"{rng.randint(0, 59)} {rng.randint(0, 5)} {day} {month} *"


@pytest.mark.parametrize("seed", range(4))
def test_a_date_that_never_comes_is_a_file_to_fix(project, capsys, seed):
    cron = _never(random.Random(seed))
    code, out = _run(project, ORIGINAL.replace('"0 2 * * *"', f'"{cron}"'), capsys)
    assert code == 2
    assert f"Problème : « {cron} » ne se déclenche jamais" in out
    assert out.rstrip().endswith("À corriger dans le fichier (ci-dessus).")


FRENCH = [("lun-ven", "mon-fri"), ("Lundi", "mon"), ("sam,dim", "sat,sun"), ("mer.", "wed")]
MONTHS = [("déc", "dec"), ("Août", "aug"), ("janv-mars", "jan-mar")]


@pytest.mark.parametrize("seed", range(4))
def test_french_day_and_month_names_are_refused_with_the_cron_prefect_reads(project, capsys, seed):
    rng = random.Random(seed)
    days, english_days = rng.choice(FRENCH) if seed % 2 == 0 else ("*", "*")
    month, english_month = rng.choice(MONTHS) if seed % 2 == 1 or seed == 2 else ("*", "*")
    cron = f"0 2 * {month} {days}"
    code, out = _run(project, ORIGINAL.replace('"0 6 * * *"', f'"{cron}"'), capsys)
    assert code == 2, out
    assert f"« {cron} » : Prefect ne lit pas les noms français ; écrivez « 0 2 * {english_month} {english_days} »" in out


@pytest.mark.parametrize("seed", range(3))
def test_a_zone_in_another_case_is_refused_with_its_spelling(project, capsys, seed):
    rng = random.Random(seed)
    written = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in "Europe/Paris")
    if written == "Europe/Paris":
        written = "europe/paris"
    code, out = _run(project, ORIGINAL.replace("timezone: Europe/Paris", f"timezone: {written}", 1), capsys)
    assert code == 2
    assert f"fuseau « {written} » : Prefect ne le lit pas ainsi ; écrivez « Europe/Paris »" in out


@pytest.mark.parametrize("written", ["Paris", "la Réunion", "Nouméa"])
def test_a_place_instead_of_a_zone_is_refused_with_the_zone_to_write(project, capsys, written):
    code, out = _run(project, ORIGINAL.replace("timezone: Europe/Paris", f"timezone: {written}", 1), capsys)
    assert code == 2
    assert "vouliez-vous dire" in out


def test_a_moved_consultation_folder_and_a_wrong_entry_point_are_named(project, capsys):
    text = ORIGINAL.replace("consultation_dir: data/raw/segur-2020-sample", "consultation_dir: data/raw/segur-2021", 1)
    text = text.replace("flows/reporting_flow.py:reporting_flow", "flows/reporting.py:reporting_flow")
    code, out = _run(project, text, capsys)
    assert code == 2
    assert "consultation_dir « data/raw/segur-2021 » :" in out
    assert "point d'entrée « flows/reporting.py:reporting_flow » introuvable" in out
    text = ORIGINAL.replace("flows/nightly.py:nightly", "flows/nightly.py:nocturne")
    code, out = _run(project, text, capsys)
    assert code == 2 and "point d'entrée « flows/nightly.py:nocturne » illisible" in out


def test_a_broken_yaml_line_is_named_with_its_line(project, capsys):
    lines = ORIGINAL.splitlines()
    where = next(i for i, line in enumerate(lines) if "timezone: Europe/Paris" in line)
    lines[where] = lines[where].replace("timezone:", "timezone: [")
    code, out = _run(project, "\n".join(lines) + "\n", capsys)
    assert code == 2
    assert "Erreur :" in out and "YAML illisible" in out and "ligne " in out


def test_a_file_without_deployments_or_missing_is_a_french_error(project, capsys):
    code, out = _run(project, "name: consultation\n", capsys)
    assert code == 2 and "aucune liste « deployments »" in out
    assert check.main([str(project / "absent.yaml")]) == 2
    assert "absent.yaml : fichier introuvable" in capsys.readouterr().err


def test_a_seconds_first_cron_is_announced_and_not_refused(project, capsys):
    code, out = _run(project, ORIGINAL.replace(NIGHT, NIGHT.replace("0 2 * * *", "0 0 2 * * *"), 1), capsys)
    assert code == 0, out
    assert "Attention : « 0 0 2 * * * » se déclenche plusieurs fois dans la même minute" in out


@pytest.mark.parametrize(("schedule", "expected", "code"), [
    ('rrule: "FREQ=DAILY;BYHOUR=2;BYMINUTE=0"', "Planification : prochaines exécutions ", 0),
    ('rrule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"', "ne se déclenche jamais", 2),
    ('rrule: "FREQ=DAILLY"', "n'est pas une règle RRULE valide", 2),
    ("interval: 86400", "intervalle sans anchor_date : il part de l'heure du déploiement", 0),
    ('interval: 86400\n        anchor_date: "2026-01-01T02:00:00+01:00"', "à 2 h 00 ;", 0),
    ('interval: 86400\n        anchor_date: "2026-01-01T02:00:00"', "sans décalage horaire : Prefect la lit en UTC", 0),
    ("interval: 86400\n        anchor_date: 2026-01-01T02:00:00", "à 3 h 00 ;", 0),  # YAML's own date, naive: UTC
    ("interval: 0", "n'est pas un intervalle en secondes valide", 2),
    ("interval: une nuit", "n'est pas un intervalle en secondes valide", 2),
    ("every: day", "planification illisible (every, timezone) : attendu cron, interval ou rrule", 2),
])
def test_interval_and_rrule_schedules_are_read_as_the_server_reads_them(project, capsys, schedule, expected, code):
    text = ORIGINAL.replace('cron: "0 2 * * *"', schedule, 1)
    got, out = _run(project, text, capsys)
    assert got == code, out
    assert expected in out
    if schedule.startswith('rrule: "FREQ=DAILY'):
        first = out.split("Déploiement 2")[0]
        assert first.count("à 2 h 00") == 3  # the next three nights, in Paris time
