"""A 100,000-row CSV export streams over HTTP with flat memory: the peak does not grow with the rows."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import insert

from hotline.models import Case
from tests.analytics.analytics_app import analytics_app, serve

ROWS = 100_000


def _fill(engine, now: datetime) -> None:
    content = "小区暖气一直不热，屋里才十几度，找物业也没人管，请尽快派人维修。联系电话13812345678"
    with engine.begin() as conn:
        for start in range(0, ROWS, 10_000):
            conn.execute(insert(Case), [{
                "id": i + 1, "tracking_code": f"E-{i:08d}", "source_ref": f"export:{i}", "channel": "web",
                "status": "accepted", "title": f"供暖不热 {i}", "content": content, "intent": "complaint",
                "citizen_phone": f"139{i:08d}", "routing": [], "kb_matches": [], "town": "城川镇",
                "created_at": now - timedelta(seconds=20 * i), "updated_at": now,
            } for i in range(start, start + 10_000)])


def test_csv_export_of_100k_rows_streams_with_flat_memory(fresh_engine, tmp_path):
    now = datetime.now(UTC)
    _fill(fresh_engine, now)
    app = analytics_app(fresh_engine, tmp_path)
    params = {"start": (now - timedelta(days=40)).date().isoformat()}
    with serve(app) as base, httpx.Client(base_url=base, timeout=120) as client:
        tracemalloc.start()
        try:
            rows = size = 0
            early_peak = None
            with client.stream("GET", "/analytics/export.csv", params=params) as response:
                assert response.status_code == 200
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    rows += chunk.count(b"\r\n")
                    if early_peak is None and rows >= 10_000:
                        early_peak = tracemalloc.get_traced_memory()[1]
                        tracemalloc.reset_peak()
            late_peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert rows == ROWS + 1  # header + every case, no cap
    assert size > 15_000_000
    # the whole file is > 15 MB; streaming keeps the peak to a few batches whatever the row count
    assert late_peak < early_peak + 8_000_000, (early_peak, late_peak)
    assert late_peak < 40_000_000
