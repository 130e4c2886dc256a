"""Prometheus ``/metrics`` (text exposition format 0.0.4), for scrapers on this machine only (loopback):
calls active, cases waiting for an agent, ASR lag and backlog, spool backlog, callbacks due, HTTP latency."""

from __future__ import annotations

import time
from bisect import bisect_left
from threading import Lock

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select

from hotline.calls.speech_queues import deferred_waiting
from hotline.models import Callback, CallbackState, Case, CaseStatus, utcnow
from web.auth import public

router = APIRouter()
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class HttpLatency:
    """A histogram per (method, route template, status class): route templates keep the label set small."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._series: dict[tuple[str, str, str], list] = {}  # key -> [bucket counts, sum, count]

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, f"{status // 100}xx")
        with self._lock:
            series = self._series.setdefault(key, [[0] * len(BUCKETS), 0.0, 0])
            index = bisect_left(BUCKETS, seconds)
            if index < len(BUCKETS):
                series[0][index] += 1
            series[1] += seconds
            series[2] += 1

    def lines(self) -> list[str]:
        out = ["# HELP hotline_http_request_duration_seconds Time to answer an HTTP request.",
               "# TYPE hotline_http_request_duration_seconds histogram"]
        with self._lock:
            items = sorted((k, [list(v[0]), v[1], v[2]]) for k, v in self._series.items())
        for (method, route, status), (buckets, total, count) in items:
            labels = f'method="{method}",route="{route}",status="{status}"'
            running = 0
            for bound, n in zip(BUCKETS, buckets, strict=True):
                running += n
                out.append(f'hotline_http_request_duration_seconds_bucket{{{labels},le="{bound}"}} {running}')
            out.append(f'hotline_http_request_duration_seconds_bucket{{{labels},le="+Inf"}} {count}')
            out.append(f"hotline_http_request_duration_seconds_sum{{{labels}}} {total:.6f}")
            out.append(f"hotline_http_request_duration_seconds_count{{{labels}}} {count}")
        return out


class LatencyMiddleware:
    """Pure ASGI (streams such as the SSE feed pass through untouched); times every HTTP request."""

    def __init__(self, app, latency: HttpLatency) -> None:
        self.app, self.latency = app, latency

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), [500]

        async def send_status(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "(unmatched)"
            if route != "/api/events":  # the SSE stream stays open: its duration is not a latency
                self.latency.observe(scope["method"], route, status[0], time.perf_counter() - started)


def install_metrics(app: FastAPI) -> None:
    app.state.http_latency = HttpLatency()
    app.add_middleware(LatencyMiddleware, latency=app.state.http_latency)


def _gauge(name: str, help_text: str, value: float) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value:g}"]


@router.get("/metrics")
@public
def metrics(request: Request) -> PlainTextResponse:
    if (request.client.host if request.client else "") not in LOOPBACK:
        raise HTTPException(403, "指标仅对本机开放。")
    ctx = request.app.state.ctx
    status = ctx.status()
    spool = ctx.settings.data_dir / "spool"
    with ctx.session_factory() as session:
        waiting = session.scalar(select(func.count(Case.id)).where(Case.status == CaseStatus.accepted)) or 0
        due = session.scalar(select(func.count(Callback.id)).where(
            Callback.state == CallbackState.due, Callback.due_at <= utcnow())) or 0
        queued = deferred_waiting(session)
    lines = [
        *_gauge("hotline_calls_active", "Calls in progress.", len(ctx.live_calls)),
        *_gauge("hotline_cases_waiting_confirm", "Cases waiting for an agent to confirm (待确认).", waiting),
        *_gauge("hotline_asr_lag_seconds", "Largest transcription lag behind live audio.",
                float(status.get("asr_max_lag_s") or 0.0)),
        *_gauge("hotline_asr_backlog_seconds", "Audio buffered and not yet transcribed.",
                float(status.get("asr_buffered_s") or 0.0)),
        *_gauge("hotline_spool_backlog_files", "Finished calls waiting in the spool for the database.",
                len(list(spool.glob("*.json"))) if spool.is_dir() else 0),
        *_gauge("hotline_callbacks_due", "Satisfaction callbacks due now.", due),
        *_gauge("hotline_transcription_queued",
                "Calls recorded past ASR capacity, transcribed later from the recording.", queued),
        *request.app.state.http_latency.lines(),
    ]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8")
