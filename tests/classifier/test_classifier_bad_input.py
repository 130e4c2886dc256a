"""Odd input gets a sane answer or a clear error, never a crash."""

from __future__ import annotations

import pytest

from classifier.routing import route
from classifier.shipped import load_shipped
from classifier.text import EmptyTextError, normalize


@pytest.fixture(scope="module")
def intent_model():
    return load_shipped("intent")


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\x00\x01"])
def test_empty_text_is_a_clear_error(intent_model, text):
    with pytest.raises(EmptyTextError, match="text is empty"):
        intent_model.predict(text)
    assert route(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "😡😡😡",
        "I want to complain about the heating",
        "社保card丢了how to补办？？？",
        "ᠮᠣᠩᠭᠣᠯ 蒙古文 ᠪᠢᠴᠢᠭ",
        "１２３４５６",
        "投诉" * 50_000,  # 100 kB
    ],
)
def test_odd_text_gets_a_well_formed_answer(intent_model, text):
    p = intent_model.predict(text)
    assert p.label in intent_model.labels and 0.0 <= p.confidence <= 1.0
    assert len(p.alternatives) == 4


def test_100_kb_text_is_cut_not_choked_on(intent_model):
    long = "我想问一下社保卡怎么补办" + "啊" * 100_000
    assert len(normalize(long)) <= 3000
    assert intent_model.predict(long).label == "consultation"


def test_asr_word_spacing_and_full_width_are_normalised():
    assert normalize("喂 你好 我 想 问 一下 ＡＢＣ  社保") == "喂你好我想问一下 abc 社保"
    with pytest.raises(TypeError):
        normalize(None)  # type: ignore[arg-type]


def test_csv_with_a_huge_field_is_read_and_classified(tmp_path, monkeypatch):
    import csv
    import io

    from typer.testing import CliRunner

    from hotline.cli.classifier_cli import app

    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    data = tmp_path / "in.csv"
    data.write_text('text\n"' + "路灯坏了没人修" * 30_000 + '"\n希望多开几趟班车\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["predict", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["label"] for r in rows] == ["complaint", "suggestion"]
