"""Coding answers into themes: rules for a cold start, a model trained on human codes, review."""
