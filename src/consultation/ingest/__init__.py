"""Ingest: reading the source files (readers), matching regions (regions) and loading answers and
human codes into the database, once per changed file (core)."""
