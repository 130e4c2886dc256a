"""Long written contacts (web form, leaders' mailbox, forum): a title line and a body of several sentences.

Citizens write differently from how they speak: polite openings, the writer's background, a history of
earlier attempts, rhetorical questions, several points, and a closing plea. The intent is carried by what
the writer wants done, not by the words of the title, so the bank deliberately holds the hard cases:

- titles that contradict the body ("咨询……" over a complaint, "希望……" over a complaint);
- complaints phrased as rhetorical questions ("……合理吗？", "为何无人管？");
- suggestions phrased as 希望/请求/能否/呼吁, with "加大……力度" and no wrongdoer;
- consultations that carry some feeling but accuse nobody, and timetable questions about projects;
- mixed contacts (a complaint that ends with a suggestion is a complaint).

``compose(intent, rng)`` builds one contact: ``title + "\\n" + body``. The pieces are our own writing
(the licensed citizen messages are only ever used to measure).
"""

from __future__ import annotations

import random

from classifier.data import slots

ESTATES = [
    "锦绣小区",
    "福祥小区",
    "阳光花园",
    "金水湾小区",
    "草原明珠小区",
    "团结小区",
    "幸福家园",
    "世纪花苑",
    "东城小区",
    "新华苑",
    "馨园小区",
    "康居小区",
]
OPENINGS = [
    "",
    "",
    "尊敬的领导：您好！",
    "尊敬的旗长：",
    "书记您好，",
    "各位领导好，",
    "您好！",
    "领导您好，打扰了。",
    "感谢您在百忙之中看到我的留言。",
    "尊敬的相关部门领导：",
    "不好意思打扰各位领导，",
]
WRITERS = [
    "",
    "",
    "我是{place}的一名居民，",
    "我是{estate}的业主，",
    "本人是{gacha}的牧民，",
    "我们是{gacha}的几户村民，",
    "我是一名外出务工人员，户口在{town}，",
    "我是一名普通退休职工，",
    "我们是{estate}几十户业主，",
    "我家住在{town}，",
]
BACKGROUND = [
    "",
    "",
    "",
    "这几年{town}变化很大，大家都看在眼里。",
    "{place}住着好几百户人家，",
    "家里有老人和上学的孩子，",
    "我家离镇上有二十多公里，",
    "近几年{town}人口越来越多，",
    "我一直很支持政府的工作，",
]
# Narrative shared by every intent: what the place is like, what happened before. It says nothing about
# what the writer wants, so the model must learn the intent from the request, not from the story.
NARRATIVE = [
    "",
    "",
    "",
    "这条路是附近几个嘎查出行的必经之路，每天经过的车辆络绎不绝，",
    "小区{year}年交房，现在住了一千多户，",
    "以前还有中巴车，这几年不知道什么原因没了，",
    "我们这里离旗里有六十多公里，",
    "去年下大雨的时候，路边的沟都满了，",
    "很多年轻人都外出打工了，家里只剩老人，",
    "{year}年的时候有关部门来看过，后来就没有下文了，",
    "周边新建的小区越来越多，人口也越来越多，",
    "网上的说法五花八门，",
    "这件事关系到几百户人家的切身利益，",
    "我也在网上看到过类似的留言，",
    "附近有一所小学和一所幼儿园，",
    "这个问题不是一天两天了，",
]
CLOSINGS = [
    "",
    "",
    "谢谢！",
    "盼复。",
    "望领导百忙之中给予回复。",
    "万分感谢！",
    "恳请领导重视。",
    "期待早日答复。",
    "辛苦了！",
]

