"""Schedules as federations write them (`flows/schedules.py`, read by `python -m flows.serve`).

Families, generated: every French time zone in every case and with stray spaces; a city, an island
or a territory instead of a zone; French day and month names in every spelling; dates that never
come (the 31st of a 30-day month, the 30th of February); crons with a sixth field (the seconds,
for Prefect) copied from a seconds-first cron; a day of the month and a day of the week given
together (cron reads them with OR). The runs are computed by the Prefect server's own schedule
class, the one its scheduler service uses; `tests/test_scheduler.py` runs the real server.

Also, as a guard on the Prefect version we pin: a nightly cron at any hour of the night, in the
time zones of France, fires once per local night across the changes to and from summer time (at
02:00 in Paris on the last Sunday of March, 02:00 does not exist: Prefect fires at 01:00).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import random
import zoneinfo

import pytest
from prefect.server.schemas.schedules import CronSchedule

from conftest import SAMPLE_DIR
from flows import schedules
from flows.local_server import server_for_schedules as _REAL_SERVER

NOW = dt.datetime(2026, 12, 6, 10, tzinfo=dt.UTC)
FRENCH_ZONES = ["Europe/Paris", "Indian/Reunion", "America/Martinique", "America/Guadeloupe", "America/Cayenne",
                "Indian/Mayotte", "Pacific/Noumea", "Pacific/Tahiti", "America/Miquelon", "Pacific/Wallis"]


@pytest.fixture(autouse=True)
def _no_local_server(monkeypatch):
    """`flows.serve.main` serves against a configured server, without starting one (the real start
    is tested in tests/test_scheduler.py)."""
    import contextlib

    from flows import local_server

    monkeypatch.setattr(local_server, "server_for_schedules", lambda log_dir: contextlib.nullcontext("http://x/api"))
    monkeypatch.setattr(local_server, "served_elsewhere", lambda api, deployments: [])


def _respell(rng: random.Random, text: str) -> str:
    cased = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)
    return " " * rng.randint(0, 2) + cased + " " * rng.randint(0, 2)


@pytest.mark.parametrize("zone", FRENCH_ZONES)
def test_a_zone_in_any_case_and_with_spaces_is_the_zone(zone):
    rng = random.Random(zone)
    for _ in range(12):
        assert schedules.timezone(_respell(rng, zone)) == zone


@pytest.mark.parametrize("written, zone", [
    ("Paris", "Europe/Paris"), ("paris", "Europe/Paris"), ("Europe / Paris", "Europe/Paris"),
    ("Réunion", "Indian/Reunion"), ("la Réunion", "Indian/Reunion"), ("LA REUNION", "Indian/Reunion"),
    ("Martinique", "America/Martinique"), ("Guadeloupe", "America/Guadeloupe"), ("Cayenne", "America/Cayenne"),
    ("Mayotte", "Indian/Mayotte"), ("Nouméa", "Pacific/Noumea"), ("Tahiti", "Pacific/Tahiti"),
    ("Miquelon", "America/Miquelon"), ("Wallis", "Pacific/Wallis"), ("Europe/Pari", "Europe/Paris"),
])
def test_a_place_instead_of_a_zone_is_refused_with_the_zone_to_write(written, zone):
    with pytest.raises(schedules.ScheduleError) as refused:
        schedules.timezone(written)
    assert str(refused.value) .startswith(f"« {written} » n'est pas un fuseau horaire ; vouliez-vous dire ")
    assert zone in str(refused.value)


@pytest.mark.parametrize("written", ["France", "heure de Paris", "UTC+1", "", "GMT+01:00"])
def test_a_zone_nothing_resembles_is_refused_with_an_example(written):
    with pytest.raises(schedules.ScheduleError, match="n'est pas un fuseau horaire") as refused:
        schedules.timezone(written)
    assert "Europe/Paris" in str(refused.value)


_DAY_SPELLINGS = {
    "mon": ["lun", "lundi", "Lundi", "LUN", "lun."], "tue": ["mar", "mardi", "MARDI"],
    "wed": ["mer", "mercredi", "Mercredi"], "thu": ["jeu", "jeudi"], "fri": ["ven", "vendredi", "Ven."],
    "sat": ["sam", "samedi"], "sun": ["dim", "dimanche", "DIM"],
}
_MONTH_SPELLINGS = {
    "jan": ["janv", "janvier", "Janv."], "feb": ["fév", "févr", "février", "fevrier", "FÉVR."],
    "mar": ["mars"], "apr": ["avr", "avril"], "may": ["mai", "Mai"], "jun": ["juin"], "jul": ["juil", "juillet"],
    "aug": ["août", "aout", "AOÛT"], "sep": ["sept", "septembre"], "oct": ["octobre"], "nov": ["novembre"],
    "dec": ["déc", "déc.", "décembre", "decembre"],
}


def _runs(cron: str, zone: str = "Europe/Paris") -> list[dt.datetime]:
    return list(schedules.check(cron, zone, NOW).runs)


@pytest.mark.parametrize("seed", range(8))
def test_french_day_and_month_names_fire_as_crons_english_names(seed):
    rng = random.Random(seed)
    days = rng.sample(sorted(_DAY_SPELLINGS), rng.randint(1, 3))
    months = rng.sample(sorted(_MONTH_SPELLINGS), rng.randint(1, 4))
    english = f"{rng.randint(0, 59)} {rng.randint(0, 5)} * {','.join(months)} {','.join(days)}"
    fields = english.split()
    fields[3] = ",".join(rng.choice(_MONTH_SPELLINGS[m]) for m in months)
    fields[4] = ",".join(rng.choice(_DAY_SPELLINGS[d]) for d in days)
    french = "  ".join(fields)
    assert _runs(french) == _runs(english)


def test_a_range_of_french_days_reads_as_a_range():
    assert schedules.check("0 2 * * lun-ven", "Europe/Paris", NOW).cron == "0 2 * * mon-fri"
    assert {r.weekday() for r in _runs("0 2 * * lundi-vendredi")} == {0, 1, 2, 3, 4}


@pytest.mark.parametrize("day, month", [(30, 2), (31, 2), (31, 4), (31, 6), (31, 9), (31, 11)])
def test_a_date_that_never_comes_is_refused_not_served(day, month):
    cron = f"{random.Random(day * month).randint(0, 59)} 2 {day} {month} *"
    with pytest.raises(schedules.ScheduleError) as refused:
        schedules.check(cron, "Europe/Paris", NOW)
    assert str(refused.value).startswith(f"« {cron} » ne se déclenche jamais")


@pytest.mark.parametrize("cron", ["0 0 2 * * *", "0 0 3 * * *", "0 2 * * * *", "15 2 * * * 0-59", "0 2 * * * */10"])
def test_a_sixth_field_firing_within_the_same_minute_is_announced(cron):
    checked = schedules.check(cron, "Europe/Paris", NOW)
    assert checked.runs[1] - checked.runs[0] < dt.timedelta(minutes=1)
    assert [w for w in checked.warnings if "sixième champ est lu comme les secondes" in w]


@pytest.mark.parametrize("cron", ["0 2 * * *", "30 1 * * mon-fri", "0 6 * * *", "0 2 1 * *", "0 2 * * * 0"])
def test_an_ordinary_schedule_has_no_warning(cron):
    assert schedules.check(cron, "Europe/Paris", NOW).warnings == ()


def test_a_day_of_the_month_and_a_day_of_the_week_together_are_announced_as_either():
    checked = schedules.check("0 2 1 * lundi", "Europe/Paris", NOW)
    assert any("OU les jours de la semaine" in w for w in checked.warnings)
    assert {r.day == 1 or r.weekday() == 0 for r in checked.runs} == {True}
    assert any(r.day != 1 for r in checked.runs) and any(r.weekday() != 0 for r in checked.runs)


@pytest.mark.parametrize("cron", ["tous les soirs", "0 25 * * *", "0 2 * * 8", "0 2 1 1 * 2027", "@tous_les_jours"])
def test_what_is_no_cron_is_refused(cron):
    with pytest.raises(schedules.ScheduleError, match="n'est pas une planification cron"):
        schedules.check(cron, "Europe/Paris", NOW)


@pytest.mark.parametrize("cron", ["0 30 1 * * *", "0 0 2 * * ? *", "0 15 23 ? * MON-FRI"])
def test_a_seconds_first_cron_that_prefect_cannot_read_says_how_many_fields_cron_has(cron):
    with pytest.raises(schedules.ScheduleError, match=r"cron en lit 5 \(minute, heure, jour du mois, mois, jour de la semaine\)"):
        schedules.check(cron, "Europe/Paris", NOW)


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Miquelon"])
@pytest.mark.parametrize("minute", [0, 30])
def test_a_night_at_any_hour_fires_once_per_local_night_across_summer_time(zone, minute):
    tz = zoneinfo.ZoneInfo(zone)
    for hour in range(6):
        dates = asyncio.run(CronSchedule(cron=f"{minute} {hour} * * *", timezone=zone).get_dates(
            n=800, start=dt.datetime(2026, 1, 1, tzinfo=tz)))
        per_night = collections.Counter(d.astimezone(tz).date() for d in dates)
        first, last = min(per_night), max(per_night)
        assert len(per_night) == (last - first).days + 1, (zone, hour, minute)
        assert set(per_night.values()) == {1}, (zone, hour, minute)


def test_serve_announces_the_next_runs_in_french_and_serves_the_schedule_as_read(monkeypatch, capsys):
    import flows.serve

    served = []
    monkeypatch.setattr(flows.serve, "serve", lambda *found: served.extend(found))
    assert flows.serve.main([str(SAMPLE_DIR), "--cron", "0 2 * * lun-ven", "--timezone", " europe/paris "]) == 0
    out = capsys.readouterr().out
    assert "Traitement nocturne : prochaines exécutions " in out and " à 2 h 00" in out
    assert "Publication : prochaines exécutions " in out and " à 6 h 00" in out and "(Europe/Paris)" in out
    night, publication = served
    assert (night.schedules[0].schedule.cron, night.schedules[0].schedule.timezone) == ("0 2 * * mon-fri", "Europe/Paris")
    assert publication.schedules[0].schedule.cron == "0 6 * * *"


@pytest.mark.parametrize("argv, message", [
    (["--cron", "0 2 31 4 *"], "--cron : « 0 2 31 4 * » ne se déclenche jamais"),
    (["--publication-cron", "0 6 30 2 *"], "--publication-cron : « 0 6 30 2 * » ne se déclenche jamais"),
    (["--timezone", "Réunion"], "--timezone : « Réunion » n'est pas un fuseau horaire ; vouliez-vous dire Indian/Reunion ?"),
])
def test_serve_refuses_a_schedule_that_would_never_serve_without_a_traceback(argv, message, monkeypatch, capsys):
    import flows.serve

    monkeypatch.setattr(flows.serve, "serve", lambda *found: pytest.fail("served"))
    with pytest.raises(SystemExit) as stop:
        flows.serve.main([str(SAMPLE_DIR), *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"Erreur : {message}" in err and "Traceback" not in err


def test_serve_warns_of_a_cron_firing_every_second_and_still_serves_it(monkeypatch, capsys):
    import flows.serve

    served = []
    monkeypatch.setattr(flows.serve, "serve", lambda *found: served.extend(found))
    assert flows.serve.main([str(SAMPLE_DIR), "--cron", "0 0 2 * * *", "--publication-cron", "manuelle"]) == 0
    captured = capsys.readouterr()
    assert "Attention : --cron : « 0 0 2 * * * » se déclenche plusieurs fois dans la même minute" in captured.err
    assert "Publication : à la demande seulement" in captured.out
    assert served and not served[1].schedules


def test_the_schedules_of_prefect_yaml_fire_every_night_without_warning():
    import yaml

    from conftest import ROOT

    declared = [s for d in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
                for s in d.get("schedules") or []]
    assert len(declared) == 2
    for schedule in declared:
        checked = schedules.check(schedule["cron"], schedules.timezone(schedule["timezone"]), NOW)
        assert checked.warnings == ()
        assert [r.date() for r in checked.runs[:3]] == [NOW.date() + dt.timedelta(days=k) for k in (1, 2, 3)]


@pytest.mark.parametrize("argv, message", [
    (["--cron-x"], "option ou argument inconnu : --cron-x"),
    (["-x", "y"], "option ou argument inconnu : -x y"),
    (["--cron"], "--cron : une valeur est attendue après l'option"),
    (["--timezone"], "--timezone : une valeur est attendue après l'option"),
    (["--publication-cron"], "--publication-cron : une valeur est attendue après l'option"),
])
def test_serve_says_in_french_what_is_wrong_with_its_options(argv, message, monkeypatch, capsys):
    import flows.serve

    monkeypatch.setattr(flows.serve, "serve", lambda *found: pytest.fail("served"))
    with pytest.raises(SystemExit) as stop:
        flows.serve.main([str(SAMPLE_DIR), *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"Erreur : {message}\n" in err and "Utilisation :" in err


def test_serve_refuses_two_folders_of_the_same_consultation_and_serves_a_folder_named_twice_once(tmp_path, monkeypatch, capsys):
    import shutil

    import flows.serve

    copy = tmp_path / "copie"
    shutil.copytree(SAMPLE_DIR, copy)
    monkeypatch.setattr(flows.serve, "serve", lambda *found: pytest.fail("served"))
    assert flows.serve.main([str(SAMPLE_DIR), str(copy)]) == 2
    err = capsys.readouterr().err
    assert f"Erreur : {SAMPLE_DIR.resolve()} et {copy.resolve()} déclarent la même consultation « segur-2020-sample »" in err
    assert "Traceback" not in err

    served = []
    monkeypatch.setattr(flows.serve, "serve", lambda *found: served.extend(found))
    assert flows.serve.main([str(SAMPLE_DIR), str(SAMPLE_DIR) + "/", str(SAMPLE_DIR / "consultation.yaml")]) == 0
    assert [(d.flow_name, d.name) for d in served] == [("consultation-nightly", "segur-2020-sample"),
                                                        ("consultation-reporting", "segur-2020-sample")]


def test_serve_stops_in_french_when_the_configured_server_does_not_answer(monkeypatch, tmp_path, capsys):
    import flows.serve
    from flows import local_server

    monkeypatch.setattr(local_server, "server_for_schedules", _REAL_SERVER)  # not the fixture's stand-in
    monkeypatch.setattr(local_server, "configured_url", lambda: "http://127.0.0.1:9/api")
    monkeypatch.setattr(flows.serve, "serve", lambda *found: pytest.fail("served"))
    assert flows.serve.main([str(SAMPLE_DIR), "--processed-root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert ("Erreur : le serveur Prefect de PREFECT_API_URL (http://127.0.0.1:9/api) ne répond pas : "
            "démarrez-le (prefect server start)") in err
    assert "Traceback" not in err
