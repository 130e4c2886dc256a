"""Child processes that the tests start and that stop when their stdin closes (harnesses, `hotline` runs)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[2]


def python_env() -> dict[str, str]:
    """The environment for a child Python process: this checkout first on its path, output unbuffered."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def stop_child(proc: subprocess.Popen[str], log_file: IO[str] | None, timeout: float) -> int:
    """Close the child's stdin (its signal to stop), wait ``timeout`` seconds, then kill it; close its
    pipes and log file. Returns its exit code."""
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
    if log_file is not None:
        log_file.close()
    return code
