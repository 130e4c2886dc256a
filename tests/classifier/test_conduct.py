"""Who did what decides the handler: an official's misconduct, an impersonator's scam, a school place."""

from __future__ import annotations

import pytest

from classifier.conduct import enrolment_with_hukou, impersonation_fraud, signals, staff_misconduct


@pytest.mark.parametrize(("text", "kind"), [
    ("干部说给他两千块钱就能批下来", "索要钱财"),
    ("镇里管林地的干部跟我说，拿三千块钱给他，采伐证马上就批", "索要钱财"),
    ("我们嘎查的书记把危房改造的名额都给了他自家亲戚", "优亲厚友"),
    ("社保窗口的工作人员态度恶劣，还骂人", "作风恶劣"),
    ("镇上的干部收了我们每家三百块钱的修渠费，一张收据也不给", "乱收费"),
    ("反映了半年，水利站的站长一直推诿，就是不作为", "不作为"),
])
def test_an_official_and_an_act_of_misconduct_is_a_conduct_report(text, kind):
    assert staff_misconduct(text) == kind


@pytest.mark.parametrize("text", [
    "村干部通知我们下周去镇上做养老金资格认证，在哪做",  # a 干部 mentioned, nothing wrong done
    "我要表扬政务大厅的窗口工作人员，态度特别好，帮我一次就办完了",  # praise
    "窗口的同志从来没有刁难过我们，就是排队太久",  # the act denied
    "我父亲是离休干部，医药费在哪报销",  # a retired cadre is the one served
    "村干部来收今年的医保费，一个人交多少",  # collecting a fee is the job
    "那个饭店老板态度很差，还骂人",  # bad manners, but no official
    "我想开公司，窗口的工作人员告诉我要带哪些材料",
])
def test_a_mention_of_an_official_without_misconduct_is_no_conduct_report(text):
    assert staff_misconduct(text) is None


def test_an_impersonator_is_a_fraud_not_a_staff_member():
    text = "有人打电话说他是医保局的工作人员，说我医保卡被冻结了，要我报银行卡号和验证码"
    assert impersonation_fraud(text)
    assert staff_misconduct(text) is None
    assert [s.department for s in signals(text)] == ["gaj"]


@pytest.mark.parametrize("text", [
    "社保局的工作人员打电话通知我去做资格认证，这个是真的吗",  # a real call, nothing asked for
    "银行卡密码忘了，社保卡里的钱怎么取",  # a code, but nobody posing
])
def test_no_fraud_without_both_a_pretended_office_and_a_demand(text):
    assert not impersonation_fraud(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("孩子户口在昂素镇，今年上一年级能在旗里的学校报名吗", True),
    ("我家老二明年上初中，户口刚迁过来，划片是按户口还是按房子", True),
    ("孩子刚出生，上户口要带什么", False),
    ("孩子户口要迁到他奶奶那边，网上能办吗", False),
    ("孩子转学了，学籍怎么转过去", False),  # enrolment without 户口: the ordinary routing decides
])
def test_hukou_in_a_school_enrolment_question(text, expected):
    assert enrolment_with_hukou(text) is expected
