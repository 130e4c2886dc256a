"""Transfers and supervision of a bridged queue call, on the SIP thread (called by QueueVisit; no pjsua2).

- Blind, to a department number: the agent leaves (wrap-up), the caller hears music while the department's
  phone rings, then talks with it. The department leg is recorded and transcribed as its own stream
  (speaker ``department``, 部门) through the observer's ``on_party_leg``.
- Blind, to another agent or a language queue: the agent leaves (wrap-up), the call waits again at its old
  place in the queue (or rings the chosen agent at once; if they miss, the queue goes on as usual).
- Announced (consult first), to a department or a ready agent: the caller is parted and hears music, the
  agent talks with the consulted party (its own leg and ASR stream); ``complete`` (or the agent's phone
  hanging up once the consulted party talks) hands the caller over and releases the agent, ``cancel``
  (or the consulted party hanging up / not answering) joins the agent and the caller again.
- Supervisor whisper / barge next to 监听: the supervisor's phone hears both legs; whisper sends the
  supervisor's voice to the agent only, barge to both. Asked while listening in, the mode switches.

Capacity: a consultation needs a third line (caller + agent + consulted party) of the worker's four.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from hotline.sip.protocol import EndReason, SipCallError

if TYPE_CHECKING:
    from hotline.sip.call_control import LiveCall
    from hotline.sip.queue_visit import QueueVisit

log = logging.getLogger(__name__)
SUPERVISION_MODES = ("listen", "whisper", "barge")


class Consultation:
    """An announced transfer in progress: the consulted party's leg (department or agent)."""

    __slots__ = ("leg", "agent_id", "target", "started", "talking")

    def __init__(self, leg: LiveCall, agent_id: int | None, target: str, started: float) -> None:
        self.leg, self.agent_id, self.target, self.started = leg, agent_id, target, started
        self.talking = False


class PartySink:
    """The AudioSink of a dialled leg, bound once the observer returns one (clock thread: forward, return)."""

    __slots__ = ("target",)

    def __init__(self) -> None:
        self.target = None

    def push(self, pcm: bytes) -> bool:
        target = self.target
        return target.push(pcm) if target is not None else True


def obey(visit: QueueVisit, command: str, now: float) -> bool:
    """Act on a transfer or supervision command; False when QueueVisit handles ``command`` itself."""
    verb, _, arg = command.partition(" ")
    if verb in ("listen", "whisper", "barge"):
        if verb == "listen" and visit.listener is None:
            visit.listen_mode = "listen"
            return False  # QueueVisit dials the supervisor
        supervise(visit, verb, arg)
    elif visit.consultation is not None:
        if verb in ("resume", "cancel"):
            cancel(visit, now)  # 恢复 while consulting goes back to the caller
        elif verb == "complete":
            complete(visit, now)
        elif verb == "hangup":
            return False  # the agent hangs up: the call ends (and the consultation with it)
        else:
            log.info("call %s: %s ignored while consulting", visit.call_id, command)
    elif verb in ("complete", "cancel"):
        log.info("call %s: %s ignored (no consultation)", visit.call_id, command)
    elif verb == "transfer":
        blind_to_department(visit, arg, now)
    elif verb == "transfer_agent" and arg.isdigit():
        blind_to_agent(visit, int(arg), now)
    elif verb == "transfer_queue":
        blind_to_queue(visit, arg, now)
    elif verb == "consult":
        consult(visit, now, number=arg)
    elif verb == "consult_agent" and arg.isdigit():
        consult(visit, now, agent_id=int(arg))
    else:
        return False
    return True


# -- blind ---------------------------------------------------------------------------------------------
def _dial_party(visit: QueueVisit, uri: str, speaker: str, answer_timeout: float) -> LiveCall:
    """Dial a further party for this call, recorded and transcribed as ``speaker``; raises SipCallError."""
    control = visit.control
    sink = PartySink()
    handle = control.place_call(
        uri, sink=sink, record=True, answer_timeout=answer_timeout,
        caller_id=visit.live.info.caller)  # type: ignore[union-attr]  # the citizen's number
    leg = control._calls[handle.call_id]
    sink.target = control._hook("on_party_leg", visit.call_id, speaker, leg.info)  # type: ignore[assignment]
    return leg


def _department_uri(visit: QueueVisit, number: str) -> str:
    template = visit.config.transfer_uri
    if not template:
        log.warning("call %s: transfer asked but [queue] transfer_uri is not set", visit.call_id)
        return ""
    return template.replace("{number}", number)


