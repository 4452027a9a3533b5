"""`consultation init`: a first consultation.yaml drafted from an export.

The family: the sample's export as survey tools and people write it — the id column named
otherwise or absent (Google Forms: a timestamp only), the region under other headers or under none,
the structure's columns renamed, closed questions added (numbers, yes/no, a choice), columns
shuffled, CSV or .xlsx. For each, what a federation notices: the draft loads, names the right
columns, takes the ten open questions and only them, and ingesting the drafted folder gives the
sample's 47 respondents and every answer.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import SHARED_DATA
from consultation import store
from consultation.codebook import load_consultation
from consultation.draft import recognise, render, write_draft
from consultation.errors import ConsultationError
from consultation.ingest.core import ingest_consultation
from ingest_family_support import HEADER, ROWS, SAMPLE, quoted

QUESTIONS = [h for h in HEADER if h[0].isdigit()]
REMARKS = "Avez-vous d'autres remarques ?"
RENAMES = {
    "Identifiant": ["Identifiant", "ID", "N° de répondant", "Numéro du répondant", "id_repondant", None],
    "Région": ["Région", "Votre région", "Région d'implantation", "REGION", "Localisation"],
    "Nom de la structure": ["Nom de la structure", "Nom de l'établissement", "Structure", "Nom de votre association"],
    "Type de structure": ["Type de structure", "Type d'établissement", "Catégorie de structure"],
    "Horodateur": ["Horodateur", "Horodatage", "Timestamp", "Date de réponse"],
}


def variant(seed: int) -> tuple[list[str], list[list[str]], dict[str, str | None]]:
    """The sample's export with renamed, missing, added and shuffled columns; returns the header,
    the rows and what each of the sample's respondent columns is called now (None: dropped)."""
    rng = random.Random(seed)
    names = {old: rng.choice(options) for old, options in RENAMES.items()}
    if seed % 4 == 0:
        names["Identifiant"] = None  # Google Forms: no id
    table = pd.DataFrame(ROWS, columns=HEADER)
    options = ["Accès aux droits", "Santé mentale", "Logement d'abord", "Emploi des personnes accompagnées", "Autre"]
    extra = {
        "Nombre de salariés": [str(rng.randint(3, 120)) for _ in ROWS],
        "Souhaitez-vous être recontacté ?": [rng.choice(["Oui", "Non"]) for _ in ROWS],
        "Thématiques abordées (plusieurs choix possibles)": [
            ", ".join(rng.sample(options, rng.randint(1, 4))) for _ in ROWS
        ],
        "Taille de la structure": [rng.choice(["Petite", "Moyenne", "Grande"]) for _ in ROWS],
    }
    for header, values in list(extra.items())[: seed % 5]:
        table[header] = values
    if seed % 2:  # an open question most answered in a word: still a question
        table[REMARKS] = [
            rng.choice(["Non", "RAS", "Rien", "non merci", ""]) if rng.random() < 0.7
            else f"{row[HEADER.index(QUESTIONS[0])][:60]} et {rng.choice(['la formation', 'les salaires', 'le bâti'])}"
            for row in ROWS
        ]
    table = table.drop(columns=[old for old, new in names.items() if new is None])
    table = table.rename(columns={old: new for old, new in names.items() if new})
    columns = list(table.columns)
    rng.shuffle(columns)
    table = table[columns]
    return columns, table.to_numpy().tolist(), names


def write_export(folder: Path, header: list[str], rows: list[list[str]], fmt: str) -> Path:
    folder.mkdir(parents=True)
    if fmt == "xlsx":
        path = folder / "export.xlsx"
        pd.DataFrame(rows, columns=header).to_excel(path, index=False)
    else:
        path = folder / "export.csv"
        path.write_bytes(quoted(rows, delimiter=";" if fmt == "csv;" else ",", header=header))
    return path


def ingest(folder: Path):
    con = store.connect(None)
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    return con, report


def drafted_answers(export: Path) -> tuple[object, list[tuple]]:
    """Ingest `export` with its draft (a placeholder theme per question: themes are tested below)."""
    draft, _ = recognise(export, export.parent)
    for question in draft.questions:
        question.themes.append({"id": f"{question.id}_x", "label": "x", "keywords": [], "size": 0, "examples": []})
    (export.parent / "consultation.yaml").write_text(render(draft, Path("schema.json")), encoding="utf-8")
    con, report = ingest(export.parent)
    assert report.rows_read == report.rows_ingested + report.rows_quarantined
    texts = con.execute("SELECT text FROM answers WHERE text <> '' ORDER BY text").fetchall()
    return report, texts


