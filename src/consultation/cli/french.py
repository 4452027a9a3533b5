"""Click in French: its own words (usage, help, defaults, errors) and the option classes the commands use.

Click marks its strings for gettext but ships no French catalogue; it calls `gettext.gettext` (bound
at import as `_`) and `gettext.ngettext` in each of its modules. `install()` rebinds those two names,
in Click's modules only, to lookups in the catalogue below; an unknown string passes through unchanged
(tests/test_cli_french.py checks that every string Click marks is in the catalogue, so a Click upgrade
that adds one fails there, not in front of a user).

Option names follow one convention, stated in the group's help: French words without accents, joined
by hyphens (`--type-structure`, `--dossier-sorties`). The English names of earlier versions are kept as
hidden aliases (`FrenchOption(..., aliases=["--out"])`): accepted, never shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils

CATALOGUE: dict[str, str] = {
    # Help pages
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Positional arguments": "Arguments",
    "Commands": "Commandes",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "default: {default}": "par défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "required": "obligatoire",
    "(dynamic)": "(calculé)",
    "deprecated": "obsolète",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "Attention : la commande « {name} » est obsolète.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "Attention : le paramètre « {name} » est obsolète.{extra_message}",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Confirm the action without prompting.": "Confirme l'action sans la demander.",
    "Choose from:\n\t{choices}": "Valeurs possibles :\n\t{choices}",
    "Choice({choices})": "Choix({choices})",
    # Errors
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Aide : {command} {option}",
    "Aborted!": "Abandon.",
    "Missing command.": "Commande manquante.",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing {param_type}": "Paramètre manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "No such option {name!r}.": "Option inconnue : {name}.",
    "No such command {name!r}.": "Commande inconnue : « {name} ».",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Value must be an iterable.": "La valeur doit être une liste.",
    "Option {name!r} does not take a value.": "L'option {name} ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "L'argument {name} prend {nargs} valeurs.",
    "Invalid start character for option ({option})": "Caractère initial invalide pour l'option ({option})",
    "unknown error": "erreur inconnue",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir le fichier « {filename} » : {message}",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not a valid {number_type}.": "« {value} » n'est pas un nombre valide.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "« {value} » n'est ni oui ni non. Valeurs reconnues : {states}",
    "{value!r} is not a valid UUID.": "« {value} » n'est pas un UUID valide.",
    "file": "le fichier",
    "directory": "le dossier",
    "path": "le chemin",
    "{name} {filename!r} does not exist.": "{name} « {filename} » n'existe pas.",
    "{name} {filename!r} is a file.": "{name} « {filename} » est un fichier (un dossier est attendu).",
    "{name} {filename!r} is a directory.": "{name} « {filename} » est un dossier (un fichier est attendu).",
    "{name} {filename!r} is not readable.": "{name} « {filename} » n'est pas lisible.",
    "{name} {filename!r} is not writable.": "{name} « {filename} » n'est pas modifiable.",
    "{name} {filename!r} is not executable.": "{name} « {filename} » n'est pas exécutable.",
    "Name '{name}' defined twice": "Nom « {name} » défini deux fois",
    "Boolean option {decl!r} cannot use the same flag for true/false.":
        "L'option {decl} ne peut pas utiliser la même forme pour oui et non.",
    "Could not determine name for option with declarations {decls!r}":
        "Nom introuvable pour l'option déclarée {decls}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?": "Aucune option déclarée mais un nom est donné ({name}).",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.":
        "Un argument se déclare par un seul nom ; reçu {length} : {decls}.",
    # Prompts and terminal (not used by the commands today, translated for completeness)
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.": "Erreur : les deux valeurs saisies diffèrent.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "Unknown color {colour!r}": "Couleur inconnue : {colour}",
    "Unknown standard stream '{name}'": "Flux standard inconnu : {name}",
    "{editor}: Editing failed": "{editor} : échec de la modification",
    "{editor}: Editing failed: {e}": "{editor} : échec de la modification : {e}",
    "Windows error: {error}": "Erreur Windows : {error}",
    "Couldn't detect Bash version, shell completion is not supported.":
        "Version de Bash inconnue : complétion indisponible.",
    "Shell completion is not supported for Bash versions older than 4.4.":
        "La complétion demande Bash 4.4 ou plus récent.",
}

PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("Argument en trop : {args}", "Arguments en trop : {args}"),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("Attend {nargs} valeurs, 1 seule donnée.", "Attend {nargs} valeurs, {len} données."),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Vouliez-vous dire {possibility} ?", "(Vouliez-vous dire l'une de : {possibilities} ?)"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("L'option {name} attend une valeur.", "L'option {name} attend {nargs} valeurs."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("« {value} » n'est pas une valeur possible ({choice}).",
         "« {value} » n'est pas une valeur possible : {choices}."),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        ("« {value} » ne suit pas le format {format}.", "« {value} » ne suit aucun des formats {formats}."),
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        ("{len_type} valeurs attendues, {len_value} donnée.", "{len_type} valeurs attendues, {len_value} données."),
}

CLICK_MODULES = (
    click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.termui,
    click.types, click.utils,
)


class _Sentence(str):
    """A translated word Click capitalises with `str.title()` (« Le Fichier ») at a sentence's start:
    French capitalises only the first word (« Le fichier « x » n'existe pas »)."""

    __slots__ = ()

    def title(self) -> str:
        return self[:1].upper() + self[1:]


_TITLED = {"file", "directory", "path"}  # click.Path's `name`, given to `.title()`


def gettext(message: str) -> str:
    found = CATALOGUE.get(message, message)
    return _Sentence(found) if message in _TITLED else found


def ngettext(singular: str, plural: str, n: int) -> str:
    forms = PLURALS.get((singular, plural))
    if forms is None:
        return singular if n == 1 else plural
    return forms[0] if n <= 1 else forms[1]  # French: 0 and 1 take the singular


def install() -> None:
    """Rebind Click's gettext names to the French catalogue (idempotent)."""
    for module in CLICK_MODULES:
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


# --- help layout ---------------------------------------------------------------------------------


_KEEP_SPACE, _KEEP_HYPHEN = "\u00a0", "\u2011"  # stand-ins the wrapper does not break at
_UNBREAKABLE = re.compile(r"« | »| :| ;|\[par défaut|(?<=\w)-(?=\w)")


def _glue(text: str) -> str:
    """No line break inside « … », before « : » or « ; », or inside --type-structure."""
    return _UNBREAKABLE.sub(lambda m: m.group().replace(" ", _KEEP_SPACE).replace("-", _KEEP_HYPHEN), text)


class FrenchHelpFormatter(click.HelpFormatter):
    """French headings (« Options : ») and line breaks where French typography allows them."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix=f"{gettext('Usage:')} " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading} :\n")

    def write_text(self, text: str) -> None:
        super().write_text(_glue(text))

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        # Click joins an option's extras with "; " ([par défaut : 3; x>=1]): French puts a space before.
        rows = [(term, _glue(re.sub(r"(?<! ); ", " ; ", definition))) for term, definition in rows]
        super().write_dl(rows, col_max, col_spacing)

    def getvalue(self) -> str:
        return super().getvalue().replace(_KEEP_SPACE, " ").replace(_KEEP_HYPHEN, "-")


class FrenchContext(click.Context):
    formatter_class = FrenchHelpFormatter


def _metavar_of(param_type: click.ParamType) -> str | None:
    """French placeholders for values in usage lines (Click writes TEXT, INTEGER RANGE, PATH…)."""
    if isinstance(param_type, click.Path):
        if not param_type.file_okay:
            return "DOSSIER"
        if not param_type.dir_okay:
            return "FICHIER"
        return "CHEMIN"
    if isinstance(param_type, (click.IntRange, click.types.IntParamType)):
        return "ENTIER"
    if isinstance(param_type, (click.FloatRange, click.types.FloatParamType)):
        return "NOMBRE"
    if isinstance(param_type, click.types.StringParamType):
        return "TEXTE"
    return None  # Choice shows its values: [csv|parquet]


class FrenchOption(click.Option):
    """An option whose value placeholder is French, with hidden English aliases (`aliases=`)."""

    def __init__(self, param_decls: Sequence[str], *, aliases: Sequence[str] = (), **attrs: Any) -> None:
        super().__init__([*param_decls, *aliases], **attrs)
        self.aliases = tuple(aliases)
        if self.metavar is None and not self.is_flag:
            self.metavar = _metavar_of(self.type)

    def _shown(self, opts: Sequence[str]) -> list[str]:
        return [o for o in opts if o not in self.aliases]

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        opts, secondary = self.opts, self.secondary_opts
        self.opts, self.secondary_opts = self._shown(opts), self._shown(secondary)
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts, self.secondary_opts = opts, secondary

    def get_error_hint(self, ctx: click.Context | None) -> str:
        return " / ".join(f"« {o} »" for o in self._shown(self.opts))


class FrenchArgument(click.Argument):
    """An argument named in French in usage lines and errors (`metavar=` given by the command)."""

    def get_error_hint(self, ctx: click.Context | None) -> str:
        return f"« {self.make_metavar(ctx) if ctx is not None else self.human_readable_name} »"


class FrenchCommand(click.Command):
    context_class = FrenchContext


class FrenchGroup(click.Group):
    context_class = FrenchContext
    command_class = FrenchCommand
    group_class = type  # subgroups are FrenchGroups too
    subcommand_metavar = "COMMANDE [ARGUMENTS]..."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subcommand_metavar = "COMMANDE [ARGUMENTS]..."


class AliasedChoice(click.Choice):
    """A choice among French values that still accepts the English values of earlier versions."""

    def __init__(self, choices: Sequence[str], aliases: dict[str, str] | None = None) -> None:
        super().__init__(choices)
        self.aliases = dict(aliases or {})

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return super().convert(self.aliases.get(value, value), param, ctx)


def option(*param_decls: str, aliases: Sequence[str] = (), **attrs: Any) -> Any:
    """`click.option` with French placeholders and hidden English aliases."""
    return click.option(*param_decls, cls=FrenchOption, aliases=aliases, **attrs)


def argument(*param_decls: str, **attrs: Any) -> Any:
    return click.argument(*param_decls, cls=FrenchArgument, **attrs)


install()
