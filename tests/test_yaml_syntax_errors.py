"""A `consultation.yaml` broken by a hand edit, or saved in another encoding, is told in French.

A generated family: the sample's consultation.yaml with one breaking edit (a tab, an indentation
one space off, a quote or a bracket left open, a colon forgotten or written inside a value, a
bad escape, an unknown alias, a second document, a directive, a NUL byte…) at lines drawn with
fixed seeds, plus each encoding a federation's editor may save in, plus one snippet per kind of
error PyYAML's SafeLoader can raise. Each message must be French (none of PyYAML's English),
name the file, and name the line to fix:

- the line the edit touched, for a tab, a forgotten colon, a colon inside a value, a bad escape,
  an alias, a NUL byte, a `---` or a directive;
- the line where the quote or the bracket was opened, for an unclosed quote or bracket (PyYAML
  itself only notices lines later, where the text it swallowed ends);
- for an indentation one space off: PyYAML notices it on the line after the edited one when the
  edited line opens a block; the message then names the line the other lines of the block
  disagree with, and quotes both lines. The test asserts the edited line is quoted, and that
  the headline names it or its neighbour.
"""

from __future__ import annotations

import random
import re

import pytest
import yaml
from click.testing import CliRunner

from conftest import ROOT
from consultation.cli import main
from consultation.codebook import load_consultation
from consultation.errors import ConfigError

SAMPLE_TEXT = (ROOT / "data" / "raw" / "segur-2020-sample" / "consultation.yaml").read_text(encoding="utf-8")
SAMPLE = SAMPLE_TEXT.splitlines()
SEEDS = (3, 11, 2024)
PER_SEED = 3

# PyYAML's problem and context phrases (reader, scanner, parser, composer, constructor)
ENGLISH = (
    "while scanning", "while parsing", "while composing", "while constructing", "expected", "found character",
    "could not find", "mapping values", "not allowed", "cannot start", "but found", "unicode string",
    "special characters", "undefined alias", "unknown escape", "duplicate anchor", "single document",
    "document start", "<block", "<scalar>", "Traceback", "invalid start byte", "can't decode",
)
HEADLINE = re.compile(r"YAML illisible ligne (\d+), colonne (\d+) : ")
QUOTED = re.compile(r"^\s+(\d+) \| ", re.M)


def _content_lines(predicate) -> list[int]:
    """1-based numbers of the sample's lines (not blank, not comments) that `predicate` accepts."""
    return [i + 1 for i, line in enumerate(SAMPLE) if line.strip() and not line.lstrip().startswith("#")
            and predicate(line)]


def _breaks_yaml(lines: list[str]) -> bool:
    try:
        yaml.safe_load("\n".join(lines) + "\n")
    except yaml.YAMLError:
        return True
    return False


def _draw(kind: str, candidates: list[int], edit) -> list[tuple[str, list[str], int]]:
    """Lines drawn with each seed among those where `edit` breaks the YAML (PyYAML as the oracle)."""
    cases, seen = [], set()
    for seed in SEEDS:
        rng = random.Random(f"{kind}-{seed}")
        pool = list(candidates)
        rng.shuffle(pool)
        taken = 0
        for number in pool:
            if taken == PER_SEED:
                break
            lines = list(SAMPLE)
            lines[number - 1] = edit(lines[number - 1])
            if not _breaks_yaml(lines):
                continue
            taken += 1
            if number not in seen:
                seen.add(number)
                cases.append((f"{kind}@{number}", lines, number))
    return cases


def _indented(line: str) -> bool:
    return line.startswith(" ")


def _quoted_value(line: str) -> bool:
    return bool(re.match(r"\s*(?:- )?\w+: \".*\"$", line)) and line.count('"') == 2


def _flow_list(line: str) -> bool:
    return bool(re.match(r"\s*\w+: \[.*\]$", line))


