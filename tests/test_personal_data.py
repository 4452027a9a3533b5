"""Personal data: a planted set of e-mails, phone numbers, names, addresses and structure names,
written into the answers of a copy of the sample, must reach the database (analysts keep the
original text) and nothing that is published: reports (HTML, Markdown, DOCX, index), charts (SVG),
tally exports, Prefect artifacts.

The test prints what it measured: planted / found in the database / published answers that
carried them / leaked.
"""

from __future__ import annotations

import html
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "segur-2020-sample"
pytestmark = pytest.mark.slow  # whole pipelines with the real spaCy models
# Three regions of the sample (18 structures): every kind of report, and few enough charts to stay fast.
REGIONS = ("Île-de-France", "Occitanie", "Provence-Alpes-Côte d'Azur")
INITIATIVE = "8. Décrivez une initiative menée pendant la crise."
FOLLOW_UP = "9. En quoi cette initiative peut inspirer les réflexions sur la refonte du système de santé ?"
Q1 = "1. Si vous ne deviez retenir qu'une chose de cette crise sanitaire, que serait-elle ?"


@dataclass(frozen=True)
class Item:
    kind: str  # email | phone | name | address | structure | document
    text: str  # as planted
    needles: tuple[str, ...]  # what must not be found in anything published


def email(text: str) -> Item:
    local = text.split("@")[0].split(" [")[0]
    distinctive = bool(re.search(r"[^a-z]", local))  # "jean.dupont" is someone, "contact" is a word
    return Item("email", text, (text, local) if distinctive else (text,))


def phone(text: str) -> Item:
    digits = re.sub(r"\D", "", text)
    return Item("phone", text, (digits[-9:],))  # the subscriber number, whatever the prefix


def name(text: str, surname: str) -> Item:
    return Item("name", text, (surname,))


def address(text: str, street: str) -> Item:
    return Item("address", text, (street,))


def structure(text: str, core: str) -> Item:
    return Item("structure", text, (core,))


ITEMS = [
    email("jean.dupont@act-lepassage.fr"), email("m.martin@gmail.com"), email("contact@lhss-boussole.org"),
    email("direction.act34@orange.fr"), email("sophie_bernard75@yahoo.fr"), email("n.bensaid@chu-montpellier.fr"),
    email("secretariat@asso-horizon.org"), email("pierre-yves.legoff@wanadoo.fr"), email("claire.moreau [at] free.fr"),
    email("accueil.soleiado@laposte.net"), email("amelie.roux+segur@hotmail.fr"), email("t.lemaire@sfr.fr"),
    phone("06 12 34 56 78"), phone("06.23.45.67.89"), phone("0634567890"), phone("+33 6 45 67 89 01"),
    phone("+33 (0)1 42 56 78 90"), phone("01-43-22-11-00"), phone("04 67 12 34 56"), phone("0033 5 56 78 90 12"),
    phone("07 81 23 45 67"), phone("+33612345670"), phone("02.99.87.65.43"), phone("+262 262 41 52 63"),
    name("Mme Martine Lefèvre", "Lefèvre"), name("M. Karim Haddad", "Haddad"), name("Dr Nadia Bensaïd", "Bensaïd"),
    name("Jean-Pierre Rousseau", "Rousseau"), name("Sophie Marchetti", "Marchetti"),
    name("Madame Colette Giraud", "Giraud"), name("Monsieur Alain Perrin", "Perrin"),
    name("Pr Étienne Vasseur", "Vasseur"), name("Isabelle Fournier", "Fournier"), name("Thomas Lemaire", "Lemaire"),
    name("Fatou Diallo", "Diallo"), name("Mlle Julie Caron", "Caron"),
    address("12 rue des Lilas, 34000 Montpellier", "rue des Lilas"),
    address("3 bis avenue Jean Jaurès", "avenue Jean Jaurès"),
    address("45 boulevard de la Liberté 59000 Lille", "boulevard de la Liberté"),
    address("7 impasse des Tilleuls", "impasse des Tilleuls"),
    address("18 place du Marché, 13001 Marseille", "place du Marché"),
    address("2 allée des Cerisiers 35000 Rennes", "allée des Cerisiers"),
    address("105 route de Lyon, 69100 Villeurbanne", "route de Lyon"),
    address("9 quai de la Fosse, 44000 Nantes", "quai de la Fosse"),
    address("24 chemin des Vignes", "chemin des Vignes"),
    address("1 square Monge 75005 Paris", "square Monge"),
    structure("l'ACT Le Relais de l'Orb", "Relais de l'Orb"), structure("nos collègues de La Boussole", "Boussole"),
    structure("l'ACT Soleïado", "Soleïado"), structure("le LHSS Le Canigou", "Canigou"),
    structure("l'équipe de Rhône-Durance", "Rhône-Durance"), structure("nos voisins d'Horizon 93", "Horizon 93"),
    structure("la LAM Saint-Lazare", "Saint-Lazare"), structure("l'ACT Les Hirondelles", "Hirondelles"),
    # 2026-12-06, families no generator had written (tests/test_redact_unseen.py): the letter a for
    # « @ », letters for digits, an invisible character inside a surname, documents' numbers.
    Item("email", "odile.ferrand(a)orange.fr", ("odile.ferrand",)),
    Item("phone", "O6 l2 47 58 69", ("l2475869", "2475869")),
    Item("name", "Mme Chantal Del\u200bmas", ("Delmas", "Del\u200bmas", "\u200bmas")),
    Item("document", "passeport n° 18AV12345", ("18AV12345",)),
    Item("document", "allocataire CAF n° 4398268", ("4398268",)),
    # 2026-12-06, second round (tests/test_redact_unseen_more.py): a name in capitals with an unknown
    # first name, e-mails with no separator before « à » or a provider, a phone mixing digits and
    # words, a card's number alone, a file's number after its cue.
    Item("name", "NGOZI VASSEUR", ("VASSEUR",)),
    Item("email", "lvasseur sur gmail", ("lvasseur",)),
    Item("email", "odileferrand à orange.fr", ("odileferrand",)),
    Item("phone", "06 douze 47 58 69", ("475869",)),
    Item("document", "mon numéro X4RTBPFW4", ("X4RTBPFW4",)),
    Item("document", "matricule 482913", ("482913",)),
]

