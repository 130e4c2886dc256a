"""The worker-pool pieces on their own: Kamailio config, worker layout, crash journal, registry mirror."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import wave
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scale_testkit import KAMAILIO, REPO

from hotline.calls.registry import LiveCallRegistry
from hotline.calls.spool import Spool
from hotline.cases.intake import ContactAnalysis
from hotline.events import Event
from hotline.sip.config import SipConfig
from hotline.sip.kamailio import Worker, write_kamailio_config
from hotline.sip.protocol import CallInfo
from hotline.sip.recording import recording_path
from hotline.workers.channel import EventWriter, read_events
from hotline.workers.journal import CallJournal
from hotline.workers.layout import check_layout, worker_sip_config
from hotline.workers.mirror import RegistryMirror


def hotline(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "hotline", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=60)


@pytest.mark.skipif(not Path(KAMAILIO).exists(), reason="kamailio is not installed")
def test_the_written_kamailio_config_is_accepted_by_kamailio(tmp_path):
    (tmp_path / "sip.conf").write_text("[transport]\nudp_port = 5070\ntcp_port = 5070\n", encoding="utf-8")
    result = hotline("sip", "kamailio-config", "sip.conf", "--workers", "3", "--out", "lb/kamailio.cfg",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listed = (tmp_path / "lb" / "kamailio.cfg.dispatcher.list").read_text(encoding="utf-8")
    assert [line.split()[1] for line in listed.splitlines() if not line.startswith("#")] == [
        "sip:127.0.0.1:5070", "sip:127.0.0.1:5071", "sip:127.0.0.1:5072"]
    checked = subprocess.run([KAMAILIO, "-c", "-f", str(tmp_path / "lb" / "kamailio.cfg")],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert "udp: 127.0.0.1 [127.0.0.1]:5060" in checked.stdout + checked.stderr


def test_kamailio_config_refuses_unusable_worker_lists(tmp_path):
    both = hotline("sip", "kamailio-config", "--workers", "2", "--worker", "10.0.0.5:5070", cwd=tmp_path)
    assert both.returncode == 2 and "either --workers N or" in both.stderr
    bad = hotline("sip", "kamailio-config", "--worker", "10.0.0.5", cwd=tmp_path)
    assert bad.returncode == 2 and "HOST:PORT" in bad.stderr
    with pytest.raises(ValueError, match="public port"):
        write_kamailio_config(tmp_path / "k.cfg", [Worker("127.0.0.1", 5060)], listen_address="127.0.0.1",
                              public_port=5060)


def test_workers_get_consecutive_sip_ports_and_disjoint_rtp_blocks():
    base = SipConfig()
    configs = [worker_sip_config(base, i).transport for i in range(4)]
    assert [t.udp_port for t in configs] == [5060, 5061, 5062, 5063]
    blocks = [range(t.rtp_port_start, t.rtp_port_start + t.rtp_port_count) for t in configs]
    assert all(set(a).isdisjoint(b) for i, a in enumerate(blocks) for b in blocks[i + 1:])
    with pytest.raises(ValueError, match="rtp_port_start"):
        check_layout(base, 300)


def test_a_call_cut_by_a_crash_becomes_a_finished_call_with_what_was_captured(tmp_path):
    started = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    info = CallInfo("c0ffee", "sip-1", "13800000000", "<sip:13800000000@x>", "7812345", "inbound", started,
                    "127.0.0.1:5060", 16000, 640)
    journal = CallJournal(tmp_path / "inflight")
    journal.begin(info)
    journal.on_event(Event("call.final", {"call_id": "c0ffee", "text": "路灯坏了", "start": 0.5, "end": 1.7,
                                          "confidence": 0.9}))
    journal.on_event(Event("call.language", {"call_id": "c0ffee", "language": "mn"}))
    wav = recording_path(tmp_path / "rec", "c0ffee", started)
    wav.parent.mkdir(parents=True)
    with wave.open(str(wav), "wb") as out:  # a WAV whose header was never updated: the crash case
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"")
    with open(wav, "ab") as fh:
        fh.write(b"\x01\x00" * 16000)  # one second of audio written after the header
    spool = Spool(tmp_path / "spool")
    recovered = journal.recover(spool, recordings_dir=tmp_path / "rec", timezone="Asia/Shanghai",
                                frame_bytes=640, worker="worker-1",
                                analyze=lambda text: ContactAnalysis(intent="complaint"))
    assert recovered == ["c0ffee"] and journal.pending() == []
    record = json.loads((spool.directory / "c0ffee.json").read_text(encoding="utf-8"))
    assert record["end_reason"] == "worker_crash" and record["language"] == "mn"
    assert [u["text"] for u in record["utterances"]] == ["路灯坏了"]
    assert record["analysis"]["intent"] == "complaint" and record["worker"] == "worker-1"
    assert record["frames_received"] == 50 and record["recording_path"] == str(wav)
    with wave.open(str(wav), "rb") as fixed:
        assert fixed.getnframes() == 16000  # playable again


def test_a_journal_is_closed_by_its_case_and_skipped_when_the_spool_has_the_call(tmp_path):
    info = CallInfo("done1", "s", "1", "", "7812345", "inbound", datetime.now(UTC), "", 8000, 320)
    journal = CallJournal(tmp_path / "inflight")
    journal.begin(info)
    journal.on_event(Event("case.created", {"call_id": "done1", "case_id": 7}))
    assert journal.pending() == []
    journal.begin(info)
    spool = Spool(tmp_path / "spool")
    spool.put("done1", {"finished": True})
    assert journal.recover(spool, recordings_dir=tmp_path, timezone="Asia/Shanghai", frame_bytes=320,
                           worker="w", analyze=None) == []
    assert journal.pending() == [] and json.loads((spool.directory / "done1.json").read_text()) == {
        "finished": True}


def test_worker_events_cross_the_channel_and_drive_the_main_registry(tmp_path):
    path = tmp_path / "events.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        writer = EventWriter(fh)
        writer.send("call.started", {"call_id": "a", "caller": "139", "callee": "7812345",
                                     "started_at": datetime.now(UTC)})
        writer.send("call.final", {"call_id": "a", "text": "你好"})
        writer.send("call.analysis", {"call_id": "a", "intent": "consultation"})
        fh.write("not json\n")
        writer.send("call.started", {"call_id": "b", "caller": "138", "callee": "7812345",
                                     "started_at": datetime.now(UTC)})
    bad: list[str] = []
    with open(path, encoding="utf-8") as fh:
        events = list(read_events(fh, bad.append))
    assert bad == ["not json"] and len(events) == 4
    registry = LiveCallRegistry()
    mirror = RegistryMirror(registry)
    for kind, data in events:
        mirror.apply(2, kind, data)
    snapshot = {c["call_id"]: c for c in registry.snapshots()}
    assert snapshot["a"]["finals"] == ["你好"] and snapshot["a"]["suggestion"] == {"intent": "consultation"}
    assert mirror.calls_of(2) == 2
    assert sorted(mirror.drop_worker(2)) == ["a", "b"] and len(registry) == 0


def test_case_events_cross_nodes_over_postgresql_once_and_live_call_events_stay_local(new_pg_database):
    from hotline.events import EventHub
    from hotline.workers.node_events import PgEventBridge

    url = new_pg_database("hotline_bridge")
    hub_a, hub_b = EventHub(), EventHub()
    got_a: list[Event] = []
    got_b: list[Event] = []
    hub_a.add_listener(got_a.append)
    hub_b.add_listener(got_b.append)
    bridges = [PgEventBridge(url, hub_a, node="a"), PgEventBridge(url, hub_b, node="b")]
    for bridge in bridges:
        bridge.start()
    try:
        hub_a.publish("call.partial", call_id="x", text="路灯")  # node-local
        hub_a.publish("case.created", case_id=41, tracking_code="T41", channel="web")
        hub_b.publish("case.updated", case_id=41, status="assigned")
        deadline = time.monotonic() + 10
        while (len(got_b) < 2 or len(got_a) < 3) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # anything echoed back would have arrived by now
    finally:
        for bridge in bridges:
            bridge.stop()
    assert sorted((e.kind, e.data) for e in got_b) == [  # once each: nothing echoed back
        ("case.created", {"case_id": 41, "tracking_code": "T41", "channel": "web", "origin_node": "a"}),
        ("case.updated", {"case_id": 41, "status": "assigned"}),
    ]
    assert [(e.kind, e.data.get("origin_node")) for e in got_a] == [
        ("call.partial", None), ("case.created", None), ("case.updated", "b")]