# -- complaints: a party doing wrong, a history of attempts, a demand -------------------------------------
ACTORS = [
    "开发商",
    "物业公司",
    "施工单位",
    "{estate}旁边的饭店",
    "一家养殖场",
    "公司老板",
    "村干部",
    "窗口工作人员",
    "学校",
    "供水公司",
    "某洗沙场",
    "运输公司",
    "房东",
    "超市",
    "培训机构",
    "嘎查的个别干部",
    "驾校",
    "搅拌站",
]
WRONGS = [
    ("长期夜间施工，噪音扰民", "夜间施工扰民"),
    ("拖欠工资至今不发", "拖欠工资"),
    ("私自收取停车费", "乱收停车费"),
    ("延期交房一年多，一直不给说法", "延期交房"),
    ("擅自占用小区绿地搞建设", "占用绿地"),
    ("把污水直接排到河里", "污水直排"),
    ("无证经营好几年了", "无证经营"),
    ("违规收取补课费", "违规收费"),
    ("以各种理由拒不退还定金", "拒不退定金"),
    ("把消防通道划成车位卖", "占用消防通道"),
    ("强占集体草场放牧", "强占草场"),
    ("乱倒建筑垃圾", "乱倒垃圾"),
    ("油烟直排，熏得人睁不开眼", "油烟扰民"),
    ("态度恶劣，还吃拿卡要", "态度恶劣"),
    ("一直不给办理，来回推诿", "推诿扯皮"),
    ("乱收水费，还经常无故停水", "乱收费停水"),
    ("克扣我们的补贴", "克扣补贴"),
    ("房子墙体开裂漏水也不管", "房屋质量差"),
    ("半夜拉货鸣喇叭", "夜间扰民"),
    ("私搭乱建，把路都堵了", "私搭乱建"),
]
HISTORY = [
    "",
    "多次找他们协商未果，",
    "我们打过热线，也投诉过很多次，至今没有解决，",
    "相关部门的回复敷衍了事，问题依然存在，",
    "已经{dur}了，",
    "找过社区和镇上，都说不归他们管，",
    "之前反映过，答复说会处理，结果一点动静都没有，",
]
DEMANDS = [
    "恳请有关部门依法查处！",
    "请相关部门尽快处理，还我们一个安宁。",
    "希望领导重视，给我们一个说法。",
    "请求督促解决。",
    "希望有关部门严查，给老百姓一个交代。",
    "请求有关部门介入调查。",
    "希望尽快整改。",
    "请政府主管部门有所作为。",
]
RHETORICAL = [
    "",
    "",
    "为什么老是办不下来？",
    "为何迟迟不给办？",
    "这样做合理吗？",
    "难道就没有人管吗？",
    "请问这合法吗？",
    "为什么到现在还没有解决？",
    "老百姓的合法权益谁来保障？",
]
COMPLAINT_TITLES = [
    "投诉{actor}{wrong_short}",
    "反映{place}{wrong_short}的问题",
    "{place}{actor}{wrong_short}",
    "{place}{wrong_short}，合理吗？",
    "咨询{place}{wrong_short}问题",
    "希望{place}{wrong_short}的问题早日解决",
    "请求解决{place}{wrong_short}问题",
    "举报{actor}{wrong_short}",
    "再次反映{place}{wrong_short}",
    "{place}{wrong_short}为何无人管？",
    "{actor}{wrong_short}，谁来管管",
    "关于{place}{wrong_short}的投诉",
]
MIXED_TAILS = ["", "", "", "同时建议加强日常监管。", "也建议以后多听听群众的意见。"]

