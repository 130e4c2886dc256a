"""Small builders for agent/queue tests and bench/agents.py: agents, padded speech, a baresip desk phone."""

from __future__ import annotations

import subprocess
import uuid
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from hotline.agents.presence import set_presence, set_profile
from hotline.models import AgentState, Role, User
from tests.calls.call_testkit import write_wav
from tests.sip.sip_testkit import free_rtp_start, free_sip_port

LOUD_DBFS = -35.0
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 China time, a Monday


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def create_agent(session: Session, *, name: str, languages=("zh",), ready_at: float | None = 0.0,
                 phone_uri: str | None = None) -> User:
    user = User(username=f"{name}-{uuid.uuid4().hex[:6]}", display_name=name, role=Role.agent,
                password_hash="x", must_change_password=False, failed_logins=0, active=True)
    session.add(user)
    session.flush()
    set_profile(session, user_id=user.id, phone_uri=phone_uri or f"sip:{name}@127.0.0.1:5090",
                languages=list(languages))
    if ready_at is not None:
        set_presence(session, user_id=user.id, state=AgentState.ready, now=at(ready_at))
    return user


def padded(path: Path, source: Path, lead_s: float, total_s: float) -> Path:

    with wave.open(str(source), "rb") as w:
        speech = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    lead = np.zeros(int(lead_s * 8000), np.int16)
    tail = np.zeros(max(0, int(total_s * 8000) - len(lead) - len(speech)), np.int16)
    return write_wav(path, np.concatenate([lead, speech, tail]), 8000)


def start_desk_phone(directory: Path, source: Path, *, user: str = "agent1", quit_after_s: int = 150
                     ) -> tuple[subprocess.Popen, int]:
    """baresip answering automatically, playing ``source``; what it hears is dumped by its sndfile module
    (dump/*-dec.wav; baresip 1.0's aufile has no player)."""
    (directory / "dump").mkdir(parents=True)
    port, rtp = free_sip_port(), free_rtp_start()
    config = [
        "poll_method poll", f"sip_listen 127.0.0.1:{port}", "net_interface 127.0.0.1",
        "audio_player aubridge,deskphone", f"audio_source aufile,{source}", f"snd_path {directory / 'dump'}",
        "audio_alert aufile,/dev/null", "audio_srate 8000", "audio_channels 1", f"rtp_ports {rtp}-{rtp + 20}",
        "module_path /usr/lib/baresip/modules",
        *(f"module {name}.so" for name in ("g711", "aufile", "aubridge", "sndfile", "stdio")),
        *(f"module_app {name}.so" for name in ("account", "menu")),
    ]
    (directory / "config").write_text("\n".join(config) + "\n")
    (directory / "accounts").write_text(f"<sip:{user}@127.0.0.1>;regint=0;answermode=auto\n")
    with (directory / "baresip.log").open("w") as log:
        proc = subprocess.Popen(["baresip", "-f", str(directory), "-t", str(quit_after_s)], stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return proc, port


def loud_seconds(levels: list[float], start_s: float, end_s: float) -> float:
    return sum(0.1 for level in levels[int(start_s * 10):int(end_s * 10)] if level > LOUD_DBFS)
