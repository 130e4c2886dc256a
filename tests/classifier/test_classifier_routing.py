"""Handler routing: knowledge-base items, the department model, place names and admin rules combined."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from classifier.routing import KbMatch, RoutingRule, mentioned_places, places_from_sites, route, topic_scores
from classifier.shipped import load_shipped

SITES = Path(__file__).resolve().parents[2] / "hotline" / "seed" / "sites.csv"


@pytest.fixture(scope="module")
def places():
    with SITES.open(encoding="utf-8") as fh:
        return places_from_sites(csv.DictReader(fh))


@pytest.fixture(scope="module")
def department_model():
    return load_shipped("department")


def test_gazetteer_finds_towns_and_village_stations_even_with_asr_errors(places):
    assert [p.name for p in mentioned_places("我们上海庙镇芒哈图嘎查的路坏了", places)][0] == "芒哈图嘎查"
    assert mentioned_places("我是芒哈图嘎叉的", places)[0].site == "shmz-mht"  # ASR wrote 嘎叉
    assert mentioned_places("城川那边停水了", places)[0].site == "ccz"
    assert mentioned_places("河南省来的游客", places) == []  # 河南嘎查 needs its full name
    assert mentioned_places("", places) == []


def test_item_place_and_model_agree_on_a_village_level_handler(places, department_model):
    text = "我想问一下芒哈图嘎查的草原补奖什么时候发"
    levels = ("banner", "town", "village")
    item = KbMatch("草原生态保护补助奖励发放", "nmj", levels, 0.9, ("草原补奖",), "NM-001")
    ranked = route(text, kb_matches=[item], topic=topic_scores(department_model, text), places=places)
    best = ranked[0]
    assert (best.department, best.level, best.site, best.town) == ("nmj", "village", "shmz-mht", "上海庙镇")
    assert "匹配事项 草原生态保护补助奖励发放 (草原补奖)" in best.reasons
    assert "提到 芒哈图嘎查" in best.reasons
    assert any(r.startswith("分类模型 0.") for r in best.reasons)
    assert best.score > ranked[1].score if len(ranked) > 1 else True


def test_item_not_handled_at_village_goes_up_to_the_town(places):
    item = KbMatch("不动产登记", "zrzyj", ("banner", "town"), 0.8)
    best = route("巴音乌苏嘎查的房子办不动产登记", kb_matches=[item], places=places)[0]
    assert (best.level, best.site, best.town) == ("town", "asz", "昂素镇")
    assert "该事项在镇级办理（昂素镇）" in best.reasons


def test_no_place_means_banner_level(department_model):
    text = "医保异地就医备案怎么弄"
    best = route(text, topic=topic_scores(department_model, text))[0]
    assert (best.department, best.level, best.site, best.town) == ("ybj", "banner", "banner", None)


def test_admin_rule_outranks_the_model_and_priority_decides_between_rules(places, department_model):
    text = "城川镇有人在草原上开矿"
    rules = [RoutingRule("草原", "lcj", priority=5), RoutingRule("开矿", "zrzyj", priority=9)]
    ranked = route(text, topic=topic_scores(department_model, text), places=places, rules=rules)
    assert ranked[0].department == "zrzyj"
    assert "规则 开矿 → zrzyj" in ranked[0].reasons
    lcj = next(c for c in ranked if c.department == "lcj")
    assert "规则 草原 → lcj" in lcj.reasons and "提到 城川镇" in lcj.reasons


def test_rule_can_force_the_village_level(places):
    rules = [RoutingRule("网格员", "zfw", priority=1, level="village")]
    best = route("黄海子嘎查的网格员从来不上门", rules=rules, places=places)[0]
    assert (best.department, best.level, best.site) == ("zfw", "village", "ccz-hhz")


def test_nothing_to_go_on_gives_no_candidates_and_output_is_plain_data():
    assert route("嗯嗯好的") == []
    cand = route("草原", rules=[RoutingRule("草原", "lcj")])[0]
    assert cand.as_dict() == {"department": "lcj", "level": "banner", "site": "banner", "town": None,
                              "score": 2.5, "reasons": ["规则 草原 → lcj"], "item": None}


def test_a_rule_on_a_word_in_passing_does_not_demote_the_rule_on_the_matter():
    rules = [RoutingRule("身份证", "gaj", priority=20), RoutingRule("养老保险", "rsj", priority=15)]
    ranked = route("养老保险交了十五年了，身份证号换了怎么办", rules=rules)
    assert [c.department for c in ranked] == ["rsj", "gaj"]
    assert "规则 身份证（顺带提及，旁证不足） → gaj" in ranked[1].reasons
