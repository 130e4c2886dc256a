"""Photos checked by their bytes, not their names, and stored under the data directory.

A photo is accepted when its first bytes say JPEG, PNG or WebP and it is at most ``MAX_PHOTO_BYTES``;
anything else is refused with a message a citizen can act on. Stored files get a random name (the
uploader's file name is never used as a path) under ``<data_dir>/photos/<folder>/``; callers keep the
returned relative path in their own row and serve it through a route that checks who may see it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS_PER_UPLOAD = 3
_KINDS = (  # (extension, media type, test on the first bytes)
    ("jpg", "image/jpeg", lambda b: b[:3] == b"\xff\xd8\xff"),
    ("png", "image/png", lambda b: b[:8] == b"\x89PNG\r\n\x1a\n"),
    ("webp", "image/webp", lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP"),
)
MEDIA_TYPES = {ext: media for ext, media, _ in _KINDS}


class PhotoRejected(ValueError):
    """The upload is not a photo we keep; ``str(error)`` is the Chinese message to show."""


@dataclass(frozen=True)
class StoredPhoto:
    relative_path: str  # "<folder>/<random>.<ext>", relative to photos_root(data_dir)
    media_type: str
    size: int


def photos_root(data_dir: Path) -> Path:
    return data_dir / "photos"


def photo_kind(data: bytes) -> tuple[str, str]:
    """(extension, media type) of ``data``, or PhotoRejected saying what is accepted."""
    if not data:
        raise PhotoRejected("照片是空文件，请重新选择。")
    if len(data) > MAX_PHOTO_BYTES:
        size_mb, limit_mb = len(data) / 1048576, MAX_PHOTO_BYTES // 1048576
        raise PhotoRejected(f"照片太大（{size_mb:.1f} MB），请选择不超过 {limit_mb} MB 的照片。")
    for ext, media, matches in _KINDS:
        if matches(data):
            return ext, media
    raise PhotoRejected("只接受 JPG、PNG 或 WebP 格式的照片，请换一张照片。")


def store_photo(data_dir: Path, folder: str, data: bytes) -> StoredPhoto:
    """Check ``data`` and write it under ``folder`` (a fixed word chosen by the caller, e.g. "cases")."""
    if not folder.isidentifier():
        raise ValueError(f"photo folder must be a plain word, not {folder!r}")
    ext, media = photo_kind(data)
    target_dir = photos_root(data_dir) / folder
    target_dir.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{ext}"
    (target_dir / name).write_bytes(data)
    return StoredPhoto(relative_path=f"{folder}/{name}", media_type=media, size=len(data))


def open_photo(data_dir: Path, relative_path: str) -> tuple[Path, str]:
    """(file, media type) of a stored photo; FileNotFoundError for a path we did not write."""
    parts = PurePosixPath(relative_path).parts
    if len(parts) != 2 or not parts[0].isidentifier() or "." not in parts[1]:
        raise FileNotFoundError(relative_path)
    stem, ext = parts[1].rsplit(".", 1)
    if ext not in MEDIA_TYPES or not all(c in "0123456789abcdef" for c in stem):
        raise FileNotFoundError(relative_path)
    path = photos_root(data_dir) / parts[0] / parts[1]
    if not path.is_file():
        raise FileNotFoundError(relative_path)
    return path, MEDIA_TYPES[ext]
