"""Check the work-pool way of running the nights: `python -m flows.check [prefect.yaml]`.

`prefect deploy --all` reads `prefect.yaml` as it is: a cron that never fires (« 0 2 31 4 * »), a
French day name that `flows.serve` reads but Prefect does not, a consultation folder that moved,
all deploy without a word, and the nights then simply do not happen. And once deployed, a work
pool with no worker leaves every night « Late » on the server, which nobody sees unless they open
the UI. So this command says, in French, before and after deploying:

- for each deployment of the file: its entry point and consultation folder (read as the night will
  read them), its schedules checked as the server's scheduler will read them (`flows.schedules`)
  and their next three runs;
- when a server is configured (`PREFECT_API_URL`) and answers: whether the work pool exists and a
  worker polls it, whether each deployment is deployed and not paused, and the runs left late.

Exit status: 0 nothing to fix; 1 the server shows a problem (no worker, late runs, not deployed,
paused); 2 the file itself must be fixed (or cannot be read). So a federation's own monitoring can
run it every morning.
"""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
import sys
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from consultation.codebook import load_consultation, load_yaml
from consultation.errors import ConsultationError
from flows import local_server, schedules
from flows.arguments import FrenchParser

DEFAULT_FILE = Path("prefect.yaml")
LATE_SHOWN = 3


@dataclass
class Report:
    """What the check found: lines to print, and the worst level (0 fine, 1 server, 2 file)."""

    lines: list[str] = field(default_factory=list)
    level: int = 0

    def say(self, text: str) -> None:
        self.lines.append(text)

    def problem(self, text: str, level: int) -> None:
        self.lines.append(f"  Problème : {text}")
        self.level = max(self.level, level)


@dataclass
class Deployment:
    name: str
    entrypoint: str
    flow_name: str | None
    work_pool: str | None


def _read_file(path: Path) -> list[dict[str, Any]]:
    try:
        data = load_yaml(path)  # the consultation files' reader: encodings, limits, errors in French
    except FileNotFoundError:
        raise ConsultationError(f"{path} : fichier introuvable") from None
    found = data.get("deployments") if isinstance(data, dict) else None
    if not isinstance(found, list) or not found:
        raise ConsultationError(f"{path} : aucune liste « deployments » dans le fichier")
    return found


def _flow_name(entrypoint: str, base: Path, report: Report) -> str | None:
    """The flow's name behind `path/to/file.py:function`, read from the file as `prefect deploy`
    will find it: the function, and the `name=` of its `@flow` decorator (Prefect's default: the
    function's name, « _ » read as « - »). Read, not imported: a check runs none of the flows' code
    (and importing them would set Prefect's logging up as a side effect)."""
    file, _, function = entrypoint.rpartition(":")
    path = base / file
    if not file or not function or not path.is_file():
        report.problem(f"point d'entrée « {entrypoint} » introuvable (attendu : fichier.py:fonction, "
                       f"relatif à {base})", 2)
        return None
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
        report.problem(f"point d'entrée « {entrypoint} » illisible ({type(exc).__name__} : {exc})", 2)
        return None
    found = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function]
    if not found:
        report.problem(f"point d'entrée « {entrypoint} » illisible : aucune fonction « {function} » dans {file}", 2)
        return None
    for decorator in found[-1].decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call else decorator
        if (isinstance(target, ast.Name) and target.id == "flow") or (isinstance(target, ast.Attribute) and target.attr == "flow"):
            for keyword in call.keywords if call else []:
                if keyword.arg == "name":
                    return keyword.value.value if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str) else None
            return function.replace("_", "-")
    report.problem(f"point d'entrée « {entrypoint} » : la fonction « {function} » n'est pas un flow Prefect (@flow)", 2)
    return None


def _check_schedule(given: Any, report: Report) -> None:
    if not isinstance(given, dict) or not {"cron", "interval", "rrule"} & set(given):
        kind = ", ".join(map(str, given)) if isinstance(given, dict) else type(given).__name__
        report.problem(f"planification illisible ({kind}) : attendu cron, interval ou rrule", 2)
        return
    zone = str(given.get("timezone") or "UTC")
    try:
        read_zone = schedules.timezone(zone)
    except schedules.ScheduleError as exc:
        report.problem(str(exc), 2)
        return
    # flows.serve reads these spellings; `prefect deploy` takes the file's text as it is.
    if read_zone != zone:
        report.problem(f"fuseau « {zone} » : Prefect ne le lit pas ainsi ; écrivez « {read_zone} »", 2)
    if "cron" not in given:
        _check_other_schedule(given, read_zone, report)
        return
    cron = str(given["cron"])
    try:
        checked = schedules.check(cron, read_zone)
    except schedules.ScheduleError as exc:
        report.problem(str(exc), 2)
        return
    if checked.cron != " ".join(cron.split()):
        report.problem(f"« {cron} » : Prefect ne lit pas les noms français ; écrivez « {checked.cron} »", 2)
    for warning in checked.warnings:
        report.say(f"  Attention : {warning}")
    report.say("  " + schedules.announce("Planification", checked))


