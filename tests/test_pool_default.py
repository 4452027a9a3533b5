"""Features fitted on every answer of the question (`ModelSettings.features_on_pool`) are the
default: a model saved with the former default (features fitted on the coded answers only) is
trained again, by `consultation code` and by the nightly flow's training check, never reused
beside the new ones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from consultation import store
from consultation.codebook import load_consultation
from consultation.coding import model_state
from consultation.coding.model import DEFAULT_SETTINGS, ModelSettings, model_version
from consultation.coding.training import prepare_engine
from consultation.ingest.core import ingest_consultation
from test_coding_support import HALF_CODED, require_sample

FORMER_DEFAULT = ModelSettings(features_on_pool=False)


def test_the_default_fits_features_on_every_answer_and_changes_the_version():
    assert DEFAULT_SETTINGS.features_on_pool is True
    assert DEFAULT_SETTINGS.as_dict()["features_on_pool"] is True
    # off, the setting is absent from the settings' dictionary: the versions of the models saved
    # before it existed (features on the coded answers only) are the versions it gives
    assert not {"features_on_pool", "features_pool_max"} & set(FORMER_DEFAULT.as_dict())
    for codebook_version in (1, 2):
        for digest in ("a", "b"):
            assert model_version(codebook_version, digest, DEFAULT_SETTINGS) != model_version(
                codebook_version, digest, FORMER_DEFAULT)


@pytest.fixture
def sample(tmp_path):
    """The bundled sample with the human codes of its first 25 structures only (in memory)."""
    from conftest import SAMPLE_DIR

    require_sample()
    folder = tmp_path / "segur-2020-sample"
    shutil.copytree(SAMPLE_DIR, folder)
    codes = pd.read_csv(folder / "codes_humains.csv", dtype=str, keep_default_na=False)
    keep = sorted(codes["respondent_id"].unique())[:HALF_CODED]
    codes[codes["respondent_id"].isin(keep)].to_csv(folder / "codes_humains.csv", index=False)
    consultation = load_consultation(folder)
    con = store.connect(None)
    ingest_consultation(con, consultation, folder)
    yield consultation, con
    con.close()


def test_the_features_see_at_most_the_cap_of_answers():
    """`pool_sample` keeps at most the cap of distinct texts (the same ones each time), and every
    distinct text when there are fewer."""
    from consultation.coding.model import pool_sample

    texts = [f"réponse {i}" for i in range(300)]
    assert pool_sample(texts + texts[:10], 1_000) == texts
    kept = pool_sample(texts, 50)
    assert len(kept) == 50 and len(set(kept)) == 50 and set(kept) <= set(texts)
    assert pool_sample(texts, 50) == kept


def test_a_model_of_the_former_default_is_trained_again(sample, lemmatizer, tmp_path):
    consultation, con = sample
    tmp_path = tmp_path / "models"
    old, _, trained = prepare_engine(con, consultation, lemmatizer, models_dir=tmp_path, settings=FORMER_DEFAULT)
    assert trained and old.model_version
    need = model_state.training_need(con, consultation.id)
    assert need.needed and "réglages" in need.reason  # the nightly flow retrains it

    new, _, trained = prepare_engine(con, consultation, lemmatizer, models_dir=tmp_path)
    assert trained and new.model_version != old.model_version  # not reused: trained again
    card = json.loads(Path(tmp_path / f"{new.model_version}.json").read_text(encoding="utf-8"))
    assert card["settings"]["features_on_pool"] is True
    assert model_state.current_model(con, consultation.id).model_version == new.model_version
    assert not model_state.training_need(con, consultation.id).needed
    again, _, trained = prepare_engine(con, consultation, lemmatizer, models_dir=tmp_path)
    assert not trained and again.model_version == new.model_version  # unchanged codes: reused
    # the features know words of the answers nobody coded (the vocabulary is the pool's)
    vocabulary = set()
    for model in new.models.values():
        vocabulary |= set(model.pipeline.named_steps["features"].named_transformers_["lemmes"].vocabulary_)
    former = set()
    for model in old.models.values():
        former |= set(model.pipeline.named_steps["features"].named_transformers_["lemmes"].vocabulary_)
    assert len(vocabulary) > len(former)
