"""Starts N SIP worker processes, restarts a crashed one, and brings their events into the main process.

Each worker gets a pipe for its events (JSON lines, read by one thread per worker) and a stdin pipe whose
closing tells it to stop. Events go into the EventHub (which reaches the asyncio loop through
``loop.call_soon_threadsafe``) and call events into the live-call registry, so the console and /healthz
see every worker's calls. When a worker dies, its calls leave the registry ("call.ended", reason
``worker_crash``) and it is restarted after a backoff; the new process first turns what its predecessor
captured into cases (see :mod:`hotline.workers.journal`).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hotline.cases.intake import ContactAnalysis
from hotline.events import EventHub
from hotline.settings import Settings
from hotline.workers.analysis_channel import start_analysis_server
from hotline.workers.channel import read_events
from hotline.workers.mirror import RegistryMirror

log = logging.getLogger(__name__)
BACKOFF_S = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
STABLE_AFTER_S = 60.0  # a worker that ran this long before dying restarts without backoff history
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class WorkerState:
    index: int
    proc: subprocess.Popen | None = None
    state: str = "starting"  # starting | up | restarting | failed | stopped
    pid: int = 0
    restarts: int = 0
    quick_crashes: int = 0
    started_mono: float = 0.0
    last_status: dict = field(default_factory=dict)
    ready: threading.Event = field(default_factory=threading.Event)


def worker_environment(settings: Settings) -> dict[str, str]:
    """The main process's settings, passed on explicitly (they may not come from the environment)."""
    env = dict(os.environ)
    values = {
        "ENV": settings.env, "DATA_DIR": settings.data_dir.resolve(),
        "DATABASE_URL": settings.effective_database_url, "SECRET_KEY": settings.secret_key,
        "TIMEZONE": settings.timezone, "SIP_CONFIG": settings.sip_config.resolve(),
        "VOSK_MODEL": settings.effective_vosk_model, "CLASSIFIER_MODEL": settings.classifier_model,
        "INTENT_THRESHOLD": settings.intent_threshold, "LOG_LEVEL": settings.log_level,
        "ASR_SERVERS": settings.asr_servers or None,  # one speech server for all workers
    }
    for key, value in values.items():
        if value is not None:
            env[f"HOTLINE_{key}"] = str(value)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


