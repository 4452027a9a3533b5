"""The bundled sample's 47 respondents written as real survey tools export them (tests/test_survey_tools.py).

Each tool's shape (its headers, metadata columns, extra header rows, date format, encoding and
delimiter, ticked boxes, incomplete responses) and where it comes from is described in
tests/test_survey_tools.py. The federation's own respondent id (« Identifiant » in the sample) is
not a question of the form: each tool numbers its responses itself, so the sample's id column is
dropped and the tool's id takes its place. Every other cell of the sample is written as is.

`export(tool, fmt, folder)` writes the file and returns an `Export`: its path and what a user
should see (the id, region and question columns, how many incomplete responses the tool adds).
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl

from ingest_family_support import HEADER, ROWS

QUESTIONS = HEADER[5:]  # the ten open questions' headers, « 1. Si vous… » to « 9. En quoi… »
NAME, TYPE, REGION = "Nom de la structure", "Type de structure", "Région"
CHOICE = "Thématiques abordées (plusieurs choix possibles)"
OPTIONS = ["Accès aux droits", "Santé mentale", "Logement d'abord", "Emploi", "Autre"]
PEOPLE = ["Camille Martin", "Dominique Bernard", "Claude Petit", "Alix Robert", "Sacha Durand", "Morgan Leroy"]
INCOMPLETE = 2  # responses started, not sent, where the tool exports them (LimeSurvey, Qualtrics)


@dataclass
class Respondent:
    sent: datetime
    name: str
    kind: str
    region: str
    answers: list[str]  # the ten open questions, in the sample's order
    choices: list[str]  # the ticked options
    complete: bool = True


def respondents(incomplete: int = 0) -> list[Respondent]:
    """The sample's 47 rows, each with a few ticked options; `incomplete` more, stopped after the
    first question (the structure's columns and one answer filled), as a tool keeps them."""
    rng = random.Random(2020)
    out = []
    for row in ROWS:
        sent = datetime.strptime(row[0], "%d/%m/%Y %H:%M:%S")
        out.append(Respondent(sent, row[2], row[3], row[4], row[5:], sorted(rng.sample(OPTIONS, rng.randint(1, 3)))))
    for i in range(incomplete):
        answers = [""] * len(QUESTIONS)
        answers[0] = f"Réponse commencée mais jamais envoyée numéro {i + 1} : la crise a montré notre capacité d'adaptation."
        out.append(Respondent(datetime(2020, 6, 30, 9, i), f"ACT Inachevé {i + 1}", "ACT", "Bretagne", answers, [], False))
    return out


def incomplete_answers() -> list[str]:
    return [r.answers[0] for r in respondents(INCOMPLETE) if not r.complete]


@dataclass
class Export:
    path: Path
    respondent_id: list[str]  # what init should take as the respondent's id
    region: str
    questions: list[str]  # the open questions' headers as the draft should list them
    incomplete: int = 0  # respondents beyond the sample's 47 (started, not sent)
    header_rows: int = 1
    metadata: list[str] = field(default_factory=list)  # the tool's own columns, said to be so


def _write_csv(path: Path, rows: list[list[object]], *, delimiter: str = ",", bom: bool = False,
               quote_all: bool = True, encoding: str = "utf-8", terminator: str = "\r\n") -> None:
    buf = io.StringIO(newline="")
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=terminator).writerows(
        [["" if v is None else str(v) for v in row] for row in rows]
    )
    path.write_bytes(("\ufeff" if bom else "").encode(encoding) + buf.getvalue().encode(encoding))


def _write_xlsx(path: Path, rows: list[list[object]], *, sheet: str = "Sheet1",
                merges: list[str] | None = None) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append([None if v == "" else v for v in row])
    for cells in merges or []:
        ws.merge_cells(cells)
    book.save(path)


# --------------------------------------------------------------------------
# One function per tool: (format, folder) -> Export
# --------------------------------------------------------------------------


