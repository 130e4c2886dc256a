"""What a call hears: a queue of PCM items consumed 20 ms at a time by the media clock thread."""

from __future__ import annotations

import threading
from collections import deque


class PlaybackQueue:
    """Thread-safe: the SIP thread enqueues/stops, the clock thread takes frames (a few microseconds)."""

    def __init__(self, frame_bytes: int) -> None:
        self.frame_bytes = frame_bytes
        self._lock = threading.Lock()
        self._items: deque[tuple[str, bytes]] = deque()
        self._offset = 0
        self._finished: deque[str] = deque()

    def enqueue(self, name: str, pcm: bytes) -> None:
        if len(pcm) % self.frame_bytes:  # pad the tail to whole frames
            pcm = pcm + bytes(self.frame_bytes - len(pcm) % self.frame_bytes)
        with self._lock:
            self._items.append((name, pcm))

    def stop(self) -> list[str]:
        """Drop everything queued (barge-in); returns the names dropped."""
        with self._lock:
            names = [name for name, _ in self._items]
            self._items.clear()
            self._offset = 0
        return names

    @property
    def busy(self) -> bool:
        return bool(self._items)

    def next_frame(self) -> bytes | None:
        """The next 20 ms of audio, or None when idle (clock thread)."""
        with self._lock:
            if not self._items:
                return None
            name, pcm = self._items[0]
            frame = pcm[self._offset : self._offset + self.frame_bytes]
            self._offset += self.frame_bytes
            if self._offset >= len(pcm):
                self._items.popleft()
                self._offset = 0
                self._finished.append(name)
            return frame

    def pop_finished(self) -> list[str]:
        """Names of items played to the end since the last call (SIP thread)."""
        out = []
        while self._finished:
            out.append(self._finished.popleft())
        return out
