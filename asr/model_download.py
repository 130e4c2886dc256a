"""Downloading and installing Vosk models: resume, size and checksum checks, atomic unpack.

The archive is written to ``<models_dir>/.downloads/<name>.zip.part`` and resumed with an HTTP Range request
when the command is run again. It is unpacked into a temporary folder beside the target and renamed into
place only once complete, so the models directory never holds a half-unpacked model.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from asr.errors import ModelDownloadError
from asr.model_files import file_sha256, model_problems, write_manifest

log = logging.getLogger(__name__)

OnProgress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None)


@dataclass(frozen=True)
class ModelSpec:
    key: str
    name: str  # directory name after unpacking
    url: str
    description: str
    size: int | None = None  # bytes, when pinned
    sha256: str | None = None  # when pinned; the official site publishes no checksums


CATALOG: dict[str, ModelSpec] = {
    "small-cn": ModelSpec(
        key="small-cn",
        name="vosk-model-small-cn-0.22",
        url="https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip",
        description="Mandarin, ~42 MB, 16 kHz, lookahead graph (phrase lists work)",
    ),
}


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    size: int
    sha256: str
    checksum_verified: bool
    resumed_from: int


def find_spec(key: str) -> ModelSpec:
    try:
        return CATALOG[key]
    except KeyError:
        raise ModelDownloadError(f"unknown model {key!r}; known: {', '.join(CATALOG)}") from None


def download_model(
    spec: ModelSpec,
    models_dir: Path,
    *,
    url: str | None = None,
    sha256: str | None = None,
    force: bool = False,
    on_progress: OnProgress | None = None,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> DownloadResult:
    """Fetch ``spec`` (or ``url``, a mirror) into ``models_dir/spec.name``; return what was installed."""
    url = url or spec.url
    expected_sha = (sha256 or spec.sha256 or "").lower() or None
    target = models_dir / spec.name
    if target.exists() and not force:
        raise ModelDownloadError(f"{target} already exists; pass --force to download and replace it")
    part = models_dir / ".downloads" / f"{spec.name}.zip.part"
    part.parent.mkdir(parents=True, exist_ok=True)
    resumed_from = part.stat().st_size if part.exists() else 0
    _fetch(url, part, timeout=timeout, transport=transport, on_progress=on_progress)
    size = part.stat().st_size
    if spec.size is not None and size != spec.size and not sha256:
        part.unlink()
        raise ModelDownloadError(f"{url} gave {size} bytes, expected {spec.size}; deleted it. Check the URL.")
    actual_sha = file_sha256(part)
    if expected_sha and actual_sha != expected_sha:
        part.unlink()
        raise ModelDownloadError(
            f"checksum mismatch for {url}: expected sha256 {expected_sha}, got {actual_sha} ({size} bytes). "
            "The damaged download was deleted; run the command again, or check --url/--sha256."
        )
    if not expected_sha:
        log.info("no checksum known for %s: sha256 %s not verified (use --sha256)", url, actual_sha)
    _install(part, target, source=url)
    part.unlink()
    return DownloadResult(target, size, actual_sha, bool(expected_sha), resumed_from)


def install_archive(
    archive: Path, models_dir: Path, *, sha256: str | None = None, force: bool = False
) -> DownloadResult:
    """Install a model zip copied by hand (USB stick, another machine): checksum, unpack, rename into place.
    The archive itself is never changed or deleted."""
    if not archive.is_file():
        raise ModelDownloadError(f"{archive}: no such file")
    size, actual_sha = archive.stat().st_size, file_sha256(archive)
    expected = (sha256 or "").strip().lower() or None
    if expected and actual_sha != expected:
        raise ModelDownloadError(
            f"checksum mismatch for {archive}: expected sha256 {expected}, got {actual_sha} ({size} bytes); "
            "the copy is damaged or another file: copy it again"
        )
    try:
        with zipfile.ZipFile(archive) as zf:
            tops = {name.split("/")[0] for name in zf.namelist() if not name.startswith("__MACOSX")}
    except zipfile.BadZipFile as exc:
        raise ModelDownloadError(f"{archive} is not a valid zip ({exc})") from exc
    name = tops.pop() if len(tops) == 1 else archive.stem
    target = models_dir / name
    if target.exists() and not force:
        raise ModelDownloadError(f"{target} already exists; pass --force to replace it")
    models_dir.mkdir(parents=True, exist_ok=True)
    _install(archive, target, source=str(archive), keep_bad=True)
    return DownloadResult(target, size, actual_sha, bool(expected), 0)


def _fetch(url: str, part: Path, *, timeout: float, transport: httpx.BaseTransport | None,
           on_progress: OnProgress | None) -> int | None:
    """Download into ``part``, resuming from its current size. Returns the total size when known."""
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    done, total = offset, None
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, transport=transport) as client:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 416 and offset:  # nothing after offset: the file was complete
                    return offset
                if response.status_code not in (200, 206):
                    status = response.status_code
                    raise ModelDownloadError(f"{url}: HTTP {status}; check the URL or the --url mirror")
                if response.status_code == 206:
                    start, total = _content_range(response.headers.get("content-range", ""))
                    if start != offset:
                        raise ModelDownloadError(f"{url}: server resumed at byte {start}, asked for {offset}")
                    mode = "ab"
                else:  # the server ignored the range: start again
                    done, mode = 0, "wb"
                    length = response.headers.get("content-length")
                    total = int(length) if length and length.isdigit() else None
                with part.open(mode) as fh:
                    if on_progress:
                        on_progress(done, total)
                    for block in response.iter_bytes():  # as received: nothing buffered is lost
                        fh.write(block)
                        done += len(block)
                        if on_progress:
                            on_progress(done, total)
    except httpx.HTTPError as exc:
        raise ModelDownloadError(
            f"download of {url} interrupted after {done} bytes ({exc}); run the same command again to resume"
        ) from exc
    if total is not None and done != total:
        raise ModelDownloadError(
            f"download of {url} incomplete: {done} of {total} bytes; run the same command again to resume"
        )
    return total


def _content_range(value: str) -> tuple[int, int | None]:
    # "bytes 100-199/200" or "bytes 100-199/*"
    try:
        span, _, size = value.split(" ", 1)[1].partition("/")
        return int(span.split("-")[0]), int(size) if size.isdigit() else None
    except (IndexError, ValueError):
        raise ModelDownloadError(f"server sent an unreadable Content-Range: {value!r}") from None


def _install(archive: Path, target: Path, *, source: str, keep_bad: bool = False) -> None:
    """Unpack into a temporary folder beside ``target``, check it, then rename it into place."""
    staging = Path(tempfile.mkdtemp(prefix=f".unpack-{target.name}-", dir=target.parent))
    try:
        root = _unpack(archive, staging, keep_bad=keep_bad)
        problems = model_problems(root)
        if problems:
            raise ModelDownloadError(f"{source} does not contain a Vosk model: {'; '.join(problems)}")
        write_manifest(root, source)
        if target.exists():  # --force: swap, then delete the old one
            old = staging / ".replaced"
            os.rename(target, old)
            os.rename(root, target)
        else:
            os.rename(root, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _unpack(archive: Path, staging: Path, *, keep_bad: bool = False) -> Path:
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                dest = (staging / member).resolve()
                if not dest.is_relative_to(staging.resolve()):
                    raise ModelDownloadError(f"{archive.name}: unsafe path in archive: {member!r}")
            zf.extractall(staging / "unpacked")
    except zipfile.BadZipFile as exc:
        if keep_bad:
            raise ModelDownloadError(f"{archive} is not a valid zip ({exc})") from exc
        archive.unlink()
        raise ModelDownloadError(f"{archive.name} is not a valid zip ({exc}); deleted it, run again") from exc
    unpacked = staging / "unpacked"
    entries = [e for e in unpacked.iterdir() if not e.name.startswith("__MACOSX")]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else unpacked


def installed_models(models_dir: Path) -> list[Path]:
    """Model directories found directly under ``models_dir``."""
    if not models_dir.is_dir():
        return []
    return sorted(d for d in models_dir.iterdir() if d.is_dir() and not d.name.startswith(".")
                  and not model_problems(d))
