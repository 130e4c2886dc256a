"""The case lifecycle as data: which action moves a case from which statuses to which, and who may do it.

Ownership: a handler acts only on cases dispatched to their department or site; a co-handling department's
users only co-reply; the case's coordinator (中转办) may close it. ``actor=None`` is the system (scheduler).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hotline.cases.errors import CaseError
from hotline.models import Case, CaseStatus, Role, User

S = CaseStatus
AGENTS = frozenset({Role.agent, Role.supervisor})
HANDLERS = frozenset({Role.handler})
SUPERVISORS = frozenset({Role.supervisor})
OPEN_WORK = frozenset({S.dispatched, S.signed, S.handling, S.reopened, S.suspended})
HANDLING = frozenset({S.signed, S.handling, S.reopened})


@dataclass(frozen=True)
class Rule:
    action: str
    label: str  # 中文, for buttons and the timeline
    sources: frozenset[CaseStatus]
    target: CaseStatus | None  # None: the status does not change (or, for resume, is restored)
    roles: frozenset[Role] = frozenset()
    owner: bool = False  # the handler must own the case (dispatched to their department/site)
    co_handler: bool = False  # a user of a co-handling department that has not replied yet
    coordinator: bool = False  # the case's coordinator may do it whatever their role
    system: bool = False  # the scheduler may do it (actor None)


def _r(action: str, label: str, sources: Iterable[CaseStatus], target: CaseStatus | None,
       roles: Iterable[Role] = frozenset(), **flags: bool) -> Rule:
    return Rule(action, label, frozenset(sources), target, frozenset(roles), **flags)


RULES: dict[str, Rule] = {rule.action: rule for rule in [
    _r("answer", "直接答复", {S.accepted, S.returned}, S.answered, AGENTS),
    _r("dispatch", "派单", {S.accepted, S.returned}, S.dispatched, AGENTS),
    _r("redispatch", "改派", {S.dispatched, S.signed, S.handling, S.reopened}, S.dispatched, AGENTS),
    _r("sign", "签收", {S.dispatched}, S.signed, HANDLERS, owner=True),
    _r("start", "办理", {S.signed}, S.handling, HANDLERS, owner=True),
    _r("reply", "答复", {S.handling, S.reopened}, S.replied, HANDLERS, owner=True),
    _r("co_reply", "协办答复", OPEN_WORK | {S.replied}, None, HANDLERS, co_handler=True),
    _r("close", "办结", {S.replied}, S.closed, AGENTS, coordinator=True),
    _r("coordinator_close", "中转办办结", HANDLING | {S.dispatched, S.replied}, S.closed, coordinator=True),
    _r("callback", "回访", {S.closed, S.answered}, S.callback_done, AGENTS, system=True),
    _r("archive", "归档", {S.callback_done, S.closed, S.answered, S.merged}, S.archived,
       {Role.supervisor, Role.admin}, system=True),
    _r("return", "退单", {S.dispatched, S.signed, S.handling}, S.returned, HANDLERS, owner=True),
    _r("suspend", "挂起", HANDLING, S.suspended, HANDLERS, owner=True),
    _r("resume", "恢复办理", {S.suspended}, None, HANDLERS | SUPERVISORS, owner=True),
    _r("reopen", "重办", {S.replied, S.closed, S.callback_done, S.answered}, S.reopened, SUPERVISORS,
       system=True),
    _r("merge", "合并重复工单", {S.accepted, S.returned} | OPEN_WORK, S.merged, AGENTS),
    _r("request_extension", "申请延期", HANDLING | {S.dispatched}, None, HANDLERS, owner=True),
    _r("decide_extension", "审批延期", OPEN_WORK, None, SUPERVISORS),
]}


def handler_owns(user: User, case: Case) -> bool:
    """Dispatched to the user's department, or to the user's site."""
    return bool((user.department_id is not None and user.department_id == case.department_id)
                or (user.site_id is not None and user.site_id == case.site_id))


def is_pending_co_handler(user: User, case: Case, co_department_ids: frozenset[int]) -> bool:
    return user.department_id is not None and user.department_id in co_department_ids


def may(rule: Rule, case: Case, actor: User | None, pending_co_departments: frozenset[int] = frozenset()
        ) -> bool:
    """Whether ``actor`` may apply ``rule`` to ``case`` now (status included)."""
    try:
        check(rule, case, actor, pending_co_departments)
    except CaseError:
        return False
    return True


def check(rule: Rule, case: Case, actor: User | None, pending_co_departments: frozenset[int] = frozenset()
          ) -> None:
    """Raise the CaseError that explains why not (role, then ownership, then status); return when allowed."""
    is_coordinator = actor is not None and rule.coordinator and case.coordinator_id == actor.id
    if actor is None:
        if not rule.system:
            raise CaseError("forbidden", f"系统任务不能执行“{rule.label}”。")
    elif not actor.active:
        raise CaseError("forbidden", "账户已停用。")
    elif actor.role not in rule.roles and not is_coordinator:
        raise CaseError("forbidden", f"您的角色不能执行“{rule.label}”。", action=rule.action)
    # ownership before status: a handler learns nothing (status, tracking code) about another unit's case
    if actor is not None and not is_coordinator and actor.role == Role.handler:
        if rule.owner and not handler_owns(actor, case):
            raise CaseError("not_case_handler", f"该工单未派给您所在的单位，不能执行“{rule.label}”。",
                            action=rule.action)
        if rule.co_handler and not is_pending_co_handler(actor, case, pending_co_departments):
            raise CaseError("not_case_handler", "您所在的单位不是该工单的待答复协办单位。",
                            action=rule.action)
    if case.status not in rule.sources:
        raise CaseError("invalid_transition", f"工单当前状态为“{STATUS_LABELS[case.status]}”，不能执行"
                        f"“{rule.label}”。", action=rule.action, status=case.status.value)


STATUS_LABELS: dict[CaseStatus, str] = {
    S.accepted: "已受理", S.answered: "已直接答复", S.dispatched: "已派单", S.signed: "已签收",
    S.handling: "办理中", S.replied: "已答复", S.closed: "已办结", S.callback_done: "已回访",
    S.archived: "已归档", S.returned: "已退单", S.suspended: "已挂起", S.reopened: "重办中",
    S.merged: "已合并",
}
