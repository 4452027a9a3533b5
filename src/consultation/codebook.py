"""The consultation file: questionnaire, codebook and export mapping, validated with pydantic."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from consultation import fmt, yaml_errors
from consultation.errors import ConfigError
from consultation.text import fold

CONSULTATION_FILE = "consultation.yaml"
OTHER_LABEL = "Autres"
# Several themes in one cell, as people write them (a review sheet, a column of codes in an export).
THEME_SEPARATORS = re.compile(r"\s*[;\n|]\s*")
# What people write by hand for the fallback theme, beside its label.
OTHER_CODES = frozenset({"autre", "autres", "divers", "autre s"})
# A cell of a coding grid (`grid_mark` of it): ticked, or written « no ». Anything else filled is
# read as ticked, and named.
GRID_MARKS = frozenset({"x", "×", "1", "1.0", "oui", "o", "yes", "y", "true", "vrai", "ok", "v", "✓", "✔", "☑", "•",
                        "*", "+"})
GRID_BLANKS = frozenset({"", "0", "0.0", "non", "n", "no", "false", "faux", "-", "–", "—", "/"})


def grid_mark(cell: str) -> str:
    return fold(cell).strip()


def is_ticked(cell: str) -> bool:
    """A cell of a coding grid ticked: anything but a blank (`GRID_BLANKS`)."""
    return grid_mark(cell) not in GRID_BLANKS
_NOT_A_LETTER = re.compile(r"[\W_]+")


def code_key(code: str) -> str:
    """How a code typed by hand is matched to a theme: case, accents, « œ », punctuation, hyphens,
    apostrophes and spacing aside (« Accès aux soins. », « acces-aux-soins », « ACCÈS  AUX SOINS »
    are one)."""
    return _NOT_A_LETTER.sub(" ", fold(code, ligatures=True)).strip()
MAX_ANSWER_CHARS = 2_000_000  # characters in one answer (the documented 1 MB answer fits twice)
# Bounds of a codebook. Real ones have 15 to 25 themes per question (the five benchmark questions,
# the Ségur questionnaire) and a few dozen questions; each theme is one more model to train and one
# more bar in every chart, and time grows with their number (measured on the sample: 12 themes, about
# 1.5 min for `consultation run`; 312 themes, 3 min 47 s and a chart 30,660 pixels high; 3,012 themes,
# not finished in 15 min). So a mistaken file (a list pasted twice, a generated one) is refused at
# once, with the key, rather than running for hours.
MAX_THEMES = 200  # per question
MAX_QUESTIONS = 200  # coded questions; as many free-text sections
MAX_LABEL_CHARS = 300  # a theme's label is printed in charts and tables
MAX_RESPONDENTS_CHARS = 60  # who answered, written into the reports' sentences
MAX_THEME_TERMS = 1_000  # keywords, or examples, of one theme
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # ids of questions, themes, consultations
_ID = ID_PATTERN


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(
            f"identifiant invalide « {value} » : lettres, chiffres, '_', '-' ou '.', 64 caractères au plus"
        )
    return value


class Theme(_Model):
    id: str
    label: str = Field(max_length=MAX_LABEL_CHARS)
    category: str | None = Field(default=None, max_length=MAX_LABEL_CHARS)
    description: str = ""
    keywords: list[str] = Field(default_factory=list, max_length=MAX_THEME_TERMS)
    examples: list[str] = Field(default_factory=list, max_length=MAX_THEME_TERMS)

    _id = field_validator("id")(_check_id)

    @property
    def is_other(self) -> bool:
        return self.label.strip().casefold() == OTHER_LABEL.casefold()


class Question(_Model):
    id: str
    section: str
    text: str
    unit: Literal["respondents", "propositions"]
    columns: list[str] = Field(min_length=1)
    # A column of the export (wide layout) holding the codes a person gave each answer by hand
    # (theme labels or ids, several joined by « ; », « | » or a line break): read at each import.
    codes_column: str | None = None
    # A coding grid: a column of the export per theme, a mark (« x », « 1 », « oui ») where a person
    # gave the answer that theme; the columns' headers, each naming its theme (by label or id), or
    # header -> theme id (what init writes: a label renamed later still reads). Read at each import.
    codes_grid: list[str] | dict[str, str] = Field(default_factory=list)
    chart_caption: str | None = None
    themes: list[Theme] = Field(min_length=1, max_length=MAX_THEMES)

    _id = field_validator("id")(_check_id)

    @model_validator(mode="after")
    def _unique_themes(self) -> Question:
        if self.codes_column and self.codes_grid:
            raise ValueError("« codes_column » ou « codes_grid » : les codes d'une question sont dans une colonne ou "
                             "dans une grille, pas les deux")
        if len(self.codes_grid) > MAX_THEMES:
            raise ValueError(f"« codes_grid » : {len(self.codes_grid)} colonnes, au plus {MAX_THEMES} (une par thème)")
        seen: set[str] = set()
        for theme in self.themes:
            if theme.id in seen:
                raise ValueError(f"thème « {theme.id} » défini deux fois")
            seen.add(theme.id)
        return self

    @property
    def caption(self) -> str:
        return self.chart_caption or f"Thèmes des réponses (au niveau national) à la question : {self.text}"

    @property
    def categories(self) -> list[str]:
        out: list[str] = []
        for theme in self.themes:
            if theme.category and theme.category not in out:
                out.append(theme.category)
        return out

    @property
    def other_theme(self) -> Theme:
        """Where answers that no theme claims go; implicit when the codebook has none."""
        found = next((t for t in self.themes if t.is_other), None)
        return found or Theme(
            id=f"{self.id}_autres",
            label=OTHER_LABEL,
            description="Réponses qui ne relèvent d'aucun thème du codebook (ajouté automatiquement).",
        )

    @property
    def grid(self) -> list[tuple[str, str]]:
        """The coding grid's columns: (header, the code a tick in it gives: the theme's id or name)."""
        if isinstance(self.codes_grid, dict):
            return list(self.codes_grid.items())
        return [(header, header) for header in self.codes_grid]

    def theme_of_code(self) -> dict[str, str]:
        """A code typed by hand (`code_key` of a theme's label or id, with or without the question's
        prefix, « Autre(s) », « Divers ») -> the theme's id; the first theme wins when two share a key."""
        keys: dict[str, str] = {}
        for theme in self.coded_themes:
            # the id without its question's prefix too: init writes « q1_acces_aux_soins » for the
            # code « Accès aux soins », so that the code is still read once the label is renamed
            for text in (theme.label, theme.id, theme.id.removeprefix(f"{self.id}_")):
                keys.setdefault(code_key(text), theme.id)
        for key in OTHER_CODES:
            keys.setdefault(key, self.other_theme.id)
        return keys

    def coding_content(self) -> dict[str, object]:
        """What the coding of this question depends on (see CODING_THEME_FIELDS)."""
        return _question_coding_content(self)

    @property
    def coded_themes(self) -> list[Theme]:
        """The codebook's themes plus the implicit « Autres » where the codebook has none."""
        if any(t.is_other for t in self.themes):
            return list(self.themes)
        return [*self.themes, self.other_theme]


