"""Per-call media state shared by the SIP thread and the media clock thread (no pjsua2 here)."""

from __future__ import annotations

import logging
import threading

from hotline.sip.playback import PlaybackQueue
from hotline.sip.protocol import AudioSink
from hotline.sip.recording import RecordingWriter

log = logging.getLogger(__name__)

# Caller frames are handed on in blocks of this many 20 ms frames (100 ms: one Vosk slice), so the sink and
# the recorder each get one call (and one thread wake-up) per block instead of one per frame.
BLOCK_FRAMES = 5


class MediaSession:
    """Caller frames go to the sink and the recorder; prompt frames come from the playback queue.

    ``on_caller_frame`` and ``next_playback_frame`` run on the clock thread: they copy and return. Caller
    frames are collected into blocks of ``block_frames``; ``flush`` (the SIP thread, once the port is
    unbound) hands on the last, shorter block.
    """

    def __init__(
        self, call_id: str, sink: AudioSink | None, writer: RecordingWriter, frame_bytes: int,
        block_frames: int = BLOCK_FRAMES,
    ) -> None:
        self.call_id = call_id
        self.sink = sink
        self.writer = writer
        self.playback = PlaybackQueue(frame_bytes)
        self.block_frames = max(1, block_frames)
        self.frames_received = 0
        self.frames_dropped = 0
        self._sink_errors = 0
        self._block: list[bytes] = []
        self._lock = threading.Lock()  # the clock thread and a flush on the SIP thread

    def on_caller_frame(self, pcm: bytes) -> None:
        with self._lock:  # held while a block is handed on: blocks reach the sink in order
            self.frames_received += 1
            block = self._block
            block.append(pcm)
            if len(block) >= self.block_frames:
                self._block = []
                self._hand_on(block)

    def flush(self) -> None:
        """Hand on the frames of an unfinished block (the call's last audio)."""
        with self._lock:
            block, self._block = self._block, []
            if block:
                self._hand_on(block)

    def _hand_on(self, frames: list[bytes]) -> None:
        pcm = frames[0] if len(frames) == 1 else b"".join(frames)
        sink = self.sink
        if sink is not None:
            try:
                accepted = sink.push(pcm)
            except BaseException:
                accepted = False
                self._sink_errors += 1
                if self._sink_errors in (1, 100, 10000):
                    log.exception(
                        "call %s: AudioSink.push raised (%d times)", self.call_id, self._sink_errors
                    )
            if not accepted:
                self.frames_dropped += len(frames)
        self.writer.frame(self.call_id, pcm)

    def next_playback_frame(self) -> bytes | None:
        return self.playback.next_frame()
