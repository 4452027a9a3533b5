"""CLI of the coding stage: code, evaluate, estimate, export codings, review export/import, discover.

Thin: every command loads the consultation, opens its database and calls one library function
of consultation.coding; errors from the library become messages (exit code 2).
"""

from __future__ import annotations

from pathlib import Path

import click

from consultation import fmt
from consultation.cli.base import (
    _default_consultation,
    _friendly,
    consultation_arg,
    main,
    out_option,
)
from consultation.cli.french import argument, option
from consultation.errors import ConsultationError


def _open(consultation_dir: Path | None, processed_root: Path, *, must_exist: bool = True):
    """(raw folder, consultation, output paths, connection) for a consultation folder."""
    from consultation import store
    from consultation.store.paths import locate

    location = locate(consultation_dir or _default_consultation(), processed_root)
    folder = location.require_folder()
    if must_exist:
        location.existing_db()
    return folder, location.consultation(), location.outputs, store.connect(location.db)


def _lemmatizer():
    from consultation.text import Lemmatizer, load_nlp

    return Lemmatizer(load_nlp())


def _fr(value: float | None, digits: int = 2) -> str:
    return fmt.decimal(value, digits)


# --- consultation code ---------------------------------------------------------------------------


@main.command("code")
@consultation_arg
@out_option
@option("--reentrainer", "retrain", is_flag=True, help="Réentraîner même si les codes humains n'ont pas changé.")
@_friendly
def code_command(consultation_dir: Path | None, processed_root: Path, retrain: bool) -> None:
    """Code toutes les réponses : modèle entraîné sur les codes humains, règles, « Autres ».

    Charge d'abord les fichiers nouveaux ou modifiés du dossier (comme « consultation ingest »).
    Avec assez de réponses codées à la main, un modèle est entraîné par question (et réutilisé
    tant que ces codes ne changent pas) ; sinon les mots-clés du codebook codent seuls. Chaque
    code garde sa source (humain, modèle, règle) et sa confiance ; les codes humains priment.
    Calcule aussi les décomptes corrigés et l'accord avec les codeurs humains.

    Exemple : consultation code data/raw/ma-consultation
    """
    from consultation.coding.coder import code_and_evaluate
    from consultation.coding.model import ModelSettings
    from consultation.ingest.core import ingest_consultation
    from consultation.run_summary import coding_figures

    folder, consultation, paths, con = _open(consultation_dir, processed_root, must_exist=False)
    try:
        files = ingest_consultation(con, consultation, folder)
        new = [f for f in files if f.status == "ingested"]
        click.echo(f"Fichiers : {fmt.count(len(new), 'chargé')}, {fmt.count(len(files) - len(new), 'inchangé')}")
        summary = code_and_evaluate(con, consultation, _lemmatizer(), output_root=paths.root, retrain=retrain)
        figures = coding_figures(con, consultation.id)
    finally:
        con.close()
    settings = ModelSettings()
    click.echo(f"Codage, {figures.phrase()} (les codes humains priment)")
    click.echo(f"Codage automatique : {fmt.count(summary.units, 'unité')} (réponses, ou propositions pour les questions "
               "comptées en propositions) ; il ne compte que pour les réponses sans code humain")
    for question in consultation.questions:
        engine = summary.engines.get(question.id, "rules")
        n = summary.training_units.get(question.id, 0)
        how = "modèle + règles" if engine == "model" else (
            f"règles seules (moins de {fmt.count(settings.min_units, 'unité codée', 'unités codées')} à la main)" if n < settings.min_units
            else "règles seules (aucun thème avec assez d'exemples)"
        )
        click.echo(f"  {question.id} : {how} ; {fmt.count(n, 'unité codée', 'unités codées')} à la main")
    click.echo(
        f"À revoir : {fmt.count(figures.to_review, 'réponse codée', 'réponses codées')} automatiquement "
        f"(consultation review export {folder})"
    )
    if summary.model_version:
        state = "entraîné" if summary.trained else "réutilisé (codes humains inchangés)"
        click.echo(f"Modèle {summary.model_version} : {state} ; fichier {summary.model_path}")
    if summary.evaluation is not None:
        e = summary.evaluation
        click.echo(
            f"Accord avec les codeurs humains (validation croisée) : F1 micro {_fr(e.micro_f1)}, "
            f"kappa {_fr(e.kappa)} — détail : consultation evaluate {folder}"
        )
    click.echo(f"Décomptes corrigés : {fmt.count(summary.estimates, 'ligne')} (consultation estimate {folder})")


