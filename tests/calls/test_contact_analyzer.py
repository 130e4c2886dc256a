"""The analyzer every channel shares: intent, matched service items and a handler with reasons."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline import migrate
from hotline.calls.analyzer import ContactAnalyzer
from hotline.db import make_engine, make_session_factory
from hotline.models import RoutingRule
from hotline.seeding import seed_organisation, seed_routing_rules
from knowledge_base.catalog_io import load_seed_catalogue


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """A database of this module's own: it commits the catalogue and rules (the shared one stays clean)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('analyzer') / 'hotline.sqlite3'}")
    migrate.upgrade(engine)
    with make_session_factory(engine)() as session:
        seed_organisation(session)
        seed_routing_rules(session)
        load_seed_catalogue(session)
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def analyzer(engine):
    with make_session_factory(engine)() as session:
        return ContactAnalyzer.load(session, model_dir=None, registry_root=None, threshold=0.45)


def test_spoken_party_question_goes_to_the_organisation_department_with_reasons(analyzer):
    result = analyzer("喂 那个 我想问一下 党组织关系怎么转到上海庙镇")
    assert result.intent == "consultation" and not result.needs_triage
    top = result.routing[0]
    assert top["department_name"] == "旗委组织部"
    assert top["town"] == "上海庙镇"
    assert any(r.startswith("匹配事项") and "组织关系" in r for r in top["reasons"])
    assert "提到 上海庙镇" in top["reasons"]
    assert "组织关系" in result.kb_matches[0]["name"]


def test_grassland_subsidy_complaint_from_a_gacha_is_routed_locally(analyzer):
    result = analyzer("我们芒哈图嘎查的草原补奖今年怎么还没发下来")
    assert result.intent == "complaint"
    top = result.routing[0]
    assert top["department"] == "nmj" and top["level"] in ("village", "town")
    assert "提到 芒哈图嘎查" in top["reasons"]


def test_homophone_typo_still_finds_the_item(analyzer):
    result = analyzer("低包怎么申请")
    assert result.kb_matches[0]["name"] == "最低生活保障申请"
    assert "低包≈低保" in result.kb_matches[0]["matched"]


def test_rule_reasons_name_the_department(analyzer):
    result = analyzer("我想预约一下办营业执照")
    assert result.intent == "appointment"
    assert "规则 营业执照 → 旗市场监督管理局" in result.routing[0]["reasons"]


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "hello there", "x" * 100_000])
def test_odd_input_gets_a_sane_answer(analyzer, text):
    result = analyzer(text)
    assert result.needs_triage or result.intent is not None


def test_refresh_picks_up_an_admins_new_rule(analyzer, engine):
    text = "风力发电项目的补偿款什么时候给"
    before = analyzer(text).routing
    factory = make_session_factory(engine)
    with factory() as session:
        session.add(RoutingRule(keyword="风力发电", department_code="zrzyj", priority=50))
        session.commit()
        analyzer.refresh(session)
    try:
        assert not before or before[0]["department"] != "zrzyj"
        after = analyzer(text).routing[0]
        assert after["department"] == "zrzyj" and "规则 风力发电 → 旗自然资源局" in after["reasons"]
    finally:
        with factory() as session:
            session.delete(session.scalar(select(RoutingRule).where(RoutingRule.keyword == "风力发电")))
            session.commit()
            analyzer.refresh(session)


# -- one decision per case: department, item and level agree; words in passing do not decide -------------

AGREEMENT_TEXTS = [
    "喂你好，我想问一下我今年五十八了，养老保险还差三年没交够，能不能一次性补缴，要带身份证号过去吗",
    "孩子户口在城川，今年的城乡居民医保在哪交",
    "我奶奶九十了，身份证过期了，高龄津贴还能领吗",
    "我们芒哈图嘎查的草原补奖今年怎么还没发下来",
    "我要把户口从城川迁到敖勒召其镇，怎么迁",
    "学校门口那个红绿灯坏了，孩子过马路太危险了",
]


def test_every_candidate_carries_only_its_own_departments_item_and_a_level_it_handles(analyzer, engine):
    from hotline.models import ServiceItem

    with make_session_factory(engine)() as session:
        levels = {i.code: set(i.levels or ()) for i in session.scalars(select(ServiceItem))}
    for text in AGREEMENT_TEXTS:
        for cand in analyzer(text).routing:
            item = cand["item"]
            if item is not None:
                assert item["department"] == cand["department"], (text, cand)
                assert cand["level"] in levels[item["code"]] or not levels[item["code"]], (text, cand)