@pytest.fixture(scope="module")
def reference_answers(tmp_path_factory):
    """The sample's export, drafted as it is: every filled answer cell is an answer."""
    export = tmp_path_factory.mktemp("ref") / "reponses.csv"
    export.write_bytes((SAMPLE / "reponses.csv").read_bytes())
    report, texts = drafted_answers(export)
    assert report.rows_ingested == 47
    assert len(texts) == sum(1 for row in ROWS for h, v in zip(HEADER, row, strict=True) if h in QUESTIONS and v.strip())
    return texts


@pytest.mark.parametrize("seed", range(32))
def test_the_draft_recognises_the_columns_and_ingests_every_answer(tmp_path, seed, reference_answers):
    header, rows, names = variant(seed)
    fmt = ["csv;", "csv,", "xlsx"][seed % 3]
    export = write_export(tmp_path / "c", header, rows, fmt)
    draft, _ = recognise(export, export.parent)
    assert sorted(q.header for q in draft.questions) == sorted(QUESTIONS + [REMARKS] * (seed % 2))
    assert draft.region == [names["Région"]]
    assert draft.structure_name == names["Nom de la structure"]
    assert draft.structure_type == names["Type de structure"]
    assert sorted(draft.structure_types) == ["ACT", "LAM", "LHSS"]
    if names["Identifiant"]:
        assert draft.respondent_id == [names["Identifiant"]]
    else:  # the timestamp, with the structure's name: two answers may share a second
        assert draft.respondent_id == [names["Horodateur"], names["Nom de la structure"]]
    ignored = {h for h, _ in draft.ignored}
    assert ignored == set(header) - {*QUESTIONS, REMARKS, *(n for n in names.values() if n)}

    # The draft loads, and its ingest takes every respondent and every answer.
    report, texts = drafted_answers(export)
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined, report.respondents) == (47, 47, 0, 47)
    assert (report.unknown_regions, report.empty_regions) == ([], [])
    remarks = [(" ".join(r[header.index(REMARKS)].split()),) for r in rows if r[header.index(REMARKS)].strip()] if seed % 2 else []
    assert sorted(texts) == sorted(reference_answers + remarks)


def test_the_sample_drafted_proposes_themes_the_rules_code_with(tmp_path, lemmatizer):
    export = tmp_path / "reponses.csv"
    export.write_bytes((SAMPLE / "reponses.csv").read_bytes())
    draft = write_draft(export, tmp_path / "essai", lemmatizer=lemmatizer)
    consultation = load_consultation(tmp_path / "essai")
    assert (tmp_path / "essai" / "reponses.csv").read_bytes() == export.read_bytes()
    assert len(consultation.questions) + len(consultation.free_text) == 10
    themes = [t for q in consultation.questions for t in q.themes]
    assert len(themes) >= 2 * len(consultation.questions)
    assert all(t.keywords and t.label for t in themes)
    text = (tmp_path / "essai" / "consultation.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=") and "À RELIRE" in text
    # The cold-start rules find most themes' answers with the proposed keywords.
    from consultation.coding.rules import RuleCoder

    coder = RuleCoder(consultation.questions, lemmatizer)
    frame = pd.read_csv(export, sep=";", dtype=str, encoding="utf-8-sig").fillna("")
    hit = set()
    for question in consultation.questions:
        answers = frame[question.columns[0]].tolist()
        for found in coder.code(question.id, answers):
            hit.update(h.theme_id for h in found)
    assert len(hit & {t.id for t in themes}) >= 0.8 * len(themes)
    assert draft.yaml_path.exists()


def test_an_existing_configuration_is_never_replaced(tmp_path, lemmatizer):
    export = tmp_path / "c" / "reponses.csv"
    export.parent.mkdir()
    export.write_bytes((SAMPLE / "reponses.csv").read_bytes())
    (export.parent / "consultation.yaml").write_text("# mes réglages\n", encoding="utf-8")
    with pytest.raises(ConsultationError, match="existe déjà"):
        write_draft(export, export.parent, lemmatizer=lemmatizer)
    assert (export.parent / "consultation.yaml").read_text(encoding="utf-8") == "# mes réglages\n"


