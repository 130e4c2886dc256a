"""Per-call media state shared by the SIP thread and the media clock thread (no pjsua2 here)."""

from __future__ import annotations

import logging

from hotline.sip.playback import PlaybackQueue
from hotline.sip.protocol import AudioSink
from hotline.sip.recording import RecordingWriter

log = logging.getLogger(__name__)


class MediaSession:
    """Caller frames go to the sink and the recorder; prompt frames come from the playback queue.

    ``on_caller_frame`` and ``next_playback_frame`` run on the clock thread: they copy and return.
    """

    def __init__(
        self, call_id: str, sink: AudioSink | None, writer: RecordingWriter, frame_bytes: int
    ) -> None:
        self.call_id = call_id
        self.sink = sink
        self.writer = writer
        self.playback = PlaybackQueue(frame_bytes)
        self.frames_received = 0
        self.frames_dropped = 0
        self._sink_errors = 0

    def on_caller_frame(self, pcm: bytes) -> None:
        self.frames_received += 1
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
                self.frames_dropped += 1
        self.writer.frame(self.call_id, pcm)

    def next_playback_frame(self) -> bytes | None:
        return self.playback.next_frame()