def test_an_id_number_in_a_pension_question_does_not_send_it_to_the_police(analyzer, engine):
    from hotline.cases.intake import Contact, create_case
    from hotline.models import Channel

    text = AGREEMENT_TEXTS[0]
    result = analyzer(text)
    top = result.routing[0]
    assert top["department"] == "rsj" and top["item"]["department"] == "rsj", top
    with make_session_factory(engine)() as session:
        case = create_case(session, contact=Contact(Channel.web, "web:pension-id", text), analysis=result)
        assert case.department.code == "rsj"
        assert case.service_item is None or case.service_item.department_id == case.department.id
        session.rollback()


def test_a_case_never_takes_an_item_of_another_department(analyzer, engine):
    from dataclasses import replace

    from hotline.cases.intake import Contact, create_case
    from hotline.models import Channel

    result = analyzer("我要把户口从城川迁到敖勒召其镇，怎么迁")
    assert result.kb_matches and result.routing[0]["department"] == "gaj"
    lone = dict(result.routing[0], department="mzj", item=None)  # a department without an item of its own
    with make_session_factory(engine)() as session:
        case = create_case(session, contact=Contact(Channel.web, "web:no-item", "x"),
                           analysis=replace(result, routing=[lone]))
        assert case.department.code == "mzj" and case.service_item is None
        session.rollback()


@pytest.mark.parametrize("text", [
    "窗口工作人员吃拿卡要，不给好处就不给办，要求纪委调查",
    "办低保的时候嘎查干部让我先交五百块好处费",
    "医院有个医生收红包，不给红包就不给排手术",
])
def test_staff_conduct_complaints_go_to_the_discipline_commission(analyzer, text):
    result = analyzer(text)
    assert result.routing[0]["department"] == "jwjw", result.routing[0]
    assert any("规则" in r for r in result.routing[0]["reasons"])


@pytest.mark.parametrize("text", [
    "干部说给他两千块钱就能批下来",
    "镇里管林地的干部跟我说，拿三千块钱给他，采伐证马上就批",
    "我们嘎查的书记把危房改造的名额都给了他自家亲戚",
    "镇上的干部收了我们每家三百块钱的修渠费，一张收据也不给",
    "反映了半年，水利站的站长一直推诿，就是不作为",
    "村委把集体的沙场包出去好几年了，收入去向不明，村干部也不公开账",
])
def test_an_official_accused_of_misconduct_goes_to_the_discipline_commission_whatever_the_topic(
        analyzer, text):
    """No keyword rule matches these; the topic words (采伐证, 危房改造, 修渠) point elsewhere (issue 20)."""
    top = analyzer(text).routing[0]
    assert top["department"] == "jwjw", top
    assert any(r.startswith("工作人员作风") for r in top["reasons"])


@pytest.mark.parametrize(("text", "body"), [
    ("村干部通知我们下周去镇上做养老金资格认证，在哪做", "rsj"),
    ("嘎查书记让我们来问问，今年禁牧补助的标准是多少", "nmj"),
    ("我父亲是离休干部，医药费在哪报销", "lgbj"),
    ("我要表扬政务大厅的窗口工作人员，态度特别好，帮我一次就办完了", "zwfwj"),
])
def test_a_question_that_only_mentions_an_official_or_praises_one_keeps_its_topic(analyzer, text, body):
    top = analyzer(text).routing[0]
    assert top["department"] == body, top
    assert not any(r.startswith("工作人员作风") for r in top["reasons"])


@pytest.mark.parametrize("text", [
    "有人打电话说他是医保局的工作人员，说我医保卡被冻结了，要我报银行卡号和验证码",
    "接到短信说是税务局的，说有退税，让我点链接填银行卡密码",
    "手机上来了个电话，说我的养老金账户异常要冻结，叫我把钱打到他给的账户",
])
def test_a_scam_posing_as_an_office_goes_to_the_police_not_to_that_office(analyzer, text):
    top = analyzer(text).routing[0]
    assert top["department"] == "gaj", top
    assert any("诈骗" in r for r in top["reasons"])


def test_a_genuine_call_from_an_office_is_not_taken_for_a_scam(analyzer):
    top = analyzer("社保局的工作人员打电话通知我去做资格认证，这个是真的吗").routing[0]
    assert top["department"] == "rsj", top


