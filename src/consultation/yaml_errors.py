"""A YAML file edited by hand, read as its author meant it or refused in French.

Two steps can fail, and both say where and what to do, never in PyYAML's English:

- `decode`: the bytes to text. UTF-8 (with or without a BOM), and UTF-16 or UTF-32 as YAML
  itself allows them (with a BOM, or recognised by the NUL bytes of an ASCII start, YAML 1.2
  § 5.2). Anything else — a file saved as Windows-1252 (« ANSI ») or Latin-1 — is refused,
  pointing at the first byte that is not UTF-8 and at the character it probably was: a guessed
  encoding that guessed wrong would put misspelt labels in every published report, silently.
- `explain`: every PyYAML failure (reader, scanner, parser, composer, constructor) as a French
  message: the file, the line and column as an editor numbers them (from 1), the line itself
  with a caret under the place, what is wrong and how to fix it. Where PyYAML reports a line
  other than the one to fix (an unclosed quote or bracket is noticed lines later, a line indented
  one space too many is noticed on the next line), the message names the line to fix: the line
  where the quote or bracket was opened, or both lines of an inconsistent indentation.

PyYAML's own sentence is not repeated (not even as a technical detail): it only restates, in
English and with its token names (« <block mapping start> »), what the French message says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_BREAKS = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # the line breaks PyYAML counts
_WIDTH = 100  # characters of a quoted line shown around the place (a line can be megabytes long)
_VISIBLE = {"\t": "⇥", "\0": "␀"}  # one character each: the caret stays under its place

QUOTE_FIX = "mettez la valeur entre guillemets"
_RESAVE = (
    "ré-enregistrez le fichier en UTF-8 : Bloc-notes, « Enregistrer sous », Encodage « UTF-8 » ; "
    "VS Code, clic sur l'encodage en bas à droite, « Enregistrer avec l'encodage », « UTF-8 » ; "
    "Notepad++, menu Encodage, « Convertir en UTF-8 »"
)
_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)


def decode(data: bytes, path: Path | str) -> str:
    """The text of a YAML file's bytes (see the module docstring); a ConfigError otherwise."""
    from consultation.errors import ConfigError

    codec, name = _encoding(data)
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        if codec in ("utf-8", "utf-8-sig"):
            raise ConfigError(_not_utf8(data, exc, path)) from None
        raise ConfigError(
            f"{path} : YAML illisible : fichier en {name} abîmé (octets invalides à partir de l'octet "
            f"{exc.start + 1}).\n  Correction : {_RESAVE}."
        ) from None


def _encoding(data: bytes) -> tuple[str, str]:
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return codec, name
    head = data[:4]
    if len(head) == 4 and head[:3] == b"\0\0\0" and head[3]:
        return "utf-32-be", "UTF-32"
    if len(head) == 4 and head[0] and head[1:] == b"\0\0\0":
        return "utf-32-le", "UTF-32"
    start = data[:200]
    pairs = len(start) // 2
    if pairs >= 2:
        even, odd = start[0:pairs * 2:2], start[1:pairs * 2:2]
        # an ASCII or Latin start in UTF-16 without a BOM: every other byte is NUL (YAML 1.2 § 5.2)
        if head[0] == 0 and head[1] and even.count(0) >= 0.9 * pairs and odd.count(0) == 0:
            return "utf-16-be", "UTF-16"
        if head[0] and head[1] == 0 and odd.count(0) >= 0.9 * pairs and even.count(0) == 0:
            return "utf-16-le", "UTF-16"
    return "utf-8", "UTF-8"


def _not_utf8(data: bytes, exc: UnicodeDecodeError, path: Path | str) -> str:
    before = data[:exc.start].decode("utf-8", errors="replace")
    lines = _BREAKS.split(before)
    line, column = len(lines) - 1, len(lines[-1])
    end = data.find(b"\n", exc.start)
    rest = data[exc.start:end if end >= 0 else len(data)].decode("cp1252", errors="replace")
    shown = _lines_of(lines[-1] + rest)
    byte = data[exc.start]
    guess = bytes([byte]).decode("cp1252", errors="replace")
    probably = (
        f" ; il semble enregistré en Windows-1252 (« ANSI ») ou Latin-1, où cet octet est « {guess} »"
        if guess.isprintable() and byte >= 0x80 else ""
    )
    return (
        f"{path} : YAML illisible ligne {line + 1}, colonne {column + 1} : le fichier n'est pas "
        f"enregistré en UTF-8 (octet 0x{byte:02X}){probably}.\n"
        + _snippet(shown, [(0, column)], first=line)
        + f"\n  Correction : {_RESAVE}. Le fichier n'est pas lu avec un encodage deviné : "
        "un mauvais choix changerait les accents des libellés dans les rapports."
    )