class FollowUp(_Model):
    text: str
    columns: list[str] = Field(min_length=1)


class FreeTextSection(_Model):
    id: str
    section: str
    text: str
    columns: list[str] = Field(min_length=1)
    follow_up: FollowUp | None = None

    _id = field_validator("id")(_check_id)


class Columns(_Model):
    # One header, or several whose values together name a respondent (e.g. ["Horodateur",
    # "Nom de la structure"]: a timestamp to the second is not unique once many answer at once).
    respondent_id: str | list[str]
    # One header, or several tried in order (e.g. ["Région", "Code postal", "Département"]):
    # the first whose value maps to a region wins.
    region: str | list[str]
    structure_name: str | None = None
    structure_type: str | None = None

    @field_validator("region")
    @classmethod
    def _some_region_column(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list) and not value:
            raise ValueError("liste vide : donnez au moins une colonne (région, département ou code postal)")
        return value

    @field_validator("respondent_id")
    @classmethod
    def _some_id_column(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list):
            if not value:
                raise ValueError("liste vide : donnez au moins une colonne")
            if len(set(value)) < len(value):
                raise ValueError("la même colonne figure deux fois dans la liste")
        return value

    @property
    def respondent_id_columns(self) -> list[str]:
        return [self.respondent_id] if isinstance(self.respondent_id, str) else list(self.respondent_id)

    @property
    def region_columns(self) -> list[str]:
        return [self.region] if isinstance(self.region, str) else list(self.region)


