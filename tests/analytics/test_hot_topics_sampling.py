"""Hot topics read a busy week as an evenly spread sample of its cases and scale the counts back up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from hotline.analytics.filters import CaseFilter
from hotline.analytics.hot_topics import weekly_topics
from hotline.models import Case, CaseStatus, Channel

WEEK = date(2026, 3, 2)  # a Monday


def test_a_sampled_week_counts_every_case_and_scales_the_terms(db_session):
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    for n in range(60):  # 60 cases: every one mentions 停电, every third also 路灯
        text = "小区停电，路灯也不亮" if n % 3 == 0 else "小区停电了"
        db_session.add(Case(tracking_code=f"T-HS{n}", source_ref=f"t:hs{n}", channel=Channel.web,
                            status=CaseStatus.accepted, title="反映", content=text, town="城川镇",
                            created_at=start + timedelta(hours=2 * n)))
    db_session.add(Case(tracking_code="T-HS-NEXT", source_ref="t:hs-next", channel=Channel.web,
                        status=CaseStatus.accepted, title="反映", content="停电", town="城川镇",
                        created_at=start + timedelta(days=8)))  # the next week: not counted
    db_session.flush()

    whole = weekly_topics(db_session, CaseFilter(start=WEEK, end=WEEK), week=WEEK)
    sampled = weekly_topics(db_session, CaseFilter(start=WEEK, end=WEEK), week=WEEK, sample_per_period=7)

    assert whole.documents == whole.sampled == 60
    assert sampled.documents == 60 and sampled.sampled == 7  # every 9th of 60 by id
    terms = {k["term"]: k["cases"] for k in sampled.keywords}
    assert terms["停电"] == 60  # in every sampled case: scaled to all 60
    assert {k["term"]: k["cases"] for k in whole.keywords}["路灯"] == 20


def test_an_edited_case_is_segmented_again(db_session):
    case = Case(tracking_code="T-HE1", source_ref="t:he1", channel=Channel.web, status=CaseStatus.accepted,
                title="反映", content="小区停电了", town="城川镇",
                created_at=datetime(2026, 3, 3, 2, tzinfo=UTC))
    db_session.add(case)
    db_session.flush()
    flt = CaseFilter(start=WEEK, end=WEEK)
    assert "停电" in {k["term"] for k in weekly_topics(db_session, flt, week=WEEK).keywords}

    case = db_session.scalar(select(Case).where(Case.tracking_code == "T-HE1"))
    case.content = "路灯坏了"  # corrected after the call; updated_at moves on
    db_session.flush()
    terms = {k["term"] for k in weekly_topics(db_session, flt, week=WEEK).keywords}
    assert "路灯" in terms and "停电" not in terms


def test_hot_topic_terms_leave_out_filler_words():
    from hotline.analytics.hot_topics import terms_of

    terms = terms_of("我想问问老人的养老金有哪些时限，为什么到现在还没发，麻烦领导尽快处理")
    assert "养老金" in terms
    assert not terms & {"老人", "哪些", "我想", "时限", "为什么", "麻烦", "领导", "处理", "尽快"}
