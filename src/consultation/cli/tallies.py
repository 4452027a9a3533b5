"""`consultation tally` (counts on screen or in a file) and `consultation export tallies`.

Thin layer over consultation.api: what is printed is what `consultation.open(...)` returns,
in its published form unless --exact is given.
"""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pandas as pd

from consultation import fmt
from consultation.cli.base import _friendly, main
from consultation.cli.french import AliasedChoice, argument, option
from consultation.fmt import count
from consultation.publish.disclosure import DEFAULT_THRESHOLD, SECRET, marker
from consultation.store.paths import DEFAULT_PROCESSED, SAMPLE_NAME

if TYPE_CHECKING:
    from consultation.api import By

db_arg = argument("path", required=False, metavar="[CHEMIN]", type=click.Path(path_type=Path))
out_root_option = option(
    "--sorties", "processed_root", aliases=["--out"], type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_PROCESSED,
    show_default=True, help="Dossier des sorties, quand CHEMIN est le dossier d'une consultation (data/raw/…) ; par défaut, celui de la variable CONSULTATION_PROCESSED si elle est définie.",
)
threshold_option = option(
    "--seuil", "threshold", aliases=["--threshold"], type=click.IntRange(min=1), default=DEFAULT_THRESHOLD, show_default=True,
    help="Secret statistique : hors niveau national, un effectif de 1 à N-1 s'affiche « < N ».",
)
exact_option = option(
    "--exact", is_flag=True, help="Chiffres exacts, sans secret statistique (usage interne : ne pas publier).",
)
consultation_option = option(
    "--consultation", "consultation_id", default=None, help="Identifiant, si la base en contient plusieurs.",
)


def resolve_db(path: Path | None, processed_root: Path) -> Path:
    """PATH as `consultation.store.paths.locate` reads it; without PATH, the sample's database."""
    from consultation.store.paths import locate

    return locate(path or processed_root / SAMPLE_NAME, processed_root).existing_db()


@main.command("tally")
@db_arg
@option("--question", "-q", default=None, help="Une seule question (identifiant, ex. q1_retenir).")
@option("--region", "-r", default=None,
        help="Région comparée au reste du pays, à côté du national (occitanie, PACA, un numéro de département…).")
@option("--type-structure", "-t", "structure_type", aliases=["--structure-type"], default=None, help="Type de structure (seul ou croisé avec la région).")
@option(
    "--format", "fmt", type=AliasedChoice(["tableau", "csv", "json", "parquet"], {"table": "tableau"}),
    default="tableau", show_default=True,
    help="tableau : lecture à l'écran ; csv/json/parquet : les données, dans --fichier ou sur la sortie standard.",
)
@option("--fichier", "-o", "output", aliases=["--output"], type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Fichier où écrire (csv, json, parquet).")
@threshold_option
@exact_option
@option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True, help="Seuil du test exact de Fisher pour signaler un écart.")
@consultation_option
@out_root_option
@_friendly
def tally_command(
    path: Path | None, question: str | None, region: str | None, structure_type: str | None, fmt: str,
    output: Path | None, threshold: int, exact: bool, alpha: float, consultation_id: str | None,
    processed_root: Path,
) -> None:
    """Décomptes par question et thème ; avec --region, national et régional côte à côte.

    Pour chaque question : répondants citant chaque thème, mentions (propositions), part des
    répondants, rang. Avec --region (ou --type-structure), les chiffres de la région à côté des
    chiffres nationaux, la part dans le reste du pays, l'écart en points et le signal du test
    exact de Fisher (« plus cité », « moins cité », « écart non significatif », ou « effectif
    trop faible » quand il y a trop peu de répondants pour conclure). Les effectifs régionaux
    inférieurs à --seuil s'affichent « < 3 » sauf avec --exact.

    CHEMIN : la base (consultation.duckdb), son dossier, ou le dossier de la consultation ;
    sans CHEMIN, l'échantillon traité par « consultation run ».

    \b
    Exemples :
      consultation tally --region Occitanie
      consultation tally data/raw/ma-consultation -q pilier1 --region Occitanie
      consultation tally --region Occitanie --format csv --fichier occitanie.csv
    """
    import consultation

    if fmt == "parquet" and output is None:
        raise click.UsageError("--format parquet écrit un fichier binaire : précisez --fichier FICHIER.")
    db_path = resolve_db(path, processed_root)
    with consultation.open(db_path, consultation_id) as db:
        region = db.region_name(region)  # as users type it: occitanie, PACA, 34
        comparing = bool(region or structure_type)
        if comparing:
            frame = db.comparison(region, question, structure_type=structure_type, alpha=alpha,
                                  suppress=not exact, threshold=threshold)
        else:
            frame = db.tallies(question, suppress=not exact, threshold=threshold)
        if fmt != "tableau":
            _write_data(frame, fmt, output)
            if output is not None and not exact:
                # Each figure hidden by its own value only: several such files compared give the
                # others back by difference (RELIABILITY.md); export tallies protects them together.
                click.echo("Ce fichier sert à explorer : il ne cache que les petits effectifs eux-mêmes, et plusieurs "
                           "de ces fichiers comparés redonnent les autres par différence. Pour publier : "
                           "consultation export tallies.", err=True)
            return
        questions = db.questions().set_index("question_id")
        scope_label = " × ".join(x for x in (region, structure_type) if x)
        if comparing:
            _print_comparison(frame, questions, scope_label, alpha, exact, threshold)
        else:
            _print_national(frame, questions, exact, threshold)