def google_forms(fmt: str, folder: Path) -> Export:
    """Google Forms: « Horodateur », « Adresse e-mail » when collected, the questions in the form's
    order, ticked boxes joined by « , ». CSV (download from the Responses tab: comma, every field
    quoted, UTF-8 without BOM) or the linked Sheet downloaded as .xlsx (the timestamp a date cell)."""
    header = ["Horodateur", "Adresse e-mail", NAME, TYPE, REGION, *QUESTIONS, CHOICE]
    rows: list[list[object]] = []
    for i, r in enumerate(respondents()):
        stamp: object = r.sent if fmt == "xlsx" else r.sent.strftime("%Y/%m/%d %-I:%M:%S %p UTC+2")
        email = f"contact{i + 1}@structure-{i + 1}.fr"
        rows.append([stamp, email, r.name, r.kind, r.region, *r.answers, ", ".join(r.choices)])
    path = folder / f"Contribution Ségur (réponses).{fmt}"
    if fmt == "xlsx":
        _write_xlsx(path, [header, *rows], sheet="Réponses au formulaire 1")
    else:
        _write_csv(path, [header, *rows])
    return Export(path, ["Horodateur", NAME], REGION, QUESTIONS)  # the e-mail: kept aside by init, not listed


def microsoft_forms(fmt: str, folder: Path) -> Export:
    """Microsoft Forms, « Ouvrir dans Excel » (French interface): ID, Heure de début, Heure de fin,
    Adresse de messagerie, Nom, Heure de la dernière modification, then the questions; ticked
    boxes joined by « ; » with a final « ; »; dates as date cells. Only .xlsx is offered."""
    header = ["ID", "Heure de début", "Heure de fin", "Adresse de messagerie", "Nom",
              "Heure de la dernière modification", NAME, TYPE, REGION, *QUESTIONS, CHOICE]
    rows: list[list[object]] = []
    for i, r in enumerate(respondents()):
        person = PEOPLE[i % len(PEOPLE)]
        rows.append([i + 1, r.sent - timedelta(minutes=14), r.sent, f"{person.split()[0].lower()}{i}@asso.fr",
                     person, "", r.name, r.kind, r.region, *r.answers, "".join(f"{c};" for c in r.choices)])
    path = folder / "Contribution Ségur(1-47).xlsx"
    _write_xlsx(path, [header, *rows], sheet="Sheet1")
    return Export(path, ["ID"], REGION, QUESTIONS, metadata=["Heure de début", "Heure de fin", "Adresse de messagerie"])


LIME_META = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr", "refurl"]
LIME_META_FR = ["ID de la réponse", "Date de soumission", "Dernière page", "Langue de départ", "Tête de série",
                "Date de début", "Date de la dernière action", "Adresse IP", "URL de référence"]
LIME_CODES = ["Q1", "Q2", "Q3a", "Q3b", "Q4", "Q5", "Q6", "Q7", "Q8", "Q9"]


def limesurvey(fmt: str, folder: Path) -> Export:
    """LimeSurvey, « Exporter les réponses »: CSV (comma, every field quoted, UTF-8 with a BOM) with
    the question codes as headers (`csv-codes`) or the full question text (`csv`), or Excel. The
    response table's own columns come first (id, submitdate, lastpage, startlanguage, seed,
    startdate, datestamp, ipaddr, refurl); a multiple-choice question is one column per option
    (« Y » or « Oui » when ticked); responses not sent have an empty submitdate and are exported
    with « all responses », the default."""
    codes = fmt == "csv-codes"
    meta = LIME_META if codes else LIME_META_FR
    fields = ["nomstructure", "typestructure", "region"] if codes else [NAME, TYPE, REGION]
    questions = LIME_CODES if codes else QUESTIONS
    options = [f"themes[SQ00{i + 1}]" if codes else f"{CHOICE} [{o}]" for i, o in enumerate(OPTIONS)]
    header = [*meta, *fields, *questions, *options]
    rows: list[list[object]] = []
    for i, r in enumerate(respondents(INCOMPLETE)):
        start = r.sent - timedelta(minutes=21)
        submit = r.sent.strftime("%Y-%m-%d %H:%M:%S") if r.complete else ""
        ticked = [("Y" if codes else "Oui") if o in r.choices else "" for o in OPTIONS]
        rows.append([i + 1, submit, 4 if r.complete else 1, "fr", random.Random(i).randint(10**8, 10**9),
                     start.strftime("%Y-%m-%d %H:%M:%S"), (r.sent if r.complete else start).strftime("%Y-%m-%d %H:%M:%S"),
                     f"192.0.2.{i + 1}", "https://www.federation.example/segur?src=lettre",
                     r.name, r.kind, r.region, *r.answers, *ticked])
    path = folder / f"results-survey842915.{'xlsx' if fmt == 'xlsx' else 'csv'}"
    if fmt == "xlsx":
        _write_xlsx(path, [header, *rows], sheet="results")
    else:
        _write_csv(path, [header, *rows], bom=True)
    return Export(path, [meta[0]], fields[2], questions, incomplete=INCOMPLETE,
                  metadata=meta[2:])  # the id, and the submission date: taken as the timestamp


