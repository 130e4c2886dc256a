"""sip.conf: an INI file parsed into a frozen :class:`SipConfig`, every error naming its section and key."""

from __future__ import annotations

import configparser
import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
WHEEL_MAX_CALLS = 4  # PJSUA_MAX_CALLS of the pjsua2-python wheel: the 5th INVITE gets 486 from pjsua itself
SUPPORTED_CODECS = ("PCMU", "PCMA", "G722")
DEFAULT_TRAILING_SILENCE_S = 1.0  # [asr] trailing_silence, measured by bench/endpointing.py
DEFAULT_FINAL_AFTER_SILENCE_S = 0.4  # [asr] final_after_silence: bench/endpointing.py and bench/calls.py
PROMPT_KEYS = (
    "greeting_zh",
    "greeting_mn",
    "listen_zh",
    "listen_mn",
    "goodbye_zh",
    "goodbye_mn",
    "no_input_zh",
    "no_input_mn",
    "tone",
    # agents' queue (issue 13): recording notice before the greeting, hold music, announcements, menu
    "recording_notice_zh",
    "hold_music",
    "queue_busy_zh",
    "queue_ahead_zh",
    "queue_callers_zh",
    "queue_many_zh",
    "queue_menu_zh",
    "ring_back_ok_zh",
    "connecting_zh",
    "nuisance_zh",  # what a blacklisted caller hears before the hang-up (hotline.sip.caller_screen)
    *(f"number_{n}" for n in range(1, 10)),
)
QUEUE_PROMPTS = {
    "recording_notice_zh": "recording_notice_zh.wav",
    "hold_music": "hold_music.wav",
    "queue_busy_zh": "queue_busy_zh.wav",
    "queue_ahead_zh": "queue_ahead_zh.wav",
    "queue_callers_zh": "queue_callers_zh.wav",
    "queue_many_zh": "queue_many_zh.wav",
    "queue_menu_zh": "queue_menu_zh.wav",
    "ring_back_ok_zh": "ring_back_ok_zh.wav",
    "connecting_zh": "connecting_zh.wav",
    **{f"number_{n}": f"number_{n}.wav" for n in range(1, 10)},
}
DEFAULT_PROMPTS = {
    "greeting_zh": "greeting_zh.wav",
    "listen_zh": "listen_zh.wav",
    "goodbye_zh": "goodbye_zh.wav",
    "no_input_zh": "no_input_zh.wav",
    "tone": "tone.wav",
    "nuisance_zh": "nuisance_zh.wav",
    **QUEUE_PROMPTS,
}


class SipConfigError(ValueError):
    """sip.conf is unusable; ``section``/``key`` point at the problem."""

    def __init__(self, section: str, key: str, message: str) -> None:
        self.section, self.key = section, key
        where = f"[{section}] {key}" if key else f"[{section}]"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class TransportConfig:
    bind_address: str = "127.0.0.1"
    public_address: str = ""
    udp_port: int = 5060
    tcp_port: int = 5060
    rtp_port_start: int = 40000
    rtp_port_count: int = 100


@dataclass(frozen=True, slots=True)
class AccountConfig:
    numbers: tuple[str, ...] = ("7812345",)
    display_name: str = "7812345"
    registrar: str = ""
    username: str = ""
    realm: str = "*"
    password: str = field(default="", repr=False)
    register_interval_s: int = 300
    outbound_proxy: str = ""


@dataclass(frozen=True, slots=True)
class MediaConfig:
    codecs: tuple[str, ...] = SUPPORTED_CODECS
    clock_rate: int = 16000
    jitter_buffer_init_ms: int = 60
    jitter_buffer_max_ms: int = 500


@dataclass(frozen=True, slots=True)
class IvrConfig:
    prompts: dict[str, Path | None] = field(default_factory=dict)  # key -> WAV file, None = empty slot
    language_timeout_s: float = 5.0


