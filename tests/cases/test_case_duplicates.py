"""可能重复: the same citizen or the same place and problem within the window, across channels."""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline.cases.duplicates import CaseFacts, duplicate_reason

T0 = datetime(2026, 3, 2, 9, 0)


def facts(case_id, text, *, phone="", village="", town="上海庙镇", item="SL-1", department="slj", days=0.0):
    return CaseFacts(id=case_id, created_at=T0 + timedelta(days=days), text=text, phone=phone, town=town,
                     village=village, department=department, item=item)


def test_the_same_citizen_again_on_another_channel_is_a_possible_duplicate():
    call = facts(1, "芒哈图嘎查的饮水井泵坏了，一个礼拜没水喝了", phone="13847780012", village="芒哈图嘎查")
    web = facts(2, "我们那饮水井又坏了，牲口都没水喝", phone="13847780012", village="芒哈图嘎查", days=2)
    assert duplicate_reason(call, web) == "同一来电号码、同一事项"


def test_a_neighbour_reporting_the_same_problem_in_the_same_gacha_is_a_possible_duplicate():
    one = facts(1, "芒哈图嘎查的饮水井泵坏了", phone="13800000001", village="芒哈图嘎查")
    two = facts(2, "我们芒哈图嘎查吃水的井坏了好几天了", phone="13900000002", village="芒哈图嘎查", days=1)
    assert duplicate_reason(one, two) == "同一地点（芒哈图嘎查）、同一问题"


def test_other_matters_other_places_and_old_cases_are_not():
    base = facts(1, "芒哈图嘎查的饮水井泵坏了", phone="13800000001", village="芒哈图嘎查")
    other_matter = facts(2, "芒哈图嘎查的羊被人偷了", phone="13800000001", village="芒哈图嘎查",
                         item="GA-1", department="gaj")
    other_gacha = facts(3, "陶日木嘎查的饮水井泵坏了", phone="13900000002", village="陶日木嘎查")
    too_late = facts(4, "芒哈图嘎查的饮水井泵坏了", phone="13800000001", village="芒哈图嘎查", days=30)
    assert duplicate_reason(base, other_matter) is None
    assert duplicate_reason(base, other_gacha) is None
    assert duplicate_reason(base, too_late) is None
    assert duplicate_reason(base, base) is None