def blind_to_department(visit: QueueVisit, number: str, now: float) -> None:
    """The department's phone rings (music meanwhile); the agent is released to wrap-up at once."""
    from hotline.sip.queue_visit import VisitStage

    uri = _department_uri(visit, number)
    if not uri:
        return
    control = visit.control
    if visit.stage is VisitStage.BRIDGED:
        control._unbridge(visit.live, visit.leg)  # type: ignore[arg-type]
    try:
        department = _dial_party(visit, uri, "department", 2 * visit.config.ring_timeout_s)
    except SipCallError as exc:
        log.warning("call %s: transfer to %s failed: %s", visit.call_id, uri, exc)
        control._bridge(visit.live, visit.leg)  # type: ignore[arg-type]
        visit.stage = VisitStage.BRIDGED
        return
    visit._end_listener()
    agent_leg, visit.leg = visit.leg, department
    visit.stage, visit.transfer_started = VisitStage.TRANSFERRING, control.clock()
    visit.next_announce = float("inf")  # music only while the department's phone rings
    visit.queue.finished(visit.ticket)
    control._hook("on_agent_gone", visit.call_id, visit.agent_id, True)
    control._hangup(agent_leg, EndReason.LOCAL_HANGUP)  # type: ignore[arg-type]
    log.info("call %s: transferred by agent %s to %s", visit.call_id, visit.agent_id, uri)


def _release_agent(visit: QueueVisit, now: float, language: str, detail: str) -> None:
    """The agent leaves a bridged (or held) call that goes back to waiting."""
    from hotline.sip.queue_visit import VisitStage

    control, agent_leg, agent_id = visit.control, visit.leg, visit.agent_id
    if visit.stage is VisitStage.BRIDGED and agent_leg is not None:
        control._unbridge(visit.live, agent_leg)
    visit._end_listener()
    visit.queue.pass_on(visit.ticket, language, detail)
    control._hook("on_agent_gone", visit.call_id, agent_id, True)
    if agent_leg is not None:
        control._hangup(agent_leg, EndReason.LOCAL_HANGUP)
    visit.leg, visit.agent_id, visit.stage = None, None, VisitStage.WAITING
    visit.entered_at = visit.next_poll = now  # a new wait (max_wait counts from here)
    visit.next_announce = now + visit.config.announce_every_s
    log.info("call %s: agent %s transferred the call (%s)", visit.call_id, agent_id, detail)


def blind_to_agent(visit: QueueVisit, agent_id: int, now: float) -> None:
    _release_agent(visit, now, "", f"agent {agent_id}")
    uri = visit.queue.offer_to(visit.ticket, agent_id, False)
    if uri:
        visit._ring(agent_id, uri, now)
    else:
        log.info("call %s: agent %d is not ready any more; the call waits in the queue", visit.call_id,
                 agent_id)


def blind_to_queue(visit: QueueVisit, language: str, now: float) -> None:
    _release_agent(visit, now, language if language in ("zh", "mn") else "", f"queue {language}")


# -- announced -----------------------------------------------------------------------------------------
def consult(visit: QueueVisit, now: float, *, number: str = "", agent_id: int | None = None) -> None:
    from hotline.sip.queue_visit import VisitStage

    if agent_id is not None:
        uri = visit.queue.offer_to(visit.ticket, agent_id, True)
        if not uri:
            log.info("call %s: agent %d cannot be consulted (not ready)", visit.call_id, agent_id)
            return
        speaker, target = "agent", f"agent {agent_id}"
    else:
        uri = _department_uri(visit, number)
        speaker, target = "department", uri
        if not uri:
            return
    try:
        leg = _dial_party(visit, uri, speaker, 2 * visit.config.ring_timeout_s)
    except SipCallError as exc:
        log.warning("call %s: cannot consult %s: %s", visit.call_id, uri, exc)
        if agent_id is not None:
            visit.queue.release(visit.ticket, agent_id)
        return
    if visit.stage is VisitStage.BRIDGED:
        visit.control._unbridge(visit.live, visit.leg)  # type: ignore[arg-type]
        visit.stage = VisitStage.HELD
    visit.next_announce = float("inf")  # the caller hears music only
    visit.consultation = Consultation(leg, agent_id, target, now)
    log.info("call %s: agent %s consults %s (the caller on hold)", visit.call_id, visit.agent_id, target)


def tick(visit: QueueVisit, now: float) -> None:
    """Join the agent and the consulted party once it answers; back to the caller when it is gone."""
    c = visit.consultation
    if c is None or visit.leg is None:
        return
    if c.leg.disconnected or (not c.talking and now - c.started > 2 * visit.config.ring_timeout_s):
        log.info("call %s: the consulted party %s %s; back to the caller", visit.call_id, c.target,
                 "hung up" if c.talking else "did not answer")
        if c.agent_id is not None and not c.talking:
            visit.queue.missed(visit.ticket, c.agent_id, "consultation not answered")
        cancel(visit, now)
    elif not c.talking and c.leg.answered_at is not None and c.leg.media_up:
        visit.control._bridge(visit.leg, c.leg)
        c.talking = True
        if c.agent_id is not None:
            visit.queue.consulted(visit.ticket, c.agent_id)
        log.info("call %s: agent %s talks with %s", visit.call_id, visit.agent_id, c.target)


