"""`hotline classifier ...`: train, evaluate, predict on any CSV; versions and rollback of the live models.

Tasks: ``intent`` (咨询/投诉/预约/建议), ``department`` (text -> department code) and ``topic`` (any text ->
label CSV you bring). Without --model the commands use the current trained version under
<data_dir>/classifier/<task>/, else the model shipped in the package.
"""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

import typer

app = typer.Typer(
    help="intent and handler classifier: train, evaluate, predict, versions", no_args_is_help=True
)


class Task(StrEnum):
    intent = "intent"
    department = "department"
    topic = "topic"


TASK_OPT = typer.Option(Task.intent, "--task", help="intent | department | topic")
TEXT_COL = typer.Option("text", "--text-col", help="CSV column holding the text")
LABEL_COL = typer.Option("label", "--label-col", help="CSV column holding the label")
MODEL_OPT = typer.Option(None, "--model", help="model directory (default: current trained, else shipped)")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _registry_root() -> Path:
    from hotline.settings import load_settings

    return load_settings().data_dir / "classifier"


def _load(task: Task, model_dir: Path | None):
    from classifier.persist import ModelLoadError, load_model
    from classifier.shipped import resolve_model_dir
    from hotline.settings import load_settings

    settings = load_settings()
    if model_dir is None and task is Task.intent and settings.classifier_model:
        model_dir = settings.classifier_model
    if model_dir is None and task is Task.topic:
        _fail("the topic task has no default model: pass --model DIR (from `train --task topic --out DIR`)")
    try:
        path = resolve_model_dir(
            task.value, explicit=model_dir, registry_root=settings.data_dir / "classifier"
        )
        return load_model(path), settings
    except (ModelLoadError, ValueError) as exc:
        _fail(str(exc))


def stored_corrections(session, task: str) -> list[tuple[str, str]]:
    """Agents' corrections of ``task`` ("intent" | "department") as (text, label), oldest first; intent
    labels normalised to ids (投诉 -> complaint)."""
    from sqlalchemy import select

    from classifier.labels import intent_id
    from hotline.models.learning import ClassifierCorrection

    rows = session.execute(
        select(ClassifierCorrection.text, ClassifierCorrection.corrected)
        .where(ClassifierCorrection.task == task)
        .order_by(ClassifierCorrection.created_at, ClassifierCorrection.id)
    ).all()
    fix = intent_id if task == "intent" else str.strip
    return [(text, fix(label)) for text, label in rows]


def _stored_corrections(task: Task) -> list[tuple[str, str]]:
    from sqlalchemy.orm import Session

    from hotline.db import make_engine
    from hotline.settings import load_settings

    engine = make_engine(load_settings().effective_database_url)
    try:
        with Session(engine) as session:
            return stored_corrections(session, task.value)
    finally:
        engine.dispose()


