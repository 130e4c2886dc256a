"""Error codes → HTTP statuses, in ONE table; zh-CN error pages for browsers, ``{code, message}`` for APIs.

Services raise CaseError / AccountError with a stable code; the web layer raises WebError for its own
(CSRF, rate limit, API key). Unauthenticated browser requests are redirected to /login; API requests
(paths under /api/, or clients not asking for HTML) get 401 JSON.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotline.accounts.errors import AccountError
from hotline.calls.text_contacts import ContactRejected
from hotline.cases.errors import CaseError
from web.i18n import N_, fill, translate

STATUS: dict[str, int] = {
    # cases
    "not_found": 404,
    "forbidden": 403,
    "not_case_handler": 403,
    "invalid_transition": 409,
    "co_handlers_pending": 409,
    "extension_pending": 409,
    "slot_full": 409,
    "appointment_exists": 409,
    "invalid_input": 422,
    "slot_unavailable": 422,
    # accounts
    "invalid_credentials": 401,
    "account_locked": 423,
    "account_disabled": 403,
    "password_change_required": 403,
    "weak_password": 422,
    "wrong_password": 422,
    "username_taken": 409,
    # web
    "unauthenticated": 401,
    "csrf_failed": 403,
    "rate_limited": 429,
    "invalid_api_key": 401,
    "contact_rejected": 422,
    "bad_request": 400,
    "too_large": 413,
    "method_not_allowed": 405,
    "server_error": 500,
}
HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "invalid_transition",
    422: "invalid_input",
    429: "rate_limited",
}
HTTP_MESSAGES = {404: N_("页面不存在。"), 405: N_("不支持该请求方式。"), 401: N_("请先登录。")}


class WebError(Exception):
    """``message`` is a catalogue msgid; ``params`` fill its ``{name}`` fields after translation."""

    def __init__(self, code: str, message: str, **params) -> None:
        self.code = code
        self.template = message
        self.params = params
        self.message = fill(message, params)
        super().__init__(f"{code}: {self.message}")


def status_of(code: str) -> int:
    return STATUS.get(code, 400)


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "text/html" not in accept and "application/json" in accept


def error_response(
    request: Request, code: str, message: str, status: int | None = None, headers: dict | None = None,
    params: dict | None = None,
) -> Response:
    status = status or status_of(code)
    message = fill(translate(request, message), params)
    if wants_json(request):
        return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"code": code, "message": message, "status": status},
        status_code=status,
        headers=headers,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)  # registered for it below
    headers = dict(exc.headers or {})
    if exc.status_code == 401 and not wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    if "X-Password-Change" in headers and not wants_json(request):
        return RedirectResponse(headers["X-Password-Change"], status_code=303)
    code = headers.pop("X-Error-Code", None) or (
        "password_change_required"
        if "X-Password-Change" in headers
        else HTTP_CODES.get(exc.status_code, "bad_request")
    )
    fallback = HTTP_MESSAGES.get(exc.status_code, N_("请求有误。"))
    message = exc.detail if isinstance(exc.detail, str) else fallback
    if exc.status_code in HTTP_MESSAGES and exc.detail in ("Not Found", "Method Not Allowed", "Unauthorized"):
        message = HTTP_MESSAGES[exc.status_code]
    return error_response(request, code, message, exc.status_code, headers or None)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CaseError | AccountError | WebError)  # registered for them below
    template = getattr(exc, "template", exc.message)
    return error_response(request, exc.code, template, params=getattr(exc, "params", None))


async def _rejected(request: Request, exc: Exception) -> Response:
    return error_response(request, "contact_rejected", str(exc))


async def _out_of_range(request: Request, exc: Exception) -> Response:
    # the safety net behind web.bounds: a number the database cannot hold is the client's mistake
    return error_response(request, "invalid_input", N_("数字超出允许范围：请检查页码、编号等数字参数。"), 422)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # registered for it below
    fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()})
    return error_response(request, "invalid_input", N_("请求参数不完整或格式不正确：{fields}。"),
                          params={"fields": "、".join(fields)})


async def _server_error(request: Request, exc: Exception) -> Response:
    """An unexpected failure: a zh-CN page (or JSON) without internals; the traceback goes to the log."""
    message = N_("系统内部错误，请稍后重试；如仍不成功，请联系系统管理员。")
    return error_response(request, "server_error", message, 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _server_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for domain_error in (CaseError, AccountError, WebError):
        app.add_exception_handler(domain_error, _domain_error)
    app.add_exception_handler(ContactRejected, _rejected)
    app.add_exception_handler(RequestValidationError, _validation)
    for exc_type in (OverflowError, DataError):
        app.add_exception_handler(exc_type, _out_of_range)