# How people write them: one sentence per planted answer, a marker to find the answer when published.
TEMPLATES = [
    "Pour en savoir plus, écrivez à {email} ou appelez {name} au {phone}.",
    "Nous avons monté ce projet avec {structure} : contact {name}, {phone}, {email}.",
    "Les colis étaient distribués au {address} par {name}.",
    "Renseignements : {email} / {phone} ({address}).",
]


def plant(answers: pd.DataFrame) -> list[tuple[str, str, str, list[Item], str]]:
    """Spread the items over the initiatives of the sample: (respondent, column, sentence, items, marker)."""
    by_kind = {k: [i for i in ITEMS if i.kind == k] for k in ("email", "phone", "name", "address", "structure", "document")}
    respondents = answers["Identifiant"].tolist()
    planted, n = [], 0
    while any(by_kind.values()):
        template = TEMPLATES[n % len(TEMPLATES)]
        kinds = re.findall(r"\{(\w+)\}", template)
        if not all(by_kind[k] for k in kinds):
            template = " ".join(f"{{{k}}}." for k in by_kind if by_kind[k])
            kinds = re.findall(r"\{(\w+)\}", template)
        used = {k: by_kind[k].pop(0) for k in kinds}
        marker = f"(réf. P{n:02d})"
        sentence = template.format(**{k: v.text for k, v in used.items()}) + f" {marker}"
        respondent = respondents[(n * 7) % len(respondents)]
        has_initiative = bool(answers.loc[answers["Identifiant"] == respondent, INITIATIVE].iloc[0].strip())
        column = FOLLOW_UP if n % 3 == 0 and has_initiative else INITIATIVE  # a follow-up shows under its initiative
        planted.append((respondent, column, sentence, list(used.values()), marker[1:-1]))
        n += 1
    return planted


def published_text(paths: list[Path]) -> dict[Path, str]:
    """The text a reader sees in each file, whatever its format."""
    out = {}
    for path in paths:
        if path.suffix in {".html", ".svg"}:
            raw = path.read_text(encoding="utf-8")
            raw = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", raw)
            out[path] = html.unescape(re.sub(r"<[^>]+>", " ", raw)) + "\n" + raw
        elif path.suffix == ".md":
            out[path] = re.sub(r"\\(.)", r"\1", path.read_text(encoding="utf-8"))
        elif path.suffix in {".docx", ".xlsx"}:
            with zipfile.ZipFile(path) as z:
                xml = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
            out[path] = html.unescape(re.sub(r"<[^>]+>", "", xml))
        elif path.suffix == ".parquet":
            out[path] = pd.read_parquet(path).to_csv()
        elif path.suffix in {".csv", ".json", ".txt"}:
            out[path] = path.read_text(encoding="utf-8-sig")
    return out


