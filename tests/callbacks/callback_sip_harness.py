"""Test harness: a callback scheduler process dialling through a real pjsua2 endpoint.

Usage: python callback_sip_harness.py CONFIG_JSON
CONFIG_JSON: {database_url, sip_conf, prompts_dir, routes: {phone: "sip:...@127.0.0.1:PORT"}, clock_start,
answer_timeout, input_timeout, max_attempts, retry_minutes: [..], concurrent}
Runs until no callback is left to dial, prints "DONE <dials>", stops the endpoint cleanly, exits 0.
"""

import json
import logging
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from callbacks.policy import CallbackPolicy
from callbacks.prompts import CallbackPrompts
from callbacks.service import CallbackRunner
from callbacks.sip_dialer import SipDialer
from hotline.db import make_engine, make_session_factory
from hotline.sip.config import load_sip_config
from hotline.sip.pjsua_adapter import PjsuaEndpoint


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    cfg = json.loads(Path(sys.argv[1]).read_text())
    origin, t0 = datetime.fromisoformat(cfg["clock_start"]), time.monotonic()
    endpoint = PjsuaEndpoint(load_sip_config(Path(cfg["sip_conf"])))
    endpoint.start()
    try:
        prompts = CallbackPrompts(endpoint.sample_rate, directory=Path(cfg["prompts_dir"]))
        dialer = SipDialer(
            endpoint,
            prompts,
            uri_template=lambda phone: cfg["routes"][phone],
            answer_timeout=cfg["answer_timeout"],
            input_timeout=cfg["input_timeout"],
        )
        policy = CallbackPolicy(
            max_attempts=cfg["max_attempts"],
            retry_after_minutes=tuple(cfg["retry_minutes"]),
            concurrent_calls=cfg["concurrent"],
            claim_timeout_s=120,
        )
        runner = CallbackRunner(
            make_session_factory(make_engine(cfg["database_url"])),
            dialer,
            policy=policy,
            clock=lambda: origin + timedelta(seconds=time.monotonic() - t0),
        )
        made = runner.run_until_idle(timeout=150)
        runner.close()
        print(f"DONE {made}", flush=True)
    finally:
        endpoint.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
