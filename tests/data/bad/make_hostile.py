"""Write the hostile and odd-but-valid cases of tests/data/bad/ (issue 15) and their MANIFEST_hostile.yaml.

Each family is generated over its variants (delimiters, invisible characters, encodings, JSON
layouts...), with what the ingest must give, in the schema of MANIFEST.yaml; tests/test_bad_inputs.py
runs both manifests. Bombs and big files are made by tests/test_hostile_limits.py at test time.
Run `python tests/data/bad/make_hostile.py` after changing a case.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from make_corpus import HEADER, ROWS, csv_text, fixed_dates, workbook

HERE = Path(__file__).resolve().parent
CASES: list[dict] = []
# An answer full of French accents and typography, so that an encoding guess has something to go on.
ACCENTS = "Très déçus : l'équipe a été mobilisée à Noël, où ça a coûté cher ; « bravo » à tous"


def case(name: str, data: bytes | str, what: str, role: str = "responses", **expect: object) -> None:
    if name.endswith(".xlsx"):
        data = fixed_dates(data)  # type: ignore[arg-type]  # same bytes run after run
    (HERE / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    CASES.append({"file": name, "role": role, "what": what, **expect})


def shifted_rows() -> None:
    """An unquoted delimiter inside an answer followed by empty answers: the fragment would move
    into the next question and the row would look fine (issue 15: 111,093 rows moved)."""
    for sep, label in ((";", "semicolon"), (",", "comma"), ("\t", "tab")):
        for where in (4, 6):  # inside Q1, inside Q3
            bad = list(ROWS[1])
            bad[where] = f"Le manque de masques{sep} de blouses"
            bad[where + 1 :] = [""] * (len(bad) - where - 1)
            text = csv_text([ROWS[0]], sep=sep) + sep.join(bad) + "\r\n" + csv_text([ROWS[2]], sep=sep).split("\r\n", 1)[1]
            case(
                f"shifted_{label}_col{where + 1}.csv", text,
                f"unquoted '{label}' inside the answer of column {where + 1}, empty answers after it",
                rows={"read": 3, "ingested": 2, "quarantined": 1}, quarantine_reasons=["champs", "sans guillemets"],
            )


def trailing_delimiters() -> None:
    """A tool that ends every data row (not the header) with a delimiter: the file's own width,
    believed from 20 rows on (below, such rows cannot be told from shifted ones)."""
    rows = [[f"T{i}", *ROWS[i % 3][1:]] for i in range(24)]
    lines = csv_text(rows).split("\r\n")
    text = "\r\n".join([lines[0], *(line + ";" for line in lines[1:-1])]) + "\r\n"
    case("trailing_delimiter_rows.csv", text, "each of 24 data rows ends with ';', the header does not",
         rows={"read": 24, "ingested": 24, "quarantined": 0}, answers={"T2/initiatives": "Visites à domicile"})
    shifted = text.replace("Le manque de masques au début.;Plus de formation;;", "Le manque; de masques;;;", 1)
    assert shifted != text
    case("trailing_delimiter_rows_shifted.csv", shifted, "the same, and one row with an unquoted ';' in Q1",
         rows={"read": 24, "ingested": 23, "quarantined": 1}, quarantine_reasons=["10 champs pour 9 en-têtes"])
    short = "\r\n".join(text.split("\r\n")[:4]) + "\r\n"
    case("trailing_delimiter_rows_few.csv", short, "three data rows ending with ';': indistinguishable from shifted rows",
         rows={"read": 3, "ingested": 0, "quarantined": 3}, quarantine_reasons=["9 champs pour 8 en-têtes"])


def concatenated() -> None:
    """Two exports put end to end: a header line again in the middle of the file."""
    second = [["B1", *ROWS[0][1:]], ["B2", *ROWS[1][1:]]]
    same = csv_text(ROWS) + csv_text(second)
    case("concatenated_same_header.csv", same, "two exports concatenated, same header",
         rows={"read": 6, "ingested": 5, "quarantined": 1}, quarantine_reasons=["en-tête répétée", "ligne 1"],
         warnings=["en-tête revient"])
    order = [0, 1, 2, 3, 5, 4, 6, 7]
    moved = csv_text(ROWS) + csv_text([[r[i] for i in order] for r in second], header=[HEADER[i] for i in order])
    case("concatenated_other_header.csv", moved, "two exports concatenated, Q1 and Q2 swapped in the second",
         error=["concatenated_other_header.csv", "ligne 5", "en-tête", "bout à bout"])
    book = workbook([HEADER, *ROWS, HEADER, *second])
    buffer = io.BytesIO()
    book.save(buffer)
    case("concatenated_same_header.xlsx", buffer.getvalue(), "a sheet holding two pasted exports, same header",
         rows={"read": 6, "ingested": 5, "quarantined": 1}, quarantine_reasons=["en-tête répétée"])


def duplicate_headers() -> None:
    """The same question header twice: reading one column would silently drop the other."""
    header = [*HEADER, HEADER[4]]
    rows = [[*r, "Une seconde réponse"] for r in ROWS]
    case("duplicate_header.csv", csv_text(rows, header=header), "Q1's header twice (columns E and I)",
         error=["duplicate_header.csv", "Q1. Que retenez-vous", "E (n° 5)", "I (n° 9)", "ligne 1"])
    book = workbook([header, *rows])
    buffer = io.BytesIO()
    book.save(buffer)
    case("duplicate_header.xlsx", buffer.getvalue(), "Q1's header twice, in a workbook",
         error=["duplicate_header.xlsx", "E (n° 5)", "I (n° 9)"])
    table = pa.table([pa.array([r[i] for r in rows]) for i in range(len(header))], names=header)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    case("duplicate_header.parquet", sink.getvalue(), "Q1's column twice, in Parquet",
         error=["duplicate_header.parquet", "E (n° 5)", "I (n° 9)"])


def hidden_sheets() -> None:
    """A hidden sheet is read only when named: old data in it must not replace the visible one."""
    book = workbook([HEADER, ["OLD1", *ROWS[0][1:4], "Ancienne réponse", "", "", ""]], title="Ancien")
    book["Ancien"].sheet_state = "hidden"
    visible = book.create_sheet("Réponses")
    for row in [HEADER, *ROWS]:
        visible.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    case("hidden_sheet_first.xlsx", buffer.getvalue(), "a hidden sheet with old answers before the visible one",
         rows={"read": 3, "ingested": 3, "quarantined": 0}, answers={"A1/q1": "mobilisation"},
         warnings=["masquée", "Ancien"])
    book = workbook([["Notice : ce classeur contient les réponses"]], title="Notice")
    data = book.create_sheet("Données")
    for row in [HEADER, *ROWS]:
        data.append(row)
    data.sheet_state = "veryHidden"
    buffer = io.BytesIO()
    book.save(buffer)
    case("only_hidden_sheet.xlsx", buffer.getvalue(), "the answers are in a very hidden sheet only",
         error=["only_hidden_sheet.xlsx", "Données", "masquée", "sheet"])


def invisible_ids() -> None:
    """The same respondent with an invisible character in the id: counted once, with a warning."""
    for code in ("200B", "200C", "200D", "2060", "FEFF", "00AD", "200E", "202E", "0001", "0085"):
        char = chr(int(code, 16))
        rows = [ROWS[0], [f"A1{char}" if code != "FEFF" else f"{char}A1", *ROWS[0][1:]], ROWS[2]]
        case(f"invisible_id_{code}.csv", csv_text(rows),
             f"'A1' and 'A1' with U+{code} in the id, same answers",
             rows={"read": 3, "ingested": 2, "quarantined": 1}, quarantine_reasons=["doublon exact", "A1"],
             # U+FEFF opening a line is a byte order mark: taken out when the file is read, and said.
             warnings=["invisibles", f"U+{code}"] if code != "FEFF" else ["marque d'ordre des octets", "ligne 3"])


def binary_parquet() -> None:
    """Text stored as bytes by a tool: decoded as UTF-8, or refused by name, never "b'…'"."""
    def table(encode: str) -> bytes:
        columns = [pa.array([r[i] for r in ROWS]) for i in range(len(HEADER))]
        columns[4] = pa.array([r[4].encode(encode) for r in ROWS], type=pa.binary())
        sink = io.BytesIO()
        pq.write_table(pa.table(columns, names=HEADER), sink)
        return sink.getvalue()

    case("binary_utf8.parquet", table("utf-8"), "Q1 stored as UTF-8 bytes (a binary column)",
         rows={"read": 3, "ingested": 3, "quarantined": 0}, answers={"A1/q1": "toute l'équipe"})
    case("binary_latin1.parquet", table("latin-1"), "Q1 stored as Latin-1 bytes",
         error=["binary_latin1.parquet", "binaire", "UTF-8", "ligne 1", "Q1. Que retenez-vous"])


def json_layouts() -> None:
    """Every layout pandas' to_json() writes, and a JSON that is not a table."""
    frame = pd.DataFrame(ROWS, columns=HEADER)
    for orient in ("columns", "index", "split", "records", "table"):
        text = frame.to_json(orient=orient, force_ascii=False)
        case(f"pandas_{orient}.json", text, f"pandas to_json(orient='{orient}')" + (" (its default)" if orient == "columns" else ""),
             rows={"read": 3, "ingested": 3, "quarantined": 0}, answers={"A1/q1": "toute l'équipe", "A3/initiatives": "Visites"})
    case("pandas_columns_as.jsonl", frame.to_json(force_ascii=False), "pandas' default to_json() saved as .jsonl",
         rows={"read": 3, "ingested": 3, "quarantined": 0}, answers={"A2/p1": "formation"})
    case("pandas_values.json", frame.to_json(orient="values", force_ascii=False), "to_json(orient='values'): no headers",
         error=["pandas_values.json", "sans en-têtes"])
    records = frame.to_dict(orient="records")
    records[0][HEADER[4]] = "Première ligne\u2028deuxième ligne\u2029fin de l'équipe"
    case("line_separators.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n",
         "JSON Lines with raw U+2028 and U+2029 inside a string",
         rows={"read": 3, "ingested": 3, "quarantined": 0}, answers={"A1/q1": "fin de l'équipe", "A3/q1": "Rien"})
    twice = [json.dumps(r, ensure_ascii=False) for r in records]
    twice[1] = twice[1][:-1] + f', "{HEADER[4]}": "une autre réponse"' + "}"
    case("key_twice.jsonl", "\n".join(twice) + "\n", "JSON Lines whose second record has Q1 twice",
         error=["key_twice.jsonl", "ligne 2", "deux fois", HEADER[4]])
    deep = "[" * 2000 + "]" * 2000
    case("deep.json", deep, "a value nested 2,000 deep", error=["deep.json", "imbriqué", "64 niveaux"])
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines[1] = lines[1][:-1] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}"
    case("deep_line.jsonl", "\n".join(lines) + "\n", "JSON Lines whose second record holds a value nested 5,000 deep",
         error=["deep_line.jsonl", "ligne 2", "imbriqué"])


