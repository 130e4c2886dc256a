"""`hotline sip check|run|kamailio-config|purge-recordings` and `hotline call` (a real pjsua2 caller, its own
process)."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from hotline.sip.config import SipConfig

app = typer.Typer(help="SIP endpoint commands", no_args_is_help=True)

CONFIG_HELP = "sip.conf to use (default: HOTLINE_SIP_CONFIG, else ./sip.conf)"


def _config_path(path: Path | None) -> Path:
    if path is not None:
        return path
    from hotline.cli.common import settings_or_exit

    return settings_or_exit().sip_config


def _load(path: Path | None) -> SipConfig:
    from hotline.sip.config import SipConfigError, load_sip_config

    resolved = _config_path(path)
    try:
        return load_sip_config(resolved)
    except SipConfigError as exc:
        typer.secho(f"{resolved}: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


@app.command("check")
def check(file: Path | None = typer.Argument(None, help=CONFIG_HELP)) -> None:
    """Validate sip.conf and show the effective settings (secrets masked); every prompt WAV is decoded
    exactly as `serve` decodes it, so a file `serve` would refuse fails here."""
    from hotline.sip.pcm import PromptFileError, load_wav_pcm

    config = _load(file)
    bad_prompts = []
    for name, prompt in config.ivr.prompts.items():
        try:
            if prompt:
                load_wav_pcm(prompt, config.media.clock_rate)
        except PromptFileError as exc:
            bad_prompts.append(f"[ivr] {name}: {exc}")
    if bad_prompts:
        typer.secho(f"{config.source}: prompt files that `hotline serve` would refuse:", fg=typer.colors.RED,
                    err=True)
        for line in bad_prompts:
            typer.secho(f"  {line}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    t, a, m, lim = config.transport, config.account, config.media, config.limits
    typer.echo(f"{config.source}: OK")
    typer.echo(
        f"  listen      {t.bind_address} udp {t.udp_port or 'off'} tcp {t.tcp_port or 'off'}, "
        f"rtp {t.rtp_port_start}-{t.rtp_port_start + t.rtp_port_count - 1}"
    )
    typer.echo(f"  numbers     {', '.join(a.numbers)}")
    registration = f"{a.registrar} as {a.username} every {a.register_interval_s} s" if a.registrar else "none"
    typer.echo(f"  register    {registration}")
    typer.echo(f"  media       {', '.join(m.codecs)} at {m.clock_rate} Hz")
    for name, prompt in config.ivr.prompts.items():
        typer.echo(f"  prompt      {name:<12} {prompt if prompt else '(empty slot)'}")
    typer.echo(
        f"  recordings  {config.recording.directory} (kept {config.recording.retention_days or 'forever'} d)"
    )
    typer.echo(
        f"  limits      {lim.max_calls} calls, {lim.max_call_s:g} s max, silence {lim.silence_timeout_s:g} s "
        f"below {lim.silence_threshold_dbfs:g} dBFS"
    )
    q = config.queue
    hours = ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in q.service_hours)
    typer.echo(
        f"  queue       {'on' if q.enabled else 'off'}: hours {hours}, wait {q.max_wait_s:g} s, ring "
        f"{q.ring_timeout_s:g} s, wrap-up {q.wrap_up_s:g} s, announce every {q.announce_every_s:g} s "
        f"(2 agent calls per worker)"
    )


@app.command("run")
def run(
    file: Path | None = typer.Argument(None, help=CONFIG_HELP),
    events: Path | None = typer.Option(None, help="append call events as JSON lines to this file"),
    log_level: str = typer.Option("INFO", help="DEBUG, INFO, WARNING or ERROR"),
) -> None:
    """Answer calls with the IVR and record them, without the transcription pipeline (telephony check)."""
    import sys

    from hotline.sip.event_log import JsonlObserver
    from hotline.sip.pjsua_adapter import PjsuaEndpoint
    from hotline.sip.protocol import SipStartError

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = _load(file)
    stream = events.open("a", encoding="utf-8") if events else sys.stdout
    endpoint = PjsuaEndpoint(config, JsonlObserver(stream))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        endpoint.start()
    except SipStartError as exc:
        typer.secho(f"cannot start: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"answering {', '.join(config.account.numbers)} on {config.transport.bind_address}; Ctrl-C stops",
        err=True,
    )
    stop.wait()
    endpoint.stop()


@app.command("kamailio-config")
def kamailio_config(
    file: Path | None = typer.Argument(None, help=CONFIG_HELP),
    public_port: int = typer.Option(5060, min=1, max=65535, help="the port callers and trunks send to"),
    listen: str | None = typer.Option(None, help="Kamailio's address (default: sip.conf bind_address)"),
    workers: int | None = typer.Option(
        None, min=1, max=16, help="N local workers of `hotline serve --sip-workers N` (ports from sip.conf)"),
    worker: list[str] = typer.Option([], help="a worker as HOST:PORT (repeat; e.g. for several nodes)"),
    ping_interval: int = typer.Option(2, min=1, max=60, help="seconds between OPTIONS pings to workers"),
    out: Path = typer.Option(Path("kamailio.cfg"), help="configuration file to write (the dispatcher list "
                                                        "goes beside it as OUT.dispatcher.list)"),
    websocket_port: int | None = typer.Option(
        None, min=1, max=65535, help="also serve agents' browser softphones: SIP over WebSocket on this TCP "
                                     "port, a registrar, and rtpengine for their media (e.g. 8088)"),
    rtpengine: str = typer.Option("127.0.0.1:22222", help="rtpengine's --listen-ng HOST:PORT (with "
                                                          "--websocket-port)"),
    allowed_origin: list[str] = typer.Option(
        [], help="with --websocket-port: only pages from this origin may connect, e.g. "
                 "https://hotline.example (repeat; default: any origin; credentials still apply)"),
) -> None:
    """Write a Kamailio configuration that spreads calls over the SIP workers (dispatcher module) and, with
    --websocket-port, lets agents' browser softphones register and be called (secret from
    HOTLINE_SOFTPHONE_SECRET)."""
    from hotline.sip.kamailio import Worker, consecutive_workers, write_kamailio_config
    from hotline.sip.kamailio_webrtc import WebRtcOptions

    if (workers is None) == (not worker):
        typer.secho("give either --workers N or one --worker HOST:PORT per worker", fg=typer.colors.RED,
                    err=True)
        raise typer.Exit(2)
    targets: list[Worker] = []
    address = listen
    try:
        if workers is not None:
            t = _load(file).transport
            targets = consecutive_workers(t.bind_address, t.udp_port, workers)
            address = address or t.bind_address
        else:
            targets = [Worker.parse(text) for text in worker]
        webrtc = None
        if websocket_port is not None:
            from hotline.cli.common import settings_or_exit

            webrtc = WebRtcOptions(ws_port=websocket_port, rtpengine=rtpengine,
                                   secret=settings_or_exit().softphone_secret,
                                   allowed_origins=tuple(allowed_origin))
        cfg, dispatcher = write_kamailio_config(out, targets, listen_address=address or "127.0.0.1",
                                                public_port=public_port, ping_interval_s=ping_interval,
                                                webrtc=webrtc)
    except ValueError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {cfg} and {dispatcher}: {address or '127.0.0.1'}:{public_port} -> "
               + ", ".join(f"{w.host}:{w.port}" for w in targets))
    if websocket_port is not None:
        typer.echo(f"browser softphones: ws://{address or '127.0.0.1'}:{websocket_port} (set "
                   "HOTLINE_SOFTPHONE_WS_URL for the console), media through rtpengine at " + rtpengine)
    typer.echo(f"run: kamailio -f {cfg} -Y {cfg.parent / 'kamailio-run'} -DD -E")


@app.command("purge-recordings")
def purge(file: Path | None = typer.Argument(None, help=CONFIG_HELP)) -> None:
    """Delete recordings older than [recording] retention_days now (the endpoint also does it every 6 h)."""
    from hotline.calls.recording_retention import purge_hook
    from hotline.cli.common import engine_for, settings_or_exit
    from hotline.db import make_session_factory
    from hotline.sip.recording import purge_recording_files

    config = _load(file)
    engine = engine_for(settings_or_exit())
    deleted = purge_recording_files(config.recording.directory, config.recording.retention_days)
    if deleted:  # the calls forget the files and the purge is audited, as when the endpoint purges
        purge_hook(make_session_factory(engine), config.recording.retention_days)(deleted)
    engine.dispose()
    typer.echo(f"deleted {len(deleted)} recordings older than {config.recording.retention_days} days")


def call(
    uri: str = typer.Argument(..., help="whom to call, e.g. sip:7812345@127.0.0.1:5060"),
    play: Path | None = typer.Option(None, help="WAV file to play once answered (any rate, mono 16-bit)"),
    dtmf: list[str] = typer.Option([], help="DTMF digits to send (repeat for several; 1 s apart)"),
    dtmf_delay: float = typer.Option(1.0, help="seconds after answer before the first --dtmf"),
    hangup_after: float | None = typer.Option(
        None,
        help="hang up this many seconds after answer (default: when --play ends, else wait for the far end)",
    ),
    caller: str = typer.Option("1000", "--from", help="our number in the From header"),
    answer_timeout: float = typer.Option(30.0, help="give up when not answered within this many seconds"),
    clock_rate: int = typer.Option(8000, help="bridge clock rate, Hz"),
    record: Path | None = typer.Option(None, help="save what we hear (the far end's audio) to this WAV"),
) -> None:
    """Place a real SIP call (pjsua2).

    Exit status: 0 answered, 4/5/6 rejected with a 4xx/5xx/6xx (printed), 3 not answered, 1 local error.
    """
    import tempfile

    from hotline.sip.config import (
        AccountConfig,
        IvrConfig,
        LimitsConfig,
        MediaConfig,
        RecordingConfig,
        SipConfig,
        TransportConfig,
    )
    from hotline.sip.demo_call import local_address_for, run_demo_call
    from hotline.sip.pcm import PromptFileError, load_wav_pcm
    from hotline.sip.pjsua_adapter import PjsuaEndpoint
    from hotline.sip.protocol import SipStartError
    from hotline.sip.sip_message import uri_host

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    host = uri_host(uri)
    if not host:
        typer.secho(
            f"not a SIP URI: {uri!r} (expected sip:NUMBER@HOST[:PORT])", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(2)
    try:
        pcm = load_wav_pcm(play, clock_rate) if play else None
    except PromptFileError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    config = SipConfig(
        transport=TransportConfig(
            bind_address=local_address_for(host),
            udp_port=0,
            tcp_port=0,
            rtp_port_start=_free_even_udp_port(),
            rtp_port_count=20,
        ),
        account=AccountConfig(numbers=(caller,), display_name=caller),
        media=MediaConfig(clock_rate=clock_rate),
        ivr=IvrConfig(prompts={}),
        recording=RecordingConfig(directory=Path(tempfile.gettempdir()), retention_days=0),
        limits=LimitsConfig(max_calls=1, max_call_s=86400),
    )
    endpoint = PjsuaEndpoint(config, ephemeral_port=True)
    try:
        endpoint.start()
    except SipStartError as exc:
        typer.secho(f"cannot start the SIP stack: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    try:
        status = run_demo_call(
            endpoint,
            uri,
            pcm=pcm,
            dtmf=dtmf,
            dtmf_delay=dtmf_delay,
            hangup_after=hangup_after,
            answer_timeout=answer_timeout,
            record_to=record,
        )
    finally:
        endpoint.stop()
    raise typer.Exit(status)


def _free_even_udp_port() -> int:
    import socket

    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("0.0.0.0", 0))
            port = probe.getsockname()[1]
        if port % 2 == 0 and port < 65000:
            return port
    return 30000
