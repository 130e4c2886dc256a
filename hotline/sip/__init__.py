"""Telephony boundary: the SIP endpoint answering 7812345 (see hotline/sip/protocol.py).

Import the implementation you need explicitly (nothing heavy is imported here):
``hotline.sip.pjsua_adapter.PjsuaEndpoint`` (real SIP, the only module importing pjsua2) or
``hotline.sip.fake.FakeSipEndpoint`` (in memory, for tests and --fake-sip).
"""

from hotline.sip.config import SipConfig, SipConfigError, load_sip_config
from hotline.sip.protocol import (
    AudioSink,
    CallEvent,
    CallInfo,
    CallObserver,
    CallSummary,
    EndReason,
    Language,
    NullObserver,
    OutboundCall,
    SipCallError,
    SipEndpoint,
    SipError,
    SipStartError,
)

__all__ = [
    "AudioSink", "CallEvent", "CallInfo", "CallObserver", "CallSummary", "EndReason", "Language",
    "NullObserver", "OutboundCall", "SipCallError", "SipConfig", "SipConfigError", "SipEndpoint", "SipError",
    "SipStartError", "load_sip_config",
]  # fmt: skip
