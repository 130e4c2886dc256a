"""Callback pages: the supervisors' audit list (recordings, verdicts, daily sample), satisfaction rates by
department and agent, the agents' manual callback list, and the do-not-call form. One service per route."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy import select

from callbacks import review
from callbacks.answers import RESULT_LABELS, SOURCE_LABELS, record_manual_callback
from callbacks.opt_outs import add_opt_out
from callbacks.policy import CallbackPolicy
from hotline.accounts.audit import record_audit
from hotline.cases.errors import CaseError
from hotline.db import unit_of_work
from hotline.models import Callback, CallbackState, Department, Role, User, utcnow
from web.auth import CurrentUser, require_roles
from web.bounds import MAX_COUNT, MAX_PAGE, MAX_ROW_ID, NumberOutOfRange, RowId, bounded_int
from web.form_schemas import form_body
from web.labels import actor_names
from web.public_guard import client_ip
from web.templating import render

router = APIRouter()
SUPERVISORS = require_roles(Role.supervisor, Role.admin)
AGENTS = require_roles(Role.agent, Role.supervisor, Role.admin)
RATE_READERS = require_roles(Role.supervisor, Role.admin, Role.analyst)
PER_PAGE = 30
MANUAL_PER_PAGE = 20
STATE_LABELS = {"due": "待回访", "done": "已回访", "failed": "未联系上", "skipped": "不回访"}
VERDICT_LABELS = {"confirmed": "属实", "doubtful": "存疑", "wrong": "有误"}
OUTCOME_LABELS = {"answered": "已评价", "no_answer": "无人接听", "busy": "占线", "invalid_number": "空号",
                  "hung_up": "接通后挂断", "no_input": "未按键", "no_line": "线路忙", "error": "呼叫失败",
                  "interrupted": "呼叫中断", "in_progress": "呼叫中"}
SKIP_LABELS = {"opted_out": "群众要求不回访", "no_phone": "无联系电话", "web_rated": "已网上评价",
               "case_changed": "工单已变更"}


def _day(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        raise CaseError("invalid_input", "日期格式应为 YYYY-MM-DD。") from None


def _int(raw: str | None, what: str = "编号", high: int = MAX_ROW_ID) -> int | None:
    try:
        return bounded_int(raw, what, high=high)
    except NumberOutOfRange as exc:
        raise CaseError("invalid_input", str(exc)) from None


def _filters(params) -> review.CallbackFilter:
    return review.CallbackFilter(
        result=params.get("result") or None, state=params.get("state") or None,
        min_attempts=_int(params.get("min_attempts"), "呼叫次数", MAX_COUNT),
        department_id=_int(params.get("department_id")),
        agent=params.get("agent") or None, date_from=_day(params.get("from")), date_to=_day(params.get("to")),
        sampled_on=_day(params.get("sampled_on")), verdict=params.get("verdict") or None)


def _labels() -> dict:
    return {"result_labels": {k.value: v for k, v in RESULT_LABELS.items()},
            "source_labels": {k.value: v for k, v in SOURCE_LABELS.items()}, "state_labels": STATE_LABELS,
            "verdict_labels": VERDICT_LABELS, "outcome_labels": OUTCOME_LABELS, "skip_labels": SKIP_LABELS}


@router.get("/callbacks/audit", name="callback_audit")
async def audit_page(request: Request, user: CurrentUser = Depends(SUPERVISORS)):
    params = request.query_params
    page = max(_int(params.get("page"), "页码", MAX_PAGE) or 1, 1)

    def load():
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            today = review.today_china(utcnow())
            sample = review.daily_sample(session, day=today, percent=CallbackPolicy().sample_percent)
            rows, total = review.list_callbacks(session, filters=_filters(params), page=page,
                                                per_page=PER_PAGE)
            departments = session.execute(select(Department.id, Department.name)
                                          .order_by(Department.name)).all()
            names = actor_names(session, [callback.agent for callback, _, _ in rows])
            return rows, total, departments, today, len(sample), names

    rows, total, departments, today, sampled, names = await run_in_threadpool(load)
    return render(request, "callbacks/audit.html", {
        "rows": rows, "total": total, "page": page, "pages": max((total + PER_PAGE - 1) // PER_PAGE, 1),
        "departments": departments, "params": params, "today": today,
        "query": {k: v for k, v in params.items() if k != "page" and v}, "sampled": sampled,
        "actor_names": names, **_labels()})


@router.post("/callbacks/{callback_id}/verdict", name="callback_verdict",
             openapi_extra=form_body("verdict", "note", "back"))
async def verdict(request: Request, callback_id: RowId, user: CurrentUser = Depends(SUPERVISORS)):
    form = await request.form()

    def save():
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            review.set_verdict(session, callback_id=callback_id, actor=session.get(User, user.id),
                               verdict=str(form.get("verdict") or ""), note=str(form.get("note") or ""),
                               now=utcnow(), ip=client_ip(request))

    await run_in_threadpool(save)
    back = str(form.get("back") or "/callbacks/audit")
    return RedirectResponse(back if back.startswith("/callbacks/") else "/callbacks/audit", status_code=303)


@router.get("/callbacks/{callback_id}/recording", name="callback_recording")
async def recording(request: Request, callback_id: RowId, user: CurrentUser = Depends(SUPERVISORS)):
    def find() -> Path:
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            row = session.get(Callback, callback_id)
            if row is None or not row.recording_path:
                raise CaseError("not_found", f"回访 {callback_id} 没有录音。")
            return Path(row.recording_path)

    def audit() -> None:
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            record_audit(session, actor=user.username, action="recording.play", object_type="callback",
                         object_id=callback_id, ip=client_ip(request))

    path = await run_in_threadpool(find)
    if not path.is_file():
        raise CaseError("not_found", f"回访录音文件已不存在（可能已超过保存期限）：{path.name}")
    await run_in_threadpool(audit)
    return FileResponse(path, media_type="audio/wav", filename=f"callback-{callback_id}.wav",
                        content_disposition_type="inline")


@router.get("/callbacks/rates", name="callback_rates")
async def rates_page(request: Request, user: CurrentUser = Depends(RATE_READERS)):
    params = request.query_params

    def load():
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            kw = {"date_from": _day(params.get("from")), "date_to": _day(params.get("to"))}
            return (review.satisfaction_rates(session, by="department", **kw),
                    review.satisfaction_rates(session, by="agent", **kw))

    by_department, by_agent = await run_in_threadpool(load)
    return render(request, "callbacks/rates.html", {"by_department": by_department, "by_agent": by_agent,
                                                    "params": params})


@router.get("/callbacks/manual", name="callback_manual")
async def manual_page(request: Request, page: int = 1, user: CurrentUser = Depends(AGENTS)):
    """待回访 or 未联系上, one page at a time (MANUAL_PER_PAGE), with both totals for the tabs. Without a
    choice, 未联系上 comes first when there are any: those are the ones only a person can still reach."""
    state = request.query_params.get("state")
    if state not in (None, "due", "failed"):
        raise CaseError("invalid_input", "请选择“待回访”或“未联系上”。")
    page = max(page, 1)

    def load():
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            totals = {s: review.list_callbacks(session, filters=review.CallbackFilter(state=s), per_page=1)[1]
                      for s in ("due", "failed")}
            shown = state or ("failed" if totals["failed"] else "due")
            rows, _ = review.list_callbacks(session, filters=review.CallbackFilter(state=shown), page=page,
                                            per_page=MANUAL_PER_PAGE)
            return rows, totals, shown

    rows, totals, state = await run_in_threadpool(load)
    pages = max(1, -(-totals[state] // MANUAL_PER_PAGE))
    return render(request, "callbacks/manual.html", {"rows": rows, "state": state, "totals": totals,
                                                     "page": page, "pages": pages, **_labels()})


@router.post("/callbacks/{callback_id}/manual", name="callback_manual_answer",
             openapi_extra=form_body("result", "note"))
async def manual_answer(request: Request, callback_id: RowId, user: CurrentUser = Depends(AGENTS)):
    form = await request.form()

    def save():
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            record_manual_callback(session, callback_id=callback_id, actor=session.get(User, user.id),
                                   result=str(form.get("result") or ""), note=str(form.get("note") or ""),
                                   now=utcnow(), ip=client_ip(request))

    await run_in_threadpool(save)
    return RedirectResponse("/callbacks/manual?notice=saved", status_code=303)


@router.post("/callbacks/opt-out", name="callback_opt_out", openapi_extra=form_body("phone", "reason"))
async def opt_out(request: Request, user: CurrentUser = Depends(AGENTS)):
    form = await request.form()

    def save():
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            row = add_opt_out(session, actor=session.get(User, user.id), phone=str(form.get("phone") or ""),
                              reason=str(form.get("reason") or ""))
            pending = session.scalars(select(Callback).where(Callback.phone == row.phone,
                                                             Callback.state == CallbackState.due))
            for callback in pending:  # settled now, so the list shows it at once (the scheduler would too)
                callback.state, callback.skip_reason = CallbackState.skipped, "opted_out"

    await run_in_threadpool(save)
    return RedirectResponse("/callbacks/manual?notice=opted_out", status_code=303)
