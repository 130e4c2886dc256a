"""日报/周报/月报 for the leadership: one period in China time, counted straight from the cases table —
accepted by type, channel, department and town; closed, closed in time, overdue; 三率; the top service
items. Plain data; ``report_xlsx`` lays it out as a workbook. Read-only."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from hotline.accounts.timestamps import as_utc
from hotline.analytics.filters import CHINA
from hotline.cases.time_limits import CLOCK_RUNNING
from hotline.models import Callback, CallbackResult, Case, CaseStatus, Department, ServiceItem

KINDS = {"daily": "日报", "weekly": "周报", "monthly": "月报"}
FINISHED = (CaseStatus.answered, CaseStatus.closed, CaseStatus.callback_done, CaseStatus.archived)
SATISFIED = (CallbackResult.satisfied, CallbackResult.basically_satisfied)
TOP_ITEMS = 10


@dataclass
class PeriodReport:
    kind: str
    start: datetime  # China time, inclusive
    end: datetime  # exclusive
    accepted: int = 0
    finished: int = 0  # of the period's cases: 直接答复 or 办结 (and later stages)
    finished_in_time: int = 0  # finished with no due date, or by it
    overdue_open: int = 0  # of the period's cases: still open and past the due date at ``now``
    callbacks_answered: int = 0  # satisfaction answers given in the period
    callbacks_satisfied: int = 0
    by_intent: list[tuple[str, int]] = field(default_factory=list)
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_department: list[tuple[str, int]] = field(default_factory=list)
    by_town: list[tuple[str, int]] = field(default_factory=list)
    top_items: list[tuple[str, int]] = field(default_factory=list)

    @property
    def title(self) -> str:
        last = (self.end - timedelta(days=1)).date()
        span = f"{self.start:%Y年%m月%d日}" + ("" if self.kind == "daily" else f"至{last:%Y年%m月%d日}")
        return f"7812345 热线{KINDS[self.kind]}（{span}）"

    def rates(self) -> list[tuple[str, str]]:
        def pct(part: int, whole: int) -> str:
            return f"{part / whole * 100:.1f}%" if whole else "—"

        return [
            ("办结率", pct(self.finished, self.accepted)),
            ("按时办结率", pct(self.finished_in_time, self.finished)),
            ("满意率", pct(self.callbacks_satisfied, self.callbacks_answered)),
        ]


def period_bounds(kind: str, day: date) -> tuple[datetime, datetime]:
    if kind == "daily":
        first, last = day, day + timedelta(days=1)
    elif kind == "weekly":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
    elif kind == "monthly":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    else:
        raise ValueError(f"report kind must be one of {', '.join(KINDS)}")
    return datetime.combine(first, time(), CHINA), datetime.combine(last, time(), CHINA)


def _grouped(session: Session, column, where, label=lambda v: v) -> list[tuple[str, int]]:
    rows = session.execute(
        select(column, func.count(Case.id))
        .select_from(Case)
        .where(*where)
        .group_by(column)
        .order_by(func.count(Case.id).desc(), column)
    )
    return [(label(value) if value is not None else "未确定", n) for value, n in rows]


def build_report(
    session: Session, *, kind: str, day: date, now: datetime, labels: dict[str, dict[str, str]] | None = None
) -> PeriodReport:
    """Count the period's cases. ``labels`` (intent, channel) turn stored values into display names."""
    labels = labels or {}
    start, end = period_bounds(kind, day)
    report = PeriodReport(kind, start, end)
    lo, hi, now = as_utc(start), as_utc(end), as_utc(now)  # stored UTC (SQLite keeps no offset)
    in_period = (Case.created_at >= lo, Case.created_at < hi)
    count = lambda *extra: session.scalar(select(func.count(Case.id)).where(*in_period, *extra)) or 0  # noqa: E731
    report.accepted = count()
    report.finished = count(Case.status.in_(FINISHED))
    report.finished_in_time = count(
        Case.status.in_(FINISHED), (Case.due_at.is_(None)) | (Case.closed_at <= Case.due_at)
    )
    report.overdue_open = count(Case.status.in_(list(CLOCK_RUNNING)), Case.due_at < now)
    answered = (Callback.answered_at >= lo, Callback.answered_at < hi, Callback.result.is_not(None))
    report.callbacks_answered = session.scalar(select(func.count(Callback.id)).where(*answered)) or 0
    report.callbacks_satisfied = (
        session.scalar(select(func.count(Callback.id)).where(*answered, Callback.result.in_(SATISFIED))) or 0
    )
    intent, channel = labels.get("intent", {}), labels.get("channel", {})
    report.by_intent = _grouped(session, Case.intent, in_period, lambda v: intent.get(v.value, v.value))
    report.by_channel = _grouped(session, Case.channel, in_period, lambda v: channel.get(v.value, v.value))
    report.by_town = _grouped(session, Case.town, in_period)
    report.by_department = [
        (name or "未派单", n)
        for name, n in session.execute(
            select(Department.name, func.count(Case.id))
            .select_from(Case)
            .outerjoin(Department, Department.id == Case.department_id)
            .where(*in_period)
            .group_by(Department.name)
            .order_by(func.count(Case.id).desc(), Department.name)
        )
    ]
    report.top_items = [
        (name, n)
        for name, n in session.execute(
            select(ServiceItem.name, func.count(Case.id))
            .select_from(Case)
            .join(ServiceItem, and_(ServiceItem.id == Case.service_item_id))
            .where(*in_period)
            .group_by(ServiceItem.name)
            .order_by(func.count(Case.id).desc(), ServiceItem.name)
            .limit(TOP_ITEMS)
        )
    ]
    return report


