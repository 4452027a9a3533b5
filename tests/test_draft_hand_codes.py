"""Codes given by hand in the export: `consultation init` takes them as themes and human codes.

A federation that began coding in its spreadsheet (the 2020 Ségur work was coded by hand) has a
column of codes beside a question: « Thèmes 3a », « Codage Q2 », « Catégories », « tags », several
codes in a cell joined by « ; », « | » or a line break. `init` left such a column out (« réponses
courtes … choix fermés ») or, when a cell held several codes, drafted it as a question of its own;
the codes had to be written again by hand in codes_humains.csv. Now the question's themes are the
codes used (their most frequent spelling, « Autre(s) »/« Divers » as the question's « Autres »), and
init names the column in consultation.yaml (`codes_column`): each import reads it, so the model
learns from those codes at once and from those added later (tests/test_export_hand_codes.py).

The family: the sample's export with its own human codes (data/raw/segur-2020-sample) written into
columns right of 1 to 7 questions, under 16 headers, 4 separators, spellings changed, 20 to 90 % of
answers coded, CSV or `.xlsx`; the same as a long export (one row per answer, Entendre la France's
shape, codes joined by « | »). The headers are the ways people name such a column (« labels »,
« Thème(s) », « Codes thématiques », « Tags (codage) »…). Guards: boxes ticked by respondents
(« Thématiques abordées »), a postal code, a category of structure, a socio-professional category
and a respondent's own choice under a question (« Quels thèmes … ? »), the last two only beside
answers, as codes are. Not covered: a code column left of its question, or far from
it (a column of codes is read as the codes of the question right before it only); codes in one
column for several questions of a wide export.
"""

from __future__ import annotations

import random

import openpyxl
import pytest

from consultation import store
from consultation.codebook import load_consultation
from consultation.draft import recognise, write_draft
from consultation.ingest.core import ingest_consultation
from consultation.text import fold
from ingest_family_support import CODES, COLUMN, CONFIG, HEADER, ID, ROWS, quoted, with_code_columns

HEADERS = ["Thèmes {n}", "Codage Q{n}", "Catégories", "Codes", "tags", "Thématique codée", "Thèmes", "labels",
           "Thème(s)", "Codes thématiques", "Catégorisation", "Classification", "Annotations", "Tags (codage)",
           "Thèmes retenus Q{n}", "Étiquettes"]
SEPARATORS = [" ; ", ";", " | ", "\n"]
OTHER = {"autre", "autres"}  # the question's « Autres » (the sample's codebook names it too)
THEMES = {q["id"]: [t["label"] for t in q["themes"]] for q in CONFIG["questions"]}


def _respell(label: str, rng: random.Random) -> str:
    return rng.choice([label, label.lower(), fold(label), label.upper()]) if rng.random() < 0.15 else label


def _wide(seed: int):
    """The sample's export with hand codes right of some questions; returns its header, rows and
    the codes expected: (respondent, question's column) -> labels, and the code columns."""
    rng = random.Random(seed)
    coded = rng.sample(sorted(COLUMN), rng.randint(1, 7))
    share, sep = rng.uniform(0.2, 0.9), rng.choice(SEPARATORS)
    names: dict[str, str] = {}
    for q in sorted(coded, key=lambda q: HEADER.index(COLUMN[q])):
        number = COLUMN[q].split(".")[0]
        name = rng.choice(HEADERS).format(n=number)
        names[q] = name if name not in names.values() else f"Thèmes {number}"  # one header per column
    expected: dict[tuple[str, str], list[str]] = {}

    def cell(row: list[str], q: str) -> str:
        labels = CODES.get((row[ID], q), [])
        if not (labels and row[HEADER.index(COLUMN[q])].strip() and rng.random() < share):
            return ""
        labels = labels + (["Autre"] if rng.random() < 0.05 else [])
        expected[(row[ID], q)] = labels
        return sep.join(_respell(c, rng) for c in labels)

    header, rows = with_code_columns(names, cell)
    return header, rows, expected, {name: q for q, name in names.items()}


def _write(folder, header, rows, xlsx: bool):
    folder.mkdir(parents=True, exist_ok=True)
    if xlsx:
        book = openpyxl.Workbook()
        for row in [header, *rows]:
            book.active.append([v or None for v in row])
        path = folder / "export.xlsx"
        book.save(path)
    else:
        path = folder / "export.csv"
        path.write_bytes(quoted(rows, ";", header))
    return path


