"""sipp (Debian's sip-tester) command lines on loopback: a caller of 7812345 or a listening peer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from testkit.ports import free_sip_port, free_udp_range


def sipp_argv(scenario: Path, *, target: str | None = None, port: int | None = None, calls: int = 1,
              timeout_s: int = 30, media: bool = True, extra: Sequence[str] = ()) -> list[str]:
    """sipp on 127.0.0.1 with free SIP (and, with ``media``, RTP) ports. With ``target`` ("127.0.0.1:PORT")
    it calls 7812345 there; otherwise it listens on ``port``. It gives up ``timeout_s`` after starting
    (exit code non-zero) and reads no keyboard."""
    argv = ["sipp", "-sf", str(scenario)]
    if target is not None:
        argv += ["-s", "7812345", target]
    argv += ["-i", "127.0.0.1", "-p", str(port or free_sip_port())]
    if media:
        argv += ["-mp", str(free_udp_range(40))]
    return [*argv, "-m", str(calls), "-timeout", f"{timeout_s}s", "-timeout_error", "-nostdin", *extra]
