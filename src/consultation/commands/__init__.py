"""CLI commands, one module per stage; each registers on `consultation.cli.main`."""
