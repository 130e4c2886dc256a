"""Case test data: seeded holiday calendar, users of every role, and cases created through intake."""

from __future__ import annotations

import itertools
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline.accounts.passwords import hash_password
from hotline.cases.calendar_admin import seed_holiday_calendar
from hotline.cases.intake import Contact, ContactAnalysis, create_case
from hotline.cases.working_days import load_work_calendar
from hotline.models import Channel, Department, Role, Site, User

CN = ZoneInfo("Asia/Shanghai")
_counter = itertools.count(1)


def cn(*args: int) -> datetime:
    """A China-time instant, e.g. cn(2026, 3, 2, 9, 0)."""
    return datetime(*args, tzinfo=CN)


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password("Correct-Horse-9")


@pytest.fixture
def calendar(db_session):
    seed_holiday_calendar(db_session)
    return load_work_calendar(db_session)


@pytest.fixture
def org(db_session):
    departments = {d.code: d for d in db_session.scalars(select(Department))}
    sites = {s.code: s for s in db_session.scalars(select(Site))}
    return SimpleNamespace(dep=departments, site=sites)


@pytest.fixture
def make_user(db_session, password_hash):
    def make(role: Role, *, department=None, site=None, name: str | None = None) -> User:
        user = User(username=name or f"{role.value}{next(_counter)}", display_name="测试用户", role=role,
                    password_hash=password_hash, must_change_password=False, failed_logins=0, active=True,
                    department_id=department.id if department else None, site_id=site.id if site else None)
        db_session.add(user)
        db_session.flush()
        return user

    return make


@pytest.fixture
def people(make_user, org):
    """One user per role; handlers of 医保局 (the usual target), 民政局, and a village station."""
    return SimpleNamespace(
        agent=make_user(Role.agent), supervisor=make_user(Role.supervisor), admin=make_user(Role.admin),
        analyst=make_user(Role.analyst), coordinator=make_user(Role.agent),
        handler=make_user(Role.handler, department=org.dep["ybj"]),
        other_handler=make_user(Role.handler, department=org.dep["mzj"]),
        site_handler=make_user(Role.handler, site=org.site["alzqz-bysl"]),
    )


@pytest.fixture
def new_case(db_session, calendar):
    """Create a case through the real intake entry point."""

    def make(text: str = "医保报销比例是多少，住院的发票丢了怎么办", *, intent: str | None = "consultation",
             phone: str | None = "13912345678", at: datetime | None = None, channel: Channel = Channel.phone,
             town: str | None = None):
        number = next(_counter)
        contact = Contact(channel=channel, source_ref=f"{channel.value}:test-{number}", text=text,
                          citizen_phone=phone, received_at=at or cn(2026, 3, 2, 9, 0))
        case = create_case(db_session, contact=contact,
                           analysis=ContactAnalysis(intent=intent, intent_confidence=0.9, needs_triage=False))
        if town:
            case.town = town
        return case

    return make


@pytest.fixture
def flow(db_session, people, org, new_case):
    """Drive cases through the lifecycle with canonical arguments: flow.to(status), flow.do(action, ...)."""
    from hotline.cases import coordination, lifecycle

    clock = {"t": cn(2026, 3, 2, 9, 0)}

    def tick() -> datetime:
        from datetime import timedelta

        clock["t"] += timedelta(minutes=5)
        return clock["t"]

    def do(action: str, case, actor, **kw):
        now = kw.pop("now", None) or tick()
        common = {"case_id": case.id, "actor": actor, "now": now}
        if action in ("dispatch", "redispatch"):
            kw.setdefault("department_id", org.dep["ybj"].id)
            return getattr(lifecycle, f"{action}_case")(db_session, **common, **kw)
        if action in ("reply", "answer"):
            kw.setdefault("reply", "经核实，住院发票遗失可到医院开具证明后报销。")
        if action in ("suspend", "reopen", "coordinator_close"):
            kw.setdefault("note", "等待群众补充材料" if action == "suspend" else "群众不满意，重新办理")
        simple = {"answer": lifecycle.answer_case, "sign": lifecycle.sign_case,
                  "start": lifecycle.start_handling, "reply": lifecycle.reply_case,
                  "close": lifecycle.close_case,
                  "coordinator_close": lifecycle.coordinator_close, "archive": lifecycle.archive_case,
                  "suspend": lifecycle.suspend_case, "resume": lifecycle.resume_case,
                  "reopen": lifecycle.reopen_case}
        if action in simple:
            return simple[action](db_session, **common, **kw)
        if action == "callback":
            return lifecycle.record_callback(db_session, **common, satisfied=kw.pop("satisfied", True), **kw)
        if action == "return":
            kw.setdefault("reason", "wrong_locality")
            return lifecycle.return_case(db_session, **common, **kw)
        if action == "merge":
            master = kw.pop("master", None) or new_case("重复来电：医保报销")
            return lifecycle.merge_case(db_session, **common, master_id=master.id, **kw)
        if action == "request_extension":
            return coordination.request_extension(db_session, **common, days=kw.pop("days", 2),
                                                  reason=kw.pop("reason", "需现场核查"), **kw)
        if action == "decide_extension":
            extension = kw.pop("extension", None) or coordination.pending_extensions(db_session)[-1]
            return coordination.decide_extension(db_session, extension_id=extension.id, actor=actor, now=now,
                                                 approve=kw.pop("approve", True), **kw)
        if action == "co_reply":
            return coordination.co_reply_case(db_session, **common, reply=kw.pop("reply", "协办意见"), **kw)
        raise AssertionError(action)

    by = {"dispatch": "agent", "redispatch": "agent", "answer": "agent", "close": "agent",
          "callback": "agent", "archive": "supervisor", "reopen": "supervisor", "merge": "agent",
          "decide_extension": "supervisor"}
    paths = {
        "accepted": [], "dispatched": ["dispatch"], "signed": ["dispatch", "sign"],
        "handling": ["dispatch", "sign", "start"], "replied": ["dispatch", "sign", "start", "reply"],
        "closed": ["dispatch", "sign", "start", "reply", "close"],
        "callback_done": ["dispatch", "sign", "start", "reply", "close", "callback"],
        "archived": ["dispatch", "sign", "start", "reply", "close", "callback", "archive"],
        "answered": ["answer"], "returned": ["dispatch", "return"],
        "suspended": ["dispatch", "sign", "start", "suspend"],
        "reopened": ["dispatch", "sign", "start", "reply", "close", "reopen"], "merged": ["merge"],
    }

    def to(status: str, case=None, **case_kw):
        case = case or new_case(**case_kw)
        for step in paths[status]:
            do(step, case, getattr(people, by.get(step, "handler")))
        assert case.status.value == status
        return case

    return SimpleNamespace(do=do, to=to, tick=tick, clock=clock)
