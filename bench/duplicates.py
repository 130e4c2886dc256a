"""Benchmark duplicate detection (可能重复) on a generated set with known duplicates: pair precision / recall.

    python bench/duplicates.py [--matters 300] [--seed 11]

Each generated matter (a problem at a place) yields one to three contacts: the first report, the same
citizen calling again or writing on the web, a neighbour from the same 嘎查 with another phone, all in
other words and on other days. Distractors share a place but not the problem, a phone but not the
problem, or the problem but not the place. Pairs of one matter are the true duplicates. Candidates are
compared as the database query does (same phone, town or department), with
hotline.cases.duplicates.duplicate_reason. Prints precision, recall, F1 and writes
bench/results/duplicates.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from datetime import datetime, timedelta
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "duplicates.json"

# (department, item, phrasings of one problem)
PROBLEMS = [
    (
        "slj",
        "SL-1",
        [
            "{v}的饮水井泵坏了，一个礼拜没水喝了",
            "我们{v}饮水井又坏了，牲口都没水喝",
            "{v}吃水的井坏了好几天了，没人来修",
        ],
    ),
    (
        "nmj",
        "NM-1",
        ["{v}的草原补奖今年还没发下来", "我们{v}草原补奖到现在都没到账", "{v}今年的草原奖补怎么还没发"],
    ),
    (
        "jtysj",
        "JT-1",
        [
            "{v}到镇上那段路全是坑，车开不了",
            "我们{v}出去的路坑坑洼洼的，没法走车",
            "{v}那条路烂得不成样子了，车都陷进去了",
        ],
    ),
    (
        "zjj",
        "ZJ-1",
        [
            "{v}这边暖气不热，屋里才十几度",
            "我们{v}供暖太差了，家里冷得住不了",
            "{v}的暖气一直不热，打电话也没人管",
        ],
    ),
    (
        "sthjfj",
        "ST-1",
        [
            "{v}旁边的厂子晚上排黑烟，味道很大",
            "我们{v}边上工厂偷偷排烟，熏得人头疼",
            "{v}附近有厂子半夜冒黑烟，呛得睡不着",
        ],
    ),
    (
        "gaj",
        "GA-1",
        ["{v}有人偷羊，昨晚丢了十几只", "我们{v}的羊晚上被人偷了", "{v}又丢羊了，怀疑有人专门偷"],
    ),
    (
        "mzj",
        "MZ-1",
        [
            "{v}的低保申请交上去两个月没消息",
            "我在{v}申请低保好久了，一直没结果",
            "{v}低保的事交了材料就没人管了",
        ],
    ),
    (
        "jtj",
        "JY-1",
        [
            "{v}的校车早上六点就来，孩子太早了",
            "我们{v}接孩子的校车来得太早了",
            "{v}校车时间太早，孩子天不亮就得出门",
        ],
    ),
    (
        "zjj",
        "ZJ-2",
        ["{v}小区电梯坏了一个月了", "我们{v}那栋楼电梯又坏了，老人下不了楼", "{v}的电梯停了好久没人修"],
    ),
    (
        "wjw",
        "WJ-1",
        ["{v}卫生室的大夫老不在", "我们{v}的卫生室经常锁门，看不了病", "{v}卫生室天天没人，找不到大夫"],
    ),
    (
        "scjgj",
        "SC-1",
        ["{v}集市上卖肉的缺斤短两", "我们{v}赶集买肉，秤不准，少了二两", "{v}市场上那家肉摊秤有问题"],
    ),
    (
        "rsj",
        "RS-1",
        [
            "在{v}附近煤矿干活的工资拖了三个月",
            "我们{v}好几个人在矿上干活，工资一直不给",
            "{v}那边的矿上欠我们工资",
        ],
    ),
]
OPENERS = ["", "喂你好，", "你好，", "您好，"]


def villages() -> list:
    from classifier.routing import places_from_sites

    with (ROOT / "hotline" / "seed" / "sites.csv").open(encoding="utf-8") as fh:
        return [p for p in places_from_sites(csv.DictReader(fh)) if p.level == "village"]


def generate(matters: int, seed: int):
    from hotline.cases.duplicates import CaseFacts

    rng = random.Random(seed)
    places = villages()
    start = datetime(2026, 3, 1, 8, 0)
    cases, matter_of = [], {}

    def add(matter: int, phone: str, place, problem, phrasing: str, when: datetime) -> None:
        case_id = len(cases) + 1
        text = rng.choice(OPENERS) + phrasing.format(
            v=rng.choice([place.name, place.name, place.town + place.name])
        )
        cases.append(
            CaseFacts(
                id=case_id,
                created_at=when,
                text=text,
                phone=phone,
                town=place.town,
                village=place.name,
                department=problem[0],
                item=problem[1],
            )
        )
        matter_of[case_id] = matter

    def phone() -> str:
        return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))

    # every matter is its own (嘎查, problem): two unrelated reports of one problem in one 嘎查 in the same
    # fortnight would be true duplicates, so the generator never makes them by chance
    keys = [(place, problem) for place in places for problem in PROBLEMS]
    rng.shuffle(keys)
    matters = min(matters, len(keys) // 2)  # half the keys stay free for the distractors
    used = keys[:matters]
    spare = keys[matters:]
    for matter, (place, problem) in enumerate(used):
        first = start + timedelta(days=rng.uniform(0, 90))
        caller = phone()
        phrasings = rng.sample(problem[2], 3)
        add(matter, caller, place, problem, phrasings[0], first)
        roll = rng.random()
        if roll < 0.35:  # the same citizen again (a call, then the web form)
            add(matter, caller, place, problem, phrasings[1], first + timedelta(days=rng.uniform(0.1, 10)))
        elif roll < 0.6:  # a neighbour
            add(matter, phone(), place, problem, phrasings[1], first + timedelta(days=rng.uniform(0.1, 10)))
            if rng.random() < 0.4:
                add(
                    matter, caller, place, problem, phrasings[2], first + timedelta(days=rng.uniform(0.1, 12))
                )
        elif roll < 0.75:  # distractor: the same citizen about something else in the same 嘎查
            free = [k for k in spare if k[0] is place and k[1] is not problem]
            if free:
                spare.remove(free[0])
                other = free[0][1]
                add(matters + matter, caller, place, other, rng.choice(other[2]), first + timedelta(days=3))
        elif spare and roll < 0.9:  # distractor: the same kind of problem in another 嘎查
            elsewhere, other = spare.pop()
            add(matters + matter, phone(), elsewhere, other, rng.choice(other[2]), first + timedelta(days=2))
    return cases, matter_of


def evaluate(cases, matter_of) -> dict:
    from hotline.cases.duplicates import duplicate_reason

    truth = {(a.id, b.id) for a, b in combinations(cases, 2) if matter_of[a.id] == matter_of[b.id]}
    found = set()
    for a, b in combinations(cases, 2):
        if not (a.phone == b.phone or a.town == b.town or a.department == b.department):
            continue  # the database query only looks at these
        if duplicate_reason(a, b) or duplicate_reason(b, a):
            found.add((a.id, b.id))
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "cases": len(cases),
        "true_pairs": len(truth),
        "flagged_pairs": len(found),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    cases, matter_of = generate(args.matters, args.seed)
    result = evaluate(cases, matter_of)
    print(
        f"duplicates on {result['cases']} generated cases ({result['true_pairs']} true pairs, "
        f"seed {args.seed}): "
        f"precision {result['precision']:.3f} recall {result['recall']:.3f} F1 {result['f1']:.3f} "
        f"({result['flagged_pairs']} pairs flagged)"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"seed": args.seed, **result}, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
