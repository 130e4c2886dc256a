"""Where worker *i* lives: SIP port = sip.conf udp/tcp port + i, its own RTP block, its own spool."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hotline.sip.config import SipConfig


def worker_name(index: int) -> str:
    return f"worker-{index}"


def worker_sip_config(base: SipConfig, index: int) -> SipConfig:
    """The sip.conf of worker ``index`` (0-based): consecutive SIP ports, disjoint RTP port blocks."""
    t = base.transport
    transport = dataclasses.replace(
        t,
        udp_port=t.udp_port + index if t.udp_port else 0,
        tcp_port=t.tcp_port + index if t.tcp_port else 0,
        rtp_port_start=t.rtp_port_start + index * t.rtp_port_count,
    )
    return dataclasses.replace(base, transport=transport)


def check_layout(base: SipConfig, count: int) -> None:
    """Raise ValueError when N workers do not fit in the port space sip.conf gives them."""
    t = base.transport
    last_rtp = t.rtp_port_start + count * t.rtp_port_count
    if last_rtp > 65535:
        raise ValueError(f"{count} workers need RTP ports {t.rtp_port_start}-{last_rtp - 1}; lower "
                         "[transport] rtp_port_start or rtp_port_count in sip.conf")
    sip_ports = {t.udp_port + i for i in range(count)} if t.udp_port else set()
    if t.rtp_port_start <= max(sip_ports, default=-1) and min(sip_ports, default=70000) < last_rtp:
        raise ValueError("the workers' SIP ports overlap their RTP ports; move [transport] rtp_port_start")


def worker_spool_dir(data_dir: Path, index: int) -> Path:
    return data_dir / "spool" / worker_name(index)
