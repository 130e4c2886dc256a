"""Benchmark routing on our realistic Otog Front Banner dev sets: top-1 / top-3 overall and per department.

    python bench/routing.py [--contacts FILE.csv ...] [--show-misses]

By default all three sets: A (`routing_contacts.csv`, 249), B (`routing_contacts_b.csv`, 126, written
afresh before the routing mechanism was changed, as a guard against tuning to A) and C
(`routing_contacts_c.csv`, 128, written and committed before the staff-conduct detector existed and
before anyone looked at the model's output on it: the held-out check, never used for tuning). Each contact
(written as citizens of the banner speak and write, many with a word in passing that belongs elsewhere:
户口, 孩子, 老人, 嘎查, 身份证) has the department a county office would choose and, where offices differ,
a second acceptable one. The contacts go through the real ContactAnalyzer (intent model, knowledge
base search over the seed catalogue, department model, routing rules, gazetteer) on a fresh SQLite
database seeded as `hotline init` does. A top-1 hit is the first candidate being either accepted
department; top-3 is either of them among the first three. Also counts the cases whose first candidate's
service item belongs to another department (must be 0). Prints the figures and writes
bench/results/routing.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEVSETS = ROOT / "bench" / "devsets"
DEFAULT_CONTACTS = [DEVSETS / "routing_contacts.csv", DEVSETS / "routing_contacts_b.csv",
                    DEVSETS / "routing_contacts_c.csv"]
RESULTS = ROOT / "bench" / "results" / "routing.json"


def load_contacts(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def seeded_analyzer(directory: Path):
    from hotline import migrate
    from hotline.calls.analyzer import ContactAnalyzer
    from hotline.db import make_engine, make_session_factory
    from hotline.seeding import seed_organisation, seed_routing_rules
    from knowledge_base.catalog_io import load_seed_catalogue

    engine = make_engine(f"sqlite:///{directory / 'hotline.sqlite3'}")
    migrate.upgrade(engine)
    with make_session_factory(engine)() as session:
        seed_organisation(session)
        seed_routing_rules(session)
        load_seed_catalogue(session)
        session.commit()
        analyzer = ContactAnalyzer.load(session, model_dir=None, registry_root=None, threshold=0.45)
    engine.dispose()
    return analyzer


def evaluate(analyzer, contacts: list[dict[str, str]]) -> tuple[dict, list[dict]]:
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"rows": 0, "top1": 0, "top3": 0})
    misses, disagreements, seconds = [], 0, 0.0
    for row in contacts:
        accepted = {row["department"], *(filter(None, [row.get("also", "")]))}
        started = time.perf_counter()
        analysis = analyzer(row["text"])
        seconds += time.perf_counter() - started
        ranked = [c["department"] for c in analysis.routing]
        top1 = bool(ranked) and ranked[0] in accepted
        top3 = bool(accepted & set(ranked[:3]))
        stats = per[row["department"]]
        stats["rows"] += 1
        stats["top1"] += top1
        stats["top3"] += top3
        first = analysis.routing[0] if analysis.routing else {}
        item = first.get("item") or {}
        if item and item.get("department") != first.get("department"):
            disagreements += 1
        if not top1:
            misses.append({"text": row["text"], "expected": sorted(accepted), "got": ranked[:3],
                           "reasons": first.get("reasons", [])})
    rows = sum(s["rows"] for s in per.values())
    summary = {
        "rows": rows,
        "top1": round(sum(s["top1"] for s in per.values()) / rows, 4),
        "top3": round(sum(s["top3"] for s in per.values()) / rows, 4),
        "department_item_disagreements": disagreements,
        "mean_ms_per_contact": round(1000 * seconds / rows, 1),
        "per_department": {
            d: {"rows": s["rows"], "top1": round(s["top1"] / s["rows"], 3),
                "top3": round(s["top3"] / s["rows"], 3)}
            for d, s in sorted(per.items())
        },
    }
    return summary, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=Path, nargs="+", default=DEFAULT_CONTACTS)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    missing = [str(path) for path in args.contacts if not path.is_file()]
    if missing:
        sys.exit(f"no routing dev set at {', '.join(missing)}: pass --contacts PATH [PATH ...]")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        analyzer = seeded_analyzer(Path(tmp))
        for path in args.contacts:
            summary, misses = evaluate(analyzer, load_contacts(path))
            report(path, summary, misses if args.show_misses else [])
            results[path.name] = summary
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {RESULTS}")


def report(path: Path, summary: dict, misses: list[dict]) -> None:
    print(f"routing dev set: {summary['rows']} contacts ({path.name})")
    print(f"top-1 {summary['top1']:.3f}  top-3 {summary['top3']:.3f}  "
          f"department/item disagreements {summary['department_item_disagreements']}  "
          f"{summary['mean_ms_per_contact']} ms per contact")
    for dept, s in summary["per_department"].items():
        print(f"  {dept:<8}{s['rows']:>4}  top-1 {s['top1']:.2f}  top-3 {s['top3']:.2f}")
    for miss in misses:
        print(f"MISS {miss['expected']} got {miss['got']}: {miss['text']}  {miss['reasons']}")


if __name__ == "__main__":
    main()