def _write_data(frame: pd.DataFrame, fmt: str, output: Path | None) -> None:
    from consultation.publish.disclosure import write_tally_table

    if output is None:
        if fmt == "csv":
            click.echo(write_tally_table(frame, None, "csv"), nl=False)
        else:
            click.echo(frame.to_json(orient="records", force_ascii=False, indent=1))
        return
    written = write_tally_table(frame, output, fmt)
    click.echo(f"{count(len(frame), 'ligne écrite', 'lignes écrites')} dans {written}", err=True)


# --- screen tables -------------------------------------------------------------------------------

def _console() -> Any:
    from rich.console import Console

    width = None if sys.stdout.isatty() else max(shutil.get_terminal_size((140, 40)).columns, 140)
    return Console(width=width, highlight=False, soft_wrap=False)


def _reading_order(frame: pd.DataFrame, count_col: str) -> pd.DataFrame:
    """As in the published documents: category groups in codebook order, count descending, « Autres » last."""
    out = frame.copy()
    first_position = out.groupby(out["category"].fillna(""), sort=False)["theme_position"].transform("min")
    out["_group"] = first_position
    out["_count"] = pd.to_numeric(out[count_col], errors="coerce").fillna(0)
    return out.sort_values(["_group", "is_other", "_count", "theme_position"], ascending=[True, True, False, True])


def _cell(value: object, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, str):
        return value
    return fmt.decimal(value, digits) if digits else fmt.number(value)  # type: ignore[arg-type]


def _pct(value: object) -> str:
    text = _cell(value, 1)
    return text if text in ("—", SECRET) or text.startswith("<") else f"{text} %"


def _title(question_id: str, questions: pd.DataFrame) -> str:
    q = questions.loc[question_id]
    return f"{q['section']} — {question_id} : {q['text']}"


def _respondents(value: object) -> str:
    """« répondant » after a count under 2 as `_cell` shows it (« 0 », « 1 »), « répondants » after more
    or after a missing one (« — »)."""
    try:
        n = math.nan if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        n = math.nan
    return "répondants" if math.isnan(n) else fmt.plural(n, "répondant")


def _unit_words(unit: str) -> str:
    return "propositions" if unit == "propositions" else "répondants"


