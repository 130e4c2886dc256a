"""回拨请求 (ring-back requests) worked from the console: claim, then connected (answered) or not reached.

Not to be confused with satisfaction callbacks (package ``callbacks``): a ring-back returns a call the
citizen could not get through on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.db import rows_changed
from hotline.models import RingBackRequest, RingBackState

MAX_ATTEMPTS = 3


class RingBackError(ValueError):
    pass


def open_requests(session: Session, *, limit: int = 100) -> list[RingBackRequest]:
    return list(session.scalars(select(RingBackRequest).where(
        RingBackRequest.state.in_((RingBackState.open, RingBackState.claimed)))
        .order_by(RingBackRequest.created_at, RingBackRequest.id).limit(limit)))


def claim(session: Session, *, request_id: int, agent_id: int) -> RingBackRequest:
    """Take a request to dial it (only one agent can hold it)."""
    won = rows_changed(session,
        update(RingBackRequest)
        .where(RingBackRequest.id == request_id, RingBackRequest.state == RingBackState.open)
        .values(state=RingBackState.claimed, agent_id=agent_id)
        .execution_options(synchronize_session=False))
    request = session.get(RingBackRequest, request_id, populate_existing=True)
    if request is None:
        raise RingBackError(f"回拨请求 {request_id} 不存在")
    if not won and request.agent_id != agent_id:
        raise RingBackError("该回拨请求已由其他坐席处理")
    return request


def record_attempt(session: Session, *, request_id: int, agent_id: int, connected: bool, note: str,
                   now: datetime) -> RingBackRequest:
    """The agent dialled: connected counts the request as answered; after 3 failed attempts it is closed."""
    request = claim(session, request_id=request_id, agent_id=agent_id)
    request.attempts += 1
    request.note = "\n".join(n for n in (request.note, note.strip()) if n)
    if connected:
        request.state, request.answered_at = RingBackState.answered, now
    elif request.attempts >= MAX_ATTEMPTS:
        request.state = RingBackState.closed
    else:
        request.state, request.agent_id = RingBackState.open, None
    session.flush()
    return request
