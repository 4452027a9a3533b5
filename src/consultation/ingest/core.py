"""Ingest a consultation's exports and human codes into DuckDB.

What a federation can rely on: every row read is either ingested or kept in `quarantine` with the
reason (rows read = ingested + quarantined, per file); a file already ingested with the same content
and the same mapping is skipped; a corrected export replaces the answers of the respondents it
contains; a whole ingest is one transaction, so a crash leaves the database as it was; input files
are only ever read.
"""

from __future__ import annotations

import contextlib
import difflib
import glob
import hashlib
import itertools
import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from consultation import fmt, store
from consultation.codebook import (
    GRID_MARKS,
    MAX_ANSWER_CHARS,
    THEME_SEPARATORS,
    Consultation,
    Question,
    SourceFile,
    code_key,
    grid_mark,
    is_ticked,
)
from consultation.errors import InputFileError, InputProblem, is_interrupt
from consultation.ingest.readers import (
    Table,
    cell_shape,
    cell_text,
    column_letter,
    header_key,
    read_table,
)
from consultation.ingest.regions import REGIONS, UNKNOWN_REGION, normalise_region
from consultation.progress import progress
from consultation.text import is_excerpt_of

log = logging.getLogger(__name__)

# A header naming an e-mail column, as `header_key` writes it (« Adresse e-mail » → « adresse e mail »).
EMAIL_HEADER = re.compile(r"\be ?mail\b|courriel")
MAX_LISTED = 20  # problems or values listed in one message; the rest are counted
_ROLE_LABELS = {
    "respondent_id": "identifiant du répondant",
    "structure_name": "nom de la structure",
    "structure_type": "type de structure",
    "question": "question (format long)",
    "answer": "réponse (format long)",
    "question_id": "question",
    "theme_id": "thème",
    "codes": "codes donnés à la main (format long)",
}


@dataclass(frozen=True)
class RegionIssue:
    """A respondent whose region could not be found: counted under « Région inconnue »."""

    row: int
    column: str
    value: str
    sheet: str | None = None  # when the file was read from several sheets


@dataclass
class FileReport:
    """What happened to one input file; `rows_read == rows_ingested + rows_quarantined` always."""

    path: Path
    kind: str  # 'responses' | 'human_codes'
    status: Literal["ingested", "unchanged"]
    rows_read: int = 0
    rows_ingested: int = 0
    rows_quarantined: int = 0
    respondents: int = 0
    read_as: str = ""
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    unknown_regions: list[RegionIssue] = field(default_factory=list)
    empty_regions: list[int] = field(default_factory=list)
    hand_coded: int = 0  # answers whose codes given by hand were read from the export's own columns


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def source_paths(folder: Path, entries: Iterable[str | SourceFile]) -> list[tuple[Path, SourceFile]]:
    """Files named by the consultation file (globs allowed), in a stable order, with how to read them."""
    found: list[tuple[Path, SourceFile]] = []
    seen: set[Path] = set()
    for entry in entries:
        source = entry if isinstance(entry, SourceFile) else SourceFile(path=entry)
        # glob.glob, unlike Path.glob, accepts absolute and '../' patterns: data read in place elsewhere.
        pattern = str(Path(glob.escape(str(folder))) / source.path)
        matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())  # noqa: PTH207
        if not matches:
            raise InputFileError.at(
                folder / source.path, "fichier introuvable (voir « sources » dans consultation.yaml)"
            )
        for match in matches:
            if match not in seen:
                seen.add(match)
                found.append((match, source))
    return found


