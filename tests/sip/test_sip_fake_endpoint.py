"""The fake endpoint drives the same hooks with the same call logic as the real one, on a manual clock."""

from __future__ import annotations

import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hotline.sip.config import IvrConfig, LimitsConfig, RecordingConfig, SipConfig, default_prompts
from hotline.sip.fake import FakeSipEndpoint
from hotline.sip.protocol import EndReason, SipCallError


class Recorder:
    def __init__(self, accept: bool = True) -> None:
        self.events: list[tuple] = []
        self.frames: list[bytes] = []
        self.accept = accept

    def push(self, pcm: bytes) -> bool:
        self.frames.append(pcm)
        return self.accept

    def on_call_started(self, call):
        self.events.append(("started", call.caller, call.callee))
        return self

    def on_language(self, call_id, lang):
        self.events.append(("language", lang))

    def on_dtmf(self, call_id, digit):
        self.events.append(("dtmf", digit))

    def on_call_ended(self, call_id, summary):
        self.events.append(("ended", summary))


def tone(seconds: float, rate: int = 16000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * 300 * t) * 8000).astype("<i2").tobytes()


@pytest.fixture
def config(tmp_path: Path) -> SipConfig:
    return SipConfig(
        ivr=IvrConfig(prompts=default_prompts(), language_timeout_s=3),
        recording=RecordingConfig(directory=tmp_path / "rec", retention_days=0),
        limits=LimitsConfig(max_calls=2, silence_timeout_s=5, max_call_s=120),
    )


def test_call_with_language_choice_speech_and_hangup(config):
    observer = Recorder()
    fake = FakeSipEndpoint(config, observer)
    fake.start()
    caller = fake.incoming_call(caller="13800000000")
    assert caller.status == 200 and observer.events[0] == ("started", "13800000000", "7812345")
    fake.advance(1.0)
    caller.press("1")
    caller.send_audio(tone(2.0))
    caller.hang_up()
    assert [e[0] for e in observer.events] == ["started", "dtmf", "language", "ended"]
    assert observer.events[2] == ("language", "zh")
    summary = observer.events[-1][1]
    assert summary.reason is EndReason.CALLER_HANGUP and summary.language_source == "dtmf"
    assert summary.frames_received == 150 and summary.frames_dropped == 0
    audio = b"".join(observer.frames)  # the sink gets blocks of whole frames
    assert len(audio) == 150 * 640 and audio.endswith(tone(2.0))  # every frame, in order
    with wave.open(str(summary.recording_path)) as wav:
        assert wav.getframerate() == 16000 and wav.getnframes() == 150 * 320
    assert max(caller.heard[: 16000 * 2]) > 0, "the greeting plays from the start"


def shipped_seconds(prompt: str) -> float:
    with wave.open(str(Path(__file__).resolve().parents[2] / "hotline" / "prompts" / f"{prompt}.wav")) as wav:
        return wav.getnframes() / wav.getframerate()


def test_silence_timeout_defaults_to_chinese_and_plays_no_input(config):
    observer = Recorder()
    fake = FakeSipEndpoint(config, observer)
    fake.start()
    caller = fake.incoming_call()
    fake.advance(60)
    summary = observer.events[-1][1]
    assert ("language", "zh") in observer.events and summary.language_source == "default"
    assert summary.reason is EndReason.SILENCE_TIMEOUT and caller.hung_up
    heard = [shipped_seconds(name) for name in ("recording_notice_zh", "greeting_zh", "listen_zh", "tone")]
    # the prompts, the 3 s language timeout after the greeting, 5 s of silence, then the no-input prompt
    expected = sum(heard) + 3 + 5 + shipped_seconds("no_input_zh")
    assert abs(len(caller.heard) / 32000 - expected) < 0.5
    assert abs(summary.duration_s - expected) < 0.5 and abs(summary.recording_seconds - expected) < 0.5


def test_refused_frames_are_counted_as_dropped(config):
    observer = Recorder(accept=False)
    fake = FakeSipEndpoint(config, observer)
    fake.start()
    caller = fake.incoming_call()
    caller.send_audio(tone(1.0))
    caller.hang_up()
    assert observer.events[-1][1].frames_dropped == 50


def test_wrong_number_and_busy(config):
    fake = FakeSipEndpoint(config, Recorder())
    fake.start()
    assert fake.incoming_call(callee="110").status == 404
    first, second = fake.incoming_call(), fake.incoming_call()
    assert (first.status, second.status) == (200, 200)
    assert fake.incoming_call().status == 486
    with pytest.raises(SipCallError, match="no free line"):
        fake.place_call("sip:13800000000@pbx")
    fake.stop()
    assert fake.active_calls() == 0


def test_outbound_call_events(config):
    fake = FakeSipEndpoint(replace(config, ivr=IvrConfig(prompts=default_prompts())), Recorder())
    fake.start()
    handle = fake.place_call("sip:13800000000@pbx.example")
    far = fake.remote(handle)
    far.answer()
    assert handle.wait_answered(0) and handle.next_event(0).kind == "answered"
    handle.play_prompt("tone")
    fake.advance(1.0)
    assert handle.next_event(0).name == "tone"
    far.press("5")
    assert handle.next_event(0).digit == "5"
    handle.send_dtmf("12")
    fake.advance(0.1)
    assert far.received_dtmf == "12"
    handle.hangup()
    fake.advance(0.1)
    summary = handle.wait_ended(0)
    assert summary is not None and summary.reason is EndReason.LOCAL_HANGUP and summary.dtmf == "5"
    rejected = fake.place_call("sip:13900000000@pbx.example")
    fake.remote(rejected).reject(486, "Busy Here")
    assert rejected.wait_ended(0).reason is EndReason.REJECTED and rejected.summary.status_code == 486
    assert far.shown_caller == "7812345"  # no caller id given: our number
    shown = {}
    for cid in ("+8613800000001", "anonymous", '1" <sip:evil@x>', ""):
        placed = fake.place_call("sip:agent@pbx", caller_id=cid)
        shown[cid] = fake.remote(placed).shown_caller
        placed.hangup()
        fake.advance(0.1)
    assert shown == {"+8613800000001": "+8613800000001", "anonymous": "7812345", '1" <sip:evil@x>': "7812345",
                     "": "7812345"}  # only a value fit for a SIP user part is presented


def test_outbound_not_answered_times_out(config):
    fake = FakeSipEndpoint(config)
    fake.start()
    handle = fake.place_call("sip:13800000000@pbx", answer_timeout=10)
    fake.advance(11)
    assert handle.wait_ended(0).reason is EndReason.NO_ANSWER


def test_the_last_frames_of_a_call_reach_the_sink_and_the_recording(config):
    """Frames travel in 100 ms blocks; the call's last, shorter block is handed on at hang-up."""
    observer = Recorder()
    fake = FakeSipEndpoint(config, observer)
    fake.start()
    caller = fake.incoming_call()
    caller.send_audio(tone(1.06))  # 53 frames: ten blocks and three frames
    caller.hang_up()
    summary = observer.events[-1][1]
    assert summary.frames_received == 53 and summary.frames_dropped == 0
    assert b"".join(observer.frames) == tone(1.06)
    with wave.open(str(summary.recording_path)) as wav:
        assert wav.readframes(wav.getnframes()) == tone(1.06)
