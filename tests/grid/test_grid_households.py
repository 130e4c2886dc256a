"""Level 4: the 84 shipped 中心户 under the 12 village stations, routing of a linked household's 帮办/代办
request to its 中心户, "已上门/已代办" with a note, and who may see or close what."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline.accounts.passwords import hash_password
from hotline.cases.errors import CaseError
from hotline.cases.intake import Contact, ContactAnalysis, create_case
from hotline.grid.register import linked_by_phone, register_linked, seed_grid_households
from hotline.grid.tasks import list_tasks, plan_visit, record_outcome, route_case
from hotline.models import (
    Channel,
    GridHousehold,
    GridTaskKind,
    GridTaskOutcome,
    GridTaskStatus,
    LinkedHousehold,
    Role,
    Site,
    SiteLevel,
    User,
)

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


@pytest.fixture
def grid(db_session):
    seed_grid_households(db_session)
    return db_session


def _user(session, role: Role, name: str, site: Site | None = None) -> User:
    user = User(username=name, display_name=name, role=role, password_hash=hash_password("Correct-Horse-9"),
                must_change_password=False, failed_logins=0, active=True, site_id=site.id if site else None)
    session.add(user)
    session.flush()
    return user


def _close(session, task, outcome: GridTaskOutcome, note: str, actor: User):
    return record_outcome(session, task_id=task.id, outcome=outcome, note=note, actor=actor, now=NOW)


def _household(session, code: str) -> GridHousehold:
    return session.scalar(select(GridHousehold).where(GridHousehold.code == code)
                          .options(selectinload(GridHousehold.site)))


def _case(session, phone: str, text: str = "我家老人医保要续费 腿脚不便 想请人帮忙代缴"):
    contact = Contact(channel=Channel.phone, source_ref=f"test:{phone}:{text[:4]}", text=text,
                      citizen_phone=phone, received_at=NOW)
    return create_case(session, contact=contact, analysis=ContactAnalysis(intent="consultation"))


def test_84_households_under_the_12_village_stations_each_with_ten_linked(grid):
    households = list(grid.scalars(select(GridHousehold)))
    assert len(households) == 84
    per_site = Counter(h.site_id for h in households)
    villages = set(grid.scalars(select(Site.id).where(Site.level == SiteLevel.village)))
    assert set(per_site) == villages and len(villages) == 12 and set(per_site.values()) == {7}
    assert Counter(h.kind.value for h in households) == {"party_member": 48, "smart_herder": 36}
    assert grid.query(LinkedHousehold).count() == 840
    assert seed_grid_households(grid) == {"grid_households": 0, "linked_households": 0}  # idempotent


def test_a_linked_households_request_goes_to_its_household_and_the_station_sees_it(grid):
    household = _household(grid, "asz-mld-03")
    linked = register_linked(grid, linked_id=household.linked[0].id, head_name="那顺",
                             phone="+86 139 4770 0001", place="二社", note="独居老人")
    assert linked_by_phone(grid, phone="13947700001").id == linked.id
    agent = _user(grid, Role.agent, "agent-grid")
    case = _case(grid, "13947700001")  # "帮忙代缴": routed to the household when the case is created
    [task] = list_tasks(grid, case_id=case.id)
    assert task.grid_household_id == household.id and task.linked_household_id == linked.id
    assert task.kind == GridTaskKind.proxy and task.requested_by == "system"
    assert task.request == case.title and task.status == GridTaskStatus.open
    grid.refresh(case, ["events"])
    assert [e.action for e in case.events][-1] == "grid_task"
    assert list_tasks(grid, site_id=household.site_id) == [task]
    with pytest.raises(CaseError, match="已转"):  # not twice to the same household
        route_case(grid, case=case, kind=GridTaskKind.proxy, actor=agent, now=NOW)
    plain = _case(grid, "13947700001", "医保缴费标准是多少")  # not a 帮办/代办 request: no task
    assert list_tasks(grid, case_id=plain.id) == []
    other_station = _household(grid, "alzqz-bysl-01").site_id
    assert list_tasks(grid, site_id=other_station) == []


def test_an_unknown_caller_needs_a_named_household(grid):
    agent = _user(grid, Role.agent, "agent-grid2")
    case = _case(grid, "13900000000")
    with pytest.raises(CaseError, match="不是登记的联系户"):
        route_case(grid, case=case, kind=GridTaskKind.assist, actor=agent, now=NOW)
    household = _household(grid, "ccz-hn-05")
    task = route_case(grid, case=case, kind=GridTaskKind.assist, actor=agent, now=NOW,
                      grid_household_id=household.id)
    assert task.linked_household_id is None and task.grid_household.name == "河南嘎查智慧农牧户05"


def test_the_household_records_the_visit_not_home_keeps_it_open(grid):
    household = _household(grid, "shmz-mht-01")
    center = _user(grid, Role.handler, "center-mht-01", site=household.site)
    household.user_id = center.id
    station = _user(grid, Role.handler, "station-mht", site=household.site)
    outsider = _user(grid, Role.handler, "station-other", site=_household(grid, "asz-mld-01").site)
    task = plan_visit(grid, household_id=household.id, linked_id=household.linked[1].id,
                      request="给独居老人代缴城乡居民医保", actor=station, now=NOW)
    with pytest.raises(CaseError):
        _close(grid, task, GridTaskOutcome.visited, "x", outsider)
    with pytest.raises(CaseError, match="办理情况"):
        _close(grid, task, GridTaskOutcome.visited, " ", center)
    record_outcome(grid, task_id=task.id, outcome=GridTaskOutcome.not_home, note="家中无人，明天再去",
                   actor=center, now=NOW)
    assert task.status == GridTaskStatus.open
    record_outcome(grid, task_id=task.id, outcome=GridTaskOutcome.proxied, note="已代缴，老人满意",
                   actor=center, now=NOW)
    assert task.status == GridTaskStatus.done and task.done_by == "center-mht-01"
    with pytest.raises(CaseError, match="已办结"):
        _close(grid, task, GridTaskOutcome.visited, "再次", center)
