"""Ingest a consultation's exports and human codes into DuckDB: idempotent, one transaction per file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from consultation import store
from consultation.codebook import Consultation
from consultation.errors import InputFileError, InputProblem
from consultation.readers import Table, header_key, read_table
from consultation.regions import UNKNOWN_REGION, normalise_region
from consultation.text import normalise_text


@dataclass
class FileReport:
    """What happened to one input file; `rows_read == rows_ingested + rows_quarantined` always."""

    path: Path
    kind: str
    status: str  # 'ingested' | 'unchanged' | 'failed'
    rows_read: int = 0
    rows_ingested: int = 0
    rows_quarantined: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def source_paths(folder: Path, patterns: list[str]) -> list[Path]:
    """Files named by the consultation file (globs allowed), in a stable order."""
    found: list[Path] = []
    for pattern in patterns:
        matches = sorted(folder.glob(pattern))
        if not matches:
            raise InputFileError.at(folder / pattern, "fichier introuvable (voir « sources » dans consultation.yaml)")
        found.extend(m for m in matches if m not in found)
    return found


def ingest_consultation(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, folder: str | Path
) -> list[FileReport]:
    """Register the codebook, then ingest every responses file and every human codes file."""
    folder = Path(folder)
    with store.transaction(con):
        store.register_codebook(con, consultation)
    reports = [
        ingest_responses(con, consultation, path)
        for path in source_paths(folder, consultation.sources.responses)
    ]
    if consultation.sources.human_codes:
        reports += [
            ingest_human_codes(con, consultation, path)
            for path in source_paths(folder, consultation.sources.human_codes)
        ]
    return reports


def _already_ingested(con: duckdb.DuckDBPyConnection, cid: str, digest: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM source_files WHERE consultation_id = ? AND file_hash = ?", [cid, digest]
        ).fetchone()[0]
    )


def _resolve_columns(table: Table, wanted: dict[str, str]) -> dict[str, str]:
    """Map each configured header to the file's actual header, tolerantly; name what is missing."""
    actual = {}
    for name in table.frame.columns:
        actual.setdefault(header_key(name), name)
    resolved, problems = {}, []
    for role, header in wanted.items():
        match = actual.get(header_key(header))
        if match is None:
            problems.append(
                InputProblem(str(table.path), f"colonne attendue absente (rôle : {role})", row=1, column=header)
            )
        else:
            resolved[role] = match
    if problems:
        raise InputFileError(problems)
    return resolved


def _response_columns(consultation: Consultation) -> dict[str, str]:
    cols = consultation.columns
    wanted = {"respondent_id": cols.respondent_id, "region": cols.region}
    if cols.structure_name:
        wanted["structure_name"] = cols.structure_name
    if cols.structure_type:
        wanted["structure_type"] = cols.structure_type
    for q in consultation.questions:
        for i, header in enumerate(q.columns):
            wanted[f"{q.id}#{i}"] = header
    for f in consultation.free_text:
        for i, header in enumerate(f.columns):
            wanted[f"{f.id}#{i}"] = header
        if f.follow_up:
            for i, header in enumerate(f.follow_up.columns):
                wanted[f"{f.id}#follow{i}"] = header
    return wanted