def _label(path: Path, folder: Path) -> str:
    """How a file is named in the database: relative to the consultation folder, stable across machines."""
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def ingest_consultation(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, folder: str | Path
) -> list[FileReport]:
    """Register the codebook, then ingest every responses file and every human codes file.

    One transaction for the whole ingest: if any file is unusable, the error names it and the
    database is left exactly as it was (nothing half-ingested to clean up).
    """
    folder = Path(folder)
    responses = source_paths(folder, consultation.sources.response_files)
    codes = source_paths(folder, consultation.sources.human_code_files)
    sizes = {p: max(1, p.stat().st_size // 1024) for p, _ in [*responses, *codes] if p.is_file()}  # Ko
    reports: list[FileReport] = []
    with interruptible(), store.transaction(con), progress(sum(sizes.values()), "Import", unit="Ko") as advance:
        store.register_codebook(con, consultation)
        for p, s in responses:
            reports.append(_ingest_responses(con, consultation, p, s, _label(p, folder)))
            advance(sizes.get(p, 0))
        for p, s in codes:
            reports.append(_ingest_human_codes(con, consultation, p, s, _label(p, folder)))
            advance(sizes.get(p, 0))
    for report in reports:
        _log_report(report)
    return reports


def _log_report(report: FileReport) -> None:
    """One line per file for the logs (a Prefect run shows them): counts only, never a cell's
    value, since the warnings may quote one."""
    if report.status == "unchanged":
        log.info("%s : %s", report.path.name, report.message)
        return
    log.info(
        "%s : %s, %s, %s (%s)", report.path.name, fmt.count(report.rows_read, "ligne lue", "lignes lues"),
        fmt.count(report.rows_ingested, "ingérée"), fmt.count(report.rows_quarantined, "mise de côté", "mises de côté"),
        report.read_as,
    )
    if report.warnings or report.unknown_regions:
        log.warning(
            "%s : %s et %s, détail dans le rapport d'import", report.path.name,
            fmt.count(len(report.warnings), "avertissement"),
            fmt.count(len(report.unknown_regions), "région non reconnue", "régions non reconnues"),
        )


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Ctrl+C during a DuckDB query surfaces as RuntimeError('Query interrupted'): make it the
    KeyboardInterrupt it is, after the transaction has been rolled back."""
    try:
        yield
    except Exception as exc:
        if is_interrupt(exc):
            raise KeyboardInterrupt from None
        raise


def ingest_responses(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    path: Path,
    source: SourceFile | None = None,
    *,
    folder: Path | None = None,
) -> FileReport:
    """One survey export, in its own transaction (the codebook must be registered already)."""
    return _ingest_one(_ingest_responses, con, consultation, Path(path), source, folder)


def ingest_human_codes(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    path: Path,
    source: SourceFile | None = None,
    *,
    folder: Path | None = None,
) -> FileReport:
    """One file of human codes, in its own transaction."""
    return _ingest_one(_ingest_human_codes, con, consultation, Path(path), source, folder)


def _ingest_one(
    ingest: Callable[[duckdb.DuckDBPyConnection, Consultation, Path, SourceFile, str], FileReport],
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    path: Path,
    source: SourceFile | None,
    folder: Path | None,
) -> FileReport:
    with interruptible(), store.transaction(con):
        report = ingest(con, consultation, path, source or SourceFile(path=path.name), _label(path, folder or path.parent))
    _log_report(report)
    return report


# --------------------------------------------------------------------------
# Idempotence
# --------------------------------------------------------------------------


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """Execute and fetch everything: DuckDB refuses new work while a result is left unfinished."""
    return con.execute(sql, params or []).fetchall()


def _settings_hash(payload: object) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def settings_hash_of(consultation: Consultation, source: SourceFile, kind: str) -> str:
    """What decides how a file's rows are read (recorded in `source_files.settings_hash`).

    A file whose content hash is recorded with the same settings hash is skipped; with another one
    (a fixed mapping, a new question, another sheet) it is read again.
    """
    # The answer limit and the codes' column count only when set, so that existing databases are
    # not read again.
    dump = source.model_dump(exclude={"path"} | ({"max_answer_chars"} if source.max_answer_chars == MAX_ANSWER_CHARS else set())
                             | ({"codes_column"} if source.codes_column is None else set()))
    if kind == "human_codes":
        return _settings_hash({"source": dump})
    return _settings_hash(
        {
            "source": dump,
            "columns": consultation.columns.model_dump(),
            # A column of codes read with the export: its header and the themes its codes name
            # (only when there is one: databases built before it are not read again).
            "questions": [
                [q.id, q.text, q.columns]
                + ([q.codes_column, [[t.id, t.label] for t in q.themes]] if q.codes_column or source.codes_column else [])
                + ([q.grid, [[t.id, t.label] for t in q.themes]] if q.codes_grid else [])
                for q in consultation.questions
            ],
            "free_text": [
                [f.id, f.text, f.columns, f.follow_up.model_dump() if f.follow_up else None]
                for f in consultation.free_text
            ],
        }
    )


def _skip_if_unchanged(
    con: duckdb.DuckDBPyConnection, cid: str, digest: str, settings: str, path: Path, kind: str
) -> FileReport | None:
    """The same content read with the same settings changes nothing; new settings mean read again."""
    found = _rows(
        con, "SELECT path, settings_hash FROM source_files WHERE consultation_id = ? AND file_hash = ?", [cid, digest]
    )
    if not found:
        return None
    row = found[0]
    if row[1] in (settings, None):
        same = "" if row[0] == path.name or row[0].endswith("/" + path.name) else f" sous le nom « {row[0]} »"
        return FileReport(path, kind, "unchanged", message=f"déjà ingéré{same} (contenu identique)")
    _rows(con, "DELETE FROM quarantine WHERE consultation_id = ? AND file_hash = ?", [cid, digest])
    _rows(con, "DELETE FROM source_files WHERE consultation_id = ? AND file_hash = ?", [cid, digest])
    return None


def _record_file(
    con: duckdb.DuckDBPyConnection, cid: str, digest: str, settings: str, label: str, report: FileReport
) -> None:
    _rows(
        con,
        "INSERT INTO source_files (consultation_id, file_hash, kind, path, rows_read, rows_ingested, "
        "rows_quarantined, ingested_at, settings_hash, read_as, respondents) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [cid, digest, report.kind, label, report.rows_read, report.rows_ingested,
         report.rows_quarantined, datetime.now(), settings, report.read_as, report.respondents],
    )


# --------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------


def resolve_columns(table: Table, wanted: dict[str, str]) -> dict[str, str]:
    """Map each configured header to the file's header; name every missing or ambiguous one.

    Tried in order: the exact header, then case/accents/punctuation/spacing ignored, then also a
    numbering prefix ignored ("Q3.", "3a)"), then a header the tool cut (the file's header is the
    start of one configured header only, and of no other). Two configured headers that would land
    on the same column only through that tolerance are refused: silently mixing two questions is
    worse than an error. Every header read another way than written in consultation.yaml is named
    with the one it is read as, in `table.warnings` (a survey tool renumbers or rewords between
    two exports: the user sees what was mapped to what).
    """
    columns = list(table.frame.columns)
    # annotated: left to inference, mypy's join of these three callables differs between runs
    tiers: tuple[Callable[[str], str], ...] = (
        _one_line,  # the same words: spaces, tabs, line breaks, no-break spaces aside
        lambda h: header_key(h, keep_number=True),
        header_key,
    )
    indexes: list[dict[str, list[str]]] = []
    for tier in tiers:
        index: dict[str, list[str]] = {}
        for col in columns:
            index.setdefault(tier(str(col)), []).append(col)
        indexes.append(index)
    header_row = table.first_data_row - 1
    resolved: dict[str, str] = {}
    loose: set[str] = set()
    problems: list[InputProblem] = []
    unfound: list[str] = []
    for role, header in wanted.items():
        for level, (tier, index) in enumerate(zip(tiers, indexes, strict=True)):
            key = tier(header)
            hits = index.get(key, []) if key else []
            if len(hits) == 1:
                resolved[role] = hits[0]
                if level:
                    loose.add(hits[0])
                break
            if len(hits) > 1:
                problems.append(
                    InputProblem(
                        str(table.path),
                        f"plusieurs colonnes correspondent ({', '.join(f'« {h} »' for h in hits)}) : "
                        "renommez-en une ou donnez l'en-tête exact dans consultation.yaml",
                        row=header_row, column=header,
                    )
                )
                break
        else:
            unfound.append(role)
    cut = _cut_headers(wanted, unfound, [c for c in columns if c not in set(resolved.values())])
    for role in unfound:
        if role in cut:
            resolved[role] = cut[role]
            loose.add(cut[role])
            continue
        problems.append(
            InputProblem(
                str(table.path),
                f"colonne attendue absente ({_role_label(role)}){_closest(wanted[role], columns)}",
                row=header_row, column=wanted[role],
            )
        )
    read = set(resolved.values())
    for col in dict.fromkeys(resolved.values()):
        twins = table.duplicates.get(col)
        if not twins:
            continue
        where = " et ".join(f"{column_letter(pos)} (n° {pos})" for pos, _ in twins)
        labels = [label for label, group in table.duplicates.items() if group == twins]
        if set(labels) <= read:  # each of them read by its own role, by its rank: nothing lost
            if col == labels[0]:
                table.warnings.append(
                    f"{table.path.name}, ligne {header_row} : en-tête « {_one_line(twins[0][1])} » présent "
                    f"{len(twins)} fois (colonnes {where}) : lues dans l'ordre, comme "
                    + ", ".join(f"« {_one_line(label)} »" for label in labels)
                    + " dans consultation.yaml ; si l'outil d'enquête les changeait d'ordre, leurs réponses "
                    "seraient échangées : mieux vaut des intitulés différents dans le formulaire"
                )
            continue
        problems.append(
            InputProblem(
                str(table.path),
                f"en-tête présent {len(twins)} fois, colonnes {where} : une seule serait lue et l'autre "
                "perdue ; renommez l'une d'elles dans le fichier, ou nommez chacune dans consultation.yaml ("
                + ", ".join(f"« {_one_line(label)} »" for label in labels) + ", dans l'ordre des colonnes)",
                row=header_row, column=twins[0][1], value=None,
            )
        )
    for col in sorted(loose):
        headers = sorted({_one_line(wanted[role]) for role, c in resolved.items() if c == col})
        if len(headers) > 1:
            problems.append(
                InputProblem(
                    str(table.path),
                    "des en-têtes différents de consultation.yaml ("
                    + ", ".join(f"« {h} »" for h in headers)
                    + ") désignent la même colonne : donnez les en-têtes exacts",
                    row=header_row, column=col,
                )
            )
    if problems:
        raise InputFileError(problems)
    read_as = [
        f"« {_one_line(col)} »{' (en-tête coupé)' if role in cut else ''} lu comme « {_one_line(wanted[role])} » "
        f"({_role_label(role)})"
        for role, col in resolved.items() if col in loose
    ]
    if read_as:
        shown = " ; ".join(read_as[:MAX_LISTED]) + (f" ; … (+{len(read_as) - MAX_LISTED})" if len(read_as) > MAX_LISTED else "")
        table.warnings.append(
            f"{table.path.name}, ligne {header_row} : {fmt.integer(len(read_as))} "
            f"en-tête{'s' if len(read_as) > 1 else ''} écrit{'s' if len(read_as) > 1 else ''} autrement que "
            f"dans consultation.yaml : {shown} ; vérifiez chaque correspondance, ou reprenez ces en-têtes dans "
            "consultation.yaml"
        )
    return resolved


_MIN_CUT_KEY = 25  # a cut header shorter than this (as `header_key` writes it) says too little


def _cut_headers(wanted: dict[str, str], roles: list[str], columns: list[str]) -> dict[str, str]:
    """Roles whose header the tool cut at N characters (« 4. Vos propositions pour le pilier n° 1 :
    Transfor… »): the file's header, numbering kept then ignored, is the start of this configured
    header and of no other, and the only column that is. Anything less certain stays missing."""
    found: dict[str, str] = {}
    for keep_number in (True, False):
        keys = {col: header_key(col, keep_number=keep_number) for col in columns if col not in found.values()}
        keys = {col: k for col, k in keys.items() if len(k) >= _MIN_CUT_KEY}
        targets = {role: header_key(header, keep_number=keep_number) for role, header in wanted.items()}
        for role in roles:
            if role in found:
                continue
            hits = [col for col, k in keys.items() if targets[role].startswith(k) and targets[role] != k]
            if len(hits) == 1 and sum(t.startswith(keys[hits[0]]) for t in targets.values()) == 1:
                found[role] = hits[0]
    return found if len(set(found.values())) == len(found) else {}


def _one_line(header: str) -> str:
    """A header as one line (a line break or a tab inside it shown as a space)."""
    return " ".join(str(header).split())


def _role_label(role: str) -> str:
    if role.startswith("region#"):
        return "région"
    if role.startswith("respondent_id#"):
        return "identifiant du répondant"
    if role.startswith(("q:", "f:")):
        return f"question {role[2:].split('#')[0]}"
    if role.startswith("codes:"):
        return f"codes donnés à la main, question {role[6:]}"
    if role.startswith("grid:"):
        return f"grille de codage, question {role[5:].split('#')[0]}"
    return _ROLE_LABELS.get(role, role)


def _closest(header: str, columns: list[str]) -> str:
    """A hint for the likely culprit: a header that contains the wanted one, or a near spelling."""
    wanted = header_key(header)
    keys = {header_key(c): c for c in columns if header_key(c)}
    near = [k for k in keys if len(wanted) >= 3 and (wanted in k or (len(k) >= 3 and k in wanted))]
    near = near or difflib.get_close_matches(wanted, list(keys), n=1, cutoff=0.6)
    return f" ; colonne la plus proche : « {keys[near[0]]} »" if near else ""


# --------------------------------------------------------------------------
# Cleaning cells in bulk
# --------------------------------------------------------------------------

# A cell made only of these characters and without doubled or edge spaces is already clean
# (NFC-stable, nothing to translate), so the common case costs one regex pass in Arrow.
_SAFE_CHARS = r"\x{21}-\x{5F}\x{61}-\x{7E}\x{A1}-\x{B3}\x{B5}-\x{24F}"
_SAFE = rf"^[{_SAFE_CHARS}][\x{{20}}{_SAFE_CHARS}\n]*$"
_UNSAFE_LAYOUT = r"  | \n|\n |\n\n| $|\n$"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\f\v]+")


# Characters that print as nothing (controls, zero-width spaces and joiners, direction marks, BOM,
# soft hyphen): in an id they would make "A1" and "A1\u200b" two respondents.
_INVISIBLE = r"[\x{0}-\x{8}\x{B}\x{C}\x{E}-\x{1F}\x{7F}-\x{9F}\p{Cf}]"


def normalise_ids(values: pd.Series, table: Table, column: str) -> tuple[pd.Series, list[str]]:
    """Ids cleaned as any cell, and without invisible characters; a warning names the rows where
    some were removed (the same respondent must not be counted twice)."""
    raw = pa.array(values.fillna("").astype(str), type=pa.large_string())
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    found = pc.match_substring_regex(raw, _INVISIBLE)
    if not pc.any(found).as_py():
        return normalise_series(values), []
    stripped = pd.Series(pc.replace_substring_regex(raw, _INVISIBLE, ""), index=values.index, dtype=_STR)
    cleaned = normalise_series(stripped)
    mask = pd.Series(found.to_numpy(zero_copy_only=False), index=values.index)
    rows = values.index[mask]
    first = int(mask.to_numpy().nonzero()[0][0])
    example = raw[first].as_py()
    codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in example if unicodedata.category(c) in ("Cc", "Cf")}))
    plural = len(rows) > 1
    warning = (
        f"{table.path.name}, colonne « {column} » : {fmt.integer(len(rows))} identifiant{'s' if plural else ''} "
        f"contenai{'en' if plural else ''}t des caractères invisibles ({codes}), retirés "
        f"({table.lines(rows)}) : « {example.encode('unicode_escape').decode()} » "
        f"est lu « {cleaned.iloc[first]} »"
    )
    return cleaned, [warning]


ID_SEPARATOR = " | "


def respondent_ids(table: Table, columns: list[str]) -> tuple[pd.Series, list[str]]:
    """Each row's respondent id: one column's value, or several columns' joined by « | ».

    A row whose id columns are all empty has no id (quarantined as such); with some empty, the
    others name it, each value in its place (« 12/06/2020 10:31:00 | »).
    """
    parts: list[pd.Series] = []
    warnings: list[str] = []
    for column in columns:
        ids, found = normalise_ids(table.frame[column], table, column)
        parts.append(ids.astype(object))
        warnings.extend(found)
    if len(parts) == 1:
        return parts[0], warnings
    joined = parts[0].str.cat(parts[1:], sep=ID_SEPARATOR)
    empty = pd.concat(parts, axis=1).eq("").all(axis=1)
    return joined.mask(empty, ""), warnings


def _clean_one(value: str) -> str:
    """Same result as `text.normalise_text` on a string, several times faster on long answers."""
    text = unicodedata.normalize("NFC", value)
    if not text.isascii():
        for old, new in (("’", "'"), ("‘", "'"), ("´", "'"), ("\u00a0", " "), ("\u202f", " ")):
            text = text.replace(old, new)
    text = text.replace("`", "'")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "  " in text or "\t" in text:  # a regex pass costs more than these two scans
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        return "\n".join(line for line in (part.strip() for part in text.split("\n")) if line)
    return text.strip()


# Cells made of those characters plus a few other NFC-stable, non-blank, never-combining ones
# (typographic punctuation, currency, arrows, symbols, emoji) and of the characters cleaning
# replaces are cleaned in Arrow, a handful of passes over the whole column; the rare rest (other
# scripts, combining accents, control or exotic blank characters) goes through `_clean_one`.
# tests/test_ingest_checks.py checks every character of this class against those properties.
_EXTRA_RANGES = (
    (0x2010, 0x2017), (0x201A, 0x2027), (0x2030, 0x205E), (0x20A0, 0x20C0), (0x2190, 0x21FF),
    (0x2500, 0x27BF), (0x2B00, 0x2BFF), (0x200B, 0x200D), (0xFE0F, 0xFE0F), (0x1F000, 0x1FAFF),
)
_FIXABLE_CHARS = _SAFE_CHARS + "".join(rf"\x{{{lo:X}}}-\x{{{hi:X}}}" for lo, hi in _EXTRA_RANGES)
_FIXABLE = rf"^[{_FIXABLE_CHARS}\x{{2018}}\x{{2019}}\x{{B4}}\x{{60}}\x{{A0}}\x{{202F}}\t\r\n ]*$"


def _clean_arrow(arr: pa.Array) -> pa.Array:
    """`_clean_one` on cells whose characters all match `_FIXABLE` (no NFC change possible)."""
    for old in ("\u2019", "\u2018", "\u00b4", "`"):
        arr = pc.replace_substring(arr, old, "'")
    for old in ("\u00a0", "\u202f"):
        arr = pc.replace_substring(arr, old, " ")
    arr = pc.replace_substring_regex(arr, "\r\n?", "\n")
    arr = pc.replace_substring_regex(arr, r"[ \t][ \t]+|\t", " ")
    arr = pc.replace_substring_regex(arr, r" \n ?|\n ", "\n")  # spaces around line breaks
    arr = pc.replace_substring_regex(arr, r"\n\n+", "\n")  # blank lines
    return pc.utf8_trim(arr, " \n")


def normalise_series(values: pd.Series) -> pd.Series:
    """`text.normalise_text` on a whole column: cells already clean are found in bulk and kept,
    the usual dirty ones (typographic apostrophes, doubled spaces) are cleaned in bulk too."""
    if values.empty:
        return values.fillna("").astype(str)
    arr = pa.array(values.fillna("").astype(str), type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):  # Arrow-backed columns come in chunks
        arr = arr.combine_chunks()
    clean = pc.or_(
        pc.equal(arr, ""),
        pc.and_(pc.match_substring_regex(arr, _SAFE), pc.invert(pc.match_substring_regex(arr, _UNSAFE_LAYOUT))),
    )
    if pc.all(clean).as_py():
        return pd.Series(arr, index=values.index, dtype=_STR)
    dirty = pc.invert(clean)
    cells = pc.filter(arr, dirty)
    bulk = pc.match_substring_regex(cells, _FIXABLE)
    cleaned = pc.replace_with_mask(cells, bulk, _clean_arrow(pc.filter(cells, bulk)))
    rest = pc.invert(bulk)
    if pc.any(rest).as_py():
        one_by_one = pa.array([_clean_one(v) for v in pc.filter(cells, rest).to_pylist()], type=pa.large_string())
        cleaned = pc.replace_with_mask(cleaned, rest, one_by_one)
    return pd.Series(pc.replace_with_mask(arr, dirty, cleaned), index=values.index, dtype=_STR)


_STR = pd.StringDtype("pyarrow", na_value=float("nan"))  # pandas' default "str", kept Arrow-backed


# --------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------


@dataclass
class _Batch:
    """Rows of one file turned into respondents and answers, plus what was set aside and why."""

    respondents: pd.DataFrame  # respondent_id, structure_*, region#k, source_row
    answers: pd.DataFrame  # respondent_id, question_id, text, follow_up
    reasons: pd.Series  # row index -> reason ('' = ingested)
    warnings: list[str] = field(default_factory=list)


def _response_roles(consultation: Consultation, source: SourceFile) -> dict[str, str]:
    cols = consultation.columns
    wanted = {f"respondent_id#{i}": header for i, header in enumerate(cols.respondent_id_columns)}
    for i, header in enumerate(cols.region_columns):
        wanted[f"region#{i}"] = header
    if cols.structure_name:
        wanted["structure_name"] = cols.structure_name
    if cols.structure_type:
        wanted["structure_type"] = cols.structure_type
    if source.layout == "long":
        wanted["question"] = source.question_column or ""
        wanted["answer"] = source.answer_column or ""
        if source.codes_column:
            wanted["codes"] = source.codes_column
        return wanted
    for q in consultation.questions:
        for i, header in enumerate(q.columns):
            wanted[f"q:{q.id}#{i}"] = header
        if q.codes_column:
            wanted[f"codes:{q.id}"] = q.codes_column
        for i, (header, _) in enumerate(q.grid):
            wanted[f"grid:{q.id}#{i}"] = header
    for f in consultation.free_text:
        for i, header in enumerate(f.columns):
            wanted[f"q:{f.id}#{i}"] = header
        if f.follow_up:
            for i, header in enumerate(f.follow_up.columns):
                wanted[f"f:{f.id}#{i}"] = header
    return wanted


def _ingest_responses(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, path: Path, source: SourceFile, label: str
) -> FileReport:
    cid = consultation.id
    digest = file_hash(path)
    settings = settings_hash_of(consultation, source, "responses")
    skipped = _skip_if_unchanged(con, cid, digest, settings, path, "responses")
    if skipped:
        return skipped
    id_columns = consultation.columns.respondent_id_columns
    table = read_table(path, sheet=source.sheet, header_row=source.header_row, header_hint=id_columns[0])
    wanted = _response_roles(consultation, source)
    colmap = resolve_columns(table, wanted)
    if source.layout != "long":
        table.warnings.extend(_unread_answers(table, set(colmap.values())))
    values = pd.DataFrame(
        {
            role: normalise_series(table.frame[col])
            for role, col in colmap.items() if not role.startswith("respondent_id#")
        },
        index=table.frame.index,
    )
    ids, id_warnings = respondent_ids(table, [colmap[f"respondent_id#{i}"] for i in range(len(id_columns))])
    values.insert(0, "respondent_id", ids)
    table.warnings.extend(id_warnings)
    reasons = pd.Series("", index=values.index, dtype=object)
    for idx, why in table.malformed.items():
        if idx in reasons.index:
            reasons[idx] = why
    _flag_summary_rows(table, reasons)
    _flag_notes_below(table, values["respondent_id"], reasons)
    _flag_notes_at_end(table, values["respondent_id"], reasons,
                       [col for role, col in colmap.items() if role.startswith(("q:", "f:", "answer"))])
    table.warnings.extend(_footer_warnings(table, reasons))
    table.warnings.extend(_spreadsheet_values(table, values, reasons, colmap))
    missing_id = values["respondent_id"].eq("") & reasons.eq("")
    reasons[missing_id] = "identifiant du répondant manquant"
    _flag_long_answers(values, reasons, colmap, source.max_answer_chars)
    if source.layout == "long":
        batch = _long_batch(table, consultation, values, reasons, colmap)
    else:
        batch = _wide_batch(table, consultation, values, reasons)

    codes, code_warnings = _export_codes(table, consultation, values, batch.reasons, colmap)
    report = FileReport(
        path, "responses", "ingested", rows_read=len(values), read_as=table.describe(),
        warnings=[*table.warnings, *batch.warnings, *code_warnings],
    )
    report.rows_quarantined = int(batch.reasons.ne("").sum())
    report.rows_ingested = report.rows_read - report.rows_quarantined
    respondents = _with_regions(batch.respondents, consultation, path, report)
    report.respondents = len(respondents)
    respondents["source_file"] = label
    quarantine = _quarantine_frame(cid, digest, label, table, batch.reasons)
    _store_responses(con, cid, label, respondents, batch.answers, report)
    # Always: a codes column taken out of consultation.yaml takes its codes out of the base.
    _store_export_codes(con, cid, label, respondents["respondent_id"], codes, report)
    store.insert_df(con, "quarantine", quarantine)
    _record_file(con, cid, digest, settings, label, report)
    return report


# A column of written answers, as opposed to a tool's metadata or ticked options: most filled cells
# are sentences of a few words, and most of them differ.
_WRITTEN_MIN_CHARS = 20
_WRITTEN_MIN_WORDS = 3


def _unread_answers(table: Table, read: set[str]) -> list[str]:
    """Columns no role reads that hold written answers: a question added to the questionnaire
    since consultation.yaml was written (its answers would be left out without a word), or a
    question whose header changed beyond recognition while another column is still found."""
    out = []
    for col in table.frame.columns:
        if col in read:
            continue
        filled = table.frame[col].fillna("").astype(str).str.strip()
        filled = filled[filled.ne("")]
        values = filled.head(2000)  # enough to tell sentences from a tool's values, in bounded time
        if len(values) < 3:
            continue
        words = values.str.split().str.len()
        if (
            values.str.len().median() >= _WRITTEN_MIN_CHARS
            and words.median() >= _WRITTEN_MIN_WORDS
            and values.nunique() * 2 > len(values)
            and not values.str.contains(r"://|^[\w.+-]+@|^\d", regex=True).mean() > 0.5
        ):
            out.append(
                f"{table.path.name}, colonne « {_one_line(col)} » : non lue, absente de consultation.yaml, alors "
                f"qu'elle contient {fmt.count(len(filled), 'réponse rédigée', 'réponses rédigées')} ; une question ajoutée au "
                "questionnaire n'est importée qu'une fois ajoutée à consultation.yaml (questions ou free_text)"
            )
    return out


# What a spreadsheet shows in place of a formula's value that failed: Excel's errors in English and
# French, Google Sheets' « #ERROR! », LibreOffice's « Err:502 ». The text that was there is lost.
SPREADSHEET_ERROR = (
    r"(?i)#(?:N/A|N/D|NULL!|NUL!|DIV/0!|VALUE!|VALEUR!|REF!|NAME\?|NOM\?|NUM!|NOMBRE!|GETTING_DATA|SPILL!|"
    r"PROPAGATION!|CALC!|BLOCKED!|CONNECT!|FIELD!|UNKNOWN!|BUSY!|EXTERNAL!|PYTHON!|ERROR!)|Err:\d{3}"
)
# A formula's own text (a tool that saved no value, a CSV written from formulas): « =SOMME(A1:A3) »,
# « =B2 », « @SUM(A1) ». « = pas assez » or « - moins de moyens » are answers.
_FORMULA_TEXT = r"[=+@-]\s*(?:[A-Za-z_][A-Za-z0-9_.]*\(.*\)|\$?[A-Za-z]{1,3}\$?\d+(?:[:+*/-].*)?)"
_BOOLEANS = r"(?i)VRAI|FAUX|TRUE|FALSE"


def _spreadsheet_values(table: Table, values: pd.DataFrame, reasons: pd.Series, colmap: dict[str, str]) -> list[str]:
    """Cells a spreadsheet wrote in place of what was typed. An error value (« #N/A », « #VALEUR! »)
    says the text is not in the file: an id such is no respondent (quarantined), any other cell is
    read empty. A formula's text or a yes/no (« VRAI ») in an answer column is kept as written. All
    are named by column, value and row."""
    out: list[str] = []
    name = table.path.name
    for role in [r for r in colmap if r.startswith("respondent_id#")]:
        raw = normalise_series(table.frame[colmap[role]])
        bad = raw.str.fullmatch(SPREADSHEET_ERROR).fillna(False).astype(bool) & reasons.eq("")
        reasons[bad] = [
            f"identifiant « {v} » dans « {_one_line(colmap[role])} » : valeur d'erreur du tableur (la formule qui le "
            "donnait a échoué), pas un identifiant" for v in raw[bad]
        ]
    kinds = (
        (SPREADSHEET_ERROR, "valeur{s} d'erreur du tableur", "la réponse n'est pas dans le fichier (la formule qui la "
         "donnait a échoué), lue comme vide", True),
        (_FORMULA_TEXT, "texte{s} de formule", "le tableur n'a pas enregistré sa valeur, lu{s} tel{s} qu'écrit{s}", False),
        (_BOOLEANS, "valeur{s} vrai/faux", "une case cochée ou une valeur du tableur plutôt qu'un texte rédigé, "
         "lue{s} telle{s} quelle{s}", False),
    )
    for role in values.columns:
        if role == "respondent_id" or role == "question":
            continue
        column = values[role]
        for pattern, what, then, empty in kinds:
            if not empty and not role.startswith(("q:", "f:", "answer")):
                continue
            hits = column.str.fullmatch(pattern).fillna(False).astype(bool) & reasons.eq("")
            if not hits.any():
                continue
            found: dict[str, list[int]] = {}
            for idx, value in column[hits].items():
                found.setdefault(str(value), []).append(int(idx))
            shown = ", ".join(f"« {v[:40]} » {table.lines(rows)}" for v, rows in list(found.items())[:5]
            ) + (" …" if len(found) > 5 else "")
            n = int(hits.sum())
            plural = "s" if n > 1 else ""
            out.append(
                f"{name}, colonne « {_one_line(colmap[role])} » : {fmt.integer(n)} {what.format(s=plural)} ({shown}) : "
                + then.format(s=plural)
            )
            if empty:
                values.loc[hits, role] = ""
    return out


# Labels of a row added under the answers in a spreadsheet (a total, a count, a mean), as header_key
# reads them: « TOTAL : » is "total".
_SUMMARY_LABELS = {
    "total", "totaux", "total general", "sous total", "somme", "moyenne", "nombre", "nombre de reponses",
    "nb de reponses", "effectif", "effectifs", "count", "sum", "average", "mean",
}
_SUMMARY_STARTS = ("tot", "sous", "somme", "moyenne", "nombre", "nb", "effectif", "count", "sum", "average", "mean")
# What a summary row holds besides its label: numbers, percentages, formulas (uncomputed ones too).
_NUMBERISH = re.compile(r"=.*|[-+]?[\d\s\u00a0\u202f.,]*\d[\d\s\u00a0\u202f.,]*%?", re.DOTALL)


def _flag_summary_rows(table: Table, reasons: pd.Series) -> None:
    """A totals row added under the answers (« Total » then =NBVAL(B2:B48), or its value, 47, in the
    id column) would be a respondent: set aside when its first filled cell is such a label and
    every other filled cell is a number, a percentage or a formula."""
    frame = table.frame
    if frame.empty:
        return
    head = frame.iloc[:, : min(5, frame.shape[1])]
    hits = head.apply(lambda col: col.astype(str).str.strip().str.lower().str.startswith(_SUMMARY_STARTS)).any(axis=1)
    for idx in hits[hits].index:
        if reasons[idx]:
            continue
        cells = [c.strip() for c in frame.loc[idx].astype(str).tolist() if c.strip()]
        if header_key(cells[0]) in _SUMMARY_LABELS and all(_NUMBERISH.fullmatch(c) for c in cells[1:]):
            reasons[idx] = (
                f"ligne de total (« {cells[0][:40]} » suivi de nombres ou de formules) : ce n'est pas un répondant"
            )


_NOTE_ROWS = 10  # at most this many lines of notes under a table


def _flag_notes_below(table: Table, ids: pd.Series, reasons: pd.Series) -> None:
    """Lines typed under the table after an empty line (« Source : enquête de la fédération »,
    « Export du 12/06/2020 »), one or two cells each, were respondents whose id was the note. Set
    aside when each such line's id (when it has one) does not look like the ids above (`cell_shape`
    of most of them: « R01 », a number…): a respondent who answered little, with an id like the
    others, stays a respondent."""
    index = [int(i) for i in table.frame.index]
    gaps = [k for k in range(1, len(index)) if index[k] > index[k - 1] + 1]
    if not gaps or len(index) - gaps[-1] > _NOTE_ROWS or gaps[-1] < 3:
        return
    block = index[gaps[-1]:]
    filled = table.frame.loc[block].apply(lambda col: col.astype(str).str.strip().ne("")).sum(axis=1)
    if (filled > 2).any():
        return
    above = [cell_shape(str(v)) for v in ids.loc[index[: gaps[-1]]] if str(v)]
    if not above:
        return
    usual, seen = Counter(above).most_common(1)[0]
    if seen * 2 <= len(above):
        return
    for i in block:
        if reasons[i] or (ids[i] and cell_shape(str(ids[i])) == usual):
            continue
        text = " ".join(c.strip() for c in table.frame.loc[i].astype(str) if c.strip())
        reasons[i] = (
            f"note sous le tableau (après une ligne vide : « {text[:60]} ») : ce n'est pas un répondant"
        )


_FEW_CELLS = 3  # respondents fill at least this many cells (id, region, an answer…), in most rows
_SAMPLE_ROWS = 500  # rows above the notes looked at to tell what respondents fill and their ids' shape


def _flag_notes_at_end(table: Table, ids: pd.Series, reasons: pd.Series, answers: list[str]) -> None:
    """The last lines of a table (of each sheet read) with one filled cell, directly under the
    answers (« Source : … », « N = 47 », « Export généré le … », a signature, a count alone),
    were respondents whose id was the note, or rows « without an id » named nowhere. Set aside as
    notes when the rows above fill several cells, at most `_NOTE_ROWS` lines from the end, unless
    the one cell is a new id like the others (same `cell_shape` as most ids above; when the ids
    share no shape, one without a space): a respondent who answered nothing, or one question (two
    cells), stays a respondent. A count alone under numbered ids (« 47 », the last id) is a note:
    read as a respondent, it made respondent 47 a conflict, and both were set aside. A note of two
    cells (« N = » | « 47 », « Source : » | « enquête FNARS ») is one too, under the same condition
    on its id, unless one of its cells under a question (`answers`) is a sentence of four words or
    more: a respondent whose id is unlike the others' and who answered one question stays one."""
    positions = table.frame.index
    starts = [int(positions.searchsorted(s)) for _, s, _ in table.sheets] or [0]
    for start, end in itertools.pairwise([*starts, len(positions)]):
        cut = end - min(_NOTE_ROWS, end - start - 3)  # the last lines, with at least 3 rows above
        if cut >= end:
            continue
        tail, above = list(positions[cut:end]), list(positions[max(start, cut - _SAMPLE_ROWS): cut])
        cells = table.frame.loc[[*above, *tail]].to_numpy(dtype=object)
        filled = pd.Series([sum(isinstance(c, str) and bool(c.strip()) for c in row) for row in cells], index=[*above, *tail])
        if filled.loc[above].median() < _FEW_CELLS:
            continue
        like_ids = _like_ids([str(v) for v in ids.loc[above] if str(v)])
        part = ids.loc[positions[start:end]]
        given = Counter(part[part.isin([ids[i] for i in tail])])
        for i in reversed(tail):
            if reasons[i]:
                continue
            if filled[i] > 2 or (filled[i] == 2 and any(
                    len(str(table.frame.at[i, col]).split()) >= 4 for col in answers)):
                break
            if ids[i] and like_ids(str(ids[i])) and given[ids[i]] == 1:
                continue
            text = " ".join(c.strip() for c in table.frame.loc[i].astype(str) if c.strip())
            cells = "seule case remplie" if filled[i] == 1 else "deux cases remplies"
            reasons[i] = f"note sous le tableau (« {text[:60]} », {cells} de la ligne) : ce n'est pas un répondant"


def _like_ids(ids: list[str]) -> Callable[[str], bool]:
    """Whether a value is an id like `ids`: of the shape most of them share (`cell_shape`), or,
    when they share none, without a space when none of them has one."""
    shapes = [cell_shape(v) for v in ids]
    usual, seen = Counter(shapes).most_common(1)[0] if shapes else ("", 0)
    if seen * 2 > len(shapes):
        return lambda value: cell_shape(value) == usual
    spaced = any(" " in v.strip() for v in ids)
    return lambda value: not spaced and " " not in value.strip()


def _footer_warnings(table: Table, reasons: pd.Series) -> list[str]:
    """Each row set aside as a note or a total, by place and text: a user reading the report sees
    what was not counted, and can tell a respondent the rules took for a note."""
    what = {"note sous le tableau": "une note sous le tableau", "ligne de total": "une ligne de total"}
    flagged = reasons[reasons.str.startswith(tuple(what)).fillna(False).astype(bool)]
    found = [(i, next(w for k, w in what.items() if why.startswith(k))) for i, why in flagged.items()]
    out = []
    for i, kind in found[:_NOTE_ROWS]:
        text = " ".join(c.strip() for c in table.frame.loc[i].astype(str) if c.strip())
        shown = text[:60] + ("…" if len(text) > 60 else "")
        out.append(f"{table.path.name}, {table.place(int(i))} : « {shown} » ressemble à {kind}, non comptée "
                   "(gardée en quarantaine avec son motif)")
    if len(found) > _NOTE_ROWS:
        rest = len(found) - _NOTE_ROWS
        out.append(f"{table.path.name} : {fmt.integer(rest)} autre{'s' if rest > 1 else ''} ligne{'s' if rest > 1 else ''} "
                   f"de notes ou de totaux non comptée{'s' if rest > 1 else ''} (en quarantaine)")
    return out


def _flag_long_answers(
    values: pd.DataFrame, reasons: pd.Series, colmap: dict[str, str], limit: int
) -> None:
    """An answer longer than the limit is set aside with a reason naming the limit and how to
    raise it: coding, quotes and reports would otherwise work on a text no person wrote by hand."""
    for role in values.columns:
        if not role.startswith(("q:", "f:", "answer")):
            continue
        lengths = pc.utf8_length(pa.array(values[role].astype(str), type=pa.large_string()))
        over = pd.Series(pc.greater(lengths, limit).to_numpy(zero_copy_only=False), index=values.index)
        if not over.any():
            continue
        sizes = pd.Series(lengths.to_numpy(zero_copy_only=False), index=values.index)
        take = over & reasons.eq("")
        reasons[take] = [
            f"réponse de {fmt.count(n, 'caractère')} dans « {colmap[role]} », au-delà de la limite de "
            f"{fmt.integer(limit)} ; pour la relever : « max_answer_chars » de ce fichier dans sources (consultation.yaml)"
            for n in sizes[take]
        ]


def _wide_batch(table: Table, consultation: Consultation, values: pd.DataFrame, reasons: pd.Series) -> _Batch:
    """One row per respondent; a respondent twice is an exact copy (one kept) or a conflict (none kept)."""
    candidates = values[reasons.eq("")]
    rid = candidates["respondent_id"]
    repeated = candidates[rid.duplicated(keep=False)]
    warnings: list[str] = []
    if len(repeated):
        distinct = repeated.drop_duplicates().groupby("respondent_id").size()
        conflicting = set(distinct[distinct > 1].index)
        for respondent, group in repeated.groupby("respondent_id", sort=False):
            if respondent in conflicting:
                reasons[group.index] = (
                    f"répondant « {respondent} » présent plusieurs fois avec des réponses différentes "
                    f"({table.lines(group.index, limit=len(group))})"
                )
            else:
                reasons[group.index[1:]] = f"doublon exact de la {table.place(int(group.index[0]))} (répondant {respondent})"
        if conflicting:
            warnings.append(_conflicting_ids_hint(table, consultation, len(conflicting)))
    kept = values[reasons.eq("")]
    respondents = kept[[c for c in kept.columns if not c.startswith(("q:", "f:", "codes:", "grid:"))]].copy()
    respondents["source_row"] = table.row_numbers(kept.index)
    if table.sheets:
        respondents["source_sheet"] = table.sheet_names(kept.index)

    # Columns stay Arrow-backed: a round trip through Python objects costs seconds at 1M answers.
    rid = kept["respondent_id"].reset_index(drop=True)
    frames = []
    for qid, parts, follow in _question_parts(consultation):
        text = _join_parts(kept, parts).reset_index(drop=True)
        follow_up = _join_parts(kept, follow).reset_index(drop=True).replace("", None) if follow else None
        frames.append(
            pd.DataFrame(
                {
                    "respondent_id": rid,
                    "question_id": pd.Series(qid, index=rid.index, dtype=_STR),
                    "text": text,
                    "follow_up": follow_up if follow_up is not None else pd.Series(None, index=rid.index, dtype=object),
                }
            )
        )
    answers = pd.concat(frames, ignore_index=True) if frames else _empty_answers()
    return _Batch(respondents.reset_index(drop=True), answers, reasons, warnings)


def _conflicting_ids_hint(table: Table, consultation: Consultation, n: int) -> str:
    """What to do when one id holds different answers: two people sharing it (a timestamp to the
    second, Google Forms' only id) or one person answering twice; only the user can tell."""
    names = consultation.columns.respondent_id_columns
    shown = " + ".join(f"« {name} »" for name in names)
    emails = [str(c) for c in table.frame.columns if EMAIL_HEADER.search(header_key(str(c)))]
    others = [c for c in (consultation.columns.structure_name, *emails) if c and c not in names]
    example = (
        f", par exemple « respondent_id: [{', '.join(repr(c) for c in [*names, others[0]])}] »" if others else ""
    )
    hint = (
        " ; s'il s'agit de répondants distincts (un horodatage à la seconde près n'est pas unique), "
        f"nommez plusieurs colonnes dans « respondent_id » (consultation.yaml){example}"
    )
    return (
        f"{table.path.name} : {fmt.integer(n)} identifiant{'s' if n > 1 else ''} ({shown}) "
        f"présent{'s' if n > 1 else ''} sur plusieurs lignes avec des réponses différentes, ces lignes sont "
        f"en quarantaine{hint}"
    )


def _question_parts(consultation: Consultation) -> list[tuple[str, list[str], list[str]]]:
    out: list[tuple[str, list[str], list[str]]] = [
        (q.id, [f"q:{q.id}#{i}" for i in range(len(q.columns))], []) for q in consultation.questions
    ]
    for f in consultation.free_text:
        follow = [f"f:{f.id}#{i}" for i in range(len(f.follow_up.columns))] if f.follow_up else []
        out.append((f.id, [f"q:{f.id}#{i}" for i in range(len(f.columns))], follow))
    return out


def _join_parts(frame: pd.DataFrame, roles: list[str]) -> pd.Series:
    """Several columns of one question joined with ' / ', empty parts left out (vectorised)."""
    joined = frame[roles[0]].astype(str)
    for role in roles[1:]:
        part = frame[role].astype(str)
        both = joined.ne("") & part.ne("")
        joined = joined.where(~both, joined + " / " + part).where(both | part.eq(""), joined + part)
    return joined


def _empty_answers() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ("respondent_id", "question_id", "text", "follow_up")})