SM_META = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
           "First Name", "Last Name", "Custom Data 1"]


def surveymonkey(fmt: str, folder: Path) -> Export:
    """SurveyMonkey, « Toutes les réponses », columns « Développées »: two header rows, the question
    then, under it, « Response » (a choice), « Open-Ended Response » (a text box) or, for a question
    of several boxes, one column per option (its header only above the first one, merged across
    them in the .xlsx); the respondent's metadata first (Respondent ID, Collector ID, Start Date,
    End Date, IP Address, Email Address, First Name, Last Name, Custom Data 1), empty under the
    first row. CSV: comma, quoted, UTF-8 with a BOM; dates « 06/16/2020 04:39:43 PM »."""
    header = [*SM_META, NAME, TYPE, REGION, *QUESTIONS, CHOICE, *[""] * (len(OPTIONS) - 1)]
    sub = [""] * len(SM_META) + ["Open-Ended Response", "Response", "Response"] + \
        ["Open-Ended Response"] * len(QUESTIONS) + OPTIONS
    rows: list[list[object]] = [header, sub]
    for i, r in enumerate(respondents()):
        start = r.sent - timedelta(minutes=9)
        stamp = "%m/%d/%Y %I:%M:%S %p"
        rows.append([11453000000 + 7919 * i, 254871330, start.strftime(stamp), r.sent.strftime(stamp),
                     f"198.51.100.{i + 1}", "", "", "", "", r.name, r.kind, r.region, *r.answers,
                     *[o if o in r.choices else "" for o in OPTIONS]])
    path = folder / f"Data_All_200630.{fmt}"
    if fmt == "xlsx":
        first = header.index(CHOICE) + 1
        _write_xlsx(path, rows, sheet="Sheet", merges=[f"{_letter(first)}1:{_letter(first + len(OPTIONS) - 1)}1"])
    else:
        _write_csv(path, rows, bom=True)
    return Export(path, ["Respondent ID"], REGION, QUESTIONS, header_rows=2, metadata=SM_META[1:5])


def _letter(position: int) -> str:
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


QUALTRICS_META = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/Paris"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/Paris"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Europe/Paris"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("LocationLatitude", "Location Latitude", '{"ImportId":"locationLatitude"}'),
    ("LocationLongitude", "Location Longitude", '{"ImportId":"locationLongitude"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
]


