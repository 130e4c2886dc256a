"""Audit rows for what used to leave none (issue 14, finding 12): recording playback, masked exports,
catalogue imports, and the retention purge of recordings (after which the call no longer points at a
deleted file)."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from web_testkit import login, make_user

from hotline.calls.recording_retention import purge_hook
from hotline.db import make_session_factory
from hotline.models import AuditRecord, Call, CallDirection, Role
from hotline.sip.recording import RecordingWriter
from knowledge_base.catalog_io import SEED_CATALOG, import_catalog


def _audits(engine, action: str) -> list[AuditRecord]:
    with Session(engine) as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def _call(engine, recording: str) -> str:
    call_id = str(uuid.uuid4())
    with Session(engine) as s:
        s.add(Call(id=call_id, direction=CallDirection.inbound, caller="13800001234", callee="7812345",
                   started_at=datetime.now(UTC), recording_path=recording))
        s.commit()
    return call_id


def test_the_retention_purge_is_audited_and_the_call_forgets_the_file(fresh_engine, tmp_path):
    old = tmp_path / "rec" / "2025-01-01" / "old.wav"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"RIFF")
    os.utime(old, (time.time() - 100 * 86400,) * 2)
    call_id = _call(fresh_engine, str(old))
    writer = RecordingWriter(tmp_path / "rec", 90, synchronous=True)
    writer.on_purged = purge_hook(make_session_factory(fresh_engine), 90)
    writer._maybe_purge()  # what the writer thread does every few hours
    assert not old.exists()
    with Session(fresh_engine) as s:
        assert s.get(Call, call_id).recording_path is None
    [row] = _audits(fresh_engine, "recording.purge")
    assert row.actor == "system" and row.details["calls"] == 1 and row.details["call_ids"] == [call_id]


def test_kb_import_is_audited_but_not_a_dry_run(fresh_engine):
    with Session(fresh_engine) as s:
        import_catalog(s, path=SEED_CATALOG, actor="cli:ops", dry_run=True)
        import_catalog(s, path=SEED_CATALOG, actor="cli:ops")
        s.commit()
    [row] = _audits(fresh_engine, "kb.import")
    assert row.actor == "cli:ops" and row.object_id == SEED_CATALOG.name and row.details["rows"] > 100


def test_playback_and_masked_exports_leave_audit_rows(any_client, tmp_path):
    wav = tmp_path / "call.wav"
    wav.write_bytes(b"RIFF" + bytes(40))
    call_id = _call(any_client.engine, str(wav))
    agent = any_client.new_browser()
    name = make_user(any_client.engine, Role.agent)
    assert login(agent, name).status_code == 303
    assert agent.get(f"/calls/{call_id}/recording").status_code == 200
    played = _audits(any_client.engine, "recording.play")
    assert any(r.actor == name and r.object_id == call_id for r in played)
    analyst = any_client.new_browser()
    name = make_user(any_client.engine, Role.analyst)
    assert login(analyst, name).status_code == 303
    assert analyst.get("/analytics/export.csv").status_code == 200
    [row] = [r for r in _audits(any_client.engine, "analytics.export") if r.actor == name]
    assert row.details["masked"] is True and row.object_id == "csv"
