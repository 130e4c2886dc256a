"""A citizen rates a closed case on the tracking page: stored as the callback's answer, so nobody calls."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from web_testkit import form_token_of, make_user, new_case

from hotline.cases.lifecycle import answer_case
from hotline.models import Callback, CallbackResult, CallbackState, Case, CaseStatus, Role, User


def answered_case(client, engine, phone: str) -> str:
    case_id = new_case(client.app, "请问低保怎么申请", phone=phone)
    agent = make_user(engine, Role.agent)
    with Session(engine) as session:
        actor = session.scalar(select(User).where(User.username == agent))
        answer_case(session, case_id=case_id, actor=actor, reply="请带身份证和户口本到镇便民服务中心申请。")
        session.commit()
        return session.get(Case, case_id).tracking_code


def rate(client, code: str, last4: str, result: str):
    token = form_token_of(client.get("/track").text)
    return client.post("/track/rate", data={"code": code, "last4": last4, "result": result,
                                            "comment": "办得快", "form_token": token})


def test_a_closed_case_can_be_rated_once_with_the_right_phone_digits(client, web_engine):
    code = answered_case(client, web_engine, "13700005678")
    shown = client.post("/track", data={"code": code, "last4": "5678",
                                         "form_token": form_token_of(client.get("/track").text)})
    assert 'id="rating-form"' in shown.text

    wrong = rate(client, code, "0000", "satisfied")
    assert wrong.status_code == 404
    with Session(web_engine) as session:
        case = session.scalar(select(Case).where(Case.tracking_code == code))
        assert session.scalar(select(Callback).where(Callback.case_id == case.id)) is None

    done = rate(client, code, "5678", "satisfied")
    assert done.status_code == 200 and "感谢您的评价（满意）" in done.text
    with Session(web_engine) as session:
        case = session.scalar(select(Case).where(Case.tracking_code == code))
        callback = session.scalar(select(Callback).where(Callback.case_id == case.id))
        assert callback.state == CallbackState.done and callback.result == CallbackResult.satisfied
        assert case.status == CaseStatus.callback_done

    again = rate(client, code, "5678", "unsatisfied")
    assert again.status_code == 409


def test_an_open_case_offers_no_rating(client, web_engine):
    case_id = new_case(client.app, "社保卡丢了怎么补办", phone="13600002468")
    with Session(web_engine) as session:
        code = session.get(Case, case_id).tracking_code
    page = client.post("/track", data={"code": code, "last4": "2468",
                                        "form_token": form_token_of(client.get("/track").text)})
    assert page.status_code == 200 and 'id="rating-form"' not in page.text
    assert rate(client, code, "2468", "satisfied").status_code == 409
