"""日报/周报/月报 for the leadership: a printable page and the same figures as an XLSX download."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from hotline.analytics.filters import china_today
from hotline.analytics.period_report import KINDS, build_report, kept_reports, report_xlsx
from hotline.cases.errors import CaseError
from hotline.models import Role, utcnow
from web.auth import CurrentUser, require_roles
from web.labels import CHANNEL, INTENT
from web.templating import render

router = APIRouter()
READERS = require_roles(Role.supervisor, Role.admin, Role.analyst)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request: Request) -> tuple[str, date]:
    kind = request.query_params.get("kind", "daily")
    if kind not in KINDS:
        raise CaseError("invalid_input", "报表类型应为日报、周报或月报。")
    raw = request.query_params.get("day")
    try:
        return kind, date.fromisoformat(raw) if raw else china_today()
    except ValueError:
        raise CaseError("invalid_input", "日期格式应为 YYYY-MM-DD。") from None


def _report(request: Request):
    kind, day = _period(request)
    with request.app.state.ctx.session_factory() as session:
        return build_report(session, kind=kind, day=day, now=utcnow(),
                            labels={"intent": INTENT, "channel": CHANNEL}), day


@router.get("/reports")
def reports_page(request: Request, _user: CurrentUser = Depends(READERS)):
    report, day = _report(request)
    kept = kept_reports(request.app.state.ctx.settings.data_dir / "reports")
    return render(request, "reports.html", {"report": report, "kinds": KINDS, "day": day, "kept": kept})


@router.get("/reports/kept/{name}")
def kept_download(request: Request, name: str, _user: CurrentUser = Depends(READERS)):
    """A workbook the scheduler kept (only names it wrote: no path from the request reaches the disk)."""
    directory = request.app.state.ctx.settings.data_dir / "reports"
    if name not in kept_reports(directory):
        raise CaseError("not_found", "没有这份报表。")
    return FileResponse(directory / name, media_type=XLSX, filename=name)


@router.get("/reports/download")
def report_download(request: Request, _user: CurrentUser = Depends(READERS)):
    report, day = _report(request)
    name = f"7812345-{KINDS[report.kind]}-{day.isoformat()}.xlsx"
    return Response(report_xlsx(report), media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
