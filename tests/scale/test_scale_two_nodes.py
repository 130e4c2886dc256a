"""Two `hotline serve` nodes on one PostgreSQL behind one Kamailio: cases appear live on both consoles."""

from __future__ import annotations

import os
import signal
import threading
import time

from scale_testkit import (
    needs_kamailio_and_sipp,
    read_sse,
    run_sipp,
    signed_in_agent,
    sipp_counts,
    start_kamailio,
    start_node,
)
from sqlalchemy import text

from hotline.db import make_engine


@needs_kamailio_and_sipp
def test_a_call_answered_by_node_a_shows_its_case_live_on_node_b(tmp_path, new_pg_database):
    url = new_pg_database("hotline_nodes")
    nodes, kamailio, client = [], None, None
    stop = threading.Event()
    try:
        node_a = start_node(tmp_path / "a", url, name="node-a")
        nodes.append(node_a)
        node_a.wait_healthy(None)  # migrates and seeds the shared database first
        node_b = start_node(tmp_path / "b", url, name="node-b")
        nodes.append(node_b)
        assert node_b.wait_healthy(None)["node"] == "node-b"
        kamailio = start_kamailio(tmp_path / "kamailio", [f"127.0.0.1:{n.first_sip_port}" for n in nodes],
                                  env=dict(os.environ))
        engine = make_engine(url)
        client = signed_in_agent(engine, node_b.url)
        seen: list[dict] = []
        listener = threading.Thread(target=read_sse, args=(client, {"case.created"}, seen, stop), daemon=True)
        listener.start()
        time.sleep(1.0)  # the stream is open before the calls start

        code, out = run_sipp(tmp_path / "sipp", kamailio.port, calls=2, hold_ms=3000, rate=5)
        assert sipp_counts(out) == (2, 0), out[-3000:] + kamailio.log()

        deadline = time.monotonic() + 60
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        with engine.connect() as conn:
            cases = dict(conn.execute(text("select call_id, id from cases where channel = 'phone'")).all())
        assert len(cases) == 2  # round-robin: one call per node
        from_a = [e for e in seen if e.get("origin_node") == "node-a"]
        local = [e for e in seen if "origin_node" not in e]
        assert len(from_a) == 1 and len(local) == 1, seen  # B's console: A's case (bridged) and its own
        assert cases[from_a[0]["call_id"]] == from_a[0]["case_id"]
        assert from_a[0]["call_id"] != local[0]["call_id"]
        engine.dispose()
    finally:
        stop.set()
        if client is not None:
            client.close()
        if kamailio is not None:
            kamailio.stop()
        for node in nodes:
            code = node.stop()
            assert code in (0, -signal.SIGTERM), node.log()
