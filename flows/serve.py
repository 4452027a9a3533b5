"""Serve the nightly run of one or more consultations: `python -m flows.serve [FOLDER ...]`.

Two deployments per consultation folder, named after the consultation id; runs execute in this
process while it is up (stop it with Ctrl+C). Against the server of `PREFECT_API_URL`, or, when
none is set, a local one it starts and stops (`flows.local_server`: Prefect's temporary server runs
no scheduler). The schedules are checked first (`flows.schedules`).

- `consultation-nightly/<id>`, every night at 02:00 Europe/Paris: ingestion, coding, corrected
  counts, tallies (the database analysts query);
- `consultation-reporting/<id>`, the publication (charts and reports), at 06:00 by default
  (`--publication-cron`): « nuit » publishes within the night's run instead, « manuelle » leaves
  it unscheduled, to be run by hand from the UI or with
  `prefect deployment run 'consultation-reporting/<id>'`.

The publication is its own run because at national scale it costs minutes whatever the night
brought (every regional report carries the national counts), where the night's data work costs
seconds; a publication that fails does not fail the night; and authors choose when reports change.
"""

from __future__ import annotations

import sys
from pathlib import Path

from prefect import serve
from prefect.schedules import Cron

from consultation.codebook import load_consultation
from consultation.errors import ConsultationError
from consultation.store.paths import DEFAULT_PROCESSED, DEFAULT_RAW, SAMPLE_NAME
from flows import local_server, schedules
from flows.arguments import FrenchParser
from flows.nightly import nightly
from flows.reporting_flow import reporting_flow

NIGHTLY_CRON = "0 2 * * *"
PUBLICATION_CRON = "0 6 * * *"
WITH_THE_NIGHT = "nuit"
BY_HAND = "manuelle"
TIMEZONE = "Europe/Paris"


def deployments(
    folders: list[Path], processed_root: Path, cron: str, timezone: str,
    publication_cron: str = PUBLICATION_CRON,
) -> list:
    """Per consultation, the night's deployment and the publication's, with absolute paths so
    runs do not depend on a directory. `publication_cron`: a cron, `WITH_THE_NIGHT` or `BY_HAND`."""
    out = []
    seen: dict[str, Path] = {}
    # A folder named twice (or once by its consultation.yaml) is served once.
    unique: dict[Path, Path] = {}
    for given in folders:
        resolved = given.resolve()
        unique.setdefault(resolved.parent if resolved.is_file() else resolved, resolved)
    for folder in unique.values():
        consultation = load_consultation(folder)
        if consultation.id in seen:
            # Same deployment names (Prefect keeps the last) and the same outputs: one consultation
            # would never run, or both would fill one database.
            raise ConsultationError(
                f"{seen[consultation.id]} et {folder} déclarent la même consultation "
                f"« {consultation.id} » : chaque consultation servie doit avoir son propre identifiant "
                "(champ id de consultation.yaml)"
            )
        seen[consultation.id] = folder
        parameters = {
            "consultation_dir": str(folder.resolve()),
            "processed_root": str(processed_root.resolve()),
        }
        # One run at a time per deployment: a manual run during the nightly one waits for it. The
        # night and the publication exclude each other through the consultation's lock (flows.locks).
        out.append(
            nightly.to_deployment(
                name=consultation.id,
                description=f"Traitement nocturne : {consultation.title}",
                schedules=[Cron(cron, timezone=timezone)],
                parameters={**parameters, "publish": publication_cron == WITH_THE_NIGHT},
                tags=["consultation", consultation.id],
                concurrency_limit=1,
            )
        )
        scheduled = publication_cron not in (WITH_THE_NIGHT, BY_HAND)
        out.append(
            reporting_flow.to_deployment(
                name=consultation.id,
                description=f"Publication (graphiques et rapports) : {consultation.title}",
                schedules=[Cron(publication_cron, timezone=timezone)] if scheduled else [],
                parameters=parameters,
                tags=["consultation", consultation.id],
                concurrency_limit=1,
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = FrenchParser(
        prog="python -m flows.serve", add_help=False,
        description=(
            "Sert le traitement nocturne des consultations (planifié chaque nuit) et leur "
            "publication (graphiques et rapports, planifiée à part)."
        ),
        epilog="Exemple : python -m flows.serve data/raw/segur-2020-sample",
    )
    parser.add_argument(
        "folders", nargs="*", type=Path, default=[DEFAULT_RAW / SAMPLE_NAME], metavar="DOSSIER",
        help="dossiers de consultation (défaut : l'échantillon)",
    )
    parser.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    parser.add_argument("--processed-root", type=Path, default=DEFAULT_PROCESSED, metavar="DOSSIER",
                        help="dossier des sorties (défaut : %(default)s ; la variable CONSULTATION_PROCESSED le change)")
    parser.add_argument("--cron", default=NIGHTLY_CRON, help="planification cron (défaut : 0 2 * * *, 2 h du matin)")
    parser.add_argument(
        "--publication-cron", default=PUBLICATION_CRON, metavar="CRON",
        help=(
            "planification de la publication (graphiques et rapports), défaut : 0 6 * * *, 6 h du "
            f"matin ; « {WITH_THE_NIGHT} » : dans l'exécution de la nuit ; « {BY_HAND} » : "
            "seulement à la demande"
        ),
    )
    parser.add_argument("--timezone", default=TIMEZONE, metavar="FUSEAU", help="fuseau horaire des planifications (défaut : Europe/Paris)")
    args = parser.parse_args(argv)
    try:
        zone = schedules.timezone(args.timezone)
    except schedules.ScheduleError as exc:
        parser.error(f"--timezone : {exc}")
    checked = {}
    for option, value in (("--cron", args.cron), ("--publication-cron", args.publication_cron)):
        if option == "--publication-cron" and value in (WITH_THE_NIGHT, BY_HAND):
            continue
        try:
            checked[option] = schedules.check(value, zone)
        except schedules.ScheduleError as exc:
            parser.error(f"{option} : {exc}")
    publication_cron = checked["--publication-cron"].cron if "--publication-cron" in checked else args.publication_cron
    try:
        found = deployments(args.folders, args.processed_root, checked["--cron"].cron, zone, publication_cron)
    except ConsultationError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    for option, name in (("--cron", "Traitement nocturne"), ("--publication-cron", "Publication")):
        if option in checked:
            for warning in checked[option].warnings:
                print(f"Attention : {option} : {warning}", file=sys.stderr)
            print(schedules.announce(name, checked[option]))
    if publication_cron == BY_HAND:
        print("Publication : à la demande seulement (interface de Prefect ou prefect deployment run).")
    try:
        with local_server.server_for_schedules(args.processed_root) as api:
            live = local_server.served_elsewhere(api, [(d.flow_name, d.name) for d in found])
            if live:
                raise local_server.ServerError(
                    f"{', '.join(live)} : déjà servi{'s' if len(live) > 1 else ''} par un autre processus (flows.serve ou prefect "
                    "serve) sur ce serveur ; arrêtez-le d'abord (deux processus pour les mêmes "
                    "déploiements : l'arrêt de l'un met l'autre en pause), ou réessayez dans une minute "
                    "s'il vient de s'arrêter"
                )
            serve(*found)
    except local_server.ServerError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
