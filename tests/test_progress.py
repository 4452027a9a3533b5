"""Long stages show a bar with their throughput on a terminal, and nothing anywhere else."""

from __future__ import annotations

import pytest

from consultation import progress, store
from consultation.codebook import load_consultation
from consultation.coding.coder import code_consultation
from consultation.ingest.core import ingest_consultation


def test_rates_are_written_the_french_way():
    assert progress.format_rate(12345.6, "réponses") == "12\u202f346 réponses/s"
    assert progress.format_rate(2.25, "rapports") == "2,2 rapports/s"
    assert progress.format_rate(None, "réponses") == "– réponses/s"


@pytest.mark.parametrize("terminal", [True, False])
def test_import_and_coding_show_their_bars_only_on_a_terminal(mini_dir, lemmatizer, monkeypatch, capsys, terminal):
    monkeypatch.setattr(progress, "is_interactive", lambda stream=None: terminal)
    consultation = load_consultation(mini_dir)
    con = store.connect(None)
    ingest_consultation(con, consultation, mini_dir)
    code_consultation(con, consultation, lemmatizer)
    con.close()
    err = capsys.readouterr().err
    if terminal:
        assert "Import" in err and "Ko/s" in err
        assert "Codage" in err and "réponses/s" in err
    else:
        assert err == ""
