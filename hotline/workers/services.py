"""What answering calls needs, built from the settings: in the main process (embedded SIP) or in a worker."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.cases.intake import ContactAnalysis
from hotline.db import make_engine, make_session_factory
from hotline.settings import Settings
from hotline.sip.config import RecordingConfig, SipConfig, load_sip_config

if TYPE_CHECKING:
    from asr import TranscriptionService

log = logging.getLogger("hotline")


@dataclass
class CallServices:
    """What answering calls needs, in the main process (embedded) or a worker: DB, analyzer, ASR, sip.conf."""

    engine: Engine
    session_factory: sessionmaker[Session]
    analyzer: Callable[[str], ContactAnalysis]  # a ContactAnalyzer, or in a worker the main process's
    transcriber: TranscriptionService | None
    asr_problem: str | None  # why transcription is off (None: on)
    asr_status: str
    sip_config: SipConfig

    @classmethod
    def build(cls, settings: Settings, *, with_asr: bool = True, decode_threads: int | None = None,
              recognizers: int = 8, analyzer: Callable[[str], ContactAnalysis] | None = None
              ) -> CallServices:
        """``decode_threads``: ASR threads of this process (default one per core; with N workers on one
        machine give each cores // N, so that the machine runs one decoding thread per core in all);
        ``recognizers``: warm recognizers kept (a worker needs one per call line); ``analyzer``: a worker
        passes the main process's (:mod:`hotline.workers.analysis_channel`), else one is loaded here (the
        import too: its libraries and dictionaries are most of a worker's memory)."""
        engine = make_engine(settings.effective_database_url)
        session_factory = make_session_factory(engine)
        if analyzer is None:
            from hotline.calls.analyzer import ContactAnalyzer

            with session_factory() as session:
                analyzer = ContactAnalyzer.load(session, model_dir=settings.classifier_model,
                                                registry_root=settings.data_dir / "classifier",
                                                threshold=settings.intent_threshold)
        transcriber, problem, status = (_start_asr(settings, decode_threads, recognizers) if with_asr
                                        else (None, "本进程不转写", "off"))
        return cls(engine, session_factory, analyzer, transcriber, problem, status, sip_config_for(settings))

    def close(self) -> None:
        if self.transcriber is not None:
            self.transcriber.shutdown()
        self.engine.dispose()


WARM_UP_RATE = 8000
WARM_UP_SECONDS = 4  # of the greeting, decoded once by each pooled recognizer at start


def _start_asr(settings: Settings, decode_threads: int | None, recognizers: int):
    from asr import ModelNotFoundError, TranscriptionService, load_model

    if settings.asr_server_urls:  # speech servers (vosk-server protocol): this process loads no model
        from asr.remote import RemoteServers

        servers = RemoteServers(settings.asr_server_urls)
        health = servers.check()
        if not any(state == "up" for state in health.values()):
            log.warning("no speech server answers yet (%s); calls are decoded once one does", health)
        service = TranscriptionService(servers, decode_threads=decode_threads, pool_size=recognizers,
                                       pool_rates=(sip_config_for(settings).media.clock_rate,))
        return service, None, f"on: speech servers {', '.join(settings.asr_server_urls)}"
    path = settings.effective_vosk_model
    sip = sip_config_for(settings)
    try:
        model = load_model(path, trailing_silence=sip.asr.trailing_silence_s)
    except ModelNotFoundError as exc:
        log.warning("live transcription is OFF: %s. Calls are still answered and recorded, and cases are "
                    "created with 'transcript unavailable'.", exc)
        return None, "未配置语音识别模型", f"off: {exc}"
    # recognizers at the bridge's rate: Vosk gets what the ports deliver and resamples inside (cheaper)
    service = TranscriptionService(model, decode_threads=decode_threads, pool_size=recognizers,
                                   pool_rates=(sip.media.clock_rate,), warm_up=_warm_up_speech(),
                                   final_after_silence_s=sip.asr.final_after_silence_s,
                                   silence_dbfs=sip.limits.silence_threshold_dbfs)
    return service, None, f"on: {path}"


def _warm_up_speech() -> tuple[bytes, int] | None:
    """The Mandarin greeting: speech (not noise) is what fills a recognizer's caches before the first call."""
    from hotline.sip.config import PROMPTS_DIR
    from hotline.sip.pcm import load_wav_pcm

    try:
        pcm = load_wav_pcm(PROMPTS_DIR / "greeting_zh.wav", WARM_UP_RATE)
    except (OSError, ValueError):
        log.warning("no greeting prompt to warm the recognizers with; the first calls decode cold")
        return None
    return pcm[: WARM_UP_SECONDS * WARM_UP_RATE * 2], WARM_UP_RATE


def sip_config_for(settings: Settings) -> SipConfig:
    path = settings.sip_config
    if path.exists():
        return load_sip_config(path)
    log.warning("%s not found: SIP uses the defaults (see sip.conf.example)", path)
    return dataclasses.replace(SipConfig(), recording=RecordingConfig(directory=settings.recordings_dir))
