"""Over real SIP with the shipped greeting: the caller hears it to its last sentence,
党风政风监督举报请按九, presses 9 then, and the call becomes a sealed conduct report for 纪委监委
(pjsua2 caller -> endpoint + pipeline)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from testkit.databases import migrated_engine

from hotline.db import make_session_factory
from hotline.models import Call, Case
from hotline.sip.config import PROMPTS_DIR
from tests.calls.call_testkit import greeting_prompts, start_pipeline
from tests.sip.sip_testkit import hotline_call, wav_levels, wav_seconds
from tests.sip.test_shipped_greeting import KEY_9_SENTENCE, greeting_text, spoken

pytestmark = pytest.mark.sip
CALLER = "13900000909"
LOUD_DBFS = -35


def test_the_caller_hears_key_9_announced_and_presses_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    engine = migrated_engine(url)
    shipped = PROMPTS_DIR / "greeting_zh.wav"
    prompts = {**greeting_prompts(tmp_path / "prompts"), "greeting_zh": shipped}
    line = start_pipeline(tmp_path / "harness", url, model=None, prompts=prompts)
    greeting = wav_seconds(shipped)
    before = wav_seconds(spoken(tmp_path, "before", greeting_text().removesuffix(KEY_9_SENTENCE)))
    sentence = wav_seconds(spoken(tmp_path, "key9", KEY_9_SENTENCE))
    heard = tmp_path / "heard.wav"
    try:
        result = hotline_call(line.uri, "--from", CALLER, "--record", str(heard), "--dtmf", "9",
                              "--dtmf-delay", f"{greeting - 0.3:.1f}",
                              "--hangup-after", f"{greeting + 4:.1f}", timeout=90)
        assert result.returncode == 0, result.stdout + result.stderr
        line.wait_for("case.created", timeout=60)  # a sealed report's event names no call
    finally:
        code = line.stop()
    assert code == 0, line.log()

    levels = wav_levels(heard)  # 0.1 s windows; the key-9 sentence follows the menu's first sentences
    start, end = int((before + 0.3) * 10), int((before + sentence - 0.5) * 10)
    loud = sum(level > LOUD_DBFS for level in levels[start:end]) / (end - start)
    print(f"\ngreeting {greeting:.1f} s ({before:.1f} s before the key-9 sentence, {sentence:.1f} s of it): "
          f"{loud:.0%} of the sentence heard loud")
    assert loud > 0.6  # the caller heard the announcement before pressing 9
    with make_session_factory(engine)() as session:
        call = session.scalar(select(Call).where(Call.caller == CALLER))
        case = session.scalar(select(Case).where(Case.call_id == call.id)
                              .options(selectinload(Case.department)))
        assert case.confidential and case.department.code == "jwjw"  # a sealed report for 纪委监委
    engine.dispose()
