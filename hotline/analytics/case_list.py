"""The cases behind a figure: the drill-down page (keyset-paged) and the rows of an export (streamed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from hotline.analytics import figures, rollups
from hotline.analytics.figures import bucket_condition
from hotline.analytics.filters import CaseFilter
from hotline.analytics.measures import MEASURES, cases_with_facts, context
from hotline.cases.conduct_access import protected_row
from hotline.models import Case, Department, ServiceItem
from hotline.models.analytics import ROLLUP_MEASURES

PAGE_SIZE = 50
EXPORT_BATCH = 2000


@dataclass(frozen=True)
class Selection:
    """A filter, a measure (which case set) and optionally one trend bucket."""

    flt: CaseFilter
    measure: str = "all"
    grain: str | None = None
    bucket: str | None = None

    def apply(self, session: Session, query, now: datetime | None = None):
        """``query`` (over cases) narrowed to this selection, joined to the event facts if needed."""
        if self.measure not in MEASURES:
            raise ValueError(f"unknown measure {self.measure!r}")
        ctx = context(session, self.flt, now, (self.measure,))
        conds = [self.flt.where(), MEASURES[self.measure].where(ctx)]
        if self.grain and self.bucket:
            conds.append(bucket_condition(session, self.grain, self.bucket))
        return cases_with_facts(query, ctx, (self.measure,)).where(and_(*conds))

    def query_params(self) -> dict[str, str]:
        params = self.flt.query_params()
        if self.measure != "all":
            params["measure"] = self.measure
        if self.grain and self.bucket:
            params.update(grain=self.grain, bucket=self.bucket)
        return params


EXPORT_COLUMNS = (
    ("id", "编号"), ("tracking_code", "受理编号"), ("created_at", "受理时间"), ("channel", "渠道"),
    ("intent", "类型"), ("status", "状态"), ("title", "标题"), ("citizen_phone", "来电号码"),
    ("town", "镇"), ("department", "承办单位"), ("service_item", "服务事项"), ("due_at", "办理期限"),
    ("closed_at", "办结时间"), ("content", "诉求内容"),
)

_ROW_COLUMNS = (
    Case.id, Case.tracking_code, Case.created_at, Case.channel, Case.intent, Case.status, Case.title,
    Case.citizen_phone, Case.town, Department.name.label("department"),
    ServiceItem.name.label("service_item"),
    Case.due_at, Case.closed_at, Case.content, Case.confidential,
)


def _rows_query(session: Session, selection: Selection, now: datetime | None):
    query = selection.apply(session, select(*_ROW_COLUMNS), now)
    return (query.outerjoin(Department, Department.id == Case.department_id)
            .outerjoin(ServiceItem, ServiceItem.id == Case.service_item_id))


def count_cases(session: Session, selection: Selection, *, now: datetime | None = None) -> int:
    """The selection's cases counted now, from the cases themselves."""
    return session.scalar(selection.apply(session, select(func.count()), now)) or 0


@dataclass(frozen=True)
class FigureCount:
    total: int
    as_of: datetime | None  # the rollup refresh it was read from; None: counted live


def figure_count(session: Session, selection: Selection, *, now: datetime | None = None) -> FigureCount:
    """The number the dashboard shows for this selection: read from the rollups when they cover it (the
    same figure, as of their last refresh, in milliseconds), else counted live like :func:`count_cases`."""
    flt = _bucket_days(selection)
    plan = figures.rollup_plan(session, flt, None) if flt is not None else None
    if flt is not None and plan is not None and selection.measure in ROLLUP_MEASURES:
        return FigureCount(rollups.counts(session, flt, plan[0], (selection.measure,))[selection.measure],
                           plan[1])
    return FigureCount(count_cases(session, selection, now=now), None)


def _bucket_days(selection: Selection) -> CaseFilter | None:
    """The selection's filter narrowed to its trend bucket when that bucket is whole China days, or the
    filter itself without a bucket; None for an hourly bucket."""
    if not (selection.grain and selection.bucket):
        return selection.flt
    days = figures.bucket_days(selection.grain, selection.bucket)
    if days is None:
        return None
    start, end = max(days[0], selection.flt.start), min(days[1], selection.flt.end)
    return replace(selection.flt, start=start, end=end) if start <= end else None


def page_of_cases(session: Session, selection: Selection, *, before_id: int | None = None,
                  limit: int = PAGE_SIZE, now: datetime | None = None, reads_conduct: bool = False
                  ) -> list[dict]:
    """Newest accepted first; pass the last row's id as ``before_id`` for the next page (keyset on
    (created_at, id): no OFFSET scans, and the created_at index serves long ranges without a sort)."""
    query = _rows_query(session, selection, now)
    if before_id is not None:
        at = session.scalar(select(Case.created_at).where(Case.id == before_id))
        if at is not None:
            query = query.where(or_(Case.created_at < at, and_(Case.created_at == at, Case.id < before_id)))
    rows = session.execute(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit))
    return [protected_row(dict(row._mapping), readable=reads_conduct) for row in rows]


def iter_cases(session: Session, selection: Selection, *, now: datetime | None = None,
               reads_conduct: bool = False) -> Iterator[dict]:
    """Every case of the selection, oldest first, streamed from one cursor (a server-side cursor on
    PostgreSQL) in batches of EXPORT_BATCH rows, so memory stays flat however many rows there are. A conduct
    report's row never names its reporter, and its words are sealed unless ``reads_conduct``."""
    query = _rows_query(session, selection, now).order_by(Case.id)
    result = session.execute(query.execution_options(yield_per=EXPORT_BATCH, stream_results=True))
    try:
        for row in result:
            yield protected_row(dict(row._mapping), readable=reads_conduct)
    finally:
        result.close()