def qualtrics(fmt: str, folder: Path) -> Export:
    """Qualtrics, « Data & Analysis › Export data » (CSV or Excel, « choice text »): three header
    rows: the data export tags (Q1, Q2…), the question text, and the ImportId of each column as a
    JSON object (`{"ImportId":"QID4_TEXT"}`); the response's metadata first (StartDate… ResponseId…
    UserLanguage). Responses closed unfinished are recorded and exported with Finished « False ».
    CSV: comma, quoted, UTF-8 with a BOM; TSV: tab, UTF-16 with a BOM."""
    texts = [NAME, TYPE, REGION, *QUESTIONS, f"{CHOICE} - Selected Choice"]
    tags = [f"Q{i + 1}" for i in range(len(texts))]
    imports = [json.dumps({"ImportId": f"QID{i + 1}{'_TEXT' if i != 1 and i < len(texts) - 1 else ''}"},
                          separators=(",", ":")) for i in range(len(texts))]
    rows: list[list[object]] = [[m[0] for m in QUALTRICS_META] + tags, [m[1] for m in QUALTRICS_META] + texts,
                                [m[2] for m in QUALTRICS_META] + imports]
    rng = random.Random(7)
    for i, r in enumerate(respondents(INCOMPLETE)):
        start = r.sent - timedelta(minutes=17)
        rid = "R_" + "".join(rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(15))
        stamp = "%Y-%m-%d %H:%M:%S"
        rows.append([start.strftime(stamp), r.sent.strftime(stamp), "IP Address", f"203.0.113.{i + 1}",
                     100 if r.complete else 27, 1020 + i, "True" if r.complete else "False",
                     r.sent.strftime(stamp), rid, "", "", "", "", "48.8566", "2.3522", "anonymous", "FR",
                     r.name, r.kind, r.region, *r.answers, ",".join(r.choices)])
    path = folder / f"Contribution Ségur_30 juin 2020_10.15.{fmt}"
    if fmt == "xlsx":
        _write_xlsx(path, rows, sheet="Sheet0")
    elif fmt == "tsv":  # Qualtrics' TSV: tab-separated, UTF-16 with a BOM
        _write_csv(path, rows, delimiter="\t", bom=True, quote_all=False, encoding="utf-16-le")
    else:
        _write_csv(path, rows, bom=True)
    return Export(path, ["Response ID"], REGION, QUESTIONS, incomplete=INCOMPLETE, header_rows=3,
                  metadata=[m[1] for m in QUALTRICS_META if m[0] not in {
                      "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference"}])


def typeform(fmt: str, folder: Path) -> Export:
    """Typeform, « Results › Responses › Download » (CSV or .xlsx): « # » (the response's token)
    first, the questions, a multiple choice as one column per option (its label where ticked), then
    Response Type, Start Date (UTC), Stage Date (UTC), Submit Date (UTC), Network ID, Tags. CSV:
    comma, quoted where needed, UTF-8 without BOM."""
    meta = ["Response Type", "Start Date (UTC)", "Stage Date (UTC)", "Submit Date (UTC)", "Network ID", "Tags"]
    header = ["#", NAME, TYPE, REGION, *QUESTIONS, *OPTIONS, *meta]
    rows: list[list[object]] = [header]
    rng = random.Random(11)
    for r in respondents():
        token = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
        utc = r.sent - timedelta(hours=2)
        rows.append([token, r.name, r.kind, r.region, *r.answers, *[o if o in r.choices else "" for o in OPTIONS],
                     "completed", (utc - timedelta(minutes=12)).strftime("%Y-%m-%d %H:%M:%S"), "",
                     utc.strftime("%Y-%m-%d %H:%M:%S"), f"{rng.getrandbits(40):010x}", ""])
    path = folder / f"responses-Fz8qR2-{fmt}.{fmt}"
    if fmt == "xlsx":
        _write_xlsx(path, rows, sheet="Responses")
    else:
        _write_csv(path, rows, quote_all=False)
    return Export(path, ["#"], REGION, QUESTIONS, metadata=["Response Type", "Start Date (UTC)", "Network ID"])


KOBO_META = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
             "__version__", "_tags", "_index"]


