"""A first `consultation.yaml` drafted from a survey tool's export (`consultation init`).

A federation starts with an export and no configuration. Writing the YAML by hand means copying
every question's header exactly and inventing a codebook before seeing the answers. The draft:

- reads the export as the ingestion does (any format it reads);
- recognises the respondent's columns by their headers (id, region or department or postal code,
  structure name and type); an export with no id column (Google Forms) gets its timestamp joined to
  the structure's name or the e-mail column, when there is one;
- takes as open questions the columns whose answers are sentences (long, varied), and leaves out
  short closed answers (listed, with the reason, at the top of the file);
- proposes each question's themes from its answers (`coding.discover`: groups of answers sharing
  their characteristic words), each with its shared words as keywords, so that the cold-start rules
  code something at once; labels are those words, to be renamed, and the examples shown in comments
  are redacted. A question whose answers form no group is kept as a testimony section (`free_text`).

Nothing is guessed silently: the file opens with what was recognised and what to check, and the
command prints the same. The export itself is copied beside the YAML, never changed.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from consultation import fmt
from consultation.codebook import (
    GRID_BLANKS,
    GRID_MARKS,
    ID_PATTERN,
    MAX_QUESTIONS,
    OTHER_CODES,
    THEME_SEPARATORS,
    code_key,
    grid_mark,
    is_ticked,
)
from consultation.errors import ConsultationError
from consultation.ingest.core import EMAIL_HEADER
from consultation.ingest.readers import Table, header_key, read_table
from consultation.ingest.regions import normalise_region
from consultation.text import fold

SCHEMA_LINE = "# yaml-language-server: $schema={schema}"
# A column is an open question when its answers are sentences: a median of at least this many
# characters among the filled cells, and most of them different from each other.
MIN_MEDIAN_CHARS = 20
MIN_DISTINCT_SHARE = 0.5
MIN_WORDED, MIN_WORDED_SHARE = 5, 0.2
MAX_CHOICE_ITEMS = 15  # distinct options in a column of ticked boxes
MAX_STRUCTURE_TYPES = 12  # more distinct values in a « type » column: not a list of types
MAX_KEYWORDS = 6
EXAMPLE_CHARS = 160
# Themes are proposed from at most this many distinct answers per question (drawn at random, with a
# fixed seed): enough to find the main groups, and a national export takes seconds, not minutes.
MAX_DISCOVERY_ANSWERS = 2_000

_ID_HEADERS = re.compile(
    r"^(?:identifiant|id|uid|sid|serial|webform sid|webform serial|code|numero|n|no|ref|reference|respondent|response|responseid|respondentid)"
    r"(?: (?:du |de la |de l |de |d )?(?:repondant|reponse|participant|contribution|questionnaire|id))?$"
)
_TIMESTAMP = re.compile(
    r"horodat|timestamp|date (?:de |d )?(?:reponse|soumission|envoi|saisie)|submitted|submit ?date|^date$"
)
# The survey tool's own columns: when the response was started or sent, from where, how far, in
# which language (Google Forms, Microsoft Forms, LimeSurvey, SurveyMonkey, Qualtrics, Typeform,
# KoboToolbox, Drupal webform as Framaforms runs it): listed as such, unless their answers are sentences (a question called « Notes »).
_METADATA = re.compile(
    r"^(?:start|end|today|deviceid|(?:start|end|submit|stage|recorded) ?date(?: utc)?|submitdate|startdate|datestamp"
    r"|date (?:de |d )?(?:debut|fin|soumission|lancement)|date de la derniere action"
    r"|heure de (?:debut|fin|la derniere modification)|(?:start|completion|last modified) time"
    r"|ip ?address|ipaddr|adresse ip|progress|progression|duration(?: in seconds)?|duree(?: en secondes)?"
    r"|finished|status|statut|response type|lastpage|derniere page|startlanguage|langue de depart|user ?language"
    r"|seed|tete de serie|refurl|url de reference|referr?er|user agent|location ?(?:latitude|longitude)"
    r"|distribution ?channel|collector id|network id|tags|custom data \d+|uuid|submission time|validation status"
    r"|notes|submitted by|version|index|external ?(?:data )?reference|recipient ?(?:last name|first name|email)"
    r"|(?:webform )?(?:sid|serial|time|(?:submitted|completed|modified) time|draft|ip address|uid|username)"
    r"|numero de serie|heure(?: de (?:soumission|completion|modification))?|brouillon|nom d utilisateur)$"
)
# Values written by the tool, not by a person: a date or a time, or one token without a space (an
# id, a uuid, a link, an IP or e-mail address, an ISO timestamp).
_MACHINE = re.compile(
    r"^(?:(?=.*(?:\d[/-]\d{1,2}[/-]\d|\d:\d\d))[\d/.:+-]+(?: [\d/.:+-]+)?(?: ?(?:am|pm))?(?: ?(?:utc|gmt)[+-]?\d{0,2})?"
    r"|(?=\S*[\d@:/])\S{6,})$",
    re.I,
)
# Incomplete responses (started, never sent): an empty submission date where others have one, or
# « Finished » false (Qualtrics), or « partial » (Typeform).
_SUBMITTED = re.compile(r"^(?:submitdate|date de soumission|submit date(?: utc)?)$")
_FINISHED = re.compile(r"^(?:finished|termine|response type)$")
_UNFINISHED = {"false", "0", "faux", "non", "partial"}
# Drupal webform (Framaforms): « Draft » / « Brouillon » at 1 for a response saved, not sent.
_DRAFT = re.compile(r"^(?:draft|webform draft|brouillon|is draft)$")
_DRAFTED = {"1", "true", "vrai", "oui", "yes"}
_REGION = re.compile(r"^(?:votre )?region\b")
_DEPARTMENT = re.compile(r"^(?:votre )?(?:departement|department|dpt|dept)\b")
_POSTAL = re.compile(r"code postal|postal code|zip|^cp$")
_QUESTION = re.compile(r"\bquestion\b")
_ANSWER = re.compile(r"\b(?:answer|reponse|contribution|texte|text|verbatim)\b")
_SECTION = re.compile(r"\b(?:theme|section|rubrique|partie|pilier|axe|chapitre|bloc)\b")
_TYPE = re.compile(r"\btype\b|\bcategorie\b")
_NAME = re.compile(r"\b(?:nom|raison sociale)\b|^(?:structure|etablissement|organisme|association|service)$")
_ORG = re.compile(r"structure|etablissement|organisme|association|service|raison sociale")
# Forms of « être » and « avoir » the lemma tables leave as they are (« ont été » gives « ete »).
_PLACEHOLDER = re.compile(r"\[[^\[\]\s]{1,20}\]")  # what the redactor puts in place: [nom], [téléphone]…
_AUXILIARIES = {"ete", "etre", "avoir", "eu", "etait", "etaient", "sont", "ont", "fait"}
_NUMBER = re.compile(r"^\s*(?:q(?:uestion)?\s*)?(\d{1,3}(?:[.,]\d{1,2})*[a-z]?)\s*(?:[.):°-]|\s-)\s*", re.I)


@dataclass
class Column:
    header: str
    values: pd.Series  # the filled cells, stripped
    group: str = ""  # the group in the header's path (KoboToolbox: « Identification/Région »)

    @property
    def name(self) -> str:
        """The header without its group."""
        return self.header[len(self.group) + 1 :] if self.group else self.header

    @property
    def key(self) -> str:
        return header_key(self.name)


@dataclass
class DraftQuestion:
    id: str
    header: str
    text: str
    answers: int
    themes: list[dict] = field(default_factory=list)  # id, label, keywords, size, examples
    section: str = "Questions"
    text_given: bool = True  # False: a long export with no text for it (its section or id instead)
    coded_by: str | None = None  # the export's column of codes given by hand to its answers (« Thèmes »)
    grid: list[str] = field(default_factory=list)  # or its coding grid: a column per theme, ticked « x »

    @property
    def hand_coded(self) -> bool:
        return self.coded_by is not None or bool(self.grid)


@dataclass
class Draft:
    export: Path
    folder: Path
    respondent_id: list[str]
    id_note: str
    region: list[str]
    structure_name: str | None
    structure_type: str | None
    structure_types: list[str]
    questions: list[DraftQuestion]
    testimonies: list[DraftQuestion]
    ignored: list[tuple[str, str]]  # header, why
    rows: int
    incomplete: tuple[int, str, str] | None = None  # responses not sent: how many, the column, its sign
    long: tuple[str, str] | None = None  # a long export: the question's column, the answer's
    read: list[str] = field(default_factory=list)  # how the export was read (a title above the headers…)
    title: str | None = None  # the export's own title, above its headers (a form's name); else its file's name
    sheet: str | int | None = None  # the workbook's sheet named at init (--feuille): the only one the imports read
    hand_codes: list[tuple[str, str, int, int]] = field(default_factory=list)  # question, where, answers, themes
    _rows_of: dict | None = field(default=None, repr=False)

    def texts(self, table: Table, question: DraftQuestion) -> list[str]:
        """A question's filled answers, each once."""
        if self.long is None:
            values = table.frame[question.header]
        else:
            if self._rows_of is None:  # one pass over the export, not one per question
                asked = table.frame[self.long[0]].fillna("").astype(str).str.strip()
                self._rows_of = asked.groupby(asked, sort=False).groups
            values = table.frame.loc[self._rows_of.get(question.header, []), self.long[1]]
        return list(dict.fromkeys(v for v in values.fillna("").astype(str).str.strip() if v))

    def hand_coded(self, table: Table, question: DraftQuestion) -> dict[object, tuple[str, list[str]]]:
        """The answers coded by hand in the export: row -> (answer, its codes as written; a grid's:
        the headers of the columns ticked)."""
        if question.grid:
            answers = table.frame[question.header].fillna("").astype(str).str.strip()
            ticked = pd.DataFrame({h: table.frame[h].fillna("").astype(str).map(is_ticked) for h in question.grid})
            return {i: (answers[i], [h for h in question.grid if ticked.at[i, h]])
                    for i in ticked.index[ticked.any(axis=1)] if answers[i]}
        if question.coded_by is None:
            return {}
        answers = table.frame[question.header if self.long is None else self.long[1]].fillna("").astype(str).str.strip()
        codes = table.frame[question.coded_by].fillna("").astype(str).str.strip()
        coded = _codes_of(codes[codes.ne("")])  # the whole column: its separators are the column's
        if self.long is not None:
            self.texts(table, question)  # groups the rows by question
            rows = set((self._rows_of or {}).get(question.header, []))
            coded = {i: c for i, c in coded.items() if i in rows}
        return {i: (answers[i], c) for i, c in coded.items() if c and answers[i]}

    @property
    def yaml_path(self) -> Path:
        return self.folder / "consultation.yaml"