@dataclass
class _Problem:
    """What to print: the line and column to name (0-based), the sentence, the fix, and the
    other lines the reader must see (line, column or None)."""

    line: int
    column: int
    what: str
    fix: str
    also: list[tuple[int, int | None]] = field(default_factory=list)


def explain(exc: Exception, text: str, path: Path | str) -> str:
    """The French message for a failure of PyYAML (or of a value's conversion) reading `text`."""
    lines = _lines_of(text)
    problem = _problem(exc, text, lines)
    line = min(max(problem.line, 0), max(len(lines) - 1, 0))
    marks = [(line, problem.column), *problem.also]
    return (
        f"{path} : YAML illisible ligne {line + 1}, colonne {problem.column + 1} : {problem.what}.\n"
        + _snippet(lines, marks)
        + f"\n  Correction : {problem.fix}."
    )


def _lines_of(text: str) -> list[str]:
    return _BREAKS.split(text)


def _snippet(lines: Sequence[str], marks: list[tuple[int, int | None]], first: int = 0) -> str:
    """The lines named, numbered as an editor does, with a caret under each column given."""
    out: list[str] = []
    seen: set[int] = set()
    for index, column in sorted(marks, key=lambda mark: mark[0]):
        if index in seen or not 0 <= index < len(lines):
            continue
        seen.add(index)
        raw = lines[index]
        start = 0
        if len(raw) > _WIDTH:
            start = max(0, min((column or 0) - _WIDTH // 2, len(raw) - _WIDTH))
        piece = "".join(_VISIBLE.get(ch, ch if ch.isprintable() else "�") for ch in raw[start:start + _WIDTH])
        left = "…" if start else ""
        right = "…" if start + _WIDTH < len(raw) else ""
        number = str(first + index + 1)
        out.append(f"  {number:>6} | {left}{piece}{right}")
        if column is not None:
            out.append(f"  {'':>6} | {' ' * (len(left) + max(column - start, 0))}^")
    return "\n".join(out)


_TOKENS = {
    "<block mapping start>": "une nouvelle clé",
    "<block sequence start>": "un élément de liste « - »",
    "<block end>": "la fin d'un bloc",
    "<scalar>": "une valeur",
    "<stream end>": "la fin du fichier",
    "<document start>": "« --- »",
    "<document end>": "« ... »",
    "<alias>": "un alias « * »",
    "<anchor>": "une ancre « & »",
    "<tag>": "un type « ! »",
    "<directive>": "une directive « % »",
    "?": "« ? »",
    "-": "un élément de liste « - »",
    ":": "« : »",
    ",": "une virgule",
    "[": "« [ »",
    "]": "« ] »",
    "{": "« { »",
    "}": "« } »",
}


def _found(problem: str) -> str:
    """The token PyYAML found, in French (« but found '<scalar>' » → « une valeur »)."""
    match = re.search(r"(?:found|got) '([^']*)'", problem)
    token = match.group(1) if match else ""
    return _TOKENS.get(token, f"« {token} »" if token else "autre chose")


def _problem(exc: Exception, text: str, lines: list[str]) -> _Problem:
    if isinstance(exc, BadValue):
        return _bad_value(exc)
    if isinstance(exc, yaml.reader.ReaderError):
        return _reader(exc, text)
    if not isinstance(exc, yaml.MarkedYAMLError):
        return _Problem(0, 0, "fichier YAML illisible", _GENERIC_FIX)
    problem = exc.problem or ""
    context = exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    at = (mark.line, mark.column) if mark is not None else (0, 0)
    opened = (exc.context_mark.line, exc.context_mark.column) if exc.context_mark is not None else at
    char = text[mark.index] if mark is not None and 0 <= mark.index < len(text) else ""

    if problem.startswith("found character") and "cannot start any token" in problem:
        return _cannot_start(at, char, lines)
    if problem == "could not find expected ':'":
        return _missing_colon_key(opened, lines)
    if problem == "mapping values are not allowed here":
        return _mapping_value(at, lines)
    if problem == "sequence entries are not allowed here":
        return _Problem(at[0], at[1], "tiret « - » d'élément de liste inattendu à cet endroit",
                        "un élément de liste commence sa propre ligne (« - valeur »), aligné sur les autres "
                        f"éléments de la liste ; si le tiret fait partie du texte, {QUOTE_FIX}")
    if problem == "mapping keys are not allowed here":
        return _Problem(at[0], at[1], "« ? » inattendu à cet endroit (YAML y lit le début d'une clé)",
                        f"si « ? » fait partie du texte, {QUOTE_FIX}")
    if "directive" in context or "directive" in problem or "YAML document" in problem \
            or problem.startswith("duplicate tag handle"):
        return _directive(at)
    if context.startswith(("while scanning an anchor", "while scanning an alias")):
        sign = "&" if "anchor" in context else "*"
        role = "une ancre" if sign == "&" else "un alias (renvoi à une ancre « & »)"
        return _Problem(opened[0], opened[1], f"« {sign} » en début de valeur annonce {role} YAML, mal écrit ici",
                        f"si « {sign} » fait partie du texte, {QUOTE_FIX}")
    if "yaml.org,2002:merge" in problem:  # `<<`: the duplicate-key check constructs keys one by one
        return _Problem(at[0], at[1], "« << » (fusion YAML) n'est pas accepté dans un fichier de consultation",
                        "écrivez les clés en toutes lettres à la place de « << »")
    if "tag" in context or "tag handle" in problem or "constructor for the tag" in problem:
        return _tag(exc, at, opened)
    if context == "while scanning a block scalar":
        return _Problem(opened[0], opened[1], "« | » ou « > » en début de valeur annonce un bloc de texte sur les lignes suivantes",
                        f"si la valeur commence par ce signe, {QUOTE_FIX} ; pour un texte sur plusieurs "
                        "lignes, laissez « | » seul en fin de ligne et écrivez le texte, plus indenté, en dessous")
    if "escape" in problem and context == "while scanning a double-quoted scalar":
        return _escape(at, lines)
    if context == "while scanning a quoted scalar":
        return _unclosed_quote(opened, at, lines, reached_end="end of stream" in problem)
    if problem.startswith("expected '<document start>'"):
        return _after_document(at, lines)
    if problem.startswith("expected <block end>"):
        return _block_end(exc, text, at, opened, lines)
    if problem.startswith(("expected ',' or ']'", "expected ',' or '}'")):
        return _flow(problem, at, opened, lines)
    if problem.startswith("expected the node content"):
        bracket = _open_bracket(text, mark.index) if mark is not None and "flow" in context else None
        if bracket is not None and bracket[0] < at[0]:
            return _flow("']'" if bracket[2] == "[" else "'}'", at, bracket[:2], lines)
        return _Problem(at[0], at[1], f"{_found(problem)} à la place d'une valeur",
                        "écrivez la valeur attendue ici, ou supprimez le signe en trop ; "
                        f"si ce signe fait partie du texte, {QUOTE_FIX}")
    if context == "expected a single document in the stream":
        return _Problem(at[0], at[1], "un second document YAML commence ici (ligne « --- »)",
                        "un fichier de consultation ne contient qu'un document : supprimez cette ligne "
                        "« --- » (seule la toute première ligne utile du fichier peut l'être)")
    if problem.startswith("found undefined alias"):
        name = re.sub(r"^found undefined alias '(.*)'$", r"\1", problem)
        return _Problem(at[0], at[1], f"« *{name} » renvoie à une ancre « &{name} » qui n'existe pas",
                        f"si « * » fait partie du texte, {QUOTE_FIX}")
    if context.startswith("found duplicate anchor"):
        return _Problem(at[0], at[1], f"ancre « & » déjà définie ligne {opened[0] + 1}",
                        "renommez l'une des deux ancres ; si « & » fait partie du texte, " + QUOTE_FIX,
                        also=[opened])
    if problem == "found unhashable key":
        return _Problem(at[0], at[1], "une clé ne peut pas être une liste ni un bloc (« [ … ] » ou « { … } » avant « : »)",
                        f"écrivez la clé comme un simple mot ; si c'est du texte, {QUOTE_FIX}")
    if "for merging" in problem:
        return _Problem(at[0], at[1], "« << » (fusion YAML) doit être suivi d'un bloc de clés ou d'un alias vers un bloc",
                        "écrivez les clés en toutes lettres à la place de « << »")
    return _Problem(at[0], at[1], "syntaxe YAML invalide à cet endroit", _GENERIC_FIX)


_GENERIC_FIX = (
    "comparez avec les lignes voisines : indentation en espaces seulement et alignée, « : » après "
    "chaque clé, guillemets et crochets refermés ; une valeur qui contient « : » ou « # », ou "
    "commence par un signe (« [ { & * ! | > @ % »), s'écrit entre guillemets"
)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_column(line: str) -> int:
    """Where the key of a line starts: after its indentation and its list dashes."""
    match = re.match(r"[ ]*(?:-[ ]+)*", line)
    return match.end() if match else 0


def _content(lines: list[str], index: int) -> bool:
    stripped = lines[index].strip()
    return bool(stripped) and not stripped.startswith("#")


def _previous(lines: list[str], index: int) -> int | None:
    for i in range(min(index, len(lines)) - 1, -1, -1):
        if _content(lines, i):
            return i
    return None


_KEY = re.compile(r"[ ]*(?:-[ ]+)*(?:\"[^\"]*\"|'[^']*'|[^\s#'\"\[\]{},][^#]*?):(?=[ \t]|$)")


def _cannot_start(at: tuple[int, int], char: str, lines: list[str]) -> _Problem:
    line, column = at
    if char == "\t":
        start = line < len(lines) and not lines[line][:column].strip()
        where = "en début de ligne (indentation)" if start else "à un endroit où YAML attend une valeur"
        return _Problem(line, column, f"tabulation {where}",
                        "remplacez la tabulation par des espaces : YAML n'accepte que des espaces pour "
                        "indenter (réglez l'éditeur pour insérer des espaces)")
    if char in "@`":
        return _Problem(line, column, f"« {char} » ne peut pas commencer une valeur YAML (signe réservé)", QUOTE_FIX)
    shown = char if char.isprintable() else f"U+{ord(char):04X}" if char else "?"
    return _Problem(line, column, f"caractère « {shown} » inattendu à cet endroit",
                    f"supprimez-le ; s'il fait partie du texte, {QUOTE_FIX}")


def _missing_colon_key(opened: tuple[int, int], lines: list[str]) -> _Problem:
    line, column = opened
    text = lines[line] if line < len(lines) else ""
    word = text[column:].split()[0] if text[column:].split() else ""
    return _Problem(line, column, f"il manque « : » après la clé « {word} »" if word else "il manque « : »",
                    f"chaque ligne d'un bloc s'écrit « clé: valeur » : ajoutez « : » après « {word} » ; si "
                    f"cette ligne continue le texte de la ligne précédente, {QUOTE_FIX} sur une seule ligne")


def _quoted(value: str) -> str:
    value = value.strip()
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def _mapping_value(at: tuple[int, int], lines: list[str]) -> _Problem:
    line, column = at
    text = lines[line] if line < len(lines) else ""
    key = _KEY.match(text)
    if key is not None and key.end() <= column:
        value = text[key.end():]
        example = text[:key.end()] + " " + _quoted(value)
        if len(example) > 120:
            example = example[:119] + "…"
        return _Problem(line, column, "« : » à l'intérieur d'une valeur écrite sans guillemets",
                        f"{QUOTE_FIX} : {example.strip()}")
    before = _previous(lines, line)
    if before is not None and _KEY.match(lines[before]) is None:
        return _Problem(before, _indent(lines[before]),
                        f"ligne sans « : », que YAML lit comme un texte qui se poursuit ligne {line + 1}",
                        "ajoutez « : » après la clé (« clé: valeur ») ; si cette ligne continue la valeur "
                        f"de la ligne précédente, {QUOTE_FIX}", also=[at])
    if before is not None and _key_column(text) > _key_column(lines[before]):
        mine, theirs = _key_column(text), _key_column(lines[before])
        if _odd_one(lines, line, before, line - 40) == before:
            return _shifted(lines, before, line)
        return _Problem(line, mine,
                        f"ligne plus indentée (colonne {mine + 1}) que la clé de la ligne {before + 1} "
                        f"(colonne {theirs + 1}) : YAML la lit comme la suite de sa valeur",
                        "alignez les clés d'un même bloc sur la même colonne : vérifiez l'indentation des "
                        f"lignes {before + 1} et {line + 1} (une espace de trop ou de moins suffit)",
                        also=[(before, theirs)])
    return _Problem(line, column, "« : » inattendu à cet endroit",
                    f"vérifiez l'indentation de cette ligne et de la précédente ; si « : » fait partie du texte, {QUOTE_FIX}",
                    also=[(before, None)] if before is not None else [])


def _directive(at: tuple[int, int]) -> _Problem:
    line = at[0]
    return _Problem(line, at[1], "directive YAML (ligne commençant par « % ») invalide ou mal placée",
                    "supprimez cette ligne : un fichier de consultation n'a pas besoin de directive ; "
                    f"si « % » fait partie du texte, {QUOTE_FIX}")


def _tag(exc: yaml.MarkedYAMLError, at: tuple[int, int], opened: tuple[int, int]) -> _Problem:
    line, column = opened if exc.context_mark is not None else at
    return _Problem(line, column, "« ! » en début de valeur annonce un type YAML (« !nom » ou « !!nom »), "
                    "inconnu ou mal écrit ici",
                    f"supprimez le type ; si « ! » fait partie du texte, {QUOTE_FIX}")


def _escape(at: tuple[int, int], lines: list[str]) -> _Problem:
    line, column = at
    text = lines[line] if line < len(lines) else ""
    slash = text.rfind("\\", 0, column + 1)
    slash = slash if slash >= 0 else column
    sequence = text[slash:slash + 2]
    return _Problem(line, slash, f"« {sequence} » : entre guillemets doubles, « \\ » annonce un caractère "
                    "spécial, et celui-ci n'existe pas",
                    "doublez la barre oblique inverse (« C:\\\\dossier ») ou entourez la valeur de guillemets "
                    "simples ('C:\\dossier')")


def _unclosed_quote(opened: tuple[int, int], at: tuple[int, int], lines: list[str], reached_end: bool) -> _Problem:
    text = lines[opened[0]] if opened[0] < len(lines) else ""
    quote = text[opened[1]:opened[1] + 1] or '"'
    until = "la fin du fichier" if reached_end else f"la ligne {at[0] + 1} (« --- » ou « ... »)"
    return _Problem(opened[0], opened[1], f"guillemet « {quote} » ouvert ici et jamais refermé (le texte court jusqu'à {until})",
                    f"ajoutez le guillemet fermant {quote} à la fin de la valeur")


def _after_document(at: tuple[int, int], lines: list[str]) -> _Problem:
    line = at[0]
    for i in range(min(line, len(lines))):
        if lines[i].startswith("%"):
            return _Problem(i, 0, "directive YAML (ligne commençant par « % ») non suivie d'une ligne « --- »",
                            "supprimez cette ligne : un fichier de consultation n'a pas besoin de directive",
                            also=[at])
        if lines[i].rstrip() == "...":
            return _Problem(i, 0, "« ... » marque la fin du document YAML : la suite du fichier serait ignorée",
                            "supprimez cette ligne « ... »", also=[at])
    first = next((i for i in range(len(lines)) if _content(lines, i)), 0)
    if first < line and _indent(lines[first]) > 0:
        return _Problem(first, _indent(lines[first]),
                        f"la première clé du fichier est indentée (colonne {_indent(lines[first]) + 1}), "
                        f"pas la ligne {line + 1}",
                        "les clés de premier niveau (id, title, questions…) commencent toutes en colonne 1 : "
                        f"supprimez les espaces au début de la ligne {first + 1}", also=[at])
    return _Problem(at[0], at[1], "ce qui suit la fin du document YAML n'est pas lisible", _GENERIC_FIX,
                    also=[(first, None)])


def _tokens_before(text: str, index: int) -> list[yaml.Token]:
    """The tokens PyYAML scans before `index` (a parser error: the scanner got that far)."""
    out: list[yaml.Token] = []
    loader = yaml.SafeLoader(text)
    try:
        while loader.check_token():
            token = loader.peek_token()
            if token.start_mark.index >= index:
                break
            out.append(loader.get_token())
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return out


def _open_bracket(text: str, index: int) -> tuple[int, int, str] | None:
    """The `[` or `{` still open at `index` (line, column, which one), if any."""
    opened: list[yaml.Token] = []
    for token in _tokens_before(text, index):
        if isinstance(token, (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)):
            opened.append(token)
        elif isinstance(token, (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)) and opened:
            opened.pop()
    if not opened:
        return None
    last = opened[-1]
    return last.start_mark.line, last.start_mark.column, "[" if isinstance(last, yaml.FlowSequenceStartToken) else "{"


def _block_end(exc: yaml.MarkedYAMLError, text: str, at: tuple[int, int], opened: tuple[int, int],
               lines: list[str]) -> _Problem:
    problem = exc.problem or ""
    if "'<scalar>'" in problem and exc.problem_mark is not None:
        scalars = [t for t in _tokens_before(text, exc.problem_mark.index) if isinstance(t, yaml.ScalarToken)]
        last = scalars[-1] if scalars else None
        if last is not None and last.style in ("'", '"'):
            start = (last.start_mark.line, last.start_mark.column)
            if last.end_mark.line > last.start_mark.line:
                return _Problem(start[0], start[1], f"guillemet « {last.style} » ouvert ici et jamais refermé sur cette "
                                f"ligne : YAML lit la suite comme du texte jusqu'au guillemet de la ligne "
                                f"{last.end_mark.line + 1}",
                                f"ajoutez le guillemet fermant {last.style} à la fin de la valeur", also=[at])
            if last.end_mark.line == at[0]:
                fix = ("entre apostrophes, doublez chaque apostrophe du texte ('L''implication…') ou entourez "
                       "la valeur de guillemets doubles" if last.style == "'" else
                       "à l'intérieur de guillemets doubles, écrivez \\\" pour un guillemet, ou entourez la "
                       "valeur de guillemets simples")
                return _Problem(at[0], at[1], f"texte après le guillemet {last.style} qui ferme la valeur "
                                f"(ouverte colonne {start[1] + 1})", fix)
    return _indentation(at, opened, lines, _found(problem))


def _indentation(at: tuple[int, int], opened: tuple[int, int], lines: list[str], found: str) -> _Problem:
    """Two lines of one block that do not start at the same column: the one to fix is the one that
    disagrees with the other lines of the block, when they say; otherwise both are named."""
    line = at[0]
    before = _sibling(lines, line)
    if before is None or line >= len(lines):
        return _Problem(at[0], at[1], f"YAML ne s'attend pas à trouver ici {found} (indentation ?)", _GENERIC_FIX)
    mine, theirs = _key_column(lines[line]), _key_column(lines[before])
    if mine == theirs:
        return _Problem(at[0], at[1], f"YAML ne s'attend pas à trouver ici {found} : la ligne "
                        f"{before + 1} ne se termine pas comme il l'attendait", _GENERIC_FIX, also=[(before, None)])
    odd = _odd_one(lines, line, before, max(opened[0], line - 40))
    if odd is not None:
        return _shifted(lines, odd, before if odd == line else line)
    return _Problem(line, mine, f"indentation incohérente : cette ligne commence colonne {mine + 1}, la ligne "
                    f"{before + 1} au-dessus colonne {theirs + 1}",
                    f"si les deux lignes sont du même bloc, alignez-les sur la même colonne (lignes {before + 1} "
                    f"et {line + 1}) ; une espace de trop ou de moins suffit à tout décaler",
                    also=[(before, theirs)])


def _sibling(lines: list[str], index: int) -> int | None:
    """The line above to compare `index` with: the nearest one of its kind (list entry or key)
    indented within one space of it, past the deeper lines of that entry; else the line above."""
    if index >= len(lines):
        return _previous(lines, index)
    mine, dash = _indent(lines[index]), lines[index].lstrip().startswith("- ")
    at = _previous(lines, index)
    while at is not None:
        if abs(_indent(lines[at]) - mine) <= 1 and lines[at].lstrip().startswith("- ") == dash:
            return at
        if _indent(lines[at]) < mine - 1:
            break
        at = _previous(lines, at)
    return _previous(lines, index)


def _odd_one(lines: list[str], line: int, before: int, start: int) -> int | None:
    """Of two neighbouring lines whose keys start at different columns, the one the other lines
    around disagree with (None when they do not say)."""
    mine, theirs = _key_column(lines[line]), _key_column(lines[before])
    votes = {mine: 0, theirs: 0}
    for i in range(max(start, 0), min(len(lines), line + 15)):
        if i not in (line, before) and _content(lines, i) and _key_column(lines[i]) in votes:
            votes[_key_column(lines[i])] += 1
    if votes[theirs] > votes[mine]:
        return line
    if votes[mine] > votes[theirs]:
        return before
    return None


def _shifted(lines: list[str], odd: int, other: int) -> _Problem:
    mine, theirs = _key_column(lines[odd]), _key_column(lines[other])
    return _Problem(odd, mine, f"indentation décalée : cette ligne commence colonne {mine + 1}, les lignes voisines "
                    f"du même bloc (comme la ligne {other + 1}) colonne {theirs + 1}",
                    "les clés d'un même bloc commencent exactement à la même colonne (une espace de trop ou de "
                    "moins suffit à tout décaler) : alignez cette ligne sur ses voisines", also=[(other, theirs)])


def _flow(problem: str, at: tuple[int, int], opened: tuple[int, int], lines: list[str]) -> _Problem:
    bracket, closing = ("[", "]") if "']'" in problem else ("{", "}")
    opened_word = "crochet « [ » ouvert" if bracket == "[" else "accolade « { » ouverte"
    closed_word = "refermé" if bracket == "[" else "refermée"
    what, end_of = ("la liste", "de la liste") if bracket == "[" else ("le bloc", "du bloc")
    if at[0] == opened[0]:
        return _Problem(at[0], at[1], f"{_found(problem)} dans {what} {'ouverte' if bracket == '[' else 'ouvert'} par « {bracket} » colonne {opened[1] + 1}, "
                        f"là où YAML attend une virgule ou « {closing} »",
                        "séparez les éléments par des virgules ; mettez entre guillemets un élément qui "
                        "contient « : », « , » ou des guillemets", also=[opened])
    return _Problem(opened[0], opened[1], f"{opened_word} ici et jamais {closed_word} (YAML ne s'en aperçoit que ligne {at[0] + 1})",
                    f"ajoutez « {closing} » à la fin {end_of}, sur la même ligne", also=[at])


def _reader(exc: yaml.reader.ReaderError, text: str) -> _Problem:
    before = _BREAKS.split(text[:exc.position])
    line, column = len(before) - 1, len(before[-1])
    code = exc.character if isinstance(exc.character, int) else 0
    what = "caractère nul (U+0000)" if code == 0 else f"caractère de contrôle invisible (U+{code:04X})"
    return _Problem(line, column, f"{what} interdit dans un fichier YAML",
                    "supprimez ce caractère (souvent un reste de copier-coller) ; s'il y en a beaucoup, le "
                    f"fichier est abîmé ou enregistré dans un encodage inattendu : {_RESAVE}")


class BadValue(Exception):
    """A value PyYAML recognised but could not convert (a date that does not exist, an integer of
    thousands of digits): raised with the node, so that the message names its line."""

    def __init__(self, node: yaml.Node, cause: Exception) -> None:
        super().__init__(str(cause))
        self.node = node


def _bad_value(exc: BadValue) -> _Problem:
    node = exc.node
    at = (node.start_mark.line, node.start_mark.column)
    value = str(node.value)[:40] if isinstance(node, yaml.ScalarNode) else ""
    kind = {"tag:yaml.org,2002:timestamp": "une date qui n'existe pas",
            "tag:yaml.org,2002:int": "un nombre entier trop long",
            "tag:yaml.org,2002:float": "un nombre illisible"}.get(node.tag, "une valeur illisible")
    return _Problem(at[0], at[1], f"« {value} » est lu comme {kind}" if value else f"valeur lue comme {kind}",
                    f"si c'est un texte, {QUOTE_FIX}")
