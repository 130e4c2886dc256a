"""Admins keep the windows as reference data on /admin/windows; others may not."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from web_testkit import csrf_of, signed_in

from hotline.models import Role, Site, Window


def test_admin_adds_and_renames_a_window(client, web_engine):
    signed_in(client, web_engine, Role.admin)
    with Session(web_engine) as session:
        town = session.scalar(select(Site).where(Site.code == "ccz"))
    page = client.get("/admin/windows")
    assert page.status_code == 200 and "医疗保障窗口" in page.text
    form = {"csrf_token": csrf_of(client), "site_id": str(town.id), "number": "9", "name": "城川帮办代办窗口",
            "zone": "", "active": "1"}
    assert client.post("/admin/windows", data=form, follow_redirects=True).status_code == 200
    form["name"] = "城川帮办代办窗口（一窗通办）"
    shown = client.post("/admin/windows", data=form, follow_redirects=True)
    assert "城川帮办代办窗口（一窗通办）" in shown.text
    bad = client.post("/admin/windows", data=dict(form, number="x"))
    assert bad.status_code == 422
    with Session(web_engine) as session:
        window = session.scalar(select(Window).where(Window.site_id == town.id, Window.number == 9))
        assert window.name == "城川帮办代办窗口（一窗通办）" and window.active
    agent = client.new_browser()
    signed_in(agent, web_engine, Role.agent)
    assert agent.get("/admin/windows").status_code == 403
