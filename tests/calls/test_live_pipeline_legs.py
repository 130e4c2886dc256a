"""The pipeline keeps every further leg of a bridged call as its own stream: the first agent's, a second
agent's (after a transfer) and the department's, each stored with its speaker on the caller's time line."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from test_live_pipeline import ScriptedTranscriber, call_info, make_pipeline, summary

from hotline.db import make_session_factory
from hotline.models import Call, Case


def test_agent_second_agent_and_department_legs_are_stored_with_their_speakers(fresh_engine, tmp_path):
    transcriber = ScriptedTranscriber(["喂"])
    pipeline, events = make_pipeline(fresh_engine, tmp_path, transcriber)
    info = dataclasses.replace(call_info("legs"), started_at=datetime.now(UTC) - timedelta(seconds=30))
    caller = pipeline.on_call_started(info)
    pipeline.on_language("legs", "zh")
    caller.push(b"\0" * 320)
    first = pipeline.on_agent_leg("legs", 7, call_info("leg-a"))
    missed = pipeline.on_agent_leg("legs", 9, call_info("leg-missed"))
    pipeline.on_agent_gone("legs", 9, False)  # a missed ring leaves nothing
    pipeline.on_agent_connected("legs", 7)
    first.push(b"\0" * 320)
    pipeline.on_agent_gone("legs", 7, True)  # transferred: the first agent's words stay
    consulted = pipeline.on_party_leg("legs", "agent", call_info("leg-b"))
    time.sleep(0.05)
    consulted.push(b"\0" * 320)
    pipeline.on_agent_connected("legs", 8)  # the consulted agent took the call
    time.sleep(0.05)
    department = pipeline.on_party_leg("legs", "department", call_info("leg-d"))
    department.push(b"\0" * 320)
    assert missed is not None
    pipeline.on_call_ended("legs", summary("legs"))
    pipeline.close()
    with make_session_factory(fresh_engine)() as session:
        call = session.get(Call, "legs", options=[selectinload(Call.utterances)])
        said = [(u.speaker, round(u.start_s, 1)) for u in call.utterances]
        assert [s for s, _ in said] == ["citizen", "agent", "agent", "department"], said
        starts = [t for _, t in said]
        assert starts == sorted(starts) and starts[-1] > 29, said  # the department joined 30 s into the call
        case = session.scalar(select(Case).where(Case.call_id == "legs"))
        assert case.content.splitlines() == ["市民：喂", "坐席：喂", "坐席：喂", "部门：喂"]
    parties = [e.data.get("speaker") for e in events if e.kind == "call.party_ringing"]
    assert parties == ["agent", "department"]
