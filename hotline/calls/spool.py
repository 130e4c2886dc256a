"""Durable hand-off of finished calls: written to disk first, deleted only after the database committed.

When the database is briefly unavailable nothing is lost: the files stay and are replayed later, in order.
A record that cannot be replayed for a reason of its own (unreadable or truncated JSON, data the database
refuses) is moved to ``quarantine/`` with a note saying why — kept, counted, shown on ``/healthz`` — and
the records behind it go on being written. Only an outage (the database unreachable, the disk failing)
stops a replay, to keep the order. A ``.tmp`` left by a crash in the middle of :meth:`Spool.put` is
finished if it holds a whole record, quarantined otherwise.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)

QUARANTINE_DIR = "quarantine"
STALE_TMP_S = 60.0  # a .tmp older than this is a crash leftover, not a write in progress
# the database (or the disk) is away: retry the same record later, in order
OUTAGES = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout, OSError)


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.quarantine_dir = directory / QUARANTINE_DIR
        self._lock = threading.Lock()

    def put(self, key: str, data: dict) -> Path:
        path = self.directory / f"{key}.json"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return path

    def pending(self) -> list[Path]:
        return sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime)

    def quarantined(self) -> list[Path]:
        return sorted(self.quarantine_dir.glob("*.json")) if self.quarantine_dir.is_dir() else []

    def health(self) -> dict:
        """Backlog figures for /healthz: waiting records, the oldest one's age, quarantined records."""
        pending = self.pending()
        oldest = time.time() - pending[0].stat().st_mtime if pending else 0.0
        return {"spool_pending": len(pending), "spool_oldest_s": round(oldest, 1),
                "spool_quarantined": len(self.quarantined())}

    def replay(self, handle: Callable[[dict], None]) -> tuple[int, int]:
        """Hand each spooled record to ``handle``; delete it when handled. Returns (done, still pending)."""
        done = 0
        with self._lock:  # one replay at a time, so a record is never written twice concurrently
            self._recover_tmp_files()
            for path in self.pending():
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                    if not isinstance(data, dict):
                        raise ValueError(f"a record is a JSON object, not {type(data).__name__}")
                except (ValueError, UnicodeDecodeError) as exc:
                    self._quarantine(path, f"unreadable record: {exc}")
                    continue
                try:
                    handle(data)
                except OUTAGES as exc:
                    log.warning("spooled record %s not written yet (%s); will retry", path.name, exc)
                    break  # the database is still down: keep the order, try again later
                except Exception as exc:  # this record's own fault: set it aside, go on with the rest
                    self._quarantine(path, f"{type(exc).__name__}: {exc}")
                    continue
                path.unlink(missing_ok=True)
                done += 1
        return done, len(self.pending())

    def _quarantine(self, path: Path, reason: str) -> None:
        self.quarantine_dir.mkdir(exist_ok=True)
        target = self.quarantine_dir / (path.stem + ".json")
        os.replace(path, target)
        target.with_suffix(".reason.txt").write_text(reason[:4000] + "\n", encoding="utf-8")
        log.error("spooled record %s cannot be written (%s); quarantined in %s — fix it and move it back "
                  "to %s to replay it", path.name, reason[:200], self.quarantine_dir, self.directory)

    def _recover_tmp_files(self) -> None:
        now = time.time()
        for tmp in self.directory.glob("*.tmp"):
            try:
                if now - tmp.stat().st_mtime < STALE_TMP_S:
                    continue
                json.loads(tmp.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue
            except (ValueError, UnicodeDecodeError) as exc:
                self._quarantine(tmp, f"incomplete write: {exc}")
                continue
            final = tmp.with_suffix(".json")
            if final.exists():
                tmp.unlink()
            else:
                os.replace(tmp, final)
