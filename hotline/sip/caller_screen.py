"""Caller screening at call start: a blacklisted number hears a short message and the call ends there.

``CallControl`` calls :func:`screen_inbound` once per answered inbound call (SIP thread). When its
``screen`` (a :class:`CallerScreen`, e.g. hotline.calls.caller_screen.DatabaseCallerScreen) says the number is
blocked, the call's IVR is swapped for :class:`BlockedFlow`: no greeting, no language menu, no queue — the
``nuisance`` prompt, then hang up with ``EndReason.BLOCKED``. The pipeline still stores the call (no case).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from hotline.sip.call_flow import Action, InboundFlow
from hotline.sip.protocol import CallInfo, EndReason

if TYPE_CHECKING:
    from hotline.sip.call_control import CallControl, LiveCall

log = logging.getLogger(__name__)
PROMPT = "nuisance"  # slot nuisance_zh (and nuisance_mn when recorded)


class CallerScreen(Protocol):
    def blocked(self, call: CallInfo) -> bool:
        """True when the caller must not reach the hotline (answer fast: this runs on the SIP thread)."""
        ...


class BlockedFlow(InboundFlow):
    """The IVR of a blocked caller: the short message, then hang up."""

    def start(self, now: float) -> list[Action]:
        self.started_at = now
        return self.close_with(PROMPT, EndReason.BLOCKED, now)

    def on_dtmf(self, digit: str, now: float) -> list[Action]:
        return []


def screen_inbound(control: CallControl, live: LiveCall) -> None:
    screen, flow, info = control.screen, live.flow, live.info
    if screen is None or flow is None or info is None:
        return
    try:
        blocked = screen.blocked(info)
    except Exception:
        log.exception("call %s: the caller check failed; the call goes on", info.call_id)
        return
    if blocked:
        log.info("call %s: %s is on the nuisance list: short message, then hang up",
                 info.call_id, info.caller)
        live.flow = BlockedFlow(flow.call_id, flow.available, language_timeout_s=flow.language_timeout_s,
                                silence_timeout_s=flow.silence_timeout_s, max_call_s=flow.max_call_s)
