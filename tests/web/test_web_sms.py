"""SMS receipts through a real SMPP session (smpplib) to a local SMSC: a citizen's web submission and a phone
case each get a 受理回执 with the tracking code, in quiet hours nothing goes out, the delivery receipt marks
the message delivered, a refused submit is retried later, and a citizen who texts TD gets nothing more."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from smsc_testkit import Smsc
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_testkit import new_case, submit_public_form

from hotline.accounts.timestamps import as_utc
from hotline.models import Case, Channel, SmsKind, SmsMessage, SmsOptOut, SmsState
from hotline.sms.gateways import HttpTemplateGateway, gateway_from_url
from hotline.sms.outbox import CHINA
from hotline.sms.sender import SmsSender


def _china(hour: int) -> datetime:
    """Tomorrow at ``hour`` China time: after the cases made now, inside the outbox's look-back."""
    today = datetime.now(CHINA).date()
    return datetime.combine(today + timedelta(days=1), time(hour), CHINA)


def _message(engine, case_id: int, kind: SmsKind = SmsKind.receipt) -> SmsMessage | None:
    with Session(engine) as session:
        return session.scalar(
            select(SmsMessage).where(SmsMessage.case_id == case_id, SmsMessage.kind == kind)
        )


@pytest.fixture
def smsc():
    server = Smsc()
    yield server
    server.close()


def test_receipts_reach_a_local_smsc_after_a_web_submission_and_a_call(client, web_engine, smsc):
    done, _ = submit_public_form(
        client, name="周七", phone="139 1234 0001", town="城川镇", text="城川镇自来水停了两天，请尽快恢复"
    )
    web_code = re.search(r'id="tracking-code">([^<]+)<', done.text).group(1)
    phone_case = new_case(client.app, "我想问一下低保怎么申请", phone="13912340002", channel=Channel.phone)
    gateway = gateway_from_url(f"smpp://hotline:secret@127.0.0.1:{smsc.port}?source=7812345")
    factory = client.app.state.ctx.session_factory
    try:
        quiet = SmsSender(factory, gateway, clock=lambda: _china(7)).run_once()
        assert quiet["sent"] == 0 and smsc.submitted == []  # 07:00 China time: held until 08:00
        with Session(web_engine) as session:
            held = session.scalar(select(SmsMessage).where(SmsMessage.phone == "13912340001"))
            assert held.state == SmsState.queued
            assert as_utc(held.next_attempt_at) == _china(8)  # the end of the quiet hours

        sender = SmsSender(factory, gateway, clock=lambda: _china(10))
        for _ in range(3):
            sender.run_once()
            if _message(web_engine, phone_case).state == SmsState.delivered:
                break
        by_phone = {s.destination: s for s in smsc.submitted}
        assert smsc.binds == ["hotline"]
        assert web_code in by_phone["13912340001"].text and "已受理" in by_phone["13912340001"].text
        phone_code = _message(web_engine, phone_case).text.split("工单编号")[1][:11]
        assert phone_code in by_phone["13912340002"].text
        assert by_phone["13912340002"].source == "7812345"
        delivered = _message(web_engine, phone_case)
        assert (
            delivered.state == SmsState.delivered
            and delivered.provider_id == by_phone["13912340002"].message_id
        )

        smsc.citizen_sends("13912340002", "TD")  # 退订
        sender.run_once()
        with Session(web_engine) as session:
            assert session.scalar(select(SmsOptOut).where(SmsOptOut.phone == "13912340002"))
        again = new_case(client.app, "再问一下低保的材料", phone="13912340002", channel=Channel.phone)
        sent_before = len(smsc.submitted)
        sender.run_once()
        assert _message(web_engine, again).state == SmsState.cancelled
        assert all(s.destination != "13912340002" for s in smsc.submitted[sent_before:])

        smsc.refuse_with = 0x08  # ESME_RSYSERR: worth a retry
        refused = new_case(client.app, "咨询养老金领取", phone="13912340003")
        sender.run_once()
        retry = _message(web_engine, refused)
        assert retry.state == SmsState.queued and retry.attempts == 1 and "0x08" in retry.last_error
    finally:
        gateway.close()


def test_http_template_gateway_posts_json_and_classifies_errors():
    import httpx

    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content.decode())
        if "13900000000" in seen[-1]:
            return httpx.Response(400, text="bad number")
        return httpx.Response(200, json={"msgid": "A1"})

    gateway = HttpTemplateGateway(
        "http://sms.example/send",
        body_template='{"to": "{phone}", "msg": "{text}"}',
        id_field="msgid",
        transport=httpx.MockTransport(handler),
    )
    assert gateway.send("13912345678", '您好 "引号"') == "A1"
    assert seen[0] == '{"to": "13912345678", "msg": "您好 \\"引号\\""}'
    from hotline.sms.gateways import SmsSendError

    with pytest.raises(SmsSendError) as refused:
        gateway.send("13900000000", "x")
    assert refused.value.permanent


def test_a_citizen_reading_the_mongolian_page_gets_the_receipt_in_mongolian(client, web_engine, smsc):
    client.cookies.set("hotline_lang", "mn_Mong")
    done, _ = submit_public_form(client, phone="139 1234 0071", text="城川镇的路灯坏了一个月")
    client.cookies.delete("hotline_lang")
    code = re.search(r'id="tracking-code">([^<]+)<', done.text).group(1)
    gateway = gateway_from_url(f"smpp://hotline:secret@127.0.0.1:{smsc.port}?source=7812345")
    try:
        SmsSender(client.app.state.ctx.session_factory, gateway, clock=lambda: _china(10)).run_once()
    finally:
        gateway.close()
    text = smsc.texts()["13912340071"]
    assert code in text and "ᠬᠦᠯᠢᠵᠦ ᠠᠪᠤᠯᠠᠠ" in text and "已受理" not in text
    with Session(web_engine) as session:  # Chinese text: the case needs no Mongolian-speaking handler
        case = session.scalar(select(Case).where(Case.tracking_code == code))
        assert case.language == "zh" and case.citizen_language == "mn"
