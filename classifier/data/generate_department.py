"""Write department_train.csv and department_test.csv (text -> owning department code).

    python -m classifier.data.generate_department

Train and test use different sentence frames, and the test split also uses topic phrases held out of
training (the last two per department), so it measures generalisation.

Training phrases are our own topic lists, the remit of the rarely asked bodies (REMIT_TOPICS), and each
department's service items in the seed catalogue (item names and their colloquial keywords): what a
department is responsible for, from the organisation's own data. Every department gets the same number of
rows, however many items it runs.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from classifier.data import slots
from classifier.data.department_topics import DEPARTMENT_TOPICS, MORE_TOPICS, REMIT_TOPICS
from classifier.data.generate_intent import write

HERE = Path(__file__).resolve().parent
HELD_OUT = 2
CATALOGUE = HERE.parent.parent / "knowledge_base" / "seed" / "catalogue"
PER_DEPARTMENT = 300  # rows per department: 200 left the sampled phrases too uneven (test split 0.78)

TRAIN_FRAMES = [
    ("spoken", "我想问一下{topic}的事"),
    ("spoken", "{topic}这个事找谁"),
    ("spoken", "我们{gacha}{topic}的问题一直没解决"),
    ("spoken", "{town}{topic}怎么办理"),
    ("spoken", "我反映一下{topic}"),
    ("spoken", "关于{topic}我有个问题"),
    ("spoken", "{who}{topic}的事想咨询一下"),
    ("spoken", "{topic}能不能上门"),
    ("written", "请问{topic}需要什么手续？"),
    ("written", "反映{town}{topic}问题，请相关部门处理。"),
    ("written", "关于{topic}的建议：希望简化流程。"),
    ("written", "{gacha}牧民咨询{topic}相关政策。"),
    ("written", "【{topic}】{who}遇到困难，望帮助。"),
    ("written", "{topic}方面的问题，{dur}了没人管。"),
    ("spoken", "{topic}"),
    ("written", "{topic}"),
    ("spoken", "{topic}的问题"),
    ("written", "{town}{gacha}，{topic}。"),
]
# Words in passing: people mention their child, their parents, their 户口 or 身份证, their 嘎查 while
# talking about something else. Training frames with such a clause teach the model that they do not
# decide the department (the owning departments still learn them from their own topic phrases).
PASSING = [
    "孩子户口在{town}",
    "要带身份证吗",
    "我身份证号都报了",
    "家里老人身体不好",
    "孩子在外地上学",
    "我们是{gacha}的",
    "我户口还在老家",
    "家里有两个孩子",
    "我爸妈年纪大了",
    "我在外地打工刚回来",
    "要开什么证明吗",
    "我打了好几次电话",
]
TRAIN_FRAMES += [
    ("spoken", "{topic}的事{passing}"),
    ("spoken", "{passing}想问问{topic}"),
    ("written", "{topic}，{passing}，请问怎么办？"),
    ("written", "{passing}。{topic}的问题谁管？"),
]
TEST_FRAMES = [
    ("spoken", "跟你打听一下{topic}"),
    ("spoken", "我这边是{town}的{topic}这块出了点问题"),
    ("written", "求助：{topic}该找哪个单位？"),
    ("written", "{topic}的事情拖了{dur}，请尽快答复。"),
]


def generate(
    frames: Sequence[tuple[str, str]],
    phrases_of: Callable[[str, list[str]], list[str]],
    per_department: int, seed: int) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    rows: list[tuple[str, str, str]] = []
    for code, topics in DEPARTMENT_TOPICS.items():
        phrases = phrases_of(code, topics)
        seen: set[str] = set()
        attempts = 0
        while len(seen) < per_department and attempts < per_department * 50:
            attempts += 1
            style, frame = rng.choice(frames)
            frame = frame.replace("{passing}", rng.choice(PASSING))
            clean = slots.fill(frame.replace("{topic}", rng.choice(phrases)), rng)
            text = slots.spoken(clean, rng) if style == "spoken" else clean
            if text not in seen:
                seen.add(text)
                rows.append((text, code, style))
    rng.shuffle(rows)
    return rows


def catalogue_phrases(folder: Path = CATALOGUE) -> dict[str, list[str]]:
    """Department code -> the names and keywords of the active service items it runs (seed catalogue)."""
    phrases: dict[str, set[str]] = defaultdict(set)
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("status", "active") != "active":
                    continue
                words = [row["name"], *(k for k in row.get("keywords", "").split("|") if len(k) >= 2)]
                phrases[row["department"]].update(words)
    return {code: sorted(words) for code, words in phrases.items()}


def half_and_half(own: list[str], items: list[str]) -> list[str]:
    """A phrase pool drawn from as often as from our own phrases as from the catalogue's."""
    if len(items) <= len(own):
        return own + items
    return own * round(len(items) / len(own)) + items


def main() -> None:
    items = catalogue_phrases()
    train = generate(
        TRAIN_FRAMES,
        lambda code, t: half_and_half(
            t[:-HELD_OUT] + MORE_TOPICS[code] + REMIT_TOPICS.get(code, []),
            items.get(code, [])),
        per_department=PER_DEPARTMENT,
        seed=7812345,
    )
    test = generate(TEST_FRAMES, lambda code, t: t[-HELD_OUT:], per_department=8, seed=20261129)
    write(HERE / "department_train.csv", train)
    write(HERE / "department_test.csv", test)
    print(f"department_train.csv: {len(train)} rows, department_test.csv: {len(test)} rows")


if __name__ == "__main__":
    main()
