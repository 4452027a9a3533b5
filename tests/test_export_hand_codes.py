"""Codes given by hand in the export's own columns (`codes_column`), read again at each import.

A federation that codes in its spreadsheet goes on coding there between two imports: a code added,
one corrected, one cleared. Before, `init` copied the codes once into codes_humains.csv and later
ones never reached the base (the closing note of session 21 said so). Now consultation.yaml names
the column (a question's `codes_column`; a long export's `sources.responses[].codes_column`) and
each import reads it: the base holds the export's codes as they are that night.

The family, generated from the bundled sample's own human codes: nights of one export where codes
are added, corrected (another theme of the question) and cleared, spelt as people type them
(case, accents, « œ », punctuation, hyphens, spacing, the theme's id, « Autre(s) », « Divers »),
CSV or `.xlsx`, wide or long, one file replaced each night or a new file under a new name.
What a user notices: the human codes in the base, the counts and warnings of the import's report.
Guards: a code the codebook does not have (named with its row, column and value; that answer's
codes unread, never half of them), a code on a row without an answer, a decision taken in a review
sheet or a codes file (it wins over the export), a codes column missing from the export, and the
key misplaced on a wide source.
Not covered: a coding grid (one column per theme), one column of codes for several questions of a
wide export, codes for a part of an answer (the export's codes hold for the whole answer).
"""

from __future__ import annotations

import random
import re

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from consultation import store
from consultation.cli import main
from consultation.codebook import OTHER_LABEL, code_key, load_consultation
from consultation.errors import ConfigError, InputFileError
from consultation.ingest.core import ingest_consultation
from consultation.text import fold
from ingest_family_support import (
    CODES,
    COLUMN,
    CONFIG,
    HEADER,
    ID,
    ROWS,
    SAMPLE,
    quoted,
    with_code_columns,
)

CODED = ["q1_retenir", "q3_ecueil", "pilier2"]  # a question per unit and size of codebook
THEMES = {q["id"]: [t["label"] for t in q["themes"]] for q in CONFIG["questions"]}
THEME_ID = {(q["id"], t["label"]): t["id"] for q in CONFIG["questions"] for t in q["themes"]}
SEPARATORS = [" ; ", ";", " | ", "\n"]
ANSWERED = {(r[ID], q) for r in ROWS for q in CODED if r[HEADER.index(COLUMN[q])].strip()}


def _column(q: str) -> str:
    return f"Thèmes {COLUMN[q].split('.')[0]}"


def _theme_id(q: str, label: str) -> str:
    return THEME_ID.get((q, label)) or f"{q}_autres"


# Ways people type a label: each keeps `code_key`, so each must read as the same theme.
def _respell(label: str, rng: random.Random) -> str:
    steps = [
        str.lower, str.upper, fold, lambda s: s.replace("œ", "oe").replace("Œ", "OE"),
        lambda s: s.replace(" ", "-"), lambda s: s.replace(" ", "  "), lambda s: f"  {s} ",
        lambda s: s + ".", lambda s: s.replace("'", "’"), lambda s: s.replace("'", " "),
        lambda s: s.replace(",", " ,"), lambda s: s.title(),
    ]
    for step in rng.sample(steps, rng.randint(0, 3)):
        label = step(label)
    return label


def _export(codes: dict[tuple[str, str], list[str]], rng: random.Random, *, ids: bool = False) -> tuple[list[str], list[list[str]]]:
    """The sample's export with a codes column right of each coded question."""
    def cell(row: list[str], q: str) -> str:
        labels = codes.get((row[ID], q), [])
        written = [(_theme_id(q, c) if ids and rng.random() < 0.3 else _respell(c, rng)) for c in labels]
        return rng.choice(SEPARATORS).join(written)

    return with_code_columns({q: _column(q) for q in CODED}, cell)


def _write(folder, name: str, header: list[str], rows: list[list[str]]) -> None:
    if name.endswith(".xlsx"):
        book = openpyxl.Workbook()
        for row in [header, *rows]:
            book.active.append([v or None for v in row])
        book.save(folder / name)
    else:
        (folder / name).write_bytes(quoted(rows, ";", header))


