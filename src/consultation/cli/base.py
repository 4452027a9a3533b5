"""The `consultation` group, its shared options and messages, and the `run` command.

The stage commands live beside it (one module per stage) and register on `main`;
`consultation.cli` imports them all, so every entry point sees the whole command.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from consultation.cli.french import FrenchGroup, argument, option
from consultation.errors import ConsultationError, is_interrupt
from consultation.fmt import count, integer
from consultation.store.paths import DEFAULT_PROCESSED, DEFAULT_RAW, SAMPLE_NAME


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


def consultation_folder(consultation_dir: Path | None) -> Path:
    """The consultation's raw folder (the sample's by default), found by the one resolver."""
    from consultation.store.paths import locate

    return locate(consultation_dir or _default_consultation()).require_folder()


consultation_arg = argument(
    "consultation_dir", required=False, metavar="[DOSSIER]", type=click.Path(path_type=Path)
)
out_option = option(
    "--sorties", "processed_root", aliases=["--out"], type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_PROCESSED, show_default=True, help="Dossier des sorties (base DuckDB, graphiques, rapports) ; par défaut, celui de la variable CONSULTATION_PROCESSED si elle est définie.",
)


@click.group(cls=FrenchGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Codage thématique des réponses libres d'une consultation, décomptes et rapports régionaux.

    Exemple : consultation run data/raw/segur-2020-sample

    Les options portent des noms français, sans accents, aux mots reliés par des tirets
    (--type-structure, --sorties). Les noms anglais des versions précédentes (--out,
    --threshold, --output…) restent acceptés. Aide d'une commande : consultation COMMANDE -h
    """


@main.command()
@consultation_arg
@out_option
@_friendly
def run(consultation_dir: Path | None, processed_root: Path) -> None:
    """Tout le traitement : ingestion, codage, décomptes, graphiques, rapports.

    Sans argument, traite l'échantillon fourni (data/raw/segur-2020-sample).

    Exemple : consultation run data/raw/ma-consultation --sorties data/processed
    """
    from consultation import run_summary
    from consultation.api import connect
    from consultation.codebook import load_consultation
    from consultation.pipeline import run as run_pipeline
    from consultation.store.paths import OutputPaths

    folder = consultation_folder(consultation_dir)
    click.echo(f"Consultation : {folder}")
    consultation_id = load_consultation(folder).id
    paths = OutputPaths.for_consultation(processed_root, consultation_id)
    outputs = [paths.charts, paths.reports]
    before = run_summary.snapshot(outputs, [paths.root / "index.html"])
    respondents_before = run_summary.respondents_before(paths.db, consultation_id)
    result = run_pipeline(folder, processed_root=processed_root)
    after = run_summary.snapshot(outputs, [result.index] if result.index else [])
    con = connect(result.paths.db, read_only=True)
    try:
        figures = run_summary.coding_figures(con, result.consultation.id)
    finally:
        con.close()
    print_run_summary(result, figures, result.respondents - respondents_before, run_summary.compare(before, after))


def print_run_summary(result: Any, figures: Any, added: int, outputs: Any) -> None:
    """What this run did: files, respondents, answers by source, to review, outputs."""
    click.echo("Fichiers lus :")
    _print_files(result.files)
    click.echo(
        f"Lignes de réponses lues : {integer(result.rows_read)} ; ingérées : {integer(result.rows_ingested)} ; "
        f"en quarantaine : {integer(result.rows_quarantined)} ; répondants en base : {integer(result.respondents)}"
    )
    click.echo(f"Répondants ajoutés par ce traitement : {integer(added)}")
    click.echo(f"Codage, {figures.phrase()} (les codes humains priment)")
    click.echo(
        f"À revoir : {count(figures.to_review, 'réponse codée', 'réponses codées')} automatiquement "
        "(consultation review export)"
    )
    change = getattr(result, "codebook_change", None)
    for line in change.lines() if change else []:
        click.echo(line)
    coding = result.coding
    if coding and coding.model_version:
        state = "entraîné par ce traitement" if coding.trained else "réutilisé (codes humains inchangés)"
        click.echo(f"Modèle {coding.model_version} : {state}")
    state = f"{count(outputs.written, 'réécrit')} (nouveaux ou modifiés), {count(outputs.unchanged, 'inchangé')}"
    if outputs.removed:
        state += f", {count(outputs.removed, 'supprimé')}"
    click.echo(f"Graphiques, rapports et sommaire : {state}")
    click.echo("Sorties :")
    click.echo(f"  base DuckDB      {result.paths.db}")
    click.echo(f"  graphiques       {result.paths.charts}/ ({count(len(result.charts), 'fichier')})")
    click.echo(f"  rapports         {result.paths.reports}/ ({count(len(result.reports), 'fichier')})")
    if getattr(result, "index", None):
        click.echo(f"  sommaire         {result.index}")
    for warning in getattr(result, "warnings", []):
        click.secho(f"attention : {warning}", fg="yellow")
    nothing_read = all(f.status == "unchanged" for f in result.files)
    if nothing_read and not added and not outputs.changed and not change:
        click.secho("Rien de nouveau : aucun fichier nouveau ou modifié, rapports et graphiques inchangés.",
                    fg="green")


def _print_files(files: list) -> None:
    for f in files:
        label = {"ingested": "ingéré", "unchanged": "inchangé, ignoré", "failed": "échec"}.get(f.status, f.status)
        detail = f" ({count(f.rows_ingested, 'ligne')}, {integer(f.rows_quarantined)} en quarantaine" if f.status == "ingested" else ""
        hand = int(getattr(f, "hand_coded", None) or 0)  # answers coded by hand in the export's own columns
        if detail and hand:
            detail += f", codes donnés à la main lus pour {count(hand, 'réponse')}"
        detail += ")" if detail else ""
        click.echo(f"  {f.path.name} : {label}{detail}")
        for warning in f.warnings:
            click.secho(f"    attention : {warning}", fg="yellow")


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

