"""The review loop in Excel: a sheet of the answers the coder is least sure of, read back as human codes.

Export: answers without human codes, most uncertain first (a probability on a theme's threshold,
or nothing claimed at all), chosen with diversity (`active.choose_to_code`: clusters of the most
uncertain answers by their words, one answer per cluster) so that twenty near-identical answers
do not fill the sheet. Every unit of a chosen answer is on the
sheet (one row per proposition), with the suggested themes, a « Décision » to pick (Accepter /
Corriger) and a column for the corrected themes.

Import: every row with a decision becomes human codes (table `human_codes`, `source_file` = the
sheet), after validation: theme ids (or labels) of the right question, units that still exist
with the same text, and no answer half reviewed. Any problem stops the import and is reported
with its row, column and value; the next coding retrains on the new codes.
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from consultation import fmt, store
from consultation.codebook import THEME_SEPARATORS, Consultation, Question, code_key
from consultation.coding.engine import CodingEngine
from consultation.errors import InputFileError, InputProblem
from consultation.exports import neutralise_cell
from consultation.text import fold, normalise_text

SHEET = "À revoir"
THEMES_SHEET = "Thèmes"
HELP_SHEET = "Mode d'emploi"
ACCEPT, CORRECT = "Accepter", "Corriger"
COLUMNS = {
    "row": "N°",
    "respondent_id": "Identifiant",
    "question_id": "Question",
    "unit_no": "Unité",
    "text": "Texte à coder",
    "answer": "Réponse complète",
    "suggested": "Thèmes proposés",
    "suggested_labels": "Libellés proposés",
    "confidence": "Confiance",
    "decision": "Décision",
    "corrected": "Thèmes corrigés",
    "comment": "Commentaire",
}
REQUIRED = ("respondent_id", "question_id", "unit_no", "text", "suggested", "decision", "corrected")
_ACCEPT_WORDS = {"accepter", "accepte", "accepté", "ok", "oui", "a", "valider", "valide"}
_CORRECT_WORDS = {"corriger", "corrige", "corrigé", "c", "modifier", "non"}


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------


def review_candidates(
    con: duckdb.DuckDBPyConnection,
    engine: CodingEngine,
    *,
    n_answers: int = 40,
    question_id: str | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Units of the `n_answers` answers to review, most useful first, one row per unit: the
    answers whose codes would teach the model most (`active.choose_to_code` on each answer's
    highest uncertainty; deterministic for a seed). Also what « export a-coder » writes."""
    from consultation.coding.active import choose_to_code, ranked_label

    consultation = engine.consultation
    rows = []
    for question in consultation.questions:
        if question_id is not None and question.id != question_id:
            continue
        units = con.execute(
            "SELECT u.respondent_id, u.unit_no, u.text, a.text AS answer FROM auto_units u "
            "JOIN stg_answers a USING (consultation_id, respondent_id, question_id) "
            "WHERE u.consultation_id = ? AND u.question_id = ? ORDER BY u.respondent_id, u.unit_no",
            [consultation.id, question.id],
        ).df()
        if units.empty:
            continue
        d = engine.decisions(question, units["text"].tolist())
        labels = {t.id: t.label for t in question.coded_themes}
        uncertainty = d.uncertainty()
        ranked = [ranked_label(d.theme_ids, d.probabilities[i], labels) for i in range(len(units))]
        for i, unit in enumerate(units.itertuples(index=False)):
            if d.other[i]:
                themes, confidence = [question.other_theme.id], float(d.other_confidence[i])
            else:
                chosen = np.flatnonzero(d.chosen[i])
                themes = [d.theme_ids[j] for j in chosen]
                confidence = float(d.confidence[i, chosen].min())
            rows.append({
                "respondent_id": unit.respondent_id, "question_id": question.id, "unit_no": int(unit.unit_no),
                "text": unit.text, "answer": unit.answer, "suggested": " ; ".join(themes),
                "suggested_labels": " ; ".join(labels[t] for t in themes), "confidence": round(confidence, 2),
                "uncertainty": float(uncertainty[i]), "ranked": ranked[i],
            })
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    answers = (
        frame.groupby(["question_id", "respondent_id"], sort=False)
        .agg(uncertainty=("uncertainty", "max"), answer=("answer", "first"))
        .reset_index()
    )
    to_code = choose_to_code(answers["answer"].tolist(), answers["uncertainty"].to_numpy(), n_answers, seed=seed)
    picked = answers.iloc[to_code][["question_id", "respondent_id"]].assign(rank=range(len(to_code)))
    out = frame.merge(picked, on=["question_id", "respondent_id"])
    order = {q.id: i for i, q in enumerate(consultation.questions)}
    out["question_order"] = out["question_id"].map(order)
    return out.sort_values(["question_order", "rank", "unit_no"]).drop(columns=["question_order"]).reset_index(drop=True)


