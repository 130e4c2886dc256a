"""Real outbound callbacks over loopback: pjsua2 dials sipp callees that answer with RFC 2833 keys, stay
silent, are busy or never answer. The scheduler runs in its own process on a SQLite file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from callback_testkit import closed_case, cn
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from testkit.sipp import sipp_argv

from hotline import migrate
from hotline.cases.calendar_admin import seed_holiday_calendar
from hotline.db import make_engine
from hotline.models import Callback, CallbackResult, CallbackState, Case, CaseStatus
from hotline.seeding import seed_organisation

HERE = Path(__file__).resolve().parent
SIP_TESTS = HERE.parent / "sip"
sys.path.insert(0, str(SIP_TESTS))
from sip_testkit import (  # noqa: E402
    SIPP_FILES,
    free_sip_port,
    rewrite_rtp_payload_type,
    subprocess_env,
    wav_seconds,
    write_config,
    write_tone,
)

pytestmark = [
    pytest.mark.sip,
    pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (Debian sip-tester) is not installed"),
]
KEY_PAUSE = (
    '  <pause milliseconds="{ms}"/>\n'
    '  <nop><action><exec play_pcap_audio="pcap/dtmf_{key}.pcap"/></action></nop>\n'
)
# phone -> (scenario, keys [(pause ms, key)], calls expected)
CALLEES = {
    "13900000001": ("keys", [(600, "1")], 1),
    "13900000002": ("keys", [(600, "2")], 1),
    "13900000003": ("keys", [(600, "3")], 1),
    "13900000009": ("keys", [(600, "9"), (1200, "1")], 1),
    "13900000000": ("keys", [], 1),
    "13900000486": ("busy", [], 2),
    "13900000480": ("no_answer", [], 2),
}


def start_callee(workdir: Path, phone: str) -> tuple[subprocess.Popen, int]:
    kind, keys, calls = CALLEES[phone]
    directory = workdir / phone
    (directory / "pcap").mkdir(parents=True)
    if kind == "keys":
        for _, key in keys:
            rewrite_rtp_payload_type(
                SIPP_FILES / f"dtmf_2833_{key}.pcap", directory / "pcap" / f"dtmf_{key}.pcap", 120
            )
        text = (HERE / "sipp" / "uas_answer_keys.xml.in").read_text()
        scenario = directory / "scenario.xml"
        scenario.write_text(text.replace("@KEYS@", "".join(KEY_PAUSE.format(ms=ms, key=k) for ms, k in keys)))
    else:
        scenario = HERE / "sipp" / f"uas_{kind}.xml"
    port = free_sip_port()
    proc = subprocess.Popen(
        sipp_argv(scenario, port=port, calls=calls, timeout_s=120, extra=["-trace_err"]),
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    return proc, port


def tone_prompts(directory: Path) -> Path:
    directory.mkdir(parents=True)
    for name, seconds, freq in [
        ("question", 1.0, 440),
        ("thanks", 0.4, 660),
        ("reopen", 0.4, 550),
        ("no_input", 0.3, 350),
        ("goodbye", 0.4, 500),
    ]:
        write_tone(directory / f"callback_{name}_zh.wav", seconds, freq)
    return directory


def test_real_callbacks_store_answers_reopen_and_retry(tmp_path):
    url = f"sqlite:///{tmp_path / 'sip.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as s:
        seed_organisation(s)
        seed_holiday_calendar(s)
        case_ids = {
            phone: closed_case(s, at=cn(2026, 3, 2, 10, 0), phone=phone, language="mn").id
            for phone in CALLEES
        }
        s.commit()
    callees = {phone: start_callee(tmp_path / "callees", phone) for phone in CALLEES}
    try:
        (tmp_path / "endpoint").mkdir()
        sip_conf = write_config(tmp_path / "endpoint", free_sip_port())
        config = {
            "database_url": url,
            "sip_conf": str(sip_conf),
            "prompts_dir": str(tone_prompts(tmp_path / "p")),
            "routes": {phone: f"sip:{phone}@127.0.0.1:{port}" for phone, (_, port) in callees.items()},
            "clock_start": "2026-03-03T10:00:00+08:00",
            "answer_timeout": 3,
            "input_timeout": 1.5,
            "max_attempts": 2,
            "retry_minutes": [0.05],
            "concurrent": 3,
        }
        (tmp_path / "harness.json").write_text(json.dumps(config))
        harness = subprocess.run(
            [sys.executable, str(HERE / "callback_sip_harness.py"), str(tmp_path / "harness.json")],
            capture_output=True,
            text=True,
            timeout=240,
            env=subprocess_env(),
            cwd=tmp_path,
        )
        assert harness.returncode == 0 and "DONE 9" in harness.stdout, harness.stderr[-6000:]
        assert "callback prompt slot mn is empty" in harness.stderr  # Mongolian callers hear Mandarin
        for phone, (proc, _) in callees.items():
            assert proc.wait(30) == 0, f"sipp callee {phone} did not see the calls it expected"
    finally:
        for proc, _ in callees.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    with Session(engine) as s:
        rows = {
            phone: s.scalar(select(Callback).where(Callback.case_id == case_ids[phone])
                            .options(selectinload(Callback.attempt_log))) for phone in CALLEES
        }
        status = {phone: s.get(Case, case_ids[phone]).status for phone in CALLEES}
        attempts = {
            phone: [(a.outcome, a.digits, a.sip_status) for a in rows[phone].attempt_log] for phone in CALLEES
        }
        for phone, result, case_status in [
            ("13900000001", CallbackResult.satisfied, CaseStatus.callback_done),
            ("13900000002", CallbackResult.basically_satisfied, CaseStatus.callback_done),
            ("13900000003", CallbackResult.unsatisfied, CaseStatus.reopened),
            ("13900000009", CallbackResult.satisfied, CaseStatus.callback_done),
        ]:
            row = rows[phone]
            assert (row.state, row.result, status[phone]) == (CallbackState.done, result, case_status), (
                attempts[phone]
            )
            recording = Path(row.recording_path)
            assert recording.is_file() and wav_seconds(recording) > 0.5  # the callback call was recorded
            with wave.open(str(recording)) as wav:
                assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        assert attempts["13900000009"][0][1] == "91"  # 9 repeated the question, then 1 answered
        assert (
            attempts["13900000000"] == [("no_input", "", 200)]
            and rows["13900000000"].state == CallbackState.failed
        )
        assert status["13900000000"] == CaseStatus.closed
        assert [a[0] for a in attempts["13900000486"]] == ["busy", "busy"]
        assert attempts["13900000486"][0][2] == 486 and rows["13900000486"].state == CallbackState.failed
        assert [a[0] for a in attempts["13900000480"]] == ["no_answer", "no_answer"]
        assert rows["13900000480"].state == CallbackState.failed
    engine.dispose()