def _question_lookup(consultation: Consultation) -> dict[str, tuple[str, str, int]]:
    """Values a long export may use for a question (its id, text or header) -> (id, kind, part)."""
    lookup: dict[str, tuple[str, str, int]] = {}

    def add(label: str, target: tuple[str, str, int]) -> None:
        for key in {label.strip(), header_key(label, keep_number=True), header_key(label)}:
            if key:
                lookup.setdefault(key, target)

    for q in consultation.questions:
        add(q.id, (q.id, "text", 0))
        for i, header in enumerate(q.columns):
            add(header, (q.id, "text", i))
        if len(q.columns) == 1:
            add(q.text, (q.id, "text", 0))
    for f in consultation.free_text:
        add(f.id, (f.id, "text", 0))
        for i, header in enumerate(f.columns):
            add(header, (f.id, "text", i))
        add(f.text, (f.id, "text", 0))
        if f.follow_up:
            for i, header in enumerate(f.follow_up.columns):
                add(header, (f.id, "follow", i))
            add(f.follow_up.text, (f.id, "follow", 0))
    return lookup


def _long_batch(
    table: Table, consultation: Consultation, values: pd.DataFrame, reasons: pd.Series, colmap: dict[str, str]
) -> _Batch:
    """One row per answer: rows become (respondent, question) answers, respondents are deduplicated."""
    lookup = _question_lookup(consultation)
    raw_question = values["question"]
    distinct = pd.Series(raw_question.unique())
    targets = {v: _target_of(lookup, v) for v in distinct if v}
    unknown = [v for v, t in targets.items() if t is None]
    if unknown:
        first_rows = {v: int(raw_question[raw_question.eq(v)].index[0]) for v in unknown}
        problems = [
            InputProblem(str(table.path), "question inconnue du codebook (ni un id ni un en-tête de consultation.yaml)"
                         + _sheet_said(table, first_rows[v]), table.row_number(first_rows[v]), colmap["question"], v)
            for v in unknown[:MAX_LISTED]
        ]
        if len(unknown) > MAX_LISTED:
            problems.append(InputProblem(str(table.path), "… et " + fmt.count(len(unknown) - MAX_LISTED, "autre question inconnue", "autres questions inconnues")))
        raise InputFileError(problems)
    no_question = raw_question.eq("") & reasons.eq("")
    reasons[no_question] = "question manquante"

    ok = reasons.eq("")
    mapped = raw_question[ok].map(targets)
    rows = pd.DataFrame(
        {
            "respondent_id": values.loc[ok, "respondent_id"],
            "question_id": mapped.str[0],
            "kind": mapped.str[1],
            "part": mapped.str[2],
            "answer": values.loc[ok, "answer"],
        }
    )
    key = ["respondent_id", "question_id", "kind", "part"]
    repeated = rows[rows.duplicated(key, keep=False)]
    if len(repeated):
        for (rid, qid, _kind, _part), group in repeated.groupby(key, sort=False):
            if group["answer"].nunique() > 1:
                reasons[group.index] = (
                    f"répondant « {rid} » : plusieurs réponses différentes à la question {qid} "
                    f"({table.lines(group.index, limit=len(group))})"
                )
            else:
                reasons[group.index[1:]] = (
                    f"doublon exact de la {table.place(int(group.index[0]))} (répondant {rid}, question {qid})")
        rows = rows[reasons[rows.index].eq("")]

    rows = rows.sort_values(["respondent_id", "question_id", "kind", "part"], kind="stable")
    texts = _concat_parts(rows[rows["kind"].eq("text")])
    follows = _concat_parts(rows[rows["kind"].eq("follow")]).rename(columns={"text": "follow_up"})
    answers = texts.merge(follows, on=["respondent_id", "question_id"], how="outer")
    answers["text"] = answers["text"].fillna("")
    answers["follow_up"] = answers["follow_up"].replace("", None)
    answers = answers.astype(object).where(answers.notna(), None)

    attributes = [c for c in values.columns if c.startswith("region#") or c.startswith("structure_")]
    kept = values[reasons.eq("")]
    respondents, warnings = _first_attributes(table, kept, attributes)
    return _Batch(respondents, answers[["respondent_id", "question_id", "text", "follow_up"]], reasons, warnings)