def _colon_in_value(line: str) -> str:
    key, value = line.split(": ", 1)
    words = value.strip('"').split(" ")
    middle = max(1, len(words) // 2)
    return f"{key}: {' '.join(words[:middle])} : {' '.join(words[middle:])}"


def _escape(line: str) -> str:
    key, value = line.split(": ", 1)
    return f'{key}: "{value.strip(chr(34))[:10]} C:\\dossier"'


TAB = _draw("tab", _content_lines(_indented), lambda s: "\t" + s.lstrip(" "))
TAB_INSIDE = _draw("tab-in-indent", _content_lines(lambda s: s.startswith("    ")), lambda s: "  \t" + s[2:])
INDENT_MORE = _draw("indent+1", _content_lines(lambda s: True), lambda s: " " + s)
INDENT_LESS = _draw("indent-1", _content_lines(_indented), lambda s: s[1:])
NO_CLOSING_QUOTE = _draw("quote-unclosed", _content_lines(_quoted_value), lambda s: s[:-1])
NO_COLON = _draw("colon-forgotten", _content_lines(lambda s: ": " in s and not s.rstrip().endswith(":")),
                 lambda s: s.replace(": ", " ", 1))
NO_COLON_OPENING = _draw("colon-forgotten-block", _content_lines(lambda s: s.rstrip().endswith(":")),
                         lambda s: s.rstrip()[:-1])
COLON_IN_VALUE = _draw("colon-in-value", _content_lines(lambda s: _quoted_value(s) and " " in s.split(": ", 1)[1]),
                       _colon_in_value)
APOSTROPHE = _draw("apostrophe-in-single-quotes", _content_lines(lambda s: _quoted_value(s) and "'" in s),
                   lambda s: s.replace('"', "'"))
UNCLOSED_BRACKET = _draw("bracket-unclosed", _content_lines(_flow_list), lambda s: s[:-1])
UNCLOSED_BRACE = _draw("brace-unclosed", _content_lines(_flow_list),
                       lambda s: s.replace("[", "{", 1)[:-1].replace(", ", ": x, ") + ": x")
BAD_ESCAPE = _draw("bad-escape", _content_lines(_quoted_value), _escape)
UNKNOWN_ALIAS = _draw("unknown-alias", _content_lines(lambda s: bool(re.match(r"\s*\w+: ", s))),
                      lambda s: s.split(": ", 1)[0] + ": *inconnu")
NUL = _draw("nul-byte", _content_lines(lambda s: True), lambda s: s + "\0")

SAME_LINE = (TAB + TAB_INSIDE + NO_CLOSING_QUOTE + NO_COLON + NO_COLON_OPENING + COLON_IN_VALUE + APOSTROPHE
             + UNCLOSED_BRACKET + UNCLOSED_BRACE + BAD_ESCAPE + UNKNOWN_ALIAS + NUL)


def _message(tmp_path, content: str | bytes) -> str:
    path = tmp_path / "consultation.yaml"
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_consultation(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{path} : "), message
    for phrase in ENGLISH:
        assert phrase.casefold() not in message.casefold(), f"« {phrase} » (PyYAML's English) in:\n{message}"
    assert len(message) < 2_000, message[:3_000]
    return message


def _headline(message: str) -> tuple[int, int]:
    found = HEADLINE.search(message)
    assert found, message
    return int(found.group(1)), int(found.group(2))


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def test_the_family_is_drawn():
    kinds = {name.split("@")[0] for name, _, _ in SAME_LINE + INDENT_MORE + INDENT_LESS}
    assert len(kinds) == 14
    assert all(len(family) >= 3 for family in (TAB, INDENT_MORE, INDENT_LESS, NO_CLOSING_QUOTE, NO_COLON,
                                                COLON_IN_VALUE, UNCLOSED_BRACKET, BAD_ESCAPE, NUL))


@pytest.mark.daily_cases(12)  # 12 of its cases daily, spread over the list; all in the full run
@pytest.mark.parametrize(("lines", "number"), [pytest.param(lines, n, id=name) for name, lines, n in SAME_LINE])
def test_the_line_to_fix_is_the_headline(tmp_path, lines, number):
    message = _message(tmp_path, _text(lines))
    line, _ = _headline(message)
    assert line == number, message
    assert f"\n  {number:>6} | " in message  # the line itself, quoted
    assert "\n  Correction : " in message


@pytest.mark.daily_cases(4)  # 4 of its cases daily, spread over the list; all in the full run
@pytest.mark.parametrize(("lines", "number"),
                         [pytest.param(lines, n, id=name) for name, lines, n in INDENT_MORE + INDENT_LESS])
def test_an_indentation_off_by_one_names_the_edited_line(tmp_path, lines, number):
    message = _message(tmp_path, _text(lines))
    line, _ = _headline(message)
    quoted = {int(n) for n in QUOTED.findall(message)}
    assert number in quoted, message
    neighbours = [i + 1 for i, text in enumerate(lines) if text.strip() and not text.lstrip().startswith("#")]
    at = neighbours.index(number)
    assert line in neighbours[max(at - 1, 0):at + 2], message
    assert "indent" in message or "« : »" in message, message


def test_the_advice_fits_the_mistake(tmp_path):
    def advice(cases):
        return _message(tmp_path, _text(cases[0][1]))

    assert "remplacez la tabulation par des espaces" in advice(TAB)
    assert "⇥" in advice(TAB)  # the tab made visible in the quoted line
    assert "mettez la valeur entre guillemets" in advice(COLON_IN_VALUE)
    assert "guillemet « \" » ouvert ici et jamais refermé" in advice(NO_CLOSING_QUOTE)
    assert "il manque « : » après la clé" in advice(NO_COLON) or "ligne sans « : »" in advice(NO_COLON)
    assert "crochet « [ » ouvert ici et jamais refermé" in advice(UNCLOSED_BRACKET)
    assert "doublez la barre oblique inverse" in advice(BAD_ESCAPE)
    assert "doublez chaque apostrophe" in advice(APOSTROPHE)
    assert "« *inconnu » renvoie à une ancre" in advice(UNKNOWN_ALIAS)
    assert "caractère nul" in advice(NUL)


def test_a_caret_points_at_the_column(tmp_path):
    _name, lines, number = TAB[0]
    message = _message(tmp_path, _text(lines))
    _line, column = _headline(message)
    quoted = message.split(f"\n  {number:>6} | ", 1)[1].split("\n")
    assert quoted[0].startswith("⇥") and column == 1
    assert quoted[1] == f"  {'':>6} | ^"


@pytest.mark.parametrize("where", [6, 20, 120, 300])
def test_a_second_document_is_named_where_it_starts(tmp_path, where):
    lines = [*SAMPLE[:where - 1], "---", *SAMPLE[where - 1:]]
    message = _message(tmp_path, _text(lines))
    assert _headline(message)[0] == where and "second document" in message and "supprimez cette ligne « --- »" in message


@pytest.mark.daily_cases(2)  # 2 of its cases daily, spread over the list; all in the full run
@pytest.mark.parametrize(("head", "line"), [
    (["%YAML 1.1"], 1),  # a directive without the `---` it needs
    (["%YAML 2.0", "---"], 1),
    (["%YAML 1.1", "%YAML 1.1", "---"], 2),
    (["%TAG ! tag:x,2000:", "%TAG ! tag:y,2000:", "---"], 2),
    (["%YAML 1.x", "---"], 1),
])
def test_a_directive_is_named(tmp_path, head, line):
    message = _message(tmp_path, _text(head + SAMPLE))
    assert _headline(message)[0] == line and "directive" in message


def test_a_directive_in_the_middle_and_a_document_end(tmp_path):
    assert _headline(_message(tmp_path, _text([*SAMPLE[:40], "%x", *SAMPLE[40:]])))[0] == 41
    message = _message(tmp_path, _text([*SAMPLE[:16], "...", *SAMPLE[16:]]))
    assert _headline(message)[0] == 17 and "supprimez cette ligne « ... »" in message


# One snippet per kind of error PyYAML's SafeLoader raises (its `problem` strings, see yaml_errors),
# with the line the message must name.
KINDS = [
    ("id: ok\ntitle: @x\n", 2, "signe réservé"),  # found character that cannot start any token
    ("id: ok\ntitle: `x`\n", 2, "signe réservé"),
    ("id: ok\ntitle\nb: 1\n", 2, "« : »"),  # could not find expected ':' / mapping values not allowed here
    ("id: ok\ntitle: a: b\n", 2, "entre guillemets"),  # mapping values are not allowed here
    ("id: ok\ntitle: b - c\nx: - d\n", 3, "tiret"),  # sequence entries are not allowed here
    ("id: ok\ntitle: [a, ? b: c ? d]\n", 2, None),  # flow: mapping keys / expected ',' or ']'
    ("id: ok\ntitle: &\n", 2, "ancre"),  # while scanning an anchor
    ("id: ok\ntitle: *important* ici\n", 2, "alias"),  # while scanning an alias
    ("id: ok\ntitle: !<x\n", 2, "type YAML"),  # while parsing a tag: expected '>'
    ("id: ok\ntitle: !x!y z\n", 2, "type YAML"),  # found undefined tag handle
    ("id: ok\ntitle: !a%zz b\n", 2, "type YAML"),  # expected URI escape sequence
    ("id: ok\ntitle: !foo x\n", 2, "type YAML"),  # could not determine a constructor for the tag
    ("id: ok\ntitle: !!python/object:os.system x\n", 2, "type YAML"),
    ("id: ok\ntitle: |0\n  x\n", 2, "bloc de texte"),  # indentation indicator 0
    ("id: ok\ntitle: |x\n", 2, "bloc de texte"),  # chomping or indentation indicators
    ("id: ok\ntitle: > 50 ans\n", 2, "bloc de texte"),  # a comment or a line break
    ('id: ok\ntitle: "\\x4g"\n', 2, "barre oblique"),  # escape sequence of 2 hexadecimal numbers
    ('id: ok\ntitle: "a\\qb"\n', 2, "barre oblique"),  # unknown escape character
    ('id: ok\ntitle: "abc\nb: 1\n', 2, "jamais refermé"),  # quoted scalar: unexpected end of stream
    ("id: ok\ntitle: 'abc\n---\nb: 1\n", 2, "jamais refermé"),  # quoted scalar: document separator
    ("id: ok\ntitle: [a, , b]\n", 2, "virgule"),  # expected the node content
    ("id: ok\ntitle: [a, b\n", 2, "jamais refermé"),  # expected ',' or ']' (end of file)
    ("id: ok\ntitle: {a: 1\nb: 2\n", 2, "jamais refermée"),  # expected ',' or '}'
    ('id: ok\ntitle: ["a" "b"]\n', 2, "virgule"),  # expected ',' or ']' on the same line
    ("id: ok\n  title: x\n", 2, None),  # mapping values: more indented than the key above
    ("  id: ok\ntitle: x\n", 1, "colonne 1"),  # expected '<document start>'
    ("id: ok\ntitle: *x\n", 2, "« *x »"),  # found undefined alias
    ("id: &a ok\ntitle: &a x\n", 2, "déjà définie ligne 1"),  # found duplicate anchor
    ("id: ok\n[a]: x\n", 2, "une clé"),  # found unhashable key
    ("id: ok\n<<: 3\n", 2, "fusion"),  # `<<` (merge key): refused before PyYAML's own merge errors
    ("id: ok\ntitle: !!str [1]\n", 2, None),  # expected a scalar node
    ("id: ok\ntitle: !!omap 3\n", 2, None),  # expected a sequence (ordered map)
    ("id: ok\ntitle: !!binary 'QQ'\n", 2, None),  # failed to decode base64 data
    ("id: ok\ntitle: 2020-02-30\n", 2, "date qui n'existe pas"),  # a ValueError of a conversion
    ("id: ok\ntitle: " + "9" * 5_000 + "\n", 2, "nombre entier trop long"),
    ("id: ok\ntitle: x\x07\n", 2, "caractère de contrôle"),  # reader: special characters
    ("id: ok\ntitle: x\n\n\t\n", 4, "tabulation"),
]


@pytest.mark.daily_cases(10)  # 10 of its cases daily, spread over the list; all in the full run
@pytest.mark.parametrize(("text", "line", "words"), KINDS, ids=[f"kind{i}" for i in range(len(KINDS))])
def test_each_kind_of_pyyaml_error_is_told_in_french(tmp_path, text, line, words):
    message = _message(tmp_path, text)
    assert _headline(message)[0] == line, message
    assert "\n  Correction : " in message
    if words:
        assert words in message, message


@pytest.mark.daily_cases(2)  # 2 of its cases daily, spread over the list; all in the full run
@pytest.mark.parametrize(("content", "words"), [
    (b"", "fichier vide"),
    (b"# rien que des commentaires\n\n", "fichier vide"),
    (b"- id: x\n- title: y\n", "une liste"),
    (b"consultation sans deux-points\n", "valeur seule"),
    (b"42\n", "valeur seule"),
])
def test_a_file_without_keys_says_what_it_holds(tmp_path, content, words):
    message = _message(tmp_path, content)
    assert words in message and "id: …, title: …, questions: …" in message


@pytest.mark.daily_cases(3)  # 3 of its cases daily, spread over the list; all in the full run
@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_unicode_encodings_yaml_allows_are_read(tmp_path, codec):
    data = SAMPLE_TEXT.encode(codec)
    if codec in ("utf-16-le", "utf-16-be", "utf-32-be"):
        assert not data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"))  # no BOM: told by its NULs
    (tmp_path / "consultation.yaml").write_bytes(data)
    expected = load_consultation(ROOT / "data" / "raw" / "segur-2020-sample")
    assert load_consultation(tmp_path) == expected


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_an_error_in_utf16_is_told_at_its_line(tmp_path, codec):
    _name, lines, number = TAB[0]
    message = _message(tmp_path, _text(lines).encode(codec))
    assert _headline(message)[0] == number and "tabulation" in message


@pytest.mark.parametrize("codec", ["cp1252", "latin-1", "mac-roman"])
def test_an_ansi_file_is_refused_with_how_to_resave_it(tmp_path, codec):
    text = SAMPLE_TEXT.replace("’", "'").replace("…", "...").replace("œ", "oe")
    message = _message(tmp_path, text.encode(codec))
    first = next(i for i, line in enumerate(SAMPLE) if any(ord(ch) > 127 for ch in line))
    column = next(j for j, ch in enumerate(SAMPLE[first]) if ord(ch) > 127)
    assert _headline(message) == (first + 1, column + 1)
    assert "n'est pas enregistré en UTF-8" in message and "Enregistrer sous" in message
    if codec != "mac-roman":
        assert "il semble enregistré en Windows-1252 (« ANSI »)" in message and "« É »" in message


def test_a_huge_line_is_quoted_around_the_place_only(tmp_path):
    lines = list(SAMPLE)
    lines[6] = 'description: "' + "x" * 1_000_000 + ' : y'
    message = _message(tmp_path, _text(lines))
    assert _headline(message)[0] == 7


@pytest.mark.daily_cases(2)  # 2 of its cases daily, spread over the list; all in the full run
@pytest.mark.parametrize(("lines", "number"), [
    pytest.param(lines, n, id=name) for name, lines, n in (TAB[:1] + NO_CLOSING_QUOTE[:1] + COLON_IN_VALUE[:1]
                                                          + INDENT_MORE[:1] + UNCLOSED_BRACKET[:1])
])
def test_the_command_prints_the_french_message(tmp_path, lines, number):
    folder = tmp_path / "consultation"
    folder.mkdir()
    (folder / "consultation.yaml").write_text(_text(lines), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(folder), "--sorties", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)  # sys.exit(2), no crash
    assert result.output.startswith(f"Erreur : {folder / 'consultation.yaml'} : YAML illisible ligne ")
    for phrase in ENGLISH:
        assert phrase.casefold() not in result.output.casefold(), result.output
    quoted = {int(n) for n in QUOTED.findall(result.output)}
    assert number in quoted, result.output


def test_the_command_reads_a_utf16_file_and_refuses_an_ansi_one(tmp_path):
    folder = tmp_path / "consultation"
    folder.mkdir()
    (folder / "consultation.yaml").write_bytes("id: x\ntitle: Région\n".encode("cp1252"))
    result = CliRunner().invoke(main, ["run", str(folder), "--sorties", str(tmp_path / "out")])
    assert result.exit_code == 2 and "n'est pas enregistré en UTF-8" in result.output and "ligne 2, colonne 9" in result.output
    (folder / "consultation.yaml").write_bytes("id: x\ntitle: Région\n".encode("utf-16"))
    result = CliRunner().invoke(main, ["run", str(folder), "--sorties", str(tmp_path / "out")])
    assert result.exit_code == 2 and "clé « questions »" in result.output  # read: the next problem is its content
