"""A handler's failed action on another unit's case says nothing about that case (issue 14, finding 9)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from web_testkit import csrf_of, new_case, signed_in

from hotline.cases.transitions import STATUS_LABELS
from hotline.models import Case, CaseStatus, Department, Role
from web.routes.case_actions import CASE_ACTIONS


def test_actions_on_another_units_case_reveal_neither_status_nor_tracking_code(client, app, web_engine):
    with Session(web_engine) as s:
        mine, other = s.scalars(select(Department.code).order_by(Department.id).limit(2)).all()
        other_id = s.scalar(select(Department.id).where(Department.code == other))
    signed_in(client, web_engine, Role.handler, department=mine)
    leaks = []
    for status in (CaseStatus.dispatched, CaseStatus.signed, CaseStatus.closed, CaseStatus.archived):
        case_id = new_case(app, "小区路灯坏了三天了，请尽快修理")
        with Session(web_engine) as s:
            case = s.get(Case, case_id)
            case.department_id, case.site_id, case.status = other_id, None, status
            code = case.tracking_code
            s.commit()
        for action in [*CASE_ACTIONS, "appointments/window", "appointments/home"]:
            fields = {"csrf_token": csrf_of(client), "reply": "已处理", "note": "x", "reason": "other",
                      "days": "1"}
            response = client.post(f"/cases/{case_id}/{action}", data=fields,
                                   headers={"accept": "application/json"}, follow_redirects=False)
            assert response.status_code in (403, 404, 422), (action, response.status_code, response.text)
            said = response.text
            if code in said or any(label in said for label in STATUS_LABELS.values()):
                leaks.append((status.value, action, said))
    assert not leaks, leaks[:5]