def _concat_parts(rows: pd.DataFrame) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame({"respondent_id": [], "question_id": [], "text": []}, dtype=object)
    single = ~rows.duplicated(["respondent_id", "question_id"], keep=False)
    simple = rows.loc[single, ["respondent_id", "question_id", "answer"]]
    multi = rows.loc[~single]
    if len(multi):
        joined = (
            multi.groupby(["respondent_id", "question_id"], sort=False)["answer"]
            .agg(lambda parts: " / ".join(p for p in parts if p))
            .reset_index()
        )
        simple = pd.concat([simple, joined], ignore_index=True)
    return simple.rename(columns={"answer": "text"})


def _first_attributes(
    table: Table, kept: pd.DataFrame, attributes: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """One row per respondent: the first non-empty value of each attribute; disagreements are reported."""
    frame = kept[["respondent_id", *attributes]].copy()
    frame["source_row"] = table.row_numbers(kept.index)
    where = ["respondent_id", "source_row"]
    if table.sheets:
        frame["source_sheet"] = table.sheet_names(kept.index)
        where.append("source_sheet")
    first = frame.drop_duplicates("respondent_id")[where].set_index("respondent_id")
    warnings = []
    for attr in attributes:
        filled = frame[frame[attr].ne("")]
        values = filled.drop_duplicates("respondent_id").set_index("respondent_id")[attr]
        first[attr] = values.reindex(first.index).fillna("")
        counts = filled.groupby("respondent_id")[attr].nunique()
        disagreeing = counts[counts > 1].index.tolist()
        if disagreeing:
            shown = ", ".join(disagreeing[:10]) + (" …" if len(disagreeing) > 10 else "")
            warnings.append(
                f"{table.path.name} : {fmt.count(len(disagreeing), 'répondant a', 'répondants ont')} des valeurs différentes selon les lignes "
                f"pour « {_role_label(attr)} » (première valeur retenue) : {shown}"
            )
    return first.reset_index(), warnings


# --------------------------------------------------------------------------
# Regions
# --------------------------------------------------------------------------


def _with_regions(
    respondents: pd.DataFrame, consultation: Consultation, path: Path, report: FileReport
) -> pd.DataFrame:
    """Region of each respondent from the region columns tried in order; unknown ones are reported."""
    headers = consultation.columns.region_columns
    n = len(respondents)
    region = pd.Series([None] * n, dtype=object)
    code = pd.Series([None] * n, dtype=object)
    method = pd.Series(["empty"] * n, dtype=object)
    raw = pd.Series([None] * n, dtype=object)
    raw_column = pd.Series([None] * n, dtype=object)
    found_by: list[pd.Series] = []
    for i, header in enumerate(headers):
        column = respondents[f"region#{i}"].reset_index(drop=True).astype(object)
        # Each distinct value is normalised once; then plain dict lookups, done by pandas.
        matches = {v: normalise_region(v) for v in column.unique()}
        names = column.map({v: m.region.name if m.region else None for v, m in matches.items()})
        take = region.isna() & names.notna()
        region[take] = names[take]
        code[take] = column[take].map({v: m.region.code for v, m in matches.items() if m.region})
        method[take] = column[take].map({v: m.method for v, m in matches.items()})
        raw[take], raw_column[take] = column[take], header
        # Not found yet: remember the first non-empty value and its column, for the warning.
        first_value = raw.isna() & column.ne("")
        raw[first_value], raw_column[first_value] = column[first_value], header
        method[first_value & region.isna()] = "unknown"
        found_by.append(names)

    rows = respondents["source_row"].reset_index(drop=True)
    sheets = (respondents["source_sheet"].reset_index(drop=True) if "source_sheet" in respondents
              else pd.Series([None] * n, dtype=object))
    unknown = region.isna() & method.eq("unknown")
    report.unknown_regions = [
        RegionIssue(int(r), str(c), str(v), s)
        for r, c, v, s in zip(rows[unknown], raw_column[unknown], raw[unknown], sheets[unknown], strict=True)
    ]
    report.empty_regions = rows[method.eq("empty")].astype(int).tolist()
    report.warnings.extend(_region_warnings(path, report, sheets[method.eq("empty")].tolist()))
    if len(found_by) > 1:
        report.warnings.extend(_disagreements(path, headers, found_by, rows, sheets))

    out = respondents[["respondent_id", "source_row"]].reset_index(drop=True)
    for attr in ("structure_name", "structure_type"):
        out[attr] = respondents[attr].replace("", None).to_numpy() if attr in respondents else None
    out["region_raw"] = raw.replace("", None)
    out["region_code"] = code
    out["region"] = region.fillna(UNKNOWN_REGION)
    out["region_method"] = method
    return out


def _region_warnings(path: Path, report: FileReport, empty_sheets: list[str | None]) -> list[str]:
    """Unknown values grouped by value (with their rows); empty ones summed up in one line.
    `empty_sheets`: the sheet of each respondent without region, when read from several sheets."""
    grouped: dict[tuple[str, str], list[RegionIssue]] = {}
    for issue in report.unknown_regions:
        grouped.setdefault((issue.column, issue.value), []).append(issue)
    out = []
    for (column, value), issues in list(grouped.items())[:MAX_LISTED]:
        where = _where_rows([i.row for i in issues], [i.sheet for i in issues])
        out.append(
            f"{path.name}, {where}, colonne « {column} » : région non reconnue « {value} », "
            f"comptée sous « {UNKNOWN_REGION} »"
        )
    if len(grouped) > MAX_LISTED:
        out.append(f"{path.name} : … et "
                   + fmt.count(len(grouped) - MAX_LISTED, "autre valeur de région non reconnue",
                               "autres valeurs de région non reconnues"))
    if report.empty_regions:
        rows = report.empty_regions
        out.append(
            f"{path.name} : {fmt.integer(len(rows))} répondant{'s' if len(rows) > 1 else ''} sans région "
            f"({_where_rows(rows, empty_sheets)}), compté{'s' if len(rows) > 1 else ''} "
            f"sous « {UNKNOWN_REGION} »"
        )
    return out


def _disagreements(
    path: Path, headers: list[str], found: list[pd.Series], rows: pd.Series, sheets: pd.Series
) -> list[str]:
    """Two region columns pointing at different regions: the first wins, but a person should look."""
    frame = pd.concat(found, axis=1)
    distinct = frame.nunique(axis=1)
    bad = distinct[distinct > 1].index
    if not len(bad):
        return []
    examples = []
    for i in bad[:5]:
        said = ", ".join(f"« {h} » : {v}" for h, v in zip(headers, frame.loc[i], strict=True) if v)
        examples.append(f"{_where_rows([int(rows[i])], [sheets[i]])} ({said})")
    return [
        f"{path.name} : {fmt.integer(len(bad))} répondant{'s' if len(bad) > 1 else ''} dont les colonnes de région se "
        f"contredisent (la première colonne l'emporte) : {' ; '.join(examples)}{' …' if len(bad) > 5 else ''}"
    ]


def _sheet_said(table: Table, index: int) -> str:
    """« (feuille « Réponses 2 ») » after a message about a row, when the table was read from
    several sheets (a problem's row number alone would not say where the row is)."""
    sheet = table.sheet_of(index)
    return f" (feuille « {sheet} »)" if sheet is not None else ""


def _where_rows(rows: list[int], sheets: list[str | None]) -> str:
    """« ligne 5 », « lignes 3, 5 », or grouped by sheet when the file was read from several
    (« feuille « Réponses 1 », ligne 3 ; feuille « Réponses 2 », lignes 4, 9 »)."""
    groups: dict[str | None, list[int]] = {}
    for row, sheet in zip(rows, sheets, strict=True):
        groups.setdefault(sheet, []).append(row)
    said = [f"ligne{'s' if len(found) > 1 else ''} {_rows_text(found)}" for found in groups.values()]
    return " ; ".join(said if None in groups else [f"feuille « {sheet} », {where}" for sheet, where in zip(groups, said, strict=True)])


def _rows_text(rows: list[int], limit: int = 10) -> str:
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (f" … (+{len(rows) - limit})" if len(rows) > limit else "")


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _quarantine_frame(cid: str, digest: str, label: str, table: Table, reasons: pd.Series) -> pd.DataFrame:
    bad = reasons[reasons.ne("")]
    raw = table.frame.loc[bad.index]
    return pd.DataFrame(
        {
            "consultation_id": cid,
            "file_hash": digest,
            "source_file": label,
            "source_row": table.row_numbers(bad.index),
            # read from several sheets: the row number alone would not say where the row is
            "reason": [f"feuille « {sheet} » : {why}" for sheet, why in zip(table.sheet_names(bad.index), bad, strict=True)]
            if table.sheets else bad.to_numpy(),
            "raw_json": [json.dumps(r, ensure_ascii=False) for r in raw.to_dict(orient="records")],
        }
    )


def _fingerprints(respondents: pd.DataFrame, answers: pd.DataFrame) -> dict[str, tuple]:
    """What a respondent said and who they are, without their id: structure, region, every answer."""
    said: dict[str, list[tuple]] = {}
    for rid, qid, text, follow in answers[["respondent_id", "question_id", "text", "follow_up"]].itertuples(index=False):
        # `cell_text`: '' for None (the base) and NaN (a frame: a consultation with no follow-up
        # question has NaN there, and « nan » never matched the base's None).
        if cell_text(text) or cell_text(follow):
            said.setdefault(str(rid), []).append((str(qid), cell_text(text), cell_text(follow)))
    out = {}
    people = respondents.reindex(columns=["respondent_id", "structure_name", "structure_type", "region"])
    for rid, name, kind, region in people.itertuples(index=False):
        out[str(rid)] = (cell_text(name), cell_text(kind), cell_text(region), tuple(sorted(said.get(str(rid), []))))
    return out


def _reidentify(
    con: duckdb.DuckDBPyConnection,
    cid: str,
    gone: list[str],
    changed: list[str],
    respondents: pd.DataFrame,
    answers: pd.DataFrame,
) -> tuple[dict[str, str], list[str]]:
    """Respondents of this file read under another id than last time: a tool that changed the way
    it writes a date, a reading corrected by an update (an old id no longer in the file, a new id
    not yet in the base), or a tool that numbers its rows and renumbered them after a deletion
    (« 5 » is now « 4 »: the new id was another person's). An old id no longer in the file or whose
    answers changed, and a new id not yet in the base or whose answers changed, with the same
    structure, region and answers, are one respondent; a pair is made only when its content is
    unique on both sides. Their rows in the coding tables take the new id (the base's own rows are
    replaced below); an id taken over whose former holder is found nowhere (deleted in the tool)
    loses that person's coding, which belonged to answers no longer in the file. Returns old id ->
    new id, and those ids taken over."""
    if not gone and not changed:
        return {}, []
    known = {r[0] for r in _rows(con, "SELECT respondent_id FROM respondents WHERE consultation_id = ?", [cid])}
    new_ids = respondents["respondent_id"].astype(str)
    fresh = respondents[~new_ids.isin(known) | new_ids.isin(changed)]
    if fresh.empty:
        return {}, []
    con.register("_gone", pd.DataFrame({"respondent_id": [*gone, *changed]}))
    try:
        old_people = con.execute(
            "SELECT respondent_id, structure_name, structure_type, region FROM respondents "
            "WHERE consultation_id = ? AND respondent_id IN (SELECT respondent_id FROM _gone)", [cid]
        ).df()
        old_answers = con.execute(
            "SELECT respondent_id, question_id, text, follow_up FROM answers "
            "WHERE consultation_id = ? AND respondent_id IN (SELECT respondent_id FROM _gone)", [cid]
        ).df()
    finally:
        con.unregister("_gone")
    new_answers = answers[answers["respondent_id"].isin(fresh["respondent_id"])]
    before, after = _fingerprints(old_people, old_answers), _fingerprints(fresh, new_answers)
    by_content: dict[tuple, list[str]] = {}
    for rid, key in after.items():
        by_content.setdefault(key, []).append(rid)
    olds: dict[tuple, list[str]] = {}
    for rid, key in before.items():
        olds.setdefault(key, []).append(rid)
    pairs = {
        ids[0]: by_content[key][0]
        for key, ids in olds.items()
        if len(ids) == 1 and len(by_content.get(key, [])) == 1 and by_content[key][0] != ids[0]
    }
    if not pairs:
        return {}, []
    taken = sorted(set(pairs.values()) & known - set(pairs))
    tables = [
        r[0] for r in _rows(
            con,
            "SELECT table_name FROM information_schema.columns c JOIN information_schema.tables t "
            "USING (table_catalog, table_schema, table_name) WHERE c.column_name = 'respondent_id' "
            "AND t.table_type = 'BASE TABLE' AND c.table_schema = 'main' AND c.table_name NOT IN ('respondents', 'answers')",
            [],
        )
    ]
    con.register("_pairs", pd.DataFrame({"old": list(pairs), "new": list(pairs.values())}))
    con.register("_taken", pd.DataFrame({"respondent_id": taken}, dtype=object))
    try:
        for table in tables:
            # In two steps, through ids no respondent has, so that « 5 » → « 4 » and « 4 » → « 3 » never meet.
            for sql in (  # names from the catalog
                f"DELETE FROM {table} WHERE consultation_id = ? AND respondent_id IN (SELECT respondent_id FROM _taken)",  # noqa: S608
                f"UPDATE {table} SET respondent_id = chr(0) || p.new FROM _pairs p "  # noqa: S608
                f"WHERE {table}.consultation_id = ? AND {table}.respondent_id = p.old",
                f"UPDATE {table} SET respondent_id = substr(respondent_id, 2) "  # noqa: S608
                f"WHERE consultation_id = ? AND starts_with(respondent_id, chr(0))",
            ):
                _rows(con, sql, [cid])
        for table in ("respondents", "answers"):
            _rows(
                con,
                f"DELETE FROM {table} WHERE consultation_id = ? AND respondent_id IN (SELECT old FROM _pairs)",  # noqa: S608
                [cid],
            )
    finally:
        con.unregister("_pairs")
        con.unregister("_taken")
    return pairs, taken


def _store_responses(
    con: duckdb.DuckDBPyConnection,
    cid: str,
    label: str,
    respondents: pd.DataFrame,
    answers: pd.DataFrame,
    report: FileReport,
) -> None:
    """Replace the answers of the respondents this file contains; keep the coding of unchanged ones."""
    if respondents.empty:
        return
    con.register("_ids", respondents[["respondent_id"]])
    con.register("_new_answers", answers)
    try:
        changed = con.execute(
            """
            WITH old AS (
                SELECT respondent_id, question_id, text, follow_up FROM answers
                WHERE consultation_id = ? AND respondent_id IN (SELECT respondent_id FROM _ids)
            ), new AS (   -- respondents new to the database have no coding to drop: not compared
                SELECT respondent_id, question_id, text, follow_up FROM _new_answers
                WHERE respondent_id IN (SELECT respondent_id FROM old)
            )
            SELECT DISTINCT respondent_id FROM ((FROM old EXCEPT FROM new) UNION ALL (FROM new EXCEPT FROM old))
            """,
            [cid],
        ).df()
        gone = _rows(
            con,
            "SELECT respondent_id FROM respondents WHERE consultation_id = ? AND source_file = ? "
            "AND respondent_id NOT IN (SELECT respondent_id FROM _ids) ORDER BY respondent_id",
            [cid, label],
        )
        renamed, taken = _reidentify(
            con, cid, [r[0] for r in gone], changed["respondent_id"].astype(str).tolist(), respondents, answers
        )
        if renamed:
            gone = [r for r in gone if r[0] not in renamed]
            shown = ", ".join(f"« {old} » → « {new} »" for old, new in list(renamed.items())[:5])
            report.warnings.append(
                f"{report.path.name} : {fmt.integer(len(renamed))} répondant{'s' if len(renamed) > 1 else ''} de ce "
                f"fichier sous un autre identifiant qu'à sa lecture précédente, avec les mêmes réponses "
                f"({shown}{' …' if len(renamed) > 5 else ''}) : les mêmes répondants, comptés une fois, "
                "leur codage (humain compris) suit le nouvel identifiant ; un fichier de codes humains qui "
                "nomme l'ancien identifiant est à mettre à jour"
            )
        if taken:
            report.warnings.append(
                f"{report.path.name} : {fmt.integer(len(taken))} identifiant{'s' if len(taken) > 1 else ''} "
                f"repris par un autre répondant ({', '.join(f'« {t} »' for t in taken[:10])}{' …' if len(taken) > 10 else ''}) "
                "alors que les réponses qu'il portait ne sont plus dans le fichier (répondant supprimé dans l'outil "
                "d'enquête, identifiants renumérotés ?) : ces réponses et leur codage (humain compris) sont retirés de la base"
            )
        # The coding of a renamed respondent came with them: only the others' answers changed.
        changed = changed[~changed["respondent_id"].astype(str).isin(set(renamed.values()))]
        con.register("_changed", changed)
        edited = sorted(changed["respondent_id"].astype(str))
        if edited:
            coded = _rows(
                con,
                # codes read from this export's own columns are read again with the new answers
                "SELECT count(DISTINCT respondent_id) FROM human_codes WHERE consultation_id = ? "
                "AND respondent_id IN (SELECT respondent_id FROM _changed) AND source_file <> ?",
                [cid, label],
            )[0][0]
            plural = len(edited) > 1
            report.warnings.append(
                f"{report.path.name} : {fmt.integer(len(edited))} répondant{'s' if plural else ''} déjà en base "
                f"dont les réponses ont changé dans ce fichier ({', '.join(edited[:10])}{' …' if len(edited) > 10 else ''}) : "
                f"les nouvelles réponses remplacent les anciennes, leur codage automatique est refait"
                + (f" ; {fmt.integer(coded)} d'entre eux {'ont' if coded > 1 else 'a'} des codes humains, à revoir" if coded else "")
            )
        for tbl in ("units", "auto_codes"):
            _rows(
                con,
                f"DELETE FROM {tbl} WHERE consultation_id = ? AND respondent_id IN (SELECT respondent_id FROM _changed)",  # noqa: S608
                [cid],
            )
        for tbl in ("respondents", "answers"):
            _rows(
                con,
                f"DELETE FROM {tbl} WHERE consultation_id = ? AND respondent_id IN (SELECT respondent_id FROM _ids)",  # noqa: S608
                [cid],
            )
    finally:
        for name in ("_ids", "_new_answers", "_changed"):
            with contextlib.suppress(duckdb.Error):  # not registered when a query failed
                con.unregister(name)
    if gone:
        names = ", ".join(r[0] for r in gone[:10]) + (" …" if len(gone) > 10 else "")
        report.warnings.append(
            f"{report.path.name} : {fmt.integer(len(gone))} répondant{'s' if len(gone) > 1 else ''} d'une version précédente "
            f"de ce fichier n'y figure{'nt' if len(gone) > 1 else ''} plus et reste{'nt' if len(gone) > 1 else ''} "
            f"en base : {names}"
        )
    store.insert_df(con, "respondents", respondents.assign(consultation_id=cid))
    store.insert_df(con, "answers", answers.assign(consultation_id=cid))


# --------------------------------------------------------------------------
# Codes given by hand in the export's own columns (`codes_column`)
# --------------------------------------------------------------------------


def _export_codes(
    table: Table, consultation: Consultation, values: pd.DataFrame, reasons: pd.Series, colmap: dict[str, str]
) -> tuple[pd.DataFrame, list[str]]:
    """The codes a person gave the answers in a column of the export: one row per (respondent,
    question, theme), whole answers (`unit_text` ''). Only rows ingested count. A cell naming a
    code the codebook does not have leaves that answer's codes unread (a partial coding would be
    counted as a human's whole one); a code on a row without an answer codes nothing. Both are
    named with their row, column and value."""
    cells: list[pd.DataFrame] = []
    ok = reasons.eq("")
    questions = {q.id: q for q in consultation.questions}
    off_questions: list[str] = []
    if "codes" in colmap:  # long: the question named on each row
        lookup = _question_lookup(consultation)
        rows = values.loc[ok & values["codes"].ne("")]
        target = rows["question"].map(lambda v: _target_of(lookup, v))
        qid = target.map(lambda t: t[0] if t is not None and t[1] == "text" and t[0] in questions else "")
        off_questions = sorted(set(rows.loc[qid.eq(""), "question"]))
        cells.append(pd.DataFrame({"respondent_id": rows["respondent_id"], "question_id": qid, "answer": rows["answer"],
                                   "cell": rows["codes"], "column": colmap["codes"], "shown": rows["codes"]})[qid.ne("")])
    odd_marks: list[tuple[int, str, str]] = []  # a grid's cell neither a mark nor a blank: row, column, value
    for q in consultation.questions:
        role = f"codes:{q.id}"
        if role in colmap:
            rows = values.loc[ok & values[role].ne("")]
            answer = _join_parts(rows, [f"q:{q.id}#{i}" for i in range(len(q.columns))]) if len(rows) else rows[role]
            cells.append(pd.DataFrame({"respondent_id": rows["respondent_id"], "question_id": q.id, "answer": answer,
                                       "cell": rows[role], "column": colmap[role], "shown": rows[role]}))
        if q.codes_grid:
            cells.append(_grid_cells(q, values[ok], colmap, odd_marks))
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ("respondent_id", "question_id", "theme_id", "unit_text")})
    if not cells:
        return empty, []
    frame = pd.concat(cells)
    warnings: list[str] = []
    name = table.path.name
    if odd_marks:
        said = " ; ".join(f"{table.place(i)}, colonne « {_one_line(col)} » : « {v} »" for i, col, v in odd_marks[:MAX_LISTED])
        warnings.append(
            f"{name} : {fmt.integer(len(odd_marks))} case{'s' if len(odd_marks) > 1 else ''} de la grille de codage "
            f"ni cochée{'s' if len(odd_marks) > 1 else ''} (« x », « 1 », « oui ») ni vide{'s' if len(odd_marks) > 1 else ''} "
            f"({said}{' ; … et ' + fmt.count(len(odd_marks) - MAX_LISTED, 'autre') if len(odd_marks) > MAX_LISTED else ''}) : "
            + ("lues comme cochées" if len(odd_marks) > 1 else "lue comme cochée")
        )
    if off_questions:
        shown = ", ".join(f"« {v} »" for v in off_questions[:MAX_LISTED])
        warnings.append(f"{name} : codes donnés à la main sur des lignes d'une question sans thèmes ({shown}"
                        f"{' …' if len(off_questions) > MAX_LISTED else ''}) : non lus")
    unanswered = frame[frame["answer"].eq("")]
    if len(unanswered):
        warnings.append(
            f"{name} : {fmt.integer(len(unanswered))} code{'s' if len(unanswered) > 1 else ''} donné"
            f"{'s' if len(unanswered) > 1 else ''} à la main sur une ligne sans réponse à sa question "
            f"({_cells_said(table, unanswered)}) : {'ils ne codent' if len(unanswered) > 1 else 'il ne code'} rien"
        )
    frame = frame[frame["answer"].ne("")]
    themes: dict[tuple[str, str], tuple[str, ...] | None] = {}  # (question, cell) -> theme ids, None: unknown code
    keys = {q.id: q.theme_of_code() for q in consultation.questions}
    for qid, cell in frame[["question_id", "cell"]].drop_duplicates().itertuples(index=False):
        known = keys[qid]
        ids = [i for code in THEME_SEPARATORS.split(cell) if code_key(code) for i in _themes_of_code(known, code)]
        themes[(qid, cell)] = None if not ids or None in ids else tuple(dict.fromkeys(i for i in ids if i))
    found = pd.Series([themes[(q, c)] for q, c in zip(frame["question_id"], frame["cell"], strict=True)],
                      index=frame.index, dtype=object)
    unknown = frame[found.isna()]
    if len(unknown):
        warnings.append(
            f"{name} : {fmt.integer(len(unknown))} réponse{'s' if len(unknown) > 1 else ''} codée"
            f"{'s' if len(unknown) > 1 else ''} à la main avec un code que le codebook n'a pas ("
            f"{_cells_said(table, unknown)}) : {'leurs codes ne sont pas lus' if len(unknown) > 1 else 'ses codes ne sont pas lus'}"
            " ; corrigez le code dans l'export ou ajoutez le thème à consultation.yaml (libellé ou identifiant)"
        )
    frame = frame.assign(theme_id=found)[found.notna()].explode("theme_id")
    codes = frame[["respondent_id", "question_id", "theme_id"]].assign(unit_text="").drop_duplicates()
    return codes.reset_index(drop=True).astype(object), warnings


