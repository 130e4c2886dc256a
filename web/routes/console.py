"""The agent console: live calls with their transcripts, recent cases, case detail, call recordings."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline.models import Call, Case

router = APIRouter()
RECENT_CASES = 50


@router.get("/", response_class=HTMLResponse)
def console_home(request: Request):
    ctx = request.app.state.ctx
    with ctx.session_factory() as session:
        cases = session.scalars(
            select(Case).options(selectinload(Case.department)).order_by(Case.id.desc()).limit(RECENT_CASES)
        ).all()
        return request.app.state.templates.TemplateResponse(
            request, "console.html", {"live_calls": ctx.live_calls.snapshots(), "cases": cases}
        )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_detail(request: Request, case_id: int):
    ctx = request.app.state.ctx
    with ctx.session_factory() as session:
        case = session.scalar(
            select(Case)
            .where(Case.id == case_id)
            .options(selectinload(Case.events), selectinload(Case.call).selectinload(Call.utterances),
                     selectinload(Case.department), selectinload(Case.service_item))
        )
        if case is None:
            raise HTTPException(404, "工单不存在")
        return request.app.state.templates.TemplateResponse(request, "case_detail.html", {"case": case})


@router.get("/calls/{call_id}/recording")
def call_recording(request: Request, call_id: str) -> FileResponse:
    ctx = request.app.state.ctx
    with ctx.session_factory() as session:
        call = session.get(Call, call_id)
    if call is None or not call.recording_path:
        raise HTTPException(404, "该通话没有录音")
    path = Path(call.recording_path).resolve()
    if not path.is_file():
        raise HTTPException(404, "录音文件已按保留期限清理或不存在")
    return FileResponse(path, media_type="audio/wav", filename=f"{call_id}.wav")