# --- consultation evaluate -----------------------------------------------------------------------


@main.command("evaluate")
@consultation_arg
@out_option
@option("--json", "as_json", is_flag=True, help="Résultat en JSON (pour les programmes).")
@option("--plis", "folds", type=click.IntRange(2, 20), default=None,
              help="Nombre de plis de la validation croisée (par défaut 5, ou 3 à partir de 2 000 "
                   "unités codées à la main).")
@option("--recalculer", "recompute", is_flag=True,
              help="Refaire la validation croisée même si elle est déjà enregistrée pour ces codes.")
@_friendly
def evaluate_command(
    consultation_dir: Path | None, processed_root: Path, as_json: bool, folds: int | None, recompute: bool
) -> None:
    """Accord du codage automatique avec les codeurs humains (validation croisée).

    Pour chaque question ayant des réponses codées à la main : F1 micro et macro, kappa de
    Cohen, et par thème précision, rappel, F1 et écart de décompte (codes prédits − codes
    humains), à côté de la référence « thème le plus fréquent ». Le résultat est enregistré
    dans la base (table evaluations) et repris par les rapports ; tant que les codes humains
    ne changent pas, il est relu au lieu d'être recalculé.

    Exemple : consultation evaluate data/raw/segur-2020-sample --json > accord.json
    """
    from consultation.coding.evaluate import (
        current_evaluation,
        evaluate_consultation,
        format_evaluation,
        store_evaluation,
    )
    from consultation.store import queries

    _, consultation, _, con = _open(consultation_dir, processed_root)
    try:
        has_codes = queries.training_unit_count(con, consultation.id)
        if not has_codes:
            raise ConsultationError(
                "aucune réponse codée à la main : impossible de mesurer l'accord. Codez-en quelques-unes "
                "(fichier de codes humains, ou « consultation review export » puis « review import »)."
            )
        evaluation = None if recompute else current_evaluation(con, consultation)
        if evaluation is None or (folds is not None and evaluation.n_folds != folds):
            evaluation = evaluate_consultation(con, consultation, _lemmatizer(), n_folds=folds)
            store_evaluation(con, evaluation)
    finally:
        con.close()
    click.echo(evaluation.to_json() if as_json else format_evaluation(evaluation, consultation))


# --- consultation estimate -----------------------------------------------------------------------


# The estimators as a user names them (`--estimateur`): French words without accents joined by
# hyphens, as the options are; accents, case, spaces and the internal English names are accepted.
ESTIMATOR_NAMES = {
    "calibre": "calibrated",
    "difference": "difference",
    "part-echantillon": "sample-share",
    "validation-croisee": "cross-fitted",
}
ESTIMATOR_HELP = (
    "Méthode de correction. calibre (par défaut) : probabilités calibrées, valable quelles que soient "
    "les réponses codées à la main ; ce sont les décomptes enregistrés, ceux des tableaux et des rapports. "
    "Les trois autres supposent que les réponses codées à la main sont tirées au hasard parmi toutes "
    "(pas choisies, ni par « export a-coder ») ; calculées à la demande, elles ne sont pas enregistrées : "
    "difference : prédictions du modèle corrigées de l'écart moyen mesuré sur les réponses codées ; "
    "part-echantillon : part de l'échantillon codé, sans modèle ; validation-croisee : comme difference, "
    "avec les modèles de la validation croisée (il faut un modèle entraîné depuis cette version, sinon "
    "« consultation code --reentrainer » ; toutes les réponses sont décidées à nouveau : aussi long qu'un codage)."
)


