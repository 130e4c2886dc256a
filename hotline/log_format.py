"""How `hotline serve` logs: one format for our lines, uvicorn's and the libraries', timestamps in the
configured time zone, ``text`` for people or ``json`` (one object per line) for log collectors. Library
chatter that says nothing happened (APScheduler's "job executed successfully" every 5 s) is kept at WARNING:
the jobs themselves log what they did."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

FORMATS = ("text", "json")
FORMAT_ENV = "HOTLINE_LOG_FORMAT"  # how `hotline serve` tells its SIP workers the --log-format
QUIET_LOGGERS = ("apscheduler", "apscheduler.scheduler", "apscheduler.executors.default")
CONTEXT_FIELDS = ("call_id", "case_id", "callback_id", "worker")  # passed with ``extra=``


class _ZonedTime:
    zone: ZoneInfo

    def zoned(self, record: logging.LogRecord) -> str:
        return datetime.fromtimestamp(record.created, self.zone).isoformat(timespec="milliseconds")


class TextFormatter(_ZonedTime, logging.Formatter):
    def __init__(self, zone: ZoneInfo, worker: str = "") -> None:
        name = f"{worker} " if worker else ""  # a SIP worker's lines carry its name, e.g. "worker-0"
        super().__init__(f"%(asctime)s %(levelname)s {name}%(name)s: %(message)s")
        self.zone = zone

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return self.zoned(record)


class JsonFormatter(_ZonedTime, logging.Formatter):
    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__()
        self.zone = zone

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.zoned(record), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        for name in CONTEXT_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _WorkerField(logging.Filter):
    """Stamps every record of a SIP worker process with its name (the ``worker`` field in JSON)."""

    def __init__(self, worker: str) -> None:
        super().__init__()
        self.worker = worker

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "worker"):
            record.worker = self.worker
        return True


def configure_logging(*, level: str = "INFO", timezone: str = "Asia/Shanghai", fmt: str = "text",
                      worker: str = "") -> None:
    """Replace the root handlers with one stderr handler in ``fmt``; quiet the per-tick library loggers.
    ``worker``: a SIP worker process logs the same way, its name on every line."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    zone = ZoneInfo(timezone)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(zone) if fmt == "json" else TextFormatter(zone, worker))
    if worker:
        handler.addFilter(_WorkerField(worker))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # through the root handler, same format
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
