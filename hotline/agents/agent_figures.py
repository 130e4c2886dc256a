"""Per-agent and per-day figures from the stored queue and presence events (they survive restarts).

Per China day: calls queued, answered, answered within 20 s of entering the queue, service level (within
20 s ÷ (answered + abandoned)), abandoned, average wait. Per agent and China day: calls answered (each
``connected`` event: a call taken over by transfer counts for the agent who took it), missed rings,
talk time (from their ``connected`` to their ``transferred`` or ``ended`` on the same entry), wrap-up and
not-ready (示忙) time from their state changes, average talk and average handle time (talk + wrap-up per
answered call). Time spans are cut at China midnights and at the end of the period (or now).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.timestamps import as_utc
from hotline.agents.figures import SERVICE_LEVEL_S
from hotline.analytics.filters import CHINA, china_midnight_utc
from hotline.models import (
    AgentProfile,
    AgentState,
    AgentStateChange,
    QueueEntry,
    QueueEntryState,
    QueueEvent,
    User,
)

TALK_ENDS = ("transferred", "ended")


def _day(at: datetime) -> date:
    return as_utc(at).astimezone(CHINA).date()


def _by_day(start: datetime, end: datetime) -> Iterator[tuple[date, float]]:
    """Seconds of [start, end) falling on each China day."""
    while start < end:
        day = _day(start)
        cut = min(end, china_midnight_utc(day + timedelta(days=1)))
        yield day, (cut - start).total_seconds()
        start = cut


def _agent_row() -> dict:
    return {"answered": 0, "missed": 0, "talk_s": 0.0, "wrap_up_s": 0.0, "not_ready_s": 0.0}


def _talk(session: Session, since: datetime, until: datetime, end: datetime,
          rows: dict[tuple[int, date], dict]) -> None:
    events = session.scalars(select(QueueEvent).where(QueueEvent.at >= since, QueueEvent.at < until,
                                                      QueueEvent.agent_id.is_not(None))
                             .order_by(QueueEvent.entry_id, QueueEvent.at, QueueEvent.id))
    talking: dict[tuple[int, int], datetime] = {}  # (entry, agent) -> connected at
    for event in events:
        agent, at = int(event.agent_id), as_utc(event.at)  # type: ignore[arg-type]
        if event.kind == "connected":
            rows[(agent, _day(at))]["answered"] += 1
            talking[(event.entry_id, agent)] = at
        elif event.kind == "missed":
            rows[(agent, _day(at))]["missed"] += 1
        elif event.kind in TALK_ENDS and (event.entry_id, agent) in talking:
            for day, seconds in _by_day(talking.pop((event.entry_id, agent)), at):
                rows[(agent, day)]["talk_s"] += seconds
    for (_, agent), began in talking.items():  # still talking at the end of the period
        for day, seconds in _by_day(began, end):
            rows[(agent, day)]["talk_s"] += seconds


def _states(session: Session, since: datetime, end: datetime, rows: dict[tuple[int, date], dict]) -> None:
    changes = list(session.scalars(select(AgentStateChange).where(AgentStateChange.at < end)
                                   .order_by(AgentStateChange.user_id, AgentStateChange.at,
                                             AgentStateChange.id)))
    wrap_ends = {user_id: until for user_id, until in session.execute(
        select(AgentProfile.user_id, AgentProfile.wrap_up_until)
        .where(AgentProfile.wrap_up_until.is_not(None)))}
    for i, change in enumerate(changes):
        field = {AgentState.wrap_up: "wrap_up_s", AgentState.not_ready: "not_ready_s"}.get(change.state)
        if field is None:
            continue
        following = changes[i + 1] if i + 1 < len(changes) else None
        stop = as_utc(following.at) if following and following.user_id == change.user_id else end
        if following is None or following.user_id != change.user_id:
            if change.state is AgentState.wrap_up and change.user_id in wrap_ends:  # over, not yet noticed
                stop = min(stop, as_utc(wrap_ends[change.user_id]))  # type: ignore[arg-type]
        for day, seconds in _by_day(max(as_utc(change.at), since), min(stop, end)):
            rows[(change.user_id, day)][field] += seconds


def agent_day_figures(session: Session, *, since: datetime, until: datetime, now: datetime) -> dict:
    """{"days": [...], "agents": [...], "totals": {...}} for [since, until), cut at ``now``."""
    since, until, now = as_utc(since), as_utc(until), as_utc(now)
    end = min(until, now)
    rows: dict[tuple[int, date], dict] = defaultdict(_agent_row)
    _talk(session, since, until, end, rows)
    _states(session, since, end, rows)
    names = {user_id: name for user_id, name in session.execute(select(User.id, User.display_name))}
    agents = []
    for (agent, day), row in sorted(rows.items(), key=lambda kv: (kv[0][1], names.get(kv[0][0], ""))):
        answered = row["answered"]
        agents.append({
            "agent_id": agent, "agent": names.get(agent, f"#{agent}"), "day": day.isoformat(), **{
                k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()},
            "average_talk_s": round(row["talk_s"] / answered, 1) if answered else None,
            "average_handle_s": round((row["talk_s"] + row["wrap_up_s"]) / answered, 1) if answered else None,
        })
    return {"days": _days(session, since, until), "agents": agents}


def _days(session: Session, since: datetime, until: datetime) -> list[dict]:
    entries = session.scalars(select(QueueEntry).where(QueueEntry.entered_at >= since,
                                                       QueueEntry.entered_at < until))
    days: dict[date, dict] = {}
    for e in entries:
        row = days.setdefault(_day(e.entered_at), {"queued": 0, "answered": 0, "within_20s": 0,
                                                   "abandoned": 0, "wait_s": 0.0})
        row["queued"] += 1
        if e.answered_at is not None:
            row["answered"] += 1
            row["wait_s"] += e.wait_s or 0.0
            row["within_20s"] += (e.wait_s or 0.0) <= SERVICE_LEVEL_S
        elif e.state is QueueEntryState.abandoned:
            row["abandoned"] += 1
    out = []
    for day, row in sorted(days.items()):
        offered = row["answered"] + row["abandoned"]
        out.append({"day": day.isoformat(), "queued": row["queued"], "answered": row["answered"],
                    "within_20s": row["within_20s"], "abandoned": row["abandoned"],
                    "service_level": round(row["within_20s"] / offered, 3) if offered else None,
                    "average_wait_s": round(row["wait_s"] / row["answered"], 1) if row["answered"] else None})
    return out