# -- suggestions: a gap nobody is blamed for, and a proposal ---------------------------------------------
GAPS = [
    "{place}到旗里没有公交车，出行很不方便，",
    "这个路口车流量很大，却没有红绿灯，",
    "学校门口没有斑马线，孩子过马路很危险，",
    "周边没有农贸市场，买菜要走很远，",
    "村里的路还是土路，一下雨就很难走，",
    "小区停车位太少，",
    "牧区很多老人不会用手机办事，",
    "冬天供暖季很长，",
    "草原防火任务重，",
    "现在网上能办的事越来越多，",
    "{town}的年轻人越来越多，",
    "夏天来{town}旅游的人很多，",
]
GAP_DETAILS = [
    "",
    "",
    "每天上下班高峰都堵得厉害，",
    "经常发生交通事故，",
    "老人孩子出行很不安全，",
    "一到下雨天就泥泞不堪，",
    "群众意见很大，",
    "大家都盼着能早点解决，",
    "车流量越来越大，",
    "来回一趟要花大半天，",
    "对我们这样的普通家庭来说负担不轻，",
    "现有的设施已经跟不上需要了，",
    "这条路我们组民自己修过一回，现在又坏得不成样子，",
    "很多家长每天接送孩子很辛苦，",
]
PROPOSALS = [
    ("硬化这段两公里的土路", "硬化道路"),
    ("调整班车的运行路线，增加一个站点", "调整班车路线"),
    ("把这个站点搬到居民少的地方", "搬迁站点"),
    ("取消这条限制，按实际情况审核", "取消限制条件"),
    ("重新考虑这项规定", "重新考虑规定"),
    ("尽快启用已经建好的停车场", "启用停车场"),
    ("开通一条到旗里的公交线路", "开通公交线路"),
    ("在路口增设红绿灯", "增设红绿灯"),
    ("加大对非法营运的整治力度", "加大整治力度"),
    ("加大草原生态保护的宣传力度", "加大宣传力度"),
    ("加快推进这条路的硬化建设", "加快道路硬化"),
    ("规划建设一个农贸市场", "规划农贸市场"),
    ("适当放宽申请条件", "放宽申请条件"),
    ("调整收费方式，按小时计费", "调整收费方式"),
    ("在学校门口修一座过街天桥", "修建过街天桥"),
    ("增加一些公共停车位", "增加停车位"),
    ("在嘎查设立代办员", "设立代办员"),
    ("周末也开放政务大厅", "周末开放大厅"),
    ("多建几个公共厕所", "增建公共厕所"),
    ("加大对养殖户的扶持力度", "加大扶持力度"),
    ("增加蒙汉双语的办事指南", "双语办事指南"),
    ("把班车时间延长到晚上八点", "延长班车时间"),
]
SUGGEST_CORES = [
    "请求{proposal}。",
    "恳请有关部门研究{proposal}的可行性。",
    "强烈建议{proposal}，保证百姓安全。",
    "能不能{proposal}，谢谢。",
    "建议{proposal}。",
    "希望有关部门能{proposal}。",
    "能否考虑{proposal}？",
    "如果能{proposal}就好了，大家都会方便很多。",
    "呼吁{proposal}，造福一方百姓。",
    "恳请领导考虑{proposal}。",
    "这里提一点小建议：{proposal}。",
    "希望政府{proposal}。",
    "我觉得可以{proposal}，一是方便群众，二是也减轻了窗口的压力。",
]
SUGGEST_TITLES = [
    "请求{proposal}",
    "{place}居民出行不便",
    "反映{place}的道路问题",
    "{place}停车难",
    "{place}孩子上学不方便",
    "反映两个关于{place}交通的问题",
    "请重视{place}的出行安全",
    "建议{proposal_short}",
    "希望{place}{proposal_short}",
    "关于{proposal_short}的建议",
    "能否{proposal}？",
    "请求{proposal_short}",
    "{place}能否{proposal_short}",
    "对{place}{proposal_short}的几点建议",
    "希望加大{place}的{topic}力度",
    "呼吁{proposal_short}",
    "盼{place}{proposal_short}",
]
TOPICS = ["环境整治", "扶持", "宣传", "监管", "投入", "道路建设"]

# -- consultations: a situation and a question ------------------------------------------------------------
SITUATION_DETAILS = [
    "",
    "",
    "",
    "社保在这边交了五年，",
    "之前在外地交过几年医保，",
    "家里还有一套老房子，",
    "孩子户口还在老家，",
    "前年办过一次没办成，",
    "工程已经停了两年了，",
    "听说还要重新规划，",
    "身边好几个人情况和我差不多，",
    "我查了文件，上面写得不太清楚，",
]
SITUATIONS = [
    "{year}年我从外地回到{town}工作，",
    "我今年五十五岁，明年就到退休年龄了，",
    "我户口在{town}，现在在外地上班，",
    "我父母是{gacha}的牧民，今年满六十岁了，",
    "我和爱人都在旗里上班，",
    "我是今年刚毕业的大学生，",
    "家里老人在外地住院，",
    "我去年从外地迁回来，",
    "我在{estate}买了房，",
    "我家孩子明年上小学，",
    "",
]
QUESTIONS = [
    "对这件事不满意的话，应该向哪个部门投诉？投诉电话是多少？",
    "请问{svc}的咨询电话是多少？",
    "请问我这种情况为什么不符合条件？能否解释一下相关规定？",
    "请问有没有这方面的计划？",
    "这个说法是否属实？",
    "请问具体需要等多久？",
    "请问{project}今年会启动吗？",
    "是否需要本人回去办理？还是可以委托家人？",
    "请问按什么标准执行？",
    "请问{svc}需要满足什么条件？",
    "想了解一下{svc}的具体流程，需要准备哪些材料？",
    "请问我这种情况能不能办{svc}？",
    "{project}已经立项几年了，请问现在进展如何？",
    "想问一下{project}什么时候开工？大概什么时候能建好？",
    "请问{svc}可以在网上办吗？",
    "{svc}的标准是多少？什么时候发放？",
    "请问{svc}要去哪个部门办理？",
    "请问相关政策是怎么规定的？",
    "不知道现在的政策是怎样的，请相关部门解答一下。",
    "听说{svc}的政策变了，是真的吗？",
]
FEELINGS = ["", "", "", "打听了好几个地方都说不清楚，", "网上的说法不一样，", "这个政策我实在不太明白，"]
PROJECTS = [
    "{town}的新学校",
    "通往{gacha}的公路",
    "{town}的污水处理厂",
    "旗医院新院区",
    "{estate}旁边的公园",
    "新的客运站",
    "{town}的集中供暖工程",
]
CONSULT_TITLES = [
    "{project}今年会启动建设吗",
    "{svc}为什么不符合条件？",
    "我的情况能办{svc}吗？",
    "{project}何时能建好",
    "咨询{place}的规划问题",
    "{svc}需要等多久",
    "咨询{svc}问题",
    "关于{svc}的咨询",
    "{svc}需要什么条件？",
    "问问{project}的进展",
    "{project}何时开工？",
    "请问{svc}怎么办理",
    "咨询一下{svc}",
    "{svc}的流程是什么？",
    "想了解{svc}政策",
]