def report_xlsx(report: PeriodReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = "概况"
    summary.append([report.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["统计口径", "受理时间在本期内的工单（中国时间）"])
    for row in (
        ("受理总量", report.accepted),
        ("已办结（含直接答复）", report.finished),
        ("按时办结", report.finished_in_time),
        ("超期未办结", report.overdue_open),
        ("回访答复", report.callbacks_answered),
        ("满意（含基本满意）", report.callbacks_satisfied),
    ):
        summary.append(list(row))
    for name, value in report.rates():
        summary.append([name, value])
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 40
    for title, head, rows in (
        ("按诉求类型", "诉求类型", report.by_intent),
        ("按渠道", "渠道", report.by_channel),
        ("按承办单位", "承办单位", report.by_department),
        ("按镇", "镇", report.by_town),
        ("热点事项", "服务事项", report.top_items),
    ):
        sheet = book.create_sheet(title)
        sheet.append([head, "件数"])
        for row in rows:
            sheet.append(list(row))
        sheet.column_dimensions["A"].width = 30
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def due_periods(today: date) -> list[tuple[str, date]]:
    """The finished periods to keep as of ``today`` (China date): yesterday, last week, last month."""
    yesterday = today - timedelta(days=1)
    last_week = today - timedelta(days=today.weekday() + 7)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return [("daily", yesterday), ("weekly", last_week), ("monthly", last_month)]


def kept_name(kind: str, day: date) -> str:
    start, _ = period_bounds(kind, day)
    return f"{kind}-{start.date().isoformat()}.xlsx"


def keep_reports(session: Session, *, directory, now: datetime, labels=None) -> list[str]:
    """Write the finished periods' workbooks not kept yet into ``directory``; returns the new file names.
    Idempotent, so an hourly job catches up after the process was down at midnight."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, day in due_periods(as_utc(now).astimezone(CHINA).date()):
        name = kept_name(kind, day)
        if (directory / name).exists():
            continue
        data = report_xlsx(build_report(session, kind=kind, day=day, now=now, labels=labels))
        partial = directory / (name + ".part")
        partial.write_bytes(data)
        partial.rename(directory / name)
        written.append(name)
    return written


def kept_reports(directory) -> list[str]:
    """Kept workbooks, newest period first."""
    if not directory.is_dir():
        return []
    return sorted((p.name for p in directory.glob("*.xlsx")), key=lambda n: n.split("-", 1)[1], reverse=True)