def _estimator(value: str) -> str:
    """The internal estimator for a name as typed; a French message for an unknown one."""
    import re

    from consultation.text import fold

    key = re.sub(r"[^a-z]+", "", fold(value))
    known = {re.sub(r"[^a-z]+", "", k): v for k, v in ESTIMATOR_NAMES.items()}
    known.update({re.sub(r"[^a-z]+", "", v): v for v in ESTIMATOR_NAMES.values()})
    known["partdelechantillon"] = "sample-share"
    if key not in known:
        names = list(ESTIMATOR_NAMES)
        raise ConsultationError(
            f"--estimateur : estimateur inconnu « {value} » ; choisissez parmi {', '.join(names[:-1])} "
            f"et {names[-1]} (par défaut : calibre)"
        )
    return known[key]


@main.command("estimate")
@consultation_arg
@out_option
@option("--region", "-r", default=None,
        help="Une région, écrite comme on veut (occitanie, PACA, un numéro de département) ; par défaut : le national.")
@option("--question", "-q", "question_id", default=None, help="Une seule question.")
@option("--estimateur", "estimator_name", default="calibre", show_default=True, metavar="MÉTHODE",
        help=ESTIMATOR_HELP)
@option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@_friendly
def estimate_command(
    consultation_dir: Path | None, processed_root: Path, region: str | None, question_id: str | None,
    estimator_name: str, as_json: bool,
) -> None:
    """Décomptes corrigés des erreurs du codage automatique, avec un intervalle à 90 %.

    Le décompte brut additionne les codes (erreurs comprises) ; le décompte corrigé tient compte
    des erreurs mesurées par validation croisée sur les codes humains. Les réponses codées à la
    main comptent telles quelles. La méthode de chaque ligne est donnée à la fin (champ
    « method » en JSON).

    Exemple : consultation estimate data/raw/segur-2020-sample --region Occitanie
    """
    from consultation.api import Database
    from consultation.coding.estimate import (
        ESTIMATOR_CALIBRATED,
        METHOD_LABELS,
        corrected_counts,
        counts_now,
    )

    estimator = _estimator(estimator_name)
    _, consultation, _, con = _open(consultation_dir, processed_root)
    try:
        region = Database(con, consultation.id).region_name(region)  # occitanie, PACA, 34…
        scope_kind = "region" if region else "national"
        if estimator == ESTIMATOR_CALIBRATED:
            frame = corrected_counts(con, consultation.id, scope_kind=scope_kind, scope=region, question_id=question_id)
        else:
            from consultation.coding.training import load_engine, training_units

            if question_id is not None and question_id not in {q.id for q in consultation.questions}:
                raise ConsultationError(f"--question : question inconnue « {question_id} »")
            frame = counts_now(
                con, load_engine(con, consultation, _lemmatizer()), training_units(con, consultation), estimator,
                scope_kind=scope_kind, scope=region, question_id=question_id,
            )
    finally:
        con.close()
    if frame.empty:
        raise ConsultationError(
            "aucun décompte corrigé pour ce choix : lancez « consultation code » ou vérifiez --region / --question"
        )
    if as_json:
        click.echo(frame.drop(columns=["model_version"]).to_json(orient="records", force_ascii=False, indent=1))
        return
    click.echo(f"Décomptes corrigés — {region or 'national'} (intervalle à 90 %)")
    for qid, group in frame.groupby("question_id", sort=False):
        click.echo(f"\n{qid}")
        width = min(50, max(len(label) for label in group["label"]))
        click.echo(f"  {'Thème':<{width}}  {'Brut':>6}  {'Corrigé':>8}  Intervalle")
        for row in group.itertuples(index=False):
            label = row.label if len(row.label) <= width else row.label[: width - 1] + "…"
            click.echo(
                f"  {label:<{width}}  {fmt.integer(row.raw_count):>6}  {_fr(row.corrected_count, 1):>8}  "
                f"[{_fr(row.ci_low, 1)} ; {_fr(row.ci_high, 1)}]"
            )
    methods = sorted(set(frame["method"]))
    click.echo("\nMéthodes : " + " ; ".join(METHOD_LABELS.get(m, m) for m in methods))
    if estimator != ESTIMATOR_CALIBRATED:
        click.echo(f"Estimateur {estimator_name} : calculé à la demande, non enregistré (les tableaux et les "
                   "rapports gardent l'estimateur par défaut) ; valable seulement si les réponses codées à la main "
                   "sont tirées au hasard.")


