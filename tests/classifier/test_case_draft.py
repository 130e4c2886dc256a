"""The case draft from a conversation: name, spoken phone numbers, masked ID numbers, address down to the
嘎查 and 组 — over transcripts as the recogniser and as people write them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from classifier.case_draft import extract_draft, mask_id_numbers, spoken_digits
from classifier.routing import places_from_sites

SITES = Path(__file__).resolve().parents[2] / "hotline" / "seed" / "sites.csv"


@pytest.fixture(scope="module")
def places():
    with SITES.open(encoding="utf-8") as fh:
        return places_from_sites(csv.DictReader(fh))


def test_a_phone_call_gives_name_spoken_number_and_address_to_the_group(places):
    text = "喂你好我叫王建国住在上海庙镇芒哈图嘎查三组我电话是幺三八 四七七八 洞洞幺二草原补奖还没发"
    draft = extract_draft(text, places=places)
    assert draft.name == "王建国"
    assert draft.phones == ("13847780012",)
    assert (draft.town, draft.village, draft.group) == ("上海庙镇", "芒哈图嘎查", "三组")
    assert draft.address == "上海庙镇芒哈图嘎查三组"


def test_recogniser_spacing_two_and_zero_said_as_liang_and_dong(places):
    text = "你好 我 是 巴音乌苏 嘎查 的 牧民 我 叫 其其格 电话 一三九 洞四七七 两两 三四"
    draft = extract_draft(text, places=places)
    assert draft.name == "其其格"
    assert draft.phones == ("13904772234",)
    assert (draft.town, draft.village) == ("昂素镇", "巴音乌苏嘎查")  # the town from the gazetteer


def test_id_numbers_are_masked_at_once_and_never_taken_for_a_phone(places):
    text = "我姓李，手机一五零四七七八二三两六，身份证号150623198807121234，城川镇大沙头嘎查"
    draft = extract_draft(text, places=places)
    assert draft.name == "李"
    assert draft.phones == ("15047782326",)
    assert draft.id_numbers_masked == ("150623********1234",)
    assert "19880712" not in str(draft.as_dict())
    assert mask_id_numbers("身份证15062319880712123x号") == "身份证150623********123X号"


def test_an_id_number_said_aloud_is_masked_too_and_still_found_by_the_draft(places):
    said = "身份证号 幺五零六二三 一九八八 零七一二 一二三叉，电话幺三八零零零零幺二三四"
    masked = mask_id_numbers(said)
    assert masked == "身份证号 150623********123X，电话幺三八零零零零幺二三四"  # the phone is not an ID
    assert extract_draft(masked, places=places).id_numbers_masked == ("150623********123X",)
    assert mask_id_numbers("我一九九零年出生，一二三四五六七八九零一二三四五六七八九零") == (
        "我一九九零年出生，一二三四五六七八九零一二三四五六七八九零")  # 18 digits only if they make an ID


def test_a_written_message_with_a_landline_a_community_and_a_name_at_the_end(places):
    text = "我家在敖勒召其镇新华社区五组，联系电话0477-7812345，我的名字叫张秀英"
    draft = extract_draft(text, places=places)
    assert (draft.name, draft.phones) == ("张秀英", ("04777812345",))
    assert (draft.town, draft.village, draft.group) == ("敖勒召其镇", "新华社区", "五组")


def test_a_name_ends_where_the_matter_or_a_place_begins(places):
    assert extract_draft("我叫孟和低保申请交上去没消息", places=places).name == "孟和"
    assert extract_draft("我叫苏和敖勒召其镇的饮水井坏了", places=places).name == "苏和"
    assert extract_draft("我叫马俊 草原补奖还没发下来", places=places).name == "马俊"


def test_nothing_said_gives_an_empty_draft_and_the_routed_item_is_carried(places):
    item = {"code": "NM-001", "name": "草原生态保护补助奖励发放", "department": "nmj"}
    draft = extract_draft("想问一下一下午能办完吗", places=places, item=item)
    assert (draft.name, draft.phones, draft.id_numbers_masked, draft.address) == (None, (), (), "")
    assert draft.as_dict()["item"] == item
    assert spoken_digits("一下午") == "一下午"  # short digit-like words stay words
