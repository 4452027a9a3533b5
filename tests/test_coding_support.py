"""Data shared by the coding tests, built once per session (this module holds no test).

`half_sample`: the bundled sample with human codes kept for its first 25 respondents only, so
that the model trains on them and codes the other 22: the situation of a federation that has
coded part of its answers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import SAMPLE_DIR

HALF_CODED = 25
_BUILT: dict[str, tuple[Path, Path]] = {}


def require_sample() -> None:
    if not SAMPLE_DIR.exists():
        pytest.skip(f"échantillon absent : {SAMPLE_DIR}")


def coded_sample(root: Path, nlp, respondents_coded: int | None) -> tuple[Path, Path]:
    """(consultation folder, processed root) under `root`: the sample with the human codes of its
    first `respondents_coded` respondents only (None: all, 0: none), ingested and coded."""
    require_sample()
    from consultation import store
    from consultation.codebook import load_consultation
    from consultation.coding.coder import code_consultation
    from consultation.ingest.core import ingest_consultation
    from consultation.store.paths import OutputPaths
    from consultation.text import Lemmatizer

    folder = root / "raw" / "segur-2020-sample"
    shutil.copytree(SAMPLE_DIR, folder)
    if respondents_coded is not None:
        codes = pd.read_csv(folder / "codes_humains.csv", dtype=str, keep_default_na=False)
        keep = sorted(codes["respondent_id"].unique())[:respondents_coded]
        codes[codes["respondent_id"].isin(keep)].to_csv(folder / "codes_humains.csv", index=False)
    out = root / "processed"
    consultation = load_consultation(folder)
    paths = OutputPaths.for_consultation(out, consultation.id)
    con = store.connect(paths.db)
    try:
        ingest_consultation(con, consultation, folder)
        code_consultation(con, consultation, Lemmatizer(nlp), models_dir=paths.root / "models")
    finally:
        con.close()
    return folder, out


def half_sample(tmp_path_factory: pytest.TempPathFactory, nlp) -> tuple[Path, Path]:
    """(consultation folder, processed root), ingested and coded (no evaluation yet)."""
    if "half" not in _BUILT:
        _BUILT["half"] = coded_sample(tmp_path_factory.mktemp("half-sample"), nlp, HALF_CODED)
    return _BUILT["half"]


def test_binned_bootstrap_of_corrected_counts_matches_the_unit_by_unit_sums():
    """The replicates use per-bin mean scores: on 100,000 units the draws move by under a unit."""
    import numpy as np
    import scipy.sparse as sp

    from consultation.coding import estimate as E
    from consultation.coding.model import apply_platt, fit_platt

    rng = np.random.default_rng(1)
    n = 100_000
    scores = rng.normal(-1, 1.2, n)
    cal = rng.normal(-1, 1.2, 400)
    truth = rng.random(400) < 1 / (1 + np.exp(-(1.5 * cal + 0.3)))
    calibration = E.QuestionCalibration(["t", "autres"], truth[:, None], truth[:, None], cal[:, None],
                                        np.array([fit_platt(cal, truth)]))
    region = rng.integers(0, 5, n)
    membership = sp.csr_matrix(np.column_stack([np.ones(n)] + [region == r for r in range(5)]).astype(float))
    groups = E.ScopeGroups.from_masks({"France": np.ones(n, dtype=bool)} | {f"r{r}": region == r for r in range(5)}, n)
    point, draws = E._pcc(scores, calibration, 0, groups, 200, np.random.default_rng(0))

    replay = np.random.default_rng(0)  # the same random stream, every unit's sigmoid computed
    params = fit_platt(cal, truth, E._resample_weights(400, 200, replay))
    p = apply_platt(scores, params)
    mean = np.asarray(membership.T @ p.T).T
    var = np.asarray(membership.T @ (p * (1 - p)).T).T
    exact = mean + replay.standard_normal(mean.shape) * np.sqrt(var)
    assert np.abs(draws - exact).max() < 0.5
    assert point[0] == pytest.approx(apply_platt(scores, calibration.platt[0]).sum())
