"""Faster finals against cut sentences: decode the same telephone speech (Korean espeak-ng, 8 kHz, pauses of
0.35 s inside a turn and 0.9 s between turns) with the model's endpoint rules and with sip.conf's
``[asr] trailing_silence`` at several settings.

    python bench/endpointing.py [--settings model,1.5,1.0,0.7,0.5] [--model PATH]

Per setting: the endpoint delay (audio seconds from an utterance's last word to the moment Vosk ends it: the
least a final can lag; live decoding adds its own queueing), utterances, sentences cut inside (an utterance
ending more than 0.25 s before its sentence does), and the CER of the whole transcript against the model's
own rules -- printed beside two fresh recognizers' CER with the same rules (Vosk's own spread: below it,
the setting changes nothing a reader would notice). Writes bench/results/endpointing.json.
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


def speech(tmp: Path) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The audio and each spoken phrase's (start, end) in seconds."""
    import subprocess

    espeak = need_tool("espeak-ng")
    parts, spans, t = [np.zeros(int(0.5 * RATE), np.int16)], [], 0.5
    for turn in TURNS * 2:
        for i, phrase in enumerate(turn):
            wav = tmp / "phrase.wav"
            subprocess.run([espeak, "-v", "ko", "-s", "150", "-w", str(wav), phrase], check=True)
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


def decode(model, pcm: bytes) -> tuple[list[dict], float]:
    """Finals with the audio position at which Vosk ended each; and the CPU it took."""
    rec = model.raw_recognizer(RATE)
    rec.SetWords(True)
    size, finals = int(RATE * 0.1) * 2, []
    cpu0 = time.process_time()
    for i in range(0, len(pcm), size):
        if rec.AcceptWaveform(pcm[i : i + size]):
            result = json.loads(rec.Result())
            if result.get("result"):
                finals.append({**result, "ended_at": (i + size) / 2 / RATE})
    last = json.loads(rec.FinalResult())
    if last.get("result"):
        finals.append({**last, "ended_at": None})
    return finals, time.process_time() - cpu0


def text_of(finals: list[dict]) -> str:
    return asr.normalize_zh(" ".join(f["text"] for f in finals))


def cut_inside(finals: list[dict], spans: list[tuple[float, float]]) -> int:
    cuts = 0
    for f in finals:
        end = f["result"][-1]["end"]
        if any(start < end < stop - CUT_SLACK_S for start, stop in spans):
            cuts += 1
    return cuts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", default="model,1.5,1.0,0.7,0.5")
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    model_dir = args.model or ko_model_dir()
    with tempfile.TemporaryDirectory() as tmp:
        audio, spans = speech(Path(tmp))
        pcm = audio.tobytes()
        rows, reference = [], None
        for setting in args.settings.split(","):
            silence = None if setting == "model" else float(setting)
            model = asr.load_model(model_dir, trailing_silence=silence)
            finals, cpu = decode(model, pcm)
            delays = [f["ended_at"] - f["result"][-1]["end"] for f in finals if f["ended_at"] is not None]
            row = {"trailing_silence": setting, "utterances": len(finals),
                   "ended_by_silence": len(delays),
                   "endpoint_delay_p50_s": round(statistics.median(delays), 2) if delays else None,
                   "endpoint_delay_max_s": round(max(delays), 2) if delays else None,
                   "sentences_cut_inside": cut_inside(finals, spans), "cpu_s": round(cpu, 2),
                   "text": text_of(finals)}
            if reference is None:
                reference = row["text"]
                again, _ = decode(model, pcm)
                row["fresh_vs_fresh_cer"] = round(asr.character_error_rate(reference, text_of(again)), 3)
            row["cer_vs_model_rules"] = round(asr.character_error_rate(reference, row["text"]), 3)
            rows.append(row)
            del model
    print(f"{len(spans)} phrases, {len(audio) / RATE:.0f} s of 8 kHz speech; pauses {SHORT_PAUSE_S} s "
          f"inside a turn, {TURN_PAUSE_S} s between turns")
    print(f"{'silence':>8} {'utts':>4} {'by silence':>10} {'delay p50':>9} {'delay max':>9} "
          f"{'cut inside':>10} {'CER vs model':>12}")
    for r in rows:
        print(f"{r['trailing_silence']:>8} {r['utterances']:>4} {r['ended_by_silence']:>10} "
              f"{r['endpoint_delay_p50_s']!s:>9} {r['endpoint_delay_max_s']!s:>9} "
              f"{r['sentences_cut_inside']:>10} {r['cer_vs_model_rules']:>12}")
    print(f"Vosk's own spread (two fresh recognizers, model rules): CER {rows[0]['fresh_vs_fresh_cer']}")
    summary = {"machine": {"cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()},
               "audio_s": round(len(audio) / RATE, 1), "phrases": len(spans), "settings": rows}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
