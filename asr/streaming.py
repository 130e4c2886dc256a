"""Live transcription: one shared model, a warm recognizer pool, a bounded decode pool, one Stream per call.

Threading contract (read this before wiring it to pjsua2):
- ``Stream.feed`` is called from the media clock thread every 20 ms. It only appends to a bounded buffer
  under a lock held for a few microseconds, never decodes, never blocks and never raises; when the buffer is
  full it returns False and counts the dropped bytes.
- Decoding runs on ``decode_threads`` worker threads (default: one per core). A stream is queued to the
  workers when it has audio; one worker at a time drives its recognizer, so no recognizer is ever used by
  two threads (Kaldi would abort).
- ``on_partial(text)`` and ``on_final(utterance)`` are called on a decode thread, in order, for one stream.
  They must be quick and thread-safe (e.g. ``loop.call_soon_threadsafe``); exceptions are logged, not raised.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import deque
from itertools import count
from typing import Any

from asr import heap
from asr.decoding import SLICE_SECONDS, OnFinal, OnPartial, UtteranceDecoder
from asr.recognizer import Recognizer, SpeechModel
from asr.recognizer_pool import RecognizerPool, usable_phrases
from asr.transcript import Transcript

log = logging.getLogger(__name__)

TURN_SECONDS = 0.5  # audio one worker decodes for a stream before letting other streams go first
_STOP, _STREAM, _WARM_UP = 0, 1, 2  # decode-queue priorities


class TranscriptionService:
    """Owns the decode threads and the recognizer pool. Create once at start; ``shutdown()`` at exit."""

    def __init__(
        self,
        model: SpeechModel,
        *,
        decode_threads: int | None = None,
        pool_size: int = 8,
        model_rate: int | None = None,
        pool_rates: tuple[int, ...] | None = None,
        max_buffer_seconds: float = 120.0,
        warm_up: tuple[bytes, int] | None = None,
        warm_up_passes: int = 1,
        trim_when_idle: bool = True,
        final_after_silence_s: float | None = None,
        silence_dbfs: float = -45.0,
    ) -> None:
        """``warm_up=(pcm, sample_rate)``: speech each pooled recognizer decodes once at start, on the decode
        threads (the constructor does not wait), so the first calls do not pay Kaldi's cache warm-up
        (measured: 3.1 s CPU cold vs 0.8 s warm for 7.7 s of speech). Any few seconds of speech will do,
        e.g. a recorded greeting. ``warmed_up`` counts the recognizers done. ``warm_up_passes``: how many
        times each recognizer decodes it (Kaldi's per-recognizer caches keep growing, to a bound, over the
        first few dozen utterances; more passes reach that steady memory before the first call).

        ``pool_rates``: one pool of ``pool_size`` recognizers per rate, made at that rate; a stream at one
        of these rates is fed to Vosk as it comes (Vosk resamples inside, in C++: measured cheaper than our
        numpy resampler plus a model-rate recognizer, 8 kHz telephone audio to a 16 kHz model). A stream at
        another rate is resampled to ``model_rate`` (default: the model's own), whose pool is made when
        the first such stream comes.

        ``trim_when_idle``: when the last open stream finishes, give glibc's free heap pages back to the
        system (:func:`asr.heap.trim`), so the process's RSS between calls is what it holds, not what the
        last calls' decoding left scattered in malloc's arenas (see README, "Memory over many calls").
        ``final_after_silence_s``: a stream's utterance ends (its final is sent) once this much silence
        below ``silence_dbfs`` follows speech, without waiting for Kaldi's endpoint rules (see
        :mod:`asr.silence_final`); None: Kaldi's rules only."""
        self.model = model
        self.final_after_silence_s, self.silence_dbfs = final_after_silence_s, silence_dbfs
        rates = tuple(pool_rates or (model_rate or model.sample_rate,))
        self.model_rate = model_rate or model.sample_rate
        self.max_buffer_seconds = max_buffer_seconds
        self._pool_size = pool_size
        self.pools = {rate: RecognizerPool(model, pool_size, rate) for rate in rates}
        self.pool = self.pools[rates[0]]
        # (priority, order, task): stop first, then live streams, then warm-ups -- a call that comes while the
        # pool still warms up is decoded before the remaining warm-ups (FIFO, it waited behind all of them:
        # a fresh SIP worker's first call was deferred, measured under load)
        self._ready: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._order = count()
        self._ids = count(1)
        self._open: dict[int, Stream] = {}
        # streams with audio, waiting for a pooled recognizer (per pool rate)
        self._waiting: dict[int, deque[Stream]] = {rate: deque() for rate in self.pools}
        self.vosk_cpu_s = 0.0  # CPU spent inside the recognizers by finished streams (what Vosk costs)
        self._lock = threading.Lock()
        self._closed = False
        self.trim_when_idle = trim_when_idle
        self.idle_trims = 0  # times the heap was trimmed because no stream was open
        n = decode_threads or os.cpu_count() or 1
        self._workers = [
            threading.Thread(target=self._work, name=f"asr-decode-{i}", daemon=True) for i in range(n)
        ]
        for worker in self._workers:
            worker.start()
        self.warmed_up = 0
        self._warm_up, self._warm_up_passes = warm_up, warm_up_passes  # also for recycled recognizers
        if warm_up is not None:
            for pool in self.pools.values():
                for recognizer in pool.idle_recognizers():
                    self._put(_WARM_UP, _WarmUp(self, pool, recognizer, *warm_up, passes=warm_up_passes))

    def open_stream(
        self,
        sample_rate: int,
        *,
        on_partial: OnPartial | None = None,
        on_final: OnFinal | None = None,
        phrases: list[str] | None = None,
    ) -> Stream:
        """A stream of 16-bit mono little-endian PCM at ``sample_rate`` (8000 telephone, 16000 wideband)."""
        if self._closed:
            raise RuntimeError("TranscriptionService is shut down")
        if not 4000 <= sample_rate <= 192000:
            raise ValueError(f"sample_rate {sample_rate} is not an audio rate (use 8000 or 16000)")
        usable, ignored = usable_phrases(self.model, phrases or [])
        stream = Stream(self, next(self._ids), sample_rate, on_partial, on_final, usable, ignored)
        with self._lock:
            self._open[stream.id] = stream
        return stream

    def stats(self) -> dict[str, object]:
        with self._lock:
            streams = list(self._open.values())
            pools = list(self.pools.values())
            waiting = sum(len(w) for w in self._waiting.values())
        return {
            "open_streams": len(streams),
            "decode_threads": len(self._workers),
            "pool_idle": sum(pool.idle for pool in pools),
            "recognizers_created": sum(pool.created for pool in pools),
            "recognizers_recycled": sum(pool.recycled for pool in pools),
            "recognizers_live": sum(pool.live for pool in pools),
            "idle_trims": self.idle_trims,
            "streams_waiting": waiting,
            "vosk_cpu_s": round(self.vosk_cpu_s, 3),
            "warmed_up": self.warmed_up,
            "buffered_seconds": round(sum(s.buffered_seconds for s in streams), 3),
            "max_lag_s": round(max((s.lag_s for s in streams), default=0.0), 3),
            "dropped_bytes": sum(s.dropped_bytes for s in streams),
        }

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the workers (open streams stop decoding) and drop the pooled recognizers."""
        self._closed = True
        for _ in self._workers:
            self._put(_STOP, None)  # stops one worker
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        for pool in list(self.pools.values()):
            pool.clear()

    def __enter__(self) -> TranscriptionService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def _schedule(self, stream: Stream) -> None:
        self._put(_STREAM, stream)

    def _put(self, priority: int, task: Stream | _WarmUp | None) -> None:
        self._ready.put((priority, next(self._order), task))

    def decode_rate(self, sample_rate: int) -> int:
        """The rate a stream's recognizer runs at: its own when a pool has it, else ``model_rate``."""
        return sample_rate if sample_rate in self.pools else self.model_rate

    def _recognizer_for(self, stream: Stream) -> Recognizer | None:
        """A pooled recognizer for ``stream``, or None: then the stream waits and is scheduled on release."""
        rate = self.decode_rate(stream.sample_rate)
        with self._lock:
            if rate not in self.pools:
                self.pools[rate] = RecognizerPool(self.model, self._pool_size, rate)
                self._waiting[rate] = deque()
            recognizer = self.pools[rate].acquire(stream.phrases)
            if recognizer is None:
                self._waiting[rate].append(stream)
            return recognizer

    def _release(self, recognizer: Recognizer, *, healthy: bool, vosk_cpu_s: float = 0.0) -> None:
        rate = recognizer.sample_rate
        pool = self.pools.get(rate)
        made = pool.release(recognizer, healthy=healthy) if pool is not None else None
        if made is not None and pool is not None and self._warm_up is not None and not self._closed:
            self._put(_WARM_UP, _WarmUp(self, pool, made, *self._warm_up, passes=self._warm_up_passes))
        with self._lock:
            self.vosk_cpu_s += vosk_cpu_s
            waiting = self._waiting.get(rate)
            waiter = waiting.popleft() if waiting else None
        if waiter is not None:
            self._schedule(waiter)

    def _forget(self, stream: Stream) -> None:
        with self._lock:
            self._open.pop(stream.id, None)
            idle = not self._open
            if idle and self.trim_when_idle:
                self.idle_trims += 1
        if idle and self.trim_when_idle:
            heap.trim()  # no call live: what the heap keeps free now is leftovers of finished calls

    def _work(self) -> None:
        while (task := self._ready.get()[2]) is not None:
            task._run_turn()