def _groups(headers: list[str]) -> set[str]:
    """Groups written in the headers as paths (« Identification/Région », KoboToolbox): a prefix
    before « / », without a question mark, shared by at least two headers."""
    prefixes = [h.rsplit("/", 1)[0] for h in headers if "/" in h.strip("/")]
    return {p for p in set(prefixes) if prefixes.count(p) >= 2 and "?" not in p and len(p) <= 80}


def _columns(table: Table) -> list[Column]:
    out = []
    headers = [str(h) for h in table.frame.columns]
    groups = _groups(headers)
    for header in headers:
        values = table.frame[header].fillna("").astype(str).str.strip()
        group = header.rsplit("/", 1)[0] if "/" in header and header.rsplit("/", 1)[0] in groups else ""
        out.append(Column(header, values[values.ne("")], group))
    return out


def _is_machine(values: pd.Series) -> bool:
    """Values a tool wrote (dates, ids, links, addresses): nearly all of them."""
    sample = values.head(500)
    return bool(len(sample)) and sample.str.match(_MACHINE).mean() >= 0.9


def _incomplete(columns: list[Column], rows: int) -> tuple[int, str, str] | None:
    for column in columns:
        if _SUBMITTED.match(column.key) and len(column.values) >= rows / 2 and len(column.values) < rows:
            return rows - len(column.values), column.header, "vide"
        if _DRAFT.match(column.key):
            drafted = column.values.str.strip().str.lower().isin(_DRAFTED)
            if drafted.any() and not drafted.all():
                return int(drafted.sum()), column.header, f"à « {column.values[drafted].iloc[0]} »"
        if _FINISHED.match(column.key):
            unfinished = column.values.str.lower().isin(_UNFINISHED)
            if unfinished.any() and not unfinished.all():
                return int(unfinished.sum()), column.header, f"à « {column.values[unfinished].iloc[0]} »"
    return None


def _first(columns: list[Column], pattern: re.Pattern[str], taken: set[str]) -> Column | None:
    return next((c for c in columns if c.header not in taken and pattern.search(c.key)), None)


def _is_multiple_choice(values: pd.Series) -> bool:
    """Boxes ticked among a few options, joined by the tool (« Logement, Santé »): few distinct items."""
    items = values.str.split(r"\s*[;,]\s*").explode().str.strip()
    items = items[items.ne("")]
    if items.empty or items.nunique() > MAX_CHOICE_ITEMS or items.str.len().max() > 80:
        return False
    # Each option is ticked again and again; words and sentences written once are not options.
    counts = items.value_counts()
    return bool(counts[counts >= 3].sum() >= 0.9 * len(items))