def _themes_of_code(known: dict[str, str], code: str) -> list[str | None]:
    """A code's theme; a code that is no theme whole but whose pieces between commas all are
    (« Logement, Santé ») gives theirs; else [None] (unknown)."""
    theme = known.get(code_key(code))
    if theme is None and "," in code:
        pieces = [known.get(code_key(p)) for p in code.split(",") if code_key(p)]
        if pieces and None not in pieces:
            return pieces
    return [theme]


def _grid_cells(
    question: Question, rows: pd.DataFrame, colmap: dict[str, str], odd_marks: list[tuple[int, str, str]]
) -> pd.DataFrame:
    """A coding grid's rows as cells of codes: the headers (as consultation.yaml writes them) of the
    columns ticked on the row, one a line (`THEME_SEPARATORS`). Shown for a row whose codes are not
    read: the first ticked column that names no theme (else the first ticked), and its mark."""
    known = question.theme_of_code()
    roles = [f"grid:{question.id}#{i}" for i in range(len(question.grid))]
    ticked = pd.DataFrame(index=rows.index)
    for role in roles:
        ticked[role] = rows[role].map(is_ticked)
        odd = ticked[role] & ~rows[role].map(grid_mark).isin(GRID_MARKS)
        odd_marks.extend((int(i), colmap[role], rows.at[i, role]) for i in rows.index[odd])
    rows, ticked = rows[ticked.any(axis=1)], ticked[ticked.any(axis=1)]
    cell, column, shown = [], [], []
    # the code a tick gives: the theme's id, or the header naming it (a line break or « ; » in it read as a space)
    header = {role: THEME_SEPARATORS.sub(" ", code) for role, (_, code) in zip(roles, question.grid, strict=True)}
    for i in rows.index:
        on = [role for role in roles if ticked.at[i, role]]
        cell.append("\n".join(header[role] for role in on))
        first = next((role for role in on if code_key(header[role]) not in known), on[0])
        column.append(colmap[first])
        shown.append(rows.at[i, first])
    answer = _join_parts(rows, [f"q:{question.id}#{i}" for i in range(len(question.columns))]) if len(rows) else rows.get(
        roles[0], pd.Series(dtype=object))
    return pd.DataFrame({"respondent_id": rows["respondent_id"], "question_id": question.id, "answer": answer,
                         "cell": pd.Series(cell, index=rows.index, dtype=object),
                         "column": pd.Series(column, index=rows.index, dtype=object),
                         "shown": pd.Series(shown, index=rows.index, dtype=object)})