def _folder(tmp_path, responses: list, human_codes: list | None = None, long: bool = False):
    folder = tmp_path / "consultation"
    folder.mkdir()
    config = yaml.safe_load(yaml.safe_dump(CONFIG))
    config["sources"] = {"responses": responses, "human_codes": human_codes or []}
    if not long:
        for q in config["questions"]:
            if q["id"] in CODED:
                q["codes_column"] = _column(q["id"])
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return folder


def _base(con) -> set[tuple[str, str, str]]:
    return set(con.execute("SELECT respondent_id, question_id, theme_id FROM human_codes").fetchall())


def _wanted(codes: dict[tuple[str, str], list[str]]) -> set[tuple[str, str, str]]:
    return {(rid, q, _theme_id(q, c)) for (rid, q), labels in codes.items() for c in labels}


def _night(rng: random.Random, before: dict[tuple[str, str], list[str]]) -> dict[tuple[str, str], list[str]]:
    """The next night's codes: some added, some corrected to another theme, some cleared."""
    after = dict(before)
    for key in sorted(ANSWERED):
        if key not in after and key in CODES and rng.random() < 0.4:
            after[key] = CODES[key]
        elif key in after and rng.random() < 0.15:
            after[key] = [rng.choice([t for t in THEMES[key[1]] if t not in after[key]])]
        elif key in after and rng.random() < 0.1:
            del after[key]
    return after


@pytest.mark.parametrize("seed", range(6))
def test_codes_added_corrected_or_cleared_in_the_export_are_so_after_the_next_import(seed, tmp_path):
    rng = random.Random(seed)
    name = "export.xlsx" if seed % 3 == 2 else "export.csv"
    folder = _folder(tmp_path, [name])
    con = store.connect(None)
    codes = {k: CODES[k] for k in sorted(ANSWERED) if k in CODES and rng.random() < 0.3}
    for night in range(3):
        _write(folder, name, *_export(codes, rng, ids=seed % 2 == 1))
        (report,) = ingest_consultation(con, load_consultation(folder), folder)
        assert report.rows_quarantined == 0, report.warnings
        assert _base(con) == _wanted(codes), f"night {night}"
        assert report.hand_coded == len(codes)
        assert not [w for w in report.warnings if "code" in w], report.warnings
        codes = _night(rng, codes)
    assert con.execute("SELECT count(DISTINCT respondent_id) FROM respondents").fetchone()[0] == len(ROWS)


