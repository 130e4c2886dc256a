"""Turn analytics figures into what the pages show: zh-CN labels, drill-down links, chart payloads."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from hotline.analytics import figures
from hotline.analytics.case_list import Selection
from hotline.analytics.filters import NONE, CaseFilter
from hotline.analytics.measures import MEASURES, RATES
from web import labels

DIMENSIONS = {
    "intent": "类型", "department": "承办单位", "town": "镇", "channel": "渠道",
    "service_item": "服务事项", "status": "状态", "handler_level": "承办层级",
}
DASHBOARD_DIMENSIONS = ("intent", "department", "town", "channel", "service_item")
RATE_MEASURES = tuple(dict.fromkeys(n for r in RATES for n in (r.numerator, r.denominator)))
GRAIN_LABELS = {"hour": "小时", "day": "日", "week": "周", "month": "月"}
_ENUM_LABELS = {"intent": labels.INTENT, "channel": labels.CHANNEL, "status": labels.STATUS,
                "handler_level": labels.LEVEL}
_NONE_LABELS = {"intent": "未分类", "department": "未指派", "town": "旗级/未定位",
                "service_item": "未匹配事项"}
EXPORT_LABELS = {"intent": labels.INTENT, "channel": labels.CHANNEL, "status": labels.STATUS}


def key_label(dimension: str, key: str, name: str | None = None) -> str:
    if key == NONE:
        return _NONE_LABELS.get(dimension, "未填写")
    if key == "other":
        return "其他"
    if name:
        return name
    return _ENUM_LABELS.get(dimension, {}).get(key, key)


def drill_url(selection: Selection, path: str = "/analytics/cases") -> str:
    return f"{path}?{urlencode(selection.query_params())}"


def filter_url(flt: CaseFilter, path: str, **extra: str) -> str:
    return f"{path}?{urlencode({**flt.query_params(), **extra})}"


def summary_view(session: Session, flt: CaseFilter, now: datetime | None = None) -> dict:
    s = figures.summary(session, flt, now=now)
    cards = [
        {"name": m, "label": MEASURES[m].label, "definition": MEASURES[m].definition, "value": s.counts[m],
         "url": drill_url(Selection(flt, m))}
        for m in s.counts
    ]
    rates = [
        {"name": r.name, "label": r.label, "definition": r.definition, "value": s.rates[r.name],
         "numerator": s.counts[r.numerator], "denominator": s.counts[r.denominator],
         "numerator_url": drill_url(Selection(flt, r.numerator)),
         "denominator_url": drill_url(Selection(flt, r.denominator))}
        for r in RATES
    ]
    change = None
    if s.previous_total:
        change = (s.counts["all"] - s.previous_total) / s.previous_total
    return {"cards": cards, "rates": rates, "avg_handling_hours": s.avg_handling_hours,
            "as_of": labels.china_time(s.as_of, "%Y-%m-%d %H:%M:%S"),
            "avg_call_minutes": s.avg_call_minutes, "previous_total": s.previous_total, "change": change,
            "total": s.counts["all"]}


def breakdown_view(session: Session, flt: CaseFilter, dimension: str, *, with_rates: bool = False,
                   now: datetime | None = None, limit: int = 30) -> dict:
    names = RATE_MEASURES if with_rates else ("all",)
    items = figures.breakdown(session, flt, dimension, now=now, names=("all", *names))
    rows = []
    for item in items[:limit]:
        narrowed = flt.with_dimension(dimension, item["key"])
        row = {"key": item["key"], "label": key_label(dimension, item["key"], item["name"]),
               "count": item["counts"]["all"], "url": drill_url(Selection(narrowed)),
               "filter_url": filter_url(narrowed, "/analytics")}
        if with_rates:
            row["rates"] = [{"label": r.label, "value": item["rates"][r.name],
                             "numerator": item["counts"][r.numerator],
                             "denominator": item["counts"][r.denominator],
                             "url": drill_url(Selection(narrowed, r.numerator))} for r in RATES]
        rows.append(row)
    return {"dimension": dimension, "title": DIMENSIONS[dimension], "rows": rows,
            "more": max(0, len(items) - limit), "total": sum(i["counts"]["all"] for i in items)}


def trend_view(session: Session, flt: CaseFilter, grain: str, dimension: str | None = None) -> dict:
    data = figures.trend(session, flt, grain, dimension=dimension)
    series = []
    for s in data["series"]:
        label = "受理量" if dimension is None else key_label(dimension, s["key"], s["name"])
        whole = dimension is None or s["key"] == "other"
        narrowed = flt if dimension is None or whole else flt.with_dimension(dimension, s["key"])
        urls = [drill_url(Selection(narrowed, grain=grain, bucket=b)) for b in data["buckets"]]
        series.append({"key": s["key"], "label": label, "values": s["values"], "urls": urls})
    return {"grain": grain, "grain_label": GRAIN_LABELS[grain], "buckets": data["buckets"], "series": series}


def hour_view(session: Session, flt: CaseFilter) -> dict:
    counts = figures.hour_profile(session, flt)
    buckets = [f"{h:02d}" for h in range(24)]
    return {"buckets": [f"{b}时" for b in buckets], "values": counts,
            "urls": [drill_url(Selection(flt, grain="hour_of_day", bucket=b)) for b in buckets]}


def default_grain(flt: CaseFilter) -> str:
    if flt.days <= 3:
        return "hour"
    if flt.days <= 62:
        return "day"
    if flt.days <= 366:
        return "week"
    return "month"
