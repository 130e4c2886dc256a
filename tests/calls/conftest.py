"""Fixtures for whole-chain call tests: speech files, the Korean Vosk model, migrated databases, harnesses."""

from __future__ import annotations

from pathlib import Path

import pytest
from testkit.databases import migrated_engine

from tests.calls.call_testkit import (
    KO_SHORT,
    ToolMissing,
    ko_model_dir,
    start_pipeline,
    write_rtp_pcap,
    write_speech,
)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    try:
        return ko_model_dir()
    except ToolMissing as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def ko_model(model_dir):
    import asr
    from hotline.sip.config import DEFAULT_TRAILING_SILENCE_S

    # the endpoint rules the pipeline harness runs with (sip.conf [asr] default): utterance boundaries of the
    # reference transcripts and of the calls come from the same rules
    return asr.load_model(model_dir, trailing_silence=DEFAULT_TRAILING_SILENCE_S)


@pytest.fixture(scope="session")
def speech(tmp_path_factory) -> dict[str, Path]:
    """Korean espeak-ng speech at 8 kHz: 'long' (two sentences, ~12 s), 'short' (one, ~5 s), and 'long_pcap'
    (A-law RTP for sipp). Transcript comparisons use 'long': on a 5 s clip the CER of a working path and a
    broken one (wrong sample rate) overlap (measured 0.60-0.93 vs 0.87)."""
    out = tmp_path_factory.mktemp("speech")
    try:
        files = {"long": write_speech(out / "ko_long.wav"),
                 "short": write_speech(out / "ko_short.wav", KO_SHORT, lead_s=0.3, tail_s=0.8)}
    except ToolMissing as exc:
        pytest.fail(str(exc))
    write_rtp_pcap(files["long"], out / "ko_long.pcap")
    files["long_pcap"] = out / "ko_long.pcap"
    return files


@pytest.fixture(scope="session")
def direct_transcripts(ko_model, speech) -> dict:
    """The WAV files transcribed directly (asr.transcribe_file): when call utterances should be heard."""
    import asr

    return {"long": asr.transcribe_file(speech["long"], ko_model)}


@pytest.fixture(scope="session")
def analyzer(tmp_path_factory):
    from hotline.calls.analyzer import ContactAnalyzer
    from hotline.db import make_session_factory

    engine = migrated_engine(f"sqlite:///{tmp_path_factory.mktemp('analyzer') / 'ref.sqlite3'}")
    with make_session_factory(engine)() as session:
        loaded = ContactAnalyzer.load(session, model_dir=None, registry_root=None, threshold=0.45)
    engine.dispose()
    return loaded


@pytest.fixture(scope="module")
def sqlite_line(tmp_path_factory, model_dir):
    """One hotline line for the module: real endpoint + pipeline + Vosk on a fresh SQLite database."""
    directory = tmp_path_factory.mktemp("line")
    url = f"sqlite:///{directory / 'hotline.sqlite3'}"
    engine = migrated_engine(url)
    line = start_pipeline(directory / "harness", url, model=model_dir)
    line.engine = engine
    yield line
    code = line.stop()
    engine.dispose()
    assert code == 0, f"pipeline harness exited with {code} (abort?)\n{line.log()}"
