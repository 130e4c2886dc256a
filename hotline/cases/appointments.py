"""预约: window slots at a site (per-slot capacity) and home visits by the red service team or the mobile
service vehicle (per-town daily capacity), each linked to a case. Working days and hours only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.accounts.audit import actor_name
from hotline.accounts.timestamps import as_utc
from hotline.cases.errors import CaseError
from hotline.cases.timeline import load_case, moment, record
from hotline.cases.windows import suggest_window
from hotline.cases.working_days import CHINA, WorkCalendar, china_date, load_work_calendar
from hotline.models import (
    Appointment,
    AppointmentCapacity,
    AppointmentKind,
    AppointmentStatus,
    Case,
    CaseStatus,
    Role,
    Site,
    User,
    Window,
)

KIND_LABELS = {AppointmentKind.window: "窗口预约", AppointmentKind.red_team: "红色服务队上门",
               AppointmentKind.service_vehicle: "流动服务车上门"}
BOOKERS = frozenset({Role.agent, Role.supervisor, Role.handler, Role.admin})


@dataclass(frozen=True)
class AppointmentPolicy:
    hours: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(14, 30), time(18, 0)))
    slot_minutes: int = 30
    home_visits_per_day: int = 4  # per town and team, unless an AppointmentCapacity row says otherwise
    per_window_slot: int = 1  # places of one window in one slot (one clerk, one citizen per half hour)
    days_ahead: int = 30


DEFAULT_APPOINTMENTS = AppointmentPolicy()


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)


def window_resource(site_id: int) -> str:
    return f"site:{site_id}"


def window_slot_resource(window_id: int) -> str:
    """One window's own slots (the case's window): ``window:<id>``."""
    return f"window:{window_id}"


def case_window(session: Session, *, case: Case, site_id: int) -> Window | None:
    """The window where the case's item is handled, when it is at ``site_id`` ("一窗受理")."""
    window = suggest_window(session, item=case.service_item)
    return window if window is not None and window.site_id == site_id else None


def home_resource(kind: AppointmentKind, town: str) -> str:
    return f"{kind.value}:{town}"


def _capacity(session: Session, resource: str, default: int) -> int:
    query = select(AppointmentCapacity.capacity).where(AppointmentCapacity.resource == resource)
    value = session.scalar(query)
    return default if value is None else value


def window_capacity(session: Session, site_id: int) -> int:
    """Places per slot: the override, else the site's number of open windows (at least one)."""
    windows = session.scalar(select(func.count()).select_from(Window)
                             .where(Window.site_id == site_id, Window.active.is_(True)))
    return _capacity(session, window_resource(site_id), max(windows or 0, 1))


def set_capacity(session: Session, *, actor: User, resource: str, capacity: int, now: datetime | None = None
                 ) -> AppointmentCapacity:
    """Override a capacity (``window_resource(site_id)`` or ``home_resource(kind, town)``); 0 closes it."""
    if actor.role not in (Role.admin, Role.supervisor):
        raise CaseError("forbidden", "只有督办员或管理员可以设置预约容量。")
    if not 0 <= capacity <= 500:
        raise CaseError("invalid_input", "容量须为 0–500。")
    row = session.scalar(select(AppointmentCapacity).where(AppointmentCapacity.resource == resource))
    if row is None:
        row = AppointmentCapacity(resource=resource, capacity=capacity)
        session.add(row)
    row.capacity = capacity
    session.flush()
    return row


def _slot_starts(day: date, policy: AppointmentPolicy) -> list[datetime]:
    starts = []
    for begin, end in policy.hours:
        at = datetime.combine(day, begin, CHINA)
        while at + timedelta(minutes=policy.slot_minutes) <= datetime.combine(day, end, CHINA):
            starts.append(as_utc(at))
            at += timedelta(minutes=policy.slot_minutes)
    return starts


def _booked(session: Session, resource: str, starts: list[datetime]) -> dict[datetime, int]:
    rows = session.execute(select(Appointment.slot_start, func.count()).where(
        Appointment.resource == resource, Appointment.status == AppointmentStatus.booked,
        Appointment.slot_start.in_(starts)).group_by(Appointment.slot_start))
    return {as_utc(at): n for at, n in rows}


