"""`hotline serve --sip-workers 2` with the Korean Vosk model: a SIP worker transcribes a real call and its
case is analysed by the main process over the analysis channel (hotline/workers/analysis_channel.py).

The worker-pool tests in tests/scale run model-less workers; this one loads the model in the workers, places
one sipp call with speech (RTP) straight at worker 0, and checks what a hotline user sees: the case has the
call's transcript and the intent and handling department the main process's analyzer gives that text (live,
or from the recording when a loaded machine deferred the call's transcription: 转写排队). The
worker must not hold an analyzer of its own (that was ~300 MB per worker): the analyzer's compiled libraries
(scikit-learn) are mapped in the main process and not in the worker.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, selectinload

from hotline.models import Call, Case, DeferredState, DeferredTranscription, TranscriptStatus
from tests.calls.call_testkit import assert_case_carries_the_analysis, sipp_call, wav_seconds
from tests.scale.scale_testkit import start_node

pytestmark = [
    pytest.mark.sip, pytest.mark.vosk,
    pytest.mark.slow,  # three processes, two of them loading the model: 3-4 min at load 19 (`-m slow`)
    pytest.mark.skipif(shutil.which("sipp") is None or os.geteuid() != 0,
                       reason="needs sipp (Debian sip-tester) and root (sipp plays RTP from a pcap)"),
]
WORKERS = 2  # --sip-workers 1 is the embedded endpoint (no worker process): the pool starts at 2
CALLER = "13800000177"


def maps_library(pid: int, name: str) -> bool:
    return name in Path(f"/proc/{pid}/maps").read_text(encoding="utf-8", errors="replace")


def wait_for_case(engine, caller: str, timeout: float = 300) -> tuple[Call, Case]:
    """The call's case once its transcription is done (live, or deferred to the recording and finished)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as session:
            call = session.scalar(select(Call).where(Call.caller == caller))
            case = session.scalar(select(Case).where(Case.call_id == call.id)
                                  .options(selectinload(Case.department))) if call is not None else None
            deferred = session.scalar(select(DeferredTranscription.state)
                                      .where(DeferredTranscription.call_id == call.id)) if call else None
            if case is not None and deferred not in (DeferredState.queued, DeferredState.running):
                session.expunge_all()
                return call, case
        time.sleep(0.5)
    pytest.fail(f"no transcribed case for the call from {caller} within {timeout:.0f} s")


def test_a_worker_with_the_model_transcribes_a_call_and_the_main_process_analyses_its_case(
        tmp_path, model_dir, speech, analyzer):
    url = f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    node = start_node(tmp_path, url, workers=WORKERS, model_dir=model_dir)
    engine = create_engine(url)
    try:
        health = node.wait_healthy(f"{WORKERS}/{WORKERS} up", timeout=240)
        worker_pid = health["workers"][0]["pid"]
        # the analyzer's compiled libraries: loaded by the main process, not by the worker
        assert maps_library(node.proc.pid, "sklearn"), "the main process has no analyzer loaded"
        assert not maps_library(worker_pid, "sklearn"), "the SIP worker loaded an analyzer of its own"

        audio = wav_seconds(speech["long"])
        result = sipp_call(node.first_sip_port, tmp_path / "sipp", speech["long_pcap"], audio, caller=CALLER)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        call, case = wait_for_case(engine, CALLER)

        assert call.worker == "worker-0", call.worker
        assert call.transcript_status == TranscriptStatus.complete and call.frames_dropped == 0
        assert call.transcript and case.content == call.transcript, (call.transcript, case.content)
        # an unanswered analysis would leave the case for triage with no intent and no department
        assert case.intent is not None and case.department is not None, (case.intent, case.routing)
        assert_case_carries_the_analysis(case, analyzer)
        assert not maps_library(worker_pid, "sklearn"), "the SIP worker loaded an analyzer during the call"
    finally:
        engine.dispose()
        node.stop()
