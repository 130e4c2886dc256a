"""Labelled CSV files: reading with clear column errors, the shipped training sets, and data hashes."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_TRAIN = {"intent": DATA_DIR / "intent_train.csv", "department": DATA_DIR / "department_train.csv"}
MAX_FIELD_CHARS = 16 * 1024 * 1024  # csv's default 128 kB field limit is too small for pasted documents
SHIPPED_TEST = {"intent": DATA_DIR / "intent_test.csv", "department": DATA_DIR / "department_test.csv"}


class DataError(ValueError):
    """A training or evaluation file cannot be used; the message says why and what to do."""


@dataclass
class LabelledData:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def extend(self, texts: Sequence[str], labels: Sequence[str], weight: float = 1.0) -> None:
        self.texts.extend(texts)
        self.labels.extend(labels)
        self.weights.extend([weight] * len(texts))

    def hash(self) -> str:
        return data_hash(self.texts, self.labels, self.weights)


def data_hash(texts: Sequence[str], labels: Sequence[str], weights: Sequence[float] | None = None) -> str:
    """sha256 over the rows (text, label, weight), order-sensitive; identifies a training set."""
    digest = hashlib.sha256()
    weights = weights if weights is not None else [1.0] * len(texts)
    for text, label, weight in zip(texts, labels, weights, strict=True):
        digest.update(f"{text}\x1f{label}\x1f{float(weight):g}\x1e".encode())
    return digest.hexdigest()


def read_column(path: Path, column: str) -> list[str]:
    """One column of a CSV (UTF-8, optional BOM)."""
    return [row[0] for row in _rows(path, [column])]


def read_table(path: Path, required: str) -> tuple[list[str], list[dict[str, str]]]:
    """All columns of a CSV (column names, rows), checking that ``required`` is among them."""
    _rows(path, [required])  # same checks and errors as the other readers
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]
        return list(reader.fieldnames or []), rows


def read_labelled_csv(path: Path, text_col: str = "text", label_col: str = "label") -> LabelledData:
    """Rows with a non-empty text and label; rows missing either are skipped (counted in the error if all)."""
    data = LabelledData()
    for text, label in _rows(path, [text_col, label_col]):
        if text.strip() and label.strip():
            data.extend([text], [label.strip()])
    if not data:
        raise DataError(f"{path}: no rows with both {text_col!r} and {label_col!r} filled in")
    return data


def _rows(path: Path, columns: list[str]) -> list[list[str]]:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            found = reader.fieldnames or []
            missing = [c for c in columns if c not in found]
            if missing:
                raise DataError(
                    f"{path}: missing column {', '.join(repr(c) for c in missing)}; "
                    f"columns found: {', '.join(found) or '(none)'}. "
                    "Use --text-col/--label-col to pick other columns."
                )
            return [[(row.get(c) or "") for c in columns] for row in reader]
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason}); save the file as UTF-8 CSV") from None
    except csv.Error as exc:
        raise DataError(f"{path}: not a readable CSV ({exc})") from None


def with_corrections(
    base: LabelledData, corrections: Sequence[tuple[str, str]], weight: float = 10.0
) -> LabelledData:
    """``base`` plus agents' corrections (text, corrected label), each weighing ``weight`` template rows.

    When the same text was corrected more than once, the last correction wins (pass them oldest first).
    """
    latest: dict[str, str] = {}
    for text, label in corrections:
        if text and text.strip() and label and label.strip():
            latest[text.strip()] = label.strip()
    merged = LabelledData(list(base.texts), list(base.labels), list(base.weights))
    merged.extend(list(latest), list(latest.values()), weight)
    return merged
