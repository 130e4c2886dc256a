"""No N+1 queries: the pages that list cases issue as many SQL statements for 40 cases as for 4.

Each page is rendered once with a few cases and again after many more (spread over every department, so
lazily loaded relationships would each cost a query); the statements are counted on the engine.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session
from testkit.databases import migrated_engine
from web_testkit import WebClient, build_app, new_case, serve, signed_in

from hotline.models import Case, CaseEvent, Department, Role

FEW, MANY = 4, 40
SLACK = 2  # statements a page may add for more rows (e.g. one more page of a keyset), never one per row
TEXTS = ["我想咨询养老保险怎么续交", "投诉小区垃圾三天没人清运", "预约下周二办理营业执照",
         "建议在镇上多设几个公交站点", "咨询党组织关系怎么转到嘎查", "投诉窗口工作人员态度不好"]


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def add_cases(app, engine: Engine, n: int, start: int) -> list[int]:
    """``n`` cases, dispatched round-robin to every department (so each row has a different one)."""
    with Session(engine) as session:
        departments = list(session.scalars(select(Department.id).order_by(Department.id)))
    ids = []
    for i, dept in zip(range(start, start + n), itertools.cycle(departments), strict=False):
        case_id = new_case(app, f"{TEXTS[i % len(TEXTS)]}（{i}）", phone=f"139{i:08d}")
        with Session(engine) as session:
            session.get_one(Case, case_id).department_id = dept
            session.commit()
        ids.append(case_id)
    return ids


def statements_for(client: WebClient, engine: Engine, path: str) -> int:
    with counted(engine) as statements:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(statements)


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
    engine = migrated_engine(f"sqlite:///{tmp_path / 'n1.sqlite3'}", catalogue=True)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(("role", "path"), [
    (Role.agent, "/"),                          # the console: recent cases with their departments
    (Role.supervisor, "/cases"),                # the case list
    (Role.analyst, "/analytics/cases?days=30"),  # the analytics drill-down
])
def test_a_case_listing_page_costs_the_same_statements_for_many_cases(engine, analyzer, tmp_path, role, path):
    app = build_app(engine, analyzer, tmp_path)
    with serve(app) as url, WebClient(app, url) as client:
        signed_in(client, engine, role)
        add_cases(app, engine, FEW, 0)
        few = statements_for(client, engine, path)
        add_cases(app, engine, MANY - FEW, FEW)
        many = statements_for(client, engine, path)
    assert many <= few + SLACK, f"{path}: {few} statements for {FEW} cases, {many} for {MANY}"


def test_the_case_page_costs_the_same_statements_for_a_long_history(engine, analyzer, tmp_path):
    app = build_app(engine, analyzer, tmp_path)
    with serve(app) as url, WebClient(app, url) as client:
        signed_in(client, engine, Role.supervisor)
        [case_id] = add_cases(app, engine, 1, 0)
        few = statements_for(client, engine, f"/cases/{case_id}")
        with Session(engine) as session:  # a long timeline: many events by the same and other actors
            for i in range(30):
                session.add(CaseEvent(case_id=case_id, action="note", note=f"备注 {i}", actor=f"用户{i % 7}"))
            session.commit()
        many = statements_for(client, engine, f"/cases/{case_id}")
    assert many <= few + SLACK, f"case page: {few} statements with 1 event, {many} with 31"