@dataclass(frozen=True, slots=True)
class RecordingConfig:
    directory: Path = Path("var/recordings")
    retention_days: int = 90


@dataclass(frozen=True, slots=True)
class LimitsConfig:
    max_calls: int = WHEEL_MAX_CALLS
    max_call_s: float = 1800.0
    silence_timeout_s: float = 30.0
    silence_threshold_dbfs: float = -45.0


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """[queue]: callers wait for an agent (when agents are signed in and within service hours)."""

    enabled: bool = True
    service_hours: tuple[tuple[int, int], ...] = ((0, 24 * 60),)  # minutes of the China day, [start, end)
    max_wait_s: float = 120.0
    announce_every_s: float = 30.0
    ring_timeout_s: float = 15.0
    wrap_up_s: float = 15.0
    menu_timeout_s: float = 6.0
    ring_back_key: str = "2"
    message_key: str = "1"
    transfer_uri: str = ""  # blind transfer target for a department number, e.g. sip:{number}@pbx; "" = off

    def open_at(self, minute_of_day: int) -> bool:
        return any(start <= minute_of_day < end for start, end in self.service_hours)


@dataclass(frozen=True, slots=True)
class AsrConfig:
    """[asr]: live transcription. ``trailing_silence_s``: no utterance waits longer than this silence for
    its final result (None: the model's own endpoint rules, 2 s for most Vosk models).
    ``final_after_silence_s``: a live utterance's final is asked for as soon as this much silence (below
    [limits] silence_threshold) follows speech, before Kaldi's rules would end it (None: off)."""

    trailing_silence_s: float | None = DEFAULT_TRAILING_SILENCE_S
    final_after_silence_s: float | None = DEFAULT_FINAL_AFTER_SILENCE_S


@dataclass(frozen=True, slots=True)
class SipConfig:
    transport: TransportConfig = TransportConfig()
    account: AccountConfig = AccountConfig()
    media: MediaConfig = MediaConfig()
    ivr: IvrConfig = field(default_factory=lambda: IvrConfig(prompts=default_prompts()))
    recording: RecordingConfig = RecordingConfig()
    limits: LimitsConfig = LimitsConfig()
    source: Path | None = None
    queue: QueueConfig = QueueConfig()
    asr: AsrConfig = AsrConfig()


def default_prompts() -> dict[str, Path | None]:
    return {
        key: (PROMPTS_DIR / DEFAULT_PROMPTS[key] if key in DEFAULT_PROMPTS else None) for key in PROMPT_KEYS
    }


class _Reader:
    def __init__(self, parser: configparser.ConfigParser) -> None:
        self.parser = parser

    def get(self, section: str, key: str, default: str) -> str:
        if not self.parser.has_section(section):
            return default
        return self.parser.get(section, key, fallback=default).strip()

    def integer(self, section: str, key: str, default: int, low: int, high: int, unit: str) -> int:
        raw = self.get(section, key, str(default))
        try:
            value = int(raw)
        except ValueError:
            raise SipConfigError(section, key, f"expected a whole number of {unit}, got {raw!r}") from None
        if not low <= value <= high:
            raise SipConfigError(section, key, f"expected {low}..{high} {unit}, got {value}")
        return value

    def number(self, section: str, key: str, default: float, low: float, high: float, unit: str) -> float:
        raw = self.get(section, key, str(default))
        try:
            value = float(raw)
        except ValueError:
            raise SipConfigError(section, key, f"expected a number of {unit}, got {raw!r}") from None
        if not low <= value <= high:
            raise SipConfigError(section, key, f"expected {low:g}..{high:g} {unit}, got {value:g}")
        return value