def _target_of(lookup: dict[str, tuple[str, str, int]], value: str) -> tuple[str, str, int] | None:
    """The question a long export's row names (its id, header or text, spelt loosely)."""
    return lookup.get(value) or lookup.get(header_key(value, keep_number=True)) or lookup.get(header_key(value))


def _cells_said(table: Table, cells: pd.DataFrame) -> str:
    """« ligne 4, colonne « Thèmes » : « Logment » ; … » for the first cells, the rest counted."""
    said = [f"{table.place(int(i))}, colonne « {_one_line(col)} » : « {cell} »"
            for i, col, cell in zip(cells.index[:MAX_LISTED], cells["column"], cells["shown"], strict=False)]
    return " ; ".join(said) + (" ; … et " + fmt.count(len(cells) - MAX_LISTED, "autre") if len(cells) > MAX_LISTED else "")


def _store_export_codes(
    con: duckdb.DuckDBPyConnection, cid: str, label: str, respondents: pd.Series, codes: pd.DataFrame, report: FileReport
) -> None:
    """The export's codes replace those an earlier reading of an export gave this file's respondents
    (a code corrected or cleared in the export is so in the base); an answer coded by a review sheet
    or a codes file keeps those codes: a decision taken in the tool wins over the spreadsheet."""
    if respondents.empty:
        return
    version = _rows(con, "SELECT codebook_version FROM consultations WHERE consultation_id = ?", [cid])[0][0]
    from_exports = (
        "(source_file = ? OR source_file IN (SELECT path FROM source_files WHERE consultation_id = ? AND kind = 'responses'))"
    )
    con.register("_ids", respondents.to_frame("respondent_id"))
    con.register("_codes", codes)
    try:
        _rows(
            con,
            f"DELETE FROM human_codes WHERE consultation_id = ? AND respondent_id IN (SELECT respondent_id FROM _ids) AND {from_exports}",  # noqa: S608
            [cid, label, cid],
        )
        overruled = _rows(
            con,
            "SELECT count(*) FROM (SELECT DISTINCT respondent_id, question_id FROM _codes) c WHERE EXISTS (SELECT 1 FROM "
            "human_codes h WHERE h.consultation_id = ? AND h.respondent_id = c.respondent_id AND h.question_id = c.question_id)",
            [cid],
        )[0][0]
        _rows(
            con,
            "INSERT INTO human_codes (consultation_id, respondent_id, question_id, theme_id, unit_text, codebook_version, "
            "source_file) SELECT ?, respondent_id, question_id, theme_id, unit_text, ?, ? FROM _codes c WHERE NOT EXISTS ("
            "SELECT 1 FROM human_codes h WHERE h.consultation_id = ? AND h.respondent_id = c.respondent_id "
            "AND h.question_id = c.question_id)",
            [cid, version, label, cid],
        )
    finally:
        con.unregister("_ids")
        con.unregister("_codes")
    report.hand_coded = len(codes.drop_duplicates(["respondent_id", "question_id"])) - overruled
    if overruled:
        report.warnings.append(
            f"{report.path.name} : {fmt.integer(overruled)} réponse{'s' if overruled > 1 else ''} codée"
            f"{'s' if overruled > 1 else ''} à la main dans l'export {'ont' if overruled > 1 else 'a'} aussi des codes "
            "d'une feuille de relecture ou d'un fichier de codes humains : ceux-là priment, les codes de l'export "
            "ne sont pas lus pour elles"
        )


