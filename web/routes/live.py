"""Live calls: a JSON snapshot and the server-sent event stream the console listens to."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from hotline.models import Role
from web.auth import require_roles

CONSOLE_ROLES = require_roles(Role.agent, Role.supervisor, Role.admin)
router = APIRouter(dependencies=[Depends(CONSOLE_ROLES)])
KEEPALIVE_S = 15.0


@router.get("/api/live-calls")
def live_calls(request: Request) -> list[dict]:
    return request.app.state.ctx.live_calls.snapshots()


@router.get("/api/events")
async def events(request: Request) -> StreamingResponse:
    hub = request.app.state.ctx.hub

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
                payload = json.dumps({"kind": event.kind, "at": event.at.isoformat(), **event.data},
                                     ensure_ascii=False, default=str)
                yield f"id: {event.id}\nevent: {event.kind}\ndata: {payload}\n\n"
        finally:
            hub.close_queue(queue)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream; charset=utf-8", headers=headers)
