"""`hotline demo seed` with the real analyzer: demo cases land where a real contact with the same words
would (养老保险 questions at the human-resources bureau, not the justice bureau; 营业执照 at market
regulation), every case's service item belongs to its department, and replies are the knowledge base's
answers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.databases import migrated_engine

from hotline.calls.analyzer import ContactAnalyzer
from hotline.demo.seed import seed_demo_cases
from hotline.models import Case, Department, ServiceItem

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def test_demo_cases_are_routed_by_the_analyzer_and_answered_from_the_knowledge_base(tmp_path):
    engine = migrated_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}", catalogue=True)
    with Session(engine) as session:
        analyzer = ContactAnalyzer.load(session, model_dir=None, registry_root=None, threshold=0.45)
    seed_demo_cases(engine, cases=400, days=30, now=NOW, seed=9, batch=400, analyze=analyzer)
    with Session(engine) as session:
        names = dict(session.execute(select(Department.id, Department.name)).all())
        item_departments = dict(session.execute(select(ServiceItem.id, ServiceItem.department_id)).all())
        cases = session.scalars(select(Case)).all()
        by_topic: dict[str, set[str]] = {}
        for case in cases:
            topic = case.title.split("：")[0]
            by_topic.setdefault(topic, set()).add(names.get(case.department_id, "—"))
            if case.service_item_id is not None:
                assert item_departments[case.service_item_id] == case.department_id, case.title
        print({t: sorted(d) for t, d in by_topic.items()})
        assert by_topic["养老保险"] and all("人力资源" in d or "人社" in d for d in by_topic["养老保险"]), \
            by_topic["养老保险"]
        licences = by_topic["营业执照"]
        assert licences and all("市场监督" in d for d in licences), licences
        answered = [c for c in cases if c.reply and c.service_item_id is not None]
        assert answered and sum(c.reply.startswith("您好，关于") for c in answered) > len(answered) / 2
    engine.dispose()
