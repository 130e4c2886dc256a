"""Does the way the live path feeds Vosk cost CPU inside Vosk? Bare Vosk, fed as bench/calls.py's raw baseline
does, against the same audio fed the live path's ways, one difference at a time (issue 19: the calls' CPU
inside Vosk was 1.27-1.50x what the raw baseline spent on the same recordings).

    python bench/vosk_feeding.py [--recordings DIR] [--repeats 3] [--paced 4]

Variants (each a warm recognizer of its own, all decoding the same audio, interleaved, ``--repeats`` rounds):
raw (0.1 s slices, Result at endpoints, FinalResult + Reset per call), +partials (PartialResult every 0.2 s),
+wrapper_reset (our reset: a sample, FinalResult, Reset), +trailing_silence_1.0 (sip.conf's endpoint rules),
wrapper (asr's UtteranceDecoder + VoskRecognizer: seeded dither, partial hook, 0.5 s turns), wrapper without
dither, wrapper without partials, raw_2threads (two recognizers decoding at once, CPU per thread) and
raw_paced (0.5 s turns at real time, the thread asleep between them, on the first ``--paced`` recordings).

Audio: the 8 kHz call recordings in ``--recordings`` (e.g. a bench/calls.py run's /tmp/bench-calls-*/), else
Korean espeak-ng speech made at run time. CPU is thread CPU (time.thread_time); the machine is shared: the
ratios within one run are what count. Writes bench/results/vosk_feeding.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import asr  # noqa: E402
from asr.audio_file import open_audio  # noqa: E402
from asr.decoding import UtteranceDecoder  # noqa: E402
from hotline.sip.config import DEFAULT_TRAILING_SILENCE_S  # noqa: E402
from tests.calls.call_testkit import KO_SENTENCES, ko_model_dir, write_speech  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "vosk_feeding.json"
RATE = 8000
SLICE = int(RATE * 0.1) * 2
TURN = int(RATE * 0.5) * 2
Decode = Callable[[bytes], None]


def load_audio(recordings: Path | None) -> list[bytes]:
    if recordings is not None:
        files = sorted(recordings.glob("**/recordings/**/*.wav"))
    else:
        made = Path(tempfile.mkdtemp(prefix="vosk-feeding-"))
        files = [write_speech(made / f"speech{i}.wav", KO_SENTENCES[i % 2:] + KO_SENTENCES[: i % 2])
                 for i in range(6)]
    pcms = []
    for path in files:
        source = open_audio(path)
        if source.sample_rate == RATE:
            pcms.append(b"".join(source.blocks))
    if not pcms:
        sys.exit(f"no {RATE} Hz recordings under {recordings}")
    return pcms


def raw(model, *, partials: bool = False, wrapper_reset: bool = False, paced: bool = False) -> Decode:
    rec = model.raw_recognizer(RATE)
    rec.SetWords(True)

    def decode(pcm: bytes) -> None:
        slices = 0
        for turn in range(0, len(pcm), TURN):
            chunk = pcm[turn:turn + TURN]
            for i in range(0, len(chunk), SLICE):
                if rec.AcceptWaveform(chunk[i:i + SLICE]):
                    json.loads(rec.Result())
                elif partials:
                    slices += 1
                    if slices % 2 == 0:
                        json.loads(rec.PartialResult())
            if paced:
                time.sleep(0.5)
        json.loads(rec.FinalResult())
        if wrapper_reset:
            rec.AcceptWaveform(b"\0\0")
            rec.FinalResult()
        rec.Reset()
    return decode


def wrapper(model, *, dither: bool = True, partials: bool = True) -> Decode:
    rec = model.new_recognizer(RATE)
    if not dither:
        rec._dither = None  # an experiment: the model as loaded (Kaldi's dither off), no seeded one

    def decode(pcm: bytes) -> None:
        decoder = UtteranceDecoder(rec, RATE, on_partial=(lambda _: None) if partials else None,
                                   on_final=lambda _: None)
        for i in range(0, len(pcm), TURN):
            decoder.accept(pcm[i:i + TURN])
        decoder.finish()
        rec.reset()
    return decode


def cpu_per_audio_s(decode: Decode, pcms: list[bytes]) -> float:
    started = time.thread_time()
    for pcm in pcms:
        decode(pcm)
    return (time.thread_time() - started) / (sum(len(p) for p in pcms) / 2 / RATE)


def _decode_into(spent: list[float], i: int, decode: Decode, pcms: list[bytes]) -> None:
    spent[i] = cpu_per_audio_s(decode, pcms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recordings", type=Path, default=None, help="a bench/calls.py run's directory")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--paced", type=int, default=4, help="recordings decoded at real time (0: skip)")
    args = parser.parse_args()
    pcms = load_audio(args.recordings)
    model = asr.load_model(ko_model_dir())
    with_endpointing = asr.load_model(ko_model_dir(), trailing_silence=DEFAULT_TRAILING_SILENCE_S)
    variants: dict[str, Decode] = {
        "raw": raw(model), "raw+partials": raw(model, partials=True),
        "raw+wrapper_reset": raw(model, wrapper_reset=True),
        f"raw+trailing_silence_{DEFAULT_TRAILING_SILENCE_S:g}": raw(with_endpointing),
        "wrapper": wrapper(model), "wrapper_nodither": wrapper(model, dither=False),
        "wrapper_nopartials": wrapper(model, partials=False),
    }
    pair = [raw(model), raw(model)]
    paced = {"raw_batch": raw(model), "raw_paced": raw(model, paced=True)}
    for decode in [*variants.values(), *pair, *paced.values()]:
        for _ in range(2):  # warm, as a pooled recognizer is (the paced one at real time too)
            decode(pcms[0])
    figures: dict[str, list[float]] = {name: [] for name in [*variants, "raw_2threads", *paced]}
    loads = []
    for round_ in range(args.repeats):
        for name, decode in variants.items():
            figures[name].append(cpu_per_audio_s(decode, pcms))
        spent = [0.0, 0.0]
        threads = [threading.Thread(target=_decode_into, args=(spent, i, pair[i], pcms)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        figures["raw_2threads"].append(sum(spent) / 2)
        if args.paced:
            for name, decode in paced.items():
                figures[name].append(cpu_per_audio_s(decode, pcms[: args.paced]))
        loads.append(os.getloadavg()[0])
        print(f"round {round_ + 1}: load {loads[-1]:.1f}", flush=True)
    figures = {name: values for name, values in figures.items() if values}
    base = statistics.median(figures["raw"])
    paced_base = statistics.median(figures["raw_batch"]) if "raw_batch" in figures else None
    summary = {"audio_s": round(sum(len(p) for p in pcms) / 2 / RATE, 1), "recordings": len(pcms),
               "load_averages": loads, "cpus": os.cpu_count(), "variants": {}}
    print(f"{summary['audio_s']} s of {RATE} Hz audio in {len(pcms)} recordings; thread CPU s per audio s, "
          f"median of {args.repeats} (vs raw; raw_paced vs raw_batch on the same {args.paced} recordings):")
    for name, values in figures.items():
        reference = paced_base if name == "raw_paced" else base
        ratio = statistics.median(values) / reference if reference else None
        summary["variants"][name] = {"cpu_s_per_audio_s": [round(v, 4) for v in values],
                                     "over_reference": round(ratio, 2) if ratio else None}
        print(f"  {name:28s} {statistics.median(values):.4f}  {ratio:.2f}x  {[round(v, 4) for v in values]}")
    print(f"load average per round {loads} (shared machine)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