def _ingested(folder):
    con = store.connect(None)
    reports = ingest_consultation(con, load_consultation(folder), folder)
    assert all(r.rows_quarantined == 0 for r in reports), [r.warnings for r in reports]
    return set(con.execute("SELECT respondent_id, question_id, theme_id FROM human_codes").fetchall()), reports


def _ingested_codes(folder) -> set[tuple[str, str, str]]:
    return _ingested(folder)[0]


@pytest.mark.parametrize("seed", range(12))
def test_codes_typed_beside_the_answers_become_the_questions_themes_and_human_codes(seed, tmp_path, lemmatizer):
    header, rows, expected, columns = _wide(seed)
    export = _write(tmp_path / "export", header, rows, xlsx=seed % 3 == 2)
    draft = write_draft(export, tmp_path / "consultation", lemmatizer=lemmatizer)

    by_header = {q.header: q for q in draft.questions}
    for column, q in columns.items():
        question = by_header[COLUMN[q]]
        assert question.coded_by == column
        used = {fold(c).lower() for (_, qq), labels in expected.items() if qq == q for c in labels} - OTHER
        assert {fold(t["label"]).lower() for t in question.themes} == used
    assert not any(q.header in columns for q in [*draft.questions, *draft.testimonies])  # never a question
    theme_of = {(q.header, fold(t["label"]).lower()): t["id"] for q in draft.questions for t in q.themes}
    qid_of = {q.header: q.id for q in draft.questions}
    wanted = {
        (rid, qid_of[COLUMN[q]],
         f"{qid_of[COLUMN[q]]}_autres" if fold(c).lower() in OTHER else theme_of[(COLUMN[q], fold(c).lower())])
        for (rid, q), labels in expected.items() for c in labels
    }
    assert _ingested_codes(tmp_path / "consultation") == wanted
    assert sum(n for _, _, n, _ in draft.hand_codes) == len(expected)


@pytest.mark.parametrize("seed", range(3))
def test_codes_of_a_long_export_are_taken_for_each_question(seed, tmp_path, lemmatizer):
    """One row per answer, its codes joined by « | » (Entendre la France's tags.csv shape)."""
    rng = random.Random(seed)
    questions = [q for q in COLUMN if any(k[1] == q for k in CODES)]
    header = ["contribution_id", "question_id", "answer", "tags", "region"]
    rows, expected = [], {}
    for r in ROWS:
        d = dict(zip(HEADER, r, strict=True))
        for q in questions:
            if not d[COLUMN[q]].strip():
                continue
            labels = CODES.get((r[ID], q), []) if rng.random() < 0.6 else []
            rows.append([r[ID], q, d[COLUMN[q]], "|".join(labels), d["Région"]])
            if labels:
                expected[(r[ID], q)] = labels
    export = _write(tmp_path / "export", header, rows, xlsx=False)
    draft = write_draft(export, tmp_path / "consultation", lemmatizer=lemmatizer)
    assert {q.coded_by for q in draft.questions} == {"tags"}
    codes = _ingested_codes(tmp_path / "consultation")
    assert {(rid, qid) for rid, qid, _ in codes} == set(expected)
    labels = {t["id"]: t["label"] for q in draft.questions for t in q.themes}
    assert {(rid, qid, labels.get(t, "Autres")) for rid, qid, t in codes} == {
        (rid, q, c) for (rid, q), cs in expected.items() for c in cs}


def test_a_tools_tags_after_its_metadata_are_not_the_last_questions_codes(tmp_path):
    """KoboToolbox's « _tags » (labels set by the project's staff) comes after the last question and
    the submission's metadata: never read as that question's codes."""
    rng = random.Random(0)
    header = [*HEADER, "_submission_time", "_tags"]
    rows = [[*r, "2020-06-30T08:12:44", rng.choice(["à relire", "doublon ?", "vu"])] for r in ROWS]
    (tmp_path / "export.csv").write_bytes(quoted(rows, ";", header))
    draft, _ = recognise(tmp_path / "export.csv", tmp_path)
    assert not any(q.coded_by for q in draft.questions)