@pytest.mark.parametrize("seed", range(3))
def test_the_codes_of_a_long_export_are_read_again_at_each_import(seed, tmp_path):
    """One row per answer, its codes in a column beside it (Entendre la France's tags.csv shape)."""
    rng = random.Random(seed)
    source = {"path": "long.csv", "layout": "long", "question_column": "question_id", "answer_column": "answer",
              "codes_column": "tags"}
    folder = _folder(tmp_path, [source], long=True)
    codes = {k: CODES[k] for k in sorted(ANSWERED) if k in CODES and rng.random() < 0.5}
    con = store.connect(None)
    for _night_number in range(2):
        rows = [[r[ID], q, r[HEADER.index(COLUMN[q])], "|".join(_respell(c, rng) for c in codes.get((r[ID], q), [])),
                 r[HEADER.index("Région")]]
                for r in ROWS for q in CODED if (r[ID], q) in ANSWERED]
        (folder / "long.csv").write_bytes(quoted(rows, ";", ["contribution_id", "question_id", "answer", "tags", "Région"]))
        config = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
        config["columns"] = {"respondent_id": "contribution_id", "region": "Région"}
        (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        (report,) = ingest_consultation(con, load_consultation(folder), folder)
        assert report.rows_quarantined == 0, report.warnings
        assert _base(con) == _wanted(codes)
        codes = _night(rng, codes)


def test_a_new_export_each_night_under_a_new_name_replaces_yesterdays_codes(tmp_path):
    """The survey tool names each export by its date: yesterday's file stays in the folder, today's
    holds the same respondents with codes corrected. Today's codes are the base's, once."""
    rng = random.Random(7)
    folder = _folder(tmp_path, ["export-*.csv"])
    con = store.connect(None)
    first = {k: CODES[k] for k in sorted(ANSWERED) if k in CODES and rng.random() < 0.5}
    _write(folder, "export-2026-12-01.csv", *_export(first, rng))
    ingest_consultation(con, load_consultation(folder), folder)
    second = _night(random.Random(8), first)
    assert second != first
    _write(folder, "export-2026-12-02.csv", *_export(second, rng))
    ingest_consultation(con, load_consultation(folder), folder)
    assert _base(con) == _wanted(second)


def test_a_decision_of_a_review_sheet_or_codes_file_wins_over_the_export(tmp_path):
    rng = random.Random(3)
    folder = _folder(tmp_path, ["export.csv"], human_codes=["revue.csv"])
    codes = {k: CODES[k] for k in sorted(ANSWERED) if k in CODES}
    rid, q = sorted(codes)[0]
    other = next(t for t in THEMES[q] if t not in codes[(rid, q)])
    (folder / "revue.csv").write_text(f"respondent_id,question_id,theme_id\n{rid},{q},{_theme_id(q, other)}\n",
                                      encoding="utf-8")
    con = store.connect(None)
    for night in range(2):
        _write(folder, "export.csv", *_export(codes, rng))
        reports = ingest_consultation(con, load_consultation(folder), folder)
        base = _base(con)
        assert {t for r, qq, t in base if (r, qq) == (rid, q)} == {_theme_id(q, other)}, f"night {night}"
        assert base - {(r, qq, t) for r, qq, t in base if (r, qq) == (rid, q)} == _wanted(
            {k: v for k, v in codes.items() if k != (rid, q)})
        codes[sorted(codes)[1]] = [THEMES[sorted(codes)[1][1]][0]]  # the export changes: read again
    export_report = next(r for r in reports if r.kind == "responses")
    said = [w for w in export_report.warnings if "priment" in w]
    assert len(said) == 1 and said[0].startswith("export.csv : 1 réponse codée"), export_report.warnings


def test_an_unknown_code_is_named_and_leaves_that_answers_codes_unread(tmp_path):
    rng = random.Random(5)
    folder = _folder(tmp_path, ["export.csv"])
    codes = {k: CODES[k] for k in sorted(ANSWERED) if k in CODES}
    header, rows = _export(codes, rng)
    typo = ROWS.index(next(r for r in ROWS if (r[ID], "q1_retenir") in codes))
    new = ROWS.index(next(r for r in ROWS[typo + 1:] if (r[ID], "q3_ecueil") in codes))
    q1, q3 = header.index(_column("q1_retenir")), header.index(_column("q3_ecueil"))
    rows[typo][q1] = "Adaptabilite et inovation des ACT"  # a typo
    rows[new][q3] = f"{codes[(ROWS[new][ID], 'q3_ecueil')][0]} ; Transport"  # a theme not in the codebook
    _write(folder, "export.csv", header, rows)
    con = store.connect(None)
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    assert report.rows_ingested == len(ROWS)  # every answer is read: only these codes are not
    assert _base(con) == _wanted({k: v for k, v in codes.items()
                                  if k not in {(ROWS[typo][ID], "q1_retenir"), (ROWS[new][ID], "q3_ecueil")}})
    said = [w for w in report.warnings if "que le codebook n'a pas" in w]
    assert len(said) == 1, report.warnings
    assert said[0].startswith("export.csv : 2 réponses codées")
    assert f"ligne {typo + 2}, colonne « {_column('q1_retenir')} » : « Adaptabilite et inovation des ACT »" in said[0]
    assert f"ligne {new + 2}, colonne « {_column('q3_ecueil')} » : « {rows[new][q3]} »" in said[0]
    assert report.hand_coded == len(codes) - 2


def test_a_code_on_a_row_without_an_answer_is_named_and_codes_nothing(tmp_path):
    folder = _folder(tmp_path, ["export.csv"])
    codes = {k: CODES[k] for k in sorted(ANSWERED) if k in CODES}
    header, rows = _export(codes, random.Random(1))
    at = next(i for i, r in enumerate(ROWS) if (r[ID], "q1_retenir") in codes)
    rows[at][header.index(COLUMN["q1_retenir"])] = ""
    _write(folder, "export.csv", header, rows)
    con = store.connect(None)
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    assert _base(con) == _wanted({k: v for k, v in codes.items() if k != (ROWS[at][ID], "q1_retenir")})
    said = [w for w in report.warnings if "sans réponse" in w]
    assert len(said) == 1 and f"ligne {at + 2}, colonne « {_column('q1_retenir')} »" in said[0], report.warnings


@pytest.mark.parametrize("seed", range(40))
def test_every_way_of_typing_a_theme_reads_as_that_theme(seed):
    """The family of spellings, on every question of the sample's codebook: label or id, respelt."""
    rng = random.Random(seed)
    consultation = load_consultation(SAMPLE)
    for question in consultation.questions:
        known = question.theme_of_code()
        for theme in question.coded_themes:
            typed = _respell(rng.choice([theme.label, theme.id]), rng)
            assert known[code_key(typed)] == theme.id, (question.id, typed)
        for other in ("Autre", "autres", "AUTRE(S)", "Divers", OTHER_LABEL, " autre. "):
            assert known[code_key(_respell(other, rng))] == question.other_theme.id


def test_a_codes_column_missing_from_the_export_is_named(tmp_path):
    folder = _folder(tmp_path, ["export.csv"])
    header, rows = _export({}, random.Random(0))
    at = header.index(_column("q3_ecueil"))
    _write(folder, "export.csv", header[:at] + header[at + 1:], [r[:at] + r[at + 1:] for r in rows])
    with pytest.raises(InputFileError) as caught:
        ingest_consultation(store.connect(None), load_consultation(folder), folder)
    assert _column("q3_ecueil") in str(caught.value) and "codes donnés à la main, question q3_ecueil" in str(caught.value)


def test_the_codes_column_of_a_long_export_on_a_wide_source_is_refused(tmp_path):
    folder = _folder(tmp_path, [{"path": "export.csv", "codes_column": "Thèmes"}])
    with pytest.raises(ConfigError, match=r"codes_column.*layout: long"):
        load_consultation(folder)


def test_the_import_says_how_many_answers_were_coded_by_hand_in_the_export(tmp_path):
    folder = _folder(tmp_path, ["export.csv"])
    codes = {k: CODES[k] for k in sorted(ANSWERED) if k in CODES and k[1] == "q1_retenir"}
    _write(folder, "export.csv", *_export(codes, random.Random(2)))
    out = tmp_path / "sorties"
    result = CliRunner().invoke(main, ["ingest", str(folder), "--sorties", str(out)])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "lus dans l'export" in x)
    assert re.search(rf"codes donnés à la main, lus dans l'export : {len(codes)} réponses \(", line), line