def _check_other_schedule(given: dict, zone: str, report: Report) -> None:
    """An `interval` (seconds, from `anchor_date`) or an `rrule` schedule, read by the server's own
    classes as its scheduler will, with their next runs."""
    from prefect.server.schemas.schedules import IntervalSchedule, RRuleSchedule
    from pydantic import ValidationError

    now = dt.datetime.now(dt.UTC)
    server: Any
    if "interval" in given:
        written = f"interval: {given['interval']}"
        try:
            seconds = float(given["interval"])
            anchor = given.get("anchor_date")
            server = IntervalSchedule.model_validate(
                {"interval": dt.timedelta(seconds=seconds), "anchor_date": anchor or now, "timezone": zone})
        except (TypeError, ValueError, OverflowError, ValidationError):
            report.problem(f"« {written} » n'est pas un intervalle en secondes valide (exemple : 86400, un jour)", 2)
            return
        try:
            naive = anchor is not None and (anchor if isinstance(anchor, dt.datetime)
                                            else dt.datetime.fromisoformat(str(anchor))).tzinfo is None
        except ValueError:
            naive = False  # the server's own reading above accepted it
        if naive:
            report.say(
                f"  Attention : anchor_date « {anchor} » sans décalage horaire : Prefect la lit en UTC, "
                "pas dans le fuseau de la planification (écrivez par exemple 2026-01-01T02:00:00+01:00)")
        if not anchor:
            report.say(
                "  Attention : intervalle sans anchor_date : il part de l'heure du déploiement, pas de la nuit ; "
                f"pour chaque nuit à 2 h, écrivez cron: \"{schedules.EXAMPLE_CRON}\"")
    else:
        written = f"rrule: {given['rrule']}"
        try:
            server = RRuleSchedule(rrule=str(given["rrule"]), timezone=zone)
        except (ValueError, ValidationError):
            report.problem(f"« {written} » n'est pas une règle RRULE valide (exemple : FREQ=DAILY;BYHOUR=2;BYMINUTE=0)", 2)
            return
    try:
        runs = [r.astimezone(zoneinfo.ZoneInfo(zone)) for r in asyncio.run(server.get_dates(n=schedules.SHOWN_RUNS, start=now))]
    except (ValueError, OverflowError):
        runs = []
    if not runs:
        report.problem(f"« {written} » ne se déclenche jamais : aucune date ne correspond", 2)
        return
    report.say("  " + schedules.announce("Planification", schedules.Schedule(written, zone, tuple(runs), ())))


def check_file(path: Path, report: Report) -> list[Deployment]:
    """Each deployment of `path`, read as `prefect deploy` and the night will read it."""
    base = path.resolve().parent
    out = []
    for number, entry in enumerate(_read_file(path), start=1):
        if not isinstance(entry, dict):
            report.say(f"Déploiement {number} :")
            report.problem("ce n'est pas une liste de champs (name, entrypoint…)", 2)
            continue
        name = str(entry.get("name") or "")
        entrypoint = str(entry.get("entrypoint") or "")
        report.say(f"Déploiement {number} : {name or '(sans nom)'} ({entrypoint or 'sans point d’entrée'})")
        if not name:
            report.problem("champ name manquant", 2)
        flow_name = _flow_name(entrypoint, base, report) if entrypoint else None
        if not entrypoint:
            report.problem("champ entrypoint manquant", 2)
        parameters = entry.get("parameters") or {}
        folder = parameters.get("consultation_dir") if isinstance(parameters, dict) else None
        if folder:
            try:
                consultation = load_consultation(base / str(folder))
                report.say(f"  Consultation : {consultation.title} ({folder})")
            except ConsultationError as exc:
                report.problem(f"consultation_dir « {folder} » : {exc}", 2)
        for given in entry.get("schedules") or []:
            _check_schedule(given, report)
        if not entry.get("schedules"):
            report.say("  Aucune planification : à lancer à la main.")
        pool = entry.get("work_pool")
        pool_name = pool.get("name") if isinstance(pool, dict) else None
        if not pool_name:
            report.problem("aucun work_pool : prefect deploy le demandera, et aucun worker ne le lancera", 2)
        out.append(Deployment(name, entrypoint, flow_name, pool_name))
    return out


