"""Hot-topic spikes are pushed to supervisors: after the scheduled refresh, every console page a supervisor
opens says which term jumped where, until one of them marks it seen (issue 20, 6)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session
from web_testkit import WebClient, build_app, csrf_of, login, make_user, migrated_with_catalogue, serve

from hotline.analytics import rollups
from hotline.models import Case, CaseStatus, Channel, Role, utcnow


def _cases(session: Session, text: str, n: int, *, weeks_ago: int, town: str) -> None:
    at = utcnow() - timedelta(weeks=weeks_ago, minutes=5)
    for i in range(n):
        session.add(Case(tracking_code=f"SP{weeks_ago}{i}{len(text)}", channel=Channel.web,
                         source_ref=f"t:sp{weeks_ago}:{i}:{text}", status=CaseStatus.accepted, title="反映",
                         content=text, town=town, created_at=at - timedelta(minutes=i), updated_at=at))


def test_a_spike_reaches_supervisors_on_every_page_until_seen(analyzer, tmp_path):
    engine = migrated_with_catalogue(f"sqlite:///{tmp_path / 'spikes.sqlite3'}")
    with Session(engine) as session:
        for weeks_ago in range(1, 5):  # the usual weeks: water, no dark streets
            _cases(session, "自来水停水了", 6, weeks_ago=weeks_ago, town="城川镇")
        _cases(session, "自来水停水了", 6, weeks_ago=0, town="城川镇")
        _cases(session, "村口路灯坏了晚上漆黑", 9, weeks_ago=0, town="城川镇")
        session.commit()
        rollups.refresh(session, now=utcnow(), full=True)  # the scheduled refresh: counts, then spikes
        session.commit()
    app = build_app(engine, analyzer, tmp_path)
    with serve(app) as url, WebClient(app, url) as client:
        boss = client.new_browser()
        assert login(boss, make_user(engine, Role.supervisor)).status_code == 303
        page = boss.get("/cases").text
        notice = page[page.index('id="topic-spikes"'):].split("</div>")[0]
        assert "路灯" in notice and "本周 9 件" in notice and "城川镇" in notice and "全旗" in notice
        assert "停水" not in notice  # as usual: no spike
        analyst = client.new_browser()
        assert login(analyst, make_user(engine, Role.analyst)).status_code == 303
        assert 'id="topic-spikes"' not in analyst.get("/analytics").text  # pushed to supervisors

        for spike_id in re.findall(r'/analytics/spikes/(\d+)/seen', notice):
            seen = boss.post(f"/analytics/spikes/{spike_id}/seen", headers={"X-CSRF-Token": csrf_of(boss)},
                             follow_redirects=False)
            assert seen.status_code == 303
        assert 'id="topic-spikes"' not in boss.get("/cases").text
    engine.dispose()
