"""Photos are known by their bytes, stored under random names, never read from outside their folder."""

import pytest

from hotline.attachments.photos import MAX_PHOTO_BYTES, PhotoRejected, open_photo, photo_kind, store_photo

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 64


@pytest.mark.parametrize("data,ext", [(PNG, "png"), (JPEG, "jpg"), (WEBP, "webp")])
def test_a_photo_is_known_by_its_first_bytes(data, ext):
    assert photo_kind(data)[0] == ext


@pytest.mark.parametrize(
    "data,words",
    [(b"", "空文件"), (b"<svg onload=alert(1)>", "JPG、PNG 或 WebP"), (b"MZ\x90\x00", "JPG、PNG 或 WebP"),
     (JPEG + b"\x00" * MAX_PHOTO_BYTES, "太大")],
)
def test_what_is_not_a_photo_is_refused_with_a_reason(data, words):
    with pytest.raises(PhotoRejected, match=words):
        photo_kind(data)


def test_stored_photo_reads_back_and_paths_from_outside_are_refused(tmp_path):
    stored = store_photo(tmp_path, "cases", PNG)
    path, media = open_photo(tmp_path, stored.relative_path)
    assert path.read_bytes() == PNG and media == "image/png"
    assert path.parent == tmp_path / "photos" / "cases"
    (tmp_path / "secret.png").write_bytes(PNG)
    for bad in ("../secret.png", "cases/../../secret.png", "/etc/passwd", "cases/x.sh", "cases/zz.png"):
        with pytest.raises(FileNotFoundError):
            open_photo(tmp_path, bad)
    with pytest.raises(ValueError):
        store_photo(tmp_path, "../up", PNG)
