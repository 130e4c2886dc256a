"""One SIP worker process: a pjsua2 Endpoint (4 calls), its own Vosk model and the live-call pipeline, which
writes cases to the database itself. Started by the supervisor::

    python -m hotline.workers.worker --index I --events-fd FD [--node NAME] [--analysis-fd FD]

With ``--analysis-fd`` the contact analysis is asked of the main process (one analyzer per machine, see
:mod:`hotline.workers.analysis_channel`); without, the worker loads its own.

Settings come from the HOTLINE_* environment like `hotline serve`. Events go to the main process as JSON
lines on FD; the worker stops cleanly on SIGTERM or when its stdin closes (the main process is gone).
On start it first replays what its previous incarnation left: calls cut by a crash (journal) and finished
calls not yet written (spool).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
import time

from hotline.workers.channel import EventWriter

log = logging.getLogger("hotline.worker")
STATUS_EVERY_S = 2.0
FLUSH_EVERY_S = 5.0
DEFERRED_EVERY_S = 10.0


def run_worker(index: int, events: EventWriter, *, node: str = "", decode_threads: int | None = None,
               stop: threading.Event, analyzer=None) -> int:
    from hotline.calls.caller_screen import DatabaseCallerScreen
    from hotline.calls.live import LiveCallPipeline
    from hotline.calls.recording_retention import purge_hook
    from hotline.calls.registry import LiveCallRegistry
    from hotline.calls.speech_policy import SpeechPolicy
    from hotline.calls.spool import Spool
    from hotline.events import EventHub
    from hotline.settings import load_settings
    from hotline.sip.config import WHEEL_MAX_CALLS
    from hotline.sip.pjsua_adapter import PjsuaEndpoint
    from hotline.sip.protocol import SipStartError
    from hotline.workers.journal import CallJournal, JournalingObserver
    from hotline.workers.layout import worker_name, worker_sip_config, worker_spool_dir
    from hotline.workers.services import CallServices

    settings = load_settings()
    name = f"{node}/{worker_name(index)}" if node else worker_name(index)
    services = CallServices.build(settings, decode_threads=decode_threads, recognizers=WHEEL_MAX_CALLS,
                                  analyzer=analyzer)
    config = worker_sip_config(services.sip_config, index)
    hub = EventHub()
    hub.add_listener(events.forward)
    spool = Spool(worker_spool_dir(settings.data_dir, index))
    journal = CallJournal(spool.directory / "inflight")
    hub.add_listener(journal.on_event)
    pipeline = LiveCallPipeline(
        transcriber=services.transcriber, analyze=services.analyzer, session_factory=services.session_factory,
        hub=hub, registry=LiveCallRegistry(), spool=spool, asr_unavailable_reason=services.asr_problem or "",
        worker_name=name, speech_policy=SpeechPolicy.from_settings(settings),
    )
    cut = journal.recover(spool, recordings_dir=config.recording.directory, timezone=settings.timezone,
                          frame_bytes=config.media.clock_rate // 50 * 2, worker=name,
                          analyze=services.analyzer)
    pipeline.flush_spool()
    from hotline.calls.agent_queue import DatabaseAgentQueue

    queue = DatabaseAgentQueue(services.session_factory, worker=name, wrap_up_s=config.queue.wrap_up_s,
                               hub=hub)
    queue.close_orphans()
    endpoint = PjsuaEndpoint(config, JournalingObserver(pipeline, journal), timezone=settings.timezone,
                             queue=queue)
    endpoint.writer.on_purged = purge_hook(services.session_factory, config.recording.retention_days)
    endpoint.screen = DatabaseCallerScreen(services.session_factory)
    try:
        endpoint.start()
    except SipStartError as exc:
        log.error("%s cannot start: %s", name, exc)
        events.send("worker.failed", {"worker": index, "error": str(exc)})
        services.close()
        return 3
    t = config.transport
    events.send("worker.ready", {"worker": index, "name": name, "pid": os.getpid(), "sip_port": t.udp_port,
                                 "address": t.bind_address, "asr": services.asr_status,
                                 "recovered_calls": cut})
    log.info("%s answering on %s:%d", name, t.bind_address, t.udp_port)
    if services.transcriber is not None:
        _work_deferred_transcriptions(services, pipeline, name, stop)
    next_flush = time.monotonic() + FLUSH_EVERY_S
    while not stop.wait(STATUS_EVERY_S) and not events.closed:
        stats = services.transcriber.stats() if services.transcriber is not None else {}
        events.send("worker.status", {"worker": index, "active_calls": endpoint.active_calls(),
                                      "calls": [c["call_id"] for c in pipeline.registry.snapshots()],
                                      "asr_max_lag_s": stats.get("max_lag_s", 0.0),
                                      "asr_buffered_s": stats.get("buffered_seconds", 0.0),
                                      "asr_streams_waiting": stats.get("streams_waiting", 0),
                                      "pending_cases": len(spool.pending()),
                                      "quarantined_cases": len(spool.quarantined())})
        if time.monotonic() >= next_flush:
            pipeline.flush_spool()
            next_flush = time.monotonic() + FLUSH_EVERY_S
    endpoint.stop()
    pipeline.close()
    pipeline.flush_spool()
    services.close()
    return 0


def _work_deferred_transcriptions(services, pipeline, name: str, stop: threading.Event) -> None:
    """Transcribe recordings of calls decoded past capacity (转写排队), on a thread of its own so that the
    status loop keeps reporting while a recording is decoded."""
    from hotline.calls.deferred_transcription import DeferredTranscriber

    deferred = DeferredTranscriber(session_factory=services.session_factory, transcriber=services.transcriber,
                                   analyze=services.analyzer, policy=pipeline.policy, name=name)

    def loop() -> None:
        while not stop.wait(DEFERRED_EVERY_S):
            deferred.run()

    threading.Thread(target=loop, name="deferred-transcription", daemon=True).start()
def setup_logging(index: int) -> None:
    """Log like `hotline serve` (its --log-format, level and time zone, passed in the environment), with the
    worker's name on every line."""
    from hotline.log_format import FORMAT_ENV, configure_logging

    configure_logging(level=os.environ.get("HOTLINE_LOG_LEVEL", "INFO"),
                      timezone=os.environ.get("HOTLINE_TIMEZONE", "Asia/Shanghai"),
                      fmt=os.environ.get(FORMAT_ENV, "text"), worker=f"worker-{index}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=int, required=True)
    parser.add_argument("--events-fd", type=int, required=True)
    parser.add_argument("--node", default="")
    parser.add_argument("--decode-threads", type=int, default=None, help="ASR threads (default: 1 per core)")
    parser.add_argument("--analysis-fd", type=int, default=None,
                        help="socket to the main process's contact analyzer (default: load one here)")
    args = parser.parse_args(argv)
    setup_logging(args.index)
    events = EventWriter(os.fdopen(args.events_fd, "w", encoding="utf-8"))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    def watch_parent() -> None:  # the parent closes our stdin when it wants us to stop (or dies)
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_parent, daemon=True, name="parent-watch").start()
    analyzer = None
    if args.analysis_fd is not None:
        from hotline.workers.analysis_channel import RemoteAnalyzer

        analyzer = RemoteAnalyzer(socket.socket(fileno=args.analysis_fd))
    try:
        code = run_worker(args.index, events, node=args.node, decode_threads=args.decode_threads, stop=stop,
                          analyzer=analyzer)
    except Exception:
        log.exception("worker %d failed", args.index)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # no interpreter teardown with pjsua2 objects around


if __name__ == "__main__":
    main()
