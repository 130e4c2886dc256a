"""Test harness: run a PjsuaEndpoint with the JSON-lines observer in its own process.

Usage: python sip_endpoint_harness.py SIP_CONF EVENTS_JSONL [DIAL_URI]
With DIAL_URI it also places one outbound call once started (presenting $HOTLINE_TEST_CALLER_ID if set):
plays the "tone" prompt when answered, hangs up 1 s after the first DTMF digit (or 15 s after answer),
and logs the handle's events as "outbound_*".
Prints "READY" when answering; stops cleanly (hang up, close recordings, release pjsua2) when stdin closes
or on SIGTERM, then prints "STOPPED" and exits 0. An abort in pjsua2 shows as a non-zero exit status.
"""

import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from hotline.sip.config import load_sip_config
from hotline.sip.event_log import JsonlObserver
from hotline.sip.pjsua_adapter import PjsuaEndpoint


def dial(endpoint: PjsuaEndpoint, uri: str, events) -> None:
    handle = endpoint.place_call(uri, answer_timeout=10, caller_id=os.environ.get("HOTLINE_TEST_CALLER_ID"))
    hangup_at = None
    while True:
        event = handle.next_event(0.05)
        if hangup_at is not None and time.monotonic() >= hangup_at:
            handle.hangup()
            hangup_at = float("inf")
        if event is None:
            continue
        record = {
            "event": f"outbound_{event.kind}",
            "digit": event.digit,
            "status_code": event.status_code,
            "reason": event.reason,
            "name": event.name,
        }
        if event.summary is not None:
            record["recording_path"] = str(event.summary.recording_path)
            record["recording_seconds"] = event.summary.recording_seconds
            record["duration_s"] = event.summary.duration_s
        events.write(json.dumps(record) + "\n")
        events.flush()
        if event.kind == "answered":
            handle.play_prompt("tone")
            hangup_at = time.monotonic() + 15
        elif event.kind == "dtmf" and hangup_at is not None:
            hangup_at = min(hangup_at, time.monotonic() + 1.0)
        elif event.kind == "ended":
            return


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    config = load_sip_config(Path(sys.argv[1]))
    with open(sys.argv[2], "a", encoding="utf-8") as events:
        endpoint = PjsuaEndpoint(config, JsonlObserver(events))
        endpoint.start()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
        print("READY", flush=True)
        if len(sys.argv) > 3:
            threading.Thread(target=dial, args=(endpoint, sys.argv[3], events), daemon=True).start()
        stop.wait()
        endpoint.stop()
    print("STOPPED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