# --- consultation export codings -----------------------------------------------------------------


@main.group("export")
def export_group() -> None:
    """Exporter les tables de la base (CSV pour Excel, XLSX, JSON, Parquet).

    Exemple : consultation export codings data/raw/segur-2020-sample --format csv
    """


@export_group.command("codings")
@consultation_arg
@out_option
@option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True,
              help="csv : UTF-8, point-virgule et virgule décimale, pour Excel en français.")
@option("--fichier", "-o", "output", aliases=["--output"], type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Fichier à écrire (par défaut : exports/codages.<format> à côté de la base).")
@option("--sans-classement", "no_ranking", is_flag=True,
        help="Sans la colonne « thèmes les plus probables » (plus rapide : le modèle n'est pas rechargé).")
@_friendly
def export_codings(
    consultation_dir: Path | None, processed_root: Path, fmt: str, output: Path | None, no_ranking: bool
) -> None:
    """Les thèmes finaux de chaque réponse, avec leur source et leur confiance.

    Une ligne par unité codée et par thème : répondant, région, question, texte codé, thème,
    source du code (humain, modèle ou règles), confiance, à revoir, versions du modèle et du
    codebook, et les trois thèmes les plus probables selon le modèle avec leur probabilité
    (« t01 (0,82) ; … »), pour toute réponse, y compris celles laissées dans « Autres ». Les
    codes humains priment, comme dans les décomptes. Document de travail : il contient le texte
    des réponses.

    En CSV, les en-têtes et les sources sont en français ; en Parquet, pour les programmes, les
    colonnes gardent les identifiants de l'API (respondent_id, source = human, model ou rule,
    ranked_themes).

    Exemple : consultation export codings data/raw/ma-consultation --format parquet -o codages.parquet
    """
    from consultation.coding.codings import final_codings, spreadsheet_frame, with_ranked_themes
    from consultation.coding.training import load_engine
    from consultation.exports import write_table

    spreadsheet = fmt == "csv"
    _, consultation, paths, con = _open(consultation_dir, processed_root)
    try:
        frame = final_codings(con, consultation.id)
        if not no_ranking and len(frame):
            frame = with_ranked_themes(con, frame, load_engine(con, consultation, _lemmatizer()),
                                       probability=_fr if spreadsheet else "{:.2f}".format)
    finally:
        con.close()
    answers = frame[["respondent_id", "question_id"]].drop_duplicates().shape[0] if len(frame) else 0
    target = output or paths.root / "exports" / f"codages.{fmt}"
    try:
        write_table(spreadsheet_frame(frame) if spreadsheet else frame, target, fmt)
    except (OSError, ValueError) as exc:
        raise ConsultationError(f"{target} : écriture impossible ({exc})") from None
    from consultation.fmt import count, plural  # `fmt` here is the file format

    click.echo(f"{count(len(frame), 'code')} de {count(answers, 'réponse')} {plural(len(frame), 'écrit')} dans {target}")


# --- consultation export a-coder -----------------------------------------------------------------


@export_group.command("a-coder")
@consultation_arg
@out_option
@option("--nombre", "-n", "n_answers", type=click.IntRange(1, 5000), default=50, show_default=True,
        help="Nombre de réponses à coder.")
@option("--question", "-q", "question_id", default=None, help="Une seule question.")
@option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True,
        help="xlsx pour Excel, ou csv (UTF-8, point-virgule, virgule décimale).")
@option("--graine", "seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True,
        help="Graine du choix : la même graine et les mêmes codes donnent les mêmes réponses.")
@option("--fichier", "-o", "output", type=click.Path(path_type=Path, dir_okay=False), default=None,
        help="Fichier à écrire (par défaut : exports/a-coder.<format> à côté de la base).")
