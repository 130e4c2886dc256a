"""Durable hand-off of finished calls: written to disk first, deleted only after the database committed.

When the database is briefly unavailable nothing is lost: the files stay and are replayed later.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
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

    def replay(self, handle: Callable[[dict], None]) -> tuple[int, int]:
        """Hand each spooled record to ``handle``; delete it when handled. Returns (done, still pending)."""
        done = 0
        with self._lock:  # one replay at a time, so a record is never written twice concurrently
            for path in self.pending():
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    log.exception("spool file %s is unreadable; moved aside", path)
                    path.rename(path.with_suffix(".bad"))
                    continue
                try:
                    handle(data)
                except Exception as exc:
                    log.warning("spooled record %s not written yet (%s); will retry", path.name, exc)
                    break  # the database is still down: keep the order, try again later
                path.unlink(missing_ok=True)
                done += 1
        return done, len(self.pending())
