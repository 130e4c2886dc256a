"""Write intent_train.csv and intent_test.csv from the hand-written templates.

    python -m classifier.data.generate_intent

Deterministic (fixed seeds); rerun after editing the templates or slots, then rebuild the shipped models
(python -m classifier.data.build_shipped).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

from classifier.data import intent_templates, petition_templates, slots

HERE = Path(__file__).resolve().parent
PETITIONS_PER_INTENT = 300
WEB_PREFIXES = ["", "", "", "尊敬的领导：", "您好！", "各位网友好，", "12345您好，", "政务服务平台留言："]
WEB_SUFFIXES = ["", "", "", "谢谢！", "盼复。", "望回复。", "麻烦了。", "辛苦了！"]


def _written(text: str, rng: random.Random) -> str:
    return rng.choice(WEB_PREFIXES) + text + rng.choice(WEB_SUFFIXES)


def generate(bank: dict[str, Any], per_intent: int, seed: int) -> list[tuple[str, str, str]]:
    """``per_intent`` unique rows per intent, half spoken and half written."""
    rng = random.Random(seed)
    rows: list[tuple[str, str, str]] = []
    for label, styles in bank.items():
        seen: set[str] = set()
        for style in ("spoken", "written"):
            target = per_intent // 2
            count = attempts = 0
            while count < target and attempts < target * 50:
                attempts += 1
                clean = slots.fill(rng.choice(styles[style]), rng)
                text = slots.spoken(clean, rng) if style == "spoken" else _written(clean, rng)
                if text in seen:
                    continue
                seen.add(text)
                rows.append((text, label, style))
                count += 1
    rng.shuffle(rows)
    return rows


def petitions(labels: list[str], per_intent: int, seed: int) -> list[tuple[str, str, str]]:
    """``per_intent`` unique long written contacts (title + body) per intent."""
    rng = random.Random(seed)
    rows: list[tuple[str, str, str]] = []
    for label in labels:
        seen: set[str] = set()
        attempts = 0
        while len(seen) < per_intent and attempts < per_intent * 50:
            attempts += 1
            text = petition_templates.compose(label, rng)
            if text not in seen:
                seen.add(text)
                rows.append((text, label, "petition"))
    rng.shuffle(rows)
    return rows


def write(path: Path, rows: list[tuple[str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label", "style"])
        writer.writerows(rows)


def main() -> None:
    train = generate(intent_templates.TRAIN, per_intent=400, seed=7812345)
    train += petitions(list(intent_templates.TRAIN), per_intent=PETITIONS_PER_INTENT, seed=4021)
    test = generate(intent_templates.TEST, per_intent=80, seed=20261129)
    train_texts = {t for t, _, _ in train}
    test = [row for row in test if row[0] not in train_texts]
    write(HERE / "intent_train.csv", train)
    write(HERE / "intent_test.csv", test)
    print(f"intent_train.csv: {len(train)} rows, intent_test.csv: {len(test)} rows")


if __name__ == "__main__":
    main()
