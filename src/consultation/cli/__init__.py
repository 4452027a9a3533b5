"""The `consultation` command line: a thin layer over the library that turns errors into messages.

`base` holds the group, its shared options and the `run` command; each stage's commands are a
module of their own (`ingest`, `coding`, `tallies`, `publish`) that registers on `main` when
imported here. `french` makes Click speak French. `consultation`, `python -m consultation` and
`python -m consultation.cli` all run `console`.
"""

from consultation.cli import coding, ingest, publish, tallies  # noqa: F401  (they register their commands)
from consultation.cli.base import console, main

__all__ = ["console", "main"]
