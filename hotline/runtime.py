"""Composition root: builds and wires the running hotline. The only place that picks implementations
(real pjsua2 or the fake endpoint, the Vosk model, the database URL, SIP in-process or SIP workers).

Two shapes (see /work/shared/ARCHITECTURE.md "Threads and processes"):
- embedded (``sip_workers=1``): one pjsua2 endpoint in this process answers the configured port (4 calls);
- worker pool (``sip_workers=N>1``): N worker processes on consecutive ports (behind Kamailio) answer and
  write cases themselves; this process supervises them, mirrors their calls into the live-call registry and
  their events into the hub, and keeps a SIP endpoint of its own on port base+N for outbound callbacks.
On PostgreSQL, case and callback events are also exchanged with the other nodes (LISTEN/NOTIFY).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from hotline.calls.caller_screen import DatabaseCallerScreen
from hotline.calls.live import LiveCallPipeline
from hotline.calls.recording_retention import purge_hook
from hotline.calls.registry import LiveCallRegistry
from hotline.calls.speech_policy import SpeechPolicy
from hotline.calls.spool import Spool
from hotline.events import EventHub
from hotline.settings import Settings
from hotline.workers.services import CallServices

if TYPE_CHECKING:
    from callbacks.service import CallbackRunner
    from hotline.sip.protocol import SipEndpoint

log = logging.getLogger("hotline")
SPOOL_FLUSH_SECONDS = 5
ROLLUP_REFRESH_SECONDS = 60
SMS_SECONDS = 20
DEFERRED_TRANSCRIPTION_SECONDS = 10
KEEP_REPORTS_MINUTES = 60
BREACH_WARNING_MINUTES = 5  # 临期预警 (HOTLINE_WARNING_SHARE of a case's time limit used)


def _report_labels() -> dict:
    """The display tables live with the web layer's labels (the composition root may reach both)."""
    from web.labels import CHANNEL, INTENT

    return {"intent": INTENT, "channel": CHANNEL}
ROLLUP_BUILD_IN_BACKGROUND_MAX = 50_000  # cases; a first build of this many takes seconds


