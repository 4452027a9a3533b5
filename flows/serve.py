"""Serve the nightly run of one or more consultations: `python -m flows.serve [FOLDER ...]`.

One deployment per consultation folder, named after the consultation id, scheduled every night
at 02:00 Europe/Paris; runs execute in this process while it is up (stop it with Ctrl+C). Trigger
one by hand with `prefect deployment run 'consultation-nightly/<consultation id>'`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from prefect import serve
from prefect.schedules import Cron

from consultation.codebook import load_consultation
from consultation.errors import ConsultationError
from consultation.store.paths import DEFAULT_PROCESSED, DEFAULT_RAW, SAMPLE_NAME
from flows.nightly import nightly

NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Europe/Paris"


def deployments(folders: list[Path], processed_root: Path, cron: str, timezone: str) -> list:
    """A deployment per consultation, with absolute paths so runs do not depend on a directory."""
    out = []
    for folder in folders:
        consultation = load_consultation(folder)
        out.append(
            nightly.to_deployment(
                name=consultation.id,
                description=f"Traitement nocturne : {consultation.title}",
                schedules=[Cron(cron, timezone=timezone)],
                parameters={
                    "consultation_dir": str(folder.resolve()),
                    "processed_root": str(processed_root.resolve()),
                },
                tags=["consultation", consultation.id],
                # One run at a time per consultation: a manual run during the nightly one waits
                # for it instead of finding the database busy.
                concurrency_limit=1,
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flows.serve",
        description="Sert le traitement nocturne des consultations (planifié chaque nuit).",
        epilog="Exemple : python -m flows.serve data/raw/segur-2020-sample",
    )
    parser.add_argument(
        "folders", nargs="*", type=Path, default=[DEFAULT_RAW / SAMPLE_NAME],
        help="dossiers de consultation (défaut : l'échantillon)",
    )
    parser.add_argument("--processed-root", type=Path, default=DEFAULT_PROCESSED, help="dossier des sorties")
    parser.add_argument("--cron", default=NIGHTLY_CRON, help="planification cron (défaut : 0 2 * * *, 2 h du matin)")
    parser.add_argument("--timezone", default=TIMEZONE, help="fuseau horaire de la planification")
    args = parser.parse_args(argv)
    try:
        found = deployments(args.folders, args.processed_root, args.cron, args.timezone)
    except ConsultationError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    serve(*found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
