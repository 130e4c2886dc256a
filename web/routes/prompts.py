"""IVR prompts recorded by people (admins): record in the browser or upload, preview, activate; history kept.

Activation takes effect from the next call on without a restart (WebContext.on_prompt_activated).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from starlette.datastructures import UploadFile

from hotline.db import unit_of_work
from hotline.models import PromptRecording, Role
from hotline.sip.config import PROMPT_KEYS
from hotline.sip.prompt_library import PromptError, activate, add_recording, history
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.errors import WebError, wants_json
from web.form_schemas import form_body, upload_body
from web.templating import render

router = APIRouter()
ADMINS = require_roles(Role.admin)
SLOT_TEXT = {
    "greeting": "欢迎语（按 1 普通话，按 2 蒙古语）", "listen": "请说出诉求（提示音前）",
    "goodbye": "结束语", "no_input": "未听到声音", "tone": "提示音（嘀）",
    "recording_notice": "录音告知（本次通话将被录音）", "hold_music": "排队等待音乐",
    "queue_ahead": "排队播报：您前面还有", "queue_callers": "排队播报：位来电",
    "queue_many": "排队播报：等待人数较多", "queue_busy": "坐席忙：留言或回拨选择",
    "queue_menu": "无坐席时的选择菜单", "ring_back_ok": "回拨请求已登记",
    "connecting": "正在为您接通坐席", "nuisance": "骚扰来电黑名单号码听到的提示（随后挂机）",
    **{f"number_{n}": f"数字播报：{n}" for n in range(1, 10)},
}


@router.get("/admin/prompts")
def prompts_page(request: Request, _user: CurrentUser = Depends(ADMINS)):
    with request.app.state.ctx.session_factory() as session:
        versions: dict[str, list[PromptRecording]] = {slot: [] for slot in PROMPT_KEYS }
        for row in history(session):
            versions.setdefault(row.slot, []).append(row)
        return render(request, "admin_prompts.html", {
            "versions": versions, "slot_text": SLOT_TEXT, "notice": request.query_params.get("notice", "")})


@router.post("/admin/prompts/{slot}", openapi_extra=upload_body("audio", "source"))
async def upload(request: Request, slot: str, user: CurrentUser = Depends(ADMINS)):
    async with request.form() as form:  # closes every uploaded part, whatever was sent
        audio = form.get("audio")
        if not isinstance(audio, UploadFile):
            raise WebError("invalid_input", "请录音或选择一个音频文件。")
        data = await audio.read()
        source = "browser" if form.get("source") == "browser" else "upload"
    try:
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            recording = add_recording(session, slot=slot, data=data, source=source, actor=user.username,
                                      data_dir=request.app.state.ctx.settings.data_dir)
            recording_id, seconds = recording.id, recording.seconds
    except PromptError as exc:
        raise WebError("invalid_input", str(exc)) from None
    if wants_json(request):
        return JSONResponse({"id": recording_id, "slot": slot, "seconds": seconds}, status_code=201)
    return RedirectResponse(f"/admin/prompts?notice=saved#{slot}", status_code=303)


@router.get("/admin/prompts/recordings/{recording_id}.wav")
def audio_file(request: Request, recording_id: RowId, _user: CurrentUser = Depends(ADMINS)):
    with request.app.state.ctx.session_factory() as session:
        recording = session.get(PromptRecording, recording_id)
        path = request.app.state.ctx.settings.data_dir / recording.path if recording else None
    if path is None or not path.is_file():
        raise WebError("not_found", "录音文件不存在。")
    return FileResponse(path, media_type="audio/wav")


@router.post("/admin/prompts/recordings/{recording_id}/activate", openapi_extra=form_body())
def activate_recording(request: Request, recording_id: RowId, _user: CurrentUser = Depends(ADMINS)):
    ctx = request.app.state.ctx
    try:
        with unit_of_work(ctx.session_factory) as session:
            recording = activate(session, recording_id=recording_id)
            slot, path = recording.slot, ctx.settings.data_dir / recording.path
    except PromptError as exc:
        raise WebError("not_found", str(exc)) from None
    ctx.on_prompt_activated(slot, path)  # after the commit: new calls use it, nothing restarts
    return RedirectResponse(f"/admin/prompts?notice=activated#{slot}", status_code=303)