KNOWN_KEYS = {
    "transport": {
        "bind_address",
        "public_address",
        "udp_port",
        "tcp_port",
        "rtp_port_start",
        "rtp_port_count",
    },
    "account": {
        "numbers",
        "display_name",
        "registrar",
        "username",
        "realm",
        "password",
        "password_env",
        "register_interval",
        "outbound_proxy",
    },
    "media": {"codecs", "clock_rate", "jitter_buffer_init", "jitter_buffer_max"},
    "ivr": {*PROMPT_KEYS, "language_timeout"},
    "recording": {"directory", "retention_days"},
    "limits": {"max_calls", "max_call_length", "silence_timeout", "silence_threshold"},
    "queue": {"enabled", "service_hours", "max_wait", "announce_every", "ring_timeout", "wrap_up",
              "menu_timeout", "ring_back_key", "message_key", "transfer_uri"},
    "asr": {"trailing_silence", "final_after_silence"},
}


def _service_hours(raw: str) -> tuple[tuple[int, int], ...]:
    spans = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        try:
            start, end = (t.strip() for t in part.split("-"))
            minutes = []
            for clock in (start, end):
                hour, minute = (int(x) for x in clock.split(":"))
                if not (0 <= hour <= 24 and 0 <= minute < 60 and hour * 60 + minute <= 24 * 60):
                    raise ValueError
                minutes.append(hour * 60 + minute)
        except ValueError:
            raise SipConfigError("queue", "service_hours",
                                 f"expected spans such as 08:00-12:00, 13:30-18:00 (China time), got {part!r}"
                                 ) from None
        if minutes[0] >= minutes[1]:
            raise SipConfigError("queue", "service_hours", f"{part}: the end must come after the start")
        spans.append((minutes[0], minutes[1]))
    if not spans:
        raise SipConfigError("queue", "service_hours", "give at least one span, e.g. 00:00-24:00")
    return tuple(spans)


def _queue(r: _Reader) -> QueueConfig:
    enabled = r.get("queue", "enabled", "yes").lower()
    if enabled not in ("yes", "no", "true", "false", "on", "off", "1", "0"):
        raise SipConfigError("queue", "enabled", f"expected yes or no, got {enabled!r}")
    keys = {}
    for key, default in (("ring_back_key", "2"), ("message_key", "1")):
        keys[key] = r.get("queue", key, default)
        if keys[key] not in tuple("0123456789*#"):
            raise SipConfigError("queue", key, f"expected one DTMF key 0-9, * or #, got {keys[key]!r}")
    transfer = r.get("queue", "transfer_uri", "")
    if transfer and ("{number}" not in transfer or not transfer.startswith(("sip:", "sips:"))):
        raise SipConfigError("queue", "transfer_uri", f"expected a SIP URI with {{number}}, such as "
                             f"sip:{{number}}@pbx.example.gov.cn, got {transfer!r}")
    if keys["ring_back_key"] == keys["message_key"]:
        raise SipConfigError("queue", "ring_back_key", "must differ from message_key")
    return QueueConfig(
        enabled=enabled in ("yes", "true", "on", "1"),
        service_hours=_service_hours(r.get("queue", "service_hours", "00:00-24:00")),
        max_wait_s=r.number("queue", "max_wait", 120, 0, 3600, "seconds"),
        announce_every_s=r.number("queue", "announce_every", 30, 5, 600, "seconds"),
        ring_timeout_s=r.number("queue", "ring_timeout", 15, 3, 120, "seconds"),
        wrap_up_s=r.number("queue", "wrap_up", 15, 0, 3600, "seconds"),
        menu_timeout_s=r.number("queue", "menu_timeout", 6, 1, 60, "seconds"),
        transfer_uri=transfer,
        **keys,
    )


def _check_known(parser: configparser.ConfigParser) -> None:
    for section in parser.sections():
        if section not in KNOWN_KEYS:
            raise SipConfigError(section, "", f"unknown section; expected one of {', '.join(KNOWN_KEYS)}")
        for key in parser.options(section):
            if key not in KNOWN_KEYS[section]:
                allowed = ", ".join(sorted(KNOWN_KEYS[section]))
                raise SipConfigError(section, key, f"unknown key; [{section}] takes {allowed}")


