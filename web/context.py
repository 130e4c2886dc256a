"""What the web layer needs from the running hotline, handed in by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from hotline.calls.registry import LiveCallRegistry
from hotline.cases.intake import ContactAnalysis
from hotline.events import EventHub
from hotline.settings import Settings


@dataclass
class WebContext:
    settings: Settings
    session_factory: sessionmaker[Session]
    hub: EventHub
    live_calls: LiveCallRegistry
    analyze: Callable[[str], ContactAnalysis]
    status: Callable[[], dict] = field(default=lambda: {})  # SIP/ASR/scheduler health for the status bar
    kiosk_api_keys: frozenset[str] = frozenset()  # empty: settings.kiosk_api_keys
    # a prompt recording was activated: (slot, WAV path) -> the running endpoint plays it from the next call
    on_prompt_activated: Callable[[str, Path], None] = field(default=lambda slot, path: None)