class WorkerSupervisor:
    def __init__(self, count: int, *, settings: Settings, hub: EventHub, registry, node: str = "",
                 python: str = sys.executable, log_dir: Path | None = None,
                 analyze: Callable[[str], ContactAnalysis] | None = None) -> None:
        """``analyze``: this process's contact analyzer; it then answers for the workers (they load none)."""
        self.count = count
        self.hub = hub
        self.mirror = RegistryMirror(registry)
        self.node = node
        self.python = python
        self.env = worker_environment(settings)
        self.log_dir = log_dir
        self.analyze = analyze
        self.workers = [WorkerState(i) for i in range(count)]
        # one ASR decoding thread per core on the machine in all (more only adds contention)
        self.decode_threads = max(1, (os.cpu_count() or 1) // count)
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        for worker in self.workers:
            self._spawn(worker)

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        return all(w.ready.wait(max(0.0, deadline - time.monotonic())) for w in self.workers)

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        procs = [w.proc for w in self.workers if w.proc is not None]
        for proc in procs:
            try:
                proc.stdin.close()  # type: ignore[union-attr]
                proc.terminate()
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("SIP worker pid %d did not stop in %.0f s; killed", proc.pid, timeout)
                proc.kill()
                proc.wait()
        for worker in self.workers:
            worker.state = "stopped"

    def _spawn(self, worker: WorkerState) -> None:
        read_fd, write_fd = os.pipe()
        stderr = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            stderr = open(self.log_dir / f"worker-{worker.index}.log", "a", encoding="utf-8")  # noqa: SIM115
        args = [self.python, "-m", "hotline.workers.worker", "--index", str(worker.index),
                "--events-fd", str(write_fd), "--node", self.node,
                "--decode-threads", str(self.decode_threads)]
        ours, theirs = socket.socketpair() if self.analyze is not None else (None, None)
        if theirs is not None:
            args += ["--analysis-fd", str(theirs.fileno())]
        try:
            proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr,
                                    pass_fds=(write_fd, *([theirs.fileno()] if theirs else [])), env=self.env,
                                    text=True)
        except BaseException:
            if ours is not None:
                ours.close()
            raise
        finally:
            os.close(write_fd)
            if theirs is not None:
                theirs.close()
            if stderr is not None:
                stderr.close()
        if ours is not None and self.analyze is not None:
            start_analysis_server(ours, self.analyze, f"worker-{worker.index}")
        worker.proc, worker.pid, worker.started_mono = proc, proc.pid, time.monotonic()
        worker.state = "starting"
        worker.ready.clear()
        log.info("SIP worker %d started (pid %d)", worker.index, proc.pid)
        reader = threading.Thread(target=self._read, args=(worker, proc, read_fd), daemon=True,
                                  name=f"worker-{worker.index}-events")
        reader.start()

    # ------------------------------------------------------------------ events (reader threads)
    def _read(self, worker: WorkerState, proc: subprocess.Popen, read_fd: int) -> None:
        with os.fdopen(read_fd, "r", encoding="utf-8") as stream:
            for kind, data in read_events(stream, lambda line: log.warning("worker %d: bad event line %r",
                                                                          worker.index, line[:200])):
                try:
                    self._on_event(worker, kind, data)
                except Exception:
                    log.exception("worker %d: event %s not applied", worker.index, kind)
        code = proc.wait()
        self._on_exit(worker, code)

    def _on_event(self, worker: WorkerState, kind: str, data: dict) -> None:
        data["worker"] = worker.index
        if kind == "worker.ready":
            worker.state = "up"
            worker.ready.set()
        elif kind == "worker.failed":
            worker.state = "failed"
        elif kind == "worker.status":
            worker.last_status = data
            self.mirror.reconcile(worker.index, data.get("calls", []), data.get("asr_max_lag_s", 0.0))
        else:
            self.mirror.apply(worker.index, kind, data)
        self.hub.publish(kind, **data)

    def _on_exit(self, worker: WorkerState, code: int) -> None:
        if self._stopping.is_set():
            return
        lived = time.monotonic() - worker.started_mono
        for call_id in self.mirror.drop_worker(worker.index):
            self.hub.publish("call.ended", call_id=call_id, case_id=None, reason="worker_crash",
                             worker=worker.index)
        worker.quick_crashes = 0 if lived > STABLE_AFTER_S else worker.quick_crashes + 1
        delay = BACKOFF_S[min(worker.quick_crashes, len(BACKOFF_S) - 1)]
        worker.state, worker.last_status = "restarting", {}
        worker.ready.clear()
        log.error("SIP worker %d (pid %d) exited with %s after %.0f s; restarting in %.1f s",
                  worker.index, worker.pid, code, lived, delay)
        self.hub.publish("worker.down", worker=worker.index, exit_code=code, restart_in_s=delay)
        if self._stopping.wait(delay):
            return
        worker.restarts += 1
        self._spawn(worker)

    # ------------------------------------------------------------------ status
    def summary(self) -> str:
        return ", ".join(f"worker-{w.index} {w.state}" for w in self.workers)

    def health(self) -> dict:
        """For /healthz and the wallboard."""
        workers = [{"worker": w.index, "state": w.state, "pid": w.pid, "restarts": w.restarts,
                    "active_calls": self.mirror.calls_of(w.index),
                    "asr_max_lag_s": w.last_status.get("asr_max_lag_s", 0.0),
                    "asr_streams_waiting": w.last_status.get("asr_streams_waiting", 0),
                    "pending_cases": w.last_status.get("pending_cases", 0),
                    "quarantined_cases": w.last_status.get("quarantined_cases", 0)} for w in self.workers]
        up = sum(1 for w in self.workers if w.state == "up")
        return {"sip_workers": f"{up}/{self.count} up", "workers": workers,
                "asr_max_lag_s": max((w["asr_max_lag_s"] for w in workers), default=0.0),
                "asr_streams_waiting": sum(w["asr_streams_waiting"] for w in workers)}
