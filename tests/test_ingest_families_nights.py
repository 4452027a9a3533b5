"""The same survey exported again, the next night, as survey tools do it: columns in another order,
a question added or removed in the middle (the numbering of the next ones shifts), headers
reworded by the tool (numbering, spaces, line breaks, apostrophes, case, accents, cut at N
characters), answers edited, respondents removed. And the same header variants in a first export,
read with the consultation file written for the clean one.

Each generated night is compared with the same answers exported cleanly: every answer is under
its own question, nobody is counted twice, and every change is said in French (a header read
another way names both headers; a column nobody reads that holds written answers is named; edited
answers name their respondents). A question whose column is gone stops the import, naming it.
"""

from __future__ import annotations

import random
import re

import pytest
import yaml

from consultation import store
from consultation.codebook import load_consultation
from consultation.errors import InputFileError
from consultation.ingest.core import ingest_consultation
from consultation.text import fold
from ingest_family_support import ANSWERS, HEADER, ROWS, SAMPLE, content, quoted

IDENT = HEADER.index("Identifiant")


def _spaces(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------
# How a tool rewrites a header between two exports
# --------------------------------------------------------------------------

_NUMBER = re.compile(r"^(\d+)([a-z]?)\. ")


def _renumber(header: str, rnd: random.Random) -> str:
    """Another numbering style: « Q3a. », « 3a) », « Question 3a : », « 3a - », or none."""
    found = _NUMBER.match(header)
    if not found:
        return header
    number, rest = found.group(1) + found.group(2), header[found.end():]
    style = rnd.choice(["Q{}. ", "{}) ", "Question {} : ", "{} - ", "Q{} ", ""])
    return style.format(number) + rest


def _cut(header: str, rnd: random.Random) -> str:
    """The tool keeps the first N characters (40 to 70), with or without an ellipsis."""
    n = rnd.randint(40, 70)
    if len(header) <= n + 5:
        return header
    return header[:n] + rnd.choice(["", "…", "...", " [...]"])


def _break(header: str, rnd: random.Random) -> str:
    """A line break typed in the header cell (Alt+Entrée) in place of one of its spaces."""
    spaces = [m.start() for m in re.finditer(r"\s", header)]
    if not spaces:
        return header
    i = rnd.choice(spaces)
    return header[:i] + rnd.choice(["\n", "\r\n"]) + header[i + 1:]


VARIANTS = {
    "numbering": _renumber,
    "trailing space": lambda h, rnd: h + rnd.choice([" ", "  ", "\t"]),
    "no-break spaces": lambda h, rnd: h.replace(" ", rnd.choice(["\u00a0", "\u202f"])),
    "line break": lambda h, rnd: _break(h, rnd),
    "curly apostrophe": lambda h, rnd: h.replace("'", rnd.choice(["\u2019", "\u2018", "\u02bc"])),
    "case": lambda h, rnd: rnd.choice([h.upper(), h.lower(), h.capitalize()]),
    "accents lost": lambda h, rnd: fold(h),
    "cut": _cut,
}


def _vary_headers(header: list[str], rnd: random.Random, fewest: int, most: int) -> dict[int, tuple[str, str]]:
    """Rewrite `fewest` to `most` of `header`'s columns in place, as a tool's next export may (numbering
    and cuts only on answer columns); column -> (the clean header, the kinds of variation)."""
    varied = {}
    for column in rnd.sample([*ANSWERS, 2, 3, 4], rnd.randint(fewest, most)):
        kinds = rnd.sample(list(VARIANTS), rnd.randint(1, 3))
        if column not in ANSWERS:
            kinds = [k for k in kinds if k not in ("numbering", "cut")] or ["case"]
        new = _vary(header[column], rnd, kinds)
        if new.strip() != header[column]:
            header[column], varied[column] = new, (HEADER[column], "+".join(kinds))
    return varied


def _vary(header: str, rnd: random.Random, kinds: list[str]) -> str:
    out = header
    for kind in kinds:
        out = VARIANTS[kind](out, rnd)
    return out


_NEW_QUESTION = "Quelles autres pistes voyez-vous pour votre structure ?"
_NEW_ANSWERS = [
    "Mutualiser un poste de psychologue avec les structures voisines.",
    "Former les équipes de nuit à la gestion des crises.",
    "Un lieu d'accueil de jour ouvert le week-end pour les résidents.",
    "Rien de plus pour le moment, la fédération a déjà tout dit.",
    "Travailler avec la mairie sur le logement des personnes sortantes.",
]


# --------------------------------------------------------------------------
# One night after another
# --------------------------------------------------------------------------


def _folder(tmp_path, name: str):
    folder = tmp_path / name
    folder.mkdir()
    config = yaml.safe_load((SAMPLE / "consultation.yaml").read_text(encoding="utf-8"))
    config["sources"] = {"responses": ["reponses.csv"]}
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return folder


def _night(con, folder, data: bytes):
    (folder / "reponses.csv").write_bytes(data)
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    assert report.rows_read == report.rows_ingested + report.rows_quarantined
    return report


def _export(header: list[str], rows: list[list[str]], order: list[int], titles: bool) -> bytes:
    data = quoted([[r[i] for i in order] for r in rows], ";", [header[i] for i in order])
    return (b"Export du questionnaire ;\r\n\r\n" + data) if titles else data


def _second_night(seed: int):
    """Night 2 of one seed: (header, rows, column order, what changed, the headers varied)."""
    rnd = random.Random(seed)
    header, rows = list(HEADER), [list(r) for r in ROWS]
    changes: dict[str, object] = {}
    varied = _vary_headers(header, rnd, 2, 6)
    if rnd.random() < 0.5:  # answers edited by their respondents
        edited = rnd.sample(range(len(rows)), rnd.randint(1, 4))
        for i in edited:
            rows[i][rnd.choice(ANSWERS)] += " (réponse complétée)"
        changes["edited"] = sorted(rows[i][IDENT] for i in edited)
    if rnd.random() < 0.5:  # respondents removed, or an export « since the last one »
        removed = set(rnd.sample(range(len(rows)), rnd.choice([1, 3, len(rows) - 5])))
        changes["removed"] = sorted(rows[i][IDENT] for i in removed)
        rows = [r for i, r in enumerate(rows) if i not in removed]
        kept = {r[IDENT] for r in rows}
        changes["edited"] = [rid for rid in changes.get("edited", []) if rid in kept]  # type: ignore[attr-defined]
    order = list(range(len(header)))
    if rnd.random() < 0.5:
        rnd.shuffle(order)
    if rnd.random() < 0.5:  # a question added in the middle: the next ones are numbered one more
        at = rnd.choice(ANSWERS[1:])
        header.insert(at, _NEW_QUESTION)
        for r in rows:
            r.insert(at, rnd.choice(["", f"{rnd.choice(_NEW_ANSWERS)[:-1]}, pour {r[2]}."]) if rnd.random() < 0.3 else
                     f"{rnd.choice(_NEW_ANSWERS)[:-1]}, pour {r[2]}.")
        order = [i + (i >= at) for i in order]
        order.insert(rnd.randint(0, len(order)), at)
        changes["added"] = at
        varied = {c + (c >= at): k for c, k in varied.items()}
        if rnd.random() < 0.7:  # the tool numbers the next questions one more
            for c in range(at + 1, len(header)):
                found = _NUMBER.match(header[c])
                if found and c - 1 in ANSWERS:
                    header[c] = f"{int(found.group(1)) + 1}{found.group(2)}. " + header[c][found.end():]
                    varied[c] = (HEADER[c - 1], varied.get(c, ("", "numbering"))[1] + "+renumbered")
    return header, rows, order, changes, varied


def _announced(warnings: list[str], header: list[str], varied: dict[int, tuple[str, str]]) -> list[str]:
    """The varied headers no warning names together with the configured header they are read as."""
    said = [_spaces(w) for w in warnings]
    missing = []
    for column, (wanted, kinds) in varied.items():
        mine = _spaces(header[column])
        if mine == _spaces(wanted):  # spacing alone: the same header, nothing to say
            continue
        if not any(f"« {mine} »" in w and f"« {wanted} »" in w for w in said):
            missing.append(f"{mine!r} ({kinds})")
    return missing


@pytest.mark.parametrize("seed", range(24))
def test_a_second_night_export_keeps_every_answer_under_its_question(seed, tmp_path, clean_reference):
    header, rows, order, changes, varied = _second_night(seed)
    titles = seed % 4 == 3
    folder = _folder(tmp_path, f"night{seed}")
    con = store.connect(None)
    _night(con, folder, quoted(ROWS))
    first = content(con)
    report = _night(con, folder, _export(header, rows, order, titles))
    respondents, answers = content(con)
    clean_rows = [[c for i, c in enumerate(r) if i != changes.get("added")] for r in rows]
    expected_respondents, expected_answers = (dict(d) for d in clean_reference(clean_rows))
    # Removed respondents stay in the base as the first night left them (named, as before).
    for rid in changes.get("removed", []):
        expected_respondents[rid] = first[0][rid]
        expected_answers.update({k: v for k, v in first[1].items() if k[0] == rid})
    assert respondents == expected_respondents
    assert answers == expected_answers
    warnings = report.warnings
    assert _announced(warnings, header, varied) == []
    if "added" in changes:
        assert any(f"« {_NEW_QUESTION} »" in w and "non lue" in w for w in warnings), warnings
    if changes.get("edited"):
        said = [w for w in warnings if "réponses ont changé" in w]
        assert len(said) == 1 and all(rid in said[0] for rid in changes["edited"]), warnings
    if "removed" in changes:
        assert any("n'y figure" in w for w in warnings)


@pytest.mark.parametrize("seed", range(8))
def test_a_question_gone_from_the_export_stops_the_night_naming_it(seed, tmp_path):
    """A question removed in the middle (the next ones renumbered): never another question's
    answers under its id, never the question silently empty."""
    rnd = random.Random(seed)
    gone = rnd.choice(ANSWERS)
    header = list(HEADER)
    for c in ANSWERS:
        if c > gone and _NUMBER.match(header[c]) and rnd.random() < 0.7:
            number = int(_NUMBER.match(header[c]).group(1)) - 1  # type: ignore[union-attr]
            header[c] = _NUMBER.sub(lambda m, n=number: f"{n}{m.group(2)}. ", header[c])
    keep = [i for i in range(len(header)) if i != gone]
    folder = _folder(tmp_path, f"gone{seed}")
    con = store.connect(None)
    _night(con, folder, quoted(ROWS))
    before = content(con)
    (folder / "reponses.csv").write_bytes(quoted([[r[i] for i in keep] for r in ROWS], ";", [header[i] for i in keep]))
    with pytest.raises(InputFileError) as error:
        ingest_consultation(con, load_consultation(folder), folder)
    assert f"« {HEADER[gone]} »" in str(error.value) and "colonne attendue absente" in str(error.value)
    assert content(con) == before


@pytest.mark.parametrize("seed", range(16))
def test_header_variants_in_a_first_export_are_read_and_named(seed, tmp_path, clean_reference):
    """The consultation file written for the clean export; the export a federation sends has the
    tool's own headers: every answer read under its question, each header read another way named."""
    rnd = random.Random(1000 + seed)
    header = list(HEADER)
    varied = _vary_headers(header, rnd, 3, 9)
    folder = _folder(tmp_path, f"first{seed}")
    con = store.connect(None)
    report = _night(con, folder, _export(header, ROWS, list(range(len(header))), seed % 3 == 2))
    assert content(con) == clean_reference([list(r) for r in ROWS])
    assert _announced(report.warnings, header, varied) == []


# --------------------------------------------------------------------------
# Ids renumbered: a tool that numbers its rows 1, 2, 3… renumbers them when one is deleted
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_ids_renumbered_after_a_deletion_count_each_person_once(seed, tmp_path, clean_reference):
    """A respondent deleted in the tool, and the ids after it renumbered (the respondent « 5 » is
    now « 4 »): the last old ids were no longer in the file and stayed in the base beside the same
    people under their new ids, counted twice; the human codes stayed on the ids, now another
    person's answers. Some answers are edited and some respondents added the same night."""
    rnd = random.Random(seed)
    first = [list(r) for r in ROWS]
    for i, r in enumerate(first):
        r[IDENT] = str(i + 1)
    qid, theme = "q1_retenir", "q1_autres"
    coded = sorted(rnd.sample(range(len(first)), 6))
    folder = _folder(tmp_path, f"renum{seed}")
    config = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    config["sources"]["human_codes"] = ["codes.csv"]
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    (folder / "codes.csv").write_text(
        "respondent_id;question_id;theme_id\n" + "".join(f"{first[i][IDENT]};{qid};{theme}\n" for i in coded),
        encoding="utf-8",
    )
    con = store.connect(None)
    (folder / "reponses.csv").write_bytes(quoted(first))
    ingest_consultation(con, load_consultation(folder), folder)
    said_before = {first[i][IDENT]: first[i][ANSWERS[0]] for i in coded}

    deleted = set(rnd.sample(range(len(first)), rnd.randint(1, 3)))
    second = [list(r) for i, r in enumerate(first) if i not in deleted]
    # Answers edited by respondents whose id stays (one both renumbered and edited is not recognisable).
    for r in rnd.sample(second[: min(deleted)], min(min(deleted), rnd.randint(0, 2))):
        r[rnd.choice(ANSWERS[1:])] += " (complété)"
    second += [list(r) for r in rnd.sample(ROWS, rnd.randint(0, 2))]  # new respondents, answers alike
    for i, r in enumerate(second):
        r[IDENT] = str(i + 1)
        if i >= len(first) - len(deleted):
            r[2] = f"{r[2]} (nouvelle)"
    (folder / "reponses.csv").write_bytes(quoted(second))
    (report, _codes) = ingest_consultation(con, load_consultation(folder), folder)
    assert content(con) == clean_reference(second)  # each person once, under the new id
    # Each human code is still on the answer it was made on, or gone with a deleted respondent.
    codes = con.execute("SELECT respondent_id FROM human_codes").fetchall()
    answers = dict(con.execute("SELECT respondent_id, text FROM answers WHERE question_id = ?", [qid]).fetchall())
    kept = [rid for (rid,) in codes]
    assert sorted(answers[rid] for rid in kept) == sorted(
        t for rid, t in said_before.items() if int(rid) - 1 not in deleted
    )
    assert any("sous un autre identifiant" in w for w in report.warnings) == any(
        i > min(deleted) for i in range(len(first)) if i not in deleted
    )


@pytest.mark.parametrize("seed", range(8))
def test_ids_renumbered_in_a_consultation_without_follow_up_count_each_person_once(seed, tmp_path):
    """The same renumbering in a consultation with no follow-up question, as `consultation init`
    drafts one: the answers' follow-up was NaN there, read « nan » against the base's nothing, and
    nobody was recognised under a new id (every renumbered person counted twice). The sample's own
    consultation.yaml has a follow-up question, which hid it."""
    rnd = random.Random(seed)
    first = [list(r) for r in ROWS]
    for i, r in enumerate(first):
        r[IDENT] = str(i + 1)
    folder = _folder(tmp_path, f"sans-relance{seed}")
    config = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    for question in [*config["questions"], *config.get("free_text", [])]:
        question.pop("follow_up", None)
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    con = store.connect(None)
    _night(con, folder, quoted(first))
    deleted = set(rnd.sample(range(len(first) - 1), rnd.randint(1, 3)))
    second = [list(r) for i, r in enumerate(first) if i not in deleted]
    for i, r in enumerate(second):
        r[IDENT] = str(i + 1)
    report = _night(con, folder, quoted(second))
    # Each structure once (a deleted one whose id nobody took stays, named, as before), under its new id.
    names = [n for (n,) in con.execute("SELECT structure_name FROM respondents").fetchall()]
    assert len(names) == len(set(names)) == len(first) - len(deleted) + sum(
        1 for i in deleted if i >= len(second))
    ids = dict(con.execute("SELECT structure_name, respondent_id FROM respondents").fetchall())
    assert all(ids[r[2]] == r[IDENT] for r in second)
    assert len([w for w in report.warnings if "sous un autre identifiant" in w]) == 1


@pytest.mark.parametrize("seed", range(24))
def test_a_second_night_in_a_consultation_drafted_by_init_counts_each_person_once(seed, tmp_path):
    """The same second nights in a consultation drafted by `consultation init` from the first export
    (no follow-up question, the draft's ids and headers), not the sample's hand-written one: a
    defect seen only in drafted consultations (NaN where the base has nothing, see the test above)
    passed every test written on the sample's. Each person once (removed ones stay, named), edited
    answers named."""
    from test_survey_tools import _draft_and_ingest

    folder = tmp_path / f"brouillon{seed}"
    folder.mkdir()
    (folder / "reponses.csv").write_bytes(quoted(ROWS))
    _draft_and_ingest(folder / "reponses.csv")  # writes the draft beside the export
    con = store.connect(None)
    ingest_consultation(con, load_consultation(folder), folder)
    header, rows, order, changes, _varied = _second_night(seed)
    report = _night(con, folder, _export(header, rows, order, seed % 4 == 3))
    names = [n for (n,) in con.execute("SELECT structure_name FROM respondents").fetchall()]
    assert len(names) == len(set(names)) == len(ROWS)
    edited = [w for w in report.warnings if "réponses ont changé" in w]
    assert bool(edited) == bool(changes.get("edited"))
    assert all(rid in edited[0] for rid in changes.get("edited", []))
    assert any("n'y figure" in w for w in report.warnings) == bool(changes.get("removed"))