def cancel(visit: QueueVisit, now: float) -> None:
    """End the consultation; the agent and the caller talk again."""
    from hotline.sip.queue_visit import VisitStage

    c, visit.consultation = visit.consultation, None
    if c is None:
        return
    control = visit.control
    if c.talking and not c.leg.disconnected and visit.leg is not None:
        control._unbridge(visit.leg, c.leg)
    control._hangup(c.leg, EndReason.LOCAL_HANGUP)
    if c.agent_id is not None and c.talking:
        visit.queue.release(visit.ticket, c.agent_id)
    if visit.leg is not None and not visit.leg.disconnected and visit.stage is VisitStage.HELD:
        visit.live.session.playback.stop()  # type: ignore[union-attr]
        control._bridge(visit.live, visit.leg)
        visit.stage = VisitStage.BRIDGED
    log.info("call %s: consultation with %s ended; agent %s back with the caller", visit.call_id, c.target,
             visit.agent_id)


def complete(visit: QueueVisit, now: float) -> None:
    """Hand the caller over to the consulted party; the first agent goes to wrap-up."""
    from hotline.sip.queue_visit import VisitStage

    c = visit.consultation
    if c is None or not c.talking:
        log.info("call %s: complete asked before the consulted party answered; ignored", visit.call_id)
        return
    visit.consultation = None
    control, first_leg, first_agent = visit.control, visit.leg, visit.agent_id
    if first_leg is not None and not first_leg.disconnected:  # a hung-up leg left the bridge already
        control._unbridge(first_leg, c.leg)
    visit._end_listener()
    if c.agent_id is not None:
        visit.queue.hand_over(visit.ticket, c.agent_id)
        visit.stage, visit.agent_id = VisitStage.BRIDGED, c.agent_id
    else:
        visit.queue.finished(visit.ticket)
        visit.stage = VisitStage.TRANSFERRED
    control._hook("on_agent_gone", visit.call_id, first_agent, True)
    visit.leg = c.leg
    visit.live.session.playback.stop()  # type: ignore[union-attr]
    control._bridge(visit.live, c.leg)
    if c.agent_id is not None:
        control._hook("on_agent_connected", visit.call_id, c.agent_id)
    control._hangup(first_leg, EndReason.LOCAL_HANGUP)  # type: ignore[arg-type]
    log.info("call %s: announced transfer by agent %s to %s completed", visit.call_id, first_agent, c.target)


def complete_on_hangup(visit: QueueVisit, now: float) -> bool:
    """The agent's phone hung up while talking with the consulted party: complete the transfer (as most
    ACDs do) instead of dropping the caller. False when there is no such consultation."""
    c = visit.consultation
    if c is None or not c.talking or c.leg.disconnected:
        return False
    log.info("call %s: agent %s hung up while consulting; the transfer completes", visit.call_id,
             visit.agent_id)
    complete(visit, now)
    return True


def end(visit: QueueVisit) -> None:
    """The call is over or handed on: hang up a consultation still in progress."""
    c, visit.consultation = visit.consultation, None
    if c is not None:
        visit.control._hangup(c.leg, EndReason.LOCAL_HANGUP)
        if c.agent_id is not None:
            visit.queue.release(visit.ticket, c.agent_id)


# -- supervision ---------------------------------------------------------------------------------------
def supervise(visit: QueueVisit, mode: str, uri: str) -> None:
    """Dial the supervisor (whisper / barge), or switch the mode of one already listening in."""
    visit.listen_mode = mode
    if visit.listener is None:
        try:
            handle = visit.control.place_call(uri, record=False,
                                              answer_timeout=2 * visit.config.ring_timeout_s)
        except SipCallError as exc:
            log.warning("call %s: cannot ring the supervisor (%s): %s", visit.call_id, mode, exc)
            return
        visit.listener, visit.listening = visit.control._calls[handle.call_id], False
    elif visit.listening:
        apply_mode(visit)


def apply_mode(visit: QueueVisit) -> None:
    """Route the supervisor's voice for the current mode (listen: nobody; whisper: agent; barge: both)."""
    listener, agent_leg = visit.listener, visit.leg
    if listener is None or agent_leg is None or listener.disconnected:
        return
    mode = visit.listen_mode
    control = visit.control
    control._send(listener, agent_leg, mode in ("whisper", "barge"))
    control._send(listener, visit.live, mode == "barge")
    log.info("call %s: the supervisor's mode is %s", visit.call_id, mode)
