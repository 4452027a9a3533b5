"""`consultation ingest` and `consultation quarantine`: load exports, then see what was set aside."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from consultation.cli.base import _friendly, consultation_arg, consultation_folder, main, out_option
from consultation.cli.french import argument, option
from consultation.fmt import count, integer, plural
from consultation.ingest.core import FileReport

_SHEET_FIRST = re.compile(r"feuille « (?P<sheet>[^»]+) » : (?P<reason>.*)", re.S)

@main.command()
@consultation_arg
@out_option
@_friendly
def ingest(consultation_dir: Path | None, processed_root: Path) -> None:
    """Charge les exports d'une consultation dans la base, sans coder ni publier.

    Affiche, fichier par fichier, les lignes lues, ingérées et mises en quarantaine
    (toujours : lues = ingérées + quarantaine), les régions non reconnues avec leur ligne,
    puis le résultat des contrôles de la base. Relancer sur les mêmes fichiers ne change rien ;
    un export corrigé remplace les réponses des mêmes répondants.

    Exemple : consultation ingest data/raw/segur-2020-sample
    """
    from consultation import store
    from consultation.codebook import load_consultation
    from consultation.ingest.core import ingest_consultation, run_checks
    from consultation.store import queries
    from consultation.store.paths import OutputPaths

    folder = consultation_folder(consultation_dir)
    consultation = load_consultation(folder)
    paths = OutputPaths.for_consultation(processed_root, consultation.id)
    con = store.connect(paths.db)
    try:
        reports = ingest_consultation(con, consultation, folder)
        respondents = queries.respondent_count(con, consultation.id)
        failed = {name: rows for name, rows in run_checks(con).items() if len(rows)}
    finally:
        con.close()
    click.echo(f"Consultation : {folder}")
    print_reports(reports)
    read = sum(r.rows_read for r in reports if r.kind == "responses")
    ingested = sum(r.rows_ingested for r in reports if r.kind == "responses")
    quarantined = sum(r.rows_quarantined for r in reports if r.kind == "responses")
    unchanged = " (aucun fichier nouveau ou modifié)" if all(r.status == "unchanged" for r in reports) else ""
    click.echo(
        f"Lignes de réponses lues : {integer(read)} ; ingérées : {integer(ingested)} ; en quarantaine : {integer(quarantined)} ; "
        f"répondants en base : {integer(respondents)}{unchanged}"
    )
    if any(r.rows_quarantined for r in reports):
        click.echo(f"Lignes en quarantaine et leur motif : consultation quarantine {folder}")
    click.echo(f"Base : {paths.db}")
    if failed:
        for name, rows in failed.items():
            click.secho(f"Contrôle échoué : {name} ({count(len(rows), 'ligne')})", fg="red", err=True)
        sys.exit(1)
    click.echo("Contrôles de la base : tous réussis")


def print_reports(reports: list[FileReport]) -> None:
    """One block per file: status, counts, how it was read, warnings (French, for people)."""
    kinds = {"responses": "réponses", "human_codes": "codes humains"}
    for r in reports:
        if r.status == "unchanged":
            click.echo(f"  {r.path.name} ({kinds.get(r.kind, r.kind)}) : inchangé, ignoré — {r.message}")
            continue
        click.echo(
            f"  {r.path.name} ({kinds.get(r.kind, r.kind)}) : {count(r.rows_read, 'ligne lue', 'lignes lues')} = "
            f"{count(r.rows_ingested, 'ingérée')} + {integer(r.rows_quarantined)} en quarantaine ; "
            f"{count(r.respondents, 'répondant')}"
        )
        if r.read_as:
            click.echo(f"    lu comme : {r.read_as}")
        if r.hand_coded:
            click.echo(f"    codes donnés à la main, lus dans l'export : {integer(r.hand_coded)} réponse"
                       f"{'s' if r.hand_coded > 1 else ''} (le modèle apprend d'eux)")
        for warning in r.warnings:
            click.secho(f"    attention : {warning}", fg="yellow")


@main.command()
@consultation_arg
@out_option
@option("--exporter", "export_path", aliases=["--export"], type=click.Path(path_type=Path, dir_okay=False),
              help="Écrire aussi la liste dans ce fichier (.csv, .xlsx, .json ou .parquet).")
@_friendly
def quarantine(consultation_dir: Path | None, processed_root: Path, export_path: Path | None) -> None:
    """Liste les lignes mises de côté à l'ingestion, avec leur fichier, leur ligne et le motif.

    Seule la dernière version de chaque fichier compte : corrigez l'export puis relancez
    « consultation ingest ».

    Exemple : consultation quarantine data/raw/segur-2020-sample --exporter quarantaine.xlsx
    """
    from consultation import store
    from consultation.codebook import load_consultation
    from consultation.errors import ConsultationError
    from consultation.ingest.core import quarantined_rows
    from consultation.store.paths import OutputPaths

    folder = consultation_folder(consultation_dir)
    consultation = load_consultation(folder)
    paths = OutputPaths.for_consultation(processed_root, consultation.id)
    if not paths.db.exists():
        raise ConsultationError(f"{paths.db} : base introuvable ; lancez d'abord « consultation ingest {folder} »")
    con = store.connect(paths.db, read_only=True)
    try:
        rows = quarantined_rows(con, consultation.id)
    finally:
        con.close()
    if rows.empty:
        click.echo("Aucune ligne en quarantaine.")
        return
    click.echo(f"{integer(len(rows))} ligne{'s' if len(rows) > 1 else ''} en quarantaine :")
    for r in rows.itertuples(index=False):
        # a row of a workbook read from several sheets: its reason starts with its sheet
        sheet = _SHEET_FIRST.match(r.reason)
        where = f"feuille « {sheet['sheet']} », ligne {r.source_row}" if sheet else f"ligne {r.source_row}"
        click.echo(f"  {r.source_file}, {where} : {sheet['reason'] if sheet else r.reason}")
    if export_path:
        from consultation.exports import write_table

        out = rows.assign(contenu=[_short(j) for j in rows["raw_json"]]).drop(columns="raw_json")
        out.columns = ["fichier", "ligne", "motif", "contenu"]
        try:
            write_table(out, export_path)
        except ValueError as exc:
            raise ConsultationError(f"{export_path} : {exc}") from None
        click.echo(f"Liste écrite dans {export_path}")


def _short(raw_json: str) -> str:
    """The row's non-empty cells, as 'header: value' pairs, for a spreadsheet cell."""
    cells = json.loads(raw_json)
    return " | ".join(f"{k} : {v}" for k, v in cells.items() if str(v).strip())


