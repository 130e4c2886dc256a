"""Named case sets behind every figure: each rate is one set over another, and each set is a drill-down.

Definitions (shown verbatim in the UI):
- 响应率 = cases signed (签收) or answered directly (直接答复) within the response limit after acceptance
  / cases whose response limit has passed or that were responded to (merged duplicates excluded).
- 办结率 (resolution rate) = cases closed within their time limit / closed cases.
- 满意率 = cases whose callback answer was 满意 or 基本满意 / cases with a callback answer.
- 按时办结率 (on-time rate) = cases closed by their due time / cases whose due time has passed.
- 回访覆盖率 = closed cases with a callback dialled (answered, or given up after the attempts) / closed cases.
Callbacks come from the callbacks table (one row per closure; result 满意/基本满意/不满意).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Subquery,
    and_,
    case,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    true,
    union_all,
)

from hotline.analytics.sql_time import SqlTime
from hotline.models import Callback, CallbackResult, CallbackState, Case, CaseEvent, CaseStatus, Intent

RESPONSE_LIMIT_HOURS = 24
RESPONSE_STATUSES = (CaseStatus.signed.value, CaseStatus.answered.value)
CLOSED_STATUSES = (CaseStatus.answered, CaseStatus.closed, CaseStatus.callback_done, CaseStatus.archived)
SATISFIED = (CallbackResult.satisfied, CallbackResult.basically_satisfied)
CALLBACK_REACHED = (CallbackState.done, CallbackState.failed)  # dialled (answered or given up)
RESPONSE, CALLBACK = frozenset({"response"}), frozenset({"callback"})  # parts of event_facts()


def event_facts(flt_where, parts: frozenset[str] = RESPONSE | CALLBACK) -> Subquery:
    """One row per case of the filter with its first response (签收/直接答复) from the timeline and its
    satisfaction callbacks (the callbacks table): attempted, answered, satisfied.

    One grouped pass over the cases' events and callbacks replaces a correlated subquery per case and figure.
    Only the ``parts`` asked for are read: a callback figure does not scan the timeline (4 events a case).
    """
    in_filter = select(Case.id).where(flt_where)
    responses = (
        select(CaseEvent.case_id.label("case_id"), func.min(CaseEvent.at).label("responded_at"),
               literal(0).label("callback_any"), literal(0).label("callback_answered"),
               literal(0).label("satisfied"))
        .where(CaseEvent.case_id.in_(in_filter), CaseEvent.to_status.in_(RESPONSE_STATUSES))
        .group_by(CaseEvent.case_id)
    )
    attempted = or_(Callback.state.in_(CALLBACK_REACHED), Callback.attempts > 0, Callback.result.is_not(None))
    callbacks = (
        select(Callback.case_id.label("case_id"), null().label("responded_at"),
               func.max(case((attempted, 1), else_=0)).label("callback_any"),
               func.max(case((Callback.result.is_not(None), 1), else_=0)).label("callback_answered"),
               func.max(case((Callback.result.in_(SATISFIED), 1), else_=0)).label("satisfied"))
        .where(Callback.case_id.in_(in_filter))
        .group_by(Callback.case_id)
    )
    chosen = [q for name, q in (("response", responses), ("callback", callbacks)) if name in parts]
    both = (union_all(*chosen) if len(chosen) > 1 else chosen[0]).subquery("facts_parts")
    return (
        select(both.c.case_id, func.min(both.c.responded_at).label("responded_at"),
               func.max(both.c.callback_any).label("callback_any"),
               func.max(both.c.callback_answered).label("callback_answered"),
               func.max(both.c.satisfied).label("satisfied"))
        .group_by(both.c.case_id)
        .subquery("facts")
    )


@dataclass(frozen=True)
class MeasureContext:
    sql: SqlTime
    now: datetime
    facts: Subquery  # from event_facts(); queries outer-join it on facts.c.case_id == Case.id
    response_limit_hours: float = RESPONSE_LIMIT_HOURS


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    definition: str
    where: Callable[[MeasureContext], ColumnElement[bool]]
    facts: frozenset[str] = frozenset()  # the parts of event_facts() it reads: RESPONSE, CALLBACK

    @property
    def needs_facts(self) -> bool:
        return bool(self.facts)


def _not_merged() -> ColumnElement[bool]:
    return Case.status != CaseStatus.merged


def _responded_in_time(ctx: MeasureContext) -> ColumnElement[bool]:
    limit_s = ctx.response_limit_hours * 3600
    return and_(ctx.facts.c.responded_at.is_not(None),
                ctx.sql.seconds_between(Case.created_at, ctx.facts.c.responded_at) <= limit_s)


def _closed() -> ColumnElement[bool]:
    return and_(Case.status.in_(CLOSED_STATUSES), Case.closed_at.is_not(None))


def _flag(ctx: MeasureContext, name: str) -> ColumnElement[bool]:
    return func.coalesce(ctx.facts.c[name], 0) == 1


def _response_due(ctx: MeasureContext) -> ColumnElement[bool]:
    window_over = Case.created_at <= ctx.now - timedelta(hours=ctx.response_limit_hours)
    return and_(_not_merged(), or_(window_over, ctx.facts.c.responded_at.is_not(None)))


def _due(ctx: MeasureContext) -> ColumnElement[bool]:
    return and_(_not_merged(), Case.due_at.is_not(None), Case.due_at <= ctx.now)


def _consultation(ctx: MeasureContext) -> ColumnElement[bool]:
    return and_(Case.intent == Intent.consultation, _not_merged())


MEASURES: dict[str, Measure] = {m.name: m for m in [
    Measure("all", "受理量", "所选范围内受理的全部工单（含并入重复工单）。", lambda ctx: true()),
    Measure("response_due", "应响应", "已过响应时限或已响应的工单（不含并入的重复工单）。",
            _response_due, RESPONSE),
    Measure("responded_in_time", "按时响应",
            f"受理后 {RESPONSE_LIMIT_HOURS} 小时内签收或直接答复的工单。",
            lambda ctx: and_(_response_due(ctx), _responded_in_time(ctx)), RESPONSE),
    Measure("not_responded_in_time", "未按时响应", "应响应但未在响应时限内签收或直接答复的工单。",
            lambda ctx: and_(_response_due(ctx), not_(_responded_in_time(ctx))), RESPONSE),
    Measure("closed", "已办结", "状态为直接答复、办结、已回访或归档，且有办结时间的工单。",
            lambda ctx: and_(_not_merged(), _closed())),
    Measure("closed_in_time", "限时内办结", "已办结且办结时间不晚于办理期限（无期限的当场答复计为限时内）。",
            lambda ctx: and_(_not_merged(), _closed(),
                             or_(Case.due_at.is_(None), Case.closed_at <= Case.due_at))),
    Measure("closed_late", "超时办结", "已办结但办结时间晚于办理期限的工单。",
            lambda ctx: and_(_not_merged(), _closed(), Case.closed_at > Case.due_at)),
    Measure("due", "已到期", "办理期限已到（截至统计时刻）的工单，无论是否办结。", _due),
    Measure("on_time", "按时办结", "已到期工单中在期限内办结的。",
            lambda ctx: and_(_due(ctx), _closed(), Case.closed_at <= Case.due_at)),
    Measure("overdue", "逾期", "已到期工单中未在期限内办结的（含仍未办结的）。",
            lambda ctx: and_(_due(ctx), not_(and_(_closed(), Case.closed_at <= Case.due_at)))),
    Measure("callback_any", "已回访", "已办结且已回访（已拨打：有评价，或多次未接通后结束）的工单。",
            lambda ctx: and_(_not_merged(), _closed(), _flag(ctx, "callback_any")), CALLBACK),
    Measure("callback_answered", "回访有评价", "回访中群众给出满意度评价的工单。",
            lambda ctx: and_(_not_merged(), _flag(ctx, "callback_answered")), CALLBACK),
    Measure("satisfied", "满意", "回访评价为“满意”或“基本满意”的工单。",
            lambda ctx: and_(_not_merged(), _flag(ctx, "satisfied")), CALLBACK),
    Measure("consult_on_call", "咨询当场答复", "咨询类工单中未派单、由话务员当场答复办结的。",
            lambda ctx: and_(_consultation(ctx), Case.dispatched_at.is_(None),
                             Case.status.in_(CLOSED_STATUSES))),
    Measure("consult_dispatched", "咨询派单办理", "咨询类工单中派给承办单位办理的。",
            lambda ctx: and_(_consultation(ctx), Case.dispatched_at.is_not(None))),
]}


@dataclass(frozen=True)
class Rate:
    name: str
    label: str
    numerator: str
    denominator: str
    definition: str


RATES: tuple[Rate, ...] = (
    Rate("response_rate", "响应率", "responded_in_time", "response_due",
         f"受理后 {RESPONSE_LIMIT_HOURS} 小时内签收或直接答复的工单数 ÷ 已过响应时限或已响应的工单数。"),
    Rate("resolution_rate", "办结率", "closed_in_time", "closed",
         "限时内办结的工单数 ÷ 已办结工单数（无期限的当场答复计为限时内）。"),
    Rate("satisfaction_rate", "满意率", "satisfied", "callback_answered",
         "回访评价为满意或基本满意的工单数 ÷ 回访中给出评价的工单数。"),
    Rate("on_time_rate", "按时办结率", "on_time", "due",
         "办理期限已到的工单中按时办结的工单数 ÷ 办理期限已到的工单数（含逾期未办结）。"),
    Rate("callback_coverage", "回访覆盖率", "callback_any", "closed",
         "已回访（已拨打）的已办结工单数 ÷ 已办结工单数。"),
)


def context(session, flt, now: datetime | None = None, names=tuple(MEASURES)) -> MeasureContext:
    """The measure context for queries of the measures ``names`` over ``flt``'s cases (a CaseFilter)."""
    parts = frozenset().union(*(MEASURES[n].facts for n in names)) or RESPONSE | CALLBACK
    return MeasureContext(sql=SqlTime.of(session), now=now or datetime.now(UTC),
                          facts=event_facts(flt.where(), parts))


def count_columns(ctx: MeasureContext, names: tuple[str, ...]):
    return [func.coalesce(func.sum(case((MEASURES[n].where(ctx), 1), else_=0)), 0).label(n) for n in names]


def cases_with_facts(query, ctx: MeasureContext, names):
    """``query`` over cases, outer-joined to the event facts when a measure in ``names`` needs them."""
    query = query.select_from(Case)
    if any(MEASURES[n].needs_facts for n in names):
        query = query.outerjoin(ctx.facts, ctx.facts.c.case_id == Case.id)
    return query


def measure(name: str) -> Measure:
    try:
        return MEASURES[name]
    except KeyError:
        raise KeyError(f"unknown measure {name!r}; known: {', '.join(MEASURES)}") from None