def _address(section: str, key: str, raw: str, *, allow_empty: bool) -> str:
    if not raw and allow_empty:
        return ""
    try:
        ipaddress.ip_address(raw)
    except ValueError:
        raise SipConfigError(section, key, f"expected an IP address such as 127.0.0.1, got {raw!r}") from None
    return raw


def _sip_uri(section: str, key: str, raw: str) -> str:
    if raw and not raw.startswith(("sip:", "sips:")):
        raise SipConfigError(section, key, f"expected a SIP URI such as sip:pbx.example.gov.cn, got {raw!r}")
    return raw


def _resolve(base: Path, raw: str) -> Path:
    path = Path(raw).expanduser()
    return path if path.is_absolute() else base / path


def parse_sip_config(
    text: str, *, base_dir: Path, source: Path | None = None, environ: dict[str, str] | None = None
) -> SipConfig:
    """Parse sip.conf text; relative paths are resolved against ``base_dir``. Raises SipConfigError."""
    env = os.environ if environ is None else environ
    parser = configparser.ConfigParser(inline_comment_prefixes=(";", "#"), interpolation=None)
    try:
        parser.read_string(text, source=str(source or "<sip.conf>"))
    except configparser.Error as exc:
        raise SipConfigError("file", "", f"not valid INI: {exc}") from None
    _check_known(parser)
    r = _Reader(parser)

    bind = _address(
        "transport", "bind_address", r.get("transport", "bind_address", "127.0.0.1"), allow_empty=False
    )
    public = _address(
        "transport", "public_address", r.get("transport", "public_address", ""), allow_empty=True
    )
    transport = TransportConfig(
        bind_address=bind,
        public_address=public,
        udp_port=r.integer("transport", "udp_port", 5060, 0, 65535, "(port; 0 disables UDP)"),
        tcp_port=r.integer("transport", "tcp_port", 5060, 0, 65535, "(port; 0 disables TCP)"),
        rtp_port_start=r.integer("transport", "rtp_port_start", 40000, 1024, 65000, "(port)"),
        rtp_port_count=r.integer("transport", "rtp_port_count", 100, 8, 10000, "ports"),
    )
    if transport.udp_port == 0 and transport.tcp_port == 0:
        raise SipConfigError("transport", "udp_port", "UDP and TCP are both disabled; set at least one port")

    numbers = tuple(n.strip() for n in r.get("account", "numbers", "7812345").split(",") if n.strip())
    if not numbers:
        raise SipConfigError("account", "numbers", "list at least one served number, e.g. 7812345")
    for number in numbers:
        if not all(ch.isdigit() or ch in "+*#" for ch in number):
            raise SipConfigError("account", "numbers", f"expected digits (comma separated), got {number!r}")
    registrar = _sip_uri("account", "registrar", r.get("account", "registrar", ""))
    password = r.get("account", "password", "")
    password_env = r.get("account", "password_env", "")
    if password_env:
        if password_env not in env:
            raise SipConfigError("account", "password_env", f"environment variable {password_env} is not set")
        password = env[password_env]
    username = r.get("account", "username", "")
    if registrar and not username:
        raise SipConfigError("account", "username", "registration needs the digest user name")
    if username and not password:
        raise SipConfigError(
            "account", "password_env", "username given but no password (password_env = NAME)"
        )
    account = AccountConfig(
        numbers=numbers,
        display_name=r.get("account", "display_name", numbers[0]),
        registrar=registrar,
        username=username,
        realm=r.get("account", "realm", "*") or "*",
        password=password,
        register_interval_s=r.integer("account", "register_interval", 300, 30, 86400, "seconds"),
        outbound_proxy=_sip_uri("account", "outbound_proxy", r.get("account", "outbound_proxy", "")),
    )

    codecs = tuple(c.strip().upper() for c in r.get("media", "codecs", ",".join(SUPPORTED_CODECS)).split(","))
    codecs = tuple(c for c in codecs if c)
    bad = [c for c in codecs if c not in SUPPORTED_CODECS]
    if bad or not codecs:
        raise SipConfigError(
            "media", "codecs", f"expected a list of {', '.join(SUPPORTED_CODECS)}, got {bad}"
        )
    clock_rate = r.integer("media", "clock_rate", 16000, 8000, 16000, "Hz")
    if clock_rate not in (8000, 16000):
        raise SipConfigError("media", "clock_rate", f"expected 8000 or 16000 (Hz), got {clock_rate}")
    media = MediaConfig(
        codecs=codecs,
        clock_rate=clock_rate,
        jitter_buffer_init_ms=r.integer("media", "jitter_buffer_init", 60, 0, 1000, "milliseconds"),
        jitter_buffer_max_ms=r.integer("media", "jitter_buffer_max", 500, 60, 5000, "milliseconds"),
    )

    prompts = default_prompts()
    for key in PROMPT_KEYS:
        if parser.has_option("ivr", key):
            raw = r.get("ivr", key, "")
            prompts[key] = _resolve(base_dir, raw) if raw else None
            if raw and not prompts[key].is_file():  # type: ignore[union-attr]
                raise SipConfigError(
                    "ivr", key, f"prompt file {prompts[key]} does not exist (WAV, 16-bit mono)"
                )
    ivr = IvrConfig(
        prompts=prompts, language_timeout_s=r.number("ivr", "language_timeout", 5, 1, 60, "seconds")
    )

    recording = RecordingConfig(
        directory=_resolve(base_dir, r.get("recording", "directory", "var/recordings") or "var/recordings"),
        retention_days=r.integer("recording", "retention_days", 90, 0, 36500, "days (0 keeps forever)"),
    )
    limits = LimitsConfig(
        max_calls=r.integer(
            "limits",
            "max_calls",
            WHEEL_MAX_CALLS,
            1,
            WHEEL_MAX_CALLS,
            "calls (the pjsua2 wheel caps a process at 4; run more SIP workers for more)",
        ),
        max_call_s=r.number("limits", "max_call_length", 1800, 10, 86400, "seconds"),
        silence_timeout_s=r.number("limits", "silence_timeout", 30, 2, 3600, "seconds"),
        silence_threshold_dbfs=r.number("limits", "silence_threshold", -45, -96, 0, "dBFS"),
    )
    return SipConfig(transport, account, media, ivr, recording, limits, source, _queue(r), _asr(r))