def ingest_responses(con: duckdb.DuckDBPyConnection, consultation: Consultation, path: Path) -> FileReport:
    """One survey export (wide layout: one row per respondent, one column per question)."""
    cid = consultation.id
    digest = file_hash(path)
    if _already_ingested(con, cid, digest):
        return FileReport(path, "responses", "unchanged", message="déjà ingéré (contenu identique)")
    table = read_table(path, header_hint=consultation.columns.respondent_id)
    colmap = _resolve_columns(table, _response_columns(consultation))
    frame = table.frame
    records, quarantine = [], []
    for idx, row in frame.iterrows():
        values = {role: normalise_text(row[col]) for role, col in colmap.items()}
        records.append((table.row_number(int(idx)), values, {str(k): str(v) for k, v in row.items()}))

    by_id: dict[str, list[tuple[int, dict, dict]]] = {}
    for rownum, values, raw in records:
        rid = values["respondent_id"]
        if not rid:
            quarantine.append((rownum, "identifiant du répondant manquant", raw))
            continue
        by_id.setdefault(rid, []).append((rownum, values, raw))

    kept: list[tuple[int, dict]] = []
    for rid, rows in by_id.items():
        first_row, first_values, _ = rows[0]
        if len(rows) == 1:
            kept.append((first_row, first_values))
            continue
        if all(values == first_values for _, values, _ in rows):
            kept.append((first_row, first_values))
            quarantine.extend((n, f"doublon exact de la ligne {first_row} (répondant {rid})", raw) for n, _, raw in rows[1:])
        else:
            lines = ", ".join(str(n) for n, _, _ in rows)
            quarantine.extend(
                (n, f"répondant « {rid} » présent plusieurs fois avec des réponses différentes (lignes {lines})", raw)
                for n, _, raw in rows
            )

    report = FileReport(path, "responses", "ingested", rows_read=len(records))
    respondents, answers = [], []
    for rownum, values in kept:
        match = normalise_region(values["region"])
        if match.region is None:
            report.warnings.append(
                f"{path.name}, ligne {rownum}, colonne « {consultation.columns.region} » : "
                f"région non reconnue « {values['region']} », comptée sous « {UNKNOWN_REGION} »"
            )
        respondents.append(
            {
                "respondent_id": values["respondent_id"],
                "structure_name": values.get("structure_name") or None,
                "structure_type": values.get("structure_type") or None,
                "region_raw": values["region"],
                "region_code": match.region.code if match.region else None,
                "region": match.region.name if match.region else UNKNOWN_REGION,
                "region_method": match.method,
                "source_file": str(path),
                "source_row": rownum,
            }
        )
        answers.extend(_answers_of(consultation, values))

    resp_df = pd.DataFrame(respondents)
    ans_df = pd.DataFrame(answers, columns=["respondent_id", "question_id", "text", "follow_up"])
    quar_df = pd.DataFrame(
        [(cid, digest, str(path), n, reason, json.dumps(raw, ensure_ascii=False)) for n, reason, raw in quarantine],
        columns=["consultation_id", "file_hash", "source_file", "source_row", "reason", "raw_json"],
    )
    report.rows_ingested = len(resp_df)
    report.rows_quarantined = len(quarantine)
    ids = resp_df["respondent_id"].tolist() if len(resp_df) else []
    with store.transaction(con):
        if ids:
            con.register("_ids", pd.DataFrame({"respondent_id": ids}))
            for tbl in ("respondents", "answers", "units", "auto_codes"):
                con.execute(
                    f"DELETE FROM {tbl} WHERE consultation_id = ? AND respondent_id IN (SELECT respondent_id FROM _ids)",  # noqa: S608
                    [cid],
                )
            con.unregister("_ids")
            resp_df.insert(0, "consultation_id", cid)
            ans_df.insert(0, "consultation_id", cid)
            store.insert_df(con, "respondents", resp_df)
            store.insert_df(con, "answers", ans_df)
        store.insert_df(con, "quarantine", quar_df)
        _record_file(con, cid, digest, report)
    return report


def _answers_of(consultation: Consultation, values: dict[str, str]) -> list[tuple]:
    rid = values["respondent_id"]
    out = []
    for q in consultation.questions:
        text = " / ".join(v for i in range(len(q.columns)) if (v := values[f"{q.id}#{i}"]))
        out.append((rid, q.id, text, None))
    for f in consultation.free_text:
        text = " / ".join(v for i in range(len(f.columns)) if (v := values[f"{f.id}#{i}"]))
        follow = ""
        if f.follow_up:
            follow = " / ".join(
                v for i in range(len(f.follow_up.columns)) if (v := values[f"{f.id}#follow{i}"])
            )
        out.append((rid, f.id, text, follow or None))
    return out


