"""Pure functions: Chinese text normalisation, CER, resampling, G.711 (no Vosk)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from asr import character_error_rate, normalize_zh
from asr.g711 import alaw_decode, alaw_encode, mulaw_decode, mulaw_encode
from asr.resample import Resampler
from asr.transcript import Transcript, Utterance
from tests.asr.conftest import need_tool, read_wav, resample, write_wav


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("我 想 办理 社保 卡", "我想办理社保卡"),
        ("打开 wifi 密码", "打开 wifi 密码"),  # Han-Latin spacing kept
        ("hello   world", "hello world"),
        ("ＡＢＣ１２３ 号 楼", "ABC123 号楼"),  # full width folded
        ("路灯 不 亮 ， 请 尽快 处理 。", "路灯不亮，请尽快处理。"),
        ("\u3000 三 号 \u3000", "三号"),
        ("안녕 하세요", "안녕 하세요"),  # not Chinese: untouched
        ("", ""),
    ],
)
def test_normalize_zh(raw, clean):
    assert normalize_zh(raw) == clean


def test_transcript_text_joins_chinese_without_spaces():
    t = Transcript(utterances=[Utterance("我想咨询", 0, 1, 1), Utterance("社保卡", 1, 2, 1)])
    assert t.text == "我想咨询社保卡"
    latin = Transcript(utterances=[Utterance("call me", 0, 1, 1), Utterance("back", 1, 2, 1)])
    assert latin.text == "call me back"


def test_character_error_rate():
    assert character_error_rate("我想办理社保卡", "我想办理社保卡") == 0
    assert character_error_rate("我想办理社保卡", "我 想 办 理 社保卡。") == 0  # spaces, punctuation ignored
    assert character_error_rate("社保卡", "社保") == pytest.approx(1 / 3)
    assert character_error_rate("社保卡", "") == 1
    assert character_error_rate("", "") == 0


def test_resampler_output_does_not_depend_on_chunking():
    x = np.random.default_rng(3).normal(0, 5000, 8000).astype(np.int16)
    for rates in ((8000, 16000), (44100, 16000), (16000, 8000)):
        whole = resample(x, *rates)
        r = Resampler(*rates)
        pieces = np.concatenate([r.push(x[i : i + 157]) for i in range(0, len(x), 157)] + [r.flush()])
        assert np.array_equal(whole, pieces)
        assert len(whole) == -(-len(x) * rates[1] // rates[0])


@pytest.mark.parametrize("rates, tone", [((8000, 16000), 440), ((44100, 16000), 1000), ((16000, 8000), 3000)])
def test_resampler_keeps_tones_below_nyquist(rates, tone):
    n = rates[0]
    x = (10000 * np.sin(2 * np.pi * tone * np.arange(n) / rates[0])).astype(np.int16)
    y = resample(x, *rates)[200:-200]
    expected = 10000 * np.sin(2 * np.pi * tone * np.arange(200, 200 + len(y)) / rates[1])
    assert np.abs(y - expected).max() < 150  # < 1.5 % of the amplitude


def test_resampler_removes_what_the_new_rate_cannot_carry():
    x = (10000 * np.sin(2 * np.pi * 6000 * np.arange(16000) / 16000)).astype(np.int16)  # above 4 kHz
    assert np.abs(resample(x, 16000, 8000)[200:-200]).max() < 300


def test_upsampling_speech_matches_sox(speech_dir, tmp_path):
    sox = need_tool("sox")
    out = tmp_path / "sox16.wav"
    subprocess.run([sox, "-D", str(speech_dir / "ko8.wav"), "-r", "16000", str(out)], check=True)
    theirs = read_wav(out)[0].astype(float)
    ours = resample(read_wav(speech_dir / "ko8.wav")[0], 8000, 16000).astype(float)[: len(theirs)]
    snr = 10 * np.log10((theirs**2).sum() / ((ours - theirs) ** 2).sum())
    assert snr > 32  # measured 36-42 dB; the filters differ only near 4 kHz


def test_g711_decoders_match_sox_exactly(tmp_path):
    sox = need_tool("sox")
    codes = np.arange(256, dtype=np.uint8)
    for encoding, decode in (("u-law", mulaw_decode), ("a-law", alaw_decode)):
        decoded = subprocess.run(
            [sox, "-t", "raw", "-r", "8000", "-e", encoding, "-b", "8", "-c", "1", "-",
             "-t", "raw", "-e", "signed", "-b", "16", "-L", "-"],
            input=codes.tobytes(), capture_output=True, check=True,
        ).stdout
        assert np.array_equal(np.frombuffer(decoded, "<i2"), decode(codes)), encoding


def test_g711_round_trip_error_is_within_one_quantisation_step():
    x = np.arange(-32768, 32768, dtype=np.int16)
    for encode, decode in ((mulaw_encode, mulaw_decode), (alaw_encode, alaw_decode)):
        y = decode(encode(x)).astype(np.int32)
        error = np.abs(y - x)
        step = np.maximum(np.abs(x.astype(np.int32)) // 16, 16)  # companding: ~6 % of the level, min 16
        assert (error <= step + 1024 * (np.abs(x.astype(np.int32)) > 32000)).all()  # clip region
        assert np.array_equal(decode(encode(y.astype(np.int16))), y)  # decoded values are fixed points


def test_write_wav_helper_round_trips(tmp_path):
    x = np.array([0, 1000, -1000, 32767, -32768], np.int16)
    assert np.array_equal(read_wav(write_wav(tmp_path / "x.wav", x, 8000))[0], x)
