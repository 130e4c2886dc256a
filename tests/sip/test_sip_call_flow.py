"""The IVR state machine and the playback queue, without SIP."""

from __future__ import annotations

from hotline.sip.call_flow import ChooseLanguage, Hangup, InboundFlow, Play, Stage, StopPlayback
from hotline.sip.playback import PlaybackQueue
from hotline.sip.protocol import EndReason
from hotline.sip.sip_message import dialled_numbers, uri_host, uri_user

ALL = {"greeting_zh", "greeting_mn", "listen_zh", "goodbye_zh", "no_input_zh", "tone"}


def flow(available=ALL, **kw) -> InboundFlow:
    args = {"language_timeout_s": 5, "silence_timeout_s": 10, "max_call_s": 60, **kw}
    return InboundFlow("c1", set(available), **args)


def test_greeting_plays_both_languages_and_dtmf_barges_in():
    f = flow()
    assert f.start(0.0) == [Play(("greeting_zh", "greeting_mn"))]
    actions = f.on_dtmf("2", 1.0)
    assert actions == [StopPlayback(), ChooseLanguage("mn", "dtmf"), Play(("listen_zh", "tone"))]
    assert f.stage is Stage.INSTRUCTING and f.on_dtmf("1", 1.5) == []  # the choice is made once


def test_no_key_chooses_chinese_after_the_timeout_then_silence_ends_the_call():
    f = flow()
    f.start(0.0)
    f.on_playback_done(8.0)
    assert f.on_tick(12.9, 0.0) == []
    assert f.on_tick(13.0, 0.0)[0] == ChooseLanguage("zh", "default")
    f.on_playback_done(20.0)
    assert f.stage is Stage.LISTENING
    assert f.on_tick(29.0, 0.0) == []
    assert f.on_tick(31.0, 25.0) == []  # the caller spoke at 25 s: the silence clock restarted
    assert f.on_tick(35.0, 25.0) == [StopPlayback(), Play(("no_input_zh",))]
    assert f.on_playback_done(40.0) == [Hangup(EndReason.SILENCE_TIMEOUT)]
    assert f.on_tick(100.0, 0.0) == []


def test_max_duration_plays_goodbye_and_hangs_up_even_without_playback_end():
    f = flow(max_call_s=30)
    f.start(0.0)
    f.on_dtmf("1", 1.0)
    f.on_playback_done(3.0)
    assert f.on_tick(30.0, 29.0) == [StopPlayback(), Play(("goodbye_zh",))]
    assert f.on_tick(45.0, 29.0) == []
    assert f.on_tick(51.0, 29.0) == [StopPlayback(), Hangup(EndReason.MAX_DURATION)]


def test_without_prompts_the_flow_still_chooses_and_ends():
    f = flow(available=set())
    assert f.start(0.0) == []
    assert f.on_tick(5.0, 0.0) == [ChooseLanguage("zh", "default")]
    assert f.on_tick(15.0, 0.0) == [StopPlayback(), Hangup(EndReason.SILENCE_TIMEOUT)]


def test_playback_queue_pads_frames_and_reports_finished_items():
    queue = PlaybackQueue(frame_bytes=4)
    queue.enqueue("a", b"\x01" * 6)
    queue.enqueue("b", b"\x02" * 4)
    assert queue.next_frame() == b"\x01" * 4
    assert queue.next_frame() == b"\x01\x01\x00\x00"
    assert queue.pop_finished() == ["a"]
    assert queue.stop() == ["b"] and queue.next_frame() is None and not queue.busy


def test_sip_message_parsing():
    invite = (
        "INVITE sip:7812345@10.0.0.1:5060 SIP/2.0\r\nTo: <sip:12345@pbx>\r\nFrom: <sip:1@x>;tag=1\r\n\r\n"
    )
    assert dialled_numbers(invite) == ("7812345", "12345")
    assert dialled_numbers("garbage") == ("", "")
    assert uri_user('"Zhang San" <sip:13800000000@10.0.0.5>;tag=9') == "13800000000"
    assert uri_host("sip:7812345@127.0.0.1:5060;transport=tcp") == "127.0.0.1"
    assert uri_host("tel:123") == ""


def test_key_9_in_the_greeting_leaves_a_conduct_report_even_with_agents_queue():
    f = flow(queue=True)
    f.start(0.0)
    actions = f.on_dtmf("9", 1.0)  # 党风政风监督: a message for 纪委监委, never an agent
    assert actions == [StopPlayback(), ChooseLanguage("zh", "conduct"), Play(("listen_zh", "tone"))]
    assert f.stage is Stage.INSTRUCTING and f.on_dtmf("9", 2.0) == []
