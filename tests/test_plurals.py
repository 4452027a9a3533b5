"""A count a French user reads agrees with its words: « 0 fichier ingéré », « 1 fichier ingéré »,
« 2 fichiers ingérés », never « fichier(s) ingéré(s) » (French: 0 and 1 take the singular).

Every message writes its words with `fmt.plural` or `fmt.count`. The policy is checked on the
sources' string literals, parsed (string constants and the literal parts of f-strings), not on
their lines: comments are not strings, and docstrings are left out on purpose: they are the
developers' notes, in English, and quote what people type in their exports (« Autre(s) »,
« Thème(s) » as column headers the draft recognises), not text shown to a user.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook

from conftest import MINI_DIR, ROOT
from consultation.cli import main
from consultation.coding import review

# A word or a placeholder followed by « (s) »: « fichier(s) », f"{noun}(s)".
BRACKETED_S = re.compile(r"[\w}]\(s\)")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def _bracketed_plurals(path: Path, root: Path = ROOT) -> list[str]:
    """The string literals of a source that write « (s) » after a word, docstrings excepted."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts, a placeholder as « {} »
            skip.update(id(v) for v in node.values)
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
        else:
            continue
        if BRACKETED_S.search(text):
            found.append(f"{path.relative_to(root).as_posix()}:{node.lineno} {text.strip()[:90]!r}")
    return found


