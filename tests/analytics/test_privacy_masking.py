"""Phone and ID numbers are masked in fields and transcripts, including numbers spoken as Chinese digits."""

from __future__ import annotations

import pytest

from hotline.models import Role
from hotline.privacy.masking import mask_phone, mask_text
from hotline.privacy.unmasking import UnmaskForbidden, masked_row, may_unmask, record_unmask


@pytest.mark.parametrize(("text", "hidden", "kept"), [
    ("电话13812345678", "1234", ["138", "5678"]),
    ("+86 138 1234 5678 找我", "1234", ["5678"]),
    ("号码 138-1234-5678", "1234", ["138", "5678"]),
    ("我的号码是幺三八零零一二三四五六，谢谢", "零零一二", ["幺三八", "三四五六，谢谢"]),
    ("一三八 一二三四 五六七八", "一二三四", ["一三八", "五六七八"]),
    ("身份证号15062719900101123X", "19900101", ["150", "123X"]),
    ("身份证 15062719900101123x 办证", "19900101", ["150", "123x"]),
    ("身份证号一五零六二七一九九零零一零一一二三叉", "一九九零零一零一", ["一五零", "一二三叉"]),
    ("身份证号 150627199001011234", "19900101", ["150", "1234"]),
    ("座机0477-8123456", "8123", ["0477"[:3], "3456"]),
    ("ｔｅｌ １３８１２３４５６７８", "１２３４", ["１３８", "５６７８"]),
])
def test_numbers_are_masked(text, hidden, kept):
    masked = mask_text(text)
    assert hidden not in masked, masked
    assert "*" in masked
    for part in kept:
        assert part in masked, masked
    assert len(masked) == len(text)  # layout kept: one '*' per hidden character


@pytest.mark.parametrize("text", [
    "乱七八糟的一两个问题", "2026年3月5日上午9点", "拨打110报警", "第三四五排座位", "一二三四五六",
    "编号 123456", "",
])
def test_ordinary_text_and_short_numbers_are_left_alone(text):
    assert mask_text(text) == text


def test_fields_and_rows():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(None) is None
    row = masked_row({"citizen_phone": "13812345678", "citizen_name": "王五", "title": "咨询",
                      "content": "回电幺三八一二三四五六七八九", "id": 7,
                      "text": "我的身份证是15062719900101123X"})
    assert row["citizen_phone"] == "138****5678"
    assert row["citizen_name"] == "王五" and row["id"] == 7
    assert "一二三四" not in row["content"] and "19900101" not in row["text"]


def test_only_supervisors_and_admins_unmask_and_each_unmasking_is_audited(db_session):
    from sqlalchemy import select

    from hotline.models import AuditRecord

    assert not may_unmask(Role.analyst) and may_unmask(Role.supervisor) and may_unmask(Role.admin)
    with pytest.raises(UnmaskForbidden):
        record_unmask(db_session, actor="ana", role=Role.analyst, object_type="case", object_id=1)
    record_unmask(db_session, actor="sup", role=Role.supervisor, object_type="case", object_id=42,
                  ip="10.0.0.5")
    db_session.flush()
    record = db_session.scalar(select(AuditRecord).where(AuditRecord.actor == "sup"))
    assert (record.action, record.object_type, record.object_id, record.ip) == (
        "privacy.unmask", "case", "42", "10.0.0.5")
    assert db_session.scalar(select(AuditRecord).where(AuditRecord.actor == "ana")) is None


@pytest.mark.parametrize(("text", "hidden"), [
    ("电话138.0013.8000", "0013"),
    ("电话138、0013、8001", "0013"),
    ("电话138/0013/8003", "0013"),
    ("电话138_0013_8004", "0013"),
    ("电话 138 0013 8005。", "0013"),
    ("身份证150102.1990.0101.123X", "1990"),
    ("回电幺三八.0013.8000", "0013"),
])
def test_numbers_are_masked_whatever_separates_the_digits(text, hidden):
    """Issue 14, finding 2: dots, 、, slashes and underscores no longer leave a number in clear."""
    masked = mask_text(text)
    assert hidden not in masked and len(masked) == len(text), masked


def test_a_keyword_with_a_number_cannot_search_the_masked_analytics():
    from hotline.analytics.filters import FilterError, parse_filter

    for keyword in ("13800138000", "0013", "幺三八", "138-0013"):
        with pytest.raises(FilterError, match="遮蔽"):
            parse_filter({"keyword": keyword})
    assert parse_filter({"keyword": "停车难"}).keyword == "停车难"
    assert parse_filter({"keyword": "12路公交"}).keyword == "12路公交"
