"""`consultation charts` and `consultation report`: publications regenerated from the database.

Thin layer over `consultation.publish.report.publish`: a report author who corrected a code, changed the
number of testimonies or wants only the Word files reruns this, not the whole pipeline.
"""

from __future__ import annotations

from pathlib import Path

import click

from consultation.cli.base import _friendly, main
from consultation.cli.french import argument, option

# The output-folder option is the same on every command: defined once, with the tally commands.
from consultation.cli.tallies import out_root_option as out_option
from consultation.codebook import Consultation
from consultation.fmt import count
from consultation.publish.disclosure import DEFAULT_THRESHOLD
from consultation.store.paths import SAMPLE_NAME, OutputPaths

path_arg = argument("path", required=False, metavar="[CHEMIN]", type=click.Path(path_type=Path))
threshold_option = option(
    "--seuil", "threshold", aliases=["--threshold"], type=click.IntRange(min=1), default=DEFAULT_THRESHOLD, show_default=True,
    help="Secret statistique : un effectif régional de 1 à N-1 répondants est masqué (« s ») dans les rapports.",
)


def locate(path: Path | None, processed_root: Path) -> tuple[Consultation, OutputPaths]:
    """PATH as `consultation.store.paths.locate` reads it (without PATH, the sample's outputs).

    From a raw folder the questionnaire is read from consultation.yaml; otherwise from the
    database, which keeps the codebook of the last run.
    """
    from consultation.store.paths import locate as find

    location = find(path or processed_root / SAMPLE_NAME, processed_root)
    location.existing_db()
    return location.consultation(), location.outputs


@main.command("charts")
@path_arg
@threshold_option
@out_option
@_friendly
def charts_command(path: Path | None, threshold: int, processed_root: Path) -> None:
    """Régénère les graphiques depuis la base (PNG 300 dpi pour Word, SVG pour l'impression).

    Par question : le graphique national des thèmes (comme dans les documents de 2020) et, par
    région d'au moins N répondants, la part des répondants citant chaque thème dans la région et
    dans la France entière. CHEMIN : dossier de la consultation (data/raw/…), dossier de sorties
    (data/processed/…) ou fichier consultation.duckdb ; sans CHEMIN, l'échantillon.

    Exemple : consultation charts data/raw/segur-2020-sample
    """
    from consultation import api
    from consultation.publish.report import MEMORY_FILE, load_memory, write_charts

    consultation, paths = locate(path, processed_root)
    con = api.connect(paths.db, read_only=True)
    try:
        written = write_charts(con, consultation, paths.charts, threshold=threshold,
                               previous=load_memory(paths.root / MEMORY_FILE))
    finally:
        con.close()
    regional = [p for p in written if p.parent != paths.charts]
    click.echo(f"Graphiques écrits dans {paths.charts}/ : "
               f"{count(len(written) - len(regional), 'fichier national', 'fichiers nationaux')}, "
               f"{count(len(regional), 'fichier régional', 'fichiers régionaux')} (PNG et SVG).")


@main.command("report")
@path_arg
@option("--temoignages", "-n", "max_quotes", aliases=["--max-quotes"], type=click.IntRange(min=0), default=4, show_default=True,
              help="Témoignages au plus par thème et par région.")
@option("--format", "formats", type=click.Choice(["html", "docx", "md", "pdf"]), multiple=True,
              help="Format à écrire, option à répéter pour en écrire plusieurs ; par défaut les quatre (le PDF est "
                   "rendu depuis la page web).")
@option("--garder-graphiques", "reuse_charts", aliases=["--reuse-charts"], is_flag=True,
              help="Garde les graphiques déjà produits au lieu de les redessiner (plus rapide).")
@option("--sans-detection-noms", "no_ner", aliases=["--no-ner"], is_flag=True,
              help="Sans reconnaissance automatique des noms de personnes (les courriels, téléphones, "
                   "adresses, liens et noms de structures restent masqués). Déconseillé avant publication.")
@threshold_option
@out_option
@_friendly
def report_command(
    path: Path | None, max_quotes: int, formats: tuple[str, ...], reuse_charts: bool, no_ner: bool,
    threshold: int, processed_root: Path,
) -> None:
    """Régénère les rapports depuis la base : un par région et une synthèse nationale.

    Chaque rapport existe en page web autonome (HTML), en document Word (DOCX) et en Markdown,
    avec les graphiques et des témoignages anonymisés ; une page index.html les liste tous.
    CHEMIN : dossier de la consultation (data/raw/…), dossier de sorties (data/processed/…) ou
    fichier consultation.duckdb ; sans CHEMIN, l'échantillon.

    Exemple : consultation report data/raw/segur-2020-sample --temoignages 3 --format docx
    """
    from consultation import api
    from consultation.publish.report import FORMATS, publish

    consultation, paths = locate(path, processed_root)
    ner = None
    if not no_ner:
        from consultation.publish.redact import load_ner

        ner = load_ner()
    con = api.connect(paths.db, read_only=True)
    try:
        published = publish(
            con, consultation, paths, ner=ner, max_quotes=max_quotes, threshold=threshold,
            formats=formats or FORMATS, charts=not reuse_charts,
        )
    finally:
        con.close()
    if published.charts:
        click.echo(f"Graphiques : {count(len(published.charts), 'fichier')} dans {paths.charts}/")
    click.echo(f"Rapports : {count(len(published.reports), 'fichier')} dans {paths.reports}/")
    click.echo(f"Index : {published.index}")
    for warning in published.warnings:
        click.secho(f"attention : {warning}", fg="yellow")
