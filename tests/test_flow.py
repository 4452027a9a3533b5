"""A real Prefect flow run on a temporary local server: guards the pinned prefect/fastapi pair."""

from __future__ import annotations

import pytest

from consultation import store


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def test_pipeline_flow_runs_the_library_end_to_end(prefect_harness, mini_dir, tmp_path):
    from flows.pipeline_flow import pipeline_flow

    summary = pipeline_flow(consultation_dir=mini_dir, processed_root=tmp_path)
    assert summary["ingest"]["rows_ingested"] == 5
    assert summary["publish"]["charts"] > 0 and summary["publish"]["reports"] > 0
    con = store.connect(tmp_path / "mini" / "consultation.duckdb")
    try:
        assert con.execute("SELECT count(*) FROM respondents").fetchone()[0] == 5
        assert con.execute("SELECT count(*) FROM auto_codes").fetchone()[0] > 0
    finally:
        con.close()