_DIGIT_GAPS = re.compile(r"(?<=\d)[\s.\-\u00a0\u202f()]+(?=\d)")


def leaks(items: list[Item], texts: dict[Path, str]) -> list[str]:
    found = []
    for path, text in texts.items():
        digits = _DIGIT_GAPS.sub("", text)
        for item in items:
            for needle in item.needles:
                haystack = digits if item.kind == "phone" else text
                if re.search(rf"(?<![\w.@-]){re.escape(needle)}(?![\w@])", haystack):
                    found.append(f"{path.name}: {item.kind} « {item.text} » ({needle})")
    return found


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory, nlp, ner):
    from consultation.pipeline import run

    if not SAMPLE.is_dir():
        pytest.skip("the bundled sample data/raw/segur-2020-sample is absent")
    base = tmp_path_factory.mktemp("planted")
    folder = base / "segur-2020-sample"
    shutil.copytree(SAMPLE, folder)
    answers = pd.read_csv(folder / "reponses.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    from consultation.ingest.regions import normalise_region

    answers = answers[[normalise_region(r).label in REGIONS for r in answers["Région"]]].reset_index(drop=True)
    codes = pd.read_csv(folder / "codes_humains.csv", dtype=str, keep_default_na=False)
    codes[codes["respondent_id"].isin(answers["Identifiant"])].to_csv(folder / "codes_humains.csv", index=False)
    original = "\n".join(answers.iloc[:, 5:].astype(str).to_numpy().ravel())  # the answers, not the names
    for item in ITEMS:  # the needles must be ours, not words the sample already has
        assert not leaks([item], {Path("sample"): original}), item
    planted = plant(answers)
    for rid, column, sentence, _, _ in planted:
        row = answers.index[answers["Identifiant"] == rid][0]
        answers.loc[row, column] = f"{answers.loc[row, column]} {sentence}".strip()
    answers.to_csv(folder / "reponses.csv", sep=";", index=False, encoding="utf-8-sig")
    result = run(folder, processed_root=base / "processed", nlp=nlp, ner=ner)
    return base, result, planted


def test_planted_personal_data_stays_in_the_database_and_out_of_every_publication(planted_run, tmp_path):
    from consultation.cli import main

    _base, result, planted = planted_run
    assert len(ITEMS) >= 50 and sum(len(p[3]) for p in planted) == len(ITEMS)

    import duckdb

    con = duckdb.connect(str(result.paths.db), read_only=True)
    try:
        stored = "\n".join(f"{t}\n{f or ''}" for t, f in con.execute("SELECT text, follow_up FROM answers").fetchall())
    finally:
        con.close()
    in_db = [i for i in ITEMS if i.text in stored]

    exports = tmp_path / "exports"
    for fmt in ("csv", "xlsx", "json", "parquet"):
        outcome = CliRunner().invoke(
            main, ["export", "tallies", str(result.paths.db), "--format", fmt, "--output", str(exports / fmt)],
            catch_exceptions=False,
        )
        assert outcome.exit_code == 0, outcome.output
    reports = [p for p in result.paths.root.rglob("*") if p.is_file() and p.suffix in {".html", ".md", ".docx"}]
    charts = [p for p in result.paths.root.rglob("*.svg")]
    tables = [p for p in exports.rglob("*") if p.is_file()]
    texts = published_text([*reports, *charts, *tables])
    everything = "\n".join(texts.values())
    published = [p for p in planted if p[4] in everything]
    found = leaks(ITEMS, texts)

    print(
        f"\npersonal data: {len(ITEMS)} items planted in {len(planted)} answers; {len(in_db)} found in the "
        f"database; {len(published)}/{len(planted)} planted answers published; "
        f"{len(reports)} reports, {len(charts)} SVG charts, {len(tables)} exports searched; "
        f"{len(set(found))} leaks"
    )
    assert len(in_db) == len(ITEMS), "the database keeps the original text for analysts"
    assert len(published) == len(planted), "every planted answer must be published for the test to mean something"
    assert reports and charts and tables
    assert sorted(set(found)) == []


def test_prefect_artifacts_mask_contact_details_of_a_refused_file(tmp_path, monkeypatch):
    """A bad cell's value ends up in the error message; the run summary and the failure artifact mask it."""
    pytest.importorskip("prefect")
    from types import SimpleNamespace

    import flows.artifacts as artifacts
    import flows.common as common
    from consultation import store
    from consultation.codebook import load_consultation
    from consultation.errors import ConsultationError
    from consultation.ingest.core import ingest_consultation
    from flows.summaries import FileOutcome, IngestionSummary

    contacts = [i for i in ITEMS if i.kind in {"email", "phone"}] + [
        i for i in ITEMS if i.kind == "name" and i.text.split()[0] in {"Mme", "M.", "Dr", "Madame", "Monsieur", "Pr", "Mlle"}
    ]
    folder = tmp_path / "mini"
    shutil.copytree(ROOT / "tests" / "data" / "mini", folder)
    lines = ["respondent_id,question_id,theme_id,text"] + [f'A1,q1,"{i.text}",' for i in contacts]
    (folder / "codes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = store.connect(None)
    with pytest.raises(ConsultationError) as refused:
        ingest_consultation(con, load_consultation(folder), folder)
    message = str(refused.value)
    shown = [i for i in contacts if i.text in message]
    assert shown, "the error message names the bad values (so that the user can fix them)"

    summary = IngestionSummary(
        consultation_id="mini", files=[FileOutcome(label="codes.csv", kind="human_codes", status="refused", message=message)]
    )
    run_summary = "\n".join(artifacts.ingestion_markdown(summary))

    captured: list[str] = []
    monkeypatch.setattr(common, "create_markdown_artifact", lambda markdown, **_: captured.append(markdown))
    monkeypatch.setattr(common, "flow_run_logger", lambda *_: SimpleNamespace(error=lambda *a: None, warning=lambda *a: None))
    error = RuntimeError(summary.refused_message())
    state = SimpleNamespace(result=lambda raise_on_failure=False: error, message=str(error))
    common.report_failure(SimpleNamespace(name="ingestion"), SimpleNamespace(name="run-1", parameters={}), state)

    found = leaks(shown, {Path("résumé de l'exécution"): run_summary, Path("artefact d'échec"): "\n".join(captured)})
    print(f"\nPrefect artifacts: {len(shown)} contact details in a refused file's message; {len(found)} leaks")
    assert captured, "the failure hook wrote no artifact"
    assert found == []


# What the bundled sample itself holds (R03, R09, R21, R30): its whole publication, all regions.
SAMPLE_ITEMS = [
    name("notre IDE Sophie Marchand", "Marchand"), phone("06 39 98 41 27"),
    email("coordination@act-leshirondelles.fr"), structure("LHSS Porte d'Italie", "Porte d'Italie"),
    name("Karim Benali", "Benali"), phone("01 99 00 42 17"),
]


def test_the_samples_own_personal_data_is_not_published(sample_run):
    files = [p for p in sample_run.paths.root.rglob("*") if p.is_file() and p.suffix in {".html", ".md", ".docx", ".svg"}]
    texts = published_text(files)
    found = leaks(SAMPLE_ITEMS, texts)
    print(f"\nsample: {len(SAMPLE_ITEMS)} personal data items in its answers; {len(files)} files searched; {len(found)} leaks")
    assert files and found == []


def test_the_documented_way_to_share_a_base_carries_no_planted_item(planted_run, tmp_path):
    """RELIABILITY.md's recipe, run as written (paths swapped), on the planted base."""
    import duckdb

    base, result, planted = planted_run
    text = (ROOT / "RELIABILITY.md").read_text(encoding="utf-8")
    recipe = re.search(r"```python\n(.*?)```", text.split("### The base keeps the original text", 1)[1], re.S).group(1)
    target = tmp_path / "partage" / "shared.duckdb"
    target.parent.mkdir()
    recipe = (recipe.replace('"data/processed/segur-2020-sample/consultation.duckdb"', repr(str(result.paths.db)))
              .replace('"partage/segur-2020-sample-partage.duckdb"', repr(str(target)))
              .replace('"data/raw/segur-2020-sample"', repr(str(base / "segur-2020-sample"))))
    exec(compile(recipe, "RELIABILITY.md", "exec"), {})

    con = duckdb.connect(str(target), read_only=True)
    try:
        columns = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns").fetchall()}
        shared = "\n".join(
            str(v) for table in ("answers", "tallies") for row in con.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
            for v in row
        )
        answers = con.execute("SELECT count(*) FROM answers").fetchone()[0]
    finally:
        con.close()
    assert not columns & {"respondent_id", "structure_name", "raw_json", "region_raw", "source_file"}
    assert answers > 0 and all(p[4] in shared for p in planted), "the planted answers are shared, redacted"
    assert leaks(ITEMS, {target: shared}) == []