def kobotoolbox(fmt: str, folder: Path) -> Export:
    """KoboToolbox, « Données › Téléchargements », default settings: labels as headers, groups in the
    headers joined by « / », « start » and « end » first, a « select_multiple » question as one column
    of the labels joined by a space plus one 1/0 column per option (« group/question/option »), then
    _id, _uuid, _submission_time, _validation_status, _notes, _status, _submitted_by, __version__,
    _tags, _index. CSV: « ; », quoted, UTF-8 without BOM; or .xlsx."""
    identity, covid, piliers = "Identification", "Gestion du COVID", "Propositions"
    groups = [covid] * 4 + [piliers] * 4 + ["Initiatives"] * 2
    questions = [f"{g}/{q}" for g, q in zip(groups, QUESTIONS, strict=True)]
    options = [f"{identity}/{CHOICE}/{o}" for o in OPTIONS]
    header = ["start", "end", f"{identity}/{NAME}", f"{identity}/{TYPE}", f"{identity}/{REGION}", *questions,
              f"{identity}/{CHOICE}", *options, *KOBO_META]
    rows: list[list[object]] = [header]
    rng = random.Random(3)
    for i, r in enumerate(respondents()):
        iso = r.sent.strftime("%Y-%m-%dT%H:%M:%S.000+02:00")
        uuid = "-".join("".join(rng.choice("0123456789abcdef") for _ in range(n)) for n in (8, 4, 4, 4, 12))
        rows.append([(r.sent - timedelta(minutes=11)).strftime("%Y-%m-%dT%H:%M:%S.000+02:00"), iso,
                     r.name, r.kind, r.region, *r.answers, " ".join(r.choices),
                     *["1" if o in r.choices else "0" for o in OPTIONS],
                     70412000 + i, uuid, (r.sent - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S"), "", "",
                     "submitted_via_web", "", "vGx7bUq2kNhwT3pMvB8fZs", "", i + 1])
    path = folder / f"Contribution_Segur_-_all_versions_-_labels_-_2020-06-30-08-12-44.{fmt}"
    if fmt == "xlsx":
        _write_xlsx(path, rows, sheet="Contribution Ségur")
    else:
        _write_csv(path, rows, delimiter=";")
    return Export(path, ["_id"], f"{identity}/{REGION}", questions, metadata=["start", "end", "_uuid", "_submission_time", "_status", "__version__", "_index"])


def tally(fmt: str, folder: Path) -> Export:
    """Tally, « Download CSV »: Submission ID and Respondent ID (six-character tokens), Submitted at
    (« 2020-06-16 16:39:43 »), then the questions, ticked boxes joined by « , »; comma, quoted
    where needed, UTF-8 without BOM."""
    rng = random.Random(13)

    def token() -> str:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(6))

    header = ["Submission ID", "Respondent ID", "Submitted at", NAME, TYPE, REGION, *QUESTIONS, CHOICE]
    rows: list[list[object]] = [header]
    for r in respondents():
        rows.append([token(), token(), r.sent.strftime("%Y-%m-%d %H:%M:%S"), r.name, r.kind, r.region, *r.answers,
                     ", ".join(r.choices)])
    path = folder / "Contribution-Segur_Submissions_2020-06-30.csv"
    _write_csv(path, rows, quote_all=False, terminator="\n")
    return Export(path, ["Respondent ID"], REGION, QUESTIONS)


WEBFORM_META = ["Numéro de série", "SID", "Heure", "Brouillon", "Adresse IP", "UID", "Nom d'utilisateur"]
WEBFORM_META_EN = ["Serial", "SID", "Time", "Draft", "IP Address", "UID", "Username"]


def framaforms(fmt: str, folder: Path) -> Export:
    """Framaforms (Drupal 7 webform), « Résultats › Téléchargement »: three header rows, the form's
    title alone in the first, « Détails de la soumission » (Submission Details) in the second
    with a multiple choice's name above its first option, the columns' names in the third: Serial,
    SID, Time, Draft, IP Address, UID, Username (French here, English with `-en`), then the
    components, a multiple choice as one column per option (« X » when ticked, the default
    « separate » format). Drafts (saved, not sent) are exported with « Draft » at 1. Delimited
    text: every field quoted, comma (`csv`, `csv-en`) or tab (`tsv`: UTF-16 little-endian with a
    BOM, as webform writes tabs for Excel); Excel (`xlsx`, ISO dates)."""
    english = fmt.endswith("-en")
    meta = WEBFORM_META_EN if english else WEBFORM_META
    components = [NAME, TYPE, REGION, *QUESTIONS]
    blank = [""] * (len(meta) - 1 + len(components))
    rows: list[list[object]] = [
        ["Contribution Ségur de la santé", *blank, *[""] * len(OPTIONS)],
        ["Submission Details" if english else "Détails de la soumission", *blank, CHOICE, *[""] * (len(OPTIONS) - 1)],
        [*meta, *components, *OPTIONS],
    ]
    for i, r in enumerate(respondents(INCOMPLETE)):
        when = r.sent.strftime("%Y-%m-%dT%H:%M:%S") if fmt == "xlsx" else r.sent.strftime("%d/%m/%Y - %H:%M")
        rows.append([i + 1, 48211 + 3 * i, when, 0 if r.complete else 1, f"192.0.2.{i + 1}", 0, "",
                     r.name, r.kind, r.region, *r.answers, *["X" if o in r.choices else "" for o in OPTIONS]])
    path = folder / f"contribution_segur_de_la_sante.{fmt.removesuffix('-en')}"
    if fmt == "xlsx":
        _write_xlsx(path, rows)
    elif fmt == "tsv":
        _write_csv(path, rows, delimiter="\t", bom=True, encoding="utf-16-le", terminator="\n")
    else:
        _write_csv(path, rows, terminator="\n")
    return Export(path, ["Serial" if english else "SID"], REGION, QUESTIONS, incomplete=INCOMPLETE, header_rows=3,
                  metadata=[m for m in meta if m not in {"Serial", "SID", "Username", "Nom d'utilisateur"}])


