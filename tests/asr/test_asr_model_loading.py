"""Loading a model: what the error says when the configuration is wrong; the real Korean model."""

from __future__ import annotations

import os

import pytest

import asr
from tests.asr.conftest import ko_model_dir

WHAT_TO_DO = ("HOTLINE_VOSK_MODEL", "hotline models download small-cn")


def test_no_model_configured_says_what_to_set_or_run():
    with pytest.raises(asr.ModelNotFoundError) as err:
        asr.load_model(None)
    assert "No Vosk model configured" in str(err.value) and all(hint in str(err.value) for hint in WHAT_TO_DO)


def test_wrong_path_says_what_is_missing_and_what_to_do(tmp_path):
    with pytest.raises(asr.ModelNotFoundError) as err:
        asr.load_model(tmp_path / "vosk-model-small-cn-0.22")
    assert "does not exist" in str(err.value) and all(hint in str(err.value) for hint in WHAT_TO_DO)
    (tmp_path / "empty").mkdir()
    with pytest.raises(asr.ModelNotFoundError, match="missing am/final.mdl"):
        asr.load_model(tmp_path / "empty")


def test_model_one_level_down_is_pointed_at(tmp_path):
    inner = tmp_path / "outer" / "vosk-model-small-cn-0.22"
    for name in ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst"):
        (inner / name).parent.mkdir(parents=True, exist_ok=True)
        (inner / name).write_bytes(b"x")
    with pytest.raises(asr.ModelNotFoundError, match=f"one level down: use {inner}"):
        asr.load_model(tmp_path / "outer")


def test_corrupt_model_files_give_an_error_not_a_crash(tmp_path):
    for name in ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(os.urandom(2000))
    with pytest.raises(asr.ModelNotFoundError, match="Vosk could not load the model.*hotline models verify"):
        asr.load_model(tmp_path)


@pytest.mark.vosk
def test_korean_model_from_pypi(ko_model):
    # an overlay of the model (conf files edited, see asr.dither): the model's own graph and acoustic model
    assert (ko_model.path / "graph").resolve() == (ko_model_dir() / "graph").resolve()
    assert ko_model.sample_rate == 16000
    assert ko_model.supports_phrases  # lookahead graph: HCLr.fst + Gr.fst
    assert ko_model.knows_word("안녕하세요") and not ko_model.knows_word("qqqzzz")
