"""Prometheus /metrics: the figures the README names, HTTP latency per route template, loopback only."""

from __future__ import annotations


def test_metrics_name_the_figures_and_time_requests(client):
    assert client.get("/healthz").status_code == 200
    text = client.get("/metrics").text
    for name in (
        "hotline_calls_active 0",
        "hotline_cases_waiting_confirm",
        "hotline_asr_lag_seconds",
        "hotline_asr_backlog_seconds",
        "hotline_spool_backlog_files 0",
        "hotline_callbacks_due",
        "hotline_transcription_queued",
    ):
        assert name in text
    assert 'hotline_http_request_duration_seconds_count{method="GET",route="/healthz",status="2xx"} 1' in text
