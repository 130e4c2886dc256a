"""A served web app with the callback router and callbacks in every state, for the web and browser tests."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from callback_testkit import closed_case, cn, make_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.dialing import DialOutcome, ScriptedDialer
from callbacks.policy import CallbackPolicy
from callbacks.service import CallbackRunner
from hotline import migrate
from hotline.calls.registry import LiveCallRegistry
from hotline.cases.calendar_admin import seed_holiday_calendar
from hotline.cases.intake import ContactAnalysis
from hotline.db import make_engine, make_session_factory
from hotline.events import EventHub
from hotline.models import Callback, CallbackResult, Role
from hotline.seeding import seed_organisation
from hotline.settings import load_settings
from web.app import create_app
from web.context import WebContext
from web.routes import callbacks as callback_routes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sip"))
from sip_testkit import write_tone  # noqa: E402

CLOSED = cn(2026, 3, 2, 10, 0)
RESULTS = {
    "13900000101": ("1", CallbackResult.satisfied),
    "13900000102": ("2", CallbackResult.basically_satisfied),
    "13900000103": ("3", CallbackResult.unsatisfied),
}


def callback_app(tmp_path: Path):
    """(app, engine, facts): three answered phone callbacks with recordings, one that was never answered."""
    engine = make_engine(f"sqlite:///{tmp_path / 'web.sqlite3'}")
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with Session(engine) as s:
        seed_organisation(s)
        seed_holiday_calendar(s)
        agent = make_user(s, Role.agent, name="zhangsan")
        ids = {
            phone: closed_case(s, at=CLOSED, phone=phone, agent=agent).id
            for phone in [*RESULTS, "13900000104"]
        }
        s.commit()
    recordings = {phone: write_tone(tmp_path / f"rec-{phone}.wav", 2.0, 440, rate=16000) for phone in RESULTS}

    def outcome(request):
        if request.phone not in RESULTS:
            return DialOutcome("no_answer", sip_status=487)
        key, result = RESULTS[request.phone]
        return DialOutcome(
            "answered",
            result,
            digits=key,
            sip_status=200,
            recording_path=str(recordings[request.phone]),
            duration_s=2.0,
        )

    runner = CallbackRunner(
        factory,
        ScriptedDialer(outcome),
        policy=CallbackPolicy(max_attempts=1),
        clock=lambda: CLOSED + timedelta(hours=3),
        worker="web-test",
    )
    runner.run_until_idle()
    runner.close()
    with Session(engine) as s:
        callback_ids = {
            phone: s.scalar(select(Callback.id).where(Callback.case_id == case_id))
            for phone, case_id in ids.items()
        }
    ctx = WebContext(
        settings=load_settings(data_dir=tmp_path, env="test"),
        session_factory=factory,
        hub=EventHub(),
        live_calls=LiveCallRegistry(),
        analyze=lambda text: ContactAnalysis(),
    )
    app = create_app(ctx)
    if not any(getattr(r, "path", None) == "/callbacks/audit" for r in app.routes):
        app.include_router(callback_routes.router)
    return app, engine, {"case_ids": ids, "callback_ids": callback_ids}
