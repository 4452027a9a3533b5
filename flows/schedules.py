"""Schedules as a federation writes them, checked the way the Prefect server's scheduler reads them.

A cron that Prefect's deployment accepts can still never fire, or fire sixty times a night: the
server's scheduler computes the runs later, alone, and says nothing to whoever typed the schedule.
So `flows.serve` reads the schedule here before serving:

- the time zone: an IANA name, whatever its case or surrounding spaces (« europe/paris » is
  Europe/Paris); otherwise an error that suggests the zones named like it (« Paris », « Réunion »);
- the cron: spaces collapsed, French day and month names read as cron's (« lun-ven », « déc »);
- the runs themselves, computed by the server's own schedule class (`prefect.server.schemas`): a
  cron with no date (« 0 2 30 2 * », the 30th of February) is refused; one that fires several
  times within a minute (a sixth field is read as the seconds: « 0 0 2 * * * », copied from a
  seconds-first cron, fires every second of midnight on the 2nd) or that reads its day of the
  month OR its day of the week (cron's rule when both are given) gets a warning;
- the next runs are printed in French, in the schedule's time zone, so that what will happen is
  seen when it is set, not discovered the morning after.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
import itertools
import re
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

from prefect.client.schemas.schedules import CronSchedule
from prefect.server.schemas.schedules import CronSchedule as ServerCronSchedule
from pydantic import ValidationError

from consultation.ingest.numfmt import DAYS, MONTHS
from consultation.text import fold

EXAMPLE_CRON = "0 2 * * *"
EXAMPLE_TIMEZONE = "Europe/Paris"
SHOWN_RUNS = 3
_BURST = dt.timedelta(seconds=60)
_LOOKED_AT = 20  # runs computed to judge a schedule's rhythm

# cron's English names, and the French a federation writes (with or without accents, a dot,
# abbreviated or in full), for the day-of-week and month fields.
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_FRENCH_DAYS = {fold(name): _DAYS[i] for i, name in enumerate(DAYS)} | {
    fold(name[:3]): _DAYS[i] for i, name in enumerate(DAYS)
}
_FRENCH_MONTHS = {fold(name): _MONTHS[i] for i, name in enumerate(MONTHS)} | {
    "janv": "jan", "fev": "feb", "fevr": "feb", "avr": "apr", "juil": "jul", "aou": "aug",
    "sept": "sep", "dec": "dec",
}
_WORD = re.compile(r"[^\W\d_]+\.?")


class ScheduleError(ValueError):
    """A schedule that cannot serve, with the French message for the option that set it."""


@dataclass(frozen=True)
class Schedule:
    cron: str  # as Prefect reads it
    timezone: str  # the canonical IANA name
    runs: tuple[dt.datetime, ...]  # the next runs, in `timezone`
    warnings: tuple[str, ...]


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Every IANA zone by its case-folded name."""
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def timezone(value: str) -> str:
    """The IANA zone `value` names (case and surrounding spaces aside), or a ScheduleError."""
    cleaned = value.strip()
    found = _zones().get(cleaned.casefold())
    if found:
        return found
    # « Paris », « la Réunion », « Europe / Paris »: the zones whose last part reads the same.
    wanted = re.sub(r"[^a-z]", "", fold(cleaned.split("/")[-1]).removeprefix("la "))
    by_city = {re.sub(r"[^a-z]", "", fold(name.rsplit("/", 1)[-1])): name
               for name in _zones().values() if "/" in name and not name.startswith(("Etc/", "SystemV/"))}
    close = [by_city[w] for w in difflib.get_close_matches(wanted, list(by_city), n=3, cutoff=0.8)] if wanted else []
    hint = f" ; vouliez-vous dire {' ou '.join(close)} ?" if close else f" (exemple : {EXAMPLE_TIMEZONE})"
    raise ScheduleError(f"« {value} » n'est pas un fuseau horaire{hint}")


def _translate(field: str, names: dict[str, str]) -> str:
    """A cron field with the French names of `names` replaced by cron's."""
    def one(match: re.Match) -> str:
        word = fold(match.group(0).rstrip("."))
        return names.get(word, match.group(0))
    return _WORD.sub(one, field)


def cron(value: str) -> str:
    """`value` with its spaces collapsed and French day and month names read as cron's."""
    fields = value.split()
    if len(fields) in (5, 6):
        fields[3] = _translate(fields[3], _FRENCH_MONTHS)
        fields[4] = _translate(fields[4], _FRENCH_DAYS)
    return " ".join(fields)


def when(moment: dt.datetime) -> str:
    """« lundi 7 décembre 2026 à 2 h 00 » (the seconds when they are not zero)."""
    text = f"{DAYS[moment.weekday()]} {moment.day} {MONTHS[moment.month - 1]} {moment.year} à {moment.hour} h {moment.minute:02d}"
    return f"{text} min {moment.second:02d} s" if moment.second else text


def check(value: str, zone: str, now: dt.datetime | None = None) -> Schedule:
    """The schedule `value` in `zone` (already checked by `timezone`) as the server will run it,
    or a ScheduleError whose message names the cron."""
    read = cron(value)
    try:
        CronSchedule(cron=read, timezone=zone)
        server = ServerCronSchedule(cron=read, timezone=zone)
    except ValidationError:
        count = len(read.split())
        hint = (f" : elle a {count} champs ; cron en lit 5 (minute, heure, jour du mois, mois, jour de "
                "la semaine), et Prefect lit un sixième comme les secondes" if count > 5 else "")
        raise ScheduleError(f"« {value} » n'est pas une planification cron{hint} (exemple : {EXAMPLE_CRON})") from None
    start = now or dt.datetime.now(dt.UTC)
    try:
        dates = asyncio.run(server.get_dates(n=_LOOKED_AT, start=start))
        runs = [r.astimezone(zoneinfo.ZoneInfo(zone)) for r in dates]
    except ValueError:  # croniter's errors (Prefect's vendored copy): no date matches, the 30th of February
        runs = []
    if not runs:
        raise ScheduleError(
            f"« {value} » ne se déclenche jamais : aucune date ne correspond (exemple : {EXAMPLE_CRON})"
        )
    warnings = []
    gaps = [b - a for a, b in itertools.pairwise(runs)]
    if gaps and min(gaps) < _BURST:
        warnings.append(
            f"« {value} » se déclenche plusieurs fois dans la même minute ({when(runs[0])}, "
            f"{when(runs[1])}…) : un sixième champ est lu comme les secondes. Pour chaque nuit à "
            f"2 h : {EXAMPLE_CRON}"
        )
    fields = read.split()
    if len(fields) >= 5 and fields[2] not in ("*", "?") and fields[4] not in ("*", "?"):
        warnings.append(
            f"« {value} » se déclenche les jours du mois indiqués OU les jours de la semaine "
            "indiqués (règle de cron quand les deux sont donnés), pas seulement quand les deux coïncident"
        )
    return Schedule(read, zone, tuple(runs), tuple(warnings))


def announce(name: str, schedule: Schedule) -> str:
    """The next runs of `schedule`, in French, for the person who set it."""
    runs = " ; ".join(when(r) for r in schedule.runs[:SHOWN_RUNS])
    return f"{name} : prochaines exécutions {runs} ({schedule.timezone})."
