"""Speech servers (the vosk-server WebSocket protocol): `hotline asr serve` with the real Korean model on
loopback, streams decoded through it, failover when a server dies mid-call, and clear errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from testkit.ports import free_tcp_port
from testkit.processes import python_env
from websockets.sync.client import connect

import asr
from asr.remote import EOF_MESSAGE, RemoteServers
from hotline.settings import ConfigError, load_settings
from tests.asr.conftest import chunks, ko_model_dir
from tests.asr.test_asr_streaming import AGREE_CER, SAME_TIME, spans

pytestmark = pytest.mark.vosk
# a server's answer may take longer than the 5 s default on a loaded machine (parallel workers, other jobs);
# these tests are about decoding and failover, not latency (a killed server fails at once, whatever this is)
LOADED_MACHINE_S = 30.0


@contextmanager
def speech_server(directory: Path, name: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`hotline asr serve` on a free port, up (answering a probe) before it is yielded."""
    port = free_tcp_port()
    log_path = directory / f"{name}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hotline", "asr", "serve", "--port", str(port),
             "--model", str(ko_model_dir()), "--recognizers", "2"],
            stdout=log, stderr=subprocess.STDOUT, text=True, env=python_env())
        url = f"ws://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while RemoteServers([url], timeout_s=2).check()[url] != "up":
                assert proc.poll() is None, f"speech server exited: {log_path.read_text()[-2000:]}"
                assert time.monotonic() < deadline, f"speech server not up: {log_path.read_text()[-2000:]}"
                time.sleep(0.3)
            yield url, proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def stream_through(service: asr.TranscriptionService, pcm: bytes, rate: int, **hooks) -> asr.Stream:
    stream = service.open_stream(rate, **hooks)
    for chunk in chunks(pcm, rate * 2 // 50):  # 20 ms, as the media clock delivers it
        assert stream.feed(chunk)
    return stream


def wait_taken(stream: asr.Stream, timeout: float = 60) -> None:
    """Until the decoder has taken all the audio fed so far."""
    deadline = time.monotonic() + timeout
    while stream.buffered_seconds > 0:
        assert time.monotonic() < deadline, "the stream's audio was not decoded in time"
        time.sleep(0.05)


def test_a_call_decoded_by_a_speech_server_matches_local_decoding(tmp_path, ko16, ko16_file_transcript):
    with speech_server(tmp_path, "a") as (url, _proc):
        servers = RemoteServers([url], timeout_s=LOADED_MACHINE_S)
        with asr.TranscriptionService(servers, decode_threads=1, pool_size=1) as service:
            remote = stream_through(service, ko16.tobytes(), 16000).close(timeout=60)
    local = ko16_file_transcript
    print(f"\nlocal:  {local.text}\nremote: {remote.text}")
    assert remote.complete and remote.error is None and remote.text
    assert len(remote.utterances) == len(local.utterances) >= 2
    assert all(abs(a - b) < SAME_TIME for a, b in zip(spans(remote), spans(local), strict=True))
    assert asr.character_error_rate(local.text, remote.text) <= AGREE_CER
    assert servers.status() == {url: "up"} and servers.failovers == 0


def test_a_server_killed_mid_call_leaves_the_transcript_to_the_other(tmp_path, ko16, ko16_file_transcript):
    local = ko16_file_transcript  # ko16: silence, sentence, pause, sentence, pause
    cut = int((local.utterances[1].start + 1.5) * 16000)  # 1.5 s into the second sentence
    with speech_server(tmp_path, "a") as (url_a, proc_a), speech_server(tmp_path, "b") as (url_b, _):
        servers = RemoteServers([url_a, url_b], timeout_s=LOADED_MACHINE_S)
        with asr.TranscriptionService(servers, decode_threads=1, pool_size=1) as service:
            first = threading.Event()
            stream = stream_through(service, ko16[:cut].tobytes(), 16000, on_final=lambda u: first.set())
            assert first.wait(60), "the first sentence was not decoded"
            wait_taken(stream)  # server A has heard part of the second sentence, which has not ended yet
            proc_a.kill()  # SIGKILL: no goodbye, the connection just breaks
            proc_a.wait()
            for chunk in chunks(ko16[cut:].tobytes(), 640):
                assert stream.feed(chunk)
            transcript = stream.close(timeout=60)
    assert transcript.complete and transcript.error is None, transcript.error
    assert servers.failovers >= 1
    status = servers.status()
    assert status[url_a].startswith("down") and status[url_b] == "up"
    # nothing said around the kill is lost: the second sentence is whole, at the file's times
    assert len(transcript.utterances) == len(local.utterances)
    assert abs(transcript.utterances[-1].start - local.utterances[-1].start) < SAME_TIME
    assert abs(transcript.utterances[-1].end - local.utterances[-1].end) < SAME_TIME


def test_no_reachable_speech_server_is_a_clear_error_on_the_call(ko16):
    url = f"ws://127.0.0.1:{free_tcp_port()}"  # nothing listens there
    servers = RemoteServers([url], timeout_s=1, retry_after_s=60)
    with asr.TranscriptionService(servers, decode_threads=1, pool_size=1) as service:
        transcript = stream_through(service, ko16[:16000].tobytes(), 16000).close(timeout=30)
    assert not transcript.complete
    assert transcript.error and "no speech server" in transcript.error and url in transcript.error
    assert "HOTLINE_ASR_SERVERS" in transcript.error
    assert servers.status()[url].startswith("down: ")


def test_the_server_speaks_the_vosk_server_protocol(tmp_path, ko16):
    """What upstream's test client does: config, 8000-byte binary messages, eof; one JSON answer each."""
    with speech_server(tmp_path, "a") as (url, _proc), connect(url) as ws:
        ws.send(json.dumps({"config": {"sample_rate": 16000}}))
        answers = []
        for chunk in chunks(ko16.tobytes(), 8000):
            ws.send(chunk)
            answers.append(json.loads(ws.recv(timeout=30)))
        ws.send(EOF_MESSAGE)
        final = json.loads(ws.recv(timeout=30))
        closed_by_server = _closes(ws)
    assert all(set(a) & {"partial", "text"} for a in answers)
    assert any(a.get("text") for a in answers), "an utterance ended inside the audio (the pause)"
    assert "text" in final and closed_by_server


def _closes(ws) -> bool:
    from websockets.exceptions import ConnectionClosed

    try:
        ws.recv(timeout=10)
    except ConnectionClosed:
        return True
    return False


def test_speech_server_urls_are_checked_when_the_settings_load():
    with pytest.raises(ConfigError, match="ws://"):
        load_settings(asr_servers="http://10.0.0.5:2700")
    assert load_settings(asr_servers="ws://a:2700, ws://b:2700").asr_server_urls == ["ws://a:2700", "ws://b:2700"]
