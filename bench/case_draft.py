"""Benchmark the case draft taken from a conversation: per-field precision / recall / F1.

    python bench/case_draft.py [--contacts 400] [--seed 7]

Generates phone transcripts and written messages with known fields — the citizen's name
(我叫/我姓/我的名字叫), phone numbers said aloud digit by digit (幺, 两, 洞, spaces from the
recogniser) or written, ID numbers, the town and 嘎查 / 社区 and 组 — mixed with contacts that carry
none of them, runs classifier.case_draft.extract_draft over them with the seed gazetteer, prints the
figures and writes bench/results/case_draft.json. A field counts as found when it equals the truth
exactly (phone numbers and ID numbers as sets; ID numbers compared in their masked form).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "case_draft.json"

NAMES = ["王建国", "李秀英", "其其格", "巴特尔", "张海军", "乌云", "刘桂兰", "苏和", "赵志强", "娜仁",
         "高文华", "陈小平", "阿拉坦", "孟和", "杨丽", "马俊"]
SPOKEN = {"0": ["零", "洞"], "1": ["幺", "一"], "2": ["二", "两"], "3": ["三"], "4": ["四"], "5": ["五"],
          "6": ["六"], "7": ["七"], "8": ["八"], "9": ["九"], "X": ["叉", "X"]}
GROUPS = ["一组", "二组", "三组", "五组", "七组", "2组"]
MATTERS = ["草原补奖还没发下来", "想问一下养老保险怎么交", "路灯坏了半个月了", "低保申请交上去没消息",
           "家里的饮水井泵坏了", "孩子上学的事想咨询一下", "医保报销的钱少了"]


def say_number(number: str, rng: random.Random) -> str:
    if rng.random() < 0.3:
        return number
    spoken = "".join(rng.choice(SPOKEN[d]) for d in number)
    if rng.random() < 0.5:  # people and the recogniser group digits: 幺三八 四七七八 ...
        spoken = " ".join([spoken[:3], spoken[3:7], spoken[7:]])
    return spoken


def contact(rng: random.Random, places: list) -> tuple[str, dict]:
    truth: dict = {"name": None, "phones": set(), "ids": set(), "town": None, "village": None, "group": None}
    parts = [rng.choice(["喂你好", "你好", "", "喂"])]
    if rng.random() < 0.7:
        name = rng.choice(NAMES)
        if rng.random() < 0.2:
            parts.append(f"我姓{name[0]}")
            truth["name"] = name[0]
        else:
            parts.append(rng.choice(["我叫", "我的名字叫", "我叫"]) + name)
            truth["name"] = name
    if rng.random() < 0.7:
        village = rng.choice([p for p in places if p.level == "village"])
        truth["town"], truth["village"] = village.town, village.name
        place = rng.choice([f"{village.town}{village.name}", village.name, f"住在{village.name}"])
        if rng.random() < 0.5:
            group = rng.choice(GROUPS)
            truth["group"] = group
            place += group
        parts.append(f"我们是{place}的" if rng.random() < 0.5 else place)
    elif rng.random() < 0.3:
        town = rng.choice([p for p in places if p.level == "town"])
        truth["town"] = town.town
        parts.append(f"我在{town.town}")
    parts.append(rng.choice(MATTERS))
    if rng.random() < 0.6:
        phone = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
        truth["phones"].add(phone)
        parts.append(rng.choice(["我电话是", "手机号", "你打这个号", "联系电话"]) + say_number(phone, rng))
    if rng.random() < 0.25:
        birth = f"{rng.randrange(1950, 2005)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
        number = "150623" + birth
        number += f"{rng.randrange(0, 1000):03d}" + rng.choice("0123456789X")
        truth["ids"].add(number[:6] + "*" * 8 + number[-4:])
        parts.append("身份证号" + (number if rng.random() < 0.6 else say_number(number, rng)))
    sep = rng.choice([" ", "，", ""])
    return sep.join(p for p in parts if p), truth


def score(pairs: list[tuple[dict, dict]]) -> dict:
    out = {}
    for field, key in (("name", "name"), ("phones", "phones"), ("id_numbers", "ids"), ("town", "town"),
                       ("village", "village"), ("group", "group")):
        tp = fp = fn = 0
        for got, truth in pairs:
            g, t = got[key], truth[key]
            g = g if isinstance(g, set) else ({g} if g else set())
            t = t if isinstance(t, set) else ({t} if t else set())
            tp += len(g & t)
            fp += len(g - t)
            fn += len(t - g)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        out[field] = {"precision": round(p, 4), "recall": round(r, 4),
                      "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "support": tp + fn}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from classifier.case_draft import extract_draft
    from classifier.routing import places_from_sites

    with (ROOT / "hotline" / "seed" / "sites.csv").open(encoding="utf-8") as fh:
        places = places_from_sites(csv.DictReader(fh))
    rng = random.Random(args.seed)
    pairs = []
    for _ in range(args.contacts):
        text, truth = contact(rng, places)
        draft = extract_draft(text, places=places)
        got = {"name": draft.name, "phones": set(draft.phones), "ids": set(draft.id_numbers_masked),
               "town": draft.town, "village": draft.village, "group": draft.group}
        pairs.append((got, truth))
    figures = score(pairs)
    macro = round(sum(f["f1"] for f in figures.values()) / len(figures), 4)
    print(f"case draft on {args.contacts} generated contacts (seed {args.seed}): "
          f"macro-F1 over fields {macro}")
    for field, f in figures.items():
        print(f"  {field:<11} P {f['precision']:.3f}  R {f['recall']:.3f}  F1 {f['f1']:.3f}  "
              f"(n={f['support']})")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"contacts": args.contacts, "seed": args.seed, "macro_f1": macro,
                                   "fields": figures}, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