NEXT_COLUMNS = {
    "rank": "Rang",
    "question_id": "Question",
    "question_label": "Intitulé de la question",
    "respondent_id": "Identifiant",
    "answer": "Réponse",
    "uncertainty": "Incertitude",
    "suggested": "Thèmes proposés",
    "ranked": "Thèmes classés (probabilité)",
}


def next_to_code(
    con: duckdb.DuckDBPyConnection,
    engine: CodingEngine,
    *,
    n_answers: int = 50,
    question_id: str | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """The `n_answers` answers without human codes whose codes would teach the model most (the
    review sheet's choice, `review_candidates`), one row per answer with the model's
    current themes; columns: NEXT_COLUMNS' keys."""
    units = review_candidates(con, engine, n_answers=n_answers, question_id=question_id, seed=seed)
    if units.empty:
        return pd.DataFrame(columns=list(NEXT_COLUMNS))
    texts = {q.id: q.text for q in engine.consultation.questions}

    def joined(values: pd.Series) -> str:
        parts = [v for v in values if v]
        return parts[0] if len(set(parts)) == 1 else " | ".join(parts)

    out = (
        units.groupby(["rank", "question_id", "respondent_id"], sort=True)
        .agg(answer=("answer", "first"), uncertainty=("uncertainty", "max"),
             suggested=("suggested_labels", joined), ranked=("ranked", joined))
        .reset_index()
    )
    out["rank"] = range(1, len(out) + 1)
    out["uncertainty"] = out["uncertainty"].round(2)
    out["question_label"] = out["question_id"].map(texts)
    return out[list(NEXT_COLUMNS)]


def select_diverse(
    texts: list[str], uncertainty: np.ndarray | list[float], n: int, diversity: float = 0.3
) -> list[int]:
    """Greedy maximal marginal relevance: uncertain first, but unlike what is already chosen.

    Score = (1 - diversity) * uncertainty - diversity * (highest cosine similarity to a chosen
    text); identical texts are never chosen twice.
    """
    if not texts or n <= 0:
        return []
    uncertainty = np.asarray(uncertainty, dtype=float)
    folded = [fold(normalise_text(t)) for t in texts]
    try:
        X = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(folded)
    except ValueError:  # nothing but blanks
        X = None
    selected: list[int] = []
    seen: set[str] = set()
    max_sim = np.zeros(len(texts))
    candidates = list(range(len(texts)))
    while candidates and len(selected) < n:
        score = (1 - diversity) * uncertainty[candidates] - diversity * max_sim[candidates]
        best = candidates[int(np.argmax(score))]
        candidates.remove(best)
        if folded[best] in seen:
            continue
        seen.add(folded[best])
        selected.append(best)
        if X is not None:
            max_sim = np.maximum(max_sim, (X @ X[best].T).toarray().ravel())
    return selected


def write_review_sheet(
    candidates: pd.DataFrame, consultation: Consultation, path: str | Path
) -> Path:
    """The XLSX a reviewer fills in: the sheet to review, the themes, and how to fill it."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    keys = list(COLUMNS)
    ws.append([COLUMNS[k] for k in keys])
    for number, row in enumerate(candidates.to_dict("records") if len(candidates) else [], start=1):
        values = {
            **row, "row": number, "decision": "", "corrected": "", "comment": "",
            "confidence": fmt.decimal(row["confidence"]),
            "answer": row["answer"] if row["answer"] != row["text"] else "",
        }
        ws.append([neutralise_cell(values.get(k, "")) for k in keys])
    widths = {"row": 5, "respondent_id": 14, "question_id": 14, "unit_no": 6, "text": 60, "answer": 40,
              "suggested": 26, "suggested_labels": 36, "confidence": 10, "decision": 12, "corrected": 26,
              "comment": 30}
    for col, key in enumerate(keys, start=1):
        letter = ws.cell(row=1, column=col).column_letter
        ws.column_dimensions[letter].width = widths[key]
        ws.cell(row=1, column=col).font = Font(bold=True)
        ws.cell(row=1, column=col).fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_cells in ws.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = wrap
    ws.freeze_panes = "E2"
    if ws.max_row > 1:
        decision_col = ws.cell(row=1, column=keys.index("decision") + 1).column_letter
        validation = DataValidation(
            type="list", formula1=f'"{ACCEPT},{CORRECT}"', allow_blank=True,
            promptTitle="Décision", prompt="Accepter les thèmes proposés, ou Corriger (remplir « Thèmes corrigés »)",
        )
        validation.add(f"{decision_col}2:{decision_col}{ws.max_row}")
        ws.add_data_validation(validation)
        for cell in ws[decision_col][1:]:
            cell.fill = PatternFill("solid", fgColor="FFF2CC")
        corrected_col = ws.cell(row=1, column=keys.index("corrected") + 1).column_letter
        for cell in ws[corrected_col][1:]:
            cell.fill = PatternFill("solid", fgColor="FFF2CC")

    themes = wb.create_sheet(THEMES_SHEET)
    themes.append(["Question", "Identifiant du thème", "Libellé", "Catégorie", "Description"])
    for question in consultation.questions:
        for theme in question.coded_themes:
            themes.append([
                neutralise_cell(v) for v in (question.id, theme.id, theme.label, theme.category or "", theme.description)
            ])
    for letter, width in zip("ABCDE", (14, 26, 44, 22, 70), strict=True):
        themes.column_dimensions[letter].width = width
        themes[f"{letter}1"].font = Font(bold=True)
    themes.freeze_panes = "A2"

    help_ws = wb.create_sheet(HELP_SHEET)
    for line in _HELP:
        help_ws.append([line])
    help_ws.column_dimensions["A"].width = 110
    wb.save(path)
    return path


_HELP = [
    "Relecture des codes automatiques les plus incertains",
    "",
    "1. Onglet « À revoir » : une ligne par texte à coder (une réponse entière, ou une proposition).",
    "2. Colonne « Décision » : choisir « Accepter » si les thèmes proposés sont justes, « Corriger » sinon.",
    "3. Si « Corriger » : écrire dans « Thèmes corrigés » les identifiants (ou libellés) des bons thèmes,",
    "   séparés par des points-virgules ; « Autres » si aucun thème ne convient. Liste : onglet « Thèmes ».",
    "4. Une réponse découpée en propositions se relit en entier : donnez une décision pour chacune de ses lignes.",
    "5. Laisser « Décision » et « Thèmes corrigés » vides : la réponse n'est pas relue, son code automatique",
    "   reste en place. Des thèmes corrigés sans décision valent « Corriger ».",
    "6. Ne modifiez pas les colonnes Identifiant, Question, Unité ni Texte à coder.",
    "",
    "Puis : consultation review import <ce fichier> <dossier de la consultation>",
    "Les réponses relues deviennent des codes humains (prioritaires) et le prochain codage réentraîne le modèle.",
    "Document de travail : il contient le texte des réponses, ne pas le diffuser.",
]


def export_review(
    con: duckdb.DuckDBPyConnection,
    engine: CodingEngine,
    path: str | Path,
    *,
    n_answers: int = 40,
    question_id: str | None = None,
    seed: int = 0,
) -> tuple[Path, pd.DataFrame]:
    """Choose the answers to review and write the sheet; returns the path and the rows written."""
    candidates = review_candidates(con, engine, n_answers=n_answers, question_id=question_id, seed=seed)
    return write_review_sheet(candidates, engine.consultation, path), candidates


# --------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------


@dataclass
class ReviewImport:
    path: Path
    rows_read: int
    units_reviewed: int
    answers_reviewed: int
    codes_written: int
    accepted: int
    corrected: int
    # Rows with corrected themes and no decision, read as « Corriger » (counted in `corrected`).
    inferred: int = 0


def _theme_of(question: Question, item: str) -> str | None:
    """The theme a piece of « Thèmes corrigés » names, read as every code typed by hand is
    (`Question.theme_of_code`: id or label, case, accents and punctuation aside)."""
    return question.theme_of_code().get(code_key(item))


def _themes_of(question: Question, raw: str) -> set[str]:
    """The themes a cell names; a piece naming no theme stays as written (so that two cells
    differ when either holds an unknown theme)."""
    return {_theme_of(question, p) or p.strip() for p in THEME_SEPARATORS.split(raw) if p.strip()}


def _cell(value: object) -> str:
    text = normalise_text(value)
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@") else text


# The sheet is exported as .xlsx; whoever fills it may save it in their spreadsheet's own format:
# LibreOffice's OpenDocument (.ods) or Excel's older .xls, read by calamine (openpyxl reads
# neither). A sheet saved as CSV has lost its other tabs and its types: it is refused by name.
SHEET_ENGINES = {".xlsx": "openpyxl", ".xlsm": "openpyxl", ".ods": "calamine", ".xls": "calamine"}
SHEET_FORMATS = "Excel (.xlsx, .xls) ou OpenDocument (.ods)"


def read_review_sheet(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise InputFileError.at(path, "fichier introuvable")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        raise InputFileError.at(path, (
            f"une feuille de relecture se relit au format {SHEET_FORMATS}, pas en {suffix} : "
            "rouvrez le classeur exporté et enregistrez-le dans l'un de ces formats"
        ))
    if suffix == ".ods" and zipfile.is_zipfile(path):  # calamine's dense grid, checked before it is built, as ingest does
        from consultation.ingest.readers import check_ods_size

        check_ods_size(path)
    try:
        frame = pd.read_excel(
            path, sheet_name=SHEET, dtype=str, keep_default_na=False, engine=SHEET_ENGINES.get(suffix, "openpyxl"),
        )
    except ValueError as exc:
        if "Worksheet" in str(exc) or "not found" in str(exc):
            raise InputFileError.at(path, f"onglet « {SHEET} » introuvable : est-ce bien une feuille de relecture ?") from None
        raise InputFileError.at(path, f"classeur illisible ({exc})") from None
    except Exception as exc:  # zip or XML errors from a damaged file, or not a workbook at all
        raise InputFileError.at(path, f"classeur illisible ({exc}) ; formats lus : {SHEET_FORMATS}") from None
    missing = [COLUMNS[k] for k in REQUIRED if COLUMNS[k] not in frame.columns]
    if missing:
        raise InputFileError([
            InputProblem(str(path), "colonne attendue absente", row=1, column=m) for m in missing
        ])
    return frame


# Unit numbers are small positive integers; anything beyond this is not one of ours.
MAX_UNIT_NO = 1_000_000


def _unit_number(value: str) -> int | None:
    """The unit number typed in the sheet (« 2 », « 2.0 », « 2,0 »), or None when it is not a
    whole number in range (« inf », « nan », « 1e400 », « 2.5 », « -1 »)."""
    try:
        number = float(value.replace(",", ".").replace("\u00a0", "").strip())
    except ValueError:
        return None
    if not math.isfinite(number) or number != int(number) or not 0 <= number <= MAX_UNIT_NO:
        return None
    return int(number)


def import_review(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, path: str | Path
) -> ReviewImport:
    """Validate the filled sheet and store its decisions as human codes (all or nothing)."""
    path = Path(path)
    frame = read_review_sheet(path)
    cid = consultation.id
    questions = {q.id: q for q in consultation.questions}
    stored = con.execute(
        "SELECT question_id, respondent_id, unit_no, text FROM units WHERE consultation_id = ?", [cid]
    ).fetchall()
    unit_text = {(q, r, int(n)): t for q, r, n, t in stored}
    units_of: dict[tuple[str, str], set[int]] = {}
    for q, r, n, _ in stored:
        units_of.setdefault((q, r), set()).add(int(n))
    problems: list[InputProblem] = []
    decided: dict[tuple[str, str], dict[int, list[str]]] = {}
    undecided: dict[tuple[str, str], list[int]] = {}
    present: dict[tuple[str, str], set[int]] = {}
    kinds = {"accepted": 0, "corrected": 0, "inferred": 0}
    seen_at: dict[tuple[str, str, int], tuple[int, str]] = {}  # unit -> (first Excel row, kind)
    for index, row in frame.iterrows():
        excel_row = int(index) + 2
        values = {k: _cell(row[COLUMNS[k]]) for k in REQUIRED}
        if not any(values.values()):
            continue
        qid, rid = values["question_id"], values["respondent_id"]
        question = questions.get(qid)
        if question is None:
            problems.append(InputProblem(str(path), "question inconnue du codebook", excel_row, COLUMNS["question_id"], qid))
            continue
        unit_no = _unit_number(values["unit_no"])
        if unit_no is None:
            problems.append(InputProblem(
                str(path), "numéro d'unité illisible (attendu : un entier positif, comme à l'export)", excel_row,
                COLUMNS["unit_no"], values["unit_no"],
            ))
            continue
        key = (qid, rid)
        present.setdefault(key, set()).add(unit_no)
        known = unit_text.get((qid, rid, unit_no))
        if known is None:
            problems.append(InputProblem(
                str(path), f"unité introuvable dans la base (répondant {rid}, question {qid}, unité {unit_no})",
                excel_row, COLUMNS["respondent_id"], rid,
            ))
            continue
        if normalise_text(known) != normalise_text(values["text"]):
            problems.append(InputProblem(
                str(path), "le texte ne correspond plus à la réponse en base (réponse modifiée depuis l'export ?)",
                excel_row, COLUMNS["text"], values["text"],
            ))
            continue
        decision = fold(values["decision"]).strip(" .")
        inferred = not decision and bool(values["corrected"])
        if inferred:
            # Themes typed without a decision: the person corrected the row (the sheet's guide says
            # an empty decision leaves a row unreviewed; their work is not dropped for that).
            decision = fold(CORRECT)
        if not decision:
            undecided.setdefault(key, []).append(excel_row)
            continue
        if decision in {fold(w) for w in _ACCEPT_WORDS}:
            column, raw, kind = COLUMNS["suggested"], values["suggested"], "accepted"
            if values["corrected"] and _themes_of(question, values["corrected"]) != _themes_of(question, raw):
                # « Accepter » with other themes typed: which one holds is the person's to say.
                problems.append(InputProblem(
                    str(path), f"« {ACCEPT} » mais des thèmes corrigés différents des thèmes proposés : choisissez "
                    f"« {CORRECT} » pour garder la correction, ou videz « {COLUMNS['corrected']} »",
                    excel_row, COLUMNS["corrected"], values["corrected"],
                ))
                continue
        elif decision in {fold(w) for w in _CORRECT_WORDS}:
            column, raw, kind = COLUMNS["corrected"], values["corrected"], "corrected"
            if not raw:
                problems.append(InputProblem(
                    str(path), "« Corriger » sans thème : indiquez au moins un thème (ou « Autres »)",
                    excel_row, COLUMNS["corrected"],
                ))
                continue
        else:
            problems.append(InputProblem(
                str(path), f"décision inconnue (attendu : {ACCEPT} ou {CORRECT})", excel_row, COLUMNS["decision"],
                values["decision"],
            ))
            continue
        themes: list[str] = []
        for item in (p for p in THEME_SEPARATORS.split(raw) if p.strip()):
            theme_id = _theme_of(question, item)
            if theme_id is None:
                problems.append(InputProblem(
                    str(path), f"thème inconnu pour la question {qid} (voir l'onglet « {THEMES_SHEET} »)",
                    excel_row, column, item,
                ))
            elif theme_id not in themes:
                themes.append(theme_id)
        if themes:
            earlier = seen_at.get((qid, rid, unit_no))
            if earlier is not None and sorted(decided[key][unit_no]) != sorted(themes):
                problems.append(InputProblem(
                    str(path), f"unité relue deux fois avec des thèmes différents (lignes {earlier[0]} et {excel_row}) : "
                    "gardez une seule ligne par unité", excel_row, column, raw,
                ))
                continue
            if earlier is None:
                seen_at[(qid, rid, unit_no)] = (excel_row, kind)
                kinds[kind] += 1
                kinds["inferred"] += inferred
            decided.setdefault(key, {})[unit_no] = themes
    for key, rows in undecided.items():
        if key in decided:
            problems.extend(
                InputProblem(
                    str(path), "décision manquante : les autres lignes de cette réponse sont relues, celle-ci doit l'être aussi",
                    r, COLUMNS["decision"],
                )
                for r in rows
            )
    for key in decided:
        absent = sorted(units_of.get(key, set()) - present.get(key, set()))
        if absent:
            problems.append(InputProblem(
                str(path), f"réponse relue en partie : {fmt.plural(len(absent), 'unité')} {', '.join(map(str, absent))} "
                f"du répondant {key[1]} (question {key[0]}) {fmt.plural(len(absent), 'absente')} de la feuille ; "
                f"{fmt.plural(len(absent), 'ajoutez-la', 'ajoutez-les')} ou ne relisez pas cette réponse",
            ))
    if problems:
        raise InputFileError(problems)
    version = store.codebook_version(con, cid)
    records = [
        (cid, rid, qid, theme, unit_text[(qid, rid, n)], version, str(path))
        for (qid, rid), by_unit in decided.items()
        for n, themes in sorted(by_unit.items())
        for theme in themes
    ]
    codes = pd.DataFrame(records, columns=[
        "consultation_id", "respondent_id", "question_id", "theme_id", "unit_text", "codebook_version", "source_file",
    ]).drop_duplicates()
    with store.transaction(con):
        if len(codes):
            pairs = codes[["respondent_id", "question_id"]].drop_duplicates()
            con.register("_review_pairs", pairs)
            try:
                con.execute(
                    "DELETE FROM human_codes WHERE consultation_id = ? AND (respondent_id, question_id) IN "
                    "(SELECT (respondent_id, question_id) FROM _review_pairs)",
                    [cid],
                )
            finally:
                con.unregister("_review_pairs")
            store.insert_df(con, "human_codes", codes)
    return ReviewImport(
        path, len(frame), sum(len(v) for v in decided.values()), len(decided), len(codes),
        kinds["accepted"], kinds["corrected"], kinds["inferred"],
    )
