"""Clean what enters at the edge, before any route sees it (issue 14, findings 3 and 8).

- Control characters (NUL and the other C0 characters except tab, line feed and carriage return, DEL) are
  removed from query strings, form fields and JSON strings — PostgreSQL refuses NUL in text, and none of
  them belongs in a citizen's words; a path holding one is a 400 with a clear message.
- Form bodies take text only: a file part is a 400 ("此处只接受文字") instead of being stored as junk, and a
  multipart body is re-encoded as an ordinary urlencoded form, so routes see one kind of form.
- Bodies are bounded: larger than ``MAX_BODY_BYTES`` is a 413 saying the limit.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
# routes that take a file (their handlers check type and content): a prompt recording, a holiday list
UPLOAD_PREFIXES = ("/admin/prompts/", "/admin/calendar/", "/admin/kb/import", "/grid/tasks/",
                   "/public/submit")  # the web form takes photos
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_FIELDS = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NO_FILES = "此处只接受文字，不接受文件：请把内容直接填写在表单中。"
_BODY_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "application/json")


def strip_controls(text: str) -> str:
    """``text`` without control characters (tab, line feed and carriage return are kept)."""
    return _CONTROL.sub("", text)


def _clean_json(value):
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    if isinstance(value, dict):
        return {strip_controls(k): _clean_json(v) for k, v in value.items()}
    return value


class Rejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class InputGuard:
    """ASGI middleware: cleans query strings and bodies, refuses files in forms and oversized bodies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            scope = self._clean_scope(scope)
            media = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
            upload = scope.get("path", "").startswith(UPLOAD_PREFIXES) and media == "multipart/form-data"
            if scope["method"] in ("POST", "PUT", "PATCH") and upload:
                receive = _replay(await _read_body(receive, MAX_UPLOAD_BYTES), receive)
            elif scope["method"] in ("POST", "PUT", "PATCH") and media in _BODY_TYPES:
                body = await _read_body(receive)
                scope, body = await _clean_body(scope, media, body)
                receive = _replay(body, receive)
        except Rejected as exc:
            await _reject(scope, receive, send, exc)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _clean_scope(scope: Scope) -> Scope:
        if _CONTROL.search(scope.get("path", "")):
            raise Rejected(400, "bad_request", "网址中含有控制字符，请检查链接后重试。")
        raw = scope.get("query_string", b"")
        if raw:
            pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
            if any(_CONTROL.search(k + v) for k, v in pairs):
                cleaned = urlencode([(strip_controls(k), strip_controls(v)) for k, v in pairs])
                scope = dict(scope, query_string=cleaned.encode())
        return scope


async def _read_body(receive: Receive, limit_bytes: int = MAX_BODY_BYTES) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Rejected(400, "bad_request", "请求未完整送达，请重试。")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit_bytes:
            limit = limit_bytes // 1024
            raise Rejected(413, "too_large", f"提交的内容太大（上限 {limit} KB），请缩短后重试。")
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _clean_body(scope: Scope, media: str, body: bytes) -> tuple[Scope, bytes]:
    if media == "application/json":
        if not body:
            return scope, body
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return scope, body  # the route reports malformed JSON itself
        return scope, json.dumps(_clean_json(data), ensure_ascii=False).encode()
    if media == "multipart/form-data":
        fields = await _multipart_fields(scope, body)
    else:
        fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True,
                           max_num_fields=MAX_FIELDS)
    encoded = urlencode([(strip_controls(k), strip_controls(v)) for k, v in fields]).encode()
    headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-type", b"content-length")]
    headers += [(b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", str(len(encoded)).encode())]
    return dict(scope, headers=headers), encoded


async def _multipart_fields(scope: Scope, body: bytes) -> list[tuple[str, str]]:
    async def stream():
        yield body
        yield b""

    parser = MultiPartParser(Headers(scope=scope), stream(), max_files=0, max_fields=MAX_FIELDS,
                             max_part_size=MAX_BODY_BYTES)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        if "files" in str(exc).lower():
            raise Rejected(400, "bad_request", NO_FILES) from None
        raise Rejected(400, "bad_request", f"表单格式不正确（{exc}），请重新提交。") from None
    fields = []
    for key, value in form.multi_items():
        if not isinstance(value, str):
            await value.close()
            raise Rejected(400, "bad_request", NO_FILES)
        fields.append((key, value))
    return fields


def _replay(body: bytes, original: Receive) -> Receive:
    """The cleaned body once, then the client's own messages (a later disconnect still arrives)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


async def _reject(scope: Scope, receive: Receive, send: Send, exc: Rejected) -> None:
    from web.errors import error_response

    response = error_response(Request(scope, receive), exc.code, exc.message, exc.status)
    await response(scope, receive, send)
