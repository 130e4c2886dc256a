"""Cases entered by hand (手工录入): a citizen at a window, a letter, a call taken on a desk phone. They go
through the same intake and analysis as every channel; the agent who entered them is on the timeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.cases.errors import CaseError
from hotline.cases.intake import Contact, ContactAnalysis, create_case
from hotline.cases.timeline import require_text
from hotline.models import Case, Channel, User

MANUAL_CHANNELS = {Channel.walk_in: "窗口来访", Channel.letter: "来信", Channel.desk_phone: "座机来电"}
MANUAL_ENTERERS = frozenset({"agent", "supervisor", "admin"})


@dataclass(frozen=True)
class ManualCase:
    channel: str
    text: str
    title: str = ""
    citizen_phone: str = ""
    citizen_name: str = ""
    address: str = ""


def check_manual_case(form: ManualCase) -> tuple[Channel, str, str]:
    """Validate before analysis: (channel, text, phone digits), or a CaseError naming the field."""
    try:
        channel = Channel(form.channel)
    except ValueError:
        channel = None
    if channel not in MANUAL_CHANNELS:
        raise CaseError("invalid_input", "请选择来源：窗口来访、来信或座机来电。", field="channel")
    text = require_text(form.text, "诉求内容")
    phone = form.citizen_phone.strip().replace("-", "").replace(" ", "")
    if phone and not phone.isdigit():
        raise CaseError("invalid_input", "联系电话只能包含数字。", field="citizen_phone")
    if channel == Channel.desk_phone and not phone:
        raise CaseError("invalid_input", "座机来电请填写来电号码。", field="citizen_phone")
    if len(form.title.strip()) > 200 or len(form.address.strip()) > 200:
        raise CaseError("invalid_input", "标题和地址最多 200 字。")
    return channel, text, phone


def enter_manual_case(session: Session, *, actor: User, form: ManualCase, analysis: ContactAnalysis) -> Case:
    channel, text, phone = check_manual_case(form)
    if actor.role.value not in MANUAL_ENTERERS or not actor.active:
        raise CaseError("forbidden", "只有话务员、督办员或管理员可以手工录入工单。")
    contact = Contact(
        channel=channel,
        source_ref=f"{channel.value}:{uuid.uuid4().hex}",
        text=text,
        title=form.title.strip() or None,
        citizen_phone=phone or None,
        citizen_name=form.citizen_name.strip() or None,
        address=form.address.strip() or None,
    )
    return create_case(session, contact=contact, analysis=analysis, actor=actor.username)
