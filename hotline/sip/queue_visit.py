"""A call's stay in the agents' queue, driven on the SIP thread by CallControl (no pjsua2 here).

WAITING (hold music; every ``announce_every`` s the position) -> RINGING (a second call dials the claimed
agent's phone in this endpoint; music goes on) -> BRIDGED (both legs joined in the conference bridge: the
caller's and the agent's audio each still reach their own pooled port, so recording and ASR hear the two
sides as separate streams) <-> HELD (the agent's 保持 on the console: legs parted, the caller hears the
music; 恢复 joins them again; the agent's commands are read from the queue about once a second).
Ring timeout or a refused ring -> the agent missed, back to WAITING (the next
agent is offered at once). After ``max_wait`` s, or when no agent is signed in or outside service hours,
-> MENU: "留言请按1 … 回电请按2"; 1 or no key -> the message path (InboundFlow.to_message), 2 -> a ring-back
request and goodbye. A caller hanging up before BRIDGED is an abandoned call.

Transfers (blind or announced, to a department, an agent or a queue) and the supervisor's whisper / barge
are in hotline.sip.transfers; ``_obey`` hands those commands over.

Capacity: a bridged call takes two of the endpoint's four lines, so a worker carries two agent calls; a
waiting caller is offered an agent only while a line is free to dial one.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import TYPE_CHECKING

from hotline.sip import transfers
from hotline.sip.protocol import AgentQueue, AudioSink, EndReason, Language, SipCallError

if TYPE_CHECKING:
    from hotline.sip.call_control import CallControl, LiveCall

log = logging.getLogger(__name__)
POLL_EVERY_S = 1.0


class VisitStage(Enum):
    WAITING = "waiting"
    RINGING = "ringing"
    BRIDGED = "bridged"
    HELD = "held"  # the agent put the caller on hold: legs parted, the caller hears the music
    TRANSFERRING = "transferring"  # blind transfer: the agent is gone, the department's number rings
    TRANSFERRED = "transferred"  # the caller talks with the department (its own transcribed leg)
    MENU = "menu"
    LEFT = "left"


class _LegSink:
    """The agent leg's AudioSink, bound once the observer returns one (clock thread: forward and return)."""

    __slots__ = ("target",)

    def __init__(self) -> None:
        self.target: AudioSink | None = None

    def push(self, pcm: bytes) -> bool:
        target = self.target
        return target.push(pcm) if target is not None else True


