"""Every transition, allowed and forbidden by role and ownership; a refused one changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.cases.errors import CaseError
from hotline.cases.timeline import case_events
from hotline.cases.transitions import handler_owns
from hotline.models import AuditRecord, Case, CaseExtension, Role

ACTORS = ["agent", "supervisor", "admin", "analyst", "handler", "other_handler", "site_handler", "system"]

# action: (source status, status after, actors allowed) — the specification, written out by hand.
MATRIX = {
    "answer": ("accepted", "answered", {"agent", "supervisor"}),
    "dispatch": ("accepted", "dispatched", {"agent", "supervisor"}),
    "redispatch": ("handling", "dispatched", {"agent", "supervisor"}),
    "sign": ("dispatched", "signed", {"handler"}),
    "start": ("signed", "handling", {"handler"}),
    "reply": ("handling", "replied", {"handler"}),
    "close": ("replied", "closed", {"agent", "supervisor"}),
    "callback": ("closed", "callback_done", {"agent", "supervisor", "system"}),
    "archive": ("callback_done", "archived", {"supervisor", "admin", "system"}),
    "return": ("signed", "returned", {"handler"}),
    "suspend": ("handling", "suspended", {"handler"}),
    "resume": ("suspended", "handling", {"handler", "supervisor"}),
    "reopen": ("closed", "reopened", {"supervisor", "system"}),
    "merge": ("dispatched", "merged", {"agent", "supervisor"}),
    "request_extension": ("handling", "handling", {"handler"}),
    "decide_extension": ("handling", "handling", {"supervisor"}),
}

# action: a status it must be refused in, even by an allowed actor.
WRONG_STATUS = {
    "answer": "dispatched", "dispatch": "handling", "redispatch": "closed", "sign": "accepted",
    "start": "dispatched", "reply": "signed", "close": "handling", "callback": "replied",
    "archive": "handling", "return": "replied", "suspend": "dispatched", "resume": "handling",
    "reopen": "handling", "merge": "closed", "request_extension": "closed", "decide_extension": "closed",
}


def snapshot(session, case):
    session.flush()
    session.expire(case)
    audits = session.scalar(select(func.count()).select_from(AuditRecord)
                            .where(AuditRecord.object_type == "case", AuditRecord.object_id == str(case.id)))
    extensions = session.scalars(select(CaseExtension.status).where(CaseExtension.case_id == case.id)).all()
    row = session.get_one(Case, case.id)
    events = len(case_events(session, row.id))
    return (row.status, row.department_id, row.site_id, row.due_at, row.reply, row.closed_at,
            row.merged_into_id, row.return_reason, events, audits, list(extensions))


def prepare(flow, people, action, status):
    case = flow.to(status)
    if action == "decide_extension":
        flow.do("request_extension", case, people.handler)
    return case


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_who_may_do_each_transition(db_session, flow, people, action):
    source, target, allowed = MATRIX[action]
    for name in ACTORS:
        actor = None if name == "system" else getattr(people, name)
        case = prepare(flow, people, action, source)
        if name in allowed:
            flow.do(action, case, actor)
            assert case.status.value == target, (action, name)
            assert case.events[-1].actor == (actor.username if actor else "system")
        else:
            before = snapshot(db_session, case)
            with pytest.raises(CaseError) as err:
                flow.do(action, case, actor)
            assert err.value.code in {"forbidden", "not_case_handler"}, (action, name)
            assert err.value.message  # a sentence for the user
            assert snapshot(db_session, case) == before, f"{name} changed the case on a refused {action}"


@pytest.mark.parametrize("action", sorted(WRONG_STATUS))
def test_transitions_from_the_wrong_status_are_refused(db_session, flow, people, action):
    allowed = MATRIX[action][2]
    actor = getattr(people, sorted(allowed - {"system"})[0])
    case = flow.to(WRONG_STATUS[action])
    if action == "decide_extension":  # the case moved on while a request was pending
        case = flow.to("handling")
        flow.do("request_extension", case, people.handler)
        for step, who in (("reply", people.handler), ("close", people.agent)):
            flow.do(step, case, who)
    before = snapshot(db_session, case)
    with pytest.raises(CaseError) as err:
        flow.do(action, case, actor)
    # a handler hears about the status only of a case of their own unit (issue 14, finding 9)
    foreign = actor.role == Role.handler and not handler_owns(actor, case)
    assert err.value.code == ("not_case_handler" if foreign else "invalid_transition")
    assert snapshot(db_session, case) == before


def test_a_site_dispatched_case_belongs_to_the_site_handler(db_session, flow, people, org):
    case = flow.to("accepted")
    flow.do("dispatch", case, people.agent, department_id=None, site_id=org.site["alzqz-bysl"].id)
    with pytest.raises(CaseError) as err:
        flow.do("sign", case, people.handler)
    assert err.value.code == "not_case_handler"
    flow.do("sign", case, people.site_handler)
    assert case.status.value == "signed" and case.town == "敖勒召其镇" and case.handler_level == "village"


def test_a_disabled_account_can_do_nothing(db_session, flow, people):
    case = flow.to("accepted")
    people.agent.active = False
    with pytest.raises(CaseError) as err:
        flow.do("dispatch", case, people.agent)
    assert err.value.code == "forbidden" and case.status.value == "accepted"
