"""`hotline classifier train/evaluate/predict` on arbitrary CSV files, in the forms the harness uses."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotline.cli.classifier_cli import app

TOPICS = {
    "交通运输": ["公交车{}路晚点严重", "{}号公路坑洼不平", "出租车{}号拒载乘客", "客运站{}班车停运"],
    "教育文体": ["{}小学乱收补课费", "{}中学食堂饭菜差", "幼儿园{}班老师体罚孩子", "{}学校学籍转不出去"],
    "环境保护": ["{}工厂夜里偷排污水", "{}号煤场扬尘严重", "河道{}段垃圾成堆", "{}化工厂气味刺鼻"],
}


def _write_topics(path: Path, offset: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "message", "topic"])
        for topic, frames in TOPICS.items():
            for i, frame in enumerate(frames * 5):
                writer.writerow([f"{topic}{i}", frame.format(offset + i), topic])
    return path


@pytest.fixture(scope="module")
def topic_model(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("topic")
    data = _write_topics(tmp / "train.csv", 0)
    out = tmp / "model"
    result = CliRunner().invoke(
        app,
        ["train", "--task", "topic", "--data", str(data), "--text-col", "message", "--label-col", "topic",
         "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    return out


def test_train_on_any_csv_then_evaluate_as_json(topic_model, tmp_path):
    test = _write_topics(tmp_path / "test.csv", 100)
    result = CliRunner().invoke(app, ["evaluate", "--model", str(topic_model), "--data", str(test),
                                      "--text-col", "message", "--label-col", "topic", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {"accuracy", "macro_f1", "per_class", "confusion"} <= set(report)
    assert report["accuracy"] >= 0.9
    assert set(report["per_class"]) == set(TOPICS)
    assert {"precision", "recall", "f1"} <= set(report["per_class"]["交通运输"])
    assert report["confusion"]["labels"] == sorted(TOPICS)
    assert sum(map(sum, report["confusion"]["matrix"])) == 60


def test_evaluate_prints_a_readable_table(topic_model, tmp_path):
    test = _write_topics(tmp_path / "test.csv", 50)
    result = CliRunner().invoke(app, ["evaluate", "--model", str(topic_model), "--data", str(test),
                                      "--text-col", "message", "--label-col", "topic"])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "confusion" in result.output and "环境保护" in result.output


def test_predict_one_text_and_a_csv_batch(topic_model, tmp_path):
    one = CliRunner().invoke(app, ["predict", "--model", str(topic_model), "--json", "学校食堂的饭菜太差了"])
    assert one.exit_code == 0, one.output
    assert json.loads(one.output)["label"] == "教育文体"

    batch_in = tmp_path / "in.csv"
    batch_in.write_text("text\n化工厂排污水\n   \n公交车又晚点了\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["predict", "--model", str(topic_model), "--data", str(batch_in),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["label"] for r in rows] == ["环境保护", "", "交通运输"]
    assert rows[1]["error"] == "empty text" and rows[1]["needs_triage"] == "true"

    labelled = tmp_path / "labelled.csv"
    labelled.write_text("id,text,label\nm1,化工厂排污水,环境保护\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["predict", "--model", str(topic_model), "--data", str(labelled)])
    assert result.exit_code == 0, result.output
    row = next(csv.DictReader(io.StringIO(result.output)))  # stdout without --out
    assert (row["id"], row["label"], row["predicted_label"]) == ("m1", "环境保护", "环境保护")
    assert float(row["confidence"]) > 0.3


def test_default_intent_model_is_the_shipped_one(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))  # no trained versions here
    monkeypatch.delenv("HOTLINE_CLASSIFIER_MODEL", raising=False)
    result = CliRunner().invoke(app, ["predict", "--json", "我想约个时间过去办营业执照"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["label"] == "appointment"
    report = CliRunner().invoke(app, ["evaluate", "--json"])  # shipped model on the shipped test split
    assert json.loads(report.output)["macro_f1"] >= 0.85


def test_missing_column_names_the_column_and_the_columns_found(topic_model, tmp_path):
    data = _write_topics(tmp_path / "t.csv", 0)
    result = CliRunner().invoke(app, ["evaluate", "--model", str(topic_model), "--data", str(data)])
    assert result.exit_code == 2
    assert "missing column 'text'" in result.output and "id, message, topic" in result.output
    train = _train_topic(data, tmp_path / "m")
    assert train.exit_code == 2 and "'text'" in train.output and "'label'" in train.output


def _train_topic(data: Path, out: Path):
    return CliRunner().invoke(app, ["train", "--task", "topic", "--data", str(data), "--out", str(out)])


def test_clear_errors_for_unusable_input(topic_model, tmp_path):
    runner = CliRunner()
    empty = runner.invoke(app, ["predict", "--model", str(topic_model), "   "])
    assert empty.exit_code == 2 and "text is empty" in empty.output
    missing = runner.invoke(app, ["evaluate", "--model", str(tmp_path / "nowhere"), "--data", "x.csv"])
    assert missing.exit_code == 2 and "train a model" in missing.output
    binary = tmp_path / "latin1.csv"
    binary.write_bytes(b"text,label\n" + "caf\xe9,x\n".encode("latin-1"))
    bad = _train_topic(binary, tmp_path / "m")
    assert bad.exit_code == 2 and "UTF-8" in bad.output
    one_label = tmp_path / "one.csv"
    one_label.write_text("text,label\n甲乙,x\n丙丁,x\n", encoding="utf-8")
    single = _train_topic(one_label, tmp_path / "m")
    assert single.exit_code == 2 and "two labels" in single.output