def window_slots(session: Session, *, site_id: int, day: date, calendar: WorkCalendar | None = None,
                 policy: AppointmentPolicy = DEFAULT_APPOINTMENTS, window: Window | None = None
                 ) -> list[Slot]:
    """The day's slots at a site (or at one ``window`` of it) with their free places; empty on a rest day."""
    calendar = calendar or load_work_calendar(session)
    if not calendar.is_working_day(day):
        return []
    if window is not None:
        resource = window_slot_resource(window.id)
        capacity = _capacity(session, resource, policy.per_window_slot)
    else:
        resource, capacity = window_resource(site_id), window_capacity(session, site_id)
    starts = _slot_starts(day, policy)
    booked = _booked(session, resource, starts)
    step = timedelta(minutes=policy.slot_minutes)
    return [Slot(s, s + step, capacity, booked.get(s, 0)) for s in starts]


def home_visit_slot(session: Session, *, kind: AppointmentKind, town: str, day: date,
                    policy: AppointmentPolicy = DEFAULT_APPOINTMENTS) -> Slot:
    start = as_utc(datetime.combine(day, time(), CHINA))
    resource = home_resource(kind, town)
    booked = _booked(session, resource, [start]).get(start, 0)
    return Slot(start, start + timedelta(days=1), _capacity(session, resource, policy.home_visits_per_day),
                booked)


def _check_booking(session: Session, case_id: int, actor: User | None) -> Case:
    if actor is not None and (actor.role not in BOOKERS or not actor.active):
        raise CaseError("forbidden", "您的角色不能办理预约。")
    case = load_case(session, case_id)
    if case.status in (CaseStatus.merged, CaseStatus.archived):
        raise CaseError("invalid_transition", "已合并或已归档的工单不能预约。")
    active = session.scalar(select(Appointment.id).where(Appointment.case_id == case.id,
                                                         Appointment.status == AppointmentStatus.booked))
    if active is not None:
        raise CaseError("appointment_exists", "该工单已有有效预约；如需改期请先取消原预约。")
    return case


def _check_day(day: date, now: datetime, calendar: WorkCalendar, policy: AppointmentPolicy) -> None:
    if not calendar.is_working_day(day):
        raise CaseError("slot_unavailable", f"{day} 不是工作日，请选择工作日。")
    if day > china_date(now) + timedelta(days=policy.days_ahead):
        raise CaseError("slot_unavailable", f"只能预约 {policy.days_ahead} 天内的日期。")


def _take_seat(session: Session, appointment: Appointment, slot: Slot) -> Appointment:
    """Insert with the lowest free seat; a concurrent booking of the same seat fails the unique key."""
    taken = set(session.scalars(select(Appointment.seat).where(
        Appointment.resource == appointment.resource, Appointment.slot_start == slot.start,
        Appointment.seat.is_not(None))))
    for seat in range(1, slot.capacity + 1):
        if seat in taken:
            continue
        appointment.seat = seat
        try:
            with session.begin_nested():
                session.add(appointment)
                session.flush()
            return appointment
        except IntegrityError:  # someone took this seat a moment ago: the savepoint is gone, try the next
            continue
    raise CaseError("slot_full", "该时段已约满，请选择其他时段。", capacity=slot.capacity)


