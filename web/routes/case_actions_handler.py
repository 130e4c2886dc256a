"""What the handling units (承办单位: departments, sites) and co-handlers do to a case dispatched to them:
sign, start, reply, co-reply, return, suspend / resume, ask for more time (URLs ``/cases/{id}/...``)."""

from __future__ import annotations

from fastapi import APIRouter

from hotline.cases import coordination, lifecycle
from web.form_values import form_text
from web.routes.case_action_kit import Perform, add_case_actions, form_number, with_note, with_reply

router = APIRouter()

HANDLER_ACTIONS: dict[str, Perform] = {
    "sign": with_note(lifecycle.sign_case),
    "start": with_note(lifecycle.start_handling),
    "reply": with_reply(lifecycle.reply_case),
    "co_reply": with_reply(coordination.co_reply_case),
    "suspend": with_note(lifecycle.suspend_case),
    "resume": with_note(lifecycle.resume_case),
    "return": lambda s, actor, case_id, form, ip: lifecycle.return_case(
        s, case_id=case_id, actor=actor, reason=form_text(form, "reason"), note=form_text(form, "note"), ip=ip
    ),
    "request_extension": lambda s, actor, case_id, form, ip: coordination.request_extension(
        s,
        case_id=case_id,
        actor=actor,
        days=form_number(form, "days", "延期天数") or 0,
        reason=form_text(form, "reason"),
        ip=ip,
    ),
}
add_case_actions(router, HANDLER_ACTIONS)
