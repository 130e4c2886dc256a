"""Bounds for every number a request carries (issue 14, finding 7): ids, page numbers, counts.

A number the database cannot hold (``?page=99999999999999999999``) used to reach SQLite or PostgreSQL
and come back as a 500. Typed route parameters use :data:`RowId` and :data:`PageNumber`; numbers read
from forms or query strings by hand go through :func:`bounded_int`. Out of range is a 422 that names the
field and the allowed range.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ROW_ID = 2**31 - 1  # PostgreSQL integer
MAX_PAGE = 100_000
MAX_COUNT = 10_000  # days, attempts and other small counts typed into a form

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="row id")]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="page number, from 1")]
OptionalRowId = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID, description="row id")]
CalendarYear = Annotated[int, Path(ge=2000, le=2100, description="calendar year")]


class NumberOutOfRange(ValueError):
    """Raised by :func:`bounded_int`; the message says what was expected (zh-CN)."""


def bounded_int(raw: object, what: str, *, low: int = 0, high: int = MAX_ROW_ID) -> int | None:
    """``raw`` (a form or query value) as an int in ``low..high``; None when blank."""
    text = str(raw or "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > len(str(high)) or not low <= int(text) <= high:
        raise NumberOutOfRange(f"{what}应为 {low}–{high} 之间的整数，收到 {text[:20]!r}。")
    return int(text)
