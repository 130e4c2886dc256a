"""The window suggested for a case's service item, and windows kept as editable reference data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.cases.errors import CaseError
from hotline.cases.windows import save_window, suggest_window
from hotline.models import ServiceItem, Site


def _item(zone: str, window_number: int | None = None, channels=("window", "phone")) -> ServiceItem:
    return ServiceItem(code="T-1", name="测试事项", zone=zone, channels=list(channels),
                       window_number=window_number)


@pytest.fixture
def banner(db_session):
    return db_session.scalar(select(Site).where(Site.code == "banner"))


def test_the_items_own_window_then_its_zones(db_session, banner):
    own = suggest_window(db_session, item=_item("social", 5))
    assert (own.site.code, own.number, own.name) == ("banner", 5, "医疗保障窗口")
    assert suggest_window(db_session, item=_item("market")).number == 6  # first window of the zone
    assert suggest_window(db_session, item=_item("market", channels=("online",))) is None
    assert suggest_window(db_session, item=None) is None


def test_an_admin_edit_changes_the_suggestion(db_session, banner):
    save_window(db_session, site_id=banner.id, number=5, name="医疗保障窗口", zone="social", active=False)
    assert suggest_window(db_session, item=_item("social", 5)).number == 4  # closed: the zone's window
    added = save_window(db_session, site_id=banner.id, number=13, name="退役军人服务窗口", zone="social",
                        active=True)
    assert added.id and suggest_window(db_session, item=_item("social", 13)).name == "退役军人服务窗口"
    with pytest.raises(CaseError):
        save_window(db_session, site_id=banner.id, number=14, name=" ", zone=None, active=True)