@app.command()
def train(
    task: Task = TASK_OPT,
    data: Path | None = typer.Option(None, "--data", help="labelled CSV (default: the shipped training set)"),
    text_col: str = TEXT_COL,
    label_col: str = LABEL_COL,
    out: Path | None = typer.Option(
        None, "--out", help="write the model here instead of publishing a version"
    ),
    corrections: bool | None = typer.Option(
        None,
        "--corrections/--no-corrections",
        help="add stored agent corrections (default: only without --data)",
    ),
    correction_weight: float = typer.Option(10.0, min=1.0, help="one correction weighs this many rows"),
) -> None:
    """Train a model; publish it as the new current version (or write it to --out)."""
    from classifier.datasets import (
        SHIPPED_TEST,
        SHIPPED_TRAIN,
        DataError,
        read_labelled_csv,
        with_corrections,
    )
    from classifier.features import INTENT_FEATURES, TOPIC_FEATURES
    from classifier.labels import intent_id
    from classifier.metrics import classification_report
    from classifier.model import TextModel
    from classifier.persist import save_model
    from classifier.versions import ModelRegistry

    if data is None and task is Task.topic:
        _fail("--task topic needs --data FILE.csv (any text,label CSV)")
    try:
        base = read_labelled_csv(data or SHIPPED_TRAIN[task.value], text_col, label_col)
    except DataError as exc:
        _fail(str(exc))
    if task is Task.intent:
        base.labels = [intent_id(label) for label in base.labels]
    source = str(data) if data else f"shipped:{SHIPPED_TRAIN[task.value].name}"  # topic always has --data
    sources: dict[str, str | int] = {"data": source, "rows": len(base)}
    fixes: list[tuple[str, str]] = []
    if corrections or (corrections is None and data is None and task is not Task.topic):
        try:
            fixes = _stored_corrections(task)
        except Exception as exc:  # noqa: BLE001 - the DB is optional unless asked for explicitly
            if corrections:
                _fail(f"cannot read stored corrections: {exc}")
            typer.echo(
                f"note: no stored corrections used ({type(exc).__name__}: {str(exc).splitlines()[0]})",
                err=True,
            )
    training = with_corrections(base, fixes, correction_weight) if fixes else base
    sources["corrections"] = len(training) - len(base)
    features = TOPIC_FEATURES if task is Task.topic else INTENT_FEATURES
    try:
        model = TextModel.train(
            training.texts,
            training.labels,
            task=task.value,
            weights=training.weights,
            features=features,
            sources=sources,
        )
    except ValueError as exc:
        _fail(str(exc))
    if data is None:
        test = read_labelled_csv(SHIPPED_TEST[task.value])
        report = classification_report(test.labels, model.predict_labels(test.texts))
        model.meta.metrics = {"test_split": SHIPPED_TEST[task.value].name, **report}
    if out is not None:
        save_model(model, out)
        where = str(out)
    else:
        info = ModelRegistry(_registry_root(), task.value).publish(model)
        where = f"{info.path} (version {info.version}, now current)"
    typer.echo(
        f"trained {task.value} model on {len(training)} rows ({sources['corrections']} corrections), "
        f"{len(model.labels)} labels, data hash {model.meta.data_hash[:12]} -> {where}"
    )
    if model.meta.metrics:
        m = model.meta.metrics
        typer.echo(
            f"test split {m['test_split']}: accuracy {m['accuracy']:.4f}, macro-F1 {m['macro_f1']:.4f}"
        )


@app.command()
def evaluate(
    model_dir: Path | None = MODEL_OPT,
    data: Path | None = typer.Option(None, "--data", help="labelled CSV (default: the shipped test split)"),
    text_col: str = TEXT_COL,
    label_col: str = LABEL_COL,
    task: Task = TASK_OPT,
    as_json: bool = typer.Option(
        False, "--json", help="print JSON: accuracy, macro_f1, per_class, confusion"
    ),
) -> None:
    """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix on a labelled CSV."""
    from classifier.datasets import SHIPPED_TEST, DataError, read_labelled_csv
    from classifier.labels import intent_id
    from classifier.metrics import classification_report, format_report

    model, _settings = _load(task, model_dir)
    if data is None and model.meta.task not in SHIPPED_TEST:
        _fail(f"no shipped test split for a {model.meta.task!r} model: pass --data FILE.csv")
    try:
        rows = read_labelled_csv(data or SHIPPED_TEST[model.meta.task], text_col, label_col)
    except DataError as exc:
        _fail(str(exc))
    truth = [intent_id(label) for label in rows.labels] if model.meta.task == "intent" else rows.labels
    report = classification_report(truth, model.predict_labels(rows.texts))
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_report(report))