def test_an_answer_rewritten_with_its_code_in_the_export_is_not_left_for_review(tmp_path):
    """The export's codes are read again with the new answer: the warning about changed answers
    does not send them to review, as it does for codes given elsewhere."""
    folder = _folder(tmp_path, ["export.csv"])
    codes = {k: CODES[k] for k in sorted(ANSWERED) if k in CODES}
    header, rows = _export(codes, random.Random(4))
    con = store.connect(None)
    _write(folder, "export.csv", header, rows)
    ingest_consultation(con, load_consultation(folder), folder)
    at = next(i for i, r in enumerate(ROWS) if (r[ID], "q1_retenir") in codes)
    rows[at][header.index(COLUMN["q1_retenir"])] += " Et aussi la solidarité."
    _write(folder, "export.csv", header, rows)
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    changed = [w for w in report.warnings if "dont les réponses ont changé" in w]
    assert len(changed) == 1 and ROWS[at][ID] in changed[0] and "à revoir" not in changed[0], report.warnings
    assert _base(con) == _wanted(codes)


def test_the_run_says_how_many_answers_had_codes_in_the_export(capsys):
    from consultation.cli.base import _print_files
    from consultation.ingest.core import FileReport

    _print_files([FileReport(SAMPLE / "reponses.csv", "responses", "ingested", rows_read=47, rows_ingested=47,
                             hand_coded=12)])
    assert "reponses.csv : ingéré (47 lignes, 0 en quarantaine, codes donnés à la main lus pour 12 réponses)" in (
        capsys.readouterr().out)


