"""Command-line options of the flows' commands (`flows.serve`, `flows.check`), in French."""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

# argparse's own messages (Python 3.11 to 3.13), as a French user reads them.
ARGPARSE_MESSAGES = (
    (re.compile(r"unrecognized arguments: (.*)", re.S), "option ou argument inconnu : {0}"),
    (re.compile(r"argument (\S+): expected one argument"), "{0} : une valeur est attendue après l'option"),
    (re.compile(r"argument (\S+): expected at least one argument"), "{0} : au moins une valeur est attendue"),
    (re.compile(r"argument (\S+): ignored explicit argument (.*)"), "{0} : cette option ne prend pas de valeur ({1})"),
    (re.compile(r"ambiguous option: (\S+) could match (.*)", re.S), "option ambiguë : {0} peut désigner {1}"),
    (re.compile(r"the following arguments are required: (.*)", re.S), "arguments obligatoires manquants : {0}"),
)


def _french(message: str) -> str:
    for pattern, french in ARGPARSE_MESSAGES:
        found = pattern.fullmatch(message)
        if found:
            return french.format(*found.groups())
    return message


class FrenchParser(argparse.ArgumentParser):
    """argparse's frame and its own messages (unknown option, missing value) in French."""

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "Utilisation :", 1)

    def format_help(self) -> str:
        text = super().format_help().replace("usage:", "Utilisation :", 1)
        return text.replace("positional arguments:", "Arguments :").replace("options:", "Options :")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"Erreur : {_french(message)}\n")