@pytest.mark.parametrize(("text", "body"), [
    ("孩子户口在昂素镇，我们在旗里租房住，今年上一年级能在旗里的学校报名吗", "jtj"),
    ("我家老二明年上初中，户口刚迁到敖勒召其镇，划片是按户口还是按房子", "jtj"),
    ("孩子刚出生，上户口要带什么", "gaj"),
])
def test_hukou_in_a_school_enrolment_question_goes_to_education(analyzer, text, body):
    """Where a child may go to school is the education body's decision; a newborn's 户口 is the police's."""
    top = analyzer(text).routing[0]
    assert top["department"] == body, top


@pytest.mark.parametrize("text", [
    "学校门口那个红绿灯坏了，孩子过马路太危险了",
    "我要投诉，实验小学门口的红绿灯坏了好几天了，学生上学放学很危险",
])
def test_a_broken_traffic_light_near_a_school_goes_to_traffic_not_education(analyzer, text):
    """学校 is where the light is, not what the complaint is about (issue 20)."""
    result = analyzer(text)
    assert result.routing[0]["department"] == "jtysj", result.routing[0]
    assert "jtj" != result.routing[0]["department"]


def test_a_pension_question_that_gives_a_new_id_number_goes_to_social_security(analyzer):
    """身份证 is a rule of the police (priority 20), 养老保险 one of 人社 (15): the word in passing no longer
    sets the bar that demotes the rule on what the question is about."""
    top = analyzer("我想交养老保险，身份证号码换了新的，交费时提示身份证不对").routing[0]
    assert top["department"] == "rsj", top
    assert top["item"] is None or top["item"]["department"] == "rsj"


@pytest.mark.parametrize(("text", "body"), [
    ("我们几个年轻人想成立一个青年志愿服务队，去哪登记备案", "tqw"),
    ("我们是民营企业，想加入工商联，要什么条件", "tzb"),
    ("我们嘎查有几个人拉帮结派，欺行霸市，收保护费", "zfw"),
])
def test_rarely_asked_party_bodies_are_chosen_for_their_own_remit(analyzer, text, body):
    """团委, 统战部, 政法委 run one catalogue item each; the department model knows them by their remit."""
    assert analyzer(text).routing[0]["department"] == body, analyzer(text).routing[:2]


# -- SIP workers ask the main process's analyzer over a socket pair (hotline.workers.analysis_channel) --


@pytest.fixture
def channel(analyzer):
    """A worker's RemoteAnalyzer wired to this process's analyzer, as the supervisor wires a worker."""
    import socket

    from hotline.workers.analysis_channel import RemoteAnalyzer, start_analysis_server

    ours, theirs = socket.socketpair()
    served = start_analysis_server(ours, analyzer, "worker-test")
    remote = RemoteAnalyzer(theirs, timeout=10)
    yield remote
    remote.close()
    served.join(5)


def test_a_worker_gets_the_same_analysis_from_the_main_process_as_the_analyzer_gives(analyzer, channel):
    from concurrent.futures import ThreadPoolExecutor

    texts = ["喂 那个 我想问一下 党组织关系怎么转到上海庙镇",
             "我们芒哈图嘎查的草原补奖今年怎么还没发下来"] * 4
    with ThreadPoolExecutor(4) as pool:  # a worker's decode and hang-up threads ask at the same time
        answers = list(pool.map(channel, texts))
    for text, answer in zip(texts, answers, strict=True):
        assert answer == analyzer(text)
    assert answers[0].routing[0]["department_name"] == "旗委组织部" and channel.failures == 0


def test_a_late_answer_is_not_taken_for_the_next_question_and_a_gone_main_process_means_triage(analyzer):
    import socket
    import threading

    from hotline.workers.analysis_channel import RemoteAnalyzer, start_analysis_server

    first = threading.Event()

    def slow_the_first_time(text):
        if not first.is_set():
            first.set()
            threading.Event().wait(3.3)  # past the worker's timeout
        return analyzer(text)

    ours, theirs = socket.socketpair()
    served = start_analysis_server(ours, slow_the_first_time, "worker-test")
    remote = RemoteAnalyzer(theirs, timeout=3.0)  # the next answer has 2.7 s of margin on a loaded machine
    timed_out = remote("我想问一下党组织关系怎么转")
    assert timed_out.needs_triage and timed_out.intent is None and not timed_out.routing
    grassland = remote("我们芒哈图嘎查的草原补奖今年怎么还没发下来")  # the first answer arrives meanwhile
    assert grassland == analyzer("我们芒哈图嘎查的草原补奖今年怎么还没发下来")
    ours.shutdown(socket.SHUT_RDWR)  # the main process is gone
    served.join(5)
    gone = remote("草原补奖")
    assert gone.needs_triage and gone.intent is None and remote.failures == 2
    remote.close()