def book_window(session: Session, *, case_id: int, site_id: int, slot_start: datetime, actor: User | None,
                now: datetime | None = None, note: str = "", calendar: WorkCalendar | None = None,
                policy: AppointmentPolicy = DEFAULT_APPOINTMENTS) -> Appointment:
    """Book a place in the slot starting at ``slot_start`` at the site (``actor=None``: self-service).

    When the case's item is handled at a window of that site, the place is a slot of that window."""
    now = moment(now)
    case = _check_booking(session, case_id, actor)
    site = session.get(Site, site_id)
    if site is None or not site.active:
        raise CaseError("invalid_input", f"服务站点 {site_id} 不存在或已停用。")
    window = case_window(session, case=case, site_id=site.id)
    calendar = calendar or load_work_calendar(session)
    start = as_utc(slot_start)
    day = china_date(start)
    _check_day(day, now, calendar, policy)
    slot = next((s for s in window_slots(session, site_id=site_id, day=day, calendar=calendar, policy=policy,
                                         window=window) if s.start == start), None)
    if slot is None:
        raise CaseError("slot_unavailable", "所选时间不在办公时段内，请从可选时段中选择。")
    if start <= now:
        raise CaseError("slot_unavailable", "所选时段已过，请选择其他时段。")
    resource = window_slot_resource(window.id) if window else window_resource(site_id)
    appointment = Appointment(case_id=case.id, kind=AppointmentKind.window, resource=resource,
                              site_id=site_id, window_id=window.id if window else None, town=site.town,
                              day=day,
                              slot_start=start, slot_end=slot.end, note=note.strip(),
                              booked_by=actor_name(actor or "citizen"))
    _take_seat(session, appointment, slot)
    when = start.astimezone(CHINA).strftime("%m月%d日 %H:%M")
    at_window = f" {window.number}号{window.name}" if window else ""
    record(session, case, "book_appointment", actor=actor or "citizen", now=now,
           note=f"预约 {site.name}{at_window} {when}", details={"appointment_id": appointment.id})
    return appointment


def book_home_visit(session: Session, *, case_id: int, kind: AppointmentKind, town: str, day: date,
                    address: str, actor: User | None, now: datetime | None = None, note: str = "",
                    calendar: WorkCalendar | None = None, policy: AppointmentPolicy = DEFAULT_APPOINTMENTS
                    ) -> Appointment:
    """Book a home visit (red_team or service_vehicle) in ``town`` on ``day`` (from tomorrow)."""
    now = moment(now)
    kind = AppointmentKind(kind)
    if kind == AppointmentKind.window:
        raise CaseError("invalid_input", "窗口预约请选择站点和时段。")
    case = _check_booking(session, case_id, actor)
    if session.scalar(select(Site.id).where(Site.town == town).limit(1)) is None:
        raise CaseError("invalid_input", f"未知的镇：{town}。")
    address = (address or "").strip()
    if not address:
        raise CaseError("invalid_input", "请填写上门服务地址。")
    calendar = calendar or load_work_calendar(session)
    _check_day(day, now, calendar, policy)
    if day <= china_date(now):
        raise CaseError("slot_unavailable", "上门服务最早可预约明天。")
    slot = home_visit_slot(session, kind=kind, town=town, day=day, policy=policy)
    appointment = Appointment(case_id=case.id, kind=kind, resource=home_resource(kind, town), town=town,
                              day=day, slot_start=slot.start, slot_end=slot.end, address=address[:200],
                              note=note.strip(), booked_by=actor_name(actor or "citizen"))
    _take_seat(session, appointment, slot)
    record(session, case, "book_appointment", actor=actor or "citizen", now=now,
           note=f"预约{KIND_LABELS[kind]}：{town} {day:%m月%d日}", details={"appointment_id": appointment.id})
    return appointment


def cancel_appointment(session: Session, *, appointment_id: int, actor: User | None, reason: str,
                       now: datetime | None = None) -> Appointment:
    """Cancel and free the place (``actor=None``: the citizen, e.g. from the tracking page)."""
    now = moment(now)
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise CaseError("not_found", f"预约 {appointment_id} 不存在。")
    if actor is not None and (actor.role not in BOOKERS or not actor.active):
        raise CaseError("forbidden", "您的角色不能取消预约。")
    if appointment.status == AppointmentStatus.closed:
        raise CaseError("invalid_transition", "该上门服务已办结，不能取消。")
    if appointment.status != AppointmentStatus.booked:
        raise CaseError("invalid_transition", "该预约已取消。")
    appointment.status = AppointmentStatus.cancelled
    appointment.seat = None
    appointment.cancelled_at, appointment.cancelled_by = now, actor_name(actor or "citizen")
    appointment.cancel_reason = (reason or "").strip()
    case = load_case(session, appointment.case_id)
    record(session, case, "cancel_appointment", actor=actor or "citizen", now=now,
           note=appointment.cancel_reason or "取消预约", details={"appointment_id": appointment.id})
    return appointment
