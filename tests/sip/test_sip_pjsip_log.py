"""pjsip's own lines come out of Python logging in our format (text or json, China time, the worker's
name), nothing of pjsip's reaches stdout, and the log writer survives the endpoint's whole life (a real
pjsua2 endpoint in a child process starts, fails a call to a bad URI, stops and exits 0)."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys

import pytest
from sip_testkit import write_config
from testkit.ports import free_sip_port
from testkit.processes import python_env

from hotline.sip.pjsip_log import clean_line, python_level

CHILD = """
import sys
from pathlib import Path
from hotline.log_format import configure_logging
from hotline.sip.config import load_sip_config
from hotline.sip.pjsua_adapter import PjsuaEndpoint
configure_logging(level="DEBUG" if sys.argv[3] != "1" else "INFO", fmt=sys.argv[2], worker="worker-0")
endpoint = PjsuaEndpoint(load_sip_config(Path(sys.argv[1])), pj_log_level=int(sys.argv[3]))
endpoint.start()
try:
    endpoint.place_call("sip:7812345@[bad uri")
except Exception as exc:
    print(type(exc).__name__, file=sys.stderr)
endpoint.stop()
print("DONE")
"""
TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00 [A-Z]+ worker-0 [\w.]+: ")


def _run(tmp_path, fmt: str, pj_level: int) -> list[str]:
    config = write_config(tmp_path, free_sip_port())
    done = subprocess.run([sys.executable, "-c", CHILD, str(config), fmt, str(pj_level)], env=python_env(),
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-4000:]  # an abort (writer deleted twice) shows here
    assert done.stdout == "DONE\n", f"pjsip wrote to stdout: {done.stdout!r}"
    return [line for line in done.stderr.splitlines() if line != "SipCallError"]


@pytest.mark.sip
def test_a_pjsip_error_is_a_line_in_our_text_format(tmp_path):
    lines = _run(tmp_path, "text", 1)
    odd = [line for line in lines if not TEXT_LINE.match(line)]
    assert not odd, f"lines not in our format: {odd}"
    errors = [line for line in lines if " ERROR worker-0 pjsip: " in line]
    assert errors, lines
    assert not any(line.endswith((" ", "\r")) for line in errors)


@pytest.mark.sip
def test_pjsip_lines_are_json_objects_named_pjsip(tmp_path):
    entries = [json.loads(line) for line in _run(tmp_path, "json", 3)]  # every line is one JSON object
    pjsip = [entry for entry in entries if entry["logger"] == "pjsip"]
    assert {"ERROR", "INFO"} <= {entry["level"] for entry in pjsip}, pjsip
    assert all(entry["worker"] == "worker-0" and entry["time"].endswith("+08:00") for entry in pjsip)
    assert not any(re.match(r"\s|\d\d:\d\d:\d\d\.", entry["message"]) for entry in pjsip)  # no pjsip prefix


def test_levels_and_prefixes():
    assert [python_level(n) for n in range(6)] == [logging.CRITICAL, logging.ERROR, logging.WARNING,
                                                   logging.INFO, logging.DEBUG, logging.DEBUG]
    assert clean_line("          pjsua_call.c  Invalid URI\n") == "pjsua_call.c: Invalid URI"
    banner = "18:40:01.123         os_core_unix.c !pjlib 2.15.1 for POSIX initialized\n"
    assert clean_line(banner) == "os_core_unix.c: pjlib 2.15.1 for POSIX initialized"
    assert clean_line("alone\n") == "alone"
