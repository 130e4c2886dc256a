"""The window (and its site) where a case's service item is handled: "一窗受理、统一窗口出件"."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.cases.errors import CaseError
from hotline.models import ServiceItem, Site, SiteLevel, Window


def suggest_window(session: Session, *, item: ServiceItem | None) -> Window | None:
    """The banner centre's window for ``item``: its own window number, else the window of its zone.

    None when the item is not handled at a window (no "window" channel) or no active window fits.
    """
    if item is None or "window" not in (item.channels or []):
        return None
    stmt = (select(Window).join(Site).where(Site.level == SiteLevel.banner, Site.active.is_(True),
                                            Window.active.is_(True))
            .options(selectinload(Window.site)).order_by(Window.number))
    windows = list(session.scalars(stmt))
    if item.window_number is not None:
        exact = next((w for w in windows if w.number == item.window_number), None)
        if exact is not None:
            return exact
    return next((w for w in windows if w.zone == item.zone), None)


def list_windows(session: Session) -> list[Window]:
    stmt = select(Window).join(Site).options(selectinload(Window.site)).order_by(Site.id, Window.number)
    return list(session.scalars(stmt))


def save_window(session: Session, *, site_id: int, number: int, name: str, zone: str | None, active: bool
                ) -> Window:
    """Create or change the window ``number`` of a site (windows are reference data admins keep)."""
    name = name.strip()
    if not name or number < 1:
        raise CaseError("invalid_input", "请填写窗口号（正整数）和窗口名称。")
    if session.get(Site, site_id) is None:
        raise CaseError("not_found", "站点不存在。")
    window = session.scalar(select(Window).where(Window.site_id == site_id, Window.number == number))
    if window is None:
        window = Window(site_id=site_id, number=number)
        session.add(window)
    window.name, window.zone, window.active = name[:64], (zone or None), active
    session.flush()
    return window