class QueueVisit:
    def __init__(
        self, control: CallControl, live: LiveCall, queue: AgentQueue, ticket: int, now: float
    ) -> None:
        self.control, self.live, self.queue, self.ticket = control, live, queue, ticket
        self.config = control.config.queue
        self.stage = VisitStage.WAITING
        self.entered_at = self.next_poll = self.next_announce = now
        self.position = 0
        self.agent_id: int | None = None
        self.leg: LiveCall | None = None
        self.ring_started = 0.0
        self.menu_deadline: float | None = None
        self.transfer_started = 0.0
        self.listener: LiveCall | None = None  # a supervisor's phone listening in (one way)
        self.listening = False
        self.listen_mode = "listen"  # listen | whisper | barge (hotline.sip.transfers)
        self.consultation: transfers.Consultation | None = None  # an announced transfer in progress

    @property
    def call_id(self) -> str:
        return self.live.info.call_id  # type: ignore[union-attr]

    @property
    def done(self) -> bool:
        return self.stage is VisitStage.LEFT

    # -- SIP thread, from CallControl._tick
    def tick(self, now: float) -> None:
        if self.stage in (VisitStage.WAITING, VisitStage.RINGING):
            if self.stage is VisitStage.RINGING:
                self._check_ring(now)
            if self.stage is VisitStage.WAITING:
                if now - self.entered_at >= self.config.max_wait_s:
                    self.queue.overflow(self.ticket, "waited_too_long")
                    self.to_menu(now)
                    return
                if now >= self.next_poll:
                    self._poll(now)
            if self.stage in (VisitStage.WAITING, VisitStage.RINGING):
                self._hold_audio(now)
        elif self.stage in (VisitStage.BRIDGED, VisitStage.HELD):
            if self.leg is None or self.leg.disconnected:
                self._agent_hung_up()
            elif now >= self.next_poll:
                self.next_poll = now + POLL_EVERY_S
                self._obey(self.queue.take_command(self.ticket))
            transfers.tick(self, now)
            self._check_listener()
            if self.stage is VisitStage.HELD:
                self._hold_audio(now)
        elif self.stage is VisitStage.TRANSFERRING:
            self._check_transfer(now)
        elif self.stage is VisitStage.TRANSFERRED and (self.leg is None or self.leg.disconnected):
            self.stage = VisitStage.LEFT
            self.control._hangup(self.live, EndReason.LOCAL_HANGUP)
        elif self.stage is VisitStage.MENU:
            playback = self.live.session.playback  # type: ignore[union-attr]
            if self.menu_deadline is None and not playback.busy:
                self.menu_deadline = now + self.config.menu_timeout_s
            elif self.menu_deadline is not None and now >= self.menu_deadline:
                self._choose("message", now)

    def _poll(self, now: float) -> None:
        self.next_poll = now + POLL_EVERY_S
        control = self.control
        line_free = control.active_calls() < control.config.limits.max_calls and control._media_free()
        status = self.queue.poll(self.ticket, may_offer=line_free)
        self.position = status.position
        if status.agent_id is not None and status.phone_uri:
            self._ring(status.agent_id, status.phone_uri, now)

    def _ring(self, agent_id: int, uri: str, now: float) -> None:
        sink = _LegSink()
        try:
            handle = self.control.place_call(uri, sink=sink, record=True,
                                             answer_timeout=self.config.ring_timeout_s + 10,
                                             caller_id=self.live.info.caller)  # type: ignore[union-attr]
        except SipCallError as exc:
            log.warning("call %s: cannot ring agent %d at %s: %s", self.call_id, agent_id, uri, exc)
            self.queue.missed(self.ticket, agent_id, f"dial failed: {exc}")
            return
        self.leg = self.control._calls[handle.call_id]
        self.agent_id, self.ring_started, self.stage = agent_id, now, VisitStage.RINGING
        if "connecting_zh" in self.control.prompts:  # 正在为您接通坐席 (then the music goes on)
            playback = self.live.session.playback  # type: ignore[union-attr]
            playback.stop()
            playback.enqueue("connecting_zh", self.control.prompts["connecting_zh"])
        target = self.control._hook("on_agent_leg", self.call_id, agent_id, self.leg.info)
        sink.target = target if isinstance(target, AudioSink) else None
        log.info("call %s: ringing agent %d at %s (leg %s)", self.call_id, agent_id, uri, handle.call_id)

    def _check_ring(self, now: float) -> None:
        leg = self.leg
        assert leg is not None and self.agent_id is not None
        if leg.disconnected:
            self._missed(f"{leg.status_code} {leg.status_text}".strip(), now)
        elif leg.answered_at is not None and leg.media_up:
            self.live.session.playback.stop()  # type: ignore[union-attr]
            self.control._bridge(self.live, leg)
            self.stage = VisitStage.BRIDGED
            self.queue.connected(self.ticket, self.agent_id)
            self.control._hook("on_agent_connected", self.call_id, self.agent_id)
            log.info("call %s: bridged with agent %d after %.1f s in the queue", self.call_id, self.agent_id,
                     now - self.entered_at)
        elif now - self.ring_started >= self.config.ring_timeout_s:
            self.control._hangup(leg, EndReason.NO_ANSWER)
            self._missed("ring timeout", now)

    def _obey(self, command: str) -> None:
        """hold / resume / hangup asked by the agent on the console (transfers: hotline.sip.transfers)."""
        if command and transfers.obey(self, command, self.control.clock()):
            return
        leg = self.leg
        assert leg is not None
        playback = self.live.session.playback  # type: ignore[union-attr]
        if command == "hold" and self.stage is VisitStage.BRIDGED:
            self.control._unbridge(self.live, leg)
            self.stage, self.next_announce = VisitStage.HELD, float("inf")  # music only, no position
            log.info("call %s: on hold", self.call_id)
        elif command == "resume" and self.stage is VisitStage.HELD:
            playback.stop()
            self.control._bridge(self.live, leg)
            self.stage = VisitStage.BRIDGED
            log.info("call %s: resumed", self.call_id)
        elif command == "hangup":
            self.control._hangup(leg, EndReason.LOCAL_HANGUP)  # then _agent_hung_up ends the caller's side
        elif command.startswith("listen ") and self.listener is None:
            try:
                handle = self.control.place_call(command.split(" ", 1)[1], record=False,
                                                 answer_timeout=2 * self.config.ring_timeout_s)
            except SipCallError as exc:
                log.warning("call %s: cannot ring the supervisor to listen in: %s", self.call_id, exc)
                return
            self.listener, self.listening = self.control._calls[handle.call_id], False

    def _check_listener(self) -> None:
        listener = self.listener
        if listener is None or self.listening or listener.disconnected:
            if listener is not None and listener.disconnected:
                self.listener = None
            return
        if listener.answered_at is not None and listener.media_up and self.leg is not None:
            self.control._listen(listener, self.live, self.leg)
            self.listening = True
            log.info("call %s: a supervisor is listening in", self.call_id)
            if self.listen_mode != "listen":
                transfers.apply_mode(self)

    def _end_listener(self) -> None:
        transfers.end(self)
        if self.listener is not None and not self.listener.disconnected:
            self.control._hangup(self.listener, EndReason.LOCAL_HANGUP)
        self.listener = None

    def _check_transfer(self, now: float) -> None:
        leg = self.leg
        assert leg is not None
        if leg.answered_at is not None and leg.media_up:
            self.live.session.playback.stop()  # type: ignore[union-attr]
            self.control._bridge(self.live, leg)
            self.stage = VisitStage.TRANSFERRED
        elif leg.disconnected or now - self.transfer_started > 2 * self.config.ring_timeout_s:
            if not leg.disconnected:
                self.control._hangup(leg, EndReason.NO_ANSWER)
            log.info("call %s: the transfer was not answered; the caller leaves a message", self.call_id)
            self._choose("message", now, record=False)
        else:
            self._hold_audio(now)

    def _missed(self, detail: str, now: float) -> None:
        agent_id = self.agent_id
        assert agent_id is not None
        log.info("call %s: agent %d missed the ring (%s)", self.call_id, agent_id, detail)
        self.queue.missed(self.ticket, agent_id, detail)
        self.control._hook("on_agent_gone", self.call_id, agent_id, False)
        self.leg, self.agent_id, self.stage, self.next_poll = None, None, VisitStage.WAITING, now

    def _hold_audio(self, now: float) -> None:
        playback = self.live.session.playback  # type: ignore[union-attr]
        prompts = self.control.prompts
        if now >= self.next_announce and self.position:
            self.next_announce = now + self.config.announce_every_s
            ahead = self.position - 1
            names = ["queue_busy_zh"]
            if 0 < ahead <= 9:
                names += ["queue_ahead_zh", f"number_{ahead}", "queue_callers_zh"]
            elif ahead > 9:
                names += ["queue_ahead_zh", "queue_many_zh"]
            playback.stop()
            for name in names:
                if name in prompts:
                    playback.enqueue(name, prompts[name])
        if not playback.busy and "hold_music" in prompts:
            playback.enqueue("hold_music", prompts["hold_music"])

    def _agent_hung_up(self) -> None:
        if transfers.complete_on_hangup(self, self.control.clock()):
            return  # hung up while consulting: the caller goes to the consulted party
        self.stage = VisitStage.LEFT
        self._end_listener()
        self.queue.finished(self.ticket)
        self.control._hook("on_agent_gone", self.call_id, self.agent_id, True)
        self.control._hangup(self.live, EndReason.LOCAL_HANGUP)

    def to_menu(self, now: float) -> None:
        self.stage, self.menu_deadline = VisitStage.MENU, None
        playback = self.live.session.playback  # type: ignore[union-attr]
        playback.stop()
        if "queue_menu_zh" in self.control.prompts:
            playback.enqueue("queue_menu_zh", self.control.prompts["queue_menu_zh"])

    def _choose(self, choice: str, now: float, *, record: bool = True) -> None:
        self.stage = VisitStage.LEFT
        if record:
            self.queue.outcome(self.ticket, choice)
        flow = self.live.flow
        assert flow is not None
        if choice == "ring_back":
            actions = flow.close_with("ring_back_ok", EndReason.LOCAL_HANGUP, now)
        else:
            self.live.session.playback.stop()  # type: ignore[union-attr]
            actions = flow.to_message(now)
        self.control._perform(self.live, actions)

    def on_dtmf(self, digit: str, now: float) -> None:
        if self.stage is VisitStage.MENU:
            if digit == self.config.ring_back_key and self.live.info.caller:  # type: ignore[union-attr]
                self._choose("ring_back", now)
            elif digit in (self.config.message_key, self.config.ring_back_key):
                self._choose("message", now)

    def on_caller_gone(self, now: float) -> None:
        stage, self.stage = self.stage, VisitStage.LEFT
        self._end_listener()
        if stage is VisitStage.RINGING and self.leg is not None:
            self.control._hangup(self.leg, EndReason.LOCAL_HANGUP)
            self.control._hook("on_agent_gone", self.call_id, self.agent_id, False)
        if stage in (VisitStage.WAITING, VisitStage.RINGING):
            self.queue.abandoned(self.ticket)
        elif stage in (VisitStage.BRIDGED, VisitStage.HELD):
            if self.leg is not None:
                self.control._hangup(self.leg, EndReason.LOCAL_HANGUP)
            self.queue.finished(self.ticket)
            self.control._hook("on_agent_gone", self.call_id, self.agent_id, True)
        elif stage is VisitStage.MENU:
            self.queue.outcome(self.ticket, "hangup")
        elif stage in (VisitStage.TRANSFERRING, VisitStage.TRANSFERRED) and self.leg is not None:
            self.control._hangup(self.leg, EndReason.LOCAL_HANGUP)


def enter_queue(
    control: CallControl, live: LiveCall, queue: AgentQueue, lang: Language, now: float
) -> QueueVisit | None:
    """Queue the call, or go straight to the menu when no agent is signed in or outside service hours.
    None when the queue cannot take the call (the caller leaves a message as before)."""
    from zoneinfo import ZoneInfo

    local = control.wall_clock().astimezone(ZoneInfo(control.timezone))
    is_open = control.config.queue.open_at(local.hour * 60 + local.minute)
    ticket = queue.enter(live.info, lang)  # type: ignore[arg-type]
    if ticket is None:
        return None
    visit = QueueVisit(control, live, queue, ticket, now)
    if not is_open or not queue.agents_available(lang):
        reason = "closed" if not is_open else "no_agent"
        log.info("call %s: %s, offering message or ring-back", live.info.call_id, reason)  # type: ignore[union-attr]
        queue.overflow(ticket, reason)
        visit.to_menu(now)
    return visit

