"""Hot-topic spikes reach an open console without a reload: when the scheduled refresh stores a spike, the
event stream tells the supervisor's page, which shows 热点突增 atop it; an agent's open console hears
nothing of it (issue 20, 6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session
from test_web_topic_spikes import _cases
from testkit.browser import chromium_browser, screenshot
from web_testkit import build_app, make_user, migrated_with_catalogue, page_of, serve

from hotline.analytics import rollups
from hotline.models import Role, utcnow


@pytest.mark.browser
def test_an_open_supervisor_console_gets_the_spike_notice(analyzer, tmp_path):
    engine = migrated_with_catalogue(f"sqlite:///{tmp_path / 'pushed.sqlite3'}")
    with Session(engine) as session:
        for weeks_ago in range(1, 5):  # the usual weeks, counted before the pages open
            _cases(session, "自来水停水了", 6, weeks_ago=weeks_ago, town="城川镇")
        session.commit()
        rollups.refresh(session, now=utcnow() - timedelta(minutes=2), full=True)
        session.commit()
    app = build_app(engine, analyzer, tmp_path)
    ctx = app.state.ctx
    boss_name, agent_name = make_user(engine, Role.supervisor), make_user(engine, Role.agent)
    with serve(app) as base, chromium_browser() as browser:
        boss, agent = page_of(browser, base, boss_name), page_of(browser, base, agent_name)
        for page in (boss, agent):
            page.goto(f"{base}/")
            expect(page.locator("#sse-state")).to_have_text("实时")  # listening
            expect(page.locator("#topic-spikes")).to_have_count(0)

        with Session(engine) as session:  # this week: dark streets all over 城川镇
            _cases(session, "村口路灯坏了晚上漆黑", 9, weeks_ago=0, town="城川镇")
            session.commit()
        assert rollups.refresh_if_stale(ctx.session_factory, now=utcnow(), hub=ctx.hub)  # the scheduled one

        notice = boss.locator("#topic-spikes")
        expect(notice).to_contain_text("热点突增")
        expect(notice).to_contain_text("路灯")
        expect(notice).to_contain_text("本周 9 件")
        expect(notice).not_to_contain_text("停水")
        screenshot(boss, "spike-pushed")
        expect(agent.locator("#topic-spikes")).to_have_count(0)
        assert agent.request.get(f"{base}/api/topic-spikes").status == 403

        term = notice.locator(".topic-spike a").first.inner_text()
        notice.locator("button", has_text="知道了").first.click()  # the pushed notice's button works
        boss.wait_for_url("**/analytics/topics")
        expect(boss.locator("#topic-spikes a", has_text=term)).to_have_count(0)
    engine.dispose()
