"""What a federation sees in the Prefect UI after each run: a summary, the national counts, links.

Presentation only (French text for the people reading the UI); every figure comes from the
flows' summaries. Nothing an answer says is shown here: counts, theme labels, file names, and
error messages passed through the pattern redactor (a bad cell's value can be an e-mail).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from consultation import fmt
from flows.common import artifact_key, safe_message
from flows.summaries import CodingSummary, IngestionSummary, NightlySummary, ReportingSummary

KIND_LABELS = {"responses": "réponses", "human_codes": "codes humains"}
STATUS_LABELS = {"ingested": "ingéré", "unchanged": "inchangé", "refused": "refusé"}
SOURCE_LABELS = {"rule": "règles", "model": "modèle", "human": "codeurs humains"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def ingestion_markdown(summary: IngestionSummary) -> list[str]:
    lines = ["## Fichiers", ""]
    if not summary.files:
        lines.append("Aucun fichier nouveau ou modifié : rien à ingérer.")
    else:
        lines += [
            "| Fichier | Contenu | Résultat | Lignes lues | Ingérées | En quarantaine |",
            "|---|---|---|---:|---:|---:|",
        ]
        for f in summary.files:
            lines.append(
                f"| {_cell(f.label)} | {KIND_LABELS.get(f.kind, f.kind)} | {STATUS_LABELS[f.status]} "
                f"| {fmt.integer(f.rows_read)} | {fmt.integer(f.rows_ingested)} | {fmt.integer(f.rows_quarantined)} |"
            )
        read, ingested, quarantined = summary.rows("responses")
        lines += [
            "",
            f"Réponses : {fmt.count(read, 'ligne lue', 'lignes lues')} = {fmt.count(ingested, 'ingérée')} + "
            f"{fmt.integer(quarantined)} en "
            "quarantaine (table `quarantine`, avec la raison).",
        ]
        hand = sum(f.hand_coded for f in summary.ingested)
        if hand:
            lines += ["", f"Codes donnés à la main, lus dans l'export : {fmt.count(hand, 'réponse')} "
                          "(relus à chaque import ; le modèle apprend d'eux)."]
    if summary.skipped:
        lines += ["", f"Déjà ingérés, inchangés : {', '.join(summary.skipped)}."]
    if summary.refused:
        lines += ["", "**Fichiers refusés** (corrigez-les puis relancez) :", ""]
        for f in summary.refused:
            lines.append(f"- `{f.label}` :")
            lines += [f"    {line}" for line in safe_message(f.message).splitlines()]
    return lines


def coding_markdown(summary: CodingSummary) -> list[str]:
    lines = ["## Codage", ""]
    if summary.trained:
        lines.append(f"- Modèle réentraîné ({summary.training_reason}) : version `{summary.model_version}`.")
    elif summary.model_version:
        lines.append(f"- Modèle `{summary.model_version}` ({summary.training_reason}).")
    else:
        why = summary.training_reason
        if summary.human_codes:
            why = "pas encore assez de codes humains pour entraîner un modèle"
        lines.append(f"- Codage par les règles du codebook ({why}).")
    if summary.units:
        cached = f", dont {summary.cached_batches} repris du cache" if summary.cached_batches else ""
        lines.append(
            f"- Réponses codées : {fmt.integer(summary.pending_answers)} ({fmt.count(summary.units, 'unité')}, "
            f"{fmt.count(summary.batches, 'lot')}{cached})."
        )
        by_source = ", ".join(
            f"{SOURCE_LABELS.get(k, k)} {fmt.integer(v)}" for k, v in sorted(summary.by_source.items())
        )
        lines.append(f"- Nouveaux codes par source : {by_source or 'aucun'}.")
        lines.append(f"- Unités à relire (aucun thème sûr ou décision serrée) : {fmt.integer(summary.needs_review)}.")
        if summary.estimates:
            lines.append("- Effectifs corrigés (erreurs mesurées du codage) ré-estimés.")
    else:
        lines.append("- Aucune réponse nouvelle ou à recoder.")
    a = summary.agreement
    if a is None:
        lines.append("- Accord avec les codeurs humains : pas encore mesuré (aucun modèle évalué).")
    else:
        lines.append(
            f"- Accord avec les codeurs humains (validation croisée, {fmt.count(a.n_units, 'unité')}, modèle "
            f"`{a.model_version}`) : F1 micro {fmt.decimal(a.micro_f1)}, F1 macro {fmt.decimal(a.macro_f1)}, "
            f"kappa de Cohen {fmt.decimal(a.kappa)}."
        )
    return lines


def reporting_markdown(summary: ReportingSummary | None, consultation_id: str = "") -> list[str]:
    if summary is None:
        return [
            "## Publication",
            "",
            "- Non refaite par cette exécution : les graphiques et rapports sont ceux de la dernière "
            f"publication, jusqu'à la prochaine exécution du déploiement « consultation-reporting/{consultation_id} ».",
        ]
    files = len(summary.charts) + len(summary.reports)  # the participle agrees with both nouns together
    what = (fmt.plural(files, "réécrit") if summary.rewritten
            else f"{fmt.plural(files, 'inchangé')} (rien de nouveau depuis la dernière exécution)")
    return [
        "## Publication",
        "",
        f"- {fmt.count(len(summary.charts), 'graphique')} et {fmt.count(len(summary.reports), 'rapport')}, {what}.",
        *([f"- Sommaire : `{summary.index}`"] if summary.index else []),
    ]


def summary_markdown(title: str, summary: NightlySummary, when: datetime | None = None) -> str:
    when = when or datetime.now()
    published = summary.reporting is not None and summary.reporting.rewritten
    nothing_new = not summary.ingestion.files and not summary.coding.units and not published
    lines = [f"# {title}", "", f"Exécution du {when:%d/%m/%Y à %H:%M}.", ""]
    if nothing_new:
        lines += ["**Rien de nouveau** : aucun fichier ingéré, aucune réponse recodée, publication inchangée.", ""]
    lines += ingestion_markdown(summary.ingestion)
    lines += ["", *coding_markdown(summary.coding), "", *reporting_markdown(summary.reporting, summary.consultation_id)]
    return "\n".join(lines) + "\n"


def tally_table(summary: ReportingSummary) -> list[dict[str, object]]:
    return [
        {
            "Question": r.question_id,
            "Thème": r.theme,
            "Catégorie": r.category or "",
            "Effectif": r.count,
            "Répondants citant": r.respondents_citing,
            "Mentions": r.mentions,
            "Part des répondants (%)": None if r.share_pct is None else round(r.share_pct, 1),
            "Rang": r.rank,
        }
        for r in summary.national
    ]


def files_markdown(summary: ReportingSummary) -> str:
    def links(paths: list[Path]) -> list[str]:
        return [f"- [{p.name}]({p.resolve().as_uri()})" for p in paths]

    lines = ["# Graphiques et rapports", ""]
    if summary.index:
        lines += [f"Sommaire : [{summary.index.name}]({summary.index.resolve().as_uri()})", ""]
    lines += ["## Rapports", "", *links(summary.reports), "", "## Graphiques", "", *links(summary.charts)]
    return "\n".join(lines) + "\n"


def publish_run_artifacts(title: str, summary: NightlySummary) -> None:
    """The run's summary, keyed by consultation so the UI keeps its history (the publication's
    own artifacts are written by the reporting flow: `publish_reporting_artifacts`)."""
    create_markdown_artifact(
        markdown=summary_markdown(title, summary),
        key=artifact_key(summary.consultation_id, "resume"),
        description="Fichiers ingérés, codage, accord avec les codeurs humains, publication",
    )


def publish_reporting_artifacts(reporting: ReportingSummary) -> None:
    """The national counts, the links to the files written and to their index."""
    cid = reporting.consultation_id
    if reporting.national:
        create_table_artifact(
            table=tally_table(reporting),
            key=artifact_key(cid, "effectifs-nationaux"),
            description="Effectifs nationaux par question et par thème",
        )
    create_markdown_artifact(
        markdown=files_markdown(reporting),
        key=artifact_key(cid, "fichiers"),
        description="Liens vers les graphiques et les rapports écrits",
    )
    if reporting.index:
        create_link_artifact(
            link=reporting.index.resolve().as_uri(),
            link_text="Sommaire des rapports et graphiques",
            key=artifact_key(cid, "sommaire"),
        )
