"""Callback test data: users, cases driven to 办结 through the real lifecycle, China-time instants."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cases import lifecycle
from hotline.cases.intake import Contact, ContactAnalysis, create_case
from hotline.models import Call, CallDirection, Channel, Department, Role, User

CN = ZoneInfo("Asia/Shanghai")
_counter = itertools.count(1)


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=CN)


def make_user(
    session: Session, role: Role, *, department_id: int | None = None, name: str | None = None
) -> User:
    user = User(
        username=name or f"{role.value}-{uuid.uuid4().hex[:8]}",
        display_name=name or "测试用户",
        role=role,
        password_hash="x",
        must_change_password=False,
        failed_logins=0,
        active=True,
        department_id=department_id,
    )
    session.add(user)
    session.flush()
    return user


def department(session: Session, code: str = "ybj") -> Department:
    return session.scalar(select(Department).where(Department.code == code))


def closed_case(
    session: Session,
    *,
    at: datetime,
    phone: str | None = "13912345678",
    language: str = "zh",
    agent: User | None = None,
    dep_code: str = "ybj",
):
    """A phone case (with its inbound Call) taken through dispatch → sign → start → reply → close."""
    dep = department(session, dep_code)
    agent = agent or make_user(session, Role.agent)
    handler = make_user(session, Role.handler, department_id=dep.id)
    n = next(_counter)
    call_id = uuid.uuid4().hex
    session.add(
        Call(
            id=call_id,
            direction=CallDirection.inbound,
            caller=phone or "",
            callee="7812345",
            started_at=at,
            language=language,
        )
    )
    session.flush()
    case = create_case(
        session,
        contact=Contact(
            channel=Channel.phone,
            source_ref=f"phone:cb-{n}-{call_id}",
            text="医保报销比例是多少，住院的发票丢了怎么办",
            citizen_phone=phone,
            call_id=call_id,
            received_at=at,
            language=language,
        ),
        analysis=ContactAnalysis(intent="consultation", intent_confidence=0.9, needs_triage=False),
    )
    lifecycle.dispatch_case(session, case_id=case.id, actor=agent, department_id=dep.id, now=at)
    lifecycle.sign_case(session, case_id=case.id, actor=handler, now=at)
    lifecycle.start_handling(session, case_id=case.id, actor=handler, now=at)
    lifecycle.reply_case(
        session, case_id=case.id, actor=handler, reply="已办理，发票遗失可开具证明后报销。", now=at
    )
    lifecycle.close_case(session, case_id=case.id, actor=agent, now=at)
    return case


def bulk_closed_cases(session: Session, count: int, *, closed_at: datetime, prefix: str = "bulk") -> None:
    """``count`` closed phone cases inserted directly (fast; for scheduler load tests)."""
    from sqlalchemy import insert

    from hotline.models import Case, CaseStatus

    dep = department(session)
    rows = [{"tracking_code": f"B{i:07d}", "source_ref": f"{prefix}:{i}", "channel": Channel.phone,
             "status": CaseStatus.closed, "citizen_phone": f"139{i:08d}", "title": "批量测试工单",
             "content": "批量测试工单", "department_id": dep.id, "closed_at": closed_at, "routing": [],
             "kb_matches": [], "created_at": closed_at, "language": "zh"} for i in range(count)]
    session.execute(insert(Case), rows)


def run_worker(database_url: str, log_path, *extra: str):
    """Start `hotline callbacks run` with the fake dialer as a real process."""
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    return subprocess.Popen(
        [sys.executable, "-m", "hotline.cli.callbacks_cli", "run", "--database-url", database_url,
         "--fake-dialer-log", str(log_path), *extra],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def dial_log(path) -> list[dict]:
    import json
    from pathlib import Path

    if not Path(path).exists():
        return []
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
