"""Events between hotline nodes sharing one PostgreSQL: LISTEN/NOTIFY on channel ``hotline_events``.

Why PostgreSQL rather than Redis pub/sub: every node already holds a connection to the one database, so
there is no second service to run, secure and monitor; a NOTIFY is delivered to every listening session in
commit order; and the events that cross nodes (case.created, case.updated, callback.*) are a few per minute,
far below what NOTIFY carries. Live-call events (partials every few hundred ms) stay on their node: the
console of the node that answered shows them.

Each node publishes its own cross-node events (a hub listener queues them; a sender thread NOTIFYs on its
own connection) and a listener thread republishes other nodes' events into the local hub with
``origin_node`` set, which also keeps them from being sent back. Payloads over the 8000-byte NOTIFY limit
are skipped with a warning. While the database connection is down events are not exchanged (the console
lists still come from the database); the threads reconnect with a backoff.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import threading

from hotline.events import Event, EventHub

log = logging.getLogger(__name__)
CHANNEL = "hotline_events"
CROSS_NODE_PREFIXES = ("case.", "callback.", "contact.", "topic.")
MAX_PAYLOAD = 7900
RETRY_S = (0.5, 1.0, 2.0, 5.0)


def libpq_url(sqlalchemy_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgEventBridge:
    def __init__(self, database_url: str, hub: EventHub, *, node: str | None = None,
                 prefixes: tuple[str, ...] = CROSS_NODE_PREFIXES) -> None:
        self.dsn = libpq_url(database_url)
        self.hub = hub
        self.node = node or f"{socket.gethostname()}:{os.getpid()}"
        self.prefixes = prefixes
        self.sent = self.received = self.skipped = 0
        self._outbox: queue.SimpleQueue[Event | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._threads = [threading.Thread(target=self._listen, name="node-events-listen", daemon=True),
                         threading.Thread(target=self._send, name="node-events-send", daemon=True)]

    def start(self, timeout: float = 10.0) -> None:
        self.hub.add_listener(self._on_local_event)
        for thread in self._threads:
            thread.start()
        if not self._listening.wait(timeout):
            log.error("node events: not listening on PostgreSQL after %.0f s; retrying in the background",
                      timeout)

    def stop(self) -> None:
        self._stop.set()
        self._outbox.put(None)
        for thread in self._threads:
            thread.join(3)

    # ------------------------------------------------------------------ outgoing
    def _on_local_event(self, event: Event) -> None:
        if event.kind.startswith(self.prefixes) and "origin_node" not in event.data:
            self._outbox.put(event)

    def _send(self) -> None:
        import psycopg

        conn = None
        failures = 0
        while not self._stop.is_set():
            event = self._outbox.get()
            if event is None:
                break
            payload = json.dumps({"node": self.node, "kind": event.kind, "data": event.data},
                                 ensure_ascii=False, default=str)
            if len(payload.encode()) > MAX_PAYLOAD:
                self.skipped += 1
                log.warning("node events: %s is too large for NOTIFY (%d bytes); not shared", event.kind,
                            len(payload.encode()))
                continue
            while not self._stop.is_set():
                try:
                    if conn is None or conn.closed:
                        conn = psycopg.connect(self.dsn, autocommit=True)
                    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                    self.sent += 1
                    failures = 0
                    break
                except psycopg.Error as exc:
                    conn = None
                    failures += 1
                    log.warning("node events: cannot NOTIFY (%s); retrying", exc)
                    self._stop.wait(RETRY_S[min(failures, len(RETRY_S)) - 1])
        if conn is not None:
            conn.close()

    # ------------------------------------------------------------------ incoming
    def _listen(self) -> None:
        import psycopg

        failures = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    failures = 0
                    while not self._stop.is_set():
                        for notify in conn.notifies(timeout=0.5):
                            self._on_remote(notify.payload)
            except psycopg.Error as exc:
                failures += 1
                log.warning("node events: listener connection lost (%s); reconnecting", exc)
                self._stop.wait(RETRY_S[min(failures, len(RETRY_S)) - 1])

    def _on_remote(self, payload: str) -> None:
        try:
            message = json.loads(payload)
            if message.get("node") == self.node:
                return
            data = dict(message.get("data") or {})
            data["origin_node"] = message.get("node")
            self.received += 1
            self.hub.publish(str(message["kind"]), **data)
        except (ValueError, KeyError, TypeError):
            log.warning("node events: unreadable payload %r", payload[:200])