@dataclass
class Hotline:
    """Everything one `hotline serve` process runs. ``start()`` then ``stop()``."""

    settings: Settings
    fake_sip: bool = False
    sip_workers: int = 1
    node_name: str = ""
    hub: EventHub = field(default_factory=EventHub)
    live_calls: LiveCallRegistry = field(default_factory=LiveCallRegistry)
    components: dict[str, object] = field(default_factory=dict)  # component -> status for /healthz

    def start(self) -> None:
        if self.sip_workers > 1 and self.fake_sip:
            raise ValueError("--fake-sip runs no SIP at all; it cannot be combined with --sip-workers")
        s = self.settings
        pool = self.sip_workers > 1
        self.services = CallServices.build(s, with_asr=not pool)  # workers load their own model
        self.engine, self.session_factory = self.services.engine, self.services.session_factory
        self.analyzer, self.transcriber = self.services.analyzer, self.services.transcriber
        self.components["asr"] = "in the SIP workers" if pool else self.services.asr_status
        self.pipeline = LiveCallPipeline(
            transcriber=self.transcriber, analyze=self.analyzer, session_factory=self.session_factory,
            hub=self.hub, registry=self.live_calls, spool=Spool(s.data_dir / "spool"),
            asr_unavailable_reason=self.services.asr_problem or "",
            speech_policy=SpeechPolicy.from_settings(s),
        )
        self.pipeline.flush_spool()  # calls finished before a crash or a database outage
        self.node_events = self._start_node_events()
        self.workers = self._start_workers() if pool else None
        self.sip = self._start_sip(port_offset=self.sip_workers if pool else 0)
        self._use_recorded_prompts()
        self.callback_runner: CallbackRunner | None = None
        self._rollup_warned = False
        self.scheduler = self._start_scheduler()

    def _start_node_events(self):
        if not self.settings.effective_database_url.startswith("postgresql"):
            return None  # SQLite: one node only, nothing to exchange
        from hotline.workers.node_events import PgEventBridge

        bridge = PgEventBridge(self.settings.effective_database_url, self.hub, node=self.node_name or None)
        bridge.start()
        self.components["node"] = bridge.node
        return bridge

    def _start_workers(self):
        from hotline.workers.layout import check_layout
        from hotline.workers.supervisor import WorkerSupervisor

        check_layout(self.services.sip_config, self.sip_workers + 1)
        supervisor = WorkerSupervisor(self.sip_workers, settings=self.settings, hub=self.hub,
                                      registry=self.live_calls, node=self.node_name, analyze=self.analyzer)
        supervisor.start()
        if not supervisor.wait_ready(60):
            log.error("not every SIP worker is up after 60 s: %s", supervisor.summary())
        return supervisor

    def _start_sip(self, port_offset: int = 0) -> SipEndpoint:
        from hotline.workers.layout import worker_sip_config

        config = worker_sip_config(self.services.sip_config, port_offset)
        endpoint: SipEndpoint
        if self.fake_sip:
            from hotline.sip.fake import FakeSipEndpoint

            endpoint = FakeSipEndpoint(config, self.pipeline, timezone=self.settings.timezone)
        else:
            from hotline.sip.pjsua_adapter import PjsuaEndpoint

            endpoint = PjsuaEndpoint(config, self.pipeline, timezone=self.settings.timezone,
                                     queue=None if port_offset else self._agent_queue(config))
        endpoint.writer.on_purged = purge_hook(self.session_factory, config.recording.retention_days)
        endpoint.screen = DatabaseCallerScreen(self.session_factory)
        endpoint.start()
        t = config.transport
        where = f"{', '.join(config.account.numbers)} at {t.bind_address}:{t.udp_port}"
        self.components["sip"] = ("fake (no network)" if self.fake_sip else
                                  f"callbacks from {t.bind_address}:{t.udp_port}" if port_offset else
                                  f"on: {where}")
        return endpoint

    def _use_recorded_prompts(self) -> None:
        """Prompts recorded on /admin/prompts replace sip.conf's for their slots."""
        from hotline.sip.prompt_library import active_prompts

        with self.session_factory() as session:
            for slot, path in active_prompts(session, data_dir=self.settings.data_dir).items():
                self.on_prompt_activated(slot, path)

    def on_prompt_activated(self, slot: str, path) -> None:
        """A recording was activated: the endpoint plays it from the next call on, without a restart."""
        if self.workers is not None:
            log.warning("prompt %s: SIP workers load their prompts at start; restart them to use %s",
                        slot, path)
        self.sip.set_prompt(slot, path)

    def _agent_queue(self, config):
        from hotline.calls.agent_queue import DatabaseAgentQueue

        queue = DatabaseAgentQueue(self.session_factory, worker=self.node_name or "embedded",
                                   wrap_up_s=config.queue.wrap_up_s, hub=self.hub)
        queue.close_orphans()
        return queue

    def _start_scheduler(self):
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone=self.settings.timezone)
        scheduler.add_job(self.pipeline.flush_spool, "interval", seconds=SPOOL_FLUSH_SECONDS,
                          id="flush-spool", max_instances=1, coalesce=True)
        scheduler.add_job(self._refresh_rollups, "interval", seconds=ROLLUP_REFRESH_SECONDS,
                          id="analytics-rollups", max_instances=1, coalesce=True)
        self._install_scheduled_work(scheduler)
        if self.transcriber is not None:  # with SIP workers, each worker works the queue with its model
            from hotline.calls.deferred_transcription import DeferredTranscriber

            deferred = DeferredTranscriber(session_factory=self.session_factory, transcriber=self.transcriber,
                                           analyze=self.analyzer, policy=self.pipeline.policy,
                                           name=self.node_name or "embedded", hub=self.hub)
            scheduler.add_job(deferred.start_run, "interval", seconds=DEFERRED_TRANSCRIPTION_SECONDS,
                              id="deferred-transcription", max_instances=1, coalesce=True)
        self.sms_sender = self._install_sms(scheduler)
        from hotline.sms.breach_job import BreachWarnings

        warnings = BreachWarnings(self.session_factory, share=self.settings.warning_share, hub=self.hub)
        scheduler.add_job(warnings.run_once, "interval", minutes=BREACH_WARNING_MINUTES, id="breach-warnings",
                          max_instances=1, coalesce=True)
        first = datetime.now(UTC) + timedelta(seconds=30)  # catch up soon after a start
        scheduler.add_job(self._keep_reports, "interval", minutes=KEEP_REPORTS_MINUTES, id="keep-reports",
                          max_instances=1, coalesce=True, next_run_time=first)
        scheduler.start()
        return scheduler

    def _refresh_rollups(self) -> None:
        """Keep the analytics rollups current. A small database gets its first build here; a large one (an
        upgrade) needs `hotline demo refresh-rollups --full` once, since the build holds the write lock."""
        from sqlalchemy import func, select

        from hotline.analytics import topic_spikes
        from hotline.analytics.rollups import refresh, refresh_if_stale, state
        from hotline.db import unit_of_work
        from hotline.models import Case, utcnow

        try:
            spikes: list = []
            with unit_of_work(self.session_factory) as session:
                unbuilt = state(session).computed_at is None
                if unbuilt:
                    cases = session.scalar(select(func.count()).select_from(Case))
                    if cases <= ROLLUP_BUILD_IN_BACKGROUND_MAX:
                        refresh(session, now=utcnow(), full=True, spikes=spikes)
                    elif not self._rollup_warned:
                        self._rollup_warned = True
                        log.warning("analytics rollups are not built (%d cases): dashboards count directly "
                                    "and are slow; run `hotline demo refresh-rollups --full` once", cases)
            if unbuilt:
                topic_spikes.announce(self.hub, spikes)  # committed now
                return
            refresh_if_stale(self.session_factory, now=utcnow(), hub=self.hub)
        except Exception:
            log.exception("analytics rollup refresh failed; figures are counted directly until the next one")

    def _install_scheduled_work(self, scheduler) -> None:
        """Satisfaction callbacks. Every node runs its scheduler; jobs claim their rows with a conditional
        UPDATE, so two nodes never dial the same callback. ``self.sip`` is this process's own endpoint in
        both shapes (embedded: the answering endpoint; worker pool: an endpoint on port base+N that Kamailio
        does not route to)."""
        from callbacks.service import CallbackRunner, install

        template = "" if self.fake_sip else callback_uri_template(self.settings, self.services.sip_config)
        if not template:
            log.warning("satisfaction callbacks are scheduled but not dialled: set "
                        "HOTLINE_CALLBACK_URI_TEMPLATE (e.g. sip:{number}@pbx.example) or a trunk "
                        "registrar in sip.conf; agents can still make them by hand on /callbacks/manual")
            self.components["callbacks"] = "manual only (no outbound route)"
            runner = CallbackRunner(self.session_factory, dialer=None)
            scheduler.add_job(runner.schedule, "interval", seconds=30, id="callback-rows", max_instances=1,
                              coalesce=True)
            return
        from callbacks.prompts import CallbackPrompts
        from callbacks.sip_dialer import SipDialer

        dialer = SipDialer(self.sip, CallbackPrompts(self.sip.sample_rate), uri_template=template)
        self.callback_runner = install(scheduler, session_factory=self.session_factory, dialer=dialer)
        self.components["callbacks"] = f"dialling via {template}"

    def _keep_reports(self) -> None:
        """日报/周报/月报 of finished periods, kept as XLSX under <data dir>/reports (shown on /reports)."""
        from hotline.analytics.period_report import keep_reports
        from hotline.models import utcnow

        try:
            with self.session_factory() as session:
                written = keep_reports(session, directory=self.settings.data_dir / "reports", now=utcnow(),
                                       labels=_report_labels())
            for name in written:
                log.info("report kept: %s", name)
        except Exception:
            log.exception("keeping the periodic reports failed; the next run tries again")

    def _install_sms(self, scheduler):
        """SMS receipts and reply notices, when a gateway is configured (HOTLINE_SMS_GATEWAY)."""
        if not self.settings.sms_gateway:
            self.components["sms"] = "off (no HOTLINE_SMS_GATEWAY)"
            return None
        from hotline.sms.gateways import gateway_from_url
        from hotline.sms.sender import SmsSender

        gateway = gateway_from_url(self.settings.sms_gateway, http_body=self.settings.sms_http_body or None)
        sender = SmsSender(self.session_factory, gateway)
        scheduler.add_job(sender.run_once, "interval", seconds=SMS_SECONDS, id="sms", max_instances=1,
                          coalesce=True)
        self.components["sms"] = "on"
        return sender

    def status(self) -> dict:
        status = dict(self.components)
        if getattr(self, "pipeline", None) is not None:
            status.update(self.pipeline.spool.health())  # calls waiting to be written, quarantined ones
            status["transcription_queued"] = self._transcription_queued()
        if self.workers is not None:
            status.update(self.workers.health())
        elif self.transcriber is not None:
            stats = self.transcriber.stats()
            status["asr_max_lag_s"] = stats.get("max_lag_s", 0.0)
            status["asr_buffered_s"] = stats.get("buffered_seconds", 0.0)
            status["asr_streams_waiting"] = stats.get("streams_waiting", 0)  # calls waiting for a recognizer
            from asr.remote import RemoteServers

            if isinstance(self.transcriber.model, RemoteServers):
                status["asr_servers"] = self.transcriber.model.status()
        return status

    def _transcription_queued(self) -> int | str:
        """Calls recorded past ASR capacity whose transcription waits (转写排队中 N)."""
        from hotline.calls.speech_queues import deferred_waiting

        try:
            with self.session_factory() as session:
                return deferred_waiting(session)
        except Exception as exc:
            return f"unknown: {type(exc).__name__}"

    def stop(self) -> None:
        steps: list[tuple[str, Callable[[], object]]] = [
            ("scheduler", lambda: self.scheduler.shutdown(wait=False))]
        if self.callback_runner is not None:
            steps.append(("callbacks", self.callback_runner.close))
        if getattr(self, "sms_sender", None) is not None:
            steps.append(("sms", self.sms_sender.close))
        if self.workers is not None:
            steps.append(("workers", self.workers.stop))
        steps += [("sip", self.sip.stop), ("pipeline", self.pipeline.close)]
        if self.node_events is not None:
            steps.append(("node events", self.node_events.stop))
        steps.append(("services", self.services.close))
        for name, stop in steps:
            try:
                stop()
            except Exception:
                log.exception("stopping %s failed", name)

    def web_context(self):
        from web.context import WebContext

        return WebContext(settings=self.settings, session_factory=self.session_factory, hub=self.hub,
                          live_calls=self.live_calls, analyze=self.analyzer, status=self.status,
                          on_prompt_activated=self.on_prompt_activated)


def callback_uri_template(settings: Settings, sip_config) -> str:
    """Where callbacks are dialled: the setting, else the trunk the endpoint registers with."""
    if settings.callback_uri_template:
        return settings.callback_uri_template
    registrar = sip_config.account.registrar
    return f"sip:{{number}}@{registrar.removeprefix('sip:')}" if registrar else ""


def run_server(settings: Settings, *, host: str, port: int, fake_sip: bool = False, sip_workers: int = 1,
               node_name: str = "", log_format: str = "text") -> None:
    import uvicorn

    from hotline.log_format import FORMAT_ENV, configure_logging
    from web.app import create_app

    configure_logging(level=settings.log_level, timezone=settings.timezone, fmt=log_format)
    os.environ[FORMAT_ENV] = log_format  # SIP workers inherit the environment and log the same way
    hotline = Hotline(settings, fake_sip=fake_sip, sip_workers=sip_workers, node_name=node_name)
    hotline.start()
    try:
        log.info("console on http://%s:%d/", host, port)
        uvicorn.run(create_app(hotline.web_context()), host=host, port=port, log_level="info",
                    log_config=None)  # our handler and format (configure_logging)
    finally:
        hotline.stop()