@app.command()
def predict(
    text: str | None = typer.Argument(None, help="the text to classify"),
    model_dir: Path | None = MODEL_OPT,
    data: Path | None = typer.Option(None, "--data", help="CSV to classify in bulk"),
    text_col: str = TEXT_COL,
    out: Path | None = typer.Option(None, "--out", help="CSV to write for --data (default: stdout)"),
    task: Task = TASK_OPT,
    threshold: float | None = typer.Option(None, min=0.0, max=1.0, help="triage below this confidence"),
    as_json: bool = typer.Option(False, "--json", help="print the prediction as JSON"),
) -> None:
    """Classify one text, or every row of --data: writes the input columns plus label, display,
    confidence, needs_triage, error (prefixed predicted_ where the input already has such a column)."""
    from classifier.datasets import DataError, read_table
    from classifier.text import EmptyTextError

    if (text is None) == (data is None):
        _fail('give either one text (hotline classifier predict "文本") or --data FILE.csv')
    model, settings = _load(task, model_dir)
    limit = threshold if threshold is not None else settings.intent_threshold
    if text is not None:
        try:
            result = model.predict(text, limit)
        except EmptyTextError as exc:
            _fail(str(exc))
        if as_json:
            typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            triage = "  -> human triage" if result.needs_triage else ""
            alts = "  ".join(f"{label} {p:.2f}" for label, p in result.alternatives[1:4])
            typer.echo(f"{result.label} ({result.display}) {result.confidence:.2f}{triage}   others: {alts}")
        return
    assert data is not None  # exactly one of text and data, checked above
    try:
        columns, rows = read_table(data, text_col)
    except DataError as exc:
        _fail(str(exc))
    _write_predictions(model, columns, rows, text_col, limit, out)


PREDICTION_COLUMNS = ["label", "display", "confidence", "needs_triage", "error"]


def _write_predictions(
    model, columns: list[str], rows: list[dict], text_col: str, threshold: float, out: Path | None
) -> None:
    """The input rows with prediction columns appended (named predicted_* where the input has the name)."""
    from classifier.text import normalize

    texts = [row[text_col] for row in rows]
    filled = [i for i, t in enumerate(texts) if normalize(t)]
    results = dict(zip(filled, model.predict_many([texts[i] for i in filled], threshold), strict=True))
    added = [f"predicted_{c}" if c in columns else c for c in PREDICTION_COLUMNS]
    fh = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        writer = csv.writer(fh)
        writer.writerow(columns + added)
        for i, row in enumerate(rows):
            r = results.get(i)
            if r is None:
                values = ["", "", "", "true", "empty text"]
            else:
                values = [r.label, r.display, f"{r.confidence:.4f}", str(r.needs_triage).lower(), ""]
            writer.writerow([row.get(c, "") for c in columns] + values)
    finally:
        if out:
            fh.close()
    if out:
        typer.echo(f"wrote {len(rows)} predictions to {out} ({len(rows) - len(filled)} empty rows)")


@app.command()
def versions(task: Task = TASK_OPT) -> None:
    """List the trained versions of a task's model (the current one marked *)."""
    from classifier.versions import ModelRegistry

    found = ModelRegistry(_registry_root(), task.value).versions()
    if not found:
        typer.echo(f"no trained {task.value} versions yet; the shipped model is in use")
        return
    for v in found:
        m = v.meta.metrics
        score = f"test macro-F1 {m['macro_f1']:.4f}" if m else "no test metrics"
        mark = "*" if v.current else " "
        typer.echo(
            f"{mark} {v.version}  {v.meta.created_at}  rows {v.meta.rows}  "
            f"corrections {v.meta.sources.get('corrections', 0)}  {score}  hash {v.meta.data_hash[:12]}"
        )


@app.command()
def rollback(
    version: str = typer.Argument(..., help="a version from `hotline classifier versions`"),
    task: Task = TASK_OPT,
) -> None:
    """Make an earlier trained version current again."""
    from classifier.persist import ModelLoadError
    from classifier.versions import ModelRegistry

    try:
        info = ModelRegistry(_registry_root(), task.value).rollback(version)
    except (ValueError, ModelLoadError) as exc:
        _fail(str(exc))
    typer.echo(f"{task.value} model {info.version} is current again")
