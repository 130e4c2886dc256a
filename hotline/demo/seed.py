"""Synthetic cases for demos and benchmarks: a year of contacts with daily and weekly rhythm, fast.

Rows go in with Core bulk inserts (executemany / insertmanyvalues) in batches, each batch its own
transaction, so a million cases load in minutes and a stopped run keeps what it wrote. Each case gets a
realistic timeline (accept → answer on the call, or dispatch → sign → close), callbacks with a satisfaction
outcome (rows in the callbacks table, as the callback scheduler writes them), and phone cases
get a call with a two-utterance transcript.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, insert, select, text

from hotline.demo.texts import CONTACT_PHRASES, TOPICS, spoken_digits
from hotline.models import (
    Call,
    Callback,
    Case,
    CaseEvent,
    Department,
    ServiceItem,
    Site,
    SiteLevel,
    Utterance,
)

DAY_S = 86400
HOUR_WEIGHTS = np.array([1, 1, 1, 1, 1, 2, 4, 10, 22, 30, 30, 26, 14, 16, 26, 28, 26, 20, 12, 9, 7, 5, 3, 2],
                        dtype=float)
WEEKDAY_WEIGHTS = np.array([1.15, 1.05, 1.0, 1.0, 0.95, 0.45, 0.4])
INTENTS = ["consultation", "complaint", "appointment", "suggestion", None]
INTENT_P = [0.55, 0.2, 0.15, 0.07, 0.03]
CHANNELS = ["phone", "web", "forum", "kiosk"]
CHANNEL_P = [0.7, 0.15, 0.1, 0.05]
INTENT_LIMIT_DAYS = {"consultation": 1, "appointment": 3, "complaint": 5, "suggestion": 10, None: 5}
SATISFACTION = ["satisfied", "basically_satisfied", "unsatisfied", None]
SATISFACTION_P = [0.78, 0.12, 0.06, 0.04]


@dataclass
class SeedReport:
    cases: int = 0
    events: int = 0
    calls: int = 0
    utterances: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Reference:
    departments: list[int]
    items: list[tuple[int, int, str, int]]  # id, department id, name, time limit days
    places: list[tuple[str, str]]  # (town, place name)
    department_codes: dict[str, int]  # code -> id (the analyzer names departments by code)
    item_codes: dict[str, tuple[int, int, str, int]]  # code -> the items row above
    answers: dict[int, str]  # item id -> its 答复口径 (knowledge base), for the replies


def _reference(engine: Engine) -> _Reference:
    with engine.connect() as conn:
        department_codes = dict(conn.execute(select(Department.code, Department.id)
                                             .where(Department.active.is_(True))).all())
        departments = list(department_codes.values())
        rows = list(conn.execute(select(ServiceItem.id, ServiceItem.code, ServiceItem.department_id,
                                        ServiceItem.name, ServiceItem.time_limit_days, ServiceItem.answer)))
        items = [(r.id, r.department_id, r.name, r.time_limit_days) for r in rows]
        item_codes = {r.code: (r.id, r.department_id, r.name, r.time_limit_days) for r in rows}
        answers = {r.id: r.answer for r in rows if r.answer}
        places = [(r.town, r.place or r.town) for r in conn.execute(
            select(Site.town, Site.place).where(Site.level != SiteLevel.banner, Site.town.is_not(None)))]
    if not departments:
        raise RuntimeError("no departments in the database: run `hotline init` (it seeds the organisation)")
    return _Reference(departments, items, places or [("城关镇", "城关")], department_codes, item_codes,
                      answers)


def seed_demo_cases(engine: Engine, *, cases: int, days: int = 365, seed: int = 7, batch: int = 5000,
                    now: datetime | None = None, transcripts: bool = True,
                    on_progress: Callable[[int], None] | None = None,
                    analyze: Callable[[str], Any] | None = None) -> SeedReport:
    """Insert ``cases`` synthetic cases created over the last ``days`` days; returns what was written.
    ``analyze`` (the real ContactAnalyzer) routes each distinct text as a live contact would be routed
    (cached per text, so a million cases still load in minutes); without it, a random department."""
    import time

    started = time.perf_counter()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    ref = _reference(engine)
    rng = np.random.default_rng(seed)
    report = SeedReport()
    with engine.connect() as conn:
        next_id = (conn.scalar(select(func.max(Case.id))) or 0) + 1
    day_p = _day_weights(now, days)
    router = _Router(ref, analyze)
    done = 0
    while done < cases:
        n = min(batch, cases - done)
        rows = _Batch(rng, ref, now, days, day_p, first_id=next_id + done, transcripts=transcripts,
                      router=router).build(n)
        with engine.begin() as conn:
            if rows.calls:
                conn.execute(insert(Call), rows.calls)
            conn.execute(insert(Case), rows.cases)
            conn.execute(insert(CaseEvent), rows.events)
            if rows.utterances:
                conn.execute(insert(Utterance), rows.utterances)
            if rows.callbacks:
                conn.execute(insert(Callback), rows.callbacks)
        done += n
        report.cases += n
        report.events += len(rows.events)
        report.calls += len(rows.calls)
        report.utterances += len(rows.utterances)
        if on_progress:
            on_progress(done)
    if engine.dialect.name == "postgresql":  # explicit ids: move the sequence past them for later inserts
        with engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), "
                              "(SELECT coalesce(max(id), 1) FROM cases))"))
    report.seconds = time.perf_counter() - started
    return report


def _day_weights(now: datetime, days: int) -> np.ndarray:
    """Weekday rhythm, slow growth over the year, and a winter heating season bump."""
    start = (now - timedelta(days=days)).date()
    weights = []
    for d in range(days):
        day = start + timedelta(days=d + 1)
        w = WEEKDAY_WEIGHTS[day.weekday()] * (0.8 + 0.4 * d / max(days, 1))
        if day.month in (11, 12, 1, 2):
            w *= 1.15
        weights.append(w)
    p = np.array(weights)
    return p / p.sum()


class _Router:
    """Department and service item of a text from the real analyzer (one analysis per distinct text)."""

    def __init__(self, ref: _Reference, analyze: Callable[[str], Any] | None) -> None:
        self.ref, self.analyze = ref, analyze
        self.cache: dict[str, tuple[int | None, tuple[int, int, str, int] | None]] = {}

    def route(self, text: str) -> tuple[int | None, tuple[int, int, str, int] | None] | None:
        if self.analyze is None:
            return None
        if text not in self.cache:
            top = self.analyze(text).top_route or {}
            item = self.ref.item_codes.get((top.get("item") or {}).get("code") or "")
            department = self.ref.department_codes.get(top.get("department") or "")
            self.cache[text] = (item[1] if item else department, item)
        return self.cache[text]


class _Batch:
    def __init__(self, rng, ref: _Reference, now: datetime, days: int, day_p, *, first_id: int,
                 transcripts: bool, router: _Router | None = None) -> None:
        self.router = router or _Router(ref, None)
        self.rng, self.ref, self.now, self.days, self.day_p = rng, ref, now, days, day_p
        self.first_id, self.transcripts = first_id, transcripts
        self.cases: list[dict] = []
        self.events: list[dict] = []
        self.calls: list[dict] = []
        self.utterances: list[dict] = []
        self.callbacks: list[dict] = []

    def build(self, n: int) -> _Batch:
        rng = self.rng
        start_midnight_cn = (self.now + timedelta(hours=8)).replace(hour=0, minute=0, second=0, microsecond=0)
        start_midnight_cn -= timedelta(days=self.days - 1)
        day_idx = rng.choice(self.days, size=n, p=self.day_p)
        hours = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        secs = rng.integers(0, 3600, size=n)
        intents = rng.choice(len(INTENTS), size=n, p=INTENT_P)
        channels = rng.choice(len(CHANNELS), size=n, p=CHANNEL_P)
        uniform = rng.random((n, 8))
        for i in range(n):
            local = start_midnight_cn + timedelta(days=int(day_idx[i]), hours=int(hours[i]),
                                                  seconds=int(secs[i]))
            created = local - timedelta(hours=8)
            if created >= self.now:
                created = self.now - timedelta(seconds=int(secs[i]) + 60)
            self._case(self.first_id + i, created, INTENTS[intents[i]], CHANNELS[channels[i]], uniform[i])
        return self

    def _case(self, case_id: int, created: datetime, intent: str | None, channel: str, u) -> None:
        rng = self.rng
        town, place = self.ref.places[int(u[0] * len(self.ref.places))]
        item = self.ref.items[int(u[1] * len(self.ref.items))] if self.ref.items and u[2] < 0.8 else None
        departments = self.ref.departments
        department: int | None = item[1] if item else departments[int(u[1] * len(departments))]
        topic, template = TOPICS[intent][int(u[3] * len(TOPICS[intent]))]
        content = template.format(place=place if u[4] < 0.6 else town, item=item[2] if item else "相关业务")
        routed = None if "{item}" in template and item else self.router.route(content)
        if routed is not None:  # the text names no item of ours: route it as the analyzer would
            department, item = routed
        phone = f"1{rng.integers(3, 10)}{rng.integers(0, 10**9):09d}"
        if u[5] < 0.15:
            content += CONTACT_PHRASES[int(u[6] * len(CONTACT_PHRASES))].format(
                phone=phone, phone_cn=spoken_digits(phone), id_number=f"15062{rng.integers(10**12):013d}X")
        limit_days = item[3] if item and item[3] > 0 else INTENT_LIMIT_DAYS[intent]
        call_id = None
        if channel == "phone":
            call_id = str(uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | case_id))
            self._call(call_id, phone, created, content, u[7])
        case = {
            "id": case_id, "tracking_code": f"{created:%y%m}-D{case_id:07d}", "source_ref": f"demo:{case_id}",
            "channel": channel, "call_id": call_id, "citizen_phone": phone, "citizen_name": None,
            "language": "zh", "title": f"{topic}：{content[:30]}", "content": content, "intent": intent,
            "intent_confidence": None if intent is None else round(0.55 + 0.45 * float(u[7]), 3),
            "needs_triage": intent is None or department is None, "department_id": department,
            "handler_level": "town",
            "site_id": None, "town": town if u[4] < 0.9 else None,
            "service_item_id": item[0] if item else None,
            "routing": [], "kb_matches": [], "time_limit_days": None, "due_at": None, "closed_at": None,
            "dispatched_at": None, "warn_at": None, "reply": "", "replied_at": None, "return_reason": None,
            "merged_into_id": None, "coordinator_id": None, "created_at": created, "updated_at": created,
            "status": "accepted",
        }
        self.cases.append(case)
        self._event(case_id, created, "accept", None, "accepted")
        self._timeline(case, intent, limit_days, u, item)

    def _reply(self, item, fallback: str) -> str:
        """A real answer: the service item's 答复口径 from the knowledge base when there is one."""
        answer = self.ref.answers.get(item[0]) if item else None
        return f"您好，关于“{item[2]}”：{answer[:300]}" if answer and item else fallback

    def _timeline(self, case: dict, intent: str | None, limit_days: int, u, item=None) -> None:
        rng, now, created, cid = self.rng, self.now, case["created_at"], case["id"]
        if u[2] < 0.02 and cid > 1:
            case.update(status="merged", merged_into_id=cid - 1)
            return
        if intent == "consultation" and u[6] < 0.6:  # answered on the call
            closed = created + timedelta(minutes=float(rng.uniform(2, 15)))
            if closed <= now:
                case.update(status="answered", closed_at=closed, replied_at=closed,
                            reply=self._reply(item, "已当场答复"))
                self._event(cid, closed, "answer", "accepted", "answered")
                self._callback(case, closed)
            return
        dispatched = created + timedelta(minutes=float(rng.uniform(5, 90)))
        if dispatched > now:
            return
        due = dispatched + timedelta(days=limit_days * 1.4)
        case.update(status="dispatched", dispatched_at=dispatched, due_at=due, time_limit_days=limit_days,
                    warn_at=dispatched + (due - dispatched) * 0.8)
        self._event(cid, dispatched, "dispatch", "accepted", "dispatched")
        signed = dispatched + timedelta(hours=float(rng.exponential(6)))
        if signed > now:
            return
        case["status"] = "signed"
        self._event(cid, signed, "sign", "dispatched", "signed")
        share = float(rng.uniform(0.1, 0.95)) if u[5] > 0.12 else float(rng.uniform(1.0, 1.6))
        closed = signed + (due - dispatched) * share
        if closed > now:
            case["status"] = "handling"
            return
        case.update(status="closed", closed_at=closed, replied_at=closed,
                    reply=self._reply(item, "已办理并答复来电人"))
        self._event(cid, closed, "close", "signed", "closed")
        self._callback(case, closed)

    def _callback(self, case: dict, closed: datetime) -> None:
        rng = self.rng
        if rng.random() > 0.7:
            return
        at = closed + timedelta(hours=float(rng.uniform(20, 72)))
        if at > self.now:
            return
        outcome = SATISFACTION[int(rng.choice(len(SATISFACTION), p=SATISFACTION_P))]
        if outcome is not None:
            self._event(case["id"], at, "callback", case["status"], "callback_done",
                        details={"result": outcome})
            case["status"] = "callback_done"
        self.callbacks.append({
            "case_id": case["id"], "case_closed_at": closed, "state": "done" if outcome else "failed",
            "due_at": closed + timedelta(hours=20), "deadline_at": closed + timedelta(hours=72),
            "attempts": 1 if outcome else 3, "last_outcome": "answered" if outcome else "no_answer",
            "phone": case["citizen_phone"], "language": "zh", "department_id": case["department_id"],
            "result": outcome, "answered_via": "phone" if outcome else None,
            "answered_at": at if outcome else None, "note": "", "verdict_note": "",
            "created_at": closed, "updated_at": at,
        })

    def _event(self, case_id: int, at: datetime, action: str, from_status: str | None, to_status: str,
               details: dict | None = None) -> None:
        self.events.append({"case_id": case_id, "at": at, "actor": "demo", "action": action,
                            "from_status": from_status, "to_status": to_status, "note": "",
                            "details": details or {}})

    def _call(self, call_id: str, phone: str, created: datetime, content: str, u: float) -> None:
        duration = 40 + 500 * u * u
        started = created - timedelta(seconds=duration)
        half = len(content) // 2
        self.calls.append({
            "id": call_id, "sip_call_id": None, "direction": "inbound", "caller": phone, "callee": "7812345",
            "started_at": started, "ended_at": created, "end_reason": "hangup", "duration_s": duration,
            "language": "zh", "recording_path": None, "frames_received": int(duration * 50),
            "frames_dropped": 0, "transcript_status": "complete" if self.transcripts else "unavailable",
            "transcript": content if self.transcripts else "", "asr_max_lag_s": 0.4, "worker": "demo",
            "created_at": started, "updated_at": created,
        })
        if self.transcripts:
            for seq, (a, b, text) in enumerate([(3.0, duration / 2, content[:half]),
                                                (duration / 2, duration - 2, content[half:])]):
                self.utterances.append({"call_id": call_id, "seq": seq, "start_s": a, "end_s": b,
                                        "text": text, "confidence": 0.9, "words": []})
