"""What an operator sees: `hotline serve` idle is quiet (nothing per scheduler tick), JSON log lines with
China-time stamps, a busy web port refused before the one-time admin password is spent, an unreachable
PostgreSQL named in one line with its password masked (/metrics: tests/web/test_web_metrics.py)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

SPOOL_TICK_S = 5  # hotline.runtime.SPOOL_FLUSH_SECONDS: the most frequent scheduler job


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path, **extra) -> dict:
    return dict(
        os.environ, HOTLINE_DATA_DIR=str(tmp_path / "var"), HOTLINE_VOSK_MODEL=str(tmp_path / "none"), **extra
    )


def test_busy_web_port_is_refused_before_the_admin_password_is_printed(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "hotline", "serve", "--fake-sip", "--port", str(port)],
            env=_env(tmp_path),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 2
    assert f"127.0.0.1:{port} is in use" in run.stderr
    assert "password" not in run.stdout + run.stderr
    assert not (tmp_path / "var" / "hotline.sqlite3").exists()  # nothing seeded: the next start prints it


def test_unreachable_postgresql_is_one_line_naming_the_url_with_the_password_masked(tmp_path):
    url = f"postgresql+psycopg://hotline:s3cret-pw@127.0.0.1:{_free_port()}/hotline"
    run = subprocess.run(
        [sys.executable, "-m", "hotline", "init"],
        env=_env(tmp_path, HOTLINE_DATABASE_URL=url),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "cannot reach the database postgresql+psycopg://hotline:****@127.0.0.1" in lines[0]
    assert "s3cret-pw" not in run.stderr and "Traceback" not in run.stderr
    assert "PostgreSQL runs and accepts connections" in lines[0]


@pytest.mark.slow
def test_idle_serve_writes_nothing_per_scheduler_tick_and_logs_json_in_china_time(tmp_path):
    port = _free_port()
    stderr = open(tmp_path / "serve.err", "w+", encoding="utf-8")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotline", "serve", "--fake-sip", "--log-format", "json", "--port", str(port)],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.err").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        time.sleep(35)  # startup lines settle, and the one catch-up of kept reports (30 s after start)
        settled = len((tmp_path / "serve.err").read_text().splitlines())
        time.sleep(3 * SPOOL_TICK_S + 1)  # three spool ticks, idle
        lines = (tmp_path / "serve.err").read_text().splitlines()
        per_tick = (len(lines) - settled) / 3
        # 10 minutes are 120 ticks: fewer than 20 lines means nothing is written per tick
        assert per_tick * 120 < 20, lines[settled:]
        entries = [json.loads(line) for line in lines]
        assert any("report kept: daily-" in e["message"] for e in entries)  # the catch-up ran
        assert entries and all(e["time"].endswith("+08:00") for e in entries)
        assert not [e for e in entries if e["logger"].startswith("apscheduler") and e["level"] == "INFO"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        stderr.close()
