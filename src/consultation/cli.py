"""The `consultation` command: a thin layer over the library that turns errors into messages."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from consultation.errors import ConsultationError, is_interrupt
from consultation.paths import DEFAULT_PROCESSED, DEFAULT_RAW, SAMPLE_NAME


class _Commands:
    """How many commands are running in this process, and whether one has started.

    The console script (`console`) lets Ctrl+C interrupt a command, and ignores it once the command is
    over: its work is committed and its summary printed, and a Ctrl+C that lands while Python shuts
    down must not turn that into "killed by a signal" (exit -2, which a scheduler reports as a
    failed run) or into click's "Aborted!" (exit 1).
    """

    started = False
    running = 0


def _on_sigint(signum: int, frame: Any) -> None:
    if _Commands.started and not _Commands.running:
        return  # the command is over: what it did stands
    raise KeyboardInterrupt


def _friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input becomes a clear message and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _Commands.started = True
        _Commands.running += 1
        try:
            try:
                return func(*args, **kwargs)
            finally:
                _Commands.running -= 1
        except ConsultationError as exc:
            click.secho(f"Erreur : {exc}", fg="red", err=True)
            sys.exit(2)
        except (KeyboardInterrupt, Exception) as exc:
            if not is_interrupt(exc):
                raise
            # Ctrl+C, maybe inside a DuckDB query (opening the base, a tally, a report's query).
            # Writes to the base run in transactions, rolled back on the way out: nothing half-written.
            # The Ctrl+C may also land once the work is committed (while the summary prints): the
            # message holds in both cases.
            click.secho(
                "Interrompu (Ctrl+C) : rien n'est resté à moitié écrit dans la base (une écriture en "
                "cours est annulée, ce qui était enregistré reste). Relancez la même commande pour terminer.",
                fg="yellow", err=True,
            )
            sys.exit(130)

    return wrapper


def _default_consultation() -> Path:
    return DEFAULT_RAW / SAMPLE_NAME


consultation_arg = click.argument(
    "consultation_dir", required=False, type=click.Path(path_type=Path, file_okay=False)
)
out_option = click.option(
    "--out", "processed_root", type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_PROCESSED, show_default=True, help="Dossier des sorties (base DuckDB, graphiques, rapports).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Codage thématique des réponses libres d'une consultation, décomptes et rapports régionaux.

    Exemple : consultation run data/raw/segur-2020-sample
    """


@main.command()
@consultation_arg
@out_option
@_friendly
def run(consultation_dir: Path | None, processed_root: Path) -> None:
    """Tout le traitement : ingestion, codage, décomptes, graphiques, rapports.

    Sans argument, traite l'échantillon fourni (data/raw/segur-2020-sample).

    Exemple : consultation run data/raw/ma-consultation --out data/processed
    """
    from consultation.pipeline import run as run_pipeline

    folder = consultation_dir or _default_consultation()
    click.echo(f"Consultation : {folder}")
    result = run_pipeline(folder, processed_root=processed_root)
    _print_files(result.files)
    click.echo(
        f"Lignes lues : {result.rows_read} ; ingérées : {result.rows_ingested} ; "
        f"en quarantaine : {result.rows_quarantined} ; répondants en base : {result.respondents}"
    )
    if result.coding:
        sources = ", ".join(f"{k} : {v}" for k, v in sorted(result.coding.by_source.items()))
        click.echo(
            f"Codage : {result.coding.units} unités codées automatiquement ({sources}), "
            f"{result.coding.human_coded_answers} réponses codées à la main (prioritaires), "
            f"{result.coding.needs_review} à revoir"
        )
    click.echo("Fichiers écrits :")
    click.echo(f"  base DuckDB      {result.paths.db}")
    click.echo(f"  graphiques       {result.paths.charts}/ ({len(result.charts)} fichiers)")
    click.echo(f"  rapports         {result.paths.reports}/ ({len(result.reports)} fichiers)")
    if getattr(result, "index", None):
        click.echo(f"  sommaire         {result.index}")


def _print_files(files: list) -> None:
    for f in files:
        label = {"ingested": "ingéré", "unchanged": "inchangé, ignoré", "failed": "échec"}.get(f.status, f.status)
        detail = f" ({f.rows_ingested} lignes, {f.rows_quarantined} en quarantaine)" if f.status == "ingested" else ""
        click.echo(f"  {f.path.name} : {label}{detail}")
        for warning in f.warnings:
            click.secho(f"    attention : {warning}", fg="yellow")


# Command groups of each stage register themselves on `main` (one module per stage).
from consultation.commands import coding as _coding  # noqa: E402, F401
from consultation.commands import ingest as _ingest  # noqa: E402, F401
from consultation.commands import publish as _publish  # noqa: E402, F401
from consultation.commands import tallies as _tallies  # noqa: E402, F401


def console() -> None:
    """The console script: `main`, with Ctrl+C handled as `_Commands` says (main thread only).

    Python itself resets a handler to the default for its shutdown, but leaves an ignored signal
    ignored: once `main` is over, SIGINT is ignored.
    """
    ours = threading.current_thread() is threading.main_thread() and (
        signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )
    if ours:
        signal.signal(signal.SIGINT, _on_sigint)
    try:
        main()
    finally:
        if ours:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":  # pragma: no cover
    console()
