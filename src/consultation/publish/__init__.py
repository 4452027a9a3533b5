"""Publish: the reports (report builds them from report_data; report_text, report_docx and
report_index render them), their charts, quotes, small-count protection (disclosure), personal-data
redaction (redact) and the last check on every published file (leakscan)."""
