"""Where a consultation's files are: the one resolver of a path a user gives, and the outputs.

Every entry point (the CLI commands, `consultation.open`) finds the database through `locate`, so
that the same path means the same consultation everywhere and a wrong one gets the same message.
Outputs always go under the processed root, never outside it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from consultation import fmt
from consultation.errors import ConfigError, NotInDatabaseError, UnsafePathError

if TYPE_CHECKING:
    from consultation.codebook import Consultation

DEFAULT_RAW = Path("data/raw")
# The notebooks' variable, read by every entry point (CLI, flows, `consultation.open`) when it
# starts: a federation that sets it once finds every output in one place (the CLI's `ingest` wrote
# to data/processed/ while the notebooks read the variable's folder until 2026-12-06).
PROCESSED_ENV = "CONSULTATION_PROCESSED"
DEFAULT_PROCESSED = Path(os.environ.get(PROCESSED_ENV) or "data/processed").expanduser()
SAMPLE_NAME = "segur-2020-sample"
DB_NAME = "consultation.duckdb"
CONSULTATION_FILE = "consultation.yaml"
# What a DuckDB file holds at offset 8, whatever its name (a database renamed .db stays usable).
_DUCKDB_MAGIC = b"DUCK"

EXPECTED = (
    "attendu : le dossier d'une consultation (data/raw/…) ou son fichier consultation.yaml, "
    "son dossier de sorties (data/processed/…) ou le fichier consultation.duckdb"
)


@dataclass(frozen=True)
class OutputPaths:
    root: Path

    @classmethod
    def for_consultation(cls, processed_root: str | Path, consultation_id: str) -> OutputPaths:
        base = Path(processed_root).resolve()
        root = (base / consultation_id).resolve()
        if root.parent != base:
            raise UnsafePathError(f"identifiant de consultation « {consultation_id} » refusé : il sortirait de {base}")
        return cls(root)

    @property
    def db(self) -> Path:
        return self.root / DB_NAME

    @property
    def charts(self) -> Path:
        return self.root / "charts"

    @property
    def reports(self) -> Path:
        return self.root / "reports"


@dataclass
class Location:
    """What a user's path designates: a consultation's raw folder (`folder`, with its
    consultation.yaml) and/or its database (`db`, which may not exist yet)."""

    given: Path
    db: Path
    folder: Path | None = None
    loaded: Consultation | None = field(default=None, repr=False, compare=False)

    @property
    def outputs(self) -> OutputPaths:
        return OutputPaths(self.db.parent)

    def consultation(self) -> Consultation:
        """The questionnaire: from consultation.yaml when the raw folder was given, else the
        codebook the database keeps from its last run."""
        if self.loaded is None:
            if self.folder is not None:
                from consultation.codebook import load_consultation

                self.loaded = load_consultation(self.folder)
            else:
                self.loaded = consultation_of_db(self.existing_db())
        return self.loaded

    def existing_db(self) -> Path:
        """The database, refused with what to do when the pipeline never made it."""
        if not self.db.is_file():
            target = self.folder if self.folder is not None else "DOSSIER_DE_LA_CONSULTATION"
            raise NotInDatabaseError(
                f"{self.db} : base introuvable ; lancez d'abord « consultation run {target} »"
            )
        return self.db

    def require_folder(self) -> Path:
        """The raw folder, for the commands that read the consultation's files."""
        if self.folder is None:
            raise ConfigError(
                f"« {self.given} » : cette commande lit les fichiers de la consultation ; donnez son dossier "
                "(data/raw/…) ou son fichier consultation.yaml"
            )
        return self.folder


def is_duckdb_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(12)[8:12] == _DUCKDB_MAGIC
    except OSError:
        return False


def locate(path: str | Path, processed_root: str | Path = DEFAULT_PROCESSED) -> Location:
    """The one resolver of a path a user gives (CLI argument or `consultation.open`).

    Accepted: the consultation's raw folder or its consultation.yaml (its database is then
    <processed_root>/<id>/consultation.duckdb), its processed folder, or the DuckDB file itself;
    relative, with a trailing slash or a leading « ~ ». Anything else is refused with a French
    message that says what was expected.
    """
    given = Path(path)
    path = given.expanduser()
    if not path.exists():
        raise NotInDatabaseError(
            f"« {given} » n'existe pas : consultation ou base introuvable ; vérifiez le chemin ({EXPECTED} ; pour une consultation "
            "jamais traitée, lancez d'abord « consultation run DOSSIER_DE_LA_CONSULTATION »)"
        )
    if path.is_file() and path.name == CONSULTATION_FILE:
        path = path.parent
    if path.is_dir():
        if (path / CONSULTATION_FILE).is_file():
            from consultation.codebook import load_consultation

            consultation = load_consultation(path)
            db = OutputPaths.for_consultation(processed_root, consultation.id).db
            return Location(given, db, path, consultation)
        if (path / DB_NAME).is_file():
            return Location(given, path / DB_NAME)
        raise ConfigError(
            f"le dossier « {given} » ne contient pas de fichier {CONSULTATION_FILE} (dossier d'une consultation, "
            f"data/raw/…) ni de base {DB_NAME} (dossier de sorties, data/processed/…) : vérifiez le chemin"
        )
    if is_duckdb_file(path):
        return Location(given, path)
    raise ConfigError(f"« {given} » n'est pas une base DuckDB ni un fichier {CONSULTATION_FILE} ({EXPECTED})")


def consultation_of_db(db: Path) -> Consultation:
    """The codebook a database keeps from its last run (one consultation per file)."""
    from consultation import store
    from consultation.codebook import Consultation

    con = store.connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT v.consultation_id, v.config_json FROM codebook_versions v "
            "JOIN consultations c ON c.consultation_id = v.consultation_id "
            "AND c.codebook_version = v.version ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    if len(rows) != 1:
        raise ConfigError(
            f"{db} : {fmt.count(len(rows), 'consultation')} dans la base ; donnez plutôt le dossier de la "
            "consultation (data/raw/…)"
        )
    return Consultation.model_validate(json.loads(rows[0][1]))
