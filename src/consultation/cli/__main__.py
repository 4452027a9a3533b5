"""`python -m consultation.cli …` runs the same command as `consultation …`."""

from consultation.cli import console

console()