def test_no_message_writes_a_word_with_s_in_brackets(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Module notes: « Autre(s) » as typed in an export."""\n'
        "def f(n, noun, p):\n"
        '    """« Thème(s) », a header the draft recognises."""\n'
        "    # fichier(s): a comment\n"
        '    p.with_suffix(".png")\n'
        '    return f"{n} fichier(s) ingéré(s)", "%d ligne(s)" % n, f"{noun}(s)", "(s)", "fichiers"\n',
        encoding="utf-8")
    assert [line.split(" ", 1)[0] for line in _bracketed_plurals(sample, tmp_path)] == ["sample.py:6"] * 3

    files = sorted([*(ROOT / "src" / "consultation").rglob("*.py"), *(ROOT / "flows").rglob("*.py")])
    assert len(files) > 50
    assert [found for path in files for found in _bracketed_plurals(path)] == []



# --- a count followed by a plural word: « 1 lignes lues » -------------------------------------
# The f-string `f"{integer(n)} lignes lues"` reads « 1 lignes lues » for one line: a count written by
# `integer` and followed by a plural word is one that never agrees. The check below walks the
# sources' string templates (f-strings, and %- or {}-templates in plain strings) for a placeholder
# directly followed by a space and a word ending in « s » or « x », French plural marks. What ends
# so and is no plural a count must agree with is listed in NOT_PLURAL; a template whose count can
# never be 0 or 1 (a limit crossed, a constant), or whose placeholder is no count, is in COUNTED_ON_PURPOSE
# with its reason.

# Words ending in « s » or « x » that do not change with a count: invariable nouns (« 3 fois »,
# « 1 processus »), participles the same in both numbers (« dont 1 repris du cache »), function words
# after a placeholder that is no count (« {sep} dans une réponse »), and the English of developer
# errors (« {path} has two names »).
NOT_PLURAL = frozenset({
    "fois", "processus", "alias", "mois", "cas", "repris", "compris",
    "des", "les", "aux", "dans", "plus", "sous", "sans", "depuis", "après", "vers", "puis", "au-dessus",
    "is", "was", "has", "does",
})

# A space (ordinary, no-break or narrow no-break) then the next word.
_NEXT_WORD = re.compile(r"[ \u00a0\u202f]+([^\W\d_][\w'’-]*)")
# In a plain string: a %-placeholder or a {}-placeholder, then the next word.
_TEMPLATE_WORD = re.compile(
    r"(%[-#0 +]*\d*(?:\.\d+)?[sdifg]|\{(?:[A-Za-z_][\w.\[\]'\"]*)?(?:![rsa])?(?::[^{}]*)?\})"
    r"[ \u00a0\u202f]+([^\W\d_][\w'’-]*)"
)

# (source, placeholder, next word): why the count there is never 0 or 1, or is no count.
_CLICK = "Click's own English, a key of cli.french's catalogue"
_ABOVE_COLUMNS = "said only above MAX_COLUMNS (16 384)"
COUNTED_ON_PURPOSE: dict[tuple[str, str, str], str] = {
    ("flows/coding_flow.py", "MAX_BATCHES", "lots"): "a constant, 300",
    ("flows/schedules.py", "count", "champs"): "said only when count > 5",
    ("src/consultation/cli/ingest.py", "integer(len(headers))", "colonnes"):
        "the branch of two columns or more (one column has its own sentence)",
    ("src/consultation/cli/french.py", "{nargs}", "values"): _CLICK,
    ("src/consultation/cli/french.py", "{nargs}", "arguments"): _CLICK,
    ("src/consultation/cli/french.py", "{len_type}", "values"): _CLICK,
    ("src/consultation/cli/french.py", "{name!r}", "takes"): _CLICK,
    ("src/consultation/cli/french.py", "{name!r}", "requires"): _CLICK,
    ("src/consultation/cli/french.py", "{nargs}", "valeurs"):
        "Click writes it for nargs ≥ 2 only (a single value has its own message)",
    ("src/consultation/cli/french.py", "{len_type}", "valeurs"): "a tuple type's length, 2 or more",
    ("src/consultation/cli/french.py", "{len}", "données"): "the plural of an ngettext pair, chosen from 2 by cli.french.ngettext",
    ("src/consultation/cli/french.py", "{len_value}", "données"):
        "the plural of an ngettext pair, chosen from 2 by cli.french.ngettext",
    ("src/consultation/codebook.py", "fmt.integer(size)", "octets"): "said only above MAX_YAML_BYTES (5 000 000)",
    ("src/consultation/codebook.py", "len(self.codes_grid)", "colonnes"): "said only above MAX_THEMES (200)",
    ("src/consultation/codebook.py", "fmt.integer(MAX_YAML_NODES)", "valeurs"): "a constant, 200 000",
    ("src/consultation/codebook.py", "MAX_RESPONDENTS_CHARS", "caractères"): "a constant, 60",
    ("src/consultation/coding/evaluate.py", "evaluation.n_folds", "plis"):
        "N_FOLDS (5), FOLDS_WHEN_MANY (3) or --plis, which takes 2 to 20",
    ("src/consultation/coding/evaluate.py", "q.n_folds", "plis"): "the model branch: fewer than 2 folds fall back to the rules",
    ("src/consultation/draft.py", "len(twice)", "lignes"): "values found on several rows (duplicated, keep=False): 2 or more",
    ("src/consultation/draft.py", "MIN_MEDIAN_CHARS", "caractères"): "a constant, 20",
    ("src/consultation/ingest/readers.py", "integer(grid.shape[1])", "colonnes"): _ABOVE_COLUMNS,
    ("src/consultation/ingest/readers.py", "integer(len(out))", "colonnes"): _ABOVE_COLUMNS,
    ("src/consultation/ingest/readers.py", "integer(int(field_counts[header_idx]))", "colonnes"): _ABOVE_COLUMNS,
    ("src/consultation/ingest/readers.py", "integer(wide.args[0])", "colonnes"): _ABOVE_COLUMNS,
    ("src/consultation/ingest/readers.py", "integer(MAX_COLUMNS)", "colonnes"): "a constant, 16 384",
    ("src/consultation/ingest/readers.py", "integer(len(same))", "feuilles"): "the branch of two sheets or more",
    ("src/consultation/ingest/readers.py", "integer(height * width)", "cellules"):
        "said only above MAX_SHEET_CELLS (10 000 000)",
    ("src/consultation/ingest/readers.py", "integer(MAX_SHEET_CELLS)", "lues"): "a constant, 10 000 000",
    ("src/consultation/ingest/readers.py", "MAX_JSON_DEPTH", "niveaux"): "a constant, 64",
    ("src/consultation/ingest/readers.py", "HEADER_SEARCH_ROWS", "premières"): "a constant, 30",
    ("src/consultation/publish/report_text.py", "len(names)", "émojis"): "the branch of 6 names or more",
}


def _plural_word(word: str) -> bool:
    if word.isupper():  # SQL in a template (« {state} VALUES »), not French
        return False
    word = word.lower()
    return len(word) > 2 and word[-1] in "sx" and word not in NOT_PLURAL


def _counts_before_plurals(path: Path, root: Path = ROOT) -> list[tuple[str, str, str, int]]:
    """Every (source, placeholder, word, line) where a placeholder is followed by a plural word."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    name = path.relative_to(root).as_posix()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
            for value, after in zip(node.values, node.values[1:], strict=False):
                if not (isinstance(value, ast.FormattedValue) and isinstance(after, ast.Constant)):
                    continue
                word = _NEXT_WORD.match(after.value)
                if word and _plural_word(word[1]):
                    found.append((name, ast.unparse(value.value), word[1], node.lineno))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            found += [(name, m[1], m[2], node.lineno) for m in _TEMPLATE_WORD.finditer(node.value)
                      if _plural_word(m[2])]
    return found


def _sources(root: Path = ROOT) -> list[Path]:
    return sorted([*(root / "src" / "consultation").rglob("*.py"), *(root / "flows").rglob("*.py")])


def test_no_count_is_followed_by_a_word_in_the_plural(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Module notes: {n} lignes, %d fichiers."""\n'
        "def f(n, sep, log):\n"
        '    """{n} lignes: a docstring."""\n'
        '    log.info("%s : %d lignes lues", n, n)\n'
        '    log.info("%s à coder en %s", n, n)\n'
        '    a = f"{integer(n)} lignes lues = {n} ingérées ; {n} fois, {sep} dans une réponse"\n'
        '    b = f"{count(n, \'ligne\')} lue, {n}\\u202fréponses, {n} ligne, {n} autres valeurs"\n'
        '    return a, b, "au moins {threshold} répondants".format(threshold=n), "{2,6} mots"\n',
        encoding="utf-8")
    assert sorted((found[1], found[2], found[3]) for found in _counts_before_plurals(sample, tmp_path)) == [
        ("%d", "lignes", 4), ("integer(n)", "lignes", 6), ("n", "autres", 7), ("n", "ingérées", 6),
        ("n", "réponses", 7), ("{threshold}", "répondants", 8),
    ]

    found = [f for path in _sources() for f in _counts_before_plurals(path)]
    unexplained = [f"{path}:{line} {{{value}}} {word}" for path, value, word, line in found
                   if (path, value, word) not in COUNTED_ON_PURPOSE]
    assert unexplained == []
    stale = set(COUNTED_ON_PURPOSE) - {(path, value, word) for path, value, word, _ in found}
    assert sorted(stale) == []  # an exception whose message changed or went is taken off the list


def _sheet(path: Path) -> Path:
    """A review sheet as exported, with no row decided."""
    book = Workbook()
    book.active.title = review.SHEET
    book.active.append(list(review.COLUMNS.values()))
    book.save(path)
    return path


def test_messages_agree_with_their_counts_singular_for_zero_and_one(tmp_path, monkeypatch):
    """What a user reads for 0, 1, 2 and 1 234: the review import on the command line, the flows'
    run summaries and their refusals."""
    from flows.artifacts import coding_markdown, reporting_markdown
    from flows.summaries import CodingSummary, FileOutcome, IngestionSummary, ReportingSummary

    folder, out = tmp_path / "mini", tmp_path / "sorties"
    shutil.copytree(MINI_DIR, folder)
    assert CliRunner().invoke(main, ["ingest", str(folder), "--sorties", str(out)]).exit_code == 0
    sheet = _sheet(tmp_path / "relecture.xlsx")

    def review_import() -> str:
        result = CliRunner().invoke(main, ["review", "import", str(sheet), str(folder), "--sorties", str(out)])
        assert result.exit_code == 0, result.output
        return result.output.splitlines()[0]

    assert review_import() == "0 texte relu dans 0 réponse (0 accepté, 0 corrigé) : 0 code humain enregistré."
    for (units, answers, accepted, corrected, codes), said in [
        ((1, 1, 1, 0, 1), "1 texte relu dans 1 réponse (1 accepté, 0 corrigé) : 1 code humain enregistré."),
        ((3, 2, 1, 2, 1234), "3 textes relus dans 2 réponses (1 accepté, 2 corrigés) : 1\u202f234 codes humains enregistrés."),
    ]:  # the counts of a real import, its sheet filled (coding it needs spaCy's model: test_review.py)
        done = review.ReviewImport(path=sheet, rows_read=units, units_reviewed=units, answers_reviewed=answers,
                                   codes_written=codes, accepted=accepted, corrected=corrected)
        monkeypatch.setattr(review, "import_review", lambda con, consultation, path, done=done: done)
        assert review_import() == said

    def refused(n: int) -> str:
        files = [FileOutcome(label=f"export{k}.csv", kind="responses", status="refused") for k in range(n)]
        return IngestionSummary(consultation_id="mini", files=files).refused_message().splitlines()[0]

    assert refused(1) == "1 fichier refusé ; les autres ont été traités :"
    assert refused(2) == "2 fichiers refusés ; les autres ont été traités :"
    batches = {n: coding_markdown(CodingSummary(consultation_id="mini", pending_answers=n, units=n, batches=n))[3]
               for n in (1, 2)}
    assert batches == {1: "- Réponses codées : 1 (1 unité, 1 lot).", 2: "- Réponses codées : 2 (2 unités, 2 lots)."}
    published = [
        reporting_markdown(ReportingSummary(consultation_id="mini", rewritten=rewritten,
                                            charts=[Path(f"c{k}.png") for k in range(charts)],
                                            reports=[Path(f"r{k}.html") for k in range(reports)]))[2]
        for rewritten, charts, reports in [(True, 1, 0), (True, 3, 1), (False, 1234, 2)]
    ]
    assert published == ["- 1 graphique et 0 rapport, réécrit.", "- 3 graphiques et 1 rapport, réécrits.",
                         "- 1\u202f234 graphiques et 2 rapports, inchangés (rien de nouveau depuis la dernière exécution)."]


def _export(folder: Path, n: int) -> Path:
    """The mini consultation with `n` respondents in its export and no human code."""
    folder.mkdir()
    shutil.copy(MINI_DIR / "consultation.yaml", folder)
    header = (MINI_DIR / "reponses.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    rows = [f"R{k};ACT Le Phare;ACT;Occitanie;La mobilisation de l'équipe {k}.;Revaloriser les salaires;;"
            for k in range(n)]
    (folder / "reponses.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    (folder / "codes.csv").write_text("respondent_id,question_id,theme_id,text\n", encoding="utf-8")
    return folder


def test_ingest_and_tally_say_0_1_2_and_1234_in_agreement(tmp_path):
    """`consultation ingest` and `consultation tally` on exports of 1, 2 and 1 234 rows (and a file of
    human codes with none): « 1 ligne lue = 1 ingérée », « 0 ligne lue », « 1 234 lignes lues »."""
    nnbsp = "\u202f"
    said = {
        1: ("1 ligne lue = 1 ingérée + 0 en quarantaine ; 1 répondant", "National : 1 répondant ;"),
        2: ("2 lignes lues = 2 ingérées + 0 en quarantaine ; 2 répondants", "National : 2 répondants ;"),
        1234: (f"1{nnbsp}234 lignes lues = 1{nnbsp}234 ingérées + 0 en quarantaine ; 1{nnbsp}234 répondants",
               f"National : 1{nnbsp}234 répondants ;"),
    }
    for n, (ingested, tallied) in said.items():
        folder = _export(tmp_path / f"export{n}", n)
        out = str(tmp_path / f"sorties{n}")
        result = CliRunner().invoke(main, ["ingest", str(folder), "--sorties", out])
        assert result.exit_code == 0, result.output
        assert f"  reponses.csv (réponses) : {ingested}\n" in result.output
        assert "  codes.csv (codes humains) : 0 ligne lue = 0 ingérée + 0 en quarantaine ; 0 répondant\n" in result.output
        result = CliRunner().invoke(main, ["tally", str(folder), "--sorties", out, "-q", "q1"])
        assert result.exit_code == 0, result.output
        assert tallied in result.output, result.output
        if n == 1:  # the legend of the statistical secret, at the lowest threshold and the default one
            for threshold, words in (("1", "moins de 1 répondant."), ("3", "moins de 3 répondants.")):
                result = CliRunner().invoke(main, ["tally", str(folder), "--sorties", out, "-q", "q1", "--seuil", threshold])
                assert words in " ".join(result.output.split()), result.output