class SourceFile(_Model):
    """How to read one export: a plain file name in `sources` means all the defaults."""

    path: str
    # wide: one row per respondent, one column per question; long: one row per answer.
    layout: Literal["wide", "long"] = "wide"
    sheet: str | int | None = None  # Excel: a sheet name, or its position (1 = first)
    header_row: int | None = Field(default=None, ge=1)  # 1-based; found automatically when absent
    question_column: str | None = None  # long layout: the column naming the question
    answer_column: str | None = None  # long layout: the column holding the answer
    codes_column: str | None = None  # long layout: the column of codes given by hand to each answer
    # Longer answers are quarantined with a reason that names this key (see README, "bad input").
    max_answer_chars: int = Field(default=MAX_ANSWER_CHARS, ge=1)

    @model_validator(mode="after")
    def _long_layout_columns(self) -> SourceFile:
        if self.layout == "long" and not (self.question_column and self.answer_column):
            raise ValueError("format long : « question_column » et « answer_column » sont obligatoires")
        if self.layout == "wide" and (self.question_column or self.answer_column):
            raise ValueError("« question_column » et « answer_column » ne valent que pour « layout: long »")
        if self.layout == "wide" and self.codes_column:
            raise ValueError("« codes_column » ne vaut ici que pour « layout: long » ; dans un export large, "
                             "chaque question nomme sa colonne de codes (« codes_column » de la question)")
        if isinstance(self.sheet, int) and self.sheet < 1:
            raise ValueError("« sheet » : position de feuille à partir de 1")
        return self


def _as_source(entry: str | SourceFile) -> SourceFile:
    return SourceFile(path=entry) if isinstance(entry, str) else entry


class Sources(_Model):
    # In the YAML, an entry is a file name (or glob) or an object {path, layout, sheet, ...}.
    responses: list[SourceFile] = Field(min_length=1)
    human_codes: list[SourceFile] = Field(default_factory=list)

    @field_validator("responses", "human_codes", mode="before")
    @classmethod
    def _names_are_sources(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"path": v} if isinstance(v, str) else v for v in value]
        return value

    @property
    def response_files(self) -> list[SourceFile]:
        return [_as_source(e) for e in self.responses]

    @property
    def human_code_files(self) -> list[SourceFile]:
        return [_as_source(e) for e in self.human_codes]


