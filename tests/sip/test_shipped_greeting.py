"""The shipped Mandarin greeting announces every key the phone menu accepts, 党风政风监督 (key 9) included:
its text source says so, and the shipped WAV is that text spoken (regenerated the project's way, it lasts as
long), with the key-9 sentence as its last seconds."""

from __future__ import annotations

import re
import subprocess
import wave
from pathlib import Path

from hotline.sip.call_flow import CONDUCT_KEY, LANGUAGE_KEYS
from hotline.sip.config import PROMPTS_DIR

KEY_9_SENTENCE = "党风政风监督举报请按九。"
SPOKEN_KEYS = {"1": "一", "2": "二", "9": "九"}


def greeting_text() -> str:
    script = (PROMPTS_DIR / "generate.sh").read_text(encoding="utf-8")
    return re.search(r'^say greeting_zh "([^"]+)"', script, re.M).group(1)


def spoken(directory: Path, name: str, text: str) -> Path:
    """``text`` through hotline/prompts/say.sh (espeak-ng cmn, 8 kHz, edges trimmed), as generate.sh does."""
    subprocess.run(["sh", "-c", f'. "{PROMPTS_DIR / "say.sh"}" && say "$0" "$1"', name, text], cwd=directory,
                   check=True)
    return directory / f"{name}.wav"


def seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
        return wav.getnframes() / wav.getframerate()


def test_the_greeting_text_names_every_menu_key():
    text = greeting_text()
    assert text.endswith(KEY_9_SENTENCE) and SPOKEN_KEYS[CONDUCT_KEY] in KEY_9_SENTENCE
    for key in (*LANGUAGE_KEYS, CONDUCT_KEY):
        assert f"请按{SPOKEN_KEYS[key]}" in text, key


def test_the_shipped_greeting_is_that_text_spoken(tmp_path):
    shipped = seconds(PROMPTS_DIR / "greeting_zh.wav")
    regenerated = seconds(spoken(tmp_path, "greeting_zh", greeting_text()))
    without_key_9 = seconds(spoken(tmp_path, "old", greeting_text().removesuffix(KEY_9_SENTENCE)))
    key_9 = seconds(spoken(tmp_path, "key9", KEY_9_SENTENCE))
    print(f"\nshipped greeting {shipped:.2f} s, regenerated {regenerated:.2f} s, without the key-9 sentence "
          f"{without_key_9:.2f} s, the sentence alone {key_9:.2f} s")
    assert abs(shipped - regenerated) < 0.3  # not a stale file
    assert shipped > without_key_9 + key_9 - 0.5  # the sentence is in it
