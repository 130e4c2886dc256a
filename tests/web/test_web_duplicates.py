"""可能重复 on the case page: a second contact about the same matter shows the first one, and one click
merges it into that case."""

from __future__ import annotations

from sqlalchemy.orm import Session
from web_testkit import csrf_of, new_case, signed_in

from hotline.models import Case, Channel, Role


def test_same_matter_by_phone_then_web_shows_as_possible_duplicate_and_merges(client, web_engine):
    first = new_case(client.app, "芒哈图嘎查的饮水井泵坏了，一个礼拜没水喝了", phone="13847780012",
                     channel=Channel.phone)
    second = new_case(client.app, "我们芒哈图嘎查饮水井又坏了，牲口都没水喝", phone="13847780012")
    unrelated = new_case(client.app, "城川镇的营业执照怎么办", phone="13900000009")
    signed_in(client, web_engine, Role.agent)
    console = client.get("/")
    assert f'href="/cases/{second}#maybe-duplicates"' in console.text
    page = client.get(f"/cases/{second}")
    assert page.status_code == 200 and 'id="maybe-duplicates"' in page.text
    block = page.text.split('id="maybe-duplicates"', 1)[1].split("</div>", 1)[0]
    with Session(web_engine) as session:
        master = session.get(Case, first)
        other = session.get(Case, unrelated)
        assert master.tracking_code in block and other.tracking_code not in block
        code = master.tracking_code
    assert "同一来电号码" in block and "并入此工单" in block
    merged = client.post(f"/cases/{second}/merge", data={"csrf_token": csrf_of(client), "master": code,
                                                         "note": "可能重复"}, follow_redirects=False)
    assert merged.status_code == 303, merged.text
    with Session(web_engine) as session:
        assert session.get(Case, second).status.value == "merged"
        assert session.get(Case, second).merged_into_id == first
    assert 'id="maybe-duplicates"' not in client.get(f"/cases/{second}").text