class Consultation(_Model):
    id: str
    title: str
    description: str = ""
    sources: Sources
    columns: Columns
    structure_types: list[str] = Field(default_factory=list)
    # Who answered, as the reports name them: a plural (« personnes », « structures adhérentes »),
    # or [singular, plural] when the singular is not the plural without its final « s » or « x ».
    respondents: str | list[str] = "structures"
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
    free_text: list[FreeTextSection] = Field(default_factory=list, max_length=MAX_QUESTIONS)

    _id = field_validator("id")(_check_id)

    @field_validator("respondents")
    @classmethod
    def _respondents_named(cls, value: str | list[str]) -> str | list[str]:
        words = [value] if isinstance(value, str) else value
        if isinstance(value, list) and len(value) != 2:
            raise ValueError("donnez le pluriel seul (« personnes ») ou [singulier, pluriel] "
                             "(« [centre de santé, centres de santé] »)")
        for word in words:
            if not word.strip() or len(word) > MAX_RESPONDENTS_CHARS or any(c in word for c in "\n\r\t<>{}"):
                raise ValueError(f"« {word} » : un nom au pluriel, sur une ligne, de {MAX_RESPONDENTS_CHARS} "
                                 "caractères au plus, sans < > { } (ex. « personnes », « structures »)")
        return value

    @property
    def respondent_nouns(self) -> tuple[str, str]:
        """(singular, plural) naming who answered, for the reports' sentences: « 1 structure a
        répondu », « les réponses des personnes de la Région Bretagne »."""
        if isinstance(self.respondents, list):
            return self.respondents[0].strip(), self.respondents[1].strip()
        plural = " ".join(self.respondents.split())
        return " ".join(_singular(w) for w in plural.split(" ")), plural

    @model_validator(mode="after")
    def _unique_ids(self) -> Consultation:
        seen_q: set[str] = set()
        seen_t: dict[str, str] = {}
        every: list[Question | FreeTextSection] = [*self.questions, *self.free_text]
        for q in every:
            if q.id in seen_q:
                raise ValueError(f"question « {q.id} » définie deux fois")
            seen_q.add(q.id)
        for q in self.questions:
            for t in q.themes:
                if t.id in seen_t:
                    raise ValueError(
                        f"thème « {t.id} » défini dans « {seen_t[t.id]} » et dans « {q.id} »"
                    )
                seen_t[t.id] = q.id
        return self

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    @property
    def theme_question(self) -> dict[str, str]:
        return {t.id: q.id for q in self.questions for t in q.coded_themes}

    def codebook_hash(self) -> str:
        """Hash of what the coding depends on (`Question.coding_content`, every question in order):
        the codebook's version changes with it, and only with it."""
        return _digest([q.coding_content() for q in self.questions])

    def question_hashes(self) -> dict[str, str]:
        """Per question, the hash of what its coding depends on: an answer coded with another
        codebook version whose question has the same hash needs no new coding."""
        return {q.id: _digest(q.coding_content()) for q in self.questions}


def _singular(word: str) -> str:
    """A plural word's singular by French's regular rule: its final « s » or « x » dropped
    (« structures », « adhérentes », « jeux »); short words (« des », « aux ») and « -ss » kept."""
    if len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
        return word[:-1]
    return word


def _digest(payload: object) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


# What the coding of a question depends on. Rules read the keywords; the model learns from the
# label, description, examples and keywords (`features.codebook_examples`); the label also says
# which theme is « Autres »; the unit decides what is coded; the order of the themes is the order
# of the stored decisions (`unit_decisions.chosen`). Not in it, because nothing coded changes
# with them: the question's text and section, the themes' categories, the chart caption, the
# export columns. Changing only those gives no new codebook version (the display tables and the
# stored file are updated in place, `store.register_codebook`).
CODING_THEME_FIELDS = ("id", "label", "description", "keywords", "examples")


def _question_coding_content(question: Question) -> dict[str, object]:
    return {
        "id": question.id,
        "unit": question.unit,
        "themes": [{k: getattr(t, k) for k in CODING_THEME_FIELDS} for t in question.themes],
    }


def load_consultation(folder: str | Path) -> Consultation:
    """Read and validate `consultation.yaml` in a consultation folder (or the file itself)."""
    path = Path(folder)
    if path.is_dir():
        path = path / CONSULTATION_FILE
    if not path.exists():
        raise ConfigError(f"{path} : fichier de consultation introuvable")
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} : {_not_a_mapping(raw)}")
    try:
        return Consultation.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path} : consultation invalide"]
        for err in exc.errors():
            key = _key_path(raw, err["loc"])
            lines.append(f"  - clé « {key} » : {_french(err)}")
        raise ConfigError("\n".join(lines)) from None


def _not_a_mapping(raw: object) -> str:
    """What the file holds instead of the consultation's keys, in words."""
    expected = "les clés de la consultation (id: …, title: …, questions: …), une par ligne"
    if raw is None:
        return f"fichier vide (ou seulement des commentaires) : il doit contenir {expected}"
    if isinstance(raw, list):
        return f"le fichier contient une liste (lignes « - … » au premier niveau) ; il doit contenir {expected}"
    shown = _short(str(raw), 60)
    return (f"le fichier ne contient qu'une valeur seule (« {shown} ») ; il doit contenir {expected} "
            "(il manque peut-être « : » après la première clé)")


