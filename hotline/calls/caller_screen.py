"""The SIP endpoint's CallerScreen over the nuisance list (hotline.nuisance): one short transaction per call.

Runs on the SIP thread at call start. A database error lets the call in (a citizen is never turned away by
an outage); a blocked call is counted on its entry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from hotline.db import unit_of_work
from hotline.nuisance.blacklist import blocking_entry, note_blocked
from hotline.sip.protocol import CallInfo

log = logging.getLogger(__name__)


class DatabaseCallerScreen:
    """Implements hotline.sip.caller_screen.CallerScreen."""

    def __init__(self, session_factory, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.session_factory = session_factory
        self.clock = clock

    def blocked(self, call: CallInfo) -> bool:
        try:
            with unit_of_work(self.session_factory) as session:
                now = self.clock()
                entry = blocking_entry(session, phone=call.caller, now=now)
                if entry is None:
                    return False
                note_blocked(session, entry=entry, now=now)
                return True
        except Exception:
            log.exception("call %s: the nuisance list could not be read; the call goes on", call.call_id)
            return False
