"""`hotline models download` against a local HTTP server (127.0.0.1) serving a small model zip."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from asr.errors import ModelDownloadError
from asr.model_download import DownloadResult, download_model, find_spec
from hotline.cli import models_cli

SPEC = find_spec("small-cn")


def model_zip(top: str = SPEC.name, *, with_model: bool = True, extra: dict | None = None) -> bytes:
    files = {"README": b"test model\n"}
    if with_model:
        files |= {
            "am/final.mdl": os.urandom(300_000),  # big enough for several progress updates
            "conf/model.conf": b"--min-active=200\n",
            "conf/mfcc.conf": b"--sample-frequency=16000\n",
            "graph/HCLr.fst": b"hclr",
            "graph/Gr.fst": b"gr",
        }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in (files | (extra or {})).items():
            zf.writestr(name if name.startswith("/") or name.startswith("..") else f"{top}/{name}", data)
    return buf.getvalue()


class ModelServer(ThreadingHTTPServer):
    payload = b""
    cut_at: int | None = None  # close the connection after this many bytes, once
    ignore_range = False
    status: int | None = None
    ranges: list[str | None]


class Handler(BaseHTTPRequestHandler):
    server: ModelServer

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        srv = self.server
        rng = self.headers.get("Range")
        srv.ranges.append(rng)
        if srv.status:
            self.send_error(srv.status)
            return
        data, start = srv.payload, 0
        if rng and not srv.ignore_range:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        body = data[start:]
        if srv.cut_at is not None:
            body, srv.cut_at = body[: srv.cut_at - start], None
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def server():
    srv = ModelServer(("127.0.0.1", 0), Handler)
    srv.ranges = []
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}/vosk/models/{SPEC.name}.zip"
    yield srv
    srv.shutdown()
    srv.server_close()


def leftovers(models_dir: Path) -> list[str]:
    return sorted(p.name for p in models_dir.iterdir() if p.name.startswith(".unpack"))


def test_download_verifies_unpacks_and_reports_progress(server, tmp_path):
    server.payload = model_zip()
    sha = hashlib.sha256(server.payload).hexdigest()
    progress = []
    result = download_model(
        SPEC, tmp_path, url=server.url, sha256=sha, on_progress=lambda d, t: progress.append((d, t))
    )
    assert isinstance(result, DownloadResult) and result.checksum_verified and result.sha256 == sha
    assert result.path == tmp_path / SPEC.name
    assert (result.path / "am" / "final.mdl").stat().st_size == 300_000
    assert (result.path / ".hotline-manifest.json").is_file()
    done = [d for d, _ in progress]
    assert done == sorted(done) and done[-1] == len(server.payload) and len(done) > 2
    assert {t for _, t in progress} == {len(server.payload)}
    assert not (tmp_path / ".downloads" / f"{SPEC.name}.zip.part").exists() and leftovers(tmp_path) == []


def test_interrupted_download_resumes_with_a_range_request(server, tmp_path):
    server.payload = model_zip()
    server.cut_at = cut = len(server.payload) // 3
    sha = hashlib.sha256(server.payload).hexdigest()
    with pytest.raises(ModelDownloadError, match="run the same command again to resume"):
        download_model(SPEC, tmp_path, url=server.url, sha256=sha)
    part = tmp_path / ".downloads" / f"{SPEC.name}.zip.part"
    assert part.stat().st_size == cut  # every byte received was kept
    assert not (tmp_path / SPEC.name).exists()
    result = download_model(SPEC, tmp_path, url=server.url, sha256=sha)
    assert server.ranges == [None, f"bytes={cut}-"]
    assert result.resumed_from == cut and result.checksum_verified


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    server.payload = model_zip()
    part = tmp_path / ".downloads" / f"{SPEC.name}.zip.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"stale bytes from another file")
    server.ignore_range = True
    sha = hashlib.sha256(server.payload).hexdigest()
    result = download_model(SPEC, tmp_path, url=server.url, sha256=sha)
    assert server.ranges[0] is not None and result.sha256 == sha


def test_checksum_mismatch_is_a_clear_error_and_leaves_nothing(server, tmp_path):
    server.payload = model_zip()
    with pytest.raises(ModelDownloadError, match="checksum mismatch.*deleted"):
        download_model(SPEC, tmp_path, url=server.url, sha256="0" * 64)
    assert not (tmp_path / SPEC.name).exists() and leftovers(tmp_path) == []
    assert not (tmp_path / ".downloads" / f"{SPEC.name}.zip.part").exists()


@pytest.mark.parametrize(
    "payload, message",
    [
        (model_zip(with_model=False), "does not contain a Vosk model"),
        (model_zip(extra={"../../evil.txt": b"x"}), "unsafe path"),
        (b"<html>not a zip</html>", "not a valid zip"),
    ],
    ids=["no-model", "zip-slip", "not-zip"],
)
def test_bad_archives_are_rejected_without_half_unpacked_models(server, tmp_path, payload, message):
    server.payload = payload
    with pytest.raises(ModelDownloadError, match=message):
        download_model(SPEC, tmp_path, url=server.url)
    assert not (tmp_path / SPEC.name).exists() and leftovers(tmp_path) == []
    assert not (tmp_path.parent / "evil.txt").exists()


def test_http_error_and_existing_model(server, tmp_path):
    server.status = 404
    with pytest.raises(ModelDownloadError, match="HTTP 404"):
        download_model(SPEC, tmp_path, url=server.url)
    server.status = None
    server.payload = model_zip()
    download_model(SPEC, tmp_path, url=server.url)
    with pytest.raises(ModelDownloadError, match="already exists; pass --force"):
        download_model(SPEC, tmp_path, url=server.url)
    marker = tmp_path / SPEC.name / "old-marker"
    marker.write_text("old")
    download_model(SPEC, tmp_path, url=server.url, force=True)
    assert not marker.exists() and (tmp_path / SPEC.name / "am" / "final.mdl").exists()
    assert leftovers(tmp_path) == []


def test_cli_download_list_and_verify(server, tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_VOSK_MODEL", raising=False)
    server.payload = model_zip()
    sha = hashlib.sha256(server.payload).hexdigest()
    runner = CliRunner()
    result = runner.invoke(models_cli.app, ["download", "small-cn", "--url", server.url, "--sha256", sha])
    assert result.exit_code == 0, result.output
    installed = tmp_path / "models" / SPEC.name
    assert f"installed {installed}" in result.output and "verified" in result.output
    assert "this is the configured model" in result.output
    listing = runner.invoke(models_cli.app, ["list"])
    assert listing.exit_code == 0 and "installed" in listing.output and "[ok]" in listing.output
    verify = runner.invoke(models_cli.app, ["verify"])
    assert verify.exit_code == 0 and "checksums match" in verify.output
    (installed / "conf" / "model.conf").write_text("tampered")
    verify = runner.invoke(models_cli.app, ["verify"])
    assert verify.exit_code == 1 and "changed or damaged: conf/model.conf" in verify.output
    bad = runner.invoke(
        models_cli.app, ["download", "small-cn", "--url", server.url, "--force", "--sha256", "ab" * 32]
    )
    assert bad.exit_code == 1 and "checksum mismatch" in bad.output
    unknown = runner.invoke(models_cli.app, ["download", "huge-en", "--url", server.url])
    assert unknown.exit_code == 1 and "unknown model 'huge-en'; known: small-cn" in unknown.output


def test_cli_verify_says_what_to_do_when_nothing_is_installed(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_VOSK_MODEL", raising=False)
    result = CliRunner().invoke(models_cli.app, ["verify"])
    assert result.exit_code == 1
    assert "does not exist" in result.output and "hotline models download small-cn" in result.output


def test_cli_install_from_a_zip_for_offline_machines(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    archive = tmp_path / "usb" / f"{SPEC.name}.zip"
    archive.parent.mkdir()
    archive.write_bytes(model_zip())
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    runner = CliRunner()
    wrong = runner.invoke(models_cli.app, ["install", str(archive), "--sha256", "ab" * 32])
    assert wrong.exit_code == 1 and "checksum mismatch" in wrong.output and "copy it again" in wrong.output
    assert not (tmp_path / "models" / SPEC.name).exists()
    result = runner.invoke(models_cli.app, ["install", str(archive), "--sha256", sha])
    assert result.exit_code == 0, result.output
    assert f"installed {tmp_path / 'models' / SPEC.name}" in result.output and "(verified)" in result.output
    assert archive.exists()  # the user's copy is left alone
    assert runner.invoke(models_cli.app, ["verify", str(tmp_path / "models" / SPEC.name)]).exit_code == 0
    again = runner.invoke(models_cli.app, ["install", str(archive)])
    assert again.exit_code == 1 and "--force" in again.output
    broken = tmp_path / "usb" / "broken.zip"
    broken.write_bytes(b"not a zip")
    bad = runner.invoke(models_cli.app, ["install", str(broken)])
    assert bad.exit_code == 1 and "not a valid zip" in bad.output and broken.exists()


def test_offline_download_points_to_install_from_a_file(tmp_path, monkeypatch):
    import socket

    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens: connection refused, as offline
    url = f"http://127.0.0.1:{port}/m.zip"
    result = CliRunner().invoke(models_cli.app, ["download", "small-cn", "--url", url])
    assert result.exit_code == 1
    assert "hotline models install PATH.zip --sha256" in result.output