def _is_sentences(column: Column) -> bool:
    """Written answers: long and varied; or, where many answered in a word (« Non », « RAS »), at
    least a fifth of them distinct sentences of four words or more. Ticked options are not."""
    values = column.values
    if values.empty or _is_multiple_choice(values) or _is_machine(values):
        return False
    if values.str.len().median() >= MIN_MEDIAN_CHARS and values.nunique() >= MIN_DISTINCT_SHARE * len(values):
        return True
    worded = values[values.str.split().str.len() >= 4]
    return bool(worded.nunique() >= max(MIN_WORDED, MIN_WORDED_SHARE * len(values)))


def _region_share(column: Column) -> float:
    sample = column.values.head(500)
    if sample.empty:
        return 0.0
    # By name only: numbers (a headcount, an age) would read as department or postal codes.
    named = {"name", "old_region", "department_name"}
    return sum(normalise_region(v).method in named for v in sample) / len(sample)


def _long_layout(
    columns: list[Column], rows: int, frame: pd.DataFrame
) -> tuple[Column, Column, Column | None] | None:
    """A long export (one row per answer): a column of answers (sentences) and a column naming the
    question, with few values; and the question's text when another column holds it."""
    answer = next((c for c in columns if _ANSWER.search(c.key) and not _QUESTION.search(c.key)
                   and _is_sentences(c)), None)
    if answer is None:
        return None
    few = max(1, min(MAX_QUESTIONS, rows // 5))
    asked = [c for c in columns if c is not answer and _QUESTION.search(c.key) and 0 < c.values.nunique() <= few]
    if not asked:
        return None
    # The shortest values name the question (an id); a column with as many values, longer, is its text.
    asked.sort(key=lambda c: c.values.str.len().mean())
    question = asked[0]
    keys = frame[question.header].fillna("").astype(str).str.strip()

    def one_per_question(column: Column) -> bool:
        return bool(column.values.groupby(keys.loc[column.values.index]).nunique().max() <= 1)

    text = next((c for c in asked[1:] if one_per_question(c)), None)
    return question, answer, text


def _long_sections(columns: list[Column], frame: pd.DataFrame, asked: str, taken: set[str]) -> Column | None:
    """A column grouping a long export's questions into sections (« theme », « Rubrique »): one
    value per question, fewer values than questions."""
    keys = frame[asked].fillna("").astype(str).str.strip()
    for column in columns:
        if column.header in taken or not _SECTION.search(column.key) or column.values.empty:
            continue
        per_question = column.values.groupby(keys.loc[column.values.index]).nunique()
        if per_question.max() <= 1 and column.values.nunique() < keys[keys.ne("")].nunique():
            return column
    return None


def _question_id(header: str, position: int, taken: set[str]) -> str:
    found = _NUMBER.match(header)
    base = f"q{found.group(1).lower().replace(',', '_').replace('.', '_')}" if found else f"q{position}"
    qid, n = base, 2
    while qid in taken:
        qid, n = f"{base}_{n}", n + 1
    taken.add(qid)
    return qid


def _first_filled(frame: pd.DataFrame, key: str, value: str) -> dict[str, str]:
    """Each `key` cell's first non-empty `value` cell: a row that leaves it blank hides nothing."""
    keys, values = (frame[c].fillna("").astype(str).str.strip() for c in (key, value))
    filled = values.ne("")
    return dict(zip(keys[filled][::-1], values[filled][::-1], strict=True))


_NO_TEXT = "  # l'export ne donne pas le texte de cette question : écrivez-le (il figure dans les rapports)"


def _question_text(header: str) -> str:
    """The question as the export writes it, without its number (« 3a. »)."""
    text = re.sub(r"\s+", " ", _NUMBER.sub("", header, count=1)).strip()
    return text or header.strip()


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")[:64].strip("-")
    return slug or "consultation"


# A column of codes a person gave the answers by hand, in the export or the spreadsheet it became
# (« Thèmes », « Thèmes 3a », « Codage Q2 », « Catégories », « tags », « labels », « Codes
# thématiques », « Thème(s) retenu(s) »), several joined by « ; », « | » or a line break: a short
# header (four words at most, not a question) with a word of coding in it, and none that describes
# the respondent (« Code postal », « Catégorie de structure », « Catégorie socioprofessionnelle »).
_CODING_WORDS = frozenset(
    f"{stem}{end}" for stem in ("theme", "thematique", "code", "codee", "codage", "codification", "categorie",
                                "categorisation", "classement", "classification", "etiquette", "tag", "label",
                                "annotation", "topic", "coding", "sous theme")
    for end in ("", "s")
)
_RESPONDENT_WORDS = frozenset({
    "postal", "structure", "structures", "etablissement", "socioprofessionnelle", "csp", "naf", "ape", "insee",
    "commune", "departement", "region", "pays", "age", "sexe", "genre", "profession", "metier", "date", "heure",
    "client", "produit", "article", "sujet", "langue",
})


def _codes_header(column: Column) -> bool:
    words = column.key.split()
    return (0 < len(words) <= 4 and "?" not in column.name and not _RESPONDENT_WORDS.intersection(words)
            and any(w in _CODING_WORDS or " ".join(words[k:k + 2]) in _CODING_WORDS for k, w in enumerate(words)))


MAX_HAND_CODES = 80  # distinct codes in one column at most: more is text, not a codebook


def _is_ticks(column: Column) -> bool:
    """A column of a coding grid: ticks (« x », « 1 », « oui », « ✓ ») and blanks (« 0 », « non »)
    only, or nothing yet, under a theme's name (not a question, not a tool's option « Q3[SQ001] »,
    « Thématiques/Logement »)."""
    marks = set(column.values.map(grid_mark))
    return (marks <= GRID_MARKS | GRID_BLANKS and not column.group and "?" not in column.name
            and not re.search(r"[\[\]/]", column.name) and len(column.name) <= 120)


def _ticked(column: Column) -> bool:
    return bool(set(column.values.map(grid_mark)) & GRID_MARKS)


def _codes_of(values: pd.Series) -> dict[object, list[str]]:
    """Each filled cell's codes, in order, each once. Commas separate codes too in a column where
    the pieces between them are fewer than the codes and mostly found in several of them
    (« Logement, Santé », « Santé », « Emploi, Logement »), not where a code holds one
    (« Numérique, accompagnement à distance »: its pieces are always together); the import reads
    such a code piece by piece when it is no theme whole."""
    cells = {i: list(dict.fromkeys(c for c in THEME_SEPARATORS.split(v) if c)) for i, v in values.items()}
    if not any("," in c for cs in cells.values() for c in cs):
        return cells
    # a piece in several different codes (« Santé » alone, in « Logement, Santé », in « Santé, Emploi »)
    # is a code; a piece of a label is always in the same one (« Numérique, accompagnement à distance »)
    found_in: dict[str, set[str]] = {}  # a piece -> the codes it is in
    for c in {c for cs in cells.values() for c in cs}:
        for p in c.split(","):
            if code_key(p):
                found_in.setdefault(code_key(p), set()).add(code_key(c))
    whole = {code_key(c) for cs in cells.values() for c in cs}
    mixed = sum(len(codes) >= 2 for codes in found_in.values())
    if len(found_in) < len(whole) and mixed >= 0.5 * len(found_in):
        return {i: list(dict.fromkeys(p.strip() for c in cs for p in c.split(",") if code_key(p))) for i, cs in cells.items()}
    return cells


def _is_hand_codes(column: Column, answered: pd.Index) -> bool:
    """A column of codes given by hand to the answers on its rows: named so, a short list of short
    labels used again and again, and only on rows that hold an answer (a box ticked by the
    respondent is there without one)."""
    if not _codes_header(column) or len(column.values) < 3:
        return False
    codes = [c for cs in _codes_of(column.values).values() for c in cs]
    distinct = {code_key(c) for c in codes}
    if not 2 <= len(distinct) <= MAX_HAND_CODES or float(pd.Series([len(c) for c in codes]).median()) > 60:
        return False
    # Codes come back: each used 1.25 times on average at least. Twice, asked before, missed a
    # federation that has just begun coding (9 answers with 16 codes of 9 themes).
    return len(codes) >= 1.25 * len(distinct) and column.values.index.isin(answered).mean() >= 0.95


def recognise(export: Path, folder: Path, *, sheet: str | int | None = None) -> tuple[Draft, Table]:
    """The export's columns sorted into the respondent's and the open questions (no themes yet)."""
    table = read_table(export, sheet=sheet)
    columns = _columns(table)
    if not columns or table.frame.empty:
        raise ConsultationError(f"{export} : aucune ligne de réponses sous les en-têtes, rien à décrire")
    taken: set[str] = set()

    def take(column: Column | None) -> str | None:
        if column is None:
            return None
        taken.add(column.header)
        return column.header

    long = _long_layout(columns, len(table.frame), table.frame)
    asked = long[0].header if long else None

    def identifies(column: Column) -> bool:
        if column.values.empty:
            return False
        if asked is None:
            return column.values.nunique() == len(column.values)
        pairs = table.frame.loc[column.values.index, [column.header, asked]]
        return not pairs.duplicated().any()

    if long is not None:
        taken.update(c.header for c in long if c is not None)
    timestamp = _first(columns, _TIMESTAMP, taken)
    email = _first(columns, EMAIL_HEADER, taken)
    def repeated(column: Column) -> pd.Series:
        """An id column's values found on several rows that are not copies of one row (a row
        pasted twice, read as one by the import): a count typed under the ids, a respondent twice."""
        rows = table.frame.loc[column.values.index]
        values = column.values.loc[rows.drop_duplicates().index]
        return values[values.duplicated(keep=False)]

    def names_respondents(column: Column) -> bool:
        """A column named as the id: its values all differ, or nearly (a few repeated ones are the
        import's to set aside, each named; a structure's code repeats on many rows)."""
        if identifies(column):
            return True
        return asked is None and len(repeated(column)) <= max(4, len(column.values) // 10)

    ident = next((c for c in columns if c.header not in taken and (_ID_HEADERS.match(c.key) or c.name.strip() == "#")
                  and names_respondents(c)), None)
    region = [h for h in (take(_first(columns, p, taken)) for p in (_REGION, _DEPARTMENT, _POSTAL)) if h]
    if not region:  # no header says so: a short column whose values are mostly regions or departments
        guess = next((c for c in columns if not _is_sentences(c) and _region_share(c) >= 0.8), None)
        region = [h for h in [take(guess)] if h]
    if not region:
        raise ConsultationError(
            f"{export} : aucune colonne de région, de département ou de code postal (en-tête « Région », "
            "« Département », « Code postal », ou valeurs reconnues comme telles) : les décomptes et rapports "
            "sont faits par région ; ajoutez cette colonne à l'export"
        )
    types = next((c for c in columns if c.header not in taken and _TYPE.search(c.key) and _ORG.search(c.key)), None)
    structure_type = take(types)
    # The structure's name, not a person's: « Nom » alone is the respondent (Microsoft Forms).
    named = [c for c in columns if c.header not in taken and _NAME.search(c.key)]
    name = next((c for c in named if _ORG.search(c.key)), None) or next(
        (c for c in named if c.key in {"structure", "etablissement", "organisme", "association", "service"}), None)
    structure_name = take(name)
    if ident is not None:
        respondent_id = [ident.header]
        twice = repeated(ident) if long is None else pd.Series(dtype=str)
        shown = ", ".join(f"« {v} »" for v in list(dict.fromkeys(twice))[:3])
        id_note = (
            f"« {ident.header} » (une valeur différente par {'ligne' if long is None else 'question'})" if twice.empty
            else f"« {ident.header} » (une valeur différente par ligne, sauf {shown} sur {len(twice)} lignes : "
            "l'import met de côté en les nommant les notes sous le tableau et les répondants présents deux fois ; "
            "vérifiez ces lignes)"
        )
        taken.add(ident.header)
    elif timestamp is not None:
        partner = structure_name or (email.header if email is not None else None)
        respondent_id = [timestamp.header, *([partner] if partner else [])]
        id_note = (
            f"pas de colonne d'identifiant : « {timestamp.header} »"
            + (f" avec « {partner} » (deux répondants peuvent envoyer leur réponse dans la même seconde)"
               if partner else " seul : deux réponses envoyées dans la même seconde seront mises en quarantaine")
        )
    else:
        unique = next(
            (c for c in columns if c.header not in taken and len(c.values) == len(table.frame) and identifies(c)
             and not _is_sentences(c)),
            None,
        )
        if unique is None:
            raise ConsultationError(
                f"{export} : aucune colonne n'identifie les répondants (ni identifiant, ni horodatage, ni "
                "colonne aux valeurs toutes différentes) ; ajoutez-en une dans l'export"
            )
        respondent_id, id_note = [unique.header], f"« {unique.header} » (valeurs toutes différentes)"
    taken.update(respondent_id)
    if timestamp is not None:
        taken.add(timestamp.header)
    if email is not None:
        taken.add(email.header)

    kinds: list[str] = []
    if types is not None:
        distinct = list(dict.fromkeys(types.values))
        if len(distinct) <= MAX_STRUCTURE_TYPES:
            kinds = [v for v in distinct if len(v) <= 40]
    questions: list[DraftQuestion] = []
    ignored: list[tuple[str, str]] = []
    ids: set[str] = set()
    sections: dict[str, str] = {}
    if long is not None:
        question_col, _, text_col = long
        grouped = _long_sections(columns, table.frame, question_col.header, taken)
        if grouped is not None:
            taken.add(grouped.header)
            sections = _first_filled(table.frame, question_col.header, grouped.header)
        texts = _first_filled(table.frame, question_col.header, text_col.header) if text_col is not None else {}
        for value, count in question_col.values.value_counts(sort=False).items():
            qid = value if ID_PATTERN.match(value) and value not in ids else _question_id(value, len(questions) + 1, ids)
            ids.add(qid)
            # A question the text column leaves empty (« QL », a free contribution) is named by its
            # section when it has one, and the draft says the text is to be written.
            section = sections.get(value) or "Questions"
            given = texts.get(value) or ""
            alone = section != "Questions" and list(sections.values()).count(section) == 1
            questions.append(DraftQuestion(qid, value, given or (section if alone else _question_text(value)), int(count),
                                           section=section, text_given=bool(given)))
    # Codes given by hand: a column right of the question it codes (wide), or beside the answers (long).
    coding: dict[str, str] = {}  # the codes' column -> the question's header (long: the answers')
    for at, column in enumerate(columns):
        if column.header in taken:
            continue
        if long is not None:
            target: Column | None = long[1]
        else:  # right after its question: a tool's « _tags » after the last question and its metadata is not
            before = columns[at - 1] if at else None
            target = before if (before is not None and before.header not in taken and _is_sentences(before)
                                and not _codes_header(before)) else None
        if target is not None and _is_hand_codes(column, target.values.index):
            coding[column.header] = target.header
    taken.update(coding)
    # A coding grid: right after a question, two columns or more of ticks (« x », « 1 », « oui »),
    # named by the themes, ticked only on rows that hold an answer.
    grids: dict[str, list[str]] = {}  # the question's header -> the grid's headers
    for at, column in enumerate(columns if long is None else []):
        if column.header in taken or not _is_sentences(column) or _codes_header(column):
            continue
        run = []
        for after in columns[at + 1:]:
            if after.header in taken or not _is_ticks(after):
                break
            run.append(after)
        while run and run[-1].values.empty:  # an empty column after the grid (one with « 0 » or « non » is in it)
            run.pop()
        ticked = pd.Index([]).append([c.values.index[c.values.map(is_ticked)] for c in run]).unique() \
            if run else pd.Index([])
        if len(run) >= 2 and sum(map(_ticked, run)) >= 2 and len(ticked) >= 3 \
                and ticked.isin(column.values.index).mean() >= 0.95:
            grids[column.header] = [c.header for c in run]
            taken.update(grids[column.header])
    # A multiple choice written both ways (KoboToolbox): the ticked labels in one column, and a
    # 1/0 column per option under its path (« Thématiques/Logement »).
    summaries = {c.header.rsplit("/", 1)[0] for c in columns if "/" in c.header}
    for column in columns:
        if column.header in taken:
            continue
        if column.values.empty:
            ignored.append((column.header, "colonne vide"))
        elif (_METADATA.match(column.key) or _is_machine(column.values)) and not _is_sentences(column):
            ignored.append((column.header, "colonne de l'outil d'enquête (dates, adresse IP, progression, langue, "
                                           "identifiants techniques) : pas une question"))
        elif column.header in summaries:
            ignored.append((column.header, "options cochées (une colonne par option suit) : pas une question ouverte"))
        elif _is_sentences(column) and long is None:
            text = _question_text(column.name)
            questions.append(
                DraftQuestion(_question_id(column.name, len(questions) + 1, ids), column.header, text, len(column.values),
                              section=column.group or "Questions")
            )
        else:
            median = int(column.values.str.len().median())
            why = (
                f"réponses courtes ({fmt.count(median, 'caractère')} en médiane) : choix fermés, "
                "pas une question ouverte"
                if median < MIN_MEDIAN_CHARS else
                f"{fmt.count(column.values.nunique(), 'valeur différente', 'valeurs différentes')} "
                f"sur {fmt.integer(len(column.values))} : "
                "pas des réponses rédigées"
            )
            ignored.append((column.header, why))
    if not questions:
        raise ConsultationError(
            f"{export} : aucune colonne de réponses rédigées (au moins {MIN_MEDIAN_CHARS} caractères en médiane, "
            "la moitié différentes) ; rien à coder"
        )
    for codes, answers in coding.items():
        for question in questions:
            if long is not None or question.header == answers:
                question.coded_by = codes
    for question in questions:
        question.grid = grids.get(question.header, [])
    read = [*table.warnings, *_same_headers(table, questions, {*taken, *respondent_id, *region})]
    draft = Draft(
        export=export, folder=folder, respondent_id=respondent_id, id_note=id_note, region=region,
        structure_name=structure_name, structure_type=structure_type, structure_types=kinds,
        questions=questions, testimonies=[], ignored=ignored, rows=len(table.frame),
        long=(long[0].header, long[1].header) if long else None,
        incomplete=_incomplete(columns, len(table.frame)) if long is None else None, read=read,
        title=_title_above(table.above), sheet=sheet,
    )
    return draft, table


def _same_headers(table: Table, questions: list[DraftQuestion], taken: set[str]) -> list[str]:
    """Columns of the export under one header (« Précisez : » after two questions of a Google form):
    the table names them « Précisez : », « Précisez : (2) ». When each is a question, each is read by
    its rank, its text the header's; otherwise the import would read one and lose the other, and
    stops: said here, before the first run."""
    notes = []
    groups: dict[tuple[tuple[int, str], ...], list[str]] = {}
    for label, same in table.duplicates.items():
        groups.setdefault(tuple(same), []).append(label)
    by_header = {q.header: q for q in questions}
    for group, labels in groups.items():
        header = " ".join(group[0][1].split())
        if all(label in by_header for label in labels):
            for label in labels:
                by_header[label].text = _question_text(group[0][1])
            notes.append(f"en-tête « {header} » présent {len(labels)} fois : chaque colonne est une question, lue "
                         f"dans l'ordre ({', '.join(f'« {label} »' for label in labels)}) ; mieux vaut des "
                         "intitulés différents dans l'outil d'enquête")
        elif any(label in by_header or label in taken for label in labels):
            notes.append(f"en-tête « {header} » présent {len(labels)} fois, pas toutes des questions : l'import "
                         "s'arrêtera ; renommez ces questions dans l'outil d'enquête, ou nommez chaque colonne dans "
                         f"consultation.yaml ({', '.join(f'« {label} »' for label in labels)})")
    return notes


# A line above the headers that is not the form's title: when and how the export was made.
_STAMP = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}[:h]\d{2}\b"
                    r"|^(?:export|extra|genere|date|source|filtre|page|sep=)", re.I)


def _title_above(rows: list[list[str]]) -> str | None:
    """The first filled row above the headers when it reads as a title (Framaforms writes the form's
    name there): one cell of a few words, not a label (« Source : »), an export's date or filter."""
    if not rows or len(rows[0]) != 1:
        return None
    title = " ".join(rows[0][0].split())
    if not 3 <= len(title) <= 150 or sum(ch.isalpha() for ch in title) < 3 or _STAMP.search(fold(title)) \
            or title.endswith(":"):
        return None
    return title


_MONTH_NAMES = (r"(?:janv(?:ier)?|f[ée]vr?(?:ier)?|mars|avr(?:il)?|mai|juin|juil(?:let)?|ao[uû]t|sept?(?:embre)?|oct(?:obre)?"
                r"|nov(?:embre)?|d[ée]c(?:embre)?|jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|may|june?|july?|aug(?:ust)?"
                r"|sep(?:tember)?|october|november|december)\.?")
# What tools add to a form's name in the file they write: dates and times (« 2020-06-30-08-12-44 »,
# « 30 juin 2020 », « 200630 »), a range of rows (« (1-47) »), « (réponses) », « all versions »,
# « labels », « Submissions », « results-survey842915 », « responses-Fz8qR2-csv », « export du »,
# a copy's mark, a sheet's name (« - Réponses au formulaire 1 », « Feuil1 »), a word that names any
# file (« answers », « données », « résultats », « tags »).
_NAME_NOISE = re.compile(
    # a sheet's name after the workbook's, as Google Sheets names a sheet downloaded as CSV
    r"\b(?:r[ée]ponses? au formulaire|form responses?|feuille|sheet|feuil)\s*\d*\b"
    r"|\((?:\d+\s*-\s*\d+|\d+|r[ée]ponses?|responses?|copie|copy)\)"
    r"|\b\d{1,2}[ -]?" + _MONTH_NAMES + r"[ ,]*\d{4}\b|\b" + _MONTH_NAMES + r" \d{1,2},? \d{4}\b"
    r"|\b\d{1,4}(?:[-_./:hT]\d{1,4})+\b|\b\d{5,}\b|\b(?=[a-z\d]*[a-z]\d+[a-z])[a-z\d]{5,10}\b"
    r"|\b(?:export(?:s|[ée]|ed)?|extra(?:it|ction))(?:\s+(?:du|le|au|on|of))?\b"
    r"|\b(?:all versions|xml values|labels|submissions?|results?|survey\d*|responses?|r[ée]ponses|data|all"
    r"|answers?|donn[ée]es|r[ée]sultats?|tags|fichier|file|tableau|table|dump|t[ée]l[ée]chargement|download(?:ed)?"
    r"|csv|xlsx|xls|ods|tsv|json|copie|copy|final|v\d+)\b",
    re.I,
)


def _title_of_file(export: Path, folder: Path) -> str:
    """A title from the export's file name, without what its tool added (KoboToolbox's date and
    time, which the publication's check took for an identifier); failing a name, the folder's
    (« ma-consultation » : « Ma consultation »)."""
    for name in (export.stem, folder.name):
        text = name.replace("_", " ")
        if " " not in name.strip():  # a slug (Tally's « Contribution-Segur_Submissions »)
            text = re.sub(r"(?<=[^\W\d_])-(?=[^\W_])|(?<=[^\W_])-(?=[^\W\d_])", " ", text)
        text = _NAME_NOISE.sub(" ", text)
        text = re.sub(r"(?:\s*[-–(),.]\s*)+$|^(?:\s*[-–(),.]\s*)+", "", " ".join(text.split()))
        text = re.sub(r"\s+(?:-\s+)+", " - ", text).strip(" -–")
        if sum(ch.isalpha() for ch in text) >= 3:
            return _capital(text)
    return _capital(export.stem)


def propose_themes(draft: Draft, table: Table, lemmatizer, redact: Callable[[str], str]) -> None:
    """Each question's themes from its answers; a question with no group becomes a testimony section."""
    from consultation.coding.discover import MIN_UNITS_FLOOR, discover_question

    nlp = getattr(lemmatizer, "nlp", None)
    stop = {fold(w) for w in (nlp.Defaults.stop_words if nlp is not None else ())} | _AUXILIARIES
    kept: list[DraftQuestion] = []
    testimonies: list[DraftQuestion] = []
    for question in draft.questions:
        if question.hand_coded:
            _themes_of_hand_codes(draft, table, question, redact)
            kept.append(question)
            continue
        # Grouped on the redacted answers, placeholders left out: a name or a phone number shared by
        # a few answers must not become a theme's keyword or label.
        answers = draft.texts(table, question)
        if len(answers) > MAX_DISCOVERY_ANSWERS:  # a deterministic sample: the groups are the same
            answers = random.Random(0).sample(answers, MAX_DISCOVERY_ANSWERS)
        masked = [redact(t) for t in answers]
        texts = [_PLACEHOLDER.sub(" ", t) for t in masked]
        leads, _ = discover_question(texts, lemmatizer, minimum=max(MIN_UNITS_FLOOR, 6))
        spell = _spellings(texts)
        for lead in leads:
            words = [
                " ".join(spell(w) for w in term.split())
                for term in dict.fromkeys([*lead.shared, *lead.phrases])
                if not any(w in stop or len(w) < 3 for w in term.split())
            ]
            if not words:
                continue
            keywords = words[:MAX_KEYWORDS]
            label = list(dict.fromkeys(w for k in keywords for w in k.split()))[:3]
            question.themes.append({
                "id": f"{question.id}_t{len(question.themes) + 1}",
                "label": _capital(", ".join(label)),
                "keywords": keywords,
                "size": lead.size,
                "examples": [_example(masked, texts, lead.members, e) for e in lead.examples[:2]],
            })
        (kept if question.themes else testimonies).append(question)
    if not kept:  # the configuration needs one coded question: the one with the most answers
        first = max(testimonies, key=lambda q: q.answers)
        testimonies.remove(first)
        first.themes.append({"id": f"{first.id}_a_definir", "label": "À définir", "keywords": [], "size": 0,
                             "examples": []})
        kept.append(first)
    draft.questions, draft.testimonies = kept, testimonies


def _themes_of_hand_codes(draft: Draft, table: Table, question: DraftQuestion, redact: Callable[[str], str]) -> None:
    """A question coded by hand in the export: its themes are the codes used, as written most
    often (« Accès aux soins » and « acces aux soins » are one), the most used first; « Autre(s) »,
    « Divers » are the question's « Autres ». Two answers of each, masked, as examples."""
    coded = draft.hand_coded(table, question)
    spellings: dict[str, dict[str, int]] = {}
    members: dict[str, list[str]] = {}
    for answer, codes in coded.values():
        for code in codes:
            key = code_key(code)
            if not key or key in OTHER_CODES:
                continue
            spellings.setdefault(key, {}).setdefault(code, 0)
            spellings[key][code] += 1
            members.setdefault(key, []).append(answer)
    for header in question.grid:  # a grid's column not ticked yet is a theme all the same
        key = code_key(THEME_SEPARATORS.sub(" ", header))
        if key and key not in OTHER_CODES and key not in spellings:
            spellings[key], members[key] = {THEME_SEPARATORS.sub(" ", header): 0}, []
    taken: set[str] = set()
    for key in sorted(spellings, key=lambda k: -sum(spellings[k].values())):
        label = max(spellings[key], key=lambda c: spellings[key][c])
        base = f"{question.id}_{_slug(label)[:40].strip('-').replace('-', '_')}"
        tid, n = base, 2
        while tid in taken:
            tid, n = f"{base}_{n}", n + 1
        taken.add(tid)
        examples = list(dict.fromkeys(members[key]))[:2]
        question.themes.append({"id": tid, "label": label, "keywords": [], "size": sum(spellings[key].values()),
                                "examples": [_comment(redact(e))[:200] for e in examples], "code": key})


def _spellings(texts: list[str]) -> Callable[[str], str]:
    """A folded lemma back to the answers' most frequent spelling of it (« equipe » → « équipe »):
    the word whose folded form is the lemma, or else starts with it (« résidents »)."""
    counts: dict[str, dict[str, int]] = {}
    for text in texts:
        for word in re.findall(r"[^\W\d_]+", text):
            forms = counts.setdefault(fold(word.lower()), {})
            forms[word] = forms.get(word, 0) + 1

    def spell(lemma: str) -> str:
        exact = counts.get(lemma)
        if not exact:
            exact = {}
            for f in counts:
                if f.startswith(lemma) and len(f) - len(lemma) <= 2:  # « résidents » for « resident »
                    cut = len(f) - len(lemma)
                    for word, n in counts[f].items():
                        exact[word[: len(word) - cut]] = exact.get(word, 0) + n
                elif lemma.startswith(f) and 0 < len(lemma) - len(f) <= 2 and len(f) >= 4:  # « nécessité »
                    for word, n in counts[f].items():
                        exact[word] = exact.get(word, 0) + n
            if not exact:
                return lemma
        # Lower case, unless a short word is mostly written in capitals (« ACT », « ISF », « TVA »):
        # a long one in capitals is an answer written in capitals.
        lower = {w: n for w, n in exact.items() if w.islower()}
        upper = {w: n for w, n in exact.items() if w.isupper()}
        if len(lemma) <= 5 and sum(upper.values()) > sum(lower.values()):
            lower = upper
        return max((lower or exact).items(), key=lambda item: (item[1], item[0]))[0]

    return spell


def _example(masked: list[str], texts: list[str], members: list[int], quote: str) -> str:
    """The redacted answer (placeholders shown) behind one of a lead's quoted examples, shortened."""
    from consultation.coding.discover import _quote

    found = next((masked[i] for i in members if _quote(texts[i], None) == quote), quote)
    clean = _quote(found, None)
    return clean if len(clean) <= EXAMPLE_CHARS else clean[: EXAMPLE_CHARS - 1].rstrip() + "…"


def incomplete_note(incomplete: tuple[int, str, str]) -> str:
    """What init says of the responses not sent (French: the federation reads it)."""
    count, header, sign = incomplete
    return (
        f"{fmt.count(count, 'réponse incomplète', 'réponses incomplètes')} (« {header} » "
        f"{sign}) : "
        + fmt.plural(count, "commencée mais pas envoyée, elle est importée avec ce qu'elle contient",
                     "commencées mais pas envoyées, elles sont importées avec ce qu'elles contiennent")
        + " ; pour ne garder que les réponses envoyées, exportez seulement les réponses complètes"
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _q(value: object) -> str:
    """A YAML scalar: JSON's double-quoted strings are YAML's too."""
    return json.dumps(value, ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(text.split())


def _source(draft: Draft) -> str:
    """The export as `sources.responses` names it: with the sheet chosen at init, so that each
    import reads that sheet alone, as the draft did (without it, every sheet with the same headers)."""
    if draft.long is None and draft.sheet is None:
        return f"  responses: [{_q(draft.export.name)}]"
    parts = [f"path: {_q(draft.export.name)}"]
    if draft.sheet is not None:
        parts.append(f"sheet: {_q(draft.sheet)}")
    if draft.long is not None:
        parts.append(f"layout: long, question_column: {_q(draft.long[0])}, answer_column: {_q(draft.long[1])}")
        coded_by = next((q.coded_by for q in draft.questions if q.coded_by is not None), None)
        if coded_by is not None:  # the codes given by hand beside the answers, read at each import
            parts.append(f"codes_column: {_q(coded_by)}")
    return f"  responses: [{{{', '.join(parts)}}}]"


def render(draft: Draft, schema: Path) -> str:
    """The draft as a commented consultation.yaml (French: the federation reads and edits it)."""
    lines = [SCHEMA_LINE.format(schema=schema.as_posix())]
    lines += [
        f"# Brouillon écrit par « consultation init » à partir de {draft.export.name} "
        f"({fmt.count(draft.rows, 'ligne')}) : À RELIRE avant de publier.",
        f"# - identifiant du répondant : {_comment(draft.id_note)} ;",
        "# - région : " + " puis ".join(f"« {h} »" for h in draft.region) + " ;",
        f"# - {fmt.count(len(draft.questions), 'question')} à coder, thèmes PROPOSÉS d'après les mots que "
        "partagent leurs réponses : renommez-les, fusionnez, complétez les mots-clés ;",
    ]
    if draft.incomplete:
        lines.append(f"# - {_comment(incomplete_note(draft.incomplete))} ;")
    if draft.testimonies:
        n = len(draft.testimonies)
        lines.append(f"# - {fmt.count(n, 'question')} sans regroupement net, "
                     + fmt.plural(n, "gardée comme témoignage (free_text) : pour la coder, déplacez-la",
                                  "gardées comme témoignages (free_text) : pour les coder, déplacez-les")
                     + " dans questions avec des thèmes ;")
    for said in draft.read:  # how the export was read: a title above the headers, one header twice…
        lines.append(f"# - lecture : {_comment(said)} ;")
    for header, why in draft.ignored:
        lines.append(f"# - colonne ignorée « {_comment(header)[:80]} » : {why} ;")
    lines += [
        "# les exemples en commentaire sont des réponses de l'export, masquées (noms, contacts).",
        f"id: {_q(_slug(draft.folder.name))}",
        f"title: {_q(draft.title or _title_of_file(draft.export, draft.folder))}",
        "sources:",
        _source(draft),
        "columns:",
        f"  respondent_id: {_q(draft.respondent_id[0]) if len(draft.respondent_id) == 1 else _q(draft.respondent_id)}",
    ]
    lines.append(f"  region: {_q(draft.region[0]) if len(draft.region) == 1 else _q(draft.region)}")
    if draft.structure_name:
        lines.append(f"  structure_name: {_q(draft.structure_name)}")
    if draft.structure_type:
        lines.append(f"  structure_type: {_q(draft.structure_type)}")
    if draft.structure_types:
        lines.append(f"structure_types: {_q(draft.structure_types)}")
    # The reports name who answered: structures when the export names or types them.
    who = "structures" if draft.structure_name or draft.structure_type or draft.structure_types else "personnes"
    lines.append(f"respondents: {_q(who)}  # qui a répondu, au pluriel, tel que les rapports le "
                 "disent : personnes, structures, habitants, adhérents…")
    lines.append("questions:")
    for question in draft.questions:
        lines += [
            f"  - id: {_q(question.id)}",
            f"    section: {_q(question.section)}",
            f"    text: {_q(question.text)}{_NO_TEXT if not question.text_given else ''}",
            "    unit: respondents  # ou propositions : chaque proposition d'une réponse comptée à part",
            f"    columns: [{_q(question.header)}]",
        ]
        if question.coded_by is not None and draft.long is None:
            lines.append(f"    codes_column: {_q(question.coded_by)}  # codes donnés à la main dans l'export, relus à "
                         "chaque import")
        if question.grid:  # column -> theme id: a label renamed later still reads the column
            ids = {t["code"]: t["id"] for t in question.themes if "code" in t}
            lines.append("    codes_grid:  # grille de codage de l'export, relue à chaque import : colonne → thème")
            for header in question.grid:
                key = code_key(THEME_SEPARATORS.sub(" ", header))
                lines.append(f"      {_q(header)}: {_q(f'{question.id}_autres' if key in OTHER_CODES else ids.get(key, header))}")
        lines.append("    themes:")
        if question.grid:
            lines.append("    # thèmes : les colonnes de la grille de codage de l'export, cochées à la main ; un libellé se "
                         "renomme ici, l'identifiant (qui lit la colonne) se garde")
        if question.coded_by is not None:
            lines.append(f"    # thèmes : les codes de la colonne « {_comment(question.coded_by)[:80]} » de l'export, "
                         "donnés à la main ; un libellé se renomme ici, l'identifiant (qui lit le code) se garde")
        for theme in question.themes:
            said = (f"{fmt.count(theme['size'], 'réponse codée', 'réponses codées')} ainsi à la main" if "code" in theme
                    else f"à renommer ({fmt.count(theme['size'], 'réponse')} dans ce groupe)")
            lines += [
                f"      - id: {_q(theme['id'])}",
                f"        label: {_q(theme['label'])}  # {said}",
            ]
            if theme["keywords"]:
                lines.append(f"        keywords: {_q(theme['keywords'])}")
            for example in theme["examples"]:
                lines.append(f"        # ex. : {_comment(example)}")
    if draft.testimonies:
        lines.append("free_text:")
        for question in draft.testimonies:
            lines += [
                f"  - id: {_q(question.id)}",
                '    section: "Témoignages"',
                f"    text: {_q(question.text)}{_NO_TEXT if not question.text_given else ''}",
                f"    columns: [{_q(question.header)}]",
            ]
    return "\n".join(lines) + "\n"


def write_draft(
    export: Path,
    folder: Path,
    *,
    sheet: str | int | None = None,
    lemmatizer=None,
    schema: Path | None = None,
) -> Draft:
    """Recognise the export, propose themes, copy the export into `folder` and write its YAML.

    Refuses to replace an existing consultation.yaml (a federation's edits would be lost)."""
    from consultation.codebook import load_consultation
    from consultation.publish.redact import Redactor

    export = export.resolve()
    if not export.is_file():
        raise ConsultationError(f"{export} : fichier introuvable")
    folder = folder.resolve()
    if (folder / "consultation.yaml").exists():
        raise ConsultationError(
            f"{folder / 'consultation.yaml'} existe déjà : choisissez un autre dossier (rien n'a été écrit)"
        )
    draft, table = recognise(export, folder, sheet=sheet)
    if lemmatizer is None:
        from consultation.text import Lemmatizer, load_nlp

        lemmatizer = Lemmatizer(load_nlp())
    names = table.frame[draft.structure_name].dropna().astype(str).tolist() if draft.structure_name else []
    redactor = Redactor(names, structure_types=draft.structure_types)
    propose_themes(draft, table, lemmatizer, redactor)
    if schema is None:
        schema = Path(__file__).with_name("data") / "consultation.schema.json"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / export.name
    if target != export:
        if target.exists():
            raise ConsultationError(f"{target} existe déjà : choisissez un autre dossier (rien n'a été écrit)")
        shutil.copy2(export, target)
    draft.hand_codes = [
        (q.id, f"colonne « {q.coded_by} »" if q.coded_by is not None else
         f"grille de {fmt.count(len(q.grid), 'colonne')}, de « {q.grid[0]} » à « {q.grid[-1]} »",
         len(draft.hand_coded(table, q)), sum("code" in t for t in q.themes))
        for q in draft.questions if q.hand_coded
    ]
    relative = Path(os.path.relpath(schema, folder))
    draft.yaml_path.write_text(render(draft, relative), encoding="utf-8")
    load_consultation(folder)  # the draft must load: a failure here is a bug of this module
    return draft