MAX_YAML_BYTES = 5_000_000  # a consultation file is a few hundred lines; 5 MB is far beyond any
MAX_YAML_ALIASES = 100  # anchors reused (*name); billion-laughs files reuse them thousands of times


class _Loader(yaml.SafeLoader):
    """Safe loading, bounded: aliases counted, and a key written twice in one mapping is an error
    (PyYAML keeps the last one silently: a second `questions:` block would replace the first)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise _YamlLimit(
                    f"ligne {mark.line + 1} : plus de {MAX_YAML_ALIASES} alias YAML (*nom) ; "
                    "un fichier de consultation n'en a pas besoin : écrivez les valeurs en toutes lettres"
                )
        return super().compose_node(parent, index)  # type: ignore[misc]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: PyYAML reports it itself
                continue
            if first is not None:
                shown = str(key)[:60]
                raise _YamlLimit(
                    f"ligne {key_node.start_mark.line + 1} : clé « {shown} » écrite deux fois dans le même bloc "
                    f"(déjà ligne {first}) ; la seconde remplacerait la première : fusionnez-les"
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)  # type: ignore[no-untyped-call]
        except (ValueError, OverflowError) as exc:  # a date that does not exist, 5,000 digits…
            raise yaml_errors.BadValue(node, exc) from None


MAX_YAML_NODES = 200_000  # values once every alias is expanded (a real file has a few thousand)


def _check_expanded_size(root: yaml.Node) -> None:
    """Walk the document as its aliases expand it, stopping at the bound: a few aliases nested in
    each other (billion laughs) load in no time but blow up whatever reads or prints the result."""
    stack, seen = [root], 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_YAML_NODES:
            raise _YamlLimit(
                f"ligne {node.start_mark.line + 1} : document YAML qui, alias développés, dépasse "
                f"{fmt.integer(MAX_YAML_NODES)} valeurs (alias imbriqués ?)"
            )
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))


class _YamlLimit(Exception):
    """A bound of `_Loader` was crossed (message in French, without the value)."""


def load_yaml(path: Path) -> object:
    """Read a YAML file safely and within bounds; every failure is a ConfigError in French naming
    the line (see yaml_errors: encodings read, and how each kind of syntax error is told)."""
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise ConfigError(f"{path} : fichier YAML de {fmt.integer(size)} octets, au-delà de {fmt.integer(MAX_YAML_BYTES)}")
    text = yaml_errors.decode(path.read_bytes(), path)
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader checks every character here (a NUL byte fails at once)
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expanded_size(node)
        return loader.construct_document(node)
    except _YamlLimit as exc:
        raise ConfigError(f"{path}, {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path} : YAML imbriqué trop profondément pour un fichier de consultation") from None
    except (yaml.YAMLError, yaml_errors.BadValue) as exc:
        raise ConfigError(yaml_errors.explain(exc, text, path)) from None
    finally:
        if loader is not None:
            loader.dispose()


def _short(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _key_path(raw: dict, loc: tuple) -> str:
    """Render a pydantic location with question/theme ids instead of list indexes where possible."""
    parts: list[str] = []
    node: object = raw
    for item in loc:
        if isinstance(item, int) and isinstance(node, list):
            elem = node[item] if item < len(node) else None
            ident = elem.get("id") if isinstance(elem, dict) else None
            parts[-1] = f"{parts[-1]}[{ident or item}]" if parts else f"[{item}]"
            node = elem
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts) or "(racine)"


_MESSAGES = {
    "missing": "obligatoire mais absente",
    "extra_forbidden": "clé inconnue",
    "string_type": "doit être un texte",
    "list_type": "doit être une liste",
    "too_short": "liste vide ou trop courte",
    "literal_error": "valeur non autorisée",
    "model_type": "doit être un objet (clés et valeurs)",
}


_TOO_MANY = {  # what the list holds, and why it is bounded
    "themes": ("thèmes", "chaque thème est un modèle à entraîner et une barre dans chaque graphique : regroupez des thèmes"),
    "questions": ("questions", "chaque question a ses modèles, graphiques et pages : scindez la consultation"),
    "free_text": ("sections de texte libre", "scindez la consultation"),
    "keywords": ("mots-clés", "gardez les plus sûrs"),
    "examples": ("exemples", "gardez les plus typiques ; les codes humains vont dans codes_humains.csv"),
}


def _french(err: Mapping[str, Any]) -> str:
    msg = _MESSAGES.get(err["type"])
    if err["type"] in ("too_long", "string_too_long"):
        ctx = err.get("ctx", {})
        most = fmt.integer(int(ctx.get("max_length", 0)))
        if err["type"] == "string_too_long":
            found = len(err["input"]) if isinstance(err.get("input"), str) else 0
            return f"texte de {fmt.count(found, 'caractère')} : {most} au plus (il est imprimé dans les graphiques)"
        found = ctx.get("actual_length") or (len(err["input"]) if isinstance(err.get("input"), list) else 0)
        what, why = _TOO_MANY.get(str(err["loc"][-1]) if err.get("loc") else "", ("éléments", ""))
        return f"{fmt.integer(int(found))} {what} : {most} au plus" + (f" ({why})" if why else "")
    if err["type"] == "literal_error":
        allowed = str(err.get("ctx", {}).get("expected", "")).replace(" or ", " ou ")
        return f"valeur « {_short(str(err.get('input')), 80)} » non autorisée (attendu : {allowed})"
    if msg:
        return msg
    text = str(err.get("msg", ""))
    return _short(text.removeprefix("Value error, "), 300)


# --------------------------------------------------------------------------
# Codebook changes between two versions
# --------------------------------------------------------------------------

_FIELD_NAMES = {"label": "libellé", "description": "description", "keywords": "mots-clés", "examples": "exemples"}
# « libellé modifié », « description modifiée », « mots-clés modifiés »; two fields or more: « modifiés »
_MODIFIED = {"libellé": "modifié", "description": "modifiée", "mots-clés": "modifiés", "exemples": "modifiés"}


def consultation_from_json(text: str) -> Consultation | None:
    """A stored codebook version (`codebook_versions.config_json`) as a Consultation; None when
    it no longer validates (written by an older version of the package)."""
    try:
        return Consultation.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        return None


def codebook_changes(old: Consultation | None, new: Consultation) -> dict[str, str]:
    """Question id -> what changed in its coding, in French, for each question whose coding
    content differs between `old` and `new` (every question when `old` is unknown)."""
    before = {q.id: q for q in old.questions} if old is not None else {}
    out: dict[str, str] = {}
    for question in new.questions:
        previous = before.get(question.id)
        if previous is None:
            out[question.id] = "question ajoutée" if old is not None else "codebook précédent illisible"
            continue
        if previous.coding_content() == question.coding_content():
            continue
        parts: list[str] = []
        if previous.unit != question.unit:
            parts.append(f"unité « {previous.unit} » → « {question.unit} »")
        old_themes = {t.id: t for t in previous.themes}
        new_themes = {t.id: t for t in question.themes}
        added = [t.label for t in question.themes if t.id not in old_themes]
        removed = [t.label for t in previous.themes if t.id not in new_themes]
        if added:
            parts.append("thème ajouté : " + ", ".join(f"« {a} »" for a in added))
        if removed:
            parts.append("thème retiré : " + ", ".join(f"« {r} »" for r in removed))
        for theme in question.themes:
            was = old_themes.get(theme.id)
            if was is None:
                continue
            fields = [name for key, name in _FIELD_NAMES.items() if getattr(was, key) != getattr(theme, key)]
            if fields:
                modified = _MODIFIED[fields[0]] if len(fields) == 1 else "modifiés"
                parts.append(f"« {theme.label} » : {', '.join(fields)} {modified}")
        kept = [t for t in question.themes if t.id in old_themes]
        if not parts and [t.id for t in kept] != [t.id for t in previous.themes if t.id in new_themes]:
            parts.append("ordre des thèmes modifié")
        out[question.id] = " ; ".join(parts) or "codage modifié"
    return out
