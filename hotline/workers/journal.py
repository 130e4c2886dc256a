"""In-flight call journal: what a worker has captured of each call, so a crash still yields a case.

Per call, ``<spool>/inflight/<call_id>.jsonl``: a first line with the CallInfo, then one line per final
utterance and the language choice (plain appends: they reach the page cache at once, so SIGKILL of the
worker loses nothing already written; only a machine crash could). The file is deleted when the call's case
is committed (``case.created``).

Calls cut by a crash: the restarted worker turns each journal whose call is not already in the spool into a
finished call (end reason ``worker_crash``) with the utterances recognised before the crash, the recording
as far as it was written (its WAV header repaired), and a case created from that like any other call. The
case text says the call was cut off; with no utterance it is "transcript unavailable" and points to the
recording.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import struct
import threading
from datetime import UTC, datetime
from pathlib import Path

from hotline.calls.finished import FinishedCall
from hotline.calls.spool import Spool
from hotline.models import TranscriptStatus
from hotline.sip.protocol import AudioSink, CallInfo, CallSummary, Language
from hotline.sip.recording import recording_path

log = logging.getLogger(__name__)
CRASH_REASON = "worker_crash"
CUT_NOTE = "通话因SIP工作进程异常退出而中断，转写只含中断前已识别的部分，请收听录音"
NOTHING_NOTE = "SIP工作进程异常退出，通话中断前没有识别出完整语句"


class CallJournal:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def _path(self, call_id: str) -> Path:
        return self.directory / f"{call_id}.jsonl"

    def _append(self, call_id: str, record: dict, *, create: bool = False) -> None:
        path = self._path(call_id)
        if not create and not path.exists():
            return
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        with self._lock, open(path, "a", encoding="utf-8") as fh:
            fh.write(line)

    def begin(self, call: CallInfo) -> None:
        self._append(call.call_id, {"info": dataclasses.asdict(call)}, create=True)

    def on_event(self, event) -> None:
        """EventHub listener in the worker: keeps finals and the language; closes the journal at the case."""
        try:
            data, call_id = event.data, event.data.get("call_id")
            if not call_id:
                return
            if event.kind == "call.final":
                self._append(call_id, {"final": {k: data[k] for k in ("text", "start", "end", "confidence")}})
            elif event.kind == "call.language":
                self._append(call_id, {"language": data["language"]})
            elif event.kind == "case.created" or (event.kind == "call.ended" and data.get("case_id") is None
                                                  and data.get("reason") == "blocked"):
                self._path(call_id).unlink(missing_ok=True)  # stored (a blocked caller's call has no case)
        except Exception:
            log.exception("call journal: event %s not recorded", event.kind)

    def pending(self) -> list[Path]:
        return sorted(self.directory.glob("*.jsonl"))

    def recover(self, spool: Spool, *, recordings_dir: Path, timezone: str, frame_bytes: int,
                worker: str, analyze) -> list[str]:
        """Spool a finished-call record for every call cut by a crash; returns their call ids."""
        recovered = []
        for path in self.pending():
            call_id = path.stem
            if (spool.directory / f"{call_id}.json").exists():  # it finished; the spool replays it
                path.unlink(missing_ok=True)
                continue
            try:
                record = _cut_call(path, recordings_dir, timezone, frame_bytes, worker)
            except (OSError, ValueError, KeyError, TypeError):
                log.exception("call journal %s is unreadable; moved aside", path.name)
                path.rename(path.with_suffix(".bad"))
                continue
            if record.text:
                record.analysis = dataclasses.asdict(analyze(record.text))
            else:
                from hotline.cases.intake import ContactAnalysis

                record.analysis = dataclasses.asdict(ContactAnalysis())
            spool.put(call_id, record.to_json())
            path.unlink(missing_ok=True)
            recovered.append(call_id)
            log.warning("call %s was cut by a worker crash: case from %d utterances and %s", call_id,
                        len(record.utterances), record.recording_path or "no recording")
        return recovered


def _cut_call(path: Path, recordings_dir: Path, timezone: str, frame_bytes: int, worker: str) -> FinishedCall:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    info = lines[0]["info"]
    finals = [line["final"] for line in lines if "final" in line]
    language = next((line["language"] for line in reversed(lines) if "language" in line), "zh")
    started = datetime.fromisoformat(info["started_at"])
    wav = recording_path(recordings_dir, info["call_id"], started, timezone)
    audio_bytes = repair_wav_header(wav) if wav.exists() else 0
    last_write = max(path.stat().st_mtime, wav.stat().st_mtime if wav.exists() else 0.0)
    ended = max(datetime.fromtimestamp(last_write, UTC), started)
    utterances = [{**u, "words": []} for u in finals]
    status, note = ((TranscriptStatus.complete, CUT_NOTE) if utterances
                    else (TranscriptStatus.unavailable, NOTHING_NOTE))
    return FinishedCall(
        call_id=info["call_id"], sip_call_id=info["sip_call_id"], caller=info["caller"],
        callee=info["callee"], direction=info["direction"], started_at=started.isoformat(),
        ended_at=ended.isoformat(), end_reason=CRASH_REASON, duration_s=(ended - started).total_seconds(),
        language=language, recording_path=str(wav) if audio_bytes else None,
        frames_received=audio_bytes // frame_bytes if frame_bytes else 0, frames_dropped=0,
        transcript_status=status.value, transcript_note=note, utterances=utterances, worker=worker,
    )


def repair_wav_header(path: Path) -> int:
    """Make a WAV cut by a crash playable: set the RIFF and data sizes from the file size. Returns the
    audio byte count (0 when the file is not a plain 44-byte-header PCM WAV)."""
    try:
        with open(path, "r+b") as fh:
            header = fh.read(44)
            plain = header[:4] == b"RIFF" and header[8:12] == b"WAVE" and header[36:40] == b"data"
            if len(header) < 44 or not plain:
                return 0
            size = fh.seek(0, 2)
            audio = (size - 44) // 2 * 2
            if struct.unpack("<I", header[40:44])[0] != audio:
                fh.seek(4)
                fh.write(struct.pack("<I", 36 + audio))
                fh.seek(40)
                fh.write(struct.pack("<I", audio))
            return audio
    except OSError:
        return 0


class JournalingObserver:
    """Wraps the LiveCallPipeline (a CallObserver): journals each call before the pipeline sees it."""

    def __init__(self, pipeline, journal: CallJournal) -> None:
        self.pipeline = pipeline
        self.journal = journal

    def on_call_started(self, call: CallInfo) -> AudioSink | None:
        try:
            self.journal.begin(call)
        except OSError:
            log.exception("call %s: journal not written", call.call_id)
        return self.pipeline.on_call_started(call)

    def on_language(self, call_id: str, lang: Language) -> None:
        self.pipeline.on_language(call_id, lang)

    def on_dtmf(self, call_id: str, digit: str) -> None:
        self.pipeline.on_dtmf(call_id, digit)

    def on_call_ended(self, call_id: str, summary: CallSummary) -> None:
        self.pipeline.on_call_ended(call_id, summary)

    def on_agent_leg(self, call_id: str, agent_id: int, leg: CallInfo) -> AudioSink | None:
        return self.pipeline.on_agent_leg(call_id, agent_id, leg)

    def on_agent_connected(self, call_id: str, agent_id: int) -> None:
        self.pipeline.on_agent_connected(call_id, agent_id)

    def on_agent_gone(self, call_id: str, agent_id: int, answered: bool) -> None:
        self.pipeline.on_agent_gone(call_id, agent_id, answered)

    def on_party_leg(self, call_id: str, speaker: str, leg: CallInfo) -> AudioSink | None:
        return self.pipeline.on_party_leg(call_id, speaker, leg)
