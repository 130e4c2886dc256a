"""Protection for pages without a login: a form token bound to a cookie (CSRF), and a per-IP rate limit.

The form token is HMAC(secret, "public:" + cookie value). A cross-site page can make the browser send the
cookie, but cannot read it or the token, so a forged post fails. The rate limit is in memory, per process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque

from fastapi import Request, Response

from web.errors import WebError
from web.i18n import N_

PUBLIC_COOKIE = "hotline_form"
FORM_FIELD = "form_token"


def _sign(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), b"public:" + value.encode(), hashlib.sha256).hexdigest()


def form_token(request: Request, response: Response | None = None) -> tuple[str, str | None]:
    """The form token for this browser; returns (token, new cookie value or None when it already had one)."""
    cookie = request.cookies.get(PUBLIC_COOKIE)
    fresh = None
    if not cookie or len(cookie) > 64:
        cookie = fresh = secrets.token_urlsafe(24)
    return _sign(request.app.state.ctx.settings.secret_key, cookie), fresh


def set_form_cookie(request: Request, response: Response, fresh: str | None) -> Response:
    if fresh:
        response.set_cookie(
            PUBLIC_COOKIE,
            fresh,
            httponly=True,
            samesite="lax",
            path="/",
            secure=request.app.state.ctx.settings.env == "production",
        )
    return response


def check_form_token(request: Request, candidate: str | None) -> None:
    cookie = request.cookies.get(PUBLIC_COOKIE) or ""
    expected = _sign(request.app.state.ctx.settings.secret_key, cookie) if cookie else ""
    if not cookie or not candidate or not hmac.compare_digest(expected, candidate):
        raise WebError("csrf_failed", N_("表单已过期或来源无法验证，请刷新页面后重新填写提交。"))


class RateLimiter:
    """At most ``limit`` hits per ``window_s`` seconds per key (sliding window)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                wait = int(hits[0] + self.window_s - now) + 1
                message = N_("提交过于频繁，请 {wait} 秒后再试；紧急事项请拨打 7812345。")
                raise WebError("rate_limited", message, wait=wait)
            hits.append(now)
            if len(self._hits) > 10000:  # forget idle clients
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window_s]:
                    del self._hits[k]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
