"""Mask phone and ID numbers in fields and free text, including numbers spoken as Chinese digits.

A run of at least 7 digits (Arabic, full-width or Chinese: 零〇幺一二两三四五六七八九, with spaces or
hyphens between them, and an ID number's final X/x/叉) is a number to hide. Runs of 11 or more digits keep
the first 3 and last 4 characters (138****5678, 150***********123X); shorter runs keep the last 2. Every
hidden digit becomes '*', so the text keeps its length and layout.
"""

from __future__ import annotations

import re

MASK = "*"
MIN_DIGITS = 7
_DIGIT = "0-9０-９零〇幺一二两三四五六七八九"
_RUN = re.compile(rf"[{_DIGIT}](?:[ \t\-－]*[{_DIGIT}])*(?:[ \t\-－]*[Xx叉])?")
_IS_DIGIT = re.compile(rf"[{_DIGIT}]")


def mask_text(text: str | None) -> str | None:
    """``text`` with every phone/ID-like number masked; None stays None."""
    if not text:
        return text
    return _RUN.sub(_mask_run, text)


def mask_phone(value: str | None) -> str | None:
    """A phone-number field, masked (a short extension or code of < 7 digits is left as is)."""
    return mask_text(value)


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    positions = [i for i, ch in enumerate(run) if _IS_DIGIT.match(ch)]
    tail = ""
    if run[-1] in "Xx叉":
        if len(positions) == 17:
            positions.append(len(run) - 1)  # the ID number's check character
        else:  # not an ID number: the letter is ordinary text
            cut = positions[-1] + 1
            run, tail = run[:cut], run[cut:]
    return _mask_run_plain(run, positions) + tail


def _mask_run_plain(run: str, positions: list[int]) -> str:
    n = len(positions)
    if n < MIN_DIGITS:
        return run
    keep_head, keep_tail = (3, 4) if n >= 11 else (0, 2)
    hidden = set(positions[keep_head:n - keep_tail])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(run))