def _when(iso: str | None) -> str:
    if not iso:
        return "?"
    return schedules.when(dt.datetime.fromisoformat(iso).astimezone())


def check_server(api: str, found: list[Deployment], report: Report) -> None:
    """The deployments of `found` on the server `api`: pool and workers, deployed, paused, late."""
    api = api.rstrip("/")
    report.say(f"Serveur Prefect ({api}) :")
    for pool in sorted({d.work_pool for d in found if d.work_pool}):
        response = httpx.get(f"{api}/work_pools/{pool}", timeout=10)
        if response.status_code == 404:
            report.problem(f"le work pool « {pool} » n'existe pas : prefect work-pool create {pool} --type process", 1)
            continue
        response.raise_for_status()
        status = response.json().get("status")
        if status == "PAUSED":
            report.problem(f"le work pool « {pool} » est en pause : prefect work-pool resume {pool}", 1)
        elif status != "READY":
            report.problem(
                f"aucun worker n'interroge le work pool « {pool} » : les nuits ne seront pas lancées et "
                f"resteront en retard ; démarrez-en un : prefect worker start --pool {pool}", 1)
        else:
            report.say(f"  Work pool « {pool} » : au moins un worker l'interroge.")
    for deployment in found:
        if not deployment.flow_name or not deployment.name:
            continue
        label = f"{deployment.flow_name}/{deployment.name}"
        response = httpx.get(f"{api}/deployments/name/{label}", timeout=10)
        if response.status_code == 404:
            report.problem(f"{label} n'est pas déployé sur ce serveur : prefect deploy --all", 1)
            continue
        response.raise_for_status()
        server_side = response.json()
        if server_side.get("paused"):
            report.problem(f"{label} est en pause (ses planifications ne créent plus d'exécution)", 1)
        late = httpx.post(f"{api}/flow_runs/filter", json={
            "flow_runs": {"deployment_id": {"any_": [server_side["id"]]}, "state": {"name": {"any_": ["Late"]}}},
            "sort": "EXPECTED_START_TIME_ASC", "limit": 200,
        }, timeout=10)
        late.raise_for_status()
        runs = late.json()
        if runs:
            shown = ", ".join(_when(r.get("expected_start_time")) for r in runs[:LATE_SHOWN])
            more = "…" if len(runs) > LATE_SHOWN else ""
            count = f"{len(runs)}{'+' if len(runs) == 200 else ''}"
            report.problem(f"{label} : {count} exécution{'s' if len(runs) > 1 else ''} en retard, "
                           f"prévue{'s' if len(runs) > 1 else ''} {shown}{more}", 1)
        else:
            report.say(f"  {label} : déployé, aucune exécution en retard.")


def main(argv: list[str] | None = None) -> int:
    parser = FrenchParser(
        prog="python -m flows.check", add_help=False,
        description=(
            "Vérifie prefect.yaml (points d'entrée, consultations, planifications) et, si un serveur "
            "Prefect est indiqué (PREFECT_API_URL), les work pools, les workers et les exécutions en retard."
        ),
        epilog="Code de sortie : 0 rien à corriger ; 1 problème sur le serveur ; 2 fichier à corriger.",
    )
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE, metavar="FICHIER",
                        help="fichier des déploiements (défaut : prefect.yaml)")
    parser.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    args = parser.parse_args(argv)
    report = Report()
    try:
        found = check_file(args.file, report)
    except ConsultationError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    url = local_server.configured_url()
    if not url:
        report.say("Aucun serveur Prefect indiqué (PREFECT_API_URL) : work pools, workers et retards non vérifiés.")
    elif not local_server.answers(url):
        report.problem(f"le serveur Prefect de PREFECT_API_URL ({url}) ne répond pas", 1)
    else:
        try:
            check_server(url, found, report)
        except httpx.HTTPError as exc:
            report.problem(f"le serveur Prefect ({url}) a mal répondu : {exc}", 1)
    print("\n".join(report.lines))
    verdict = {0: "Rien à corriger.", 1: "À corriger sur le serveur (ci-dessus).", 2: "À corriger dans le fichier (ci-dessus)."}
    print(verdict[report.level])
    return report.level


if __name__ == "__main__":
    sys.exit(main())