@main.command("init")
@argument("export", metavar="EXPORT", type=click.Path(path_type=Path, dir_okay=False))
@argument("folder", metavar="[DOSSIER]", required=False, type=click.Path(path_type=Path, file_okay=False))
@option("--feuille", "sheet", default=None, help=("Classeur : nom de la seule feuille à lire, à chaque import aussi (par défaut : la première "
                   "feuille visible qui porte le tableau, et les suivantes aux mêmes en-têtes)."))
@_friendly
def init_command(export: Path, folder: Path | None, sheet: str | None) -> None:
    """Écrit un premier consultation.yaml à partir d'un export, à relire.

    Reconnaît les colonnes du répondant (identifiant, région, structure), prend pour questions
    ouvertes les colonnes de réponses rédigées et propose leurs thèmes d'après les mots que
    partagent leurs réponses (libellés à renommer). L'export est copié dans DOSSIER (par défaut,
    le dossier de l'export), jamais modifié ; un consultation.yaml existant n'est jamais remplacé.

    Exemple : consultation init export-enquete.xlsx data/raw/ma-consultation
    """
    from consultation.draft import incomplete_note, write_draft

    target = folder if folder is not None else export.parent
    draft = write_draft(export, target, sheet=sheet)
    click.echo(f"Brouillon écrit : {draft.yaml_path}")
    for said in draft.read:  # how the export was read: a title above the headers, a sheet left out…
        click.echo(f"  lecture : {said}")
    click.echo(f"  identifiant du répondant : {draft.id_note}")
    click.echo("  région : " + " puis ".join(f"« {h} »" for h in draft.region))
    if draft.structure_name or draft.structure_type:
        parts = [f"nom « {draft.structure_name} »" if draft.structure_name else "",
                 f"type « {draft.structure_type} »" if draft.structure_type else ""]
        click.echo("  structure : " + ", ".join(p for p in parts if p))
    themes = sum(len(q.themes) for q in draft.questions)
    click.echo(f"  {count(len(draft.questions), 'question')} à coder, {count(themes, 'thème proposé', 'thèmes proposés')} "
               "(libellés à renommer, mots-clés à compléter)")
    for qid, column, answers, coded in draft.hand_codes:
        click.echo(f"  codes donnés à la main : {column}, question {qid} : "
                   f"{count(answers, 'réponse codée', 'réponses codées')}, "
                   f"{count(coded, 'thème repris tel quel', 'thèmes repris tels quels')} ; le modèle apprend d'eux")
    if draft.hand_codes:
        click.echo("  (relus à chaque import : les codes ajoutés ou corrigés plus tard dans l'export sont "
                   "pris ; renommez les libellés à votre guise, gardez les identifiants des thèmes : ils lisent les codes)")
    if draft.incomplete:
        click.echo(f"  {incomplete_note(draft.incomplete)}")
    if draft.testimonies:
        n = len(draft.testimonies)
        click.echo(f"  {count(n, 'question gardée', 'questions gardées')} comme {plural(n, 'témoignage')}, "
                   "sans regroupement net")
    # One line per reason: a tool's dozen metadata columns would otherwise repeat it a dozen times.
    reasons: dict[str, list[str]] = {}
    for header, why in draft.ignored:
        reasons.setdefault(why, []).append(header)
    for why, headers in reasons.items():
        named = ", ".join(f"« {h} »" for h in headers)
        if len(headers) == 1:
            click.echo(f"  colonne ignorée {named} : {why}")
        else:
            click.echo(f"  {integer(len(headers))} colonnes ignorées : {why}\n    {named}")
    click.echo(f"Relisez le fichier, puis : consultation run {draft.folder}")
