"""In-process event hub: threads publish, the asyncio loop fans out to subscribers (SSE streams).

Events are published only after the data they announce is committed.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime

from hotline.models.base import utcnow

log = logging.getLogger(__name__)
_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # call.started, call.partial, call.final, call.analysis, call.ended, case.created, ...
    data: dict
    at: datetime = field(default_factory=utcnow)
    id: int = field(default_factory=lambda: next(_ids))


class EventHub:
    def __init__(self, queue_size: int = 1000) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: set[asyncio.Queue[Event]] = set()
        self._listeners: list[Callable[[Event], None]] = []
        self._lock = threading.Lock()
        self._queue_size = queue_size
        self.dropped = 0  # events a slow subscriber did not take

    def attach_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """A synchronous listener, called on the publishing thread (keep it quick)."""
        with self._lock:
            self._listeners.append(listener)

    def publish(self, kind: str, **data: object) -> Event:
        """Thread-safe; never blocks the caller."""
        event = Event(kind, data)
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("event listener failed for %s", kind)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._fan_out, event)
        return event

    def _fan_out(self, event: Event) -> None:
        for queue in list(self._queues):
            if queue.full():
                queue.get_nowait()  # a slow subscriber loses its oldest event, not the newest
                self.dropped += 1
            queue.put_nowait(event)

    def open_queue(self) -> asyncio.Queue[Event]:
        """A queue that receives every event from now on (on the loop's thread); close it when done."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        self._queues.add(queue)
        return queue

    def close_queue(self, queue: asyncio.Queue[Event]) -> None:
        self._queues.discard(queue)

    async def subscribe(self) -> AsyncIterator[Event]:
        queue = self.open_queue()
        try:
            while True:
                yield await queue.get()
        finally:
            self.close_queue(queue)