@pytest.mark.parametrize("kind", ["ticked", "postal", "category", "csp", "question"])
def test_columns_that_only_look_like_codes_stay_out(kind, tmp_path):
    """Boxes ticked by respondents (there without an answer too), a postal code, a category of
    structure: not codes given by hand."""
    rng = random.Random(kind)
    header = list(HEADER)
    at = HEADER.index(COLUMN["q1_retenir"]) + 1
    name = {"ticked": "Thèmes", "postal": "Code postal", "category": "Catégorie de structure",
            "csp": "Catégorie socioprofessionnelle", "question": "Quels thèmes voulez-vous aborder ?"}[kind]
    header.insert(at, name)
    rows = []
    for r in ROWS:
        value = {"ticked": " ; ".join(rng.sample(["Logement", "Santé", "Emploi", "Droits"], rng.randint(1, 2))),
                 "postal": rng.choice(["75011", "34000", "13001", "59000"]),
                 "category": rng.choice(["ACT", "LAM", "LHSS"]),
                 "csp": rng.choice(["Cadre", "Employé", "Retraité", "Ouvrier"]),
                 "question": " ; ".join(rng.sample(["Logement", "Santé", "Emploi", "Droits"], rng.randint(1, 2)))}[kind]
        if kind in ("csp", "question") and not r[at - 1].strip():
            value = ""  # only beside answers, as codes would be: the header alone tells them apart
        rows.append([*r[:at], value, *r[at:]])
    if kind == "ticked":  # a respondent ticks boxes without answering the open question
        for row in rows[:8]:
            row[at - 1] = ""
    (tmp_path / "export.csv").write_bytes(quoted(rows, ";", header))
    draft, _ = recognise(tmp_path / "export.csv", tmp_path)
    assert not any(q.coded_by for q in draft.questions)


def test_init_names_the_codes_column_and_writes_no_codes_file(tmp_path, lemmatizer):
    """The column is read at each import (not copied once into codes_humains.csv, which a later
    code in the export would never reach); an existing codes_humains.csv is left as it was."""
    header, rows, _, columns = _wide(1)
    export = _write(tmp_path / "export", header, rows, xlsx=False)
    folder = tmp_path / "consultation"
    folder.mkdir()
    (folder / "codes_humains.csv").write_text("respondent_id,question_id,theme_id\n", encoding="utf-8")
    write_draft(export, folder, lemmatizer=lemmatizer)
    consultation = load_consultation(folder)
    assert {q.codes_column for q in consultation.questions if q.codes_column} == set(columns)
    assert consultation.sources.human_codes == []
    assert (folder / "codes_humains.csv").read_text(encoding="utf-8") == "respondent_id,question_id,theme_id\n"


def test_an_answer_that_reads_as_a_formula_keeps_its_code(tmp_path, lemmatizer):
    """« =SOMME(…) » at the start of an answer: the answer is read as written and its code with it."""
    header, rows, _, columns = _wide(4)
    at = header.index(next(iter(columns))) - 1  # a coded question's answers
    first = next(i for i, r in enumerate(rows) if r[at + 1])
    rows[first][at] = "=SOMME(1;2) " + rows[first][at]
    export = _write(tmp_path / "export", header, rows, xlsx=False)
    write_draft(export, tmp_path / "consultation", lemmatizer=lemmatizer)
    rid = rows[first][header.index("Identifiant")]
    assert any(r == rid for r, _, _ in _ingested_codes(tmp_path / "consultation"))


def test_a_code_on_a_row_without_an_answer_codes_nothing(tmp_path, lemmatizer):
    """A code typed by mistake on a row whose answer is empty (the column is still codes: 95 % of
    them are on answers) gives no human code, never one for the text « nan »."""
    header, rows, _, columns = _wide(4)
    code_at = header.index(next(iter(columns)))
    stray = next(i for i, r in enumerate(rows) if r[code_at])
    rows[stray][code_at - 1] = ""
    export = _write(tmp_path / "export", header, rows, xlsx=True)
    write_draft(export, tmp_path / "consultation", lemmatizer=lemmatizer)
    rid = rows[stray][header.index("Identifiant")]
    question = [q for q in load_consultation(tmp_path / "consultation").questions if q.columns == [header[code_at - 1]]]
    codes, (report,) = _ingested(tmp_path / "consultation")
    assert not any(r == rid and q == question[0].id for r, q, _ in codes)
    said = [w for w in report.warnings if "sans réponse" in w]
    assert len(said) == 1 and f"ligne {stray + 2}" in said[0] and header[code_at] in said[0], report.warnings


