"""Just enough SIP text parsing to route an INVITE: the dialled number and the caller number."""

from __future__ import annotations

import re

_URI_USER = re.compile(r"sips?:([^@;>\s]+)@", re.IGNORECASE)
_HEADER = re.compile(r"^(?:to|t)\s*:\s*(.*)$", re.IGNORECASE | re.MULTILINE)


def uri_user(uri: str) -> str:
    """'"Zhang" <sip:138000@10.0.0.5>;tag=1' -> '138000' ('' when there is no user part)."""
    match = _URI_USER.search(uri)
    return match.group(1) if match else ""


def dialled_numbers(message: str) -> tuple[str, str]:
    """(Request-URI user, To user) of a SIP request; a trunk may put the DID in either."""
    first_line = message.split("\n", 1)[0]
    parts = first_line.split()
    request_user = uri_user(parts[1]) if len(parts) >= 2 else ""
    to = _HEADER.search(message)
    return request_user, uri_user(to.group(1)) if to else ""


def uri_host(uri: str) -> str:
    """'sip:7812345@127.0.0.1:5060;transport=tcp' -> '127.0.0.1' ('' when not a SIP URI)."""
    if not uri.lower().startswith(("sip:", "sips:")):
        return ""
    rest = uri.split(":", 1)[1].split("@")[-1]
    host = rest.split(";")[0].split(">")[0]
    return host[1:].split("]")[0] if host.startswith("[") else host.split(":")[0]