class _WarmUp:
    """A decode-queue task: one pooled recognizer decodes the warm-up audio, unless a stream took it first."""

    def __init__(self, service: TranscriptionService, pool: RecognizerPool, recognizer: Recognizer,
                 pcm: bytes, sample_rate: int, *, passes: int = 1) -> None:
        self._service, self._recognizer, self._pcm, self._rate = service, recognizer, pcm, sample_rate
        self._pool, self._passes = pool, passes

    def _run_turn(self) -> None:
        pool = self._pool
        if not pool.take(self._recognizer):
            return
        try:
            for _ in range(self._passes):
                decoder = UtteranceDecoder(self._recognizer, self._rate)
                decoder.accept(self._pcm)
                decoder.finish()
            with self._service._lock:
                self._service.warmed_up += 1
        except Exception:
            log.exception("asr warm-up failed")
        finally:
            self._service._release(self._recognizer, healthy=True)


class Stream:
    """One live audio stream (one call). Create with :meth:`TranscriptionService.open_stream`."""

    def __init__(
        self,
        service: TranscriptionService,
        stream_id: int,
        sample_rate: int,
        on_partial: OnPartial | None,
        on_final: OnFinal | None,
        phrases: list[str],
        ignored: list[str],
    ) -> None:
        self.id = stream_id
        self.sample_rate = sample_rate
        self.phrases, self.ignored_phrases = phrases, ignored
        self._service = service
        self._hooks = (on_partial, on_final)
        self._lock = threading.Lock()
        self._chunks: deque[tuple[float, bytes]] = deque()  # (arrival time, pcm)
        self._buffered = 0
        self._max_buffer = int(service.max_buffer_seconds * sample_rate) * 2
        self._bytes_per_s = 2.0 * sample_rate
        # a decode turn starts once a whole Vosk slice is buffered: not one thread wake-up per 20 ms frame
        self._turn_bytes = int(SLICE_SECONDS * sample_rate) * 2
        self._scheduled = False
        self._closing = False
        self._done = threading.Event()
        self._decoder: UtteranceDecoder | None = None
        self._recognizer: Recognizer | None = None
        self._vosk_cpu_at_start = 0.0
        self._error: str | None = None
        self.dropped_bytes = 0
        self.max_buffered_bytes = 0
        self.max_lag_s = 0.0
        self._last_lag = 0.0
        self._decoding_since: float | None = None  # arrival time of the audio a worker is decoding now

    def feed(self, pcm: bytes) -> bool:
        """Queue audio for decoding. O(1); never blocks or raises. False: refused (buffer full or closed)."""
        try:
            size = len(pcm)
            chunk = pcm if type(pcm) is bytes else bytes(pcm)  # the caller may reuse its buffer
            with self._lock:
                if self._closing or self._buffered + size > self._max_buffer:
                    self.dropped_bytes += size
                    return False
                # when its first sample was captured: a block of frames arrives with its last one
                self._chunks.append((time.monotonic() - size / self._bytes_per_s, chunk))
                self._buffered += size
                if self._buffered > self.max_buffered_bytes:
                    self.max_buffered_bytes = self._buffered
                schedule = not self._scheduled and self._buffered >= self._turn_bytes
                if schedule:
                    self._scheduled = True
            if schedule:
                self._service._schedule(self)
            return True
        except Exception:  # a wrong type from the media thread must not kill the bridge
            try:
                self.dropped_bytes += len(pcm)
            except Exception:
                pass
            return False

    @property
    def buffered_seconds(self) -> float:
        return self._buffered / 2 / self.sample_rate

    @property
    def lag_s(self) -> float:
        """Age of the oldest audio not yet decoded (or the last measured lag when the buffer is empty)."""
        with self._lock:
            oldest = self._decoding_since or (self._chunks[0][0] if self._chunks else None)
        return time.monotonic() - oldest if oldest is not None else self._last_lag

    def close(self, timeout: float = 30.0) -> Transcript:
        """Stop accepting audio, decode what is buffered and return the transcript.

        Waits at most ``timeout`` seconds; if decoding is behind by more, the transcript so far is returned
        with ``complete=False`` and decoding finishes in the background (the recognizer returns to the pool).
        """
        with self._lock:
            self._closing = True
            schedule = not self._scheduled
            self._scheduled = True
        if schedule:
            self._service._schedule(self)
        finished = self._done.wait(timeout)
        return self._transcript(complete=finished and self._error is None)

    @property
    def waiting_for_recognizer(self) -> bool:
        """True while every pooled recognizer is busy and this stream waits for one to be released."""
        with self._service._lock:
            return any(self in waiting for waiting in self._service._waiting.values())

    def abandon(self) -> None:
        """Give up live decoding: drop the buffered audio and refuse more, decode nothing further (the caller
        transcribes the recording later). The recognizer, if any, returns to the pool after its next turn;
        ``close()`` afterwards returns at once with what was decoded so far."""
        with self._lock:
            self._closing = True
            self._chunks.clear()
            self._buffered = 0
            schedule = not self._scheduled
            self._scheduled = True
        with self._service._lock:
            line = next((w for w in self._service._waiting.values() if self in w), None)
            waiting = line is not None
            if line is not None:
                line.remove(self)
        if waiting:
            self._finish()  # holds no recognizer
        elif schedule:
            self._service._schedule(self)

    def _transcript(self, *, complete: bool) -> Transcript:
        decoder = self._decoder
        return Transcript(
            utterances=list(decoder.utterances) if decoder else [],
            audio_seconds=round(decoder.audio_seconds, 3) if decoder else 0.0,
            sample_rate=self.sample_rate,
            dropped_bytes=self.dropped_bytes,
            max_lag_s=round(self.max_lag_s, 3),
            complete=complete,
            error=self._error,
        )

    def _run_turn(self) -> None:
        """Decode up to TURN_SECONDS of buffered audio; runs on a decode thread, never two at once."""
        if self._done.is_set():
            return
        if self._decoder is None:
            try:
                self._recognizer = self._service._recognizer_for(self)
            except Exception as exc:  # e.g. a grammar Vosk refuses
                log.exception("asr stream %s: no recognizer", self.id)
                self._error = f"decoding failed: {exc}"
                self._finish()
                return
            if self._recognizer is None:
                return  # every recognizer is busy: scheduled again when one is released
            self._vosk_cpu_at_start = getattr(self._recognizer, "vosk_cpu_s", 0.0)
            self._decoder = UtteranceDecoder(
                self._recognizer, self.sample_rate, on_partial=self._hooks[0], on_final=self._hooks[1],
                final_after_silence_s=self._service.final_after_silence_s,
                silence_dbfs=self._service.silence_dbfs,
            )
        budget = int(TURN_SECONDS * self.sample_rate) * 2
        taken: list[bytes] = []
        first_arrival: float | None = None
        with self._lock:
            while self._chunks and budget > 0:
                arrival, chunk = self._chunks.popleft()
                first_arrival = first_arrival or arrival
                taken.append(chunk)
                budget -= len(chunk)
                self._buffered -= len(chunk)
            finishing = self._closing and not self._chunks
            self._decoding_since = first_arrival
        try:
            if first_arrival is not None:  # audio was taken
                self._decoder.accept(b"".join(taken))
                self._last_lag = time.monotonic() - first_arrival
                self.max_lag_s = max(self.max_lag_s, self._last_lag)
            if finishing:
                self._decoder.finish()
        except Exception as exc:
            log.exception("asr stream %s: decoding failed", self.id)
            self._error = f"decoding failed: {exc}"
            finishing = True
        if finishing:
            self._finish()
            return
        with self._lock:
            self._decoding_since = None
            again = self._buffered >= self._turn_bytes or self._closing
            self._scheduled = again
        if again:
            self._service._schedule(self)

    def _finish(self) -> None:
        self._decoding_since = None
        if self._recognizer is not None:
            spent = getattr(self._recognizer, "vosk_cpu_s", 0.0) - self._vosk_cpu_at_start
            self._service._release(self._recognizer, healthy=self._error is None, vosk_cpu_s=spent)
            self._recognizer = None
        self._service._forget(self)
        self._done.set()