def _record_file(con: duckdb.DuckDBPyConnection, cid: str, digest: str, report: FileReport) -> None:
    con.execute(
        "INSERT INTO source_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [cid, digest, report.kind, str(report.path), report.rows_read, report.rows_ingested,
         report.rows_quarantined, datetime.now()],
    )


HUMAN_CODE_COLUMNS = {"respondent_id": "respondent_id", "question_id": "question_id", "theme_id": "theme_id"}


def ingest_human_codes(con: duckdb.DuckDBPyConnection, consultation: Consultation, path: Path) -> FileReport:
    """Human codes (respondent, question, theme, text): replace earlier codes of the same answers.

    An unknown question or theme is an error for the whole file (it means the codebook and the
    codes disagree); a code for a respondent who is not ingested is quarantined.
    """
    cid = consultation.id
    digest = file_hash(path)
    if _already_ingested(con, cid, digest):
        return FileReport(path, "human_codes", "unchanged", message="déjà ingéré (contenu identique)")
    table = read_table(path, header_hint="respondent_id")
    colmap = _resolve_columns(table, HUMAN_CODE_COLUMNS)
    text_col = next((c for c in table.frame.columns if header_key(c) in {"text", "texte", "unit_text"}), None)
    theme_question = consultation.theme_question
    question_ids = {q.id for q in consultation.questions}
    known = {r[0] for r in con.execute("SELECT respondent_id FROM respondents WHERE consultation_id = ?", [cid]).fetchall()}
    problems, rows, quarantine = [], [], []
    for idx, row in table.frame.iterrows():
        rownum = table.row_number(int(idx))
        rid = normalise_text(row[colmap["respondent_id"]])
        qid = normalise_text(row[colmap["question_id"]])
        tid = normalise_text(row[colmap["theme_id"]])
        text = normalise_text(row[text_col]) if text_col else ""
        raw = {str(k): str(v) for k, v in row.items()}
        if qid not in question_ids:
            problems.append(InputProblem(str(path), "question inconnue du codebook", rownum, colmap["question_id"], qid))
        elif tid not in theme_question:
            problems.append(InputProblem(str(path), f"thème inconnu du codebook pour la question {qid}", rownum, colmap["theme_id"], tid))
        elif theme_question[tid] != qid:
            problems.append(InputProblem(str(path), f"le thème appartient à la question {theme_question[tid]}, pas à {qid}", rownum, colmap["theme_id"], tid))
        elif not rid:
            quarantine.append((rownum, "identifiant du répondant manquant", raw))
        elif rid not in known:
            quarantine.append((rownum, f"répondant « {rid} » absent des réponses ingérées", raw))
        else:
            rows.append((rid, qid, tid, text))
    if problems:
        raise InputFileError(problems)
    codes = pd.DataFrame(rows, columns=["respondent_id", "question_id", "theme_id", "unit_text"]).drop_duplicates()
    report = FileReport(
        path, "human_codes", "ingested", rows_read=len(table.frame),
        rows_ingested=len(rows), rows_quarantined=len(quarantine),
    )
    version = store.codebook_version(con, cid)
    quar_df = pd.DataFrame(
        [(cid, digest, str(path), n, reason, json.dumps(raw, ensure_ascii=False)) for n, reason, raw in quarantine],
        columns=["consultation_id", "file_hash", "source_file", "source_row", "reason", "raw_json"],
    )
    with store.transaction(con):
        if len(codes):
            pairs = codes[["respondent_id", "question_id"]].drop_duplicates()
            con.register("_pairs", pairs)
            con.execute(
                "DELETE FROM human_codes WHERE consultation_id = ? AND (respondent_id, question_id) IN "
                "(SELECT (respondent_id, question_id) FROM _pairs)",
                [cid],
            )
            con.unregister("_pairs")
            codes.insert(0, "consultation_id", cid)
            codes["codebook_version"] = version
            codes["source_file"] = str(path)
            store.insert_df(con, "human_codes", codes)
        store.insert_df(con, "quarantine", quar_df)
        _record_file(con, cid, digest, report)
    return report
