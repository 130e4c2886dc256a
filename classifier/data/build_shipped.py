"""Train the shipped intent and department models on the shipped data and save them into the package.

    python -m classifier.data.build_shipped [--task intent|department]

Run after regenerating the CSVs. Records the test-split metrics in each model's meta.json.
"""

from __future__ import annotations

import argparse

from classifier.datasets import SHIPPED_TEST, SHIPPED_TRAIN, read_labelled_csv
from classifier.features import INTENT_FEATURES
from classifier.metrics import classification_report
from classifier.model import TextModel
from classifier.persist import save_model
from classifier.shipped import SHIPPED_TASKS, shipped_model_dir


def build(task: str) -> TextModel:
    train = read_labelled_csv(SHIPPED_TRAIN[task])
    test = read_labelled_csv(SHIPPED_TEST[task])
    model = TextModel.train(
        train.texts, train.labels, task=task, features=INTENT_FEATURES, sources={"shipped": len(train)}
    )
    report = classification_report(test.labels, model.predict_labels(test.texts))
    model.meta.metrics = {"test_split": SHIPPED_TEST[task].name, **report}
    save_model(model, shipped_model_dir(task))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the shipped models on the shipped data.")
    parser.add_argument("--task", choices=SHIPPED_TASKS, action="append",
                        help="only this model (repeatable); default all")
    for task in parser.parse_args().task or SHIPPED_TASKS:
        model = build(task)
        metrics = model.meta.metrics
        print(f"{task}: {model.meta.rows} rows, test accuracy {metrics['accuracy']}, "
              f"macro-F1 {metrics['macro_f1']}")


if __name__ == "__main__":
    main()
