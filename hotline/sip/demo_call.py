"""`hotline call`: dial a URI, play a file, send DTMF, hang up; the exit status tells what happened."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Callable
from pathlib import Path

from hotline.sip.protocol import SipCallError, SipEndpoint

EXIT_OK, EXIT_ERROR, EXIT_NO_ANSWER = 0, 1, 3  # rejected calls exit with status // 100 (4, 5 or 6)


def local_address_for(host: str) -> str:
    """The local IP the kernel routes to ``host`` from (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((host, 5060))
            return probe.getsockname()[0]
        except OSError:
            return "0.0.0.0"


def run_demo_call(
    endpoint: SipEndpoint,
    uri: str,
    *,
    pcm: bytes | None,
    dtmf: list[str],
    dtmf_delay: float,
    hangup_after: float | None,
    answer_timeout: float = 30.0,
    record_to: Path | None = None,
    say: Callable[[str], None] = print,
) -> int:
    """Place the call and script it; returns the process exit status."""
    try:
        handle = endpoint.place_call(uri, record=record_to is not None, answer_timeout=answer_timeout)
    except SipCallError as exc:
        say(f"error: {exc}")
        return EXIT_ERROR
    if not handle.wait_answered(answer_timeout + 5):
        summary = handle.wait_ended(10)
        if summary is None:
            handle.hangup()
            say(f"no answer within {answer_timeout:g} s")
            return EXIT_NO_ANSWER
        if summary.status_code >= 300:
            say(f"rejected: {summary.status_code} {summary.status_text}")
            return summary.status_code // 100
        say(f"not answered: {summary.reason} ({summary.status_code} {summary.status_text})")
        return EXIT_NO_ANSWER
    say(f"answered: {uri}")
    started = time.monotonic()
    if pcm:
        handle.play(pcm, name="file")
    pending = [(dtmf_delay + i, digits) for i, digits in enumerate(dtmf)]
    played = not pcm
    while True:
        elapsed = time.monotonic() - started
        while pending and elapsed >= pending[0][0]:
            digits = pending.pop(0)[1]
            handle.send_dtmf(digits)
            say(f"sent DTMF {digits}")
        if hangup_after is not None and elapsed >= hangup_after:
            handle.hangup()
            break
        if hangup_after is None and played and not pending and pcm:
            handle.hangup()
            break
        event = handle.next_event(0.02)
        if event is None:
            continue
        if event.kind == "playback_done":
            played = True
        elif event.kind == "dtmf":
            say(f"received DTMF {event.digit}")
        elif event.kind == "ended":
            say(f"remote hung up after {time.monotonic() - started:.1f} s")
            _keep_recording(event.summary.recording_path if event.summary else None, record_to, say)
            return EXIT_OK
    summary = handle.wait_ended(10)
    if summary is None:
        say("hangup not confirmed within 10 s")
        return EXIT_ERROR
    say(f"hung up after {summary.duration_s:.1f} s")
    _keep_recording(summary.recording_path, record_to, say)
    return EXIT_OK


def _keep_recording(path: Path | None, record_to: Path | None, say: Callable[[str], None]) -> None:
    if record_to is None:
        return
    if path is None or not path.exists():
        say("nothing was recorded")
        return
    record_to.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(path, record_to)
    say(f"recorded what we heard to {record_to}")
