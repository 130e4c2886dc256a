"""Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix, as plain JSON-able data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def classification_report(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    per_class = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    matrix = confusion_matrix(truth, predicted, labels=labels)
    return {
        "rows": len(truth),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(
            float(f1_score(truth, predicted, labels=sorted(set(truth)), average="macro", zero_division=0)), 4
        ),
        "per_class": per_class,
        "confusion": {"labels": labels, "matrix": matrix.tolist()},
    }


def format_report(report: dict[str, Any]) -> str:
    """Human-readable table of :func:`classification_report` output."""
    lines = [
        f"rows {report['rows']}  accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}",
        "",
        f"{'label':<24}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}",
    ]
    for label, m in report["per_class"].items():
        lines.append(
            f"{label:<24}{m['precision']:>10.4f}{m['recall']:>10.4f}{m['f1']:>10.4f}{m['support']:>9}"
        )
    labels = report["confusion"]["labels"]
    lines += [
        "",
        "confusion (rows = true, columns = predicted):",
        " " * 24 + "".join(f"{i:>6}" for i in range(len(labels))),
    ]
    for i, (label, row) in enumerate(zip(labels, report["confusion"]["matrix"], strict=True)):
        lines.append(f"{i:>3} {label:<20}" + "".join(f"{n:>6}" for n in row))
    return "\n".join(lines)
