"""Benchmark agents answering calls over real SIP on loopback: one SIP worker (the pipeline harness with the
database queue and the Korean Vosk model), ``--pairs`` baresip desk phones set 置闲 (auto-answer, playing
Korean speech), and ``--pairs`` callers (`hotline call`, pressing 1, speaking) at once, for ``--rounds``.

    python bench/agents.py [--rounds 3] [--pairs 2]

Measures: queue entry -> the agent's phone dialled (the moment the console shows 振铃) p50/p95; bridged calls
held at once by the worker; both legs transcribed (utterances per speaker) and the caller leg's dropped
frames; CPU of the worker process per bridged call; and, from that CPU, an estimate of how many bridged
calls this machine carries (workers of 2 bridged calls each, at 75 % of all cores). Prints the figures and
writes bench/results/agents.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "agents"))

from sqlalchemy import select  # noqa: E402

from hotline.agents.presence import set_presence  # noqa: E402
from hotline.db import make_session_factory, unit_of_work  # noqa: E402
from hotline.models import AgentState, Call, QueueEntry, utcnow  # noqa: E402
from tests.agents.agent_testkit import create_agent, padded, start_desk_phone  # noqa: E402
from tests.calls.call_testkit import (  # noqa: E402
    KO_SENTENCES,
    ko_model_dir,
    migrated_engine,
    start_pipeline,
    write_speech,
)
from tests.sip.sip_testkit import subprocess_env  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "agents.json"
AGENT_TALK_S = 20.0  # each desk phone hangs up when its file ends


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=2, help="bridged calls at once (a worker holds 2)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-agents-"))
    url = f"sqlite:///{work / 'hotline.sqlite3'}"
    engine = migrated_engine(url)
    factory = make_session_factory(engine)
    ko = write_speech(work / "ko.wav", KO_SENTENCES, lead_s=0.1, tail_s=0.1)
    caller_wav = padded(work / "caller.wav", ko, lead_s=8, total_s=AGENT_TALK_S + 15)
    agent_wav = padded(work / "agent.wav", ko, lead_s=1.0, total_s=AGENT_TALK_S)
    phones = [start_desk_phone(work / f"phone{i}", agent_wav, user=f"agent{i}", quit_after_s=3600)
              for i in range(args.pairs)]
    line = start_pipeline(work / "line", url, model=ko_model_dir(), agent_queue=True, warm_up=ko,
                          pool_size=2 * args.pairs + 2,
                          queue={"ring_timeout": 10, "max_wait": 120, "wrap_up": 1})
    with unit_of_work(factory) as session:
        for i, (_, port) in enumerate(phones):
            agent = create_agent(session, name=f"agent{i}", ready_at=None,
                                 phone_uri=f"sip:agent{i}@127.0.0.1:{port}")
            set_presence(session, user_id=agent.id, state=AgentState.ready, now=utcnow())
    rounds = []
    try:
        for n in range(args.rounds):
            cpu0, t0 = process_cpu_s(line.pid), time.monotonic()
            callers = [subprocess.Popen(
                [sys.executable, "-m", "hotline", "call", line.uri, "--play", str(caller_wav), "--dtmf", "1",
                 "--hangup-after", str(AGENT_TALK_S + 30), "--from", f"1380000{n:02d}{i:02d}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=subprocess_env())
                for i in range(args.pairs)]
            for caller in callers:
                caller.wait(AGENT_TALK_S + 60)
            cpu, wall = process_cpu_s(line.pid) - cpu0, time.monotonic() - t0
            line.wait_for("case.created", count=args.pairs * (n + 1), timeout=120)
            rounds.append({"cpu_s": cpu, "wall_s": wall})
            time.sleep(2)  # wrap-up (1 s) over before the next round
    finally:
        for phone, _ in phones:
            phone.terminate()
            phone.wait(10)
        line.stop()

    events = line.events()
    entered = {e["call_id"]: e["t"] for e in events if e["event"] == "queue.entered"}
    ringing = [e["t"] - entered[e["call_id"]] for e in events
               if e["event"] == "agent.ringing" and e["call_id"] in entered]
    spans, t_connected = [], {}
    for e in events:
        if e["event"] == "call.agent_connected":
            t_connected[e["call_id"]] = e["t"]
        elif e["event"] == "call.agent_gone" and e.get("answered") and e["call_id"] in t_connected:
            spans.append((t_connected[e["call_id"]], e["t"]))
    at_once = max((sum(1 for a, b in spans if a <= start < b) for start, _ in spans), default=0)
    bridged_s = sum(b - a for a, b in spans)
    with factory() as session:
        ids = list(session.scalars(select(QueueEntry.call_id)))
        calls = [session.get(Call, i) for i in ids]
        both = sum(1 for c in calls if c and {u.speaker for u in c.utterances} == {"citizen", "agent"})
        dropped = sum(c.frames_dropped for c in calls if c)
    cpu_total = sum(r["cpu_s"] for r in rounds)
    cpu_per_call = cpu_total / bridged_s if bridged_s else None  # CPU-seconds per bridged call-second
    cores = os.cpu_count() or 1
    carried = int(0.75 * cores / cpu_per_call) if cpu_per_call else None
    result = {
        "machine": {"cores": cores, "python": platform.python_version()},
        "rounds": args.rounds, "pairs": args.pairs, "calls": len(ids),
        "queue_to_ringing_s": {"p50": pct(ringing, 0.5), "p95": pct(ringing, 0.95), "n": len(ringing)},
        "bridged_at_once": at_once,
        "both_legs_transcribed": both,
        "caller_frames_dropped": dropped,
        "bridged_call_seconds": round(bridged_s, 1),
        "worker_cpu_s": round(cpu_total, 2),
        "cpu_per_bridged_call_pct": round(100 * cpu_per_call, 1) if cpu_per_call else None,
        "estimated_bridged_calls_machine": carried,
        "estimate_note": "CPU-bound estimate at 75 % of all cores; one worker holds 2 bridged calls, so "
                         "this many calls needs ceil(n / 2) workers (--sip-workers)",
        "median_round_wall_s": round(statistics.median(r["wall_s"] for r in rounds), 1) if rounds else None,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
