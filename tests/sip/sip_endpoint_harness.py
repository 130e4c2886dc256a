"""Test harness: run a PjsuaEndpoint with the JSON-lines observer in its own process.

Usage: python sip_endpoint_harness.py SIP_CONF EVENTS_JSONL
Prints "READY" when answering; stops cleanly (hang up, close recordings, release pjsua2) when stdin closes
or on SIGTERM, then prints "STOPPED" and exits 0. An abort in pjsua2 shows as a non-zero exit status.
"""

import logging
import signal
import sys
import threading
from pathlib import Path

from hotline.sip.config import load_sip_config
from hotline.sip.event_log import JsonlObserver
from hotline.sip.pjsua_adapter import PjsuaEndpoint


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
        stop.wait()
        endpoint.stop()
    print("STOPPED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
