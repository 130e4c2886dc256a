"""The route x role matrix, built from the app's own routes: every route declares its roles or is
explicitly public; a role that may not use a route gets 403 and nothing changes; a state-changing request
without the CSRF token gets 403 and nothing changes. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_testkit import WebClient, build_app, csrf_of, migrated_with_catalogue, new_case, serve, signed_in

from hotline.models import (
    Appointment,
    AuditRecord,
    Case,
    CaseEvent,
    CaseExtension,
    ClassifierCorrection,
    Role,
    User,
    WebSession,
)

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/metrics"),  # Prometheus, answered to loopback scrapers only
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/public/submit"),
    ("POST", "/public/submit"),
    ("GET", "/track"),
    ("POST", "/track"),
    ("POST", "/track/rate"),
    ("GET", "/forum"),
    ("POST", "/forum"),
    ("GET", "/public/conduct"),
    ("POST", "/public/conduct"),
    ("GET", "/guide"),
    ("GET", "/guide/items/{code}"),
    ("GET", "/lang/{locale}"),
    ("GET", "/api/kiosk/v1/items"),
    ("GET", "/api/kiosk/v1/items/{code}"),
    ("POST", "/api/kiosk/v1/contacts"),
    ("GET", "/public/home-visit"),  # citizens request a red service team's home visit
    ("POST", "/public/home-visit"),
    ("POST", "/api/kiosk/v1/home-visits"),
}


def declared_roles(dependant) -> frozenset[Role] | None:
    for dep in dependant.dependencies:
        roles = getattr(dep.call, "allowed_roles", None)
        if roles is not None:
            return roles
        found = declared_roles(dep)
        if found is not None:
            return found
    return None


def route_matrix(app) -> list[tuple[str, str, frozenset[Role] | None]]:
    rows = []
    for route in iter_route_contexts(app.routes):  # flattens included routers (FastAPI >= 0.16x)
        if getattr(route, "dependant", None) is None or route.path.startswith("/api/docs"):
            continue
        roles = declared_roles(route.dependant)
        for method in route.methods:
            if method == "HEAD":
                continue
            public = getattr(route.endpoint, "public_access", False)
            assert (roles is None) == public, f"{method} {route.path}: declare roles or mark it @public"
            rows.append((method, route.path, roles))
    return rows


def snapshot(engine) -> tuple:
    with Session(engine) as session:
        counts = tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Case, CaseEvent, CaseExtension, Appointment, ClassifierCorrection, User)
        )
        revoked = session.scalar(
            select(func.count()).select_from(WebSession).where(WebSession.revoked_at.is_not(None))
        )
        changes = session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action.notin_(["login", "case.view"]))
        )
        statuses = tuple(session.execute(select(Case.id, Case.status, Case.department_id).order_by(Case.id)))
        return counts, revoked, changes, statuses


def fill(path: str, ids: dict) -> str:
    for key, value in ids.items():
        path = path.replace("{" + key + "}", str(value))
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def matrix_engine(request, web_engine):
    if request.param == "sqlite":
        yield web_engine
        return
    engine = migrated_with_catalogue(request.getfixturevalue("new_pg_database")("hotline_web"))
    yield engine
    engine.dispose()


def test_every_route_declares_its_roles_and_refuses_the_others(matrix_engine, analyzer, tmp_path):
    app = build_app(matrix_engine, analyzer, tmp_path)
    matrix = route_matrix(app)
    assert {(m, p) for m, p, roles in matrix if roles is None} == PUBLIC
    with serve(app) as url, WebClient(app, url) as anonymous:
        clients = {}
        for role in Role:
            clients[role] = anonymous.new_browser()
            signed_in(clients[role], matrix_engine, role, department="zzb" if role == Role.handler else None)
        case_id = new_case(app, "社保卡丢了怎么补办")
        with Session(matrix_engine) as session:
            user_id = session.scalar(select(User.id).where(User.role == Role.agent).limit(1))
        ids = {
            "case_id": case_id,
            "user_id": user_id,
            "extension_id": 1,
            "appointment_id": 1,
            "call_id": "no-call",
            "code": "x",
            "extension": 1,
        }
        before = snapshot(matrix_engine)
        checked = 0
        for method, path, roles in matrix:
            if roles is None:
                continue
            target = fill(path, ids)
            for role in set(Role) - roles:
                c = clients[role]
                response = c.request(
                    method,
                    target,
                    headers={"X-CSRF-Token": csrf_of(c)},
                    data={
                        "department_id": "1",
                        "reply": "x",
                        "note": "x",
                        "username": "zz",
                        "display_name": "x",
                        "role": "agent",
                    }
                    if method == "POST"
                    else None,
                )
                assert response.status_code == 403, (method, path, role, response.status_code)
                checked += 1
            if method == "POST":  # an allowed role without the CSRF token
                role = sorted(roles)[0]
                response = clients[role].post(target, data={"department_id": "1", "reply": "x", "note": "x"})
                assert response.status_code == 403 and "CSRF" in response.text, (path, role)
                checked += 1
            # and nobody without a session
            assert (
                anonymous.request(
                    method, target, follow_redirects=False, headers={"accept": "application/json"}
                ).status_code
                == 401
            )
        assert checked > 60
        assert snapshot(matrix_engine) == before
