"""Agents' browser softphones: the SIP identity and the short-lived credentials the console hands to the
signed-in agent, checked by Kamailio's auth_ephemeral module with the same shared secret
(draft-uberti-rtcweb-turn-rest: user ``<unix expiry>:<agent>``, password base64(HMAC-SHA1(secret, user))).

A worker rings an agent's browser by dialling :func:`browser_phone_uri` through Kamailio.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from hotline.settings import Settings

SIP_USER = re.compile(r"^[A-Za-z0-9_.-]+$")  # account usernames are already this (hotline.accounts.users)


class SoftphoneUnavailable(Exception):
    """The browser softphone is not configured; the message says which setting to give."""


@dataclass(frozen=True, slots=True)
class SoftphoneCredentials:
    ws_url: str
    uri: str  # the agent's SIP address of record, sip:<username>@<domain>
    authorization_user: str
    password: str
    expires_at: int  # unix seconds
    display_name: str

    def as_json(self) -> dict[str, object]:
        return {"ws_url": self.ws_url, "uri": self.uri, "authorization_user": self.authorization_user,
                "password": self.password, "expires_at": self.expires_at, "display_name": self.display_name}


def sip_domain(ws_url: str, configured: str = "") -> str:
    """The agents' SIP domain: ``configured``, else the host of the WebSocket URL."""
    if configured:
        return configured
    host = urlsplit(ws_url).hostname
    if not host:
        raise SoftphoneUnavailable("HOTLINE_SOFTPHONE_WS_URL has no host; use ws://HOST:PORT")
    return host


def browser_phone_uri(username: str, domain: str) -> str:
    """The URI a SIP worker dials (through Kamailio) to ring this agent's console, e.g.
    ``sip:agent7@127.0.0.1:5060``; ``domain`` is Kamailio's SIP HOST:PORT."""
    if not SIP_USER.match(username):
        raise ValueError(f"username {username!r} cannot be a SIP user (letters, digits, _ . - only)")
    return f"sip:{username}@{domain}"


def configured_browser_phone_uri(settings: Settings, username: str) -> str | None:
    """The agent's browser-phone URI under these settings, or None when the softphone is not configured
    (HOTLINE_SOFTPHONE_WS_URL empty): what the worker dials to offer a call to a console agent."""
    if not settings.softphone_ws_url:
        return None
    return browser_phone_uri(username, sip_domain(settings.softphone_ws_url, settings.softphone_sip_domain))


def ephemeral_password(secret: str, user: str) -> str:
    digest = hmac.new(secret.encode(), user.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def issue_credentials(*, username: str, display_name: str, ws_url: str, secret: str, domain: str,
                      ttl_s: int, now: datetime) -> SoftphoneCredentials:
    """Credentials valid for ``ttl_s`` seconds from ``now`` for this agent only."""
    if not ws_url:
        raise SoftphoneUnavailable(
            "浏览器软电话未配置：请设置 HOTLINE_SOFTPHONE_WS_URL（Kamailio 的 WebSocket 地址）")
    if len(secret) < 16:
        raise SoftphoneUnavailable(
            "浏览器软电话未配置：请设置 HOTLINE_SOFTPHONE_SECRET（与 Kamailio 相同，至少 16 位）")
    expires_at = int(now.timestamp()) + ttl_s
    user = f"{expires_at}:{username}"
    return SoftphoneCredentials(
        ws_url=ws_url, uri=browser_phone_uri(username, sip_domain(ws_url, domain)), authorization_user=user,
        password=ephemeral_password(secret, user), expires_at=expires_at, display_name=display_name,
    )
