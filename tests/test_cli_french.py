"""Every word the command line shows is French: Click's own strings, option names, errors.

Cases are generated from the command tree (every command, every option), not listed by hand, so a
new command or option is covered the day it is added.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from consultation.cli import french as cli_french
from consultation.cli import main

# What Click writes in English when nothing translates it (help, usage, errors, placeholders).
ENGLISH = re.compile(
    r"Usage:|Options:|Commands:|Arguments:|Show this message|\[default|\brequired\b|Error:|Missing |No such |"
    r"Try '|is not (one of|a valid|in the range)|Invalid value|does not exist|requires an argument|"
    r"\bTEXT\b|\bINTEGER\b|\bFLOAT\b|\bPATH\b|\bFILE\b|\bDIRECTORY\b|\bCOMMAND\b|\[ARGS\]|Got unexpected|"
    r"Did you mean|Aborted"
)


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    yield prefix, group
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


COMMANDS = list(_commands(main))
LEAVES = [(path, cmd) for path, cmd in COMMANDS if not isinstance(cmd, click.Group)]
OPTIONS = [
    (path, opt) for path, cmd in LEAVES for opt in cmd.params
    if isinstance(opt, click.Option) and not opt.hidden and "--help" not in opt.opts
]


def _id(value: object) -> str:
    if isinstance(value, tuple):
        return " ".join(value) or "consultation"
    if isinstance(value, click.Parameter):
        return value.name or ""
    return ""


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(main, list(args))


def _click_messages() -> tuple[set[str], set[tuple[str, str]]]:
    """Every string Click marks for translation (`_("…")`, `ngettext("…", "…")`) in its sources."""
    singles, plurals = set(), set()
    for source in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id == "_" and texts:
                singles.add(texts[0])
            elif node.func.id == "ngettext" and len(texts) == 2:
                plurals.add((texts[0], texts[1]))
    return singles, plurals


def test_every_string_click_marks_has_a_french_translation():
    singles, plurals = _click_messages()
    assert len(singles) > 50 and len(plurals) >= 5  # the extraction found Click's strings
    singles -= {"d"}  # a format letter in the progress bar, not a word
    assert sorted(singles - set(cli_french.CATALOGUE)) == []
    assert sorted(plurals - set(cli_french.PLURALS)) == []


def test_translations_keep_the_placeholders_click_fills():
    for english, french in cli_french.CATALOGUE.items():
        needed = set(re.findall(r"\{(\w+)", french))
        assert needed <= set(re.findall(r"\{(\w+)", english)), english
    for (one, many), (un, plusieurs) in cli_french.PLURALS.items():
        given = set(re.findall(r"\{(\w+)", one + many))
        assert set(re.findall(r"\{(\w+)", un + plusieurs)) <= given, one


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=_id)
def test_help_is_french(path, cmd):
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Utilisation :")
    assert not ENGLISH.search(result.output), ENGLISH.search(result.output)
    assert "Options :" in result.output and "Affiche cette aide et quitte." in result.output
    if isinstance(cmd, click.Group):
        assert "Commandes :" in result.output and "COMMANDE [ARGUMENTS]..." in result.output


@pytest.mark.parametrize(("path", "cmd"), LEAVES, ids=_id)
def test_help_shows_french_option_names_only(path, cmd):
    shown = invoke(*path, "--help").output
    for param in cmd.params:
        for alias in getattr(param, "aliases", ()):
            assert not re.search(rf"{re.escape(alias)}\b(?!-)", shown), f"{alias} shown in {' '.join(path)} --help"
        for name in param.opts if isinstance(param, click.Option) else ():
            if name.startswith("--") and name not in getattr(param, "aliases", ()):
                assert re.fullmatch(r"--[a-z]+(-[a-z]+)*", name), name  # one convention: no accent, hyphens
                assert name in shown


@pytest.mark.parametrize(("path", "cmd"), LEAVES, ids=_id)
def test_unknown_option_is_refused_in_french(path, cmd):
    result = invoke(*path, "--pas-une-option")
    assert result.exit_code == 2
    assert "Erreur : Option inconnue : --pas-une-option." in result.output
    assert f"Aide : consultation {' '.join(path)} -h" in result.output or "--help" in result.output
    assert not ENGLISH.search(result.output), result.output


@pytest.mark.parametrize(("path", "opt"), [(p, o) for p, o in OPTIONS if not o.is_flag], ids=_id)
def test_option_without_its_value_is_refused_in_french(path, opt):
    result = invoke(*path, opt.opts[0])
    assert result.exit_code == 2
    assert f"L'option {opt.opts[0]} attend une valeur." in result.output
    assert not ENGLISH.search(result.output), result.output


@pytest.mark.parametrize(
    ("path", "opt"),
    [(p, o) for p, o in OPTIONS if isinstance(o.type, (click.Choice, click.types._NumberParamTypeBase))],
    ids=_id,
)
def test_bad_value_is_refused_in_french(path, opt):
    result = invoke(*path, opt.opts[0], "zzz")
    assert result.exit_code == 2
    assert "Valeur invalide pour « " in result.output and "zzz" in result.output
    assert not ENGLISH.search(result.output), result.output
    if isinstance(opt.type, click.types._NumberParamTypeBase):
        result = invoke(*path, opt.opts[0], "-1000000")
        assert result.exit_code == 2 and "n'est pas dans l'intervalle" in result.output, result.output


@pytest.mark.parametrize(("path", "opt"), [(p, o) for p, o in OPTIONS if o.aliases], ids=_id)
def test_english_names_of_earlier_versions_still_work(path, opt):
    cmd = dict(LEAVES)[path]
    value = [] if opt.is_flag else [_a_value(opt)]
    french = cmd.make_context("x", [opt.opts[0], *value], resilient_parsing=True).params[opt.name]
    for alias in opt.aliases:
        assert cmd.make_context("x", [alias, *value], resilient_parsing=True).params[opt.name] == french, alias


def _a_value(opt: click.Option) -> str:
    if isinstance(opt.type, click.Choice):
        return str(opt.type.choices[-1])
    if isinstance(opt.type, click.types._NumberParamTypeBase):
        return "7"
    return "quelque/part"


def test_missing_argument_extra_argument_and_unknown_command_in_french():
    result = invoke("review", "import")
    assert result.exit_code == 2 and "Erreur : Argument manquant « CLASSEUR »." in result.output
    result = invoke("quarantine", "a", "b")
    assert result.exit_code == 2 and "Argument en trop : b" in result.output
    result = invoke("tallly")
    assert result.exit_code == 2 and "Commande inconnue : « tallly »." in result.output
    assert "Vouliez-vous dire 'tally' ?" in result.output
    result = invoke("export")
    assert result.exit_code == 2 and "Utilisation :" in result.output  # no subcommand: usage and help
    for output in (r.output for r in [invoke("review", "import"), invoke("tallly"), invoke("export")]):
        assert not ENGLISH.search(output), output


def test_choices_accept_the_english_values_of_earlier_versions(tmp_path):
    cmd = main.commands["export"].commands["tallies"]
    ctx = cmd.make_context("x", ["--by", "structure_type"], resilient_parsing=True)
    assert ctx.params["by"] == "type-structure"
    cmd = main.commands["tally"]
    assert cmd.make_context("x", ["--format", "table"], resilient_parsing=True).params["fmt"] == "tableau"


def test_path_errors_capitalise_only_the_sentence_start(tmp_path):
    """Click writes « {name} 'x' is a directory. » with `name.title()`: « Le Fichier » in French."""
    a_file = tmp_path / "export.csv"
    a_file.write_text("x\n", encoding="utf-8")
    cases = [
        (("init", str(tmp_path)), "Le fichier « "),  # a folder where a file is expected
        (("ingest", "--sorties", str(a_file)), "Le dossier « "),  # a file where a folder is expected
    ]
    for args, said in cases:
        result = invoke(*args)
        assert result.exit_code == 2
        assert said in result.output, result.output
        assert not re.search(r"Le (Fichier|Dossier|Chemin)", result.output)