TOOLS = {
    "google_forms": (google_forms, ["csv", "xlsx"]),
    "microsoft_forms": (microsoft_forms, ["xlsx"]),
    "limesurvey": (limesurvey, ["csv-codes", "csv", "xlsx"]),
    "surveymonkey": (surveymonkey, ["csv", "xlsx"]),
    "qualtrics": (qualtrics, ["csv", "tsv", "xlsx"]),
    "typeform": (typeform, ["csv", "xlsx"]),
    "kobotoolbox": (kobotoolbox, ["csv", "xlsx"]),
    "framaforms": (framaforms, ["csv", "csv-en", "tsv", "xlsx"]),
    "tally": (tally, ["csv"]),
}
CASES = [(tool, fmt) for tool, (_, fmts) in TOOLS.items() for fmt in fmts]


def export(tool: str, fmt: str, folder: Path) -> Export:
    folder.mkdir(parents=True, exist_ok=True)
    return TOOLS[tool][0](fmt, folder)


def resaved(made: Export, rng: random.Random, title: str) -> Path:
    """The export as a user may pass it on: a title typed above its first row and, for a text
    file, saved again in another encoding and delimiter (a spreadsheet's « Enregistrer sous »)."""
    if made.path.suffix == ".xlsx":
        book = openpyxl.load_workbook(made.path)
        sheet = book.worksheets[0]
        sheet.insert_rows(1)
        sheet.cell(1, 1, title)
        out = made.path.with_name("titre-" + made.path.name)
        book.save(out)
        return out
    raw = made.path.read_bytes()
    text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
    first = text.splitlines()[0]
    delimiter = max(("\t", ";", ","), key=first.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=rng.choice([";", ",", "\t"]), lineterminator="\r\n").writerows([[title], *rows])
    out = made.path.with_name("titre-" + made.path.stem + ".csv")
    out.write_bytes(buf.getvalue().encode(rng.choice(["utf-8", "utf-8-sig", "cp1252", "utf-16"])))
    return out


# How survey tools write a date and time in their CSV files (the formats above).
TOOL_DATES = ["%Y/%m/%d %I:%M:%S %p UTC+2", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%d/%m/%Y - %H:%M",
              "%Y-%m-%dT%H:%M:%S.000+02:00", "%Y-%m-%dT%H:%M:%S"]
# How a French spreadsheet writes them back when the file is saved again as CSV.
SHEET_DATES = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%y %H:%M", "%Y-%m-%d %H:%M:%S"]


def dates_rewritten(path: Path, rng: random.Random) -> int:
    """The CSV export opened in a spreadsheet and saved again under its name: every date written
    in one of SHEET_DATES (seconds dropped by some), the delimiter « ; », UTF-8 with a BOM. Returns
    how many cells changed."""
    raw = path.read_bytes()
    text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
    first = text.splitlines()[0]
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=max(("\t", ";", ","), key=first.count)))
    target = rng.choice(SHEET_DATES)
    changed = 0
    for row in rows:
        for i, cell in enumerate(row):
            for form in TOOL_DATES:
                try:
                    when = datetime.strptime(cell, form)
                except ValueError:
                    continue
                row[i] = when.strftime(target)
                changed += row[i] != cell
                break
    _write_csv(path, rows, delimiter=";", bom=True, quote_all=False)
    return changed
