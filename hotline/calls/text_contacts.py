"""Text contacts (web form, forum post, kiosk request) through the same intake as phone calls."""

from __future__ import annotations

from collections.abc import Callable

from hotline.cases.intake import Contact, ContactAnalysis, create_case
from hotline.db import unit_of_work
from hotline.events import EventHub
from hotline.models import Case

MAX_TEXT_CHARS = 5000


class ContactRejected(ValueError):
    """The contact cannot be accepted as given; the message tells the citizen what to change."""


def submit_text_contact(
    session_factory, *, hub: EventHub, analyze: Callable[[str], ContactAnalysis], contact: Contact
) -> Case:
    """Analyse, create the case (idempotent by source_ref), commit, then announce it."""
    text = contact.text.strip()
    if not text:
        raise ContactRejected("请填写诉求内容")
    if len(text) > MAX_TEXT_CHARS:
        raise ContactRejected(f"诉求内容不能超过 {MAX_TEXT_CHARS} 字，请精简后再提交")
    analysis = analyze(text)
    with unit_of_work(session_factory) as session:
        case = create_case(session, contact=contact, analysis=analysis, actor=contact.channel.value)
        case_id, code = case.id, case.tracking_code
    hub.publish("case.created", case_id=case_id, tracking_code=code, channel=contact.channel.value)
    return case