def encodings() -> None:
    """The same answers in the encodings survey tools and spreadsheets write."""
    rows = [[*ROWS[0][:4], ACCENTS, *ROWS[0][5:]], *ROWS[1:]]
    text = csv_text(rows)
    plain = text.replace("’", "'")
    variants = {
        "utf-8-sig": text.encode("utf-8-sig"),
        "utf-16": text.encode("utf-16"),
        "utf-16-le": text.encode("utf-16-le"),  # no BOM
        "utf-16-be": text.encode("utf-16-be"),  # no BOM
        "cp1252": text.encode("cp1252"),
        "latin-1": plain.encode("latin-1", errors="replace"),
        "mac_roman": plain.encode("mac_roman"),
        "iso-8859-15": plain.encode("iso-8859-15"),
    }
    for name, data in variants.items():
        case(f"encoding_{name}.csv", data, f"French answers in {name}",
             rows={"read": 3, "ingested": 3, "quarantined": 0},
             answers={"A1/q1": "déçus : l'équipe a été mobilisée à Noël, où ça a coûté cher", "A3/initiatives": "Visites à domicile"})
    # Bytes no French text is made of under any candidate: read, but the guess is announced.
    head, body = text.split("\r\n", 1)
    odd = (head + "\r\n").encode("cp1252") + body.encode("utf-8").replace("é".encode(), b"\x81").replace("à".encode(), b"\x8d")
    case("encoding_unknown.csv", odd, "bytes that are not French under any known encoding",
         rows={"read": 3, "ingested": 3, "quarantined": 0}, warnings=["encodage incertain", "ligne 2"])