@_friendly
def export_next(
    consultation_dir: Path | None, processed_root: Path, n_answers: int, question_id: str | None, fmt: str,
    seed: int, output: Path | None,
) -> None:
    """Quoi coder ensuite : les réponses dont les codes apprendraient le plus au modèle.

    Parmi les réponses sans code humain, celles où le codage hésite le plus (probabilité proche
    du seuil d'un thème, ou aucun thème retenu), regroupées par leurs mots pour ne pas en
    choisir plusieurs qui se ressemblent. Pour chacune : la question, le texte, les thèmes
    proposés et les thèmes classés du modèle avec leur probabilité. Codez-les dans le fichier
    de codes humains (ou par « consultation review export »), puis relancez « consultation code ».
    Document de travail : il contient le texte des réponses.

    Exemple : consultation export a-coder data/raw/ma-consultation -n 100 --format csv
    """
    from consultation.coding.review import NEXT_COLUMNS, next_to_code
    from consultation.coding.training import load_engine
    from consultation.exports import write_table

    folder, consultation, paths, con = _open(consultation_dir, processed_root)
    try:
        if question_id is not None and question_id not in {q.id for q in consultation.questions}:
            raise ConsultationError(f"question inconnue « {question_id} »")
        engine = load_engine(con, consultation, _lemmatizer())
        frame = next_to_code(con, engine, n_answers=n_answers, question_id=question_id, seed=seed)
    finally:
        con.close()
    target = output or paths.root / "exports" / f"a-coder.{fmt}"
    try:
        write_table(frame.rename(columns=NEXT_COLUMNS), target, fmt)
    except (OSError, ValueError) as exc:
        raise ConsultationError(f"{target} : écriture impossible ({exc})") from None
    if frame.empty:
        click.echo(f"Rien à coder : toutes les réponses ont des codes humains. Fichier vide écrit : {target}")
        return
    from consultation.fmt import count, plural  # `fmt` here is the file format

    n = len(frame)
    how = (f"{plural(n, 'choisie')} par le modèle" if engine.models
           else f"{plural(n, 'choisie')} par les règles seules, faute de modèle (l'ordre est grossier)")
    click.echo(f"{count(n, 'réponse')} à coder ensuite, {how}, {plural(n, 'écrite')} dans {target}")
    click.echo(f"Une fois {plural(n, 'codée')} (fichier de codes humains) : consultation code {folder}")


# --- consultation review -------------------------------------------------------------------------


@main.group("review")
def review_group() -> None:
    """Relire dans Excel les codes automatiques les plus incertains, puis les réimporter.

    Exemple : consultation review export data/raw/ma-consultation --nombre 30
    """


@review_group.command("export")
@consultation_arg
@out_option
@option("--nombre", "-n", "n_answers", type=click.IntRange(1, 5000), default=40, show_default=True,
              help="Nombre de réponses à relire.")
