"""`hotline asr ...`: transcribe audio files with the configured Vosk model; serve it to other processes."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hotline.cli.common import settings_or_exit

app = typer.Typer(help="Speech recognition: transcribe audio files, serve recognition.", no_args_is_help=True)


@app.command("transcribe")
def transcribe(
    file: Path = typer.Argument(..., help="WAV of any rate/channels; other formats need sox"),
    model: Path = typer.Option(None, "--model", help="Vosk model directory; default: HOTLINE_VOSK_MODEL"),
    as_json: bool = typer.Option(False, "--json", help="print utterances with timings as JSON"),
    phrase: list[str] = typer.Option(None, "--phrase", help="restrict recognition to these phrases"),
) -> None:
    """Print the transcript of FILE (text, or JSON with utterances, words and timings)."""
    import asr
    from asr.audio_file import open_audio

    model_path = model or settings_or_exit().effective_vosk_model
    try:
        open_audio(file).blocks.close()  # a bad file fails before the 1-2 s model load
        loaded = asr.load_model(model_path)
        transcript = asr.transcribe_file(file, loaded, phrases=phrase or None)
    except asr.AsrError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    if as_json:
        data = {"file": str(file), "model": str(loaded.path), **transcript.to_dict()}
        for key in ("dropped_bytes", "max_lag_s", "complete", "error"):
            data.pop(key)
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        typer.echo(transcript.text)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (0.0.0.0: every interface)"),
    port: int = typer.Option(2700, "--port", min=1, max=65535, help="TCP port (vosk-server's default)"),
    model: Path = typer.Option(None, "--model", help="Vosk model directory; default: HOTLINE_VOSK_MODEL"),
    recognizers: int = typer.Option(8, "--recognizers", min=1, help="warm recognizers (one per live call)"),
    rate: int = typer.Option(16000, "--rate", min=4000, max=48000,
                             help="the rate workers send ([media] clock_rate): its pool is made at start"),
    trailing_silence: float = typer.Option(None, "--trailing-silence", min=0.2, max=5.0,
                                           help="seconds of silence that end an utterance (sip.conf [asr])"),
) -> None:
    """Serve speech recognition over WebSocket (the vosk-server protocol): SIP workers and other nodes set
    HOTLINE_ASR_SERVERS=ws://HOST:PORT and share this one model instead of loading their own."""
    import asyncio
    import logging

    import asr
    from asr.speech_server import SpeechServer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    model_path = model or settings_or_exit().effective_vosk_model
    try:
        loaded = asr.load_model(model_path, trailing_silence=trailing_silence)
    except asr.AsrError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    server = SpeechServer(loaded, pool_size=recognizers, rates=(rate,))
    try:
        asyncio.run(server.run(host, port))
    except OSError as exc:
        typer.secho(f"error: cannot listen on {host}:{port} ({exc.strerror or exc}); is another speech "
                    "server running there? Choose another --port.", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


@app.callback()
def _group() -> None:
    """Speech recognition: transcribe audio files, serve recognition to SIP workers and other nodes."""
