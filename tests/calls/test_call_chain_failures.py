"""The whole chain when something is missing or down: no ASR model, a PostgreSQL outage during a call.

Each test runs its own harness process (real endpoint + pipeline) and places real SIP calls over loopback.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, text
from testkit.databases import migrated_engine

from hotline.db import make_engine, make_session_factory
from hotline.models import Case, TranscriptStatus
from tests.calls.call_testkit import (
    assert_case_carries_the_analysis,
    assert_heard_like_the_file,
    call_and_case,
    start_pipeline,
    wav_seconds,
)
from tests.conftest import PG_ADMIN_URL
from tests.sip.sip_testkit import hotline_call

pytestmark = [pytest.mark.sip, pytest.mark.vosk]


@pytest.fixture
def line_factory(tmp_path):
    started = []

    def start(url: str, **kwargs):
        engine = migrated_engine(url)
        line = start_pipeline(tmp_path / f"harness{len(started)}", url, **kwargs)
        line.engine = engine
        started.append(line)
        return line

    yield start
    for line in started:
        code = line.stop()
        line.engine.dispose()
        assert code == 0, f"pipeline harness exited with {code} (abort?)\n{line.log()}"


def test_without_an_asr_model_calls_are_answered_recorded_and_cased(line_factory, tmp_path, speech):
    line = line_factory(f"sqlite:///{tmp_path / 'hotline.sqlite3'}", model=tmp_path / "no-such-model")
    result = hotline_call(line.uri, "--play", str(speech["short"]), "--dtmf", "1", "--dtmf-delay", "0.3",
                          "--from", "13800000401")
    assert result.returncode == 0, result.stdout + result.stderr
    call, case = call_and_case(line, "13800000401")
    assert call.transcript_status == TranscriptStatus.unavailable and call.transcript == ""
    assert "语音转写不可用" in case.content and "未配置语音识别模型" in case.content and case.needs_triage
    assert call.language == "zh" and case.language == "zh" and call.end_reason == "caller_hangup"
    recorded = wav_seconds(line.recordings / call.recording_path)
    assert abs(recorded - wav_seconds(speech["short"])) < 0.6
    assert "live transcription is OFF" in line.log(200_000)


@pytest.mark.postgres
def test_postgresql_call_and_outage_the_finished_call_waits_in_the_spool(
        line_factory, new_pg_database, model_dir, speech, direct_transcripts, analyzer):
    url = new_pg_database("hotline_calls")
    name = url.rsplit("/", 1)[1]
    line = line_factory(url, model=model_dir)

    # a normal call on PostgreSQL
    result = hotline_call(line.uri, "--play", str(speech["long"]), "--dtmf", "1", "--dtmf-delay", "0.3",
                          "--from", "13800000501")
    assert result.returncode == 0, result.stdout + result.stderr
    call, case = call_and_case(line, "13800000501")
    assert call.transcript and call.frames_dropped == 0 and call.language == "zh" and case.language == "zh"
    assert_heard_like_the_file(call.utterances, direct_transcripts["long"])
    assert_case_carries_the_analysis(case, analyzer)

    # the database refuses connections and drops the open ones while the next call is up
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        result = hotline_call(line.uri, "--play", str(speech["short"]), "--from", "13800000502")
        assert result.returncode == 0, result.stdout + result.stderr
        [started] = line.wait_for("call.started", where=lambda e: e["caller"] == "13800000502")
        spooled = line.spool / f"{started['call_id']}.json"
        deadline = time.monotonic() + 30
        while not spooled.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert spooled.exists(), f"the finished call was not spooled\n{line.log()}"
        time.sleep(3.0)  # several flush attempts fail meanwhile
        assert spooled.exists() and not [e for e in line.events("case.created")
                                         if e["call_id"] == started["call_id"]]
        assert "not written yet" in line.log(200_000)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()

    # back: the spooled call is written once, with everything the call produced
    call, case = call_and_case(line, "13800000502", timeout=30)
    assert not spooled.exists()
    assert call.end_reason == "caller_hangup" and call.frames_dropped == 0 and call.transcript
    assert abs(wav_seconds(line.recordings / call.recording_path) - wav_seconds(speech["short"])) < 0.6
    assert case.content == call.transcript
    with make_session_factory(line.engine)() as session:
        assert session.scalar(select(func.count()).select_from(Case)
                              .where(Case.call_id == call.id)) == 1