def _asr(r: _Reader) -> AsrConfig:
    trailing = _seconds_or_off(r, "trailing_silence", DEFAULT_TRAILING_SILENCE_S, ("model", "off"), 0.2, 5.0,
                               "seconds (or 'model')")
    forced = _seconds_or_off(r, "final_after_silence", DEFAULT_FINAL_AFTER_SILENCE_S, ("off", "no", "0"),
                             0.2, 2.0,
                             "seconds of silence after speech (or 'off' for Kaldi's endpoint rules only)")
    return AsrConfig(trailing_silence_s=trailing, final_after_silence_s=forced)


def _seconds_or_off(r: _Reader, key: str, default: float, off_words: tuple[str, ...], low: float, high: float,
                    unit: str) -> float | None:
    """An [asr] duration: None when set to one of ``off_words``, ``default`` when unset, else checked."""
    raw = r.get("asr", key, "")
    if raw.lower() in off_words:
        return None
    return r.number("asr", key, default, low, high, unit) if raw else default


def load_sip_config(path: Path, *, environ: dict[str, str] | None = None) -> SipConfig:
    """Read and validate sip.conf; relative paths in it are relative to the file's directory."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SipConfigError("file", "", f"{path} not found; copy sip.conf.example to start") from None
    except UnicodeDecodeError:
        raise SipConfigError("file", "", f"{path} is not UTF-8 text") from None
    return parse_sip_config(text, base_dir=path.resolve().parent, source=path, environ=environ)
