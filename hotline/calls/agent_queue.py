"""The SIP endpoint's AgentQueue over the database rows of hotline.agents (one short transaction per step).

Runs on the SIP thread; a database error is logged and degrades (the caller is not queued, or keeps
waiting) rather than breaking the call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from hotline.agents import call_queue, transfers
from hotline.agents.presence import logged_in_agents
from hotline.db import unit_of_work
from hotline.events import EventHub
from hotline.models import QueueEntry
from hotline.sip.protocol import CallInfo, QueueStatus

log = logging.getLogger(__name__)


class DatabaseAgentQueue:
    """Implements hotline.sip.protocol.AgentQueue; shared by every worker through the database."""

    def __init__(self, session_factory, *, worker: str = "", wrap_up_s: float = 15.0,
                 hub: EventHub | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.session_factory = session_factory
        self.worker = worker
        self.wrap_up_s = wrap_up_s
        self.hub = hub
        self.clock = clock

    def close_orphans(self) -> int:
        """Call once at start: entries this worker's previous incarnation left open are closed."""
        try:
            with unit_of_work(self.session_factory) as session:
                count = call_queue.close_orphans(session, worker=self.worker, now=self.clock())
        except Exception:
            log.exception("queue: closing the entries left by a previous run failed")
            return 0
        if count:
            log.warning("queue: %d calls of %s were cut by a restart; recorded as abandoned/ended",
                        count, self.worker)
        return count

    def _publish(self, kind: str, **data: object) -> None:
        if self.hub is not None:
            self.hub.publish(kind, **data)

    def agents_available(self, language) -> bool:
        try:
            with unit_of_work(self.session_factory) as session:
                return logged_in_agents(session) > 0
        except Exception:
            log.exception("queue: cannot count agents; treating as none")
            return False

    def enter(self, call: CallInfo, language) -> int | None:
        try:
            with unit_of_work(self.session_factory) as session:
                entry = call_queue.enter_queue(session, call_id=call.call_id, caller=call.caller,
                                               language=language, worker=self.worker, now=self.clock())
                ticket = entry.id
        except Exception:
            log.exception("call %s: cannot enter the queue; the caller leaves a message", call.call_id)
            return None
        self._publish("queue.entered", call_id=call.call_id, ticket=ticket, language=language)
        return ticket

    def poll(self, ticket: int, *, may_offer: bool) -> QueueStatus:
        try:
            with unit_of_work(self.session_factory) as session:
                now = self.clock()
                offer = call_queue.offer_next(session, entry_id=ticket, now=now) if may_offer else None
                position = call_queue.position(session, entry_id=ticket)
                wait = call_queue.expected_wait_s(session, entry_id=ticket, now=now)
                call_id = session.get(QueueEntry, ticket).call_id
        except Exception:
            log.exception("queue ticket %d: poll failed", ticket)
            return QueueStatus(position=0, expected_wait_s=0.0)
        if offer is None:
            return QueueStatus(position=position, expected_wait_s=wait)
        self._publish("agent.ringing", call_id=call_id, agent_id=offer.agent_id, ticket=ticket)
        return QueueStatus(position, wait, offer.agent_id, offer.phone_uri)

    def _step(self, what: str, ticket: int, fn) -> None:
        try:
            with unit_of_work(self.session_factory) as session:
                fn(session, self.clock())
        except Exception:
            log.exception("queue ticket %d: %s failed", ticket, what)
        self._publish("queue.changed", ticket=ticket, step=what)

    def missed(self, ticket: int, agent_id: int, detail: str) -> None:
        self._step("missed", ticket, lambda s, now: call_queue.ring_missed(
            s, entry_id=ticket, agent_id=agent_id, now=now, detail=detail[:200]))

    def connected(self, ticket: int, agent_id: int) -> None:
        self._step("connected", ticket, lambda s, now: call_queue.connect(
            s, entry_id=ticket, agent_id=agent_id, now=now))

    def finished(self, ticket: int) -> None:
        self._step("finished", ticket, lambda s, now: call_queue.finish(
            s, entry_id=ticket, now=now, wrap_up_s=self.wrap_up_s))

    def abandoned(self, ticket: int) -> None:
        self._step("abandoned", ticket, lambda s, now: call_queue.abandon(s, entry_id=ticket, now=now))

    def overflow(self, ticket: int, reason: str) -> None:
        self._step("overflow", ticket, lambda s, now: call_queue.overflow(
            s, entry_id=ticket, now=now, reason=reason))

    def outcome(self, ticket: int, choice: str) -> None:
        self._step("outcome", ticket, lambda s, now: call_queue.choose_outcome(
            s, entry_id=ticket, outcome=choice, now=now))

    def take_command(self, ticket: int) -> str:
        try:
            with unit_of_work(self.session_factory) as session:
                return call_queue.take_command(session, entry_id=ticket, now=self.clock())
        except Exception:
            log.exception("queue ticket %d: reading the agent's command failed", ticket)
            return ""


    # -- transfers (hotline.sip.transfers)
    def pass_on(self, ticket: int, language: str, detail: str) -> None:
        self._step("pass_on", ticket, lambda s, now: transfers.pass_on(
            s, entry_id=ticket, now=now, wrap_up_s=self.wrap_up_s, language=language, detail=detail))

    def offer_to(self, ticket: int, agent_id: int, consult: bool) -> str:
        try:
            with unit_of_work(self.session_factory) as session:
                offer = transfers.offer_to(session, entry_id=ticket, agent_id=agent_id, now=self.clock(),
                                           consult=consult)
                call_id = session.get(QueueEntry, ticket).call_id
        except Exception:
            log.exception("queue ticket %d: offering the call to agent %d failed", ticket, agent_id)
            return ""
        if offer is None:
            return ""
        self._publish("agent.ringing", call_id=call_id, agent_id=agent_id, ticket=ticket)
        return offer.phone_uri

    def release(self, ticket: int, agent_id: int) -> None:
        self._step("release", ticket, lambda s, now: transfers.release(
            s, entry_id=ticket, agent_id=agent_id, now=now))

    def consulted(self, ticket: int, agent_id: int) -> None:
        self._step("consulted", ticket, lambda s, now: transfers.consulted(
            s, entry_id=ticket, agent_id=agent_id, now=now))

    def hand_over(self, ticket: int, to_agent: int) -> None:
        self._step("hand_over", ticket, lambda s, now: transfers.hand_over(
            s, entry_id=ticket, to_agent=to_agent, now=now, wrap_up_s=self.wrap_up_s))