# -- appointments: a reason and a slot or a visit ----------------------------------------------------------
APPOINT_REASONS = [
    "{who}年纪大了，常年卧床，",
    "我平时在外地上班，只有周末能回来，",
    "{who}腿脚不方便，",
    "我们{gacha}有十几户要办，",
    "家里离镇上太远，跑一趟不容易，",
]
APPOINT_CORES = [
    "能否派个人到家里来{book}？",
    "想请工作人员到家里来一趟{book}，哪天方便？",
    "恳请安排工作人员{when}上门{book}。",
    "想预约{when}到{hall}办理{svc}，请帮忙登记。",
    "能否约一个{when}的时间{book}？",
    "申请{when}集中{book}，请回电确认。",
]
APPOINT_TITLES = ["申请上门{book}", "预约{svc}", "想约时间办理{svc}", "关于{book}的预约申请"]


def _fill(template: str, rng: random.Random, **fixed: str) -> str:
    values = {
        "year": str(rng.randrange(2012, 2024)),
        "place": rng.choice([*slots.TOWNS, *slots.GACHAS, *ESTATES]),
        "estate": rng.choice(ESTATES),
        "project": rng.choice(PROJECTS),
        "topic": rng.choice(TOPICS),
        **fixed,
    }
    for _ in range(3):  # pieces may hold pieces
        template = template.format_map(_Slots(values))
    return slots.fill(template, rng)


class _Slots(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _body(rng: random.Random, core: str) -> str:
    return "".join(
        [
            rng.choice(OPENINGS),
            rng.choice(WRITERS),
            rng.choice(BACKGROUND),
            rng.choice(NARRATIVE),
            rng.choice(NARRATIVE),
            core,
            rng.choice(CLOSINGS),
        ]
    )


def compose(intent: str, rng: random.Random) -> str:
    """One written contact (title, newline, body) of ``intent``."""
    if intent == "complaint":
        wrong, short = rng.choice(WRONGS)
        actor = rng.choice(ACTORS)
        core = (
            f"{actor}{wrong}，{rng.choice(HISTORY)}{rng.choice(RHETORICAL)}{rng.choice(DEMANDS)}"
            f"{rng.choice(MIXED_TAILS)}"
        )
        title, body = rng.choice(COMPLAINT_TITLES), _body(rng, core)
        fixed = {"actor": actor, "wrong_short": short}
    elif intent == "suggestion":
        proposal, short = rng.choice(PROPOSALS)
        title, body = (
            rng.choice(SUGGEST_TITLES),
            _body(
                rng,
                rng.choice(GAPS)
                + rng.choice(GAP_DETAILS)
                + rng.choice(GAP_DETAILS)
                + rng.choice(SUGGEST_CORES),
            ),
        )
        fixed = {"proposal": proposal, "proposal_short": short}
    elif intent == "consultation":
        core = (
            rng.choice(SITUATIONS)
            + rng.choice(SITUATION_DETAILS)
            + rng.choice(FEELINGS)
            + rng.choice(QUESTIONS)
        )
        title, body, fixed = rng.choice(CONSULT_TITLES), _body(rng, core), {}
    elif intent == "appointment":
        core = rng.choice(APPOINT_REASONS) + rng.choice(APPOINT_CORES)
        title, body, fixed = rng.choice(APPOINT_TITLES), _body(rng, core), {}
    else:
        raise ValueError(f"no written templates for intent {intent!r}")
    fixed.setdefault("svc", rng.choice(slots.SERVICES))
    fixed.setdefault("book", rng.choice(slots.BOOKINGS))
    return _fill(title, rng, **fixed) + "\n" + _fill(body, rng, **fixed)
