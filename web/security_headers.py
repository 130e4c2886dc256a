"""Response headers every page gets (issue 14, finding 11).

- ``Content-Security-Policy``: scripts, styles, media and connections from this server only; no framing,
  no plugins, forms post only here. Inline ``<script type="application/json">`` data islands are data,
  not scripts, so they are unaffected; inline styles stay allowed for the charts.
- ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``.
- ``Cache-Control: no-store`` on everything but ``/static``: case pages, exports and recordings carry
  personal data and must not stay in a shared computer's browser cache or a proxy.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "media-src 'self' blob:; connect-src 'self'{connect}; font-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, connect_sources: tuple[str, ...] = ()) -> None:
        """``connect_sources``: other origins pages may connect to (the softphone's Kamailio WebSocket)."""
        self.app = app
        extra = "".join(f" {source}" for source in connect_sources if source)
        self.headers = {"content-security-policy": CSP.format(connect=extra), **HEADERS}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if not static:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
