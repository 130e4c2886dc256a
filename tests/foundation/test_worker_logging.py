"""A SIP worker process logs like `hotline serve`: the --log-format (json: one object per line with the
worker's name) and the configured time zone reach it through the environment the supervisor passes on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SNIPPET = ("import logging; from hotline.workers.worker import setup_logging; setup_logging(2); "
           "logging.getLogger('hotline.sip.call_control').info('call %s: answered', 'abc')")


def _worker_lines(fmt: str) -> list[str]:
    env = {**os.environ, "HOTLINE_LOG_FORMAT": fmt, "HOTLINE_TIMEZONE": "Asia/Shanghai",
           "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", SNIPPET], env=env, capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines()


def test_worker_lines_are_json_with_the_worker_name_in_china_time():
    [line] = _worker_lines("json")
    entry = json.loads(line)
    assert entry["worker"] == "worker-2" and entry["message"] == "call abc: answered"
    assert entry["time"].endswith("+08:00") and entry["logger"] == "hotline.sip.call_control"


def test_worker_text_lines_match_the_serve_format():
    [line] = _worker_lines("text")
    stamp, level, worker, rest = line.split(" ", 3)
    assert stamp.endswith("+08:00") and level == "INFO" and worker == "worker-2"
    assert rest == "hotline.sip.call_control: call abc: answered"


def test_the_supervisor_passes_the_log_format_on(monkeypatch, tmp_path):
    from hotline.settings import load_settings
    from hotline.workers.supervisor import worker_environment

    monkeypatch.setenv("HOTLINE_LOG_FORMAT", "json")
    env = worker_environment(load_settings(data_dir=tmp_path, env="test", timezone="Asia/Shanghai"))
    assert env["HOTLINE_LOG_FORMAT"] == "json" and env["HOTLINE_TIMEZONE"] == "Asia/Shanghai"
