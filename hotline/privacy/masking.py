"""Mask phone and ID numbers in fields and free text, including numbers spoken as Chinese digits.

A run of at least 7 digits (Arabic, full-width or Chinese: 零〇幺一二两三四五六七八九, with spaces or
whatever separates them: spaces, hyphens, dots, 、, slashes, underscores, middle dots — and an ID number's
final X/x/叉) is a number to hide. Runs of 11 or more digits keep
the first 3 and last 4 characters (138****5678, 150***********123X); shorter runs keep the last 2. Every
hidden digit becomes '*', so the text keeps its length and layout.
"""

from __future__ import annotations

import re

MASK = "*"
MIN_DIGITS = 7
_DIGIT = "0-9０-９零〇幺一二两三四五六七八九"
_SEPARATOR = r" \t\u3000\-－‐–—.．。、/／\\_＿·・,，"
_RUN = re.compile(rf"[{_DIGIT}](?:[{_SEPARATOR}]*[{_DIGIT}])*(?:[{_SEPARATOR}]*[Xx叉])?")
_IS_DIGIT = re.compile(rf"[{_DIGIT}]")
SEARCHABLE_DIGITS = 2  # a masked view's keyword may hold at most this many digits in a row


def reveals_numbers(keyword: str) -> bool:
    """True when searching masked text for ``keyword`` would test digits the masked view hides.

    A keyword with more than two digits in a row (any separators, Arabic or spoken) could confirm a
    phone or ID number piece by piece, so a masked role may not search with it.
    """
    return any(len(_IS_DIGIT.findall(run.group(0))) > SEARCHABLE_DIGITS for run in _RUN.finditer(keyword))


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