def _print_national(frame: pd.DataFrame, questions: pd.DataFrame, exact: bool, threshold: int) -> None:
    from rich.table import Table

    console = _console()
    has_estimates = "corrected_count" in frame and frame["corrected_count"].notna().any()
    for question_id, rows in frame.groupby("question_id", sort=False):
        answered = rows["respondents_answered"].iloc[0]
        unit = rows["unit"].iloc[0]
        table = Table(title=_title(str(question_id), questions), title_justify="left", show_lines=False,
                      caption=f"National : {_cell(answered)} {_respondents(answered)} ; décompte publié en {_unit_words(unit)}",
                      caption_justify="left")
        table.add_column("Thème", overflow="fold", min_width=30, ratio=1)
        table.add_column("Répondants citant", justify="right", no_wrap=True)
        table.add_column("Mentions", justify="right", no_wrap=True)
        table.add_column("% des répondants", justify="right", no_wrap=True)
        table.add_column("Rang", justify="right", no_wrap=True)
        if has_estimates:
            table.add_column("Corrigé [IC 90 %]", justify="right", no_wrap=True)
        _add_rows(table, _reading_order(rows, "count"), lambda r: [
            _cell(r["respondents_citing"]), _cell(r["mentions"]), _pct(r["share_pct"]), _cell(r["rank"]),
            *([_estimate(r)] if has_estimates else []),
        ])
        console.print(table)
        console.print()
    _legend(console, exact, threshold)


def _estimate(row: pd.Series) -> str:
    if row.get("corrected_count") is None or (isinstance(row["corrected_count"], float) and math.isnan(row["corrected_count"])):
        return "—"
    return f"{_cell(row['corrected_count'], 1)} [{_cell(row['ci_low'], 1)} ; {_cell(row['ci_high'], 1)}]"


def _print_comparison(
    frame: pd.DataFrame, questions: pd.DataFrame, scope: str, alpha: float, exact: bool, threshold: int
) -> None:
    from rich.table import Table

    from consultation.compare import FLAG_HIGHER, FLAG_LOWER, FLAG_TOO_SMALL, SmallCountRule

    console = _console()
    marks = {FLAG_HIGHER: "▲ " + FLAG_HIGHER, FLAG_LOWER: "▼ " + FLAG_LOWER}
    tested = 0
    for question_id, rows in frame.groupby("question_id", sort=False):
        unit = rows["unit"].iloc[0]
        words = _unit_words(unit)
        national_n, scope_n = rows["national_answered"].iloc[0], rows["scope_answered"].iloc[0]
        table = Table(
            title=_title(str(question_id), questions), title_justify="left",
            caption=(f"National : {_cell(national_n)} {_respondents(national_n)} ; "
                     f"{scope} : {_cell(scope_n)} {_respondents(scope_n)}. "
                     f"Décomptes en {words} ; % : part des répondants citant le thème ; "
                     "p : test exact de Fisher"),
            caption_justify="left",
        )
        table.add_column("Thème", overflow="fold", min_width=30, ratio=1)
        table.add_column("National", justify="right", no_wrap=True)
        table.add_column("%", justify="right", no_wrap=True)
        table.add_column(scope, justify="right", overflow="fold", max_width=20)
        table.add_column("% ", justify="right", no_wrap=True)
        table.add_column("Reste %", justify="right", no_wrap=True)
        table.add_column("Écart pts", justify="right", no_wrap=True)
        table.add_column("p", justify="right", no_wrap=True)
        table.add_column("Signal", no_wrap=True)
        tested += int((rows["flag"] != FLAG_TOO_SMALL).sum())
        _add_rows(table, _reading_order(rows, "national_count"), lambda r: [
            _cell(r["national_count"]), _pct(r["national_share_pct"]),
            _cell(r["scope_count"]), _pct(r["scope_share_pct"]), _pct(r["rest_share_pct"]),
            _signed(r["diff_points"]),
            "—" if r["flag"] == FLAG_TOO_SMALL else _p(r["p_value"]),
            marks.get(r["flag"], r["flag"]),
        ])
        console.print(table)
        console.print()
    console.print(
        f"Signal : test exact de Fisher entre les répondants ({scope}) et ceux du reste du pays, "
        f"seuil {_cell(alpha * 100, 1 if (alpha * 100) % 1 else 0)} %. {SmallCountRule().describe()}"
    )
    if tested:
        chance = round(tested * alpha, 1)
        console.print(
            f"{fmt.count(tested, 'écart testé', 'écarts testés')} sans correction pour la multiplicité : environ "
            f"{_cell(chance, 1)} {fmt.plural(chance, 'signal peut', 'signaux peuvent')} apparaître par hasard."
        )
    _legend(console, exact, threshold)


