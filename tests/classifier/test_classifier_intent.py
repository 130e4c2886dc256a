"""Intent model: trained on the shipped data, it sorts new phrasings and beats the keyword rules."""

from __future__ import annotations

import pytest

from classifier.baseline import rule_intent
from classifier.datasets import SHIPPED_TRAIN, data_hash, read_labelled_csv
from classifier.metrics import classification_report
from classifier.shipped import load_shipped, shipped_model_dir
from classifier.versions import ModelRegistry

# Written for this test, not produced by the generator's templates; mix of call transcripts and messages.
UNSEEN = {
    "consultation": [
        "喂你好我就想知道一下那个医保异地备案在手机上咋弄",
        "请问城川镇政务大厅中午休息吗",
        "牧民的草原补奖是按草场面积算还是按人头算的",
        "你们的投诉电话是多少我记一下",
        "办残疾证需要去医院鉴定吗？",
    ],
    "complaint": [
        "为什么我申请的临时救助都俩月了还没批",
        "你们窗口那个女的对老人大吼大叫太不像话了",
        "昂素镇这几天一直停水也没人通知一声",
        "禁牧补助今年少给了我们家三千多块钱，谁给个解释？",
        "嗯那个上海庙的路灯坏了半年了反映多少次都没用",
    ],
    "appointment": [
        "我想约个时间下礼拜二过去办不动产登记",
        "我爸瘫在床上了能不能上门给他做认证",
        "能不能安排下周派个兽医到我们嘎查给羊打针",
        "想订周四上午的号办营业执照。",
        "你好我后天上午过来办户口迁移先跟你们说一声给留个号",
    ],
    "suggestion": [
        "希望在嘎查服务站也能办社保卡",
        "建议旗里冬天多开一趟去上海庙的班车",
        "我觉得政务大厅应该设个蒙语窗口方便老牧民",
        "要是能在网上直接申请低保就好了",
        "可否在学校附近多装几个监控摄像头？",
    ],
}


@pytest.mark.parametrize("intent", sorted(UNSEEN))
def test_unseen_phrasings_of_each_intent_are_recognised(trained_intent, intent):
    predictions = [trained_intent.predict(text) for text in UNSEEN[intent]]
    right = [p for p in predictions if p.label == intent]
    wrong = [(t, p.label) for t, p in zip(UNSEEN[intent], predictions, strict=True) if p.label != intent]
    assert len(right) >= 4, wrong


def test_hard_cases_that_fool_keyword_rules(trained_intent):
    cases = {
        "为什么我的低保申请三个月了还没办好": "complaint",  # a complaint phrased as a question
        "投诉电话是多少": "consultation",  # consultation that says 投诉
        "我想约个时间过去办社保卡": "appointment",  # appointment without 预约
        "能不能上门给我奶奶办养老认证": "appointment",
        "路灯坏了一个月了希望你们赶紧来修": "complaint",  # a complaint that says 希望
    }
    got = {text: trained_intent.predict(text).label for text in cases}
    assert got == cases
    assert [rule_intent(t) for t in cases] != list(cases.values())


def test_model_beats_the_keyword_rules_by_a_wide_margin_on_the_test_split(trained_intent, intent_test):
    model = classification_report(intent_test.labels, trained_intent.predict_labels(intent_test.texts))
    rules = classification_report(intent_test.labels, [rule_intent(t) for t in intent_test.texts])
    assert model["macro_f1"] >= 0.85
    assert model["macro_f1"] - rules["macro_f1"] >= 0.3, (model["macro_f1"], rules["macro_f1"])


def test_prediction_carries_calibrated_confidence_alternatives_and_triage_flag(trained_intent):
    p = trained_intent.predict("我想问一下社保卡丢了怎么补办")
    assert p.label == "consultation" and p.display == "咨询"
    assert [label for label, _ in p.alternatives][0] == "consultation"
    assert sorted(label for label, _ in p.alternatives) == sorted(UNSEEN)
    assert abs(sum(prob for _, prob in p.alternatives) - 1.0) < 1e-6
    assert not p.needs_triage
    assert trained_intent.predict("我想问一下社保卡丢了怎么补办", threshold=0.999).needs_triage
    vague = trained_intent.predict("嗯嗯好的")  # says nothing about intent: low confidence goes to a person
    assert vague.confidence < p.confidence


def test_shipped_models_are_trained_on_the_shipped_data():
    for task in ("intent", "department"):
        shipped = read_labelled_csv(SHIPPED_TRAIN[task])
        model = load_shipped(task)
        assert model.meta.data_hash == data_hash(shipped.texts, shipped.labels), (
            f"shipped {task} model is stale: run python -m classifier.data.build_shipped"
        )
        assert model.meta.metrics["macro_f1"] > 0
        assert (shipped_model_dir(task) / "meta.json").is_file()


def test_shipped_training_set_is_large_balanced_and_in_both_styles(intent_train, intent_test):
    from collections import Counter

    assert len(intent_train) >= 1000 and len(intent_test) >= 200
    counts = Counter(intent_train.labels)
    assert set(counts) == set(UNSEEN)
    assert max(counts.values()) - min(counts.values()) <= len(intent_train) // 20
    assert not set(intent_train.texts) & set(intent_test.texts)


def test_registry_publishes_versions_and_rolls_back(tmp_path, trained_intent):
    registry = ModelRegistry(tmp_path, "intent")
    first = registry.publish(trained_intent)
    second = registry.publish(trained_intent)
    assert registry.current() == second.version != first.version
    assert [v.version for v in registry.versions()] == [first.version, second.version]
    registry.rollback(first.version)
    assert registry.current() == first.version
    with pytest.raises(ValueError, match="known versions"):
        registry.rollback("19990101-000000-deadbeef")


# Written for this test (title, newline, body), as web forms and the leaders' mailbox deliver them: the
# title says one thing, the body's request decides.
WRITTEN = {
    "咨询城川镇自来水的问题\n尊敬的领导：我们小区的自来水公司半年来三天两头停水也不通知，打电话没人接，"
    "物业说不归他们管，请有关部门尽快查处，给我们一个说法！": "complaint",
    "希望旗里加大对草原非法开垦的打击力度\n近几年昂素镇周边开荒的人越来越多，草场退化明显，"
    "建议有关部门加大巡查力度，多做宣传，保护好我们的草原。": "suggestion",
    "新客运站什么时候能建好？\n听说敖勒召其镇要建新的客运站，前年就开始说了，请问现在进展如何，"
    "大概什么时候能投入使用？谢谢。": "consultation",
    "工地夜间施工扰民，合理吗？\n上海庙镇福祥小区旁边的工地天天施工到凌晨两点，噪音大得睡不着，"
    "找过施工方好几次都没用，请问这合法吗？": "complaint",
}


def test_written_messages_are_judged_by_the_request_not_the_title_words():
    model = load_shipped("intent")
    got = {text: model.predict(text).label for text in WRITTEN}
    assert got == WRITTEN
    assert [rule_intent(t) for t in WRITTEN] != list(WRITTEN.values())
