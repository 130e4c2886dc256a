"""`hotline serve --sip-workers 3` behind a real Kamailio, driven by sipp: spread, crash, restart, busy.

One pool serves the tests of this module in order (starting three workers costs tens of seconds on 2 cores).
Workers run without a Vosk model: cases are created with "transcript unavailable" (transcription has its
own tests); every call still goes through the real SIP stack, recording and the case pipeline.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import uuid

import pytest
from scale_testkit import (
    needs_kamailio_and_sipp,
    read_sse,
    run_sipp,
    signed_in_agent,
    sipp_counts,
    start_kamailio,
    start_node,
)
from sqlalchemy import create_engine, text

pytestmark = needs_kamailio_and_sipp
WORKERS = 3


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pool")
    url = f"sqlite:///{directory / 'hotline.sqlite3'}"
    node = start_node(directory / "node", url, workers=WORKERS)
    kamailio = None
    try:
        node.wait_healthy(f"{WORKERS}/{WORKERS} up")
        workers = [f"127.0.0.1:{node.first_sip_port + i}" for i in range(WORKERS)]
        kamailio = start_kamailio(directory / "kamailio", workers, env=dict(os.environ))
        engine = create_engine(url)
        yield node, kamailio, engine, directory
        engine.dispose()
    finally:
        if kamailio is not None:
            kamailio.stop()
        code = node.stop()
        assert code in (0, -signal.SIGTERM), f"hotline serve exited with {code}\n{node.log()}"


def phone_calls(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "select c.id, c.worker, c.end_reason, c.caller, k.id as case_id from calls c "
            "left join cases k on k.call_id = c.id order by c.started_at")).mappings()
        return [dict(r) for r in rows]


def wait_for_calls(engine, count: int, timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        calls = phone_calls(engine)
        if len(calls) >= count and all(c["case_id"] for c in calls):
            return calls
        time.sleep(0.5)
    return phone_calls(engine)


def options_status(port: int) -> str:
    """Send one SIP OPTIONS over UDP; return the status line of the reply."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        local = sock.getsockname()[1]
        sock.sendto((f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n"
                     f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK-{uuid.uuid4().hex}\r\n"
                     f"From: <sip:probe@127.0.0.1:{local}>;tag=1\r\nTo: <sip:127.0.0.1:{port}>\r\n"
                     f"Call-ID: {uuid.uuid4().hex}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                     "Content-Length: 0\r\n\r\n").encode(), ("127.0.0.1", port))
        return sock.recv(4096).decode(errors="replace").split("\r\n", 1)[0]


def test_every_worker_answers_options_with_200_so_the_dispatcher_keeps_it(pool):
    node, kamailio, engine, directory = pool
    assert [options_status(node.first_sip_port + i) for i in range(WORKERS)] == ["SIP/2.0 200 OK"] * WORKERS


def test_twelve_concurrent_calls_through_kamailio_are_all_answered_and_each_becomes_a_case(pool):
    node, kamailio, engine, directory = pool
    seen: list[dict] = []
    stop = threading.Event()
    client = signed_in_agent(engine, node.url)  # the console's event stream on the main process
    try:
        kinds = {"call.started", "case.created", "worker.status"}
        reader = threading.Thread(target=read_sse, args=(client, kinds, seen, stop), daemon=True)
        reader.start()
        time.sleep(1.0)
        _twelve_calls(node, kamailio, engine, directory, seen)
    finally:
        stop.set()
        client.close()


def _twelve_calls(node, kamailio, engine, directory, seen):
    code, out = run_sipp(directory / "sipp-12", kamailio.port, calls=12, hold_ms=4000, rate=20)
    assert sipp_counts(out) == (12, 0), out[-3000:] + kamailio.log()
    assert code == 0
    calls = wait_for_calls(engine, 12)
    assert len(calls) == 12 and all(c["case_id"] for c in calls), calls
    per_worker = {w: sum(1 for c in calls if c["worker"] == w) for w in {c["worker"] for c in calls}}
    assert per_worker == {"worker-0": 4, "worker-1": 4, "worker-2": 4}  # 12 at once: every line in use
    assert {c["end_reason"] for c in calls} == {"caller_hangup"}
    deadline = time.monotonic() + 10
    while sum(1 for e in seen if "case_id" in e) < 12 and time.monotonic() < deadline:
        time.sleep(0.2)
    started = {e["call_id"]: e["worker"] for e in seen if "caller" in e}
    created = {e["call_id"] for e in seen if "case_id" in e}
    assert started.keys() == created == {c["id"] for c in calls}  # every worker's events in one stream
    assert sorted(started.values()).count(1) == 4
    assert any("asr_max_lag_s" in e and "active_calls" in e for e in seen)  # worker status for the wallboard


@pytest.fixture
def background_sipp(pool):
    """Start sipp in the background; a test that fails midway leaves no sipp running into the next one."""
    started = []

    def start(name: str, **options):
        node, kamailio, engine, directory = pool
        started.append(run_sipp(directory / name, kamailio.port, background=True, **options))
        return started[-1]

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_a_sigkilled_worker_loses_no_new_call_its_cut_calls_become_cases_and_it_comes_back(
        pool, background_sipp):
    node, kamailio, engine, directory = pool
    node.wait_healthy(f"{WORKERS}/{WORKERS} up", timeout=120)
    before = {c["id"] for c in phone_calls(engine)}
    held = background_sipp("sipp-held", calls=6, hold_ms=15000, rate=20)
    deadline = time.monotonic() + 20
    while node.health()["live_calls"] < 6 and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = node.health()["workers"]
    assert sorted(w["active_calls"] for w in workers) == [2, 2, 2], workers  # round-robin
    victim = workers[1]
    log_before_kill = len(kamailio.log())
    os.kill(victim["pid"], signal.SIGKILL)

    # new calls right after the crash: none is lost. Either the dead worker's turn times out (2 s) and the
    # call fails over, or Kamailio's OPTIONS probe (every 2 s) took it out of rotation before its turn came.
    code, out = run_sipp(directory / "sipp-after-kill", kamailio.port, calls=4, hold_ms=3000, rate=4)
    assert sipp_counts(out) == (4, 0), out[-3000:] + kamailio.log()
    log_after_kill = kamailio.log()[log_before_kill:]

    held_out, _ = held.communicate(timeout=90)
    assert sipp_counts(held_out) == (4, 2), held_out[-3000:]  # the two calls on the killed worker were cut

    health = node.wait_healthy(f"{WORKERS}/{WORKERS} up", timeout=120)
    restarted = health["workers"][1]
    assert restarted["pid"] != victim["pid"] and restarted["restarts"] == 1

    new_calls = [c for c in wait_for_calls(engine, len(before) + 10) if c["id"] not in before]
    assert len(new_calls) == 10 and all(c["case_id"] for c in new_calls), new_calls
    # each INVITE Kamailio sent to worker-1's port after the kill failed over, or (if it came that late) was
    # answered by the restarted worker-1
    after_kill = new_calls[-4:]
    sent_to_victim = log_after_kill.count(f"-> sip:127.0.0.1:{node.first_sip_port + 1}")
    failed_over = log_after_kill.count("did not answer: out of rotation")
    answered_by_restarted = sum(1 for c in after_kill if c["worker"] == "worker-1")
    assert sent_to_victim == failed_over + answered_by_restarted, (log_after_kill, after_kill)
    assert all(c["end_reason"] == "caller_hangup" for c in after_kill), after_kill
    cut = [c for c in new_calls if c["end_reason"] == "worker_crash"]
    assert len(cut) == 2 and {c["worker"] for c in cut} == {"worker-1"}
    with engine.connect() as conn:
        contents = conn.execute(text("select content from cases where call_id in (:a, :b)"),
                                {"a": cut[0]["id"], "b": cut[1]["id"]}).scalars().all()
    assert all("工作进程异常退出" in content and "录音" in content for content in contents), contents

    # Kamailio probes the restarted worker back into rotation: the next three calls reach all three workers
    time.sleep(3)
    code, out = run_sipp(directory / "sipp-back", kamailio.port, calls=3, hold_ms=2000, rate=10)
    assert sipp_counts(out) == (3, 0), out[-3000:]
    latest = [c for c in wait_for_calls(engine, len(before) + 13) if c["id"] not in before][-3:]
    assert {c["worker"] for c in latest} == {"worker-0", "worker-1", "worker-2"}, latest


def test_when_every_worker_is_full_the_caller_hears_busy(pool, background_sipp):
    node, kamailio, engine, directory = pool
    node.wait_healthy(f"{WORKERS}/{WORKERS} up", timeout=120)  # whatever the crash test left behind
    held = background_sipp("sipp-full", calls=12, hold_ms=8000, rate=20)
    deadline = time.monotonic() + 20
    while node.health()["live_calls"] < 12 and time.monotonic() < deadline:
        time.sleep(0.2)
    code, out = run_sipp(directory / "sipp-13th", kamailio.port, calls=1, hold_ms=1000, rate=1, timeout=30)
    assert sipp_counts(out) == (0, 1), out[-3000:]
    assert "every worker busy or down: 486" in kamailio.log()
    held_out, _ = held.communicate(timeout=60)
    assert sipp_counts(held_out) == (12, 0), held_out[-3000:]