def yaml_files() -> None:
    """consultation.yaml: keys written twice, alias bombs (small ones; big ones at test time)."""
    mini = (HERE.parent / "mini" / "consultation.yaml").read_text(encoding="utf-8")
    questions = mini[mini.index("questions:") : mini.index("free_text:")]
    case("cfg_questions_twice.yaml", mini + "\n" + questions.replace("id: q1\n", "id: q9\n", 1),
         "`questions:` written twice (the second would replace the first)", role="consultation",
         error=["consultation.yaml", "questions", "deux fois", "ligne 12"])
    case("cfg_key_twice_in_theme.yaml", mini.replace('        label: "Manque d\'EPI"\n',
                                                      '        label: "Manque d\'EPI"\n        label: "EPI"\n', 1),
         "a theme's label written twice", role="consultation", error=["consultation.yaml", "label", "deux fois"])
    laughs = ['lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i, name in enumerate("bcdefghi"):
        laughs.append(f"{name}: &{name} [" + ", ".join([f"*{'abcdefghi'[i]}"] * 9) + "]")
    case("cfg_billion_laughs.yaml", mini + "\n".join(laughs).replace("lol: ", "x_lol: ") + "\n",
         "nine levels of nested aliases (billion laughs)", role="consultation",
         error=["consultation.yaml", "alias"])


def main() -> None:
    for family in (shifted_rows, trailing_delimiters, concatenated, duplicate_headers, hidden_sheets, invisible_ids, binary_parquet,
                   json_layouts, encodings, yaml_files):
        family()
    header = (
        "# Generated by make_hostile.py: do not edit, re-run it. Same schema as MANIFEST.yaml.\n"
    )
    (HERE / "MANIFEST_hostile.yaml").write_text(
        header + yaml.safe_dump({"cases": CASES}, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
