"""Live calls: a JSON snapshot and the server-sent event stream the console listens to."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from hotline.analytics.topic_spikes import EVENT as SPIKES_EVENT
from hotline.models import Role
from web.auth import CurrentUser, require_roles

CONSOLE_ROLES = require_roles(Role.agent, Role.supervisor, Role.admin)
router = APIRouter(dependencies=[Depends(CONSOLE_ROLES)])
KEEPALIVE_S = 15.0
SUPERVISOR_EVENTS = frozenset({SPIKES_EVENT})  # the hot-topic spike notice is the supervisors' alone


@router.get("/api/live-calls")
def live_calls(request: Request) -> list[dict]:
    return request.app.state.ctx.live_calls.snapshots()


@router.get("/api/events")
async def events(request: Request, user: CurrentUser = Depends(CONSOLE_ROLES)) -> StreamingResponse:
    hub = request.app.state.ctx.hub
    hidden = frozenset() if user.role == Role.supervisor else SUPERVISOR_EVENTS

    async def stream():
        yield "retry: 2000\n\n"
        queue = hub.open_queue()
        try:
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if event.kind in hidden:
                    continue
                payload = json.dumps({"kind": event.kind, "at": event.at.isoformat(), **event.data},
                                     ensure_ascii=False, default=str)
                yield f"id: {event.id}\nevent: {event.kind}\ndata: {payload}\n\n"
        finally:
            hub.close_queue(queue)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream; charset=utf-8", headers=headers)
