"""A case's photos: the web form's uploads, checked and stored by hotline.attachments.photos, kept as rows
beside the case. Session first, keyword-only, never commits."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.attachments.photos import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS_PER_UPLOAD,
    PhotoRejected,
    photo_kind,
    store_photo,
)
from hotline.models import CasePhoto

FOLDER = "cases"


class CasePhotoRejected(PhotoRejected):
    """PhotoRejected with why, for pages that say it in the citizen's language: ``reason`` is one of
    ``too_many``, ``too_big``, ``empty``, ``not_a_photo``."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def check_photos(files: list[bytes]) -> list[bytes]:
    """The non-empty uploads, each a JPEG/PNG/WebP within the size limit (CasePhotoRejected otherwise)."""
    photos = [data for data in files if data]
    if len(photos) > MAX_PHOTOS_PER_UPLOAD:
        raise CasePhotoRejected(f"最多上传 {MAX_PHOTOS_PER_UPLOAD} 张照片，请删去多余的照片。", "too_many")
    for data in photos:
        try:
            photo_kind(data)
        except PhotoRejected as exc:
            reason = "too_big" if len(data) > MAX_PHOTO_BYTES else "not_a_photo"
            raise CasePhotoRejected(str(exc), reason) from exc
    return photos


def attach_photos(session: Session, *, case_id: int, photos: list[bytes], data_dir: Path) -> list[CasePhoto]:
    """Store checked ``photos`` and add their rows to the case."""
    rows = []
    for data in photos:
        stored = store_photo(data_dir, FOLDER, data)
        rows.append(CasePhoto(case_id=case_id, path=stored.relative_path, media_type=stored.media_type,
                              size=stored.size))
    session.add_all(rows)
    session.flush()
    return rows


def photos_of(session: Session, *, case_id: int) -> list[CasePhoto]:
    return list(session.scalars(select(CasePhoto).where(CasePhoto.case_id == case_id).order_by(CasePhoto.id)))
