"""Faster finals against cut sentences: decode the same telephone speech (Korean espeak-ng, 8 kHz, pauses of
0.35 s inside a turn and 0.9 s between turns) with Kaldi's endpoint rules at several ``[asr]
trailing_silence`` settings, and with finals forced by our own silence detection (``[asr]
final_after_silence``, :mod:`asr.silence_final`) at several silences.

    python bench/endpointing.py [--settings model,1.0,0.5,0.3,force0.3,force0.4,force0.5,force0.6]
                                [--model PATH] [--speed 150]

``1.0`` etc.: Kaldi's rules capped at that trailing silence; ``model``: the model's own rules;
``forceS``: trailing_silence 1.0 (the default) plus a final forced after S s of silence that follows speech.
Every setting decodes through the live path's decoder (seeded dither: deterministic). Per setting: the
endpoint delay (audio seconds from an utterance's last word to the moment its final came: the least a final
can lag; live decoding adds its own queueing), utterances, sentences cut inside (an utterance ending more
than 0.25 s before its phrase does), end words changed (an utterance's last word that the reference does not
have at that moment: a word cut off or decoded differently at the cut), and the CER of the whole transcript
against the reference (trailing_silence 1.0, not forced) -- printed beside two fresh recognizers' CER with
Kaldi's random dither and the model as shipped (Vosk's own spread: below it, a reader would notice nothing)
-- and against the words said (espeak Korean is out of domain for the model: every setting is far off).
Writes bench/results/endpointing.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the shared test kit

import numpy as np  # noqa: E402

import asr  # noqa: E402
from tests.calls.call_testkit import _read, _resample, ko_model_dir, need_tool  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "endpointing.json"
RATE = 8000
TURNS = [  # each turn: sentences said with a short pause between them
    ["안녕하세요.", "주차 문제를 신고하고 싶습니다."],
    ["우리 아파트 앞 도로에", "가로등이 일주일째 꺼져 있어요."],
    ["밤에 아이들이 다니기", "너무 위험합니다."],
    ["담당 부서에서 언제 확인할 수 있는지", "알려 주세요."],
    ["제 전화번호는", "공일공 일이삼사 오육칠팔입니다."],
    ["감사합니다.", "내일 다시 전화하겠습니다."],
]
SHORT_PAUSE_S, TURN_PAUSE_S, CUT_SLACK_S = 0.35, 0.9, 0.25


def speech(tmp: Path, speed: int = 150) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The audio and each spoken phrase's (start, end) in seconds."""
    import subprocess

    espeak = need_tool("espeak-ng")
    parts, spans, t = [np.zeros(int(0.5 * RATE), np.int16)], [], 0.5
    for turn in TURNS * 2:
        for i, phrase in enumerate(turn):
            wav = tmp / "phrase.wav"
            subprocess.run([espeak, "-v", "ko", "-s", str(speed), "-w", str(wav), phrase], check=True)
            samples, rate = _read(wav)
            pcm = trimmed(_resample(samples, rate, RATE))
            spans.append((t, t + len(pcm) / RATE))
            pause = SHORT_PAUSE_S if i < len(turn) - 1 else TURN_PAUSE_S
            parts += [pcm, np.zeros(int(pause * RATE), np.int16)]
            t += len(pcm) / RATE + pause
    return np.concatenate(parts), spans


def trimmed(pcm: np.ndarray, floor: int = 300) -> np.ndarray:
    """espeak pads its output with silence: keep the phrase itself, so the pauses are exactly ours."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > floor)
    return pcm[loud[0] : loud[-1] + 1] if len(loud) else pcm


def decode(model, pcm: bytes, force_after: float | None = None) -> tuple[list[dict], float, int]:
    """Finals with the audio position at which each came (None: at the end of the audio), the CPU it
    took, and how many finals our silence detection forced; through the live path's decoder."""
    from asr.decoding import UtteranceDecoder

    rec = model.new_recognizer(RATE)
    size, finals, fed = int(RATE * 0.1) * 2, [], [0]

    def on_final(utterance) -> None:
        finals.append({"text": utterance.text, "ended_at": fed[0] / 2 / RATE,
                       "result": [{"word": w.text, "start": w.start, "end": w.end} for w in utterance.words]})

    decoder = UtteranceDecoder(rec, RATE, on_final=on_final, on_partial=lambda _: None,
                               final_after_silence_s=force_after)
    cpu0 = time.process_time()
    for i in range(0, len(pcm), size):
        fed[0] = min(len(pcm), i + size)
        decoder.accept(pcm[i : i + size])
    fed[0] = -1
    decoder.finish()
    for f in finals:
        if f["ended_at"] < 0:
            f["ended_at"] = None
    return finals, time.process_time() - cpu0, decoder.forced_finals


