"""Models are stored with skops and loaded only with an explicit trusted-types list."""

from __future__ import annotations

import shutil

import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from classifier.persist import META_FILE, MODEL_FILE, ModelLoadError, load_model, save_model
from classifier.shipped import shipped_model_dir


def test_a_saved_model_loads_back_with_the_same_predictions(tmp_path, trained_intent):
    save_model(trained_intent, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    texts = ["能不能上门给老人办认证", "建议多开几趟班车", "低保怎么还没批下来", "社保卡在哪补办"]
    assert loaded.predict_labels(texts) == trained_intent.predict_labels(texts)
    assert loaded.meta.data_hash == trained_intent.meta.data_hash
    assert loaded.meta.labels == sorted(["consultation", "complaint", "appointment", "suggestion"])


def test_a_file_with_untrusted_types_is_refused(tmp_path):
    shutil.copytree(shipped_model_dir("intent"), tmp_path / "m")
    evil = Pipeline([("f", FunctionTransformer(func=print))])
    sio.dump(evil, tmp_path / "m" / MODEL_FILE)
    with pytest.raises(ModelLoadError, match="untrusted"):
        load_model(tmp_path / "m")


def test_missing_or_broken_files_give_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="train a model"):
        load_model(tmp_path)
    shutil.copytree(shipped_model_dir("intent"), tmp_path / "m")
    (tmp_path / "m" / MODEL_FILE).write_bytes(b"not a zip file")
    with pytest.raises(ModelLoadError, match="not a readable model file"):
        load_model(tmp_path / "m")
    (tmp_path / "m" / META_FILE).unlink()
    with pytest.raises(ModelLoadError, match="meta.json"):
        load_model(tmp_path / "m")