def _signed(value: object) -> str:
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
        return ("+" if value > 0 else "") + _cell(value, 1)
    return _cell(value)


def _p(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return "< 0,001" if value < 0.001 else _cell(value, 3)  # type: ignore[operator]


def _add_rows(table: Any, rows: pd.DataFrame, cells: Any) -> None:
    has_categories = rows["category"].notna().any()
    current: object = object()
    for _, row in rows.iterrows():
        category = row["category"] if isinstance(row["category"], str) else None
        if has_categories and category != current:
            table.add_row(f"[bold]{category or 'Sans catégorie'}[/bold]")
            current = category
        table.add_row(str(row["label"]), *cells(row))


def _legend(console: Any, exact: bool, threshold: int) -> None:
    if exact:
        console.print("Chiffres exacts (--exact) : à ne pas publier tels quels.")
    else:
        console.print(
            f"« {marker(threshold)} » : moins de {threshold} (secret statistique, hors niveau national) ; "
            f"« {SECRET} » : part ou test masqué car calculé sur moins de {threshold} {fmt.plural(threshold, 'répondant')}. "
            "Chiffres exacts : --exact."
        )


# --- consultation export tallies ----------------------------------------------------------------

#: Scopes of `export tallies --par`: French value -> the API's value (also accepted, as before).
_SCOPES: dict[str, By] = {"tous": "all", "national": "national", "region": "region", "type-structure": "structure_type",
           "region-type-structure": "region_structure_type"}

export_group = main.commands.get("export")
if export_group is None:  # the coding stage usually creates the group; whoever comes first does

    @main.group("export")
    def export_group() -> None:
        """Exporter les tables de la base (CSV pour Excel, XLSX, JSON, Parquet).

        Exemple : consultation export tallies
        """


@export_group.command("tallies")  # type: ignore[union-attr]
@db_arg
@option("--dossier", "-o", "output", aliases=["--output"], type=click.Path(path_type=Path, file_okay=False),
        default=None, help="Dossier où écrire (par défaut : exports/ à côté de la base).")
@option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json", "parquet"]), default="csv",
        show_default=True, help="csv : UTF-8, point-virgule et virgule décimale, pour Excel en français.")
@option("--par", "by", aliases=["--by"], type=AliasedChoice(list(_SCOPES), {v: k for k, v in _SCOPES.items()}),
        default="tous", show_default=True, help="Périmètres exportés.")
@threshold_option
@exact_option
@consultation_option
@out_root_option
@_friendly
def export_tallies(
    path: Path | None, output: Path | None, fmt: str, by: str, threshold: int, exact: bool,
    consultation_id: str | None, processed_root: Path,
) -> None:
    """Décomptes de tous les périmètres et comparaisons région par région, prêts à publier.

    Écrit deux fichiers : decomptes.<format> (une ligne par question, thème et périmètre :
    national, région, type de structure, région × type) et comparaisons-regions.<format>
    (chaque région face au reste du pays, avec le signal du test de Fisher). Les effectifs
    régionaux inférieurs à --seuil y figurent « s », comme ceux qui permettraient de les retrouver
    par différence entre périmètres (sauf --exact).

    Exemple : consultation export tallies --format xlsx --dossier publication/
    """
    import consultation

    db_path = resolve_db(path, processed_root)
    folder = output or db_path.parent / "exports"
    with consultation.open(db_path, consultation_id) as db:
        written = db.export_tallies(folder, fmt=fmt, by=_SCOPES[by], suppress=not exact, threshold=threshold)
    for file, rows in written:
        click.echo(f"  {file} ({count(rows, 'ligne')})")
    click.echo("Chiffres exacts : à ne pas publier." if exact else
               f"Secret statistique appliqué : effectifs régionaux de 1 à {threshold - 1}, et ceux qui "
               f"permettraient de les retrouver par différence, affichés « {SECRET} ».")