# A coding grid: a column per theme right of the question, a mark where a person gave that theme.
MARKS = ["x", "X", "1", "oui", "Oui", "✓", "×", "1.0", " x "]
BLANKS = ["", "", "", "0", "non", "-"]


def _grid_export(codes: dict[tuple[str, str], list[str]], rng: random.Random, grid: dict[str, str],
                 q: str = "q1_retenir") -> tuple[list[str], list[list[str]]]:
    """The sample's export with a grid for `q`: `grid` maps each column's header to its theme's label."""
    at = HEADER.index(COLUMN[q]) + 1
    header = [*HEADER[:at], *grid, *HEADER[at:]]
    rows = []
    for r in ROWS:
        given = codes.get((r[ID], q), [])
        cells = [rng.choice(MARKS) if label in given else rng.choice(BLANKS) for label in grid.values()]
        rows.append([*r[:at], *cells, *r[at:]])
    return header, rows


def _grid_folder(tmp_path, grid: list[str]):
    folder = _folder(tmp_path, ["export.csv"], long=True)  # no codes column: the grid only
    config = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    next(q for q in config["questions"] if q["id"] == "q1_retenir")["codes_grid"] = grid
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.parametrize("seed", range(4))
def test_a_coding_grid_is_read_again_at_each_import(seed, tmp_path):
    """One column per theme, named by its label as people retype it or by its id, ticked « x »,
    « 1 », « oui », « ✓ »…, left blank or written « 0 », « non », « - »; nights of codes added,
    corrected and cleared."""
    rng = random.Random(seed)
    labels = [t for t in THEMES["q1_retenir"] if t != OTHER_LABEL]
    grid = {(_respell(t, rng) if rng.random() < 0.7 else _theme_id("q1_retenir", t)).strip(" .") or t: t
            for t in labels}
    folder = _grid_folder(tmp_path, list(grid))
    con = store.connect(None)
    keys = sorted(k for k in ANSWERED if k[1] == "q1_retenir" and k in CODES)
    codes = {k: [c for c in CODES[k] if c != OTHER_LABEL] for k in keys if rng.random() < 0.4}
    codes = {k: v for k, v in codes.items() if v}
    for night in range(3):
        _write(folder, "export.csv", *_grid_export(codes, rng, grid))
        (report,) = ingest_consultation(con, load_consultation(folder), folder)
        assert report.rows_quarantined == 0 and report.hand_coded == len(codes), report.warnings
        assert _base(con) == _wanted(codes), f"night {night}"
        assert not [w for w in report.warnings if "grille" in w or "code" in w], report.warnings
        for k in keys:  # the next night
            if k not in codes and rng.random() < 0.3:
                codes[k] = [c for c in CODES[k] if c != OTHER_LABEL] or [labels[0]]
            elif k in codes and rng.random() < 0.15:
                codes[k] = [rng.choice(labels)]
            elif k in codes and rng.random() < 0.1:
                del codes[k]


