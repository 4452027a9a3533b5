"""What the data night stopped recomputing gives exactly what recomputing gave.

- the bootstrap's Platt refits kept between runs (`estimate.BootstrapFits`): the same estimates to
  the last bit, cold, warm, through the JSON file, and when the file is damaged;
- the corrected counts read the human-coded units without the fit's text pool
  (`training_units(pool=False)`): the same estimates;
- the lemmatizer built from the pipeline's files (`text.load_lemmatizer`) instead of the loaded
  pipeline: the same tables, the same lemmas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from consultation.coding import estimate as E
from test_estimate_refresh import CASES, _consultation


@pytest.mark.parametrize(("seed", "units", "coded", "model_themes", "rule_themes", "regions"), CASES)
def test_kept_bootstrap_fits_give_the_same_estimates_to_the_last_bit(
    seed, units, coded, model_themes, rule_themes, regions, tmp_path
):
    decisions, calibration, scopes, human = _consultation(
        seed, units=units, coded=coded, model_themes=model_themes, rule_themes=rule_themes, regions=regions)
    fresh = E.estimate_counts(decisions, calibration, scopes, human, seed=seed)
    cold = E.BootstrapFits()
    first = E.estimate_counts(decisions, calibration, scopes, human, seed=seed, fits=cold)
    pd.testing.assert_frame_equal(first, fresh, check_exact=True)
    model_pcc = bool(coded and model_themes)
    assert len(cold.new) == (model_themes if model_pcc else 0)  # one refit kept per model theme
    path = tmp_path / "fits.json"
    E.BootstrapFits().save(path, cold.new)
    warm = E.BootstrapFits.load(path)
    assert len(warm.entries) == len(cold.new)
    second = E.estimate_counts(decisions, calibration, scopes, human, seed=seed, fits=warm)
    pd.testing.assert_frame_equal(second, fresh, check_exact=True)
    assert warm.new == {}  # nothing refitted
    other_seed = E.estimate_counts(decisions, calibration, scopes, human, seed=seed + 1, fits=warm)
    if model_pcc:  # another generator state is another key: refitted, not served from the file
        assert len(warm.new) == model_themes
        pd.testing.assert_frame_equal(
            other_seed, E.estimate_counts(decisions, calibration, scopes, human, seed=seed + 1), check_exact=True)


@pytest.mark.parametrize("content", ["", "{", "[1, 2]", '{"k": {"params": 3}}', "\x00\xff"])
def test_a_damaged_fits_file_is_ignored(content, tmp_path):
    path = tmp_path / "fits.json"
    path.write_text(content, encoding="utf-8", errors="surrogateescape")
    assert E.BootstrapFits.load(path).entries == {}
    assert E.BootstrapFits.load(tmp_path / "absent.json").entries == {}


def test_calibration_changes_change_the_key():
    """Any input of a refit (scores, codes, calibration, replicates, generator) gives another key."""
    _, calibration, _, _ = _consultation(0, units=2_000, coded=200, model_themes=2,
                                          rule_themes=1, regions=2)
    assert calibration is not None
    rng = np.random.default_rng(0)
    key = E.BootstrapFits.key(rng, calibration, 0, 300)
    changed = []
    for field in ("oof_scores", "targets", "platt"):
        values = getattr(calibration, field).copy()
        values[0, 0] = (not values[0, 0]) if values.dtype == bool else values[0, 0] + 1e-12
        other = E.QuestionCalibration(**{**calibration.__dict__, field: values})
        changed.append(E.BootstrapFits.key(rng, other, 0, 300))
    changed.append(E.BootstrapFits.key(rng, calibration, 0, 299))
    changed.append(E.BootstrapFits.key(rng, calibration, 1, 300))
    changed.append(E.BootstrapFits.key(np.random.default_rng(1), calibration, 0, 300))
    assert key not in changed and len(set(changed)) == len(changed)
    assert E.BootstrapFits.key(np.random.default_rng(0), calibration, 0, 300) == key


@pytest.mark.slow
def test_the_nights_estimates_from_the_database_are_unchanged(tmp_path_factory, nlp, tmp_path):
    """On the coded half sample: refits kept in the file beside the model (cold, then warm), the
    training units without their text pool, 1 or 2 workers: the estimates of a full refit, exactly."""
    from consultation import store
    from consultation.codebook import load_consultation
    from consultation.coding.training import load_engine, training_units
    from consultation.store.paths import OutputPaths
    from consultation.text import Lemmatizer
    from test_coding_support import half_sample

    folder, out = half_sample(tmp_path_factory, nlp)
    consultation = load_consultation(folder)
    paths = OutputPaths.for_consultation(out, consultation.id)
    db = tmp_path / "copy.duckdb"
    db.write_bytes(paths.db.read_bytes())
    con = store.connect(db)
    try:
        engine = load_engine(con, consultation, Lemmatizer(nlp))
        assert engine.models
        fits_path = E.bootstrap_fits_path(con, engine)
        assert fits_path is not None and fits_path.parent == paths.root / "models"
        fits_path.unlink(missing_ok=True)
        full = training_units(con, consultation)
        light = training_units(con, consultation, pool=False)
        assert all(t.pool for t in full.values()) and not any(t.pool for t in light.values())
        reference = E.estimate_consultation(con, engine, full, reuse_fits=False, workers=1)
        assert E.METHOD_PCC in set(reference["method"])
        for workers in (2, 1):  # cold (the file is written), then warm (read)
            got = E.estimate_consultation(con, engine, light, workers=workers)
            pd.testing.assert_frame_equal(got, reference, check_exact=True)
            assert fits_path.is_file()
        stamp = fits_path.stat().st_mtime_ns
        E.estimate_consultation(con, engine, light, workers=1)
        assert fits_path.stat().st_mtime_ns == stamp  # a warm run refits nothing: the file is left alone
        fits_path.write_text("not json", encoding="utf-8")
        pd.testing.assert_frame_equal(E.estimate_consultation(con, engine, light, workers=1), reference,
                                      check_exact=True)
    finally:
        con.close()


@pytest.mark.slow
def test_the_lemmatizer_from_the_package_files_is_the_pipelines(nlp, lemmatizer):
    from conftest import SAMPLE_DIR
    from consultation.text import LemmaTable, load_lemmatizer

    light = load_lemmatizer()
    table, full = light.table, LemmaTable(nlp)
    assert table.stop_words == full.stop_words and len(table.stop_words) > 400
    assert dict(table._lookup.items()) == dict(full._lookup.items()) and len(table._lookup) > 100_000
    assert (table._index, table._exceptions, table._rules) == (full._index, full._exceptions, full._rules)
    texts = pd.read_csv(SAMPLE_DIR / "reponses.csv", sep=";", dtype=str, keep_default_na=False)
    cells = [c for col in texts.columns for c in texts[col] if len(c) > 3]
    assert len(cells) > 500
    assert light.joined(cells) == lemmatizer.joined(cells)
    words = sorted({w.lower().strip(".,;:!?()«»\"") for c in cells for w in c.split()})
    assert [table.lemma(w) for w in words] == [full.lemma(w) for w in words]


@pytest.mark.slow
def test_the_lemmatizer_does_not_load_the_french_pipeline():
    """What makes it fast: spaCy's French language class (its tokenizer exceptions) is not imported."""
    import subprocess
    import sys

    code = ("import sys; from consultation.text import load_lemmatizer; load_lemmatizer(); "
            "print('spacy.lang.fr' in sys.modules, 'spacy.lang.fr.tokenizer_exceptions' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