# --------------------------------------------------------------------------
# Human codes
# --------------------------------------------------------------------------

HUMAN_CODE_COLUMNS = {"respondent_id": "respondent_id", "question_id": "question_id", "theme_id": "theme_id"}
_TEXT_HEADERS = {"text", "texte", "unit text", "extrait"}


def _ingest_human_codes(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, path: Path, source: SourceFile, label: str
) -> FileReport:
    """Human codes (respondent, question, theme, text): replace earlier codes of the same answers.

    A question or theme the codebook does not have is an error for the whole file (the codebook and
    the codes disagree: a person must decide); a code for a respondent who is not ingested, or with
    no respondent or theme, is quarantined.
    """
    cid = consultation.id
    digest = file_hash(path)
    settings = settings_hash_of(consultation, source, "human_codes")
    skipped = _skip_if_unchanged(con, cid, digest, settings, path, "human_codes")
    if skipped:
        return skipped
    table = read_table(path, sheet=source.sheet, header_row=source.header_row, header_hint="respondent_id")
    colmap = resolve_columns(table, HUMAN_CODE_COLUMNS)
    text_col = next((c for c in table.frame.columns if header_key(c) in _TEXT_HEADERS), None)
    frame = table.frame
    rid, id_warnings = normalise_ids(frame[colmap["respondent_id"]], table, colmap["respondent_id"])
    table.warnings.extend(id_warnings)
    qid = normalise_series(frame[colmap["question_id"]])
    tid = normalise_series(frame[colmap["theme_id"]])
    text = normalise_series(frame[text_col]) if text_col else pd.Series("", index=frame.index)

    theme_question = consultation.theme_question
    question_ids = {q.id for q in consultation.questions}
    qid, tid, themes, respelt = _hand_codes_read_as(consultation, qid, tid)
    owner = tid.map(theme_question)
    problems: list[InputProblem] = []
    bad_question = qid.ne("") & ~qid.isin(question_ids)
    bad_theme = ~bad_question & tid.ne("") & themes.isna() & owner.isna()
    wrong_owner = ~bad_question & ~bad_theme & tid.ne("") & themes.isna() & owner.ne(qid)
    for idx in frame.index[bad_question | bad_theme | wrong_owner][:MAX_LISTED]:
        row = table.row_number(int(idx))
        sheet = _sheet_said(table, int(idx))
        if bad_question[idx]:
            problems.append(InputProblem(str(path), "question inconnue du codebook" + sheet, row, colmap["question_id"], qid[idx]))
        elif bad_theme[idx]:
            problems.append(InputProblem(str(path), f"thème inconnu du codebook pour la question {qid[idx]}{sheet}", row, colmap["theme_id"], tid[idx]))
        else:
            problems.append(InputProblem(str(path), f"le thème appartient à la question {owner[idx]}, pas à {qid[idx]}{sheet}", row, colmap["theme_id"], tid[idx]))
    extra = int((bad_question | bad_theme | wrong_owner).sum()) - MAX_LISTED
    if extra > 0:
        problems.append(InputProblem(str(path), "… et " + fmt.count(extra, "autre code inconnu", "autres codes inconnus") + " du codebook"))
    if problems:
        raise InputFileError(problems)

    known = con.sql(
        "SELECT respondent_id FROM respondents WHERE consultation_id = ?", params=[cid]
    ).to_arrow_table().column(0)
    is_known = pd.Series(
        pc.is_in(pa.array(rid, type=pa.large_string()), value_set=known.cast(pa.large_string())).to_numpy(
            zero_copy_only=False
        ),
        index=rid.index,
    )
    reasons = pd.Series("", index=frame.index, dtype=object)
    for idx, why in table.malformed.items():
        if idx in reasons.index:
            reasons[idx] = why
    rules = (
        (rid.eq(""), "identifiant du répondant manquant"),
        (qid.eq(""), "question manquante"),
        (tid.eq(""), "thème manquant"),
    )
    for mask, why in rules:
        reasons[mask & reasons.eq("")] = why
    unknown = reasons.eq("") & ~is_known
    reasons[unknown] = "répondant « " + rid[unknown] + " » absent des réponses ingérées"
    # One row per line of the file (a line naming two themes is one line: one reason, one row number).
    codes = pd.DataFrame({"respondent_id": rid, "question_id": qid, "theme_id": themes.where(themes.notna(), tid.map(lambda t: (t,))),
                          "unit_text": text})
    candidates = codes[reasons.eq("")]
    copies = candidates[candidates.duplicated(keep="first")]
    if len(copies):
        first_row = {
            tuple(r): table.place(int(i))
            for i, r in candidates.drop_duplicates().iterrows()
        }
        reasons[copies.index] = [
            f"doublon exact de la {first_row[tuple(r)]}" for _, r in copies.iterrows()
        ]
    lines = codes[reasons.eq("")]
    kept = lines.explode("theme_id").drop_duplicates()
    report = FileReport(path, "human_codes", "ingested", rows_read=len(frame), read_as=table.describe(),
                        warnings=list(table.warnings))
    if respelt:
        report.warnings.append(f"{path.name} : " + respelt)
    foreign = _texts_not_in_answers(con, cid, lines)
    with_text = int(lines["unit_text"].str.strip().ne("").sum())
    if len(foreign) >= MISALIGNED_MIN and len(foreign) >= MISALIGNED_SHARE * with_text:
        # Most texts are not their respondent's: the columns no longer hold together (one sorted
        # alone, rows pasted off by one), so the codes would count for the wrong respondents.
        raise InputFileError([InputProblem(
            str(path),
            f"{fmt.count(len(foreign), 'texte')} {fmt.plural(len(foreign), 'absent')} de la réponse du répondant de "
            f"leur ligne, sur {fmt.count(with_text, 'texte')} ({', '.join(table.place(i) for i in foreign[:5])}…) : les colonnes du "
            "fichier semblent décalées (une colonne triée seule, des lignes collées avec un décalage), et ses codes "
            "compteraient pour d'autres répondants ; rien n'est importé de ce fichier. Rétablissez l'alignement, ou "
            "videz la colonne du texte si elle tient des notes du codeur",
        )])
    if len(foreign):
        said = " ; ".join(f"{table.place(i)} (répondant {lines.at[i, 'respondent_id']}, question "
                          f"{lines.at[i, 'question_id']})" for i in foreign[:MAX_LISTED])
        more = f" ; … et {fmt.count(len(foreign) - MAX_LISTED, 'autre')}" if len(foreign) > MAX_LISTED else ""
        report.warnings.append(
            f"{path.name} : {fmt.count(len(foreign), 'texte')} de codes {fmt.plural(len(foreign), 'absent')} de la "
            f"réponse du répondant ({said}{more}) : "
            f"{'le code compte' if len(foreign) == 1 else 'les codes comptent'}, mais ce texte n'est jamais cité "
            "comme un témoignage (un résumé du codeur, ou une colonne décalée par un tri ?)"
        )
    report.rows_quarantined = int(reasons.ne("").sum())
    report.rows_ingested = len(lines)
    report.respondents = int(kept["respondent_id"].nunique())
    version = _rows(con, "SELECT codebook_version FROM consultations WHERE consultation_id = ?", [cid])[0][0]
    # The file is the truth for its own codes: an answer coded in an earlier version of it and no
    # longer in it (the coder took its lines out) loses this file's codes; other files' and review
    # sheets' codes are not this file's to remove.
    now = set(zip(kept["respondent_id"], kept["question_id"], strict=True))
    dropped = [(r, q) for r, q in _rows(
        con, "SELECT DISTINCT respondent_id, question_id FROM human_codes WHERE consultation_id = ? AND source_file = ? "
        "ORDER BY respondent_id, question_id", [cid, label]) if (r, q) not in now]
    if dropped:
        con.register("_dropped", pd.DataFrame(dropped, columns=["respondent_id", "question_id"]))
        try:
            _rows(
                con,
                "DELETE FROM human_codes WHERE consultation_id = ? AND source_file = ? AND (respondent_id, question_id) IN "
                "(SELECT (respondent_id, question_id) FROM _dropped)",
                [cid, label],
            )
        finally:
            con.unregister("_dropped")
        shown = ", ".join(f"{r} ({q})" for r, q in dropped[:MAX_LISTED]) + (" …" if len(dropped) > MAX_LISTED else "")
        report.warnings.append(
            f"{path.name} : {fmt.count(len(dropped), 'réponse codée', 'réponses codées')} dans une version précédente de "
            f"ce fichier n'y {'est' if len(dropped) == 1 else 'sont'} plus : les codes que ce fichier "
            f"{fmt.plural(len(dropped), 'lui', 'leur')} donnait sont retirés de la base, et "
            f"{'elle revient' if len(dropped) == 1 else 'elles reviennent'} "
            f"au codage automatique ({shown})"
        )
    if len(kept):
        con.register("_pairs", kept[["respondent_id", "question_id"]].drop_duplicates())
        try:
            _rows(
                con,
                "DELETE FROM human_codes WHERE consultation_id = ? AND (respondent_id, question_id) IN "
                "(SELECT (respondent_id, question_id) FROM _pairs)",
                [cid],
            )
        finally:
            con.unregister("_pairs")
        store.insert_df(
            con, "human_codes",
            kept.assign(consultation_id=cid, codebook_version=version, source_file=label),
        )
    store.insert_df(con, "quarantine", _quarantine_frame(cid, digest, label, table, reasons))
    _record_file(con, cid, digest, settings, label, report)
    return report


