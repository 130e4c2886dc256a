"""The nuisance-caller list on SQLite and PostgreSQL: an agent's flag blocks nothing until a supervisor
confirms it; an entry blocks only until it expires or is lifted; every step is audited; bad input says what
to do; the call-start screen counts the calls it turned away and lets everyone in when the database fails."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hotline.calls.caller_screen import DatabaseCallerScreen
from hotline.models import AuditRecord, NuisanceState
from hotline.nuisance import blacklist
from hotline.nuisance.blacklist import NuisanceError
from hotline.sip.protocol import CallInfo

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def _phone() -> str:
    return "139" + str(uuid.uuid4().int)[:8]


def test_a_flag_blocks_only_once_confirmed_and_only_until_it_expires(db_session):
    phone = _phone()
    flag = blacklist.flag_call(db_session, phone=f"+86 {phone[:3]}-{phone[3:]}", reason="反复辱骂坐席",
                               actor="agent1", now=NOW, case_id=None)
    assert flag.phone == phone and flag.state is NuisanceState.pending
    assert blacklist.blocking_entry(db_session, phone=phone, now=NOW) is None
    again = blacklist.flag_call(db_session, phone=phone, reason="又打来了", actor="agent2", now=NOW)
    assert again.id == flag.id  # one open entry per number

    blacklist.confirm(db_session, entry_id=flag.id, days=7, actor="boss", now=NOW)
    assert blacklist.blocking_entry(db_session, phone=phone, now=NOW + timedelta(days=6)) is not None
    assert blacklist.blocking_entry(db_session, phone=phone, now=NOW + timedelta(days=7, seconds=1)) is None
    later = blacklist.blacklist(db_session, now=NOW + timedelta(days=8))
    assert flag not in later.active and flag in later.past

    actions = db_session.scalars(select(AuditRecord.action).where(AuditRecord.object_id == phone)).all()
    assert sorted(actions) == ["nuisance.confirm", "nuisance.flag"]


def test_supervisor_adds_and_lifts_and_bad_input_is_explained(db_session):
    phone = _phone()
    entry = blacklist.add_entry(db_session, phone=phone, reason="深夜骚扰", days=None, actor="boss", now=NOW)
    assert blacklist.blocking_entry(db_session, phone=phone, now=NOW + timedelta(days=3000)) is entry
    with pytest.raises(NuisanceError, match="已在黑名单"):
        blacklist.add_entry(db_session, phone=phone, reason="再次", days=3, actor="boss", now=NOW)
    blacklist.lift(db_session, entry_id=entry.id, actor="boss", now=NOW)
    assert blacklist.blocking_entry(db_session, phone=phone, now=NOW) is None
    with pytest.raises(NuisanceError, match="不能解除"):
        blacklist.lift(db_session, entry_id=entry.id, actor="boss", now=NOW)
    with pytest.raises(NuisanceError, match="电话号码"):
        blacklist.add_entry(db_session, phone="abc", reason="x", days=1, actor="boss", now=NOW)
    with pytest.raises(NuisanceError, match="原因"):
        blacklist.flag_call(db_session, phone=_phone(), reason="  ", actor="agent1", now=NOW)
    with pytest.raises(NuisanceError, match="1–3650"):
        blacklist.add_entry(db_session, phone=_phone(), reason="x", days=0, actor="boss", now=NOW)
    assert blacklist.blocking_entry(db_session, phone="", now=NOW) is None  # anonymous callers pass


def _call(caller: str) -> CallInfo:
    return CallInfo(call_id=uuid.uuid4().hex, sip_call_id="x", caller=caller, caller_uri=f"sip:{caller}@x",
                    callee="7812345", direction="inbound", started_at=NOW, remote_address="127.0.0.1:5060",
                    sample_rate=8000, frame_bytes=320)


def test_the_call_start_screen_blocks_counts_and_fails_open(sqlite_engine):
    from hotline.db import make_session_factory, unit_of_work

    factory = make_session_factory(sqlite_engine)
    blocked, expired = _phone(), _phone()
    with unit_of_work(factory) as session:
        blacklist.add_entry(session, phone=blocked, reason="骚扰", days=30, actor="boss", now=NOW)
        blacklist.add_entry(session, phone=expired, reason="骚扰", days=1, actor="boss",
                            now=NOW - timedelta(days=2))
    screen = DatabaseCallerScreen(factory, clock=lambda: NOW)
    assert screen.blocked(_call(blocked)) and screen.blocked(_call(blocked))
    assert not screen.blocked(_call(expired)) and not screen.blocked(_call(_phone()))
    with factory() as session:
        entry = blacklist.blocking_entry(session, phone=blocked, now=NOW)
        assert entry is not None and entry.blocked_calls == 2

    def broken():
        raise RuntimeError("database down")

    assert DatabaseCallerScreen(broken).blocked(_call(blocked)) is False