@pytest.mark.parametrize(
    ("drop", "said"),
    [
        (["Région"], "aucune colonne de région"),
        ([h for h in HEADER if h[0].isdigit()], "aucune colonne de réponses rédigées"),
        (["Identifiant", "Horodateur", "Nom de la structure"], "aucune colonne n'identifie les répondants"),
    ],
)
def test_an_export_that_cannot_be_described_is_said_so(tmp_path, drop, said):
    table = pd.DataFrame(ROWS, columns=HEADER).drop(columns=drop)
    export = write_export(tmp_path / "c", list(table.columns), table.to_numpy().tolist(), "csv;")
    with pytest.raises(ConsultationError, match=said):
        recognise(export, export.parent)


@pytest.mark.slow  # three `consultation init` processes, each loading spaCy's model (35 s)
def test_the_command_writes_the_draft_and_says_what_it_found(tmp_path):
    export = tmp_path / "enquete.csv"
    export.write_bytes((SAMPLE / "reponses.csv").read_bytes())
    run = [sys.executable, "-m", "consultation", "init", str(export), str(tmp_path / "ma-consultation")]
    done = subprocess.run(run, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Brouillon écrit" in done.stdout and "10 questions à coder" in done.stdout
    config = yaml.safe_load((tmp_path / "ma-consultation" / "consultation.yaml").read_text(encoding="utf-8"))
    assert config["id"] == "ma-consultation" and config["sources"] == {"responses": ["enquete.csv"]}
    again = subprocess.run(run, capture_output=True, text=True, timeout=600)
    assert again.returncode == 2 and "existe déjà" in again.stderr and "Traceback" not in again.stderr
    missing = subprocess.run([*run[:4], str(tmp_path / "absent.csv")], capture_output=True, text=True, timeout=600)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_personal_data_in_the_answers_stays_out_of_the_draft(tmp_path, lemmatizer):
    """The examples in comments and the keywords come from the answers: masked, never copied."""
    table = pd.DataFrame(ROWS, columns=HEADER)
    first = QUESTIONS[0]
    contacts = ["Appelez Mme Sophie Marchal au 06 12 34 56 78", "écrire à jean.dupont@gmail.com",
                "contact : 01.45.67.89.10", "M. Karim Benali, 12 rue des Lilas"]
    for i in range(0, 40, 3):
        table.loc[i, first] = f"{table.loc[i, first]} {contacts[i % len(contacts)]} pour l'équipe mobile"
    export = write_export(tmp_path / "c", list(table.columns), table.to_numpy().tolist(), "csv;")
    write_draft(export, export.parent, lemmatizer=lemmatizer)
    text = (export.parent / "consultation.yaml").read_text(encoding="utf-8").lower()
    for planted in ["06 12", "34 56", "dupont", "gmail", "45.67", "marchal", "benali", "lilas"]:
        assert planted not in text


@pytest.mark.parametrize("seed", range(4))
def test_a_long_export_is_drafted_in_its_layout(tmp_path, seed, reference_answers):
    """The sample as a long export (one row per answer), its columns named as tools name them."""
    rng = random.Random(seed)
    table = pd.DataFrame(ROWS, columns=HEADER)
    ident = rng.choice(["respondent_id", "Identifiant", "ID"])
    asked, answer = rng.choice([("question_id", "answer"), ("Question", "Réponse"), ("question", "texte")])
    numbers = {h: h.split(".")[0] for h in QUESTIONS}  # « 1 », « 3a »: a question's short name
    long = table.melt(id_vars=["Identifiant", "Région"], value_vars=QUESTIONS, var_name="text", value_name=answer)
    long[asked] = long["text"].map(numbers)
    long = long[long[answer].str.strip().ne("")].rename(columns={"Identifiant": ident})
    columns = [ident, "Région", asked, answer] + (["question_text"] if seed % 2 else [])
    long = long.rename(columns={"text": "question_text"})[columns].sample(frac=1, random_state=seed)
    export = write_export(tmp_path / "c", columns, long.to_numpy().tolist(), ["csv;", "xlsx"][seed % 2])

    draft, _ = recognise(export, export.parent)
    assert draft.long == (asked, answer) and draft.respondent_id == [ident] and draft.region == ["Région"]
    assert sorted(q.header for q in draft.questions) == sorted(numbers.values())
    if seed % 2:  # the question's text, from its own column
        assert sorted(q.text for q in draft.questions) == sorted(QUESTIONS)
    report, texts = drafted_answers(export)
    assert (report.rows_read, report.rows_quarantined, report.respondents) == (len(long), 0, 47)
    assert texts == reference_answers


@pytest.mark.parametrize("seed", range(8))
def test_a_question_the_long_export_gives_no_text_is_named_and_said(tmp_path, seed):
    """« Entendre la France » gives no text for its question « QL » (a free contribution): the draft
    wrote « text: "QL" », which the reports then printed as the question. A text blank in some rows
    only is found in the others; a question with none takes its section when no other question has
    it, else its short name, and the YAML says the text is to be written."""
    rng = random.Random(seed)
    table = pd.DataFrame(ROWS, columns=HEADER)
    numbers = {h: h.split(".")[0] for h in QUESTIONS}
    long = table.melt(id_vars=["Identifiant", "Région"], value_vars=QUESTIONS, var_name="text", value_name="answer")
    long = long[long["answer"].str.strip().ne("")]
    long["question"] = long["text"].map(numbers)
    missing = set(rng.sample(QUESTIONS, rng.randint(1, 3)))
    patchy = set(rng.sample([q for q in QUESTIONS if q not in missing], 2))
    long["question_text"] = [
        "" if t in missing or (t in patchy and rng.random() < 0.5) else t for t in long["text"]]
    alone = rng.choice(sorted(missing))  # its section is its own; the others share theirs
    sections = {q: ("Contribution libre" if q == alone else f"Partie {i % 3 + 1}") for i, q in enumerate(QUESTIONS)}
    long["Rubrique"] = long["text"].map(sections)
    columns = ["Identifiant", "Région", "Rubrique", "question", "question_text", "answer"]
    long = long[columns].sample(frac=1, random_state=seed)
    export = write_export(tmp_path / "c", columns, long.to_numpy().tolist(), ["csv;", "xlsx"][seed % 2])

    draft, _ = recognise(export, export.parent)
    texts = {q.header: q.text for q in draft.questions}
    expected = {numbers[q]: ("Contribution libre" if q == alone else numbers[q]) if q in missing else q for q in QUESTIONS}
    assert texts == expected
    rendered = render(draft, Path("schema.json"))
    said = [line for line in rendered.splitlines() if "ne donne pas le texte" in line]
    assert len(said) == len(missing)
    assert {yaml.safe_load(line.strip().removeprefix("text:")) for line in said} == {expected[numbers[q]] for q in missing}


REAL = {
    "entendre-la-france/answers.csv": (15, ["region", "department", "postal_code"], "respondent_id", 2538),
    "grand-debat-fiscalite/answers.csv": (1, ["region", "department", "zip_code"], "reference", 1905),
}
# The consensus labels beside question 163's answers are codes given by hand (« labels »: read as
# such since 2026-12-07; before, init left them out as « pas des réponses rédigées »).
REAL_CODES = {"entendre-la-france/answers.csv": set(), "grand-debat-fiscalite/answers.csv": {"labels"}}


@pytest.mark.parametrize("name", sorted(REAL))
def test_the_real_long_exports_are_drafted_and_ingested_whole(tmp_path, name):
    """The shared real answers (read in place; skipped where ../shared is absent), as they are."""
    source = SHARED_DATA / name
    if not source.exists():
        pytest.skip(f"{source} absent")
    n_questions, region, ident, respondents = REAL[name]
    export = tmp_path / "c" / "answers.csv"
    export.parent.mkdir()
    export.write_bytes(source.read_bytes())
    draft, table = recognise(export, export.parent)
    assert draft.long is not None and draft.respondent_id == [ident] and draft.region == region
    assert len(draft.questions) == n_questions
    assert {q.coded_by for q in draft.questions} - {None} == REAL_CODES[name]
    assert all(len(q.text) > 20 for q in draft.questions if q.header != "QL")  # texts found (QL has none)
    assert [(q.text, q.text_given) for q in draft.questions if q.header == "QL"] == (
        [("Contribution libre", False)] if name.startswith("entendre") else [])  # its section, said
    report, _ = drafted_answers(export)
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (len(table.frame),) * 2 + (0,)
    assert report.respondents == respondents


def test_counts_of_one_are_written_in_the_singular():
    """« 1 réponse incomplète … elle est importée »: a French reader notices « 1 réponses »."""
    from consultation.draft import incomplete_note

    one = incomplete_note((1, "submitdate", "vide"))
    assert one.startswith("1 réponse incomplète (« submitdate » vide) : commencée mais pas envoyée, elle est importée")
    assert "qu'elle contient" in one
    two = incomplete_note((2, "Finished", "à « False »"))
    assert two.startswith("2 réponses incomplètes (« Finished » à « False ») : commencées mais pas envoyées, elles sont")