def test_a_grids_odd_mark_and_a_column_naming_no_theme_are_named(tmp_path):
    labels = [t for t in THEMES["q1_retenir"] if t != OTHER_LABEL][:4]
    grid = {t: t for t in labels} | {"Transport": "Transport"}  # a theme the codebook does not have
    folder = _grid_folder(tmp_path, list(grid))
    keys = sorted(k for k in ANSWERED if k[1] == "q1_retenir")
    codes = {k: [labels[n % 4]] for n, k in enumerate(keys[:12])}
    header, rows = _grid_export(codes, random.Random(0), grid)
    index = {r[ID]: n for n, r in enumerate(ROWS)}
    odd, stranger = index[keys[0][0]], index[keys[1][0]]
    at = HEADER.index(COLUMN["q1_retenir"]) + 1
    rows[odd][at + labels.index(codes[keys[0]][0])] = "à voir"
    rows[stranger][at + 4] = "x"
    _write(folder, "export.csv", header, rows)
    con = store.connect(None)
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    assert _base(con) == _wanted({k: v for k, v in codes.items() if k != keys[1]})
    said = [w for w in report.warnings if "ni cochée" in w]
    assert len(said) == 1 and f"ligne {odd + 2}, colonne « {codes[keys[0]][0]} » : « à voir »" in said[0], report.warnings
    assert said[0].endswith("lue comme cochée")
    unknown = [w for w in report.warnings if "que le codebook n'a pas" in w]
    assert len(unknown) == 1 and f"ligne {stranger + 2}, colonne « Transport » : « x »" in unknown[0], report.warnings


def test_a_question_with_both_a_codes_column_and_a_grid_is_refused(tmp_path):
    folder = _folder(tmp_path, ["export.csv"])
    config = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    next(q for q in config["questions"] if q["id"] == "q1_retenir")["codes_grid"] = ["Autres"]
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="dans une colonne ou dans une grille"):
        load_consultation(folder)


def test_a_codes_column_taken_out_of_the_configuration_takes_its_codes_out_of_the_base(tmp_path):
    """consultation.yaml no longer names the column (the federation stopped coding in the export):
    the next import reads the export again and the codes it had given are no longer human codes;
    those of a codes file stay."""
    folder = _folder(tmp_path, ["export.csv"], human_codes=["revue.csv"])
    codes = {k: CODES[k] for k in sorted(ANSWERED) if k in CODES}
    rid, q = sorted(codes)[-1]
    (folder / "revue.csv").write_text(f"respondent_id,question_id,theme_id\n{rid},{q},{_theme_id(q, codes[(rid, q)][0])}\n",
                                      encoding="utf-8")
    _write(folder, "export.csv", *_export(codes, random.Random(9)))
    con = store.connect(None)
    ingest_consultation(con, load_consultation(folder), folder)
    assert len(_base(con)) > 1
    config = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    for question in config["questions"]:
        question.pop("codes_column", None)
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    reports = ingest_consultation(con, load_consultation(folder), folder)
    assert next(r for r in reports if r.kind == "responses").status == "ingested"
    assert _base(con) == {(rid, q, _theme_id(q, codes[(rid, q)][0]))}


def test_a_code_with_commas_is_a_theme_whole_or_else_its_pieces(tmp_path):
    """« Défaillance de l'état, des tutelles » is one theme of the sample's codebook; « Importance
    des fédérations, Comportement des résidents » is two; « Importance des fédérations, Logement »
    names a theme the codebook does not have: unread, named."""
    folder = _folder(tmp_path, ["export.csv"])
    rows_coded = [r[ID] for r in ROWS if (r[ID], "q1_retenir") in ANSWERED][:3]
    cells = {rows_coded[0]: "Défaillance de l'état, des tutelles",
             rows_coded[1]: "Importance des fédérations, Comportement des résidents",
             rows_coded[2]: "Importance des fédérations, Logement"}
    header, rows = with_code_columns({q: _column(q) for q in CODED},
                                     lambda r, q: cells.get(r[ID], "") if q == "q1_retenir" else "")
    _write(folder, "export.csv", header, rows)
    con = store.connect(None)
    (report,) = ingest_consultation(con, load_consultation(folder), folder)
    t = {label: _theme_id("q1_retenir", label) for label in THEMES["q1_retenir"]}
    assert _base(con) == {
        (rows_coded[0], "q1_retenir", t["Défaillance de l'état, des tutelles"]),
        (rows_coded[1], "q1_retenir", t["Importance des fédérations"]),
        (rows_coded[1], "q1_retenir", t["Comportement des résidents"]),
    }
    assert any("« Importance des fédérations, Logement »" in w for w in report.warnings), report.warnings
