"""The learning loop: agents' corrections, stored in the database, change the next trained model."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from classifier.datasets import with_corrections
from classifier.metrics import classification_report
from classifier.model import TextModel
from classifier.persist import load_model
from classifier.versions import ModelRegistry
from hotline import migrate
from hotline.cli.classifier_cli import app, stored_corrections
from hotline.db import make_engine
from hotline.models.learning import ClassifierCorrection

AMBIGUOUS = "路灯坏了好长时间了最好换成太阳能的"  # complaint or suggestion: agents decide


def test_one_correction_changes_the_next_model(trained_intent, intent_train, intent_test):
    before = trained_intent.predict(AMBIGUOUS)
    wanted = before.alternatives[1][0]  # the agent picks the runner-up
    data = with_corrections(intent_train, [(AMBIGUOUS, wanted)])
    after = TextModel.train(data.texts, data.labels, task="intent", weights=data.weights)
    assert after.predict(AMBIGUOUS).label == wanted != before.label
    assert after.meta.data_hash != trained_intent.meta.data_hash
    # one correction does not break the rest
    report = classification_report(intent_test.labels, after.predict_labels(intent_test.texts))
    assert report["macro_f1"] >= 0.85


def test_later_correction_of_the_same_text_wins(intent_train):
    merged = with_corrections(intent_train, [("同一句话", "complaint"), ("同一句话", "suggestion")], weight=5)
    assert merged.texts[-1] == "同一句话" and merged.labels[-1] == "suggestion" and merged.weights[-1] == 5
    assert len(merged) == len(intent_train) + 1


def test_stored_corrections_are_read_from_the_database(db_session):
    db_session.add_all([
        ClassifierCorrection(task="intent", text="甲", predicted="complaint", corrected="建议", actor="a1"),
        ClassifierCorrection(task="department", text="乙", predicted="rsj", corrected="ybj", actor="a1"),
    ])
    db_session.flush()
    assert ("甲", "suggestion") in stored_corrections(db_session, "intent")  # display label -> id
    assert ("乙", "ybj") in stored_corrections(db_session, "department")
    assert ("乙", "ybj") not in stored_corrections(db_session, "intent")


def test_cli_train_uses_stored_corrections_publishes_a_version_and_rolls_back(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'hotline.sqlite3'}")
    migrate.upgrade(engine)
    runner = CliRunner()

    first = runner.invoke(app, ["train", "--task", "intent"])
    assert first.exit_code == 0, first.output
    registry = ModelRegistry(tmp_path / "classifier", "intent")
    v1 = registry.current()
    before = load_model(registry.current_path()).predict(AMBIGUOUS)
    wanted = before.alternatives[1][0]

    with Session(engine) as session:
        fix = ClassifierCorrection(task="intent", text=AMBIGUOUS, predicted=before.label, corrected=wanted)
        session.add(fix)
        session.commit()
    engine.dispose()
    second = runner.invoke(app, ["train", "--task", "intent"])
    assert second.exit_code == 0, second.output
    assert "1 corrections" in second.output
    v2 = registry.current()
    assert v2 != v1
    assert load_model(registry.current_path()).predict(AMBIGUOUS).label == wanted
    assert registry.versions()[-1].meta.sources["corrections"] == 1

    listing = runner.invoke(app, ["versions", "--task", "intent"])
    assert v1 in listing.output and f"* {v2}" in listing.output
    back = runner.invoke(app, ["rollback", v1, "--task", "intent"])
    assert back.exit_code == 0, back.output
    assert registry.current() == v1
    predicted = runner.invoke(app, ["predict", AMBIGUOUS])  # the default model is the current version
    assert predicted.output.startswith(before.label)
    unknown = runner.invoke(app, ["rollback", "nope", "--task", "intent"])
    assert unknown.exit_code == 2 and "known versions" in unknown.output


def test_a_correction_can_teach_a_department_the_model_never_saw():
    from classifier.datasets import SHIPPED_TRAIN, read_labelled_csv

    base = read_labelled_csv(SHIPPED_TRAIN["department"])
    text = "上海庙镇政府门口的广场没人打扫"
    assert "shmz" not in base.labels
    data = with_corrections(base, [(text, "shmz")])
    model = TextModel.train(data.texts, data.labels, task="department", weights=data.weights)
    assert model.predict(text).label == "shmz"
    assert model.predict("医保异地就医备案怎么办").label == "ybj"
