"""Signals that decide the handler whatever the topic words say: who did what, not what it was about.

- **Staff misconduct** → 纪委监委: an official or staff member (干部, 工作人员, 窗口, 书记, 领导 …) and, close
  to that mention, an act of misconduct (money or gifts demanded, favouritism, abuse of office, staff who
  insult or obstruct citizens, inaction, fees collected without a receipt). "干部说给他两千块钱就能批下来"
  is about the money demanded, not about the permit. A mention of a 干部 without such an act ("村干部说要
  自己去申请"), praise ("感谢窗口的小李"), or a retired cadre asking about his own care is no signal.
- **Impersonation fraud** → 公安局: someone posing as an office (社保局, 公安局, 客服 …) asks for a bank
  code, a transfer or a fee. Impersonators are no staff: this signal silences the misconduct one.
- **School enrolment that mentions 户口** → 教育体育局: where a child may go to school is the education
  body's decision; the 户口 is the condition asked about, not a registration request.

Teachers and doctors are not counted as officials here: their conduct goes to their sector's body
(师德师风 to 教育体育局, 医德医风 to 卫生健康委), which the ordinary routing finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from classifier.text import normalize

CONDUCT_WEIGHT = 10.0  # more than a decisive keyword rule (6.0 + priority), the topic model and an item
FRAUD_WEIGHT = 10.5  # above misconduct: "工作人员" in a scam is the impersonator's claim
ENROLMENT_WEIGHT = 6.0  # above the 户口 rule, an item and the topic model together (2.7 + 0.8 + 2.0)

_NUM = r"[\d一二两三四五六七八九十百千万几]+"
_MONEY = rf"{_NUM}(?:块|元|万|千|百)"
_HIM = r"(?:他|她|他们|她们|人家|领导)"

# Officials and staff of public bodies, as citizens name them. Retired cadres are people served, not actors.
_OFFICIAL = re.compile(
    r"干部|工作人员|公职人员|公务员|窗口|书记|支书|领导|局长|科长|所长|站长|主任|镇长|乡长|旗长|嘎查长|"
    r"村长|村委|村会计|嘎查会计|民警|警察|辅警|执法人员|城管|经办人|办事员|办事的人|当官的|校长|院长|网格员"
)
_NOT_ACTOR = re.compile(
    r"离休干部|退休干部|离退休干部|老干部|退休老干部|我是[^，。！？]{0,8}(?:干部|书记|工作人员)"
)

# Acts of misconduct. A cue preceded closely by a negation (没有刁难, 从不收红包) does not count.
_MISCONDUCT = {
    "索要钱财": [
        rf"(?:给|拿|送|塞|交){_HIM}?[^，。！？]{{0,3}}{_MONEY}[^。！？]{{0,14}}(?:就能|就可以|才能|才给|就给|才肯|就批|才批|才办|就办|才签|就签)",
        rf"(?:给|拿|送|塞){_HIM}[^，。！？]{{0,5}}(?:钱|好处|红包|礼|烟酒|购物卡)",
        r"(?:要|收|拿|索要|收受|吃)了?[^，。！？]{0,6}(?:好处|红包|回扣|礼金|礼品|贿赂|贿|辛苦费|茶水费|加急费)",
        r"吃拿卡要|索贿|受贿|行贿|好处费|收红包|送礼|表示表示|意思意思|打点|塞钱|请(?:他|她|他们)?吃饭",
        r"不(?:给|交|送|拿|塞)[^，。！？]{0,4}就(?:不给|不办|不批|不签|一直拖|拖着)",
        r"不给好处|不送礼",
    ],
    "优亲厚友": [
        r"优亲厚友|关系户|走后门|(?:给|报成|当成)了?(?:他|她)?(?:家|自家|自己家|自己)?(?:的)?亲戚|他家亲戚|自家亲戚|七大姑八大姨",
    ],
    "滥用职权、侵占": [
        r"公车私用|挪用|截留|克扣|贪污|侵占|吃空饷|冒领|虚报|公款吃喝|大吃大喝|违规吃喝|以权谋私|"
        r"滥用职权|插手工程|发钱买票|花钱买票|买选票|贿选|拉票|通风报信|保护伞",
        r"(?:领导|干部|局长|书记|镇长|所长)[^，。！？]{0,8}(?:开公司|违规经商|入股)",
        r"(?:钱|款|收入|租金)[^，。！？]{0,4}(?:不知道去哪|不知去向|去向不明|哪去了)|账目不公开|不公开账",
        r"上班时间?[^，。！？]{0,6}(?:打牌|喝酒|打麻将|玩游戏|睡觉|炒股)",
    ],
    "作风恶劣": [
        r"态度(?:特别|非常|很|极其|极|太|十分)?(?:差|不好|恶劣|蛮横|粗暴|生硬)",
        r"骂人|骂我|辱骂|刁难|甩脸|爱答不理|爱理不理|吼我|凶我|训斥",
    ],
    "不作为": [
        r"不作为|慢作为|乱作为|懒政|推诿|推来推去|互相推|踢皮球|不管不问|拖着不办|故意拖|一拖再拖",
    ],
    "乱收费": [
        r"乱收费|乱罚款|乱摊派|私自收|违规收",
        r"收[^，。！？]{0,10}(?:不给|不开|没有|没给|也不给)[^，。！？]{0,3}(?:收据|票|发票|条)",
        r"(?:不给|没给|也不给|不)开?(?:收据|发票|票据)",
        r"(?:收据|发票|票据)[^，。！？]{0,3}(?:也不给|不给|没给|都不给|也没有|都没有|也不开|不开)",
    ],
}
_MISCONDUCT_RE = {kind: [re.compile(p) for p in patterns] for kind, patterns in _MISCONDUCT.items()}
_NEGATION = re.compile(r"(?:没有|没|从不|从来不|从来没|并不|不会|也不)$")
CUE_WINDOW = 40  # characters between an official's mention and the act (either side)

# Someone posing as an office, and what the impersonator wants.
_POSING = re.compile(
    r"冒充|假冒|自称|假装|冒名|"
    r"(?:电话|短信|微信|有人|有个人|一个人|陌生人)[^。！？]{0,8}说(?:他|她|他们)?是[^，。！？]{0,10}"
    r"(?:局|所|部|委|中心|客服|银行|公安|警察|法院|检察院|社保|医保|政府|工作人员)|"
    r"(?:电话|短信|微信)[^。！？]{0,8}说[^。！？]{0,10}(?:冻结|异常|涉嫌|注销|洗钱|中奖|退税|退费|到期|停用)"
)
_SCAM_ASK = re.compile(
    r"验证码|转钱|打钱|银行卡号|银行卡密码|密码|安全账户|转账|转到|转给|汇款|汇到|打到[^，。！？]{0,6}(?:账户|卡)|"
    r"手续费|保证金|解冻费|点链接|点了链接|链接|下载[^，。！？]{0,6}(?:app|软件)|屏幕共享|共享屏幕|ATM|atm"
)

# School enrolment (where a child may go to school) and 户口 mentioned as its condition.
_ENROLMENT = re.compile(
    r"入学|上小学|上初中|上高中|上一年级|上幼儿园|入园|转学|学籍|招生|划片|学区|插班|就读|借读|择校|"
    r"报名上学|(?:能不能|能否|可不可以|可以|怎么|咋)[^，。！？]{0,8}(?:上学|读书|念书)"
)
_HUKOU = re.compile(r"户口|户籍|落户")


@dataclass(frozen=True)
class Signal:
    department: str
    weight: float
    reason: str


def staff_misconduct(text: str) -> str | None:
    """The kind of misconduct (索要钱财, 优亲厚友 …) an official is accused of in ``text``, else None."""
    return _misconduct(normalize(text))


def _misconduct(clean: str) -> str | None:
    if _fraud(clean):
        return None
    actors = [m for m in _OFFICIAL.finditer(clean) if not _inside(m, _NOT_ACTOR, clean)]
    if not actors:
        return None
    for kind, patterns in _MISCONDUCT_RE.items():
        for pattern in patterns:
            for cue in pattern.finditer(clean):
                if _NEGATION.search(clean[max(0, cue.start() - 4):cue.start()]):
                    continue
                if any(_near(actor, cue) for actor in actors):
                    return kind
    return None


def impersonation_fraud(text: str) -> bool:
    """Someone posing as an office asks for a code, a transfer or a fee."""
    return _fraud(normalize(text))


def _fraud(clean: str) -> bool:
    return bool(_POSING.search(clean) and _SCAM_ASK.search(clean))


def enrolment_with_hukou(text: str) -> bool:
    """A question about a child's school place that mentions 户口 (the condition, not the registration)."""
    return _enrolment_with_hukou(normalize(text))


def _enrolment_with_hukou(clean: str) -> bool:
    return bool(_ENROLMENT.search(clean) and _HUKOU.search(clean))


def signals(text: str) -> list[Signal]:
    """The deciding signals found in ``text`` (at most one per department), strongest first."""
    clean = normalize(text)  # once, for all three
    found = []
    if _fraud(clean):
        found.append(Signal("gaj", FRAUD_WEIGHT, "冒充机关或客服，索要验证码、转账或费用：诈骗"))
    kind = _misconduct(clean)
    if kind:
        found.append(Signal("jwjw", CONDUCT_WEIGHT, f"工作人员作风：{kind}"))
    if _enrolment_with_hukou(clean):
        found.append(Signal("jtj", ENROLMENT_WEIGHT, "入学问题（户口是入学条件）"))
    return found


def _near(actor: re.Match[str], cue: re.Match[str]) -> bool:
    return cue.start() - actor.end() <= CUE_WINDOW and actor.start() - cue.end() <= CUE_WINDOW


def _inside(match: re.Match[str], pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``match`` lies within an occurrence of ``pattern`` (干部 inside 离休干部)."""
    return any(o.start() <= match.start() and match.end() <= o.end() for o in pattern.finditer(text))
