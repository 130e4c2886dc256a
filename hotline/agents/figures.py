"""Queue figures computed from the stored rows (they survive restarts): live and per China day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.timestamps import as_utc
from hotline.agents.call_queue import WAITING
from hotline.agents.presence import agents_by_state
from hotline.models import QueueEntry, QueueEntryState, RingBackRequest, RingBackState

SERVICE_LEVEL_S = 20.0
ANSWERED = (QueueEntryState.connected, QueueEntryState.ended)


def queue_figures(session: Session, *, now: datetime, since: datetime) -> dict:
    """Calls waiting and the longest wait now; since ``since``: answered, answered within 20 s, service
    level (within 20 s ÷ answered + abandoned), abandoned, overflowed, average wait and handle time, and
    per agent answered count and talk time."""
    now = as_utc(now)
    waiting = list(session.scalars(select(QueueEntry.entered_at).where(QueueEntry.state.in_(WAITING))))
    longest = max(((now - as_utc(t)).total_seconds() for t in waiting), default=0.0)
    entries = list(session.scalars(select(QueueEntry).where(QueueEntry.entered_at >= since)))
    answered = [e for e in entries if e.state in ANSWERED]
    within = [e for e in answered if (e.wait_s or 0.0) <= SERVICE_LEVEL_S]
    abandoned = [e for e in entries if e.state is QueueEntryState.abandoned]
    talks = [e.talk_s for e in answered if e.talk_s is not None]
    per_agent: dict[int, dict] = {}
    for e in answered:
        row = per_agent.setdefault(e.agent_id, {"answered": 0, "talk_s": 0.0})  # type: ignore[arg-type]
        row["answered"] += 1
        row["talk_s"] += e.talk_s or 0.0
    offered = len(answered) + len(abandoned)
    ring_backs = session.scalars(select(RingBackRequest.state).where(RingBackRequest.created_at >= since))
    return {
        "calls_waiting": len(waiting),
        "longest_wait_s": round(longest, 1),
        "agents": agents_by_state(session, now=now),
        "queued": len(entries),
        "answered": len(answered),
        "answered_within_20s": len(within),
        "service_level": round(len(within) / offered, 3) if offered else None,
        "abandoned": len(abandoned),
        "abandoned_wait_s": [round(e.wait_s or 0.0, 1) for e in abandoned],
        "overflow": sum(1 for e in entries if e.state is QueueEntryState.overflow),
        "average_wait_s": (round(sum(e.wait_s or 0.0 for e in answered) / len(answered), 1)
                           if answered else None),
        "average_handle_s": round(sum(talks) / len(talks), 1) if talks else None,
        "per_agent": per_agent,
        "ring_backs_open": sum(1 for s in ring_backs if s in (RingBackState.open, RingBackState.claimed)),
    }
