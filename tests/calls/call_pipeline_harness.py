"""Test/bench harness: a real PjsuaEndpoint wired to the real LiveCallPipeline, in its own process.

    python call_pipeline_harness.py --sip-conf SIP_CONF --db-url URL --data-dir DIR --events EVENTS_JSONL
                                    [--model VOSK_MODEL_DIR] [--flush-every 1.0] [--warm-up WAV]
                                    [--pool-size 8] [--agent-queue] [--no-idle-trim]

Wires the pieces as the hotline runtime does (database, ContactAnalyzer, TranscriptionService, Spool,
LiveCallPipeline, spool flushing and the 转写排队 worker on a timer) and writes every hub event as one
JSON line (with the monotonic time ``t``, and the process RSS and glibc's heap on ``case.created``: a
reading taken while other calls are live, so it includes their decoding state). A line ``SAMPLE`` on stdin
writes a ``memory.sample`` event once no call is live and every pooled recognizer is idle (or after 60 s,
with ``quiet: false``): smaps_rollup's Rss/Pss/Private_Dirty/Anonymous, glibc's heap and the Python object
count -- the comparable between-calls reading; the object count walks every object, so it is taken only
then, never while pipeline threads are building objects. ``call.final`` lines also carry ``lag_s``: wall time
from the end of the utterance in the caller's audio to the final result. A missing model starts the pipeline
without transcription, as the runtime does. Prints "READY <sip port>" when answering; on stdin EOF or SIGTERM
stops the endpoint, the pipeline and the ASR, prints "STOPPED" and exits 0. An abort in pjsua2 shows as a
non-zero exit status, never in the test process.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from asr import heap
from hotline.calls.analyzer import ContactAnalyzer
from hotline.calls.caller_screen import DatabaseCallerScreen
from hotline.calls.live import LiveCallPipeline
from hotline.calls.registry import LiveCallRegistry
from hotline.calls.spool import Spool
from hotline.db import make_engine, make_session_factory
from hotline.events import EventHub
from hotline.sip.config import load_sip_config
from hotline.sip.pjsua_adapter import PjsuaEndpoint


def rss_kb(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class _TimedSink:
    """Notes when the first caller frame arrived (stream time 0) so final-result lag can be measured."""

    __slots__ = ("_push", "_first", "_key", "_on_first", "_bytes_per_s")

    def __init__(self, sink, first: dict, key: str, sample_rate: int) -> None:
        self._push, self._first, self._key = sink.push, first, key
        self._on_first = True
        self._bytes_per_s = 2.0 * sample_rate

    def push(self, pcm: bytes) -> bool:
        if self._on_first:  # a block of frames comes with its last frame: time its first one
            self._on_first = False
            self._first[self._key] = time.monotonic() - len(pcm) / self._bytes_per_s
        return self._push(pcm)


class TimedPipeline(LiveCallPipeline):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.first_frame_at: dict[str, float] = {}

    def on_call_started(self, call):
        sink = super().on_call_started(call)
        if sink is None:
            return None
        return _TimedSink(sink, self.first_frame_at, call.call_id, call.sample_rate)


class EventWriter:
    def __init__(self, path: Path, pipeline_ref: list) -> None:
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._lock = threading.Lock()
        self._pipeline_ref = pipeline_ref

    def __call__(self, event) -> None:
        record = {"event": event.kind, "t": time.monotonic(), **event.data}
        if event.kind == "call.final" and self._pipeline_ref:
            first = self._pipeline_ref[0].first_frame_at.get(event.data["call_id"])
            if first is not None:
                record["lag_s"] = round(record["t"] - (first + event.data["end"]), 3)
        elif event.kind == "call.ended" and self._pipeline_ref:
            self._pipeline_ref[0].first_frame_at.pop(event.data["call_id"], None)
        if event.kind == "case.created":
            record["rss_kb"] = rss_kb()
            record.update(heap.malloc_kb())
            record.update(self._asr_stats())
        self.write(record)

    def memory_sample(self, registry: LiveCallRegistry, timeout: float = 60.0) -> None:
        """The between-calls reading: waits until no call is live and the pool is idle (a recycled
        recognizer's warm-up done), then reads memory and counts Python objects."""
        transcriber = self._pipeline_ref[0].transcriber if self._pipeline_ref else None
        deadline = time.monotonic() + timeout
        while True:
            stats = transcriber.stats() if transcriber is not None else {}
            quiet = (len(registry) == 0 and not stats.get("open_streams")
                     and stats.get("pool_idle") == stats.get("recognizers_live"))
            if quiet or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        record = {"event": "memory.sample", "t": time.monotonic(), "quiet": quiet,
                  **heap.smaps_rollup_kb(), **heap.malloc_kb(), "python_objects": len(gc.get_objects()),
                  **self._asr_stats()}
        self.write(record)

    def _asr_stats(self) -> dict:
        transcriber = self._pipeline_ref[0].transcriber if self._pipeline_ref else None
        if transcriber is None:
            return {}
        stats = transcriber.stats()
        return {"recognizers": stats["recognizers_live"],  # the pool's size: it never grows
                "recognizers_recycled": stats["recognizers_recycled"], "vosk_cpu_s": stats.get("vosk_cpu_s"),
                "idle_trims": stats.get("idle_trims")}

    def write(self, record: dict) -> None:
        line = json.dumps(record, ensure_ascii=False, default=str)
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


def start_asr(model_dir: str | None, warm_up: str | None, pool_size: int, warm_up_passes: int = 1,
               rate: int | None = None, trailing_silence: float | None = None,
               final_after_silence: float | None = None, silence_dbfs: float = -45.0,
               trim_when_idle: bool = True):
    """(TranscriptionService, None) or (None, why not), like the runtime."""
    from asr import ModelNotFoundError, TranscriptionService, load_model

    try:
        model = load_model(Path(model_dir or "/nonexistent-vosk-model"), trailing_silence=trailing_silence)
    except ModelNotFoundError as exc:
        logging.warning("live transcription is OFF: %s", exc)
        return None, "未配置语音识别模型"
    pcm = None
    if warm_up:
        from asr.audio_file import open_audio

        source = open_audio(warm_up)
        pcm = (b"".join(source.blocks), source.sample_rate)
    service = TranscriptionService(model, pool_size=pool_size, warm_up=pcm, warm_up_passes=warm_up_passes,
                                    pool_rates=(rate,) if rate else None, trim_when_idle=trim_when_idle,
                                    final_after_silence_s=final_after_silence, silence_dbfs=silence_dbfs)
    deadline = time.monotonic() + 60 * warm_up_passes + 60
    while pcm is not None and service.warmed_up < pool_size and time.monotonic() < deadline:
        time.sleep(0.1)  # answer calls only once every pooled recognizer has decoded the warm-up audio
    return service, None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sip-conf", required=True, type=Path)
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--events", required=True, type=Path)
    parser.add_argument("--model")
    parser.add_argument("--warm-up")
    parser.add_argument("--flush-every", type=float, default=1.0)
    parser.add_argument("--pool-size", type=int, default=8, help="pooled recognizers (asr default 8)")
    parser.add_argument("--close-timeout", type=float, default=30.0)
    parser.add_argument("--warm-up-passes", type=int, default=1, help="times each recognizer decodes it")
    parser.add_argument("--no-idle-trim", action="store_true",
                        help="do not malloc_trim when the last call's stream finishes (the soak's baseline)")
    parser.add_argument("--agent-queue", action="store_true",
                        help="queue callers for agents over the database, as `hotline serve` does")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(threadName)s %(name)s: %(message)s")

    engine = make_engine(args.db_url)
    session_factory = make_session_factory(engine)
    with session_factory() as session:
        analyzer = ContactAnalyzer.load(session, model_dir=None, registry_root=None, threshold=0.45)
    config = load_sip_config(args.sip_conf)
    transcriber, asr_problem = start_asr(args.model, args.warm_up, args.pool_size, args.warm_up_passes,
                                         config.media.clock_rate, config.asr.trailing_silence_s,
                                         config.asr.final_after_silence_s,
                                         config.limits.silence_threshold_dbfs,
                                         trim_when_idle=not args.no_idle_trim)
    hub = EventHub()
    pipeline_ref: list = []
    registry = LiveCallRegistry()
    writer = EventWriter(args.events, pipeline_ref)
    hub.add_listener(writer)
    pipeline = TimedPipeline(
        transcriber=transcriber, analyze=analyzer, session_factory=session_factory, hub=hub,
        registry=registry, spool=Spool(args.data_dir / "spool"),
        asr_unavailable_reason=asr_problem or "", close_timeout_s=args.close_timeout,
        worker_name=f"harness-{os.getpid()}",
    )
    pipeline_ref.append(pipeline)
    pipeline.flush_spool()
    deferred = None
    if transcriber is not None:  # calls decoded past capacity are transcribed from their recording
        from hotline.calls.deferred_transcription import DeferredTranscriber

        deferred = DeferredTranscriber(session_factory=session_factory, transcriber=transcriber,
                                       analyze=analyzer, policy=pipeline.policy, name="harness", hub=hub)
    queue = None
    if args.agent_queue:
        from hotline.calls.agent_queue import DatabaseAgentQueue

        queue = DatabaseAgentQueue(session_factory, worker="harness", wrap_up_s=config.queue.wrap_up_s,
                                   hub=hub)
    endpoint = PjsuaEndpoint(config, pipeline, queue=queue)
    endpoint.screen = DatabaseCallerScreen(session_factory)  # the nuisance-caller list, as the runtime does
    endpoint.start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def read_commands() -> None:  # SAMPLE: a between-calls memory reading; EOF: stop
        for command in sys.stdin:
            if command.strip() == "SAMPLE":
                writer.memory_sample(registry)
        stop.set()

    threading.Thread(target=read_commands, name="commands", daemon=True).start()

    def flush_loop() -> None:  # the runtime's scheduler job, faster
        while not stop.wait(args.flush_every):
            try:
                pipeline.flush_spool()
            except Exception:
                logging.exception("spool flush failed")
            if deferred is not None:
                deferred.start_run()

    flusher = threading.Thread(target=flush_loop, name="spool-flush", daemon=True)
    flusher.start()
    print(f"READY {endpoint.local_port or ''}".strip(), flush=True)
    stop.wait()
    endpoint.stop()
    pipeline.close()
    flusher.join(5)
    pipeline.flush_spool()
    if transcriber is not None:
        transcriber.shutdown()
    writer.close()
    engine.dispose()
    print("STOPPED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
