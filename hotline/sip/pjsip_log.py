"""pjsip's own log lines through Python logging (logger ``pjsip``), so they come out in our format: the
configured time zone, text or json, the worker's name. pjsua_adapter hands every pjsip line here from its
``pj.LogWriter``; this module holds the pjsua2-free part (levels, cleaning a line, the libCreate banner)."""

from __future__ import annotations

import ctypes
import logging
import os
import re
import sys
import tempfile
from collections.abc import Callable

log = logging.getLogger("pjsip")
BANNER_LEVEL = 4  # pjlib's start-up lines (printed before any log config applies) are debug chatter
_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}\.\d{3}\s+")  # pjsip's default time prefix (banner lines only)


def python_level(pj_level: int) -> int:
    """pjsip levels: 0 fatal, 1 error, 2 warning, 3 info, 4 and up debug/trace."""
    if pj_level <= 0:
        return logging.CRITICAL
    return {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO}.get(pj_level, logging.DEBUG)


def clean_line(msg: str) -> str:
    """``"        pjsua_call.c  Invalid URI\\n"`` -> ``"pjsua_call.c: Invalid URI"``: pjsip pads the sender
    to a column and adds a newline (and on banner lines a time, indent dots, a thread-switch "!")."""
    text = _TIME.sub("", msg.strip())
    sender, _, rest = text.partition(" ")
    rest = rest.strip().lstrip(".!").strip()
    return f"{sender}: {rest}" if rest else text


def forward(pj_level: int, msg: str) -> None:
    """One pjsip line into the ``pjsip`` logger. Called on pjsip's threads: the caller catches everything."""
    level = python_level(pj_level)
    if log.isEnabledFor(level):
        log.log(level, "%s", clean_line(msg))


def run_capturing_stdout(fn: Callable[[], object]) -> None:
    """Run ``fn`` with file descriptor 1 captured, then log what it printed as pjsip debug lines
    (pjlib prints its banner to stdout on create, before the log writer is installed)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as capture:
        try:
            os.dup2(capture.fileno(), 1)
            fn()
        finally:
            ctypes.CDLL(None).fflush(None)  # C stdio buffers a pipe's output: write it out before restoring
            os.dup2(saved, 1)
            os.close(saved)
            capture.seek(0)
            for line in capture.read().decode("utf-8", "replace").splitlines():
                if line.strip():
                    forward(BANNER_LEVEL, line)