def test_the_codes_are_still_read_once_the_drafted_themes_are_renamed(tmp_path, lemmatizer):
    """init tells the federation to reread its draft: renaming a theme drafted from the codes keeps
    its id, by which the export's codes are still read (a label of more than 40 characters, whose id
    was cut, is not: its codes are named as unknown)."""
    header, rows, _, _ = _wide(5)
    export = _write(tmp_path / "export", header, rows, xlsx=False)
    folder = tmp_path / "consultation"
    write_draft(export, folder, lemmatizer=lemmatizer)
    before = _ingested_codes(folder)
    path = folder / "consultation.yaml"
    text = path.read_text(encoding="utf-8")
    short = {t.label for q in load_consultation(folder).questions if q.codes_column for t in q.themes
             if len(t.label) <= 40 and not t.is_other}
    assert len(short) >= 3
    for n, label in enumerate(sorted(short)):
        quoted_label = f'label: "{label}"'
        assert quoted_label in text, label
        text = text.replace(quoted_label, f'label: "Thème renommé {n}"')
    path.write_text(text, encoding="utf-8")
    after = _ingested_codes(folder)
    renamed = {t.id for q in load_consultation(folder).questions for t in q.themes if t.label.startswith("Thème renommé")}
    assert {c for c in before if c[2] in renamed} and {c for c in after if c[2] in renamed} == {
        c for c in before if c[2] in renamed}


GRID_MARKS = ["x", "X", "1", "oui", "✓", "×"]
GRID_BLANKS = ["", "", "", "0", "non"]


def _grid(seed: int):
    """The sample's export with a coding grid (a column per theme, ticked) right of 1 to 3 questions."""
    rng = random.Random(seed)
    coded = sorted(rng.sample(sorted(q for q in COLUMN if q in THEMES), rng.randint(1, 3)),
                   key=lambda q: HEADER.index(COLUMN[q]))
    share, mark = rng.uniform(0.3, 0.9), rng.choice(GRID_MARKS)
    grids = {q: [t for t in THEMES[q] if t != "Autres"] for q in coded}
    by_column = {COLUMN[q]: q for q in coded}
    header = [x for h in HEADER for x in ([h, *grids[by_column[h]]] if h in by_column else [h])]
    expected: dict[tuple[str, str], list[str]] = {}
    rows = []
    for r in ROWS:
        out = []
        for h, value in zip(HEADER, r, strict=True):
            out.append(value)
            q = next((q for q in coded if COLUMN[q] == h), None)
            if q is None:
                continue
            labels = [c for c in CODES.get((r[ID], q), []) if c in grids[q]]
            given = labels if labels and value.strip() and rng.random() < share else []
            if given:
                expected[(r[ID], q)] = given
            out += [(mark if rng.random() < 0.8 else rng.choice(GRID_MARKS)) if t in given else rng.choice(GRID_BLANKS)
                    for t in grids[q]]
        rows.append(out)
    return header, rows, expected, grids



@pytest.mark.parametrize("seed", range(8))
def test_a_coding_grid_beside_a_question_becomes_its_themes_and_human_codes(seed, tmp_path, lemmatizer):
    """A column per theme ticked « x », « 1 », « oui »…: before, each column was left out as
    « réponses courtes … choix fermés » and the hand coding lost. The themes keep reading their
    columns once renamed."""
    header, rows, expected, grids = _grid(seed)
    export = _write(tmp_path / "export", header, rows, xlsx=seed % 3 == 2)
    draft = write_draft(export, tmp_path / "consultation", lemmatizer=lemmatizer)
    by_header = {q.header: q for q in draft.questions}
    for q, columns in grids.items():
        assert by_header[COLUMN[q]].grid == columns
    qid_of = {q.header: q.id for q in draft.questions}
    theme_of = {(q.header, t["label"]): t["id"] for q in draft.questions for t in q.themes}
    wanted = {(rid, qid_of[COLUMN[q]], theme_of[(COLUMN[q], c)]) for (rid, q), labels in expected.items() for c in labels}
    assert _ingested_codes(tmp_path / "consultation") == wanted
    assert not any(c in {h for g in grids.values() for h in g} for c, _ in draft.ignored)
    # The federation renames the drafted themes: the grid names each column's theme by its id.
    path = tmp_path / "consultation" / "consultation.yaml"
    text = path.read_text(encoding="utf-8")
    for n, theme in enumerate(t for q in draft.questions if q.grid for t in q.themes):
        text = text.replace(f'label: "{theme["label"]}"', f'label: "Thème renommé {n}"', 1)
    path.write_text(text, encoding="utf-8")
    assert "Thème renommé 0" in text
    assert _ingested_codes(tmp_path / "consultation") == wanted


