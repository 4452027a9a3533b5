"""Domain errors raised by the library with the facts; the CLI and flows turn them into messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ConsultationError(Exception):
    """Base class: anything a user can fix by changing their input or settings."""


def is_interrupt(exc: BaseException) -> bool:
    """Whether `exc` is Ctrl+C: a KeyboardInterrupt, or Ctrl+C during a DuckDB query, which DuckDB
    raises as its InterruptException or as RuntimeError('Query interrupted')."""
    if isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "InterruptException":
        return True
    return isinstance(exc, RuntimeError) and "query interrupted" in str(exc).casefold()


@dataclass
class InputProblem:
    """One located problem in an input file (row numbers are 1-based, as a spreadsheet shows them)."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column is not None:
            where.append(f"colonne « {self.column} »")
        text = ", ".join(where) + f" : {self.message}"
        if self.value is not None:
            shown = str(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (valeur : « {shown} »)"
        return text


class InputFileError(ConsultationError):
    """An input file cannot be used as it is; carries every located problem found."""

    def __init__(self, problems: list[InputProblem] | InputProblem):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(
        cls,
        file: str | Path,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> InputFileError:
        return cls(InputProblem(str(file), message, row, column, value))


class NotInDatabaseError(ConsultationError):
    """A database, consultation, question, region or structure type asked for does not exist.

    The message names what does exist, so that a typo is fixed at once.
    """


class ConfigError(ConsultationError):
    """The consultation file is invalid: names the file, the key and the problem."""


class DatabaseBusyError(ConsultationError):
    """Another run holds the database."""


class UnsafePathError(ConsultationError):
    """A consultation id or file name would make the pipeline write outside its output folder."""


class MissingChartError(ConsultationError):
    """A report needs a chart file that has not been drawn (charts come before reports)."""


class PersonalDataLeakError(ConsultationError):
    """Personal data was found in a published file after rendering (leakscan): nothing is published."""


class ArgumentError(ConsultationError, ValueError):
    """An argument of the Python API has a wrong type or value (a list where one region is
    expected, a typo in `by`, a threshold of 0): the message names the argument, the value
    received and what is accepted. A ValueError too, as the checks it replaces raised."""


class ClosedDatabaseError(ConsultationError):
    """A `Database` used after `db.close()` (or after its `with` block)."""


class ReadOnlyDatabaseError(ConsultationError):
    """A write through `db.sql(...)` on a database opened read-only (the default)."""
