"""One bad spool record no longer stops every later call from being written (issue 14, finding 4)."""

from __future__ import annotations

import json
import os
import time

from sqlalchemy.exc import IntegrityError, OperationalError

from hotline.calls.spool import STALE_TMP_S, Spool


def _spool(tmp_path, *records: tuple[str, object]) -> Spool:
    spool = Spool(tmp_path / "spool")
    for age, (key, data) in enumerate(reversed(records)):
        path = spool.directory / f"{key}.json"
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        stamp = time.time() - 100 - age  # the first record is the oldest
        os.utime(path, (stamp, stamp))
    return spool


def test_a_bad_record_is_quarantined_and_the_calls_behind_it_are_written(tmp_path):
    spool = _spool(tmp_path, ("a-good", {"n": 1}), ("b-refused", {"n": 2, "bad": True}),
                   ("c-truncated", '{"n": 3, "te'), ("d-good", {"n": 4}))
    tmp = spool.directory / "e-crashed.tmp"  # a crash after fsync, before the rename
    tmp.write_text(json.dumps({"n": 5}), encoding="utf-8")
    os.utime(tmp, (time.time() - STALE_TMP_S - 5,) * 2)
    half = spool.directory / "f-half.tmp"
    half.write_text('{"n": ', encoding="utf-8")
    os.utime(half, (time.time() - STALE_TMP_S - 5,) * 2)
    written = []

    def handle(data):
        if data.get("bad"):
            raise IntegrityError("insert", {}, Exception("value too long for type character varying(32)"))
        written.append(data["n"])

    assert spool.replay(handle) == (3, 0)
    assert written == [1, 4, 5]  # in order, nothing waits behind the bad records
    names = sorted(p.name for p in spool.quarantined())
    assert names == ["b-refused.json", "c-truncated.json", "f-half.json"]
    reason = (spool.quarantine_dir / "b-refused.reason.txt").read_text(encoding="utf-8")
    assert "IntegrityError" in reason and "too long" in reason
    assert json.loads((spool.quarantine_dir / "b-refused.json").read_text())["n"] == 2  # kept as it was
    assert spool.health() == {"spool_pending": 0, "spool_oldest_s": 0.0, "spool_quarantined": 3}


def test_an_outage_keeps_the_order_and_quarantines_nothing(tmp_path):
    spool = _spool(tmp_path, ("a", {"n": 1}), ("b", {"n": 2}))

    def down(data):
        raise OperationalError("select 1", {}, Exception("connection refused"))

    assert spool.replay(down) == (0, 2)
    assert spool.quarantined() == [] and spool.health()["spool_pending"] == 2
    assert spool.health()["spool_oldest_s"] >= 100
    written = []
    assert spool.replay(lambda d: written.append(d["n"])) == (2, 0)
    assert written == [1, 2]
