"""`hotline asr ...`: transcribe audio files with the configured Vosk model."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hotline.cli.common import settings_or_exit

app = typer.Typer(help="Speech recognition: transcribe audio files.", no_args_is_help=True)


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


@app.callback()
def _group() -> None:
    """Speech recognition: transcribe audio files."""