@pytest.mark.parametrize("kind", ["ticked_without_answer", "limesurvey", "kobotoolbox"])
def test_boxes_respondents_tick_are_no_coding_grid(kind, tmp_path):
    """Options ticked by respondents: also on rows without an answer to the open question before
    them, or under a tool's option header (« Thématiques [Logement] », « Thématiques/Logement »)."""
    rng = random.Random(kind)
    at = HEADER.index(COLUMN["q1_retenir"]) + 1
    options = ["Logement", "Santé", "Emploi"]
    names = {"ticked_without_answer": options, "limesurvey": [f"Thématiques [{o}]" for o in options],
             "kobotoolbox": [f"Thématiques/{o}" for o in options]}[kind]
    header = [*HEADER[:at], *names, *HEADER[at:]]
    rows = []
    for n, r in enumerate(ROWS):
        answered = bool(r[at - 1].strip()) and (kind != "ticked_without_answer" or n >= 6)
        ticks = [rng.choice(["1", "0"]) if answered else rng.choice(["1", ""]) for _ in options]
        rows.append([*(r[:at - 1]), r[at - 1] if answered else "", *ticks, *r[at:]])
    (tmp_path / "export.csv").write_bytes(quoted(rows, ";", header))
    draft, _ = recognise(tmp_path / "export.csv", tmp_path)
    assert not any(q.grid for q in draft.questions)


@pytest.mark.parametrize("seed", range(4))
def test_codes_joined_by_commas_are_read_one_by_one(seed, tmp_path, lemmatizer):
    """« Logement, Santé »: where the pieces between commas are a short list used again and again,
    they are the codes (not « Logement, Santé » as a theme of its own). The sample's labels that hold
    a comma are written with a dash here, as a federation using commas between codes would."""
    rng = random.Random(seed)
    coded = sorted(rng.sample(sorted(q for q in COLUMN if q in THEMES), 2), key=lambda q: HEADER.index(COLUMN[q]))
    sep = rng.choice([", ", ",", " , "])
    expected: dict[tuple[str, str], list[str]] = {}

    def cell(row: list[str], q: str) -> str:
        labels = [c.replace(",", " -") for c in CODES.get((row[ID], q), [])]
        if not (labels and row[HEADER.index(COLUMN[q])].strip() and rng.random() < 0.8):
            return ""
        expected[(row[ID], q)] = labels
        return sep.join(_respell(c, rng) for c in labels)

    header, rows = with_code_columns({q: f"Codes {COLUMN[q].split('.')[0]}" for q in coded}, cell)
    assert any(len(v) > 1 for v in expected.values())
    export = _write(tmp_path / "export", header, rows, xlsx=False)
    draft = write_draft(export, tmp_path / "consultation", lemmatizer=lemmatizer)
    by_header = {q.header: q for q in draft.questions}
    for q in coded:
        used = {fold(c).lower() for (_, qq), labels in expected.items() if qq == q for c in labels} - OTHER
        assert {fold(t["label"]).lower() for t in by_header[COLUMN[q]].themes} == used
    qid_of = {q.header: q.id for q in draft.questions}
    theme_of = {(q.header, fold(t["label"]).lower()): t["id"] for q in draft.questions for t in q.themes}
    wanted = {
        (rid, qid_of[COLUMN[q]],
         f"{qid_of[COLUMN[q]]}_autres" if fold(c).lower() in OTHER else theme_of[(COLUMN[q], fold(c).lower())])
        for (rid, q), labels in expected.items() for c in labels
    }
    assert _ingested_codes(tmp_path / "consultation") == wanted
