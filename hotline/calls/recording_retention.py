"""After the retention purge deleted recordings: the calls forget the files, and the purge is audited.

The SIP endpoint deletes recordings past ``[recording] retention_days`` (hotline.sip.recording); this is
the database side, called through the writer's ``on_purged`` hook (and by `hotline sip purge-recordings`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.db import rows_changed, unit_of_work
from hotline.models import Call, Callback, CallbackAttempt

PURGE_ACTION = "recording.purge"
LISTED_IDS = 200  # call ids named in the audit row; the count is always complete


def forget_purged_recordings(session: Session, *, deleted: Iterable[Path], retention_days: int) -> int:
    """Clear ``recording_path`` where the file was deleted, audit the purge; return the rows cleared."""
    deleted = list(deleted)
    paths = sorted({str(p) for p in deleted} | {str(Path(p).resolve()) for p in deleted})
    if not paths:
        return 0
    call_ids = list(session.scalars(update(Call).where(Call.recording_path.in_(paths))
                                    .values(recording_path=None).returning(Call.id)))
    callbacks = 0
    for model in (Callback, CallbackAttempt):
        callbacks += rows_changed(session, update(model).where(model.recording_path.in_(paths))
                                     .values(recording_path=None))
    record_audit(session, actor="system", action=PURGE_ACTION, object_type="recording",
                 details={"files": len(set(Path(p).name for p in paths)), "retention_days": retention_days,
                          "calls": len(call_ids), "callbacks": callbacks, "call_ids": call_ids[:LISTED_IDS]})
    return len(call_ids) + callbacks


def purge_hook(session_factory, retention_days: int):
    """An ``on_purged`` hook for :class:`hotline.sip.recording.RecordingWriter`."""

    def on_purged(deleted: list[Path]) -> None:
        with unit_of_work(session_factory) as session:
            forget_purged_recordings(session, deleted=deleted, retention_days=retention_days)

    return on_purged
