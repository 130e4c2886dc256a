"""rtpengine (userspace, no kernel table) on loopback for the browser-softphone tests."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

from testkit.ports import free_udp_range

RTPENGINE = "/usr/bin/rtpengine"


def start_rtpengine(directory: Path) -> tuple[subprocess.Popen, int]:
    """rtpengine logging to DIRECTORY/rtpengine.log; waits until its ng socket answers a ping. Returns the
    process and the ng control port (``--rtpengine 127.0.0.1:PORT`` for `hotline sip kamailio-config`)."""
    ng_port = free_udp_range(2, low=22000, high=29000)
    rtp = free_udp_range(200)
    log = open(directory / "rtpengine.log", "w", encoding="utf-8")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [RTPENGINE, "--foreground", "--table=-1", "--interface=127.0.0.1", f"--listen-ng=127.0.0.1:{ng_port}",
         f"--port-min={rtp}", f"--port-max={rtp + 199}", "--log-stderr", "--log-level=6"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as ping:
        ping.settimeout(0.3)
        for _ in range(50):
            ping.sendto(b"c1 d7:command4:pinge", ("127.0.0.1", ng_port))
            try:
                if b"pong" in ping.recv(200):
                    return proc, ng_port
            except OSError:
                time.sleep(0.1)
    proc.kill()
    proc.wait()
    pytest.fail("rtpengine did not answer ping\n" + (directory / "rtpengine.log").read_text()[-3000:])


def stop_rtpengine(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
