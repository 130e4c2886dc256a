"""Red service teams: one per town with its service vehicle; the day's home-visit list by 嘎查 (address), and
the visit record (done / not home / follow-up) that closes a booked home visit. Services never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.audit import actor_name
from hotline.cases.errors import CaseError
from hotline.cases.timeline import require_text
from hotline.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Case,
    CaseEvent,
    HomeVisitRecord,
    RedTeam,
    RedTeamMember,
    Site,
    SiteLevel,
    User,
    VisitOutcome,
)

HOME_KINDS = (AppointmentKind.red_team, AppointmentKind.service_vehicle)
OUTCOME_LABELS = {"done": "已办结", "not_home": "未遇", "follow_up": "需跟进"}


def seed_red_teams(session: Session) -> int:
    """One team and one service vehicle per town (the banner runs four); members are entered by the town."""
    known = set(session.scalars(select(RedTeam.code)))
    added = 0
    for site in session.scalars(select(Site).where(Site.level == SiteLevel.town).order_by(Site.id)):
        if site.code not in known and site.town:
            session.add(RedTeam(code=site.code, name=f"{site.town}红色服务队", town=site.town,
                                vehicle=f"{site.town}流动服务车"))
            added += 1
    session.flush()
    return added


@dataclass(frozen=True)
class PlannedVisit:
    appointment: Appointment
    case: Case
    record: HomeVisitRecord | None  # the latest record, if any

    @property
    def closed(self) -> bool:
        return self.record is not None and self.record.outcome == VisitOutcome.done


def day_plan(session: Session, *, team: RedTeam, day: date) -> list[PlannedVisit]:
    """The team's booked home visits on ``day`` in its town, ordered by address (嘎查) for one route."""
    stmt = (select(Appointment, Case).join(Case, Case.id == Appointment.case_id)
            .where(Appointment.kind.in_(HOME_KINDS), Appointment.town == team.town, Appointment.day == day,
                   Appointment.status.in_((AppointmentStatus.booked, AppointmentStatus.closed)))
            .order_by(Appointment.address, Appointment.id))
    rows = session.execute(stmt).all()
    records: dict[int, HomeVisitRecord] = {}
    ids = [a.id for a, _ in rows]
    for rec in session.scalars(select(HomeVisitRecord).where(HomeVisitRecord.appointment_id.in_(ids))
                               .order_by(HomeVisitRecord.id)):
        records[rec.appointment_id] = rec
    return [PlannedVisit(a, c, records.get(a.id)) for a, c in rows]


def record_visit(session: Session, *, appointment_id: int, team: RedTeam, outcome: VisitOutcome, note: str,
                 actor: User, now: datetime) -> HomeVisitRecord:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.kind not in HOME_KINDS or appointment.town != team.town:
        raise CaseError("not_found", "该上门预约不属于本服务队。")
    if appointment.status == AppointmentStatus.closed:
        raise CaseError("invalid_transition", "该上门服务已办结。")
    if appointment.status != AppointmentStatus.booked:
        raise CaseError("invalid_transition", "该预约已取消。")
    done = session.scalar(select(HomeVisitRecord.id).where(HomeVisitRecord.appointment_id == appointment.id,
                                                          HomeVisitRecord.outcome == VisitOutcome.done))
    if done is not None:
        raise CaseError("invalid_transition", "该上门服务已办结。")
    outcome = VisitOutcome(outcome)
    record = HomeVisitRecord(appointment_id=appointment.id, team_id=team.id, outcome=outcome,
                             note=require_text(note, "上门服务记录"), recorded_by=actor_name(actor),
                             recorded_at=now)
    session.add(record)
    if outcome == VisitOutcome.done:  # the visit is made: the appointment it came from is closed
        appointment.status = AppointmentStatus.closed
    session.add(CaseEvent(case_id=appointment.case_id, at=now, actor=actor_name(actor), action="home_visit",
                          note=f"{team.name}上门：{OUTCOME_LABELS[outcome.value]}。{record.note}"))
    session.flush()
    return record


def add_member(session: Session, *, team: RedTeam, name: str, duty: str, phone: str | None
               ) -> RedTeamMember:
    member = RedTeamMember(team=team, name=require_text(name, "队员姓名", limit=64), duty=duty.strip()[:64],
                           phone=(phone or "").strip()[:32] or None)
    session.add(member)
    session.flush()
    return member
