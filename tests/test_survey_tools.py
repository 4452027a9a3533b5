"""Real survey tools' exports through `consultation init` and `ingest`: the family of their shapes.

tests/test_draft.py and tests/test_ingest_families*.py vary the sample's export in the abstract
(headers renamed, quirks of CSV and Excel); here the same 47 respondents are written as each tool
writes them (tests/survey_tools.py), in each format it offers, and what a federation sees is checked:
init names the tool's id (or a composite one), the region and the ten open questions, and leaves the
tool's metadata out (dates, IP, progress, language, tokens); the drafted folder ingests every
respondent and every answer, none invented, with no quarantine and no traceback.

Where each shape comes from (public material read on 2026-12-06; what could not be checked against
a real file is said so):

- Google Forms: « Horodateur », « Adresse e-mail », ticked boxes joined by « , »: the project's own
  sample (data/raw/segur-2020-sample, modelled on a federation's 2020 Forms export) and README;
  the CSV timestamp « 2020/06/16 4:39:43 PM UTC+2 » is the Responses-tab download's format as
  commonly reported, not checked against a file here.
- Microsoft Forms: ID, Heure de début, Heure de fin, Adresse de messagerie, Nom, Heure de la
  dernière modification, then the questions, ticked boxes « a;b; »: the French interface's Excel
  download as known from use; neither a real file nor a documentation page was found in the
  corpora, so this shape is unverified.
- LimeSurvey: id, submitdate, lastpage, startlanguage, seed, startdate, datestamp, ipaddr, refurl,
  and a UTF-8 BOM (« X.U.FEFF.id » when R reads it): public R analysis scripts of LimeSurvey CSV
  exports found by their exact header line (e.g. one importing
  « Exp01_LC_HMI_CompleteReplies.csv »); « all responses » (incomplete ones, empty submitdate) is
  the RemoteControl API's default completion status (public LimeSurvey API clients). The French
  full-text headers (« ID de la réponse »…) are the French interface's, from memory: unverified.
- SurveyMonkey: two header rows (question, then « Response » / « Open-Ended Response » / each
  option), Respondent ID, Collector ID, Start Date, End Date, IP Address, Email Address, First
  Name, Last Name, Custom Data 1: SurveyMonkey's help on « All responses data » exports (as known;
  the corpora only held its user manuals and API snapshots, which confirm the metadata fields).
- Qualtrics: three header rows, the third `{"ImportId":"QID1_TEXT"}`, StartDate… ResponseId…
  UserLanguage: davemosk/FinSL-signbank, docs/validation_result_model.md (a real export's first
  rows), and praveendran-tech/QualtricsSurveyResponseExtractor (Readme.md: « removing rows 2 and 3 »).
- Typeform: « # » (a 32-character token), Response Type, Start Date (UTC), Stage Date (UTC), Submit
  Date (UTC), Network ID, Tags: public code reading Typeform exports (records with exactly these
  keys, found by the exact string « Submit Date (UTC) »).
- KoboToolbox: groups in headers joined by « / », _id, _uuid, _submission_time,
  _validation_status, _notes, _status, _submitted_by, _tags, _index: kobotoolbox/kobo-transfer
  (xls_transfer/README.md), ralph-thompson/kobo_uploader (README.md: the export settings), and
  public code listing Kobo's fixed export fields. The « ; » CSV delimiter is Kobo's default setting.
- Framaforms (Drupal 7 webform): three header rows (the form's title alone; « Submission Details »
  with a multiple choice's name over its first option; the names), Serial, SID, Time, Draft, IP
  Address, UID, Username, a multiple choice's options « X », every field quoted, tabs in UTF-16
  with a BOM, Excel a real .xlsx: the webform module's own export code (drupalprojects/webform,
  includes/webform.report.inc `webform_results_download_headers` and the submission columns,
  components/textarea.inc `_webform_csv_headers_textarea`, includes/webform.export.inc, the
  delimited exporter), and framaforms.org's download form driven by
  velovolenantes/framaforms-json-exporter (lib/browse-export.ts: « delimited » format, delimiter
  chosen). The French names (« Numéro de série », « Heure », « Brouillon », « Nom d'utilisateur »)
  are the French interface's from memory: unverified; the English ones are tested too (`csv-en`).
- Tally: « Submission ID,Respondent ID,Submitted at » then the questions: public code reading
  Tally exports, found by that exact header line (a workshop allocation script's input.csv with a
  sample row « PgYbzQ,l0WyWk,2024-08-11 23:25:40 », survey summarisers' fixtures). Only the CSV.
- Not covered: Sphinx, Eval&Go, Drag'n Survey (no export file or documentation of their columns
  found in the corpora).

Incomplete responses (LimeSurvey's empty submitdate, Qualtrics' Finished « False »): ingested, and
said by init. What someone wrote before leaving the form is a contribution a federation reads; the
tools export them on demand (LimeSurvey by default) and leave the choice to the one who exports;
dropping them silently would lose answers, and quarantine is for rows that cannot be trusted, which
these can. The draft's header says how many there are and how to leave them out (export the sent
responses only).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from consultation import store
from consultation.codebook import load_consultation
from consultation.draft import recognise, render
from consultation.ingest.core import ingest_consultation
from consultation.ingest.readers import read_table
from ingest_family_support import HEADER, ROWS, SAMPLE
from survey_tools import CASES, dates_rewritten, export, incomplete_answers, resaved

QUESTIONS = HEADER[5:]


def _draft_and_ingest(path: Path):
    draft, _ = recognise(path, path.parent)
    for question in draft.questions:
        question.themes.append({"id": f"{question.id}_x", "label": "x", "keywords": [], "size": 0, "examples": []})
    text = render(draft, Path("schema.json"))
    (path.parent / "consultation.yaml").write_text(text, encoding="utf-8")
    con = store.connect(None)
    (report,) = ingest_consultation(con, load_consultation(path.parent), path.parent)
    texts = sorted(" ".join(t.split()) for (t,) in con.execute("SELECT text FROM answers WHERE text <> ''").fetchall())
    con.close()
    return draft, text, report, texts


@pytest.fixture(scope="module")
def sample_answers(tmp_path_factory):
    """Every filled answer of the sample, as its own export ingests them."""
    path = tmp_path_factory.mktemp("ref") / "reponses.csv"
    path.write_bytes((SAMPLE / "reponses.csv").read_bytes())
    _, _, report, texts = _draft_and_ingest(path)
    assert report.rows_ingested == 47
    assert len(texts) == sum(1 for row in ROWS for h, v in zip(HEADER, row, strict=True) if h in QUESTIONS and v.strip())
    return texts


@pytest.mark.parametrize(("tool", "fmt"), CASES, ids=[f"{t}-{f}" for t, f in CASES])
def test_a_tools_export_is_drafted_and_ingested_whole(tmp_path, tool, fmt, sample_answers):
    made = export(tool, fmt, tmp_path / tool)
    draft, text, report, texts = _draft_and_ingest(made.path)

    # What init recognised: the tool's id, the region, the ten questions; the metadata left out.
    assert draft.respondent_id == made.respondent_id
    assert draft.region == [made.region]
    assert sorted(q.header for q in draft.questions) == sorted(made.questions)
    why = dict(draft.ignored)
    assert all("colonne de l'outil d'enquête" in why.get(m, "") for m in made.metadata), draft.ignored
    if tool == "kobotoolbox":  # the form's groups are the sections, the questions read without them
        assert {q.section for q in draft.questions} == {"Gestion du COVID", "Propositions", "Initiatives"}
        assert sorted(q.text for q in draft.questions) == sorted(QUESTIONS[i].split(". ", 1)[1] for i in range(10))
    # The structure's name, never the respondent's (Microsoft Forms' « Nom »); LimeSurvey's codes
    # (« nomstructure ») say nothing a draft can read.
    named = "Identification/Nom de la structure" if tool == "kobotoolbox" else "Nom de la structure"
    assert draft.structure_name == (None if fmt == "csv-codes" else named)

    # Every respondent and every answer, none invented; incomplete responses ingested and said.
    respondents = 47 + made.incomplete
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined, report.respondents) == (
        respondents, respondents, 0, respondents)
    assert (report.unknown_regions, report.empty_regions) == ([], [])
    extra = sorted(" ".join(t.split()) for t in incomplete_answers()) if made.incomplete else []
    assert texts == sorted(sample_answers + extra)
    if made.incomplete:
        assert f"{made.incomplete} réponses incomplètes" in text


@pytest.mark.parametrize("seed", range(24))
def test_a_tools_export_under_a_title_and_saved_again_is_drafted_and_ingested_whole(tmp_path, seed, sample_answers):
    """A tool's export with a title typed above it and, for a text file, saved again in another
    encoding (UTF-8 with or without BOM, Windows-1252, UTF-16) and delimiter: the same columns
    recognised, every respondent ingested. Before, init stopped on every one (the title taken for
    the header); once it drafted them, Typeform's « # » was found on the title row by its blanks
    (a header of punctuation only has an empty key) and the import stopped."""
    rng = random.Random(seed)
    tool, fmt = CASES[seed % len(CASES)] if seed < len(CASES) else rng.choice(CASES)
    made = export(tool, fmt, tmp_path / "orig")
    work = tmp_path / "work"
    work.mkdir()
    source = resaved(made, rng, rng.choice(["Contribution Ségur de la santé", "Export du 30/06/2020"]))
    path = work / source.name
    path.write_bytes(source.read_bytes())
    draft, _, report, texts = _draft_and_ingest(path)
    assert draft.respondent_id == made.respondent_id
    assert sorted(q.header for q in draft.questions) == sorted(made.questions)
    respondents = 47 + made.incomplete
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (respondents, respondents, 0)
    extra = sorted(" ".join(t.split()) for t in incomplete_answers()) if made.incomplete else []
    assert texts == sorted(sample_answers + extra)


CSV_CASES = [(tool, fmt) for tool, fmt in CASES if fmt in {"csv", "csv-codes", "tsv", "csv-en"}]


@pytest.mark.parametrize("seed", range(16))
def test_the_next_nights_export_saved_again_by_a_spreadsheet_counts_each_respondent_once(tmp_path, seed):
    """Night 1: a tool's CSV as downloaded. Night 2: the same file opened in a spreadsheet and saved
    again under its name, every date written the spreadsheet's way (« 16/06/2020 16:39 »; a Google
    Forms respondent's id is its timestamp with the structure's name). The same respondents, under
    new ids where a date is part of it: counted once, and said. Before, a consultation drafted by
    init (no follow-up question) recognised nobody under a new id (its answers' missing follow-up
    was « nan » against the base's nothing): 47 respondents became 94."""
    rng = random.Random(seed)
    tool, fmt = CSV_CASES[seed % len(CSV_CASES)]
    made = export(tool, fmt, tmp_path / tool)
    _draft_and_ingest(made.path)  # the draft written beside the export
    folder = made.path.parent
    con = store.connect(None)
    (first,) = ingest_consultation(con, load_consultation(folder), folder)
    people = 47 + made.incomplete
    assert first.rows_ingested == people
    changed = dates_rewritten(made.path, rng)
    (second,) = ingest_consultation(con, load_consultation(folder), folder)
    assert (second.rows_read, second.rows_ingested, second.rows_quarantined) == (people, people, 0)
    assert con.execute("SELECT count(*) FROM respondents").fetchone()[0] == people
    renamed = [w for w in second.warnings if "sous un autre identifiant qu'à sa lecture précédente" in w]
    if tool == "google_forms":  # its id holds the date
        assert changed and len(renamed) == 1 and renamed[0].split(" : ")[1].startswith(f"{people} répondants")
    assert not [w for w in second.warnings if "n'y figurent plus" in w or "n'y figure plus" in w]
    con.close()


@pytest.mark.parametrize(("tool", "fmt", "rows"), [("qualtrics", "csv", 3), ("qualtrics", "tsv", 3), ("qualtrics", "xlsx", 3),
                                                    ("surveymonkey", "csv", 2), ("surveymonkey", "xlsx", 2)])
def test_extra_header_rows_are_read_as_headers_and_said(tmp_path, tool, fmt, rows):
    """The rows under the header that name its columns again (Qualtrics' question text and
    ImportId, SurveyMonkey's « Response ») are headers, not respondents, and the reading says so."""
    made = export(tool, fmt, tmp_path / tool)
    table = read_table(made.path)
    assert len(table.frame) == 47 + made.incomplete
    assert table.first_data_row == rows + 1
    (said,) = [w for w in table.warnings if "d'en-tête sous celle des colonnes" in w]
    # one row under the names (Qualtrics' first row, its export tags, is read as a title above them)
    assert " : 1 ligne d'en-tête sous celle des colonnes (ligne " in said and " : lue comme en-tête, pas " in said
    assert ("Qualtrics" if tool == "qualtrics" else "SurveyMonkey") in said
    if tool == "qualtrics":  # the question's text names the column, not the export tag (« Q4 »)
        assert set(QUESTIONS) <= set(table.frame.columns) and "Response ID" in table.frame.columns
    else:  # an option's column is named after its question
        assert "Thématiques abordées (plusieurs choix possibles) - Santé mentale" in table.frame.columns


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_configuration_naming_qualtrics_export_tags_reads_the_same_answers(tmp_path, fmt, sample_answers):
    """A consultation.yaml written by hand with the first row's names (« ResponseId », « Q4 »): the
    header is that row, the two rows under it are headers too, the answers are the same."""
    made = export("qualtrics", fmt, tmp_path / "q")
    tags = {text: f"Q{i + 4}" for i, text in enumerate(QUESTIONS)}
    _draft_and_ingest(made.path)
    config = (made.path.parent / "consultation.yaml").read_text(encoding="utf-8")
    config = config.replace('"Response ID"', '"ResponseId"').replace('"Région"', '"Q3"')
    config = config.replace('"Nom de la structure"', '"Q1"').replace('"Type de structure"', '"Q2"')
    for text, tag in tags.items():
        config = config.replace(f"columns: [{json.dumps(text, ensure_ascii=False)}]", f'columns: ["{tag}"]')
    assert all(f'columns: ["{tag}"]' in config for tag in tags.values())
    (made.path.parent / "consultation.yaml").write_text(config, encoding="utf-8")
    con = store.connect(None)
    (report,) = ingest_consultation(con, load_consultation(made.path.parent), made.path.parent)
    texts = sorted(" ".join(t.split()) for (t,) in con.execute("SELECT text FROM answers WHERE text <> ''").fetchall())
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (49, 49, 0)
    assert texts == sorted(sample_answers + [" ".join(t.split()) for t in incomplete_answers()])


@pytest.mark.slow  # `consultation init` loads spaCy's model (for the draft's keywords): 30-50 s
def test_the_command_says_what_it_found_in_french(tmp_path):
    """`consultation init` on a Qualtrics export: the id, the metadata left out and why, the
    incomplete responses, in French; no traceback."""
    made = export("qualtrics", "csv", tmp_path / "q")
    run = [sys.executable, "-m", "consultation", "init", str(made.path), str(tmp_path / "segur")]
    done = subprocess.run(run, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    out = done.stdout
    assert "identifiant du répondant : « Response ID »" in out and "région : « Région »" in out
    assert "10 questions à coder" in out
    assert "2 réponses incomplètes (« Finished » à « False »)" in out
    # the tool's columns on one line under their shared reason, not the reason repeated for each
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "colonnes ignorées : colonne de l'outil d'enquête" in line)
    assert lines[at].strip().startswith("12 colonnes ignorées")
    for meta in ["Start Date", "IP Address", "Progress", "User Language", "Location Latitude"]:
        assert f"« {meta} »" in lines[at + 1]
    assert out.count("colonne de l'outil d'enquête") == 1




def test_a_question_named_like_a_tools_column_stays_a_question(tmp_path):
    """A tool column's name (« Notes », « Statut ») over written answers: still a question."""
    path = tmp_path / "c" / "reponses.csv"
    path.parent.mkdir()
    text = (SAMPLE / "reponses.csv").read_text(encoding="utf-8-sig")
    path.write_text(text.replace(QUESTIONS[-2], "Notes", 1).replace(QUESTIONS[-1], "Statut", 1), encoding="utf-8")
    draft, _ = recognise(path, path.parent)
    assert {"Notes", "Statut"} <= {q.header for q in draft.questions} and len(draft.questions) == 10