# A codes file whose texts are, for at least this share of its lines with a text (and this many), not
# their respondent's words is refused as misaligned: the sample's 458 texts are all their respondent's.
MISALIGNED_SHARE = 0.5
MISALIGNED_MIN = 5


def _texts_not_in_answers(con: duckdb.DuckDBPyConnection, cid: str, lines: pd.DataFrame) -> list[int]:
    """The lines of a codes file whose text is not the respondent's words (`text.is_excerpt_of` their
    answer to the question, or they have no answer to it): the index of each, in file order."""
    with_text = lines[lines["unit_text"].str.strip().ne("")]
    if with_text.empty:
        return []
    pairs = with_text[["respondent_id", "question_id"]].drop_duplicates()
    con.register("_coded_pairs", pairs)
    try:
        answers = {(r, q): t for r, q, t in _rows(
            con,
            "SELECT a.respondent_id, a.question_id, a.text FROM answers a JOIN _coded_pairs p "
            "USING (respondent_id, question_id) WHERE a.consultation_id = ?", [cid])}
    finally:
        con.unregister("_coded_pairs")
    return [int(i) for i, r, q, t in zip(with_text.index, with_text["respondent_id"], with_text["question_id"],
                                    with_text["unit_text"], strict=True)
            if not is_excerpt_of(t, answers.get((r, q), ""))]


def _hand_codes_read_as(
    consultation: Consultation, qid: pd.Series, tid: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series, str]:
    """A codes file's questions and themes as a person types them: a question by its id, its column
    header or its text; a theme by its id or its label, case, accents and punctuation aside
    (`Question.theme_of_code`, as the export's code columns are read), several themes in one cell
    separated by « ; », a line break or « | » (or by commas when each piece is a theme). Returns the
    questions' ids, the themes as written (for the messages), the themes' ids per line (None: not
    read) and what was read other than as written, said once (empty when everything was an id)."""
    questions = {q.id: q for q in consultation.questions}
    lookup = _question_lookup(consultation)
    question_of: dict[str, str] = {}
    for value in qid.drop_duplicates():
        target = None if value in questions or not value else _target_of(lookup, value)
        question_of[value] = target[0] if target is not None and target[0] in questions else value
    qid = qid.map(question_of)
    keys = {q: question.theme_of_code() for q, question in questions.items()}
    ids_of = {q: {t.id for t in question.coded_themes} for q, question in questions.items()}
    read: dict[tuple[str, str], tuple[str, ...] | None] = {}
    examples: list[str] = []
    for q, t in zip(qid, tid, strict=True):
        if (q, t) in read:
            continue
        if q not in questions or not t:
            read[(q, t)] = None
            continue
        if t in ids_of[q]:
            read[(q, t)] = (t,)
            continue
        pieces = [i for code in THEME_SEPARATORS.split(t) if code_key(code) for i in _themes_of_code(keys[q], code)]
        read[(q, t)] = None if not pieces or None in pieces else tuple(dict.fromkeys(i for i in pieces if i))
        if read[(q, t)] is not None:
            examples.append(f"« {_one_line(t)} » → {' ; '.join(read[(q, t)] or ())}")
    themes = pd.Series([read[(q, t)] for q, t in zip(qid, tid, strict=True)], index=tid.index, dtype=object)
    respelt = ""
    if examples:
        shown = " ; ".join(examples[:MAX_LISTED]) + (" ; …" if len(examples) > MAX_LISTED else "")
        respelt = (f"{fmt.count(len(examples), 'code écrit', 'codes écrits')} autrement que par l'identifiant "
                   f"d'un thème (libellé, majuscules, accents, plusieurs thèmes dans une case), "
                   f"{fmt.plural(len(examples), 'lu', 'lus')} ainsi : {shown}")
    return qid, tid, themes, respelt


# --------------------------------------------------------------------------
# Reading back: quarantine and data checks
# --------------------------------------------------------------------------


def quarantined_rows(con: duckdb.DuckDBPyConnection, consultation_id: str) -> pd.DataFrame:
    """Quarantined rows of the latest version of each file, in file and row order."""
    return con.execute(
        """
        WITH latest AS (
            SELECT path, arg_max(file_hash, ingested_at) AS file_hash
            FROM source_files WHERE consultation_id = ? GROUP BY path
        )
        SELECT q.source_file, q.source_row, q.reason, q.raw_json
        FROM quarantine q JOIN latest l ON q.file_hash = l.file_hash AND q.source_file = l.path
        WHERE q.consultation_id = ?
        ORDER BY q.source_file, q.source_row
        """,
        [consultation_id, consultation_id],
    ).df()


def run_checks(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Run every query of store/sql/checks.sql; each returns the offending rows (empty = check passed)."""
    con.register("ref_regions", pd.DataFrame(
        {"region_code": [r.code for r in REGIONS], "region": [r.name for r in REGIONS]}
    ))
    try:
        return {name: con.execute(sql).df() for name, sql in _checks().items()}
    finally:
        con.unregister("ref_regions")


def _checks() -> dict[str, str]:
    text = store.read_sql("checks.sql")
    out: dict[str, str] = {}
    for block in re.split(r"^-- check: ", text, flags=re.MULTILINE)[1:]:
        name, _, body = block.partition("\n")
        out[name.strip()] = body.strip().rstrip(";")
    return out