def raw_decode(model, pcm: bytes) -> list[dict]:
    """Bare Vosk, as shipped (Kaldi's own random dither): the spread of two fresh recognizers."""
    rec = model.raw_recognizer(RATE)
    size, finals = int(RATE * 0.1) * 2, []
    for i in range(0, len(pcm), size):
        if rec.AcceptWaveform(pcm[i : i + size]):
            finals.append(json.loads(rec.Result()))
    finals.append(json.loads(rec.FinalResult()))
    return [f for f in finals if f.get("text")]


def text_of(finals: list[dict]) -> str:
    return asr.normalize_zh(" ".join(f["text"] for f in finals))


def cut_inside(finals: list[dict], spans: list[tuple[float, float]]) -> int:
    cuts = 0
    for f in finals:
        end = f["result"][-1]["end"]
        if any(start < end < stop - CUT_SLACK_S for start, stop in spans):
            cuts += 1
    return cuts


def end_words_changed(finals: list[dict], reference: list[dict], slack: float = 0.15) -> int:
    """Utterance-final words the reference decoding does not have (same word, end within ``slack`` s)."""
    words = [w for f in reference for w in f["result"]]
    changed = 0
    for f in finals:
        last = f["result"][-1]
        if not any(w["word"] == last["word"] and abs(w["end"] - last["end"]) < slack for w in words):
            changed += 1
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", default="model,1.0,0.5,0.3,force0.3,force0.4,force0.5,force0.6")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--speed", type=int, default=150, help="espeak-ng words per minute")
    args = parser.parse_args()
    model_dir = args.model or ko_model_dir()
    with tempfile.TemporaryDirectory() as tmp:
        audio, spans = speech(Path(tmp), args.speed)
    pcm = audio.tobytes()
    from asr.vosk_backend import VoskModel

    shipped = VoskModel(model_dir.resolve())  # Kaldi's random dither on: Vosk's own spread
    spread = asr.character_error_rate(text_of(raw_decode(shipped, pcm)), text_of(raw_decode(shipped, pcm)))
    del shipped
    models: dict[str, object] = {}

    def model_for(silence: str):
        if silence not in models:
            models[silence] = asr.load_model(model_dir, trailing_silence=None if silence == "model"
                                             else float(silence))
        return models[silence]

    reference, _, _ = decode(model_for("1.0"), pcm)
    said = " ".join(phrase for turn in TURNS * 2 for phrase in turn)
    rows = []
    for setting in args.settings.split(","):
        forced_after = float(setting[5:]) if setting.startswith("force") else None
        finals, cpu, forced = decode(model_for("1.0" if forced_after else setting), pcm, forced_after)
        delays = [f["ended_at"] - f["result"][-1]["end"] for f in finals if f["ended_at"] is not None]
        rows.append({
            "setting": setting, "utterances": len(finals), "forced_finals": forced,
            "ended_before_hang_up": len(delays),
            "endpoint_delay_p50_s": round(statistics.median(delays), 2) if delays else None,
            "endpoint_delay_max_s": round(max(delays), 2) if delays else None,
            "sentences_cut_inside": cut_inside(finals, spans),
            "end_words_changed": end_words_changed(finals, reference), "cpu_s": round(cpu, 2),
            "cer_vs_reference": round(asr.character_error_rate(text_of(reference), text_of(finals)), 3),
            "cer_vs_said": round(asr.character_error_rate(said, text_of(finals)), 3),
            "text": text_of(finals)})
        if setting != "1.0":
            models.pop(setting, None)  # one model loaded besides the reference's
    print(f"{len(spans)} phrases, {len(audio) / RATE:.0f} s of 8 kHz speech (espeak -s {args.speed}); "
          f"pauses {SHORT_PAUSE_S} s inside a turn, {TURN_PAUSE_S} s between turns")
    print(f"{'setting':>9} {'utts':>4} {'forced':>6} {'delay p50':>9} {'delay max':>9} {'cut inside':>10} "
          f"{'end words changed':>17} {'CER vs 1.0':>10} {'CER vs said':>11}")
    for r in rows:
        print(f"{r['setting']:>9} {r['utterances']:>4} {r['forced_finals']:>6} "
              f"{r['endpoint_delay_p50_s']!s:>9} {r['endpoint_delay_max_s']!s:>9} "
              f"{r['sentences_cut_inside']:>10} {r['end_words_changed']:>17} {r['cer_vs_reference']:>10} "
              f"{r['cer_vs_said']:>11}")
    print(f"Vosk's own spread (two fresh bare recognizers, model as shipped, Kaldi's random dither): "
          f"CER {spread:.3f}; load average {os.getloadavg()}")
    summary = {"machine": {"cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()},
               "audio_s": round(len(audio) / RATE, 1), "phrases": len(spans), "espeak_speed": args.speed,
               "vosk_fresh_vs_fresh_cer": round(spread, 3), "reference": "1.0", "settings": rows}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
