"""CLI commands of this stage (registered on `consultation.cli.main`)."""

from __future__ import annotations
