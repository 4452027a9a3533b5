"""`python -m consultation …` runs the same command as `consultation …`."""

from consultation.cli import console

console()
