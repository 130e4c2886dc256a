"""`hotline models ...`: download, list and verify Vosk models in the data directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hotline.cli.common import settings_or_exit

app = typer.Typer(help="Speech models: download, install from a file, list, verify.", no_args_is_help=True)
OFFLINE_HINT = ("no network? fetch the zip on another machine (the URL above), copy it here (USB stick) "
                "and run `hotline models install PATH.zip --sha256 <sha256 of the file>`")


@app.command("download")
def download(
    key: str = typer.Argument(..., help="model to fetch, e.g. small-cn (see `hotline models list`)"),
    url: str = typer.Option(None, "--url", help="download from this mirror instead of the official site"),
    sha256: str = typer.Option(None, "--sha256", help="expected sha256 of the archive (checked)"),
    force: bool = typer.Option(False, "--force", help="replace an installed copy"),
    models_dir: Path = typer.Option(None, "--models-dir", help="default: <HOTLINE_DATA_DIR>/models"),
) -> None:
    """Download a Vosk model (resumable) and unpack it into the models directory."""
    import httpx

    from asr.errors import AsrError
    from asr.model_download import download_model, find_spec

    models_dir = models_dir or settings_or_exit().models_dir
    bar = _ProgressBar()
    try:
        spec = find_spec(key)
        typer.echo(f"downloading {url or spec.url}")
        result = download_model(spec, models_dir, url=url, sha256=sha256, force=force, on_progress=bar.update)
    except AsrError as exc:
        bar.close()
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        if isinstance(exc.__cause__, httpx.TransportError):  # offline, DNS, refused, timed out
            typer.echo(OFFLINE_HINT, err=True)
        raise typer.Exit(1) from None
    bar.close()
    if result.resumed_from:
        typer.echo(f"resumed at byte {result.resumed_from}")
    state = "verified" if result.checksum_verified else "not verified: no checksum given (--sha256)"
    typer.echo(f"sha256 {result.sha256} ({state}), {result.size} bytes")
    typer.secho(f"installed {result.path}", fg=typer.colors.GREEN)
    if result.path.resolve() == settings_or_exit().effective_vosk_model.resolve():
        typer.echo("this is the configured model (HOTLINE_VOSK_MODEL or its default): nothing else to set")
    else:
        typer.echo(f"to use it: HOTLINE_VOSK_MODEL={result.path}")


@app.command("install")
def install(
    archive: Path = typer.Argument(..., help="a Vosk model zip copied to this machine (USB stick, share)"),
    sha256: str = typer.Option(None, "--sha256", help="expected sha256 of the zip (checked first)"),
    force: bool = typer.Option(False, "--force", help="replace an installed copy"),
    models_dir: Path = typer.Option(None, "--models-dir", help="default: <HOTLINE_DATA_DIR>/models"),
) -> None:
    """Install a model from a zip file, for machines without internet access."""
    from asr.errors import AsrError
    from asr.model_download import install_archive

    models_dir = models_dir or settings_or_exit().models_dir
    try:
        result = install_archive(archive, models_dir, sha256=sha256, force=force)
    except AsrError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    state = "verified" if result.checksum_verified else "not verified: no checksum given (--sha256)"
    typer.echo(f"sha256 {result.sha256} ({state}), {result.size} bytes")
    typer.secho(f"installed {result.path}", fg=typer.colors.GREEN)
    typer.echo(f"to use it: HOTLINE_VOSK_MODEL={result.path}")


@app.command("list")
def list_models(models_dir: Path = typer.Option(None, "--models-dir")) -> None:
    """Downloadable models, models found in the models directory, and the configured one."""
    from asr.model_download import CATALOG, installed_models
    from asr.model_files import model_problems

    settings = settings_or_exit()
    models_dir = models_dir or settings.models_dir
    installed = {p.name: p for p in installed_models(models_dir)}
    typer.echo("downloadable (hotline models download KEY):")
    for spec in CATALOG.values():
        mark = "installed" if spec.name in installed else "not installed"
        typer.echo(f"  {spec.key:<10} {spec.name:<28} {mark:<14} {spec.description}")
    typer.echo(f"in {models_dir}:")
    for path in installed.values():
        typer.echo(f"  {path}")
    if not installed:
        typer.echo("  (none)")
    configured = settings.effective_vosk_model
    problems = model_problems(configured)
    status = "ok" if not problems else "; ".join(problems)
    typer.echo(f"configured (HOTLINE_VOSK_MODEL or default): {configured}  [{status}]")


@app.command("verify")
def verify(
    path: Path = typer.Argument(None, help="model directory; default: the configured one"),
    load: bool = typer.Option(False, "--load", help="also load it with Vosk and decode a second of silence"),
) -> None:
    """Check a model directory: required files, the download manifest's checksums, optionally a real load."""
    from asr.errors import AsrError
    from asr.model_files import HOW_TO_GET_A_MODEL, model_problems, verify_manifest

    path = path or settings_or_exit().effective_vosk_model
    problems = model_problems(path)
    if problems:
        typer.secho(f"{path}: {'; '.join(problems)}", fg=typer.colors.RED, err=True)
        typer.echo(f"to fix: {HOW_TO_GET_A_MODEL}", err=True)
        raise typer.Exit(1)
    damaged = verify_manifest(path)
    if damaged:
        typer.secho(f"{path}: {'; '.join(damaged)}", fg=typer.colors.RED, err=True)
        typer.echo("download it again with --force", err=True)
        raise typer.Exit(1)
    typer.echo(f"{path}: files complete" + (", checksums match" if damaged == [] else " (no manifest)"))
    if load:
        import asr

        try:
            model = asr.load_model(path)
            service = asr.TranscriptionService(model, decode_threads=1, pool_size=1)
            stream = service.open_stream(model.sample_rate)
            stream.feed(bytes(model.sample_rate * 2))
            transcript = stream.close(timeout=30)
            service.shutdown()
        except AsrError as exc:
            typer.secho(str(exc), fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        phrases = "on" if model.supports_phrases else "off"
        typer.echo(f"loaded ({model.sample_rate} Hz, phrase lists {phrases}), "
                   f"decoded 1 s of silence: {transcript.text!r}")


class _ProgressBar:
    """typer's progress bar, created once the total size is known."""

    def __init__(self) -> None:
        self._bar: Any = None  # click.progressbar once the size is known
        self._shown = 0

    def update(self, done: int, total: int | None) -> None:
        if total is None:  # the server did not say how big: report every 5 MB
            if done // 5_000_000 > self._shown // 5_000_000:
                typer.echo(f"  {done / 1e6:.0f} MB", err=True)
            self._shown = done
            return
        if self._bar is None:
            self._bar = typer.progressbar(length=total, label="download", show_pos=True, file=None)
            self._bar.__enter__()
        self._bar.update(done - self._shown)
        self._shown = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
