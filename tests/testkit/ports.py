"""Free loopback ports for the servers tests start: SIP (UDP and TCP), RTP ranges, HTTP.

Under pytest-xdist each worker draws from its own slice of every range (``PYTEST_XDIST_WORKER`` gwN of
``PYTEST_XDIST_WORKER_COUNT``), so two workers never pick the same port between the check and the bind."""

from __future__ import annotations

import os
import random
import socket


def worker_slice(low: int, high: int) -> tuple[int, int]:
    """This xdist worker's share of ``[low, high)``; the whole range outside xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
    if count < 2 or not worker.startswith("gw"):
        return low, high
    width = (high - low) // count
    start = low + int(worker[2:]) % count * width
    return start, start + width


def _udp_tcp_free(port: int) -> bool:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
            udp.bind(("127.0.0.1", port))
            tcp.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False


def free_port_block(count: int, low: int = 21000, high: int = 29000) -> int:
    """First of ``count`` consecutive ports free for both UDP and TCP on 127.0.0.1 (SIP transports)."""
    low, high = worker_slice(low, high)
    for _ in range(200):
        start = random.randrange(low, high - count)
        if all(_udp_tcp_free(start + i) for i in range(count)):
            return start
    raise RuntimeError("no free port block")


def free_sip_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    return free_port_block(1)


def free_udp_range(span: int, *, low: int = 30000, high: int = 60000, step: int = 2) -> int:
    """An even port starting ``span`` free UDP ports (every ``step``-th one is checked: RTP + RTCP pairs)."""
    low, high = worker_slice(low, high)
    for _ in range(500):
        start = random.randrange(low, high - span) // 2 * 2
        socks: list[socket.socket] = []
        try:
            for port in range(start, start + span, step):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return start
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError(f"no free range of {span} UDP ports")


def free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
