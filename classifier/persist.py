"""Save and load models safely: skops (no pickle) plus meta.json; loading trusts an explicit type list.

A model directory holds ``model.skops`` and ``meta.json``. Loading refuses any file with types outside
skops' defaults plus :data:`TRUSTED_TYPES` (a pickle-free format still must not build arbitrary classes).
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from classifier.model import ModelMeta, TextModel

MODEL_FILE = "model.skops"
META_FILE = "meta.json"

TRUSTED_TYPES = frozenset(
    {
        "builtins.float",
        "classifier.char_features.CharNgramTfidf",
        "builtins.int",
        "builtins.slice",
        "builtins.tuple",
        "collections.defaultdict",
        "numpy.dtype",
        "numpy.float32",
        "numpy.float64",
        "numpy.int64",
        "numpy.ndarray",
        "scipy.sparse._csr.csr_matrix",
        "sklearn.calibration.CalibratedClassifierCV",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.compose._column_transformer.ColumnTransformer",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.pipeline.Pipeline",
        "sklearn.preprocessing._label.LabelEncoder",
        "sklearn.svm._classes.LinearSVC",
        "sklearn.utils._bunch.Bunch",
    }
)


class ModelLoadError(RuntimeError):
    """The model directory is missing, incomplete, or holds types we do not trust."""


def save_model(model: TextModel, directory: Path) -> Path:
    import skops.io as sio

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for vectorizer in _vectorizers(model.pipeline):
        vectorizer.stop_words_ = None  # terms cut by min/max_df: only for introspection, can be large
    tmp = directory / (MODEL_FILE + ".tmp")
    sio.dump(model.pipeline, tmp, compression=zipfile.ZIP_DEFLATED)
    os.replace(tmp, directory / MODEL_FILE)
    meta_tmp = directory / (META_FILE + ".tmp")
    meta_tmp.write_text(json.dumps(model.meta.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(meta_tmp, directory / META_FILE)
    return directory


def _vectorizers(pipeline: Any) -> Iterator[Any]:
    features = pipeline.named_steps.get("features")
    for _name, transformer in getattr(features, "named_transformers_", {}).items():
        if hasattr(transformer, "stop_words_"):
            yield transformer


def read_meta(directory: Path) -> ModelMeta:
    path = Path(directory) / META_FILE
    if not path.is_file():
        raise ModelLoadError(f"{directory}: no {META_FILE}; train a model with `hotline classifier train`")
    return ModelMeta.from_dict(json.loads(path.read_text(encoding="utf-8")))


def load_model(directory: Path) -> TextModel:
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    directory = Path(directory)
    path = directory / MODEL_FILE
    if not path.is_file():
        raise ModelLoadError(f"{directory}: no {MODEL_FILE}; train a model with `hotline classifier train`")
    meta = read_meta(directory)
    try:
        pipeline = sio.load(path, trusted=sorted(TRUSTED_TYPES))
    except UntrustedTypesFoundException as exc:
        raise ModelLoadError(f"{path}: refusing to load untrusted types ({exc})") from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ModelLoadError(f"{path}: not a readable model file ({type(exc).__name__}: {exc})") from None
    return TextModel(pipeline, meta)
