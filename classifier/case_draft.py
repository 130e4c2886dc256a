"""The case draft from a conversation or a message: who, how to call back, where — as suggestions.

Pure text work (no database): ``extract_draft(text, places=...)`` finds

- the citizen's name (我叫王建国, 我的名字叫…, 我姓王 → 王先生/女士 is left to the agent: we give 王),
- phone numbers, written or said aloud digit by digit (幺三八…, 一五零…, 两 = 2, 洞 = 0),
- ID card numbers, which are masked at once (only the masked form leaves this module),
- the address down to the 嘎查 / 村 / 社区 / 组 and the town (from the gazetteer, else from the words).

Everything is a suggestion an agent confirms; nothing here is trusted as fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from classifier.routing import Place, mentioned_places
from classifier.text import normalize

_SPOKEN_DIGITS = {"幺": "1", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5", "六": "6",
                  "七": "7", "八": "8", "九": "9", "零": "0", "洞": "0", "〇": "0", "o": "0"}
SPOKEN_DIGIT_CHARS = frozenset(_SPOKEN_DIGITS) - {"o"}
_DIGIT_CHARS = "0-9" + "".join(_SPOKEN_DIGITS)
_RUN_SEPARATORS = " \t\n-—_,，、.。"
_DIGIT_RUN = re.compile(rf"[{_DIGIT_CHARS}xX叉][{_DIGIT_CHARS}xX叉\s\-—_,，、.。]*")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}\d{7,8}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9]\d{16}[0-9xX](?![0-9])")
_ID_MASKED = re.compile(r"(?<![0-9])[1-9]\d{5}\*{8}\d{3}[0-9X](?![0-9])")  # already masked at intake
_ID_WRITTEN = re.compile(r"(?<![0-9])([1-9]\d{5})\d{8}(\d{3}[0-9xX])(?![0-9])")

_NAME_CUE = re.compile(r"(?:我叫|我的名字叫|我的名字是|名字叫|本人叫|本人)([\u4e00-\u9fff]{2,4})")
_SURNAME_CUE = re.compile(r"我姓([\u4e00-\u9fff])")
_NAME_BEFORE_BREAK = re.compile(
    r"(?:我叫|我的名字叫|我的名字是|名字叫|本人叫)\s*([\u4e00-\u9fff]{2,4})(?=[\s，。,.!！?？、]|$)")
# words that follow a name in speech: the name ends where one of them starts
_AFTER_NAME = ("是", "住", "在", "家", "今年", "电话", "手机", "身份证", "号码", "我", "从", "的", "想", "要",
               "来", "打", "现在", "这边", "那边", "嘎查", "村", "镇", "社区", "啊", "呢", "吧", "哈", "们")
_NOT_NAMES = {"一下", "这个", "那个", "就是", "什么", "怎么", "没有", "反映", "咨询", "投诉", "想问", "问问"}

_VILLAGE = re.compile(r"([\u4e00-\u9fff]{2,6}?(?:嘎查|村|社区))")
_GROUP = re.compile(r"([0-9一二三四五六七八九十两]{1,3}(?:组|社|队))")
_TOWN = re.compile(r"([\u4e00-\u9fff]{2,4}?镇)")
_NOT_PLACE_HEAD = ("我们", "我家", "在", "住", "是", "的", "咱们", "他们", "你们", "那个", "这个", "就")


@dataclass(frozen=True)
class CaseDraft:
    name: str | None = None
    phones: tuple[str, ...] = ()
    id_numbers_masked: tuple[str, ...] = ()
    town: str | None = None
    village: str | None = None  # 嘎查 / 村 / 社区
    group: str | None = None  # 组 / 社 / 队
    item: dict[str, Any] | None = None  # the routed service item {code, name, department}, if any
    notes: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return "".join(p for p in (self.town, self.village, self.group) if p)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "phones": list(self.phones),
            "id_numbers_masked": list(self.id_numbers_masked),
            "town": self.town,
            "village": self.village,
            "group": self.group,
            "address": self.address,
            "item": self.item,
        }


def spoken_digits(text: str) -> str:
    """Digit runs written or said aloud turned into Arabic digits (幺三八 → 138); other text kept."""
    def run(match: re.Match[str]) -> str:
        chunk = match.group(0)
        digits = "".join(_SPOKEN_DIGITS.get(c, c) for c in chunk if c.isdigit() or c in _SPOKEN_DIGITS
                         or c in "xX叉")
        digits = digits.replace("叉", "X")
        return digits if sum(ch.isdigit() for ch in digits) >= 5 else chunk
    return _DIGIT_RUN.sub(run, text)


def mask_id(number: str) -> str:
    """1506231990****123X style: region and the last four kept, birth date hidden."""
    return number[:6] + "*" * 8 + number[-4:].upper()


def mask_id_numbers(text: str) -> str:
    """``text`` with every 18-character ID number masked (for storing and showing): written ones in place,
    spoken ones (幺五零六…, as ASR writes them) replaced by the masked number in Arabic digits."""
    written = _ID_WRITTEN.sub(lambda m: m.group(1) + "*" * 8 + m.group(2).upper(), text)
    return _DIGIT_RUN.sub(_mask_spoken_id, written)


def _mask_spoken_id(match: re.Match[str]) -> str:
    chunk: str = match.group(0)
    body = chunk.rstrip("".join(_RUN_SEPARATORS))
    number = "".join(_SPOKEN_DIGITS.get(c, c) for c in body if c.isdigit() or c in _SPOKEN_DIGITS
                     or c in "xX叉").replace("叉", "X")
    if len(number) != 18 or not _ID_NUMBER.fullmatch(number):
        return chunk
    return mask_id(number) + chunk[len(body):]


def _name(raw: str, clean: str, places: Sequence[Place]) -> str | None:
    spaced = _NAME_BEFORE_BREAK.search(raw)  # 我叫马俊 草原补奖…: a pause or a comma ends the name
    if spaced and spaced.group(1) not in _NOT_NAMES:
        return spaced.group(1)
    starts = [a for p in places for a in p.aliases if len(a) >= 2]
    for match in _NAME_CUE.finditer(clean):
        rest = clean[match.start(1):]
        limit = 4
        for stop in (*_AFTER_NAME, *starts):
            index = rest.find(stop, 1, limit + len(stop) - 1)
            if 0 < index < limit:
                limit = index
        candidate = _name_length(rest[: min(limit, 3)], rest)
        if len(candidate) >= 2 and candidate not in _NOT_NAMES:
            return candidate
    surname = _SURNAME_CUE.search(clean)
    return surname.group(1) if surname else None


def _name_length(candidate: str, rest: str) -> str:
    """A 3-character name unless a word starts right after its second character (孟和低保 → 孟和)."""
    if len(candidate) < 3:
        return candidate
    from classifier import segment

    if segment.is_word(rest[3:5]) or len(rest) <= 3:
        return candidate
    return candidate[:2] if segment.is_word(rest[2:4]) else candidate


def _place_part(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    if not match:
        return None
    value = match.group(1)
    for head in _NOT_PLACE_HEAD:
        if head in value[:-1]:
            value = value[value.rindex(head) + len(head):]
    if pattern is not _TOWN:  # a village's name starts after its town / banner / county
        value = re.split(r"[镇旗县市乡]", value)[-1]
    return value if len(value) >= 2 else None


def extract_draft(
    text: str, *, places: Sequence[Place] = (), item: dict[str, Any] | None = None
) -> CaseDraft:
    """What the conversation says about the citizen and the place (see the module docstring)."""
    clean = normalize(text).replace(" ", "")
    digits = spoken_digits(clean)
    ids = list(dict.fromkeys(m.group(0).upper() for m in _ID_NUMBER.finditer(digits)))
    without_ids = _ID_NUMBER.sub(" ", digits)
    phones = list(dict.fromkeys([*_MOBILE.findall(without_ids), *_LANDLINE.findall(without_ids)]))
    found = mentioned_places(clean, places)
    town = next((p.town for p in found), None) or _place_part(_TOWN, clean)
    village = next((p.name for p in found if p.level == "village"), None) or _place_part(_VILLAGE, clean)
    return CaseDraft(
        name=_name(text, clean, places),
        phones=tuple(phones),
        id_numbers_masked=tuple(dict.fromkeys([*(mask_id(n) for n in ids), *_ID_MASKED.findall(text)])),
        town=town,
        village=village,
        group=_place_part(_GROUP, clean),
        item=item,
    )
