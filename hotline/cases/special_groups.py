"""The red service teams' register of residents in the special groups (孤寡老人, 伤病残, 老党员) —
kept only with recorded consent, phone and ID number masked for whoever does not visit —
and the market days and party days around which a town's team plans its visits. Services
take the session first and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.accounts.audit import actor_name, record_audit
from hotline.cases.errors import CaseError
from hotline.models import (
    Appointment,
    AppointmentStatus,
    RedTeam,
    ResidentGroup,
    Role,
    ServiceDay,
    ServiceDayKind,
    Site,
    SpecialResident,
    User,
)
from hotline.privacy.masking import mask_text

GROUP_LABELS = {"elder_alone": "孤寡老人", "sick_disabled": "伤病残", "old_party_member": "老党员"}
DAY_LABELS = {"market": "集市日", "party": "主题党日"}
PLAN_DAYS = 14


def sees_in_full(session: Session, actor: User, town: str) -> bool:
    """Admins and the town's own staff (a handler of a site in that town) visit: they see phone and ID."""
    if actor.role == Role.admin:
        return True
    if actor.role != Role.handler or actor.site_id is None:
        return False
    site = session.get(Site, actor.site_id)
    return site is not None and site.town == town


@dataclass(frozen=True)
class ResidentView:
    """A register row as the viewer may see it."""

    resident: SpecialResident
    group: str
    place: str
    phone: str
    id_number: str


def _text(raw: str, label: str, limit: int) -> str:
    text = (raw or "").strip()
    if not text:
        raise CaseError("invalid_input", f"请填写{label}。")
    return text[:limit]


def register_resident(session: Session, *, actor: User, team: RedTeam, name: str, group: str,
                      site_id: int | None,
                      address: str, phone: str, id_number: str, needs: str, consent_by: str, consent_way: str,
                      consent_at: date, today: date) -> SpecialResident:
    """Register a resident of ``team``'s town; refused without who consented, how and when."""
    if not sees_in_full(session, actor, team.town):
        raise CaseError("forbidden", "只有本镇工作人员或管理员可以登记特殊群体居民。")
    try:
        kind = ResidentGroup(group)
    except ValueError:
        raise CaseError("invalid_input", "请选择群体：孤寡老人、伤病残或老党员。") from None
    if consent_at > today:
        raise CaseError("invalid_input", "同意日期不能晚于今天。")
    site = session.get(Site, site_id) if site_id else None
    if site_id and (site is None or site.town != team.town):
        raise CaseError("invalid_input", "所选嘎查村不在本镇。")
    resident = SpecialResident(
        name=_text(name, "姓名", 64), group=kind, town=team.town, site_id=site.id if site else None,
        address=_text(address, "住址（嘎查、浩特或牧点）", 200), phone=(phone or "").strip()[:32] or None,
        id_number=(id_number or "").strip().upper()[:32] or None, needs=(needs or "").strip()[:200],
        consent_by=_text(consent_by, "同意人（本人或监护人姓名）——未经同意不得登记", 64),
        consent_way=_text(consent_way, "同意方式（如本人签字、监护人签字）", 64), consent_at=consent_at,
        registered_by=actor_name(actor))
    session.add(resident)
    session.flush()
    record_audit(session, actor=actor, action="resident.register", object_type="special_resident",
                 object_id=resident.id, details={"group": GROUP_LABELS[kind.value]})
    return resident


def residents(session: Session, *, viewer: User, town: str) -> list[ResidentView]:
    """The town's register by 嘎查, masked unless the viewer visits."""
    full = sees_in_full(session, viewer, town)
    sites = dict(session.execute(select(Site.id, Site.name).where(Site.town == town)).all())
    rows = session.scalars(select(SpecialResident).where(SpecialResident.town == town,
                                                         SpecialResident.active.is_(True))
                           .order_by(SpecialResident.site_id, SpecialResident.address, SpecialResident.id))
    return [ResidentView(r, GROUP_LABELS[ResidentGroup(r.group).value], sites.get(r.site_id or 0, "—"),
                         (r.phone if full else mask_text(r.phone)) or "—",
                         (r.id_number if full else mask_text(r.id_number)) or "—") for r in rows]


def add_service_day(session: Session, *, actor: User, town: str, day: date, kind: str, place: str, note: str
                    ) -> ServiceDay:
    if actor.role not in (Role.admin, Role.supervisor, Role.handler):
        raise CaseError("forbidden", "您无权维护集市日和党日。")
    try:
        the_kind = ServiceDayKind(kind)
    except ValueError:
        raise CaseError("invalid_input", "请选择集市日或主题党日。") from None
    place = (place or "").strip()[:64]
    exists = session.scalar(select(ServiceDay.id).where(ServiceDay.day == day, ServiceDay.kind == the_kind,
                                                        ServiceDay.town == town, ServiceDay.place == place))
    if exists is not None:
        raise CaseError("invalid_input", f"{day} 的{DAY_LABELS[the_kind.value]}已登记。")
    row = ServiceDay(day=day, kind=the_kind, town=town, place=place, note=(note or "").strip()[:200],
                     created_by=actor_name(actor))
    session.add(row)
    session.flush()
    return row


def service_days(session: Session, *, town: str, start: date, end: date) -> list[ServiceDay]:
    return list(session.scalars(select(ServiceDay).where(ServiceDay.town == town, ServiceDay.day >= start,
                                                         ServiceDay.day <= end)
                                .order_by(ServiceDay.day, ServiceDay.kind)))


@dataclass(frozen=True)
class PlanDay:
    day: date
    entries: list[ServiceDay]
    visits: int  # booked home visits of the team's town that day


def fortnight(session: Session, *, team: RedTeam, start: date) -> list[PlanDay]:
    """The next PLAN_DAYS days: market/party days and booked visits per day, to plan the routes."""
    end = start + timedelta(days=PLAN_DAYS - 1)
    entries = service_days(session, town=team.town, start=start, end=end)
    counts = dict(session.execute(
        select(Appointment.day, func.count()).where(Appointment.town == team.town,
                                                    Appointment.resource.like("%:" + team.town),
                                                    Appointment.status != AppointmentStatus.cancelled,
                                                    Appointment.day >= start, Appointment.day <= end)
        .group_by(Appointment.day)).all())
    days = [start + timedelta(days=n) for n in range(PLAN_DAYS)]
    return [PlanDay(d, [e for e in entries if e.day == d], counts.get(d, 0)) for d in days]
