"""Over real SIP (pjsua2 caller -> real endpoint + pipeline + SQLite), what a caller notices after hanging up:

- a number on the nuisance list hears the short message (the shipped espeak-ng prompt, measured in what the
  caller received) and the line hangs up — no greeting, no queue, no case, but the call is stored and counted;
  a number whose entry expired yesterday is answered as usual and gets its case;
- a caller gets the 受理回执 SMS with the tracking code through a real SMPP session to a local SMSC, in
  Mongolian when they pressed 2 (the language is kept on the case), in Chinese when they pressed 1.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select
from testkit.databases import migrated_engine

from hotline.db import make_session_factory, unit_of_work
from hotline.models import Call, Case, NuisanceNumber, utcnow
from hotline.nuisance import blacklist
from hotline.sip.config import PROMPTS_DIR
from hotline.sms.gateways import gateway_from_url
from hotline.sms.outbox import CHINA
from hotline.sms.sender import SmsSender
from tests.calls.call_testkit import call_and_case, start_pipeline
from tests.sip.sip_testkit import hotline_call, wav_levels, wav_seconds
from tests.web.smsc_testkit import Smsc

pytestmark = pytest.mark.sip
BLOCKED, EXPIRED = "13900000701", "13900000702"
LOUD_DBFS = -35


def loud_span(path) -> float:
    """Seconds from the first to the last 0.1 s window above LOUD_DBFS."""
    loud = [i for i, level in enumerate(wav_levels(path)) if level > LOUD_DBFS]
    return (loud[-1] - loud[0] + 1) * 0.1 if loud else 0.0


@pytest.fixture(scope="module")
def line(tmp_path_factory):
    directory = tmp_path_factory.mktemp("nuisance-line")
    url = f"sqlite:///{directory / 'hotline.sqlite3'}"
    engine = migrated_engine(url)
    now = utcnow()
    with unit_of_work(make_session_factory(engine)) as session:
        blacklist.add_entry(session, phone=BLOCKED, reason="反复辱骂坐席", days=30, actor="boss", now=now)
        blacklist.add_entry(session, phone=EXPIRED, reason="上周骚扰", days=1, actor="boss",
                            now=now - timedelta(days=2))
    running = start_pipeline(directory / "harness", url, model=None)
    running.engine = engine
    yield running
    code = running.stop()
    engine.dispose()
    assert code == 0, f"pipeline harness exited with {code}\n{running.log()}"


def test_a_blacklisted_caller_hears_the_message_then_the_line_hangs_up_without_a_case(line, tmp_path):
    heard = tmp_path / "heard.wav"
    result = hotline_call(line.uri, "--from", BLOCKED, "--record", str(heard), "--hangup-after", "40",
                          timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "remote hung up" in result.stdout, result.stdout
    [ended] = line.wait_for("call.ended", where=lambda e: e["reason"] == "blocked")
    assert ended["case_id"] is None

    prompt = PROMPTS_DIR / "nuisance_zh.wav"
    expected, got = loud_span(prompt), loud_span(heard)
    print(f"\nnuisance prompt: {expected:.1f} s of speech in the file, {got:.1f} s heard; "
          f"call {wav_seconds(heard):.1f} s")
    assert abs(got - expected) < 0.6, (got, expected)  # the whole message, and nothing else (no greeting)
    assert wav_seconds(heard) < expected + 2.5  # then the line hung up

    with make_session_factory(line.engine)() as session:
        call = session.scalar(select(Call).where(Call.caller == BLOCKED))
        assert call is not None and call.end_reason == "blocked"  # logged
        assert session.scalar(select(Case).where(Case.citizen_phone == BLOCKED)) is None  # no case
        entry = session.scalar(select(NuisanceNumber).where(NuisanceNumber.phone == BLOCKED))
        assert entry.blocked_calls == 1 and entry.last_blocked_at is not None
    assert not line.events("queue.entered")


def test_an_expired_entry_no_longer_blocks(line):
    result = hotline_call(line.uri, "--from", EXPIRED, "--hangup-after", "4")
    assert result.returncode == 0, result.stdout + result.stderr
    call, case = call_and_case(line, EXPIRED)
    assert call.end_reason == "caller_hangup" and case is not None and case.citizen_phone == EXPIRED


def test_callers_get_the_receipt_sms_in_the_language_they_chose(line):
    callers = {"13912340771": "1", "13912340772": "2"}
    for number, key in callers.items():
        result = hotline_call(line.uri, "--from", number, "--dtmf", key, "--dtmf-delay", "0.5",
                              "--hangup-after", "4")
        assert result.returncode == 0, result.stdout + result.stderr
    cases = {number: call_and_case(line, number)[1] for number in callers}
    assert cases["13912340772"].language == "mn" and cases["13912340771"].language == "zh"

    smsc = Smsc()
    gateway = gateway_from_url(f"smpp://hotline:secret@127.0.0.1:{smsc.port}?source=7812345")
    ten_tomorrow = datetime.combine(datetime.now(CHINA).date() + timedelta(days=1), time(10), CHINA)
    try:
        SmsSender(make_session_factory(line.engine), gateway, clock=lambda: ten_tomorrow).run_once()
    finally:
        gateway.close()
        smsc.close()
    texts = smsc.texts()
    print(f"\nreceipts: {texts}")
    zh, mn = texts["13912340771"], texts["13912340772"]
    assert cases["13912340771"].tracking_code in zh and "已受理" in zh
    assert cases["13912340772"].tracking_code in mn and "ᠬᠦᠯᠢᠵᠦ ᠠᠪᠤᠯᠠᠠ" in mn and "已受理" not in mn
    assert BLOCKED not in texts  # the blocked caller has no case, so no receipt
