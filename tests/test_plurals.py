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