@option("--question", "-q", "question_id", default=None, help="Une seule question.")
@option("--fichier", "-o", "output", aliases=["--output"], type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Classeur à écrire (par défaut : revue/a-revoir.xlsx à côté de la base).")
@_friendly
def review_export(
    consultation_dir: Path | None, processed_root: Path, n_answers: int, question_id: str | None, output: Path | None
) -> None:
    """Écrit un classeur des réponses les plus incertaines, à accepter ou corriger.

    Les réponses choisies sont celles où le codage hésite le plus (probabilité proche du seuil
    d'un thème, ou aucun thème retenu), en évitant les quasi-doublons. Pour chaque texte : les
    thèmes proposés, une colonne « Décision » (Accepter / Corriger) et une colonne « Thèmes
    corrigés ». Puis : consultation review import <classeur>.

    Exemple : consultation review export data/raw/ma-consultation -n 30 -o relecture.xlsx
    """
    from consultation.coding.review import export_review
    from consultation.coding.training import load_engine

    folder, consultation, paths, con = _open(consultation_dir, processed_root)
    try:
        if question_id is not None and question_id not in {q.id for q in consultation.questions}:
            raise ConsultationError(f"question inconnue « {question_id} »")
        engine = load_engine(con, consultation, _lemmatizer())
        target = output or paths.root / "revue" / "a-revoir.xlsx"
        path, rows = export_review(con, engine, target, n_answers=n_answers, question_id=question_id)
    finally:
        con.close()
    if rows.empty:
        click.echo(f"Rien à relire : toutes les réponses ont des codes humains. Classeur vide écrit : {path}")
        return
    answers = rows[["question_id", "respondent_id"]].drop_duplicates().shape[0]
    click.echo(f"{fmt.count(answers, 'réponse')} ({fmt.count(len(rows), 'ligne')}) à relire "
               f"{fmt.plural(answers, 'écrite')} dans {path}")
    click.echo(f"Une fois rempli : consultation review import {path} {folder}")


@review_group.command("import")
@argument("sheet", metavar="CLASSEUR", type=click.Path(path_type=Path, dir_okay=False))
@consultation_arg
@out_option
@_friendly
def review_import(sheet: Path, consultation_dir: Path | None, processed_root: Path) -> None:
    """Lit un classeur de relecture rempli : ses décisions deviennent des codes humains.

    Le classeur peut avoir été enregistré au format Excel (.xlsx, .xls) ou OpenDocument (.ods,
    celui de LibreOffice) ; pas en CSV, qui perd les onglets. Vérifie chaque ligne (thèmes de la bonne question, texte inchangé, réponse relue en entier) ;
    au moindre problème rien n'est importé et chaque problème est signalé avec sa ligne, sa
    colonne et sa valeur. Le prochain « consultation code » réentraîne le modèle.

    Exemple : consultation review import relecture.xlsx data/raw/ma-consultation
    """
    from consultation.coding.review import import_review

    folder, consultation, _, con = _open(consultation_dir, processed_root)
    try:
        result = import_review(con, consultation, sheet)
    finally:
        con.close()
    click.echo(
        f"{fmt.count(result.units_reviewed, 'texte relu', 'textes relus')} dans "
        f"{fmt.count(result.answers_reviewed, 'réponse')} ({fmt.count(result.accepted, 'accepté')}, "
        f"{fmt.count(result.corrected, 'corrigé')}) : "
        f"{fmt.count(result.codes_written, 'code humain enregistré', 'codes humains enregistrés')}."
    )
    if result.inferred:
        click.echo(
            f"Dont {fmt.count(result.inferred, 'ligne')} sans décision mais avec des thèmes corrigés : "
            f"{fmt.plural(result.inferred, 'lue', 'lues')} comme « Corriger »."
        )
    if result.units_reviewed:
        click.echo(f"Pour recoder avec ces codes : consultation code {folder}")
    else:
        click.echo("Aucune ligne avec une décision : rien n'a changé.")


# --- consultation discover -----------------------------------------------------------------------


@main.command("discover")
@consultation_arg
@out_option
@option("--question", "-q", "question_id", default=None, help="Une seule question.")
@option("--pistes", "n_leads", type=click.IntRange(1, 20), default=None,
              help="Nombre de regroupements par question (par défaut : selon le nombre de réponses).")
@option("--fichier", "-o", "output", aliases=["--output"], type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Rapport Markdown (par défaut : decouverte/themes-autres.md à côté de la base).")
@_friendly
def discover_command(
    consultation_dir: Path | None, processed_root: Path, question_id: str | None, n_leads: int | None,
    output: Path | None,
) -> None:
    """Propose des thèmes nouveaux à partir des réponses classées « Autres ».

    Regroupe ces réponses par leurs mots (NMF sur les lemmes) et écrit un court rapport : pour
    chaque piste, les mots caractéristiques et trois réponses représentatives.

    Exemple : consultation discover data/raw/ma-consultation --pistes 4
    """
    from consultation.coding.discover import write_discovery

    _, consultation, paths, con = _open(consultation_dir, processed_root)
    try:
        if question_id is not None and question_id not in {q.id for q in consultation.questions}:
            raise ConsultationError(f"question inconnue « {question_id} »")
        target = output or paths.root / "decouverte" / "themes-autres.md"
        path, results = write_discovery(
            con, consultation, _lemmatizer(), target, question_id=question_id, n_leads=n_leads
        )
    finally:
        con.close()
    for result in results:
        leads = "; ".join(f"« {lead.name} » ({lead.size})" for lead in result.leads) or result.note
        click.echo(f"  {result.question.id} : {result.n_units} « Autres » — {leads}")
    click.echo(f"Rapport écrit : {path}")

