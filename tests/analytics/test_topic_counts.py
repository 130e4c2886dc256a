"""Hot-topic term counts kept per week: the same keywords as segmenting the cases, by town / intent /
department / service item, following edits and re-dispatches, never counting a conduct report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from hotline.analytics import topic_counts
from hotline.analytics.filters import CaseFilter
from hotline.analytics.hot_topics import weekly_topics
from hotline.models import Case, CaseStatus, Channel, Department, Intent

WEEK = date(2026, 3, 2)  # a Monday
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _case(n: int, content: str, *, town: str = "城川镇", intent=Intent.complaint, days: int = 0,
          department_id=None, confidential: bool = False) -> Case:
    return Case(tracking_code=f"T-TC{n}", source_ref=f"t:tc{n}", channel=Channel.web,
                status=CaseStatus.accepted, title="反映", content=content, town=town, intent=intent,
                department_id=department_id,
                created_at=START + timedelta(days=days, minutes=n), updated_at=START + timedelta(days=days),
                confidential=confidential)


def _terms(session, flt: CaseFilter) -> dict[str, int]:
    return {k["term"]: k["cases"] for k in weekly_topics(session, flt, week=WEEK).keywords}


def test_counts_answer_like_the_cases_and_follow_changes(db_session):
    session = db_session
    water = session.scalar(select(Department.id).where(Department.code == "slj"))
    for n in range(12):
        session.add(_case(n, "小区停电，变压器烧了" if n % 2 else "自来水停水三天了", department_id=water,
                          town="城川镇" if n < 8 else "上海庙镇"))
    for n in range(12, 16):  # the weeks before: 停水 is usual, 停电 is not
        session.add(_case(n, "自来水停水三天了", days=-7 * (n - 11)))
    session.add(_case(99, "城建局科员收取好处费", confidential=True))  # 纪委监委's only: never a hot topic
    session.flush()
    flt = CaseFilter(start=WEEK, end=WEEK + timedelta(days=6))
    sampled = _terms(session, flt)  # no counts built yet: the cases are segmented

    topic_counts.refresh(session, now=START + timedelta(days=8), full=True)
    counted = weekly_topics(session, flt, week=WEEK)
    assert {k["term"]: k["cases"] for k in counted.keywords} == sampled
    assert counted.documents == 12 and "好处费" not in sampled
    spikes = {k["term"] for k in counted.keywords if k["spike"]}
    assert "停电" in spikes and "停水" not in spikes  # new this week vs as usual
    # grouped: by town, intent, department
    assert _terms(session, flt.with_dimension("town", "上海庙镇"))["停电"] == 2
    assert _terms(session, flt.with_dimension("intent", "complaint"))["停电"] == 6
    assert _terms(session, flt.with_dimension("department", str(water)))["停水"] == 6

    # an edited case moves from 停水 to 停电; a re-dispatched one to another town; an incremental refresh
    edited = session.scalar(select(Case).where(Case.tracking_code == "T-TC0"))
    edited.content, edited.updated_at = "小区停电了", START + timedelta(days=9)
    moved = session.scalar(select(Case).where(Case.tracking_code == "T-TC1"))
    moved.town, moved.updated_at = "上海庙镇", START + timedelta(days=9)
    session.flush()
    topic_counts.refresh(session, now=START + timedelta(days=9))
    after = _terms(session, flt)
    assert after["停电"] == 7 and after["停水"] == 5
    assert _terms(session, flt.with_dimension("town", "上海庙镇"))["停电"] == 3
    topic_counts.refresh(session, now=START + timedelta(days=9))  # nothing changed: the same counts
    assert _terms(session, flt) == after
