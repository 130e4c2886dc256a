"""Composition root: builds and wires the running hotline. The only place that picks implementations
(real pjsua2 or the fake endpoint, the Vosk model, the database URL)."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

from hotline.calls.analyzer import ContactAnalyzer
from hotline.calls.live import LiveCallPipeline
from hotline.calls.registry import LiveCallRegistry
from hotline.calls.spool import Spool
from hotline.db import make_engine, make_session_factory
from hotline.events import EventHub
from hotline.settings import Settings
from hotline.sip.config import RecordingConfig, SipConfig, load_sip_config

log = logging.getLogger("hotline")
SPOOL_FLUSH_SECONDS = 5


@dataclass
class Hotline:
    """Everything one `hotline serve` process runs. ``start()`` then ``stop()``."""

    settings: Settings
    fake_sip: bool = False
    hub: EventHub = field(default_factory=EventHub)
    live_calls: LiveCallRegistry = field(default_factory=LiveCallRegistry)
    components: dict[str, str] = field(default_factory=dict)  # component -> status line for /healthz

    def start(self) -> None:
        s = self.settings
        self.engine = make_engine(s.effective_database_url)
        self.session_factory = make_session_factory(self.engine)
        with self.session_factory() as session:
            self.analyzer = ContactAnalyzer.load(session, model_dir=s.classifier_model,
                                                 registry_root=s.data_dir / "classifier",
                                                 threshold=s.intent_threshold)
        self.transcriber, asr_problem = self._start_asr()
        self.pipeline = LiveCallPipeline(
            transcriber=self.transcriber, analyze=self.analyzer, session_factory=self.session_factory,
            hub=self.hub, registry=self.live_calls, spool=Spool(s.data_dir / "spool"),
            asr_unavailable_reason=asr_problem or "",
        )
        self.pipeline.flush_spool()  # calls finished before a crash or a database outage
        self.sip = self._start_sip()
        self.scheduler = self._start_scheduler()

    def _start_asr(self):
        from asr import ModelNotFoundError, TranscriptionService, load_model

        path = self.settings.effective_vosk_model
        try:
            model = load_model(path)
        except ModelNotFoundError as exc:
            log.warning("live transcription is OFF: %s. Calls are still answered and recorded, and cases are "
                        "created with 'transcript unavailable'.", exc)
            self.components["asr"] = f"off: {exc}"
            return None, "未配置语音识别模型"
        self.components["asr"] = f"on: {path}"
        return TranscriptionService(model), None

    def _sip_config(self) -> SipConfig:
        path = self.settings.sip_config
        if path.exists():
            return load_sip_config(path)
        log.warning("%s not found: SIP uses the defaults (see sip.conf.example)", path)
        recording = RecordingConfig(directory=self.settings.recordings_dir)
        return dataclasses.replace(SipConfig(), recording=recording)

    def _start_sip(self):
        config = self._sip_config()
        if self.fake_sip:
            from hotline.sip.fake import FakeSipEndpoint

            endpoint = FakeSipEndpoint(config, self.pipeline, timezone=self.settings.timezone)
        else:
            from hotline.sip.pjsua_adapter import PjsuaEndpoint

            endpoint = PjsuaEndpoint(config, self.pipeline, timezone=self.settings.timezone)
        endpoint.start()
        t = config.transport
        self.components["sip"] = ("fake (no network)" if self.fake_sip else
                                  f"on: {', '.join(config.account.numbers)} at {t.bind_address}:{t.udp_port}")
        return endpoint

    def _start_scheduler(self):
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone=self.settings.timezone)
        scheduler.add_job(self.pipeline.flush_spool, "interval", seconds=SPOOL_FLUSH_SECONDS,
                          id="flush-spool", max_instances=1, coalesce=True)
        scheduler.start()
        return scheduler

    def stop(self) -> None:
        for name, stop in (("scheduler", lambda: self.scheduler.shutdown(wait=False)),
                           ("sip", self.sip.stop), ("pipeline", self.pipeline.close),
                           ("asr", lambda: self.transcriber and self.transcriber.shutdown())):
            try:
                stop()
            except Exception:
                log.exception("stopping %s failed", name)
        self.engine.dispose()

    def web_context(self):
        from web.context import WebContext

        return WebContext(settings=self.settings, session_factory=self.session_factory, hub=self.hub,
                          live_calls=self.live_calls, analyze=self.analyzer,
                          status=lambda: dict(self.components))


def run_server(settings: Settings, *, host: str, port: int, fake_sip: bool = False) -> None:
    import uvicorn

    from web.app import create_app

    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hotline = Hotline(settings, fake_sip=fake_sip)
    hotline.start()
    try:
        log.info("console on http://%s:%d/", host, port)
        uvicorn.run(create_app(hotline.web_context()), host=host, port=port, log_level="info")
    finally:
        hotline.stop()
