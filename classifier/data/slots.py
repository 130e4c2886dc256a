"""Slot lists shared by the training-data generators: places, services, spoken-style noise.

The county is 鄂托克前旗 (a pastoral banner of Ordos): four towns, 嘎查 village stations, herders.
"""

from __future__ import annotations

import random
import re

TOWNS = ["敖勒召其镇", "上海庙镇", "城川镇", "昂素镇"]
TOWN_SHORT = ["敖镇", "上海庙", "城川", "昂素"]
GACHAS = [
    "巴彦希里嘎查", "乌兰胡拉嘎查", "查干巴拉嘎素嘎查", "芒哈图嘎查", "特布德嘎查", "陶日木嘎查",
    "大沙头嘎查", "黄海子嘎查", "河南嘎查", "巴音乌苏嘎查", "玛拉迪嘎查", "乌兰道崩嘎查",
]
HALLS = ["政务服务大厅", "旗政务大厅", "便民服务站", "党群服务中心", "镇上的服务中心", "嘎查的服务站"]
WHEN = ["明天上午", "明天下午", "后天", "下周一", "这周五", "星期三上午", "月底前", "下个星期",
        "周末", "十号那天"]
PEOPLE = ["我", "我家老人", "我父亲", "我母亲", "我们家", "我爱人", "我邻居", "我们嘎查几户牧民", "我奶奶"]
DURATIONS = ["一个多月", "两个礼拜", "大半年", "三个月", "快一年", "好几天", "二十多天", "半个月"]

# Service items people ask about, book, or complain are slow: (object, verb phrase).
SERVICES = [
    "养老保险缴费", "社保卡补办", "灵活就业参保", "养老金资格认证", "失业保险金申领", "医保报销",
    "异地就医备案", "城乡居民医保缴费", "门诊慢特病认定", "低保申请", "临时救助", "特困供养",
    "党组织关系转接", "流动党员登记", "入党申请", "营业执照办理", "个体户注册", "食品经营许可证",
    "不动产登记", "房产证办理", "抵押登记", "户口迁移", "身份证换领", "新生儿落户", "居住证办理",
    "草原补奖发放", "禁牧补助", "草畜平衡奖励", "牲畜检疫证明", "牲畜耳标", "牲畜保险理赔",
    "残疾证办理", "退役军人优待证", "高龄津贴", "创业担保贷款", "农机购置补贴", "宅基地审批",
    "结婚登记", "出生医学证明", "就业登记", "公积金提取", "林权证办理", "取水许可", "税务登记",
    "发票代开", "道路运输许可证", "学籍转移", "家庭医生签约", "生育津贴", "独生子女奖励",
]

# Things that go wrong, for complaints (stated as facts).
PROBLEMS = [
    "路灯坏了没人修", "村里的路坑坑洼洼的", "暖气不热屋里才十几度", "又停水了也不通知",
    "自来水发黄有味道", "饮水井的泵坏了", "垃圾堆着没人清理", "晚上工地施工太吵",
    "工资被拖欠了", "窗口工作人员态度很差", "办事的人互相推诿", "补贴到现在还没发",
    "草原补奖被少发了", "禁牧期间有人偷着放牧", "邻居私搭乱建占了路", "手机信号特别差",
    "班车说停就停", "物业乱收费", "饭店卫生太差吃坏了肚子", "超市卖过期食品",
    "井盖丢了很危险", "网格员从来不上门", "牧道被人拉了网围栏挡住了", "草场被人越界放牧",
    "羊得了病防疫站没人管", "医院乱收费", "学校食堂饭菜不干净", "出租车拒载",
    "补办的证件等了很久拿不到", "低保被无故取消了", "排水沟堵了污水漫到路上",
    "小区的电梯老坏", "煤价涨得太厉害", "有人在草原上非法开矿", "供暖费多收了",
]

# Improvements people propose, for suggestions.
IDEAS = [
    "增加去旗里的班车", "在嘎查设个便民服务点", "延长窗口下班时间", "周末也开放大厅",
    "多装几盏路灯", "在集市附近建个公共厕所", "把更多事项放到网上办理", "增加蒙汉双语服务",
    "给行动不便的牧民上门办理", "在镇上装几个充电桩", "加强草原防火宣传", "多设几家医保定点药店",
    "在小区放些健身器材", "在学校门口设减速带", "把办事指南印成小册子发到嘎查",
    "开通冬季供暖报修专线", "给牧区多打几口饮水井", "搞一些养殖技术培训", "在医院增加自助挂号机",
    "把政策解读做成短视频", "在路口加个红绿灯", "组织志愿者帮老人办事", "把补贴发放时间提前公布",
    "多建几个垃圾回收点", "开展法律知识进牧区", "提高高龄津贴标准", "在村里办个老年食堂",
]

# Things one books: a visit, a slot, a house call.
BOOKINGS = [
    "上门办理社保认证", "上门给老人拍照办身份证", "上门核查牲畜数量", "技术员上门给羊打疫苗",
    "上门检修暖气", "上门看看饮水管道", "家庭医生上门体检", "上门收残疾证的材料",
    "办不动产登记", "办营业执照", "办户口迁移", "查档案", "做养老金资格认证", "办医保报销",
    "办党组织关系转接", "办结婚登记", "现场勘查草场", "上门量房子", "办低保复核", "代办养老保险",
]

DEPT_NAMES = ["社保局", "医保局", "民政局", "农牧局", "住建局", "自然资源局", "市场监管局", "公安局",
              "税务局"]

# Spoken hotline noise.
OPENERS = ["喂", "喂你好", "你好", "哎你好", "喂喂", "嗯你好", "喂是12345吗", "你好我问一下", "哎"]
FILLERS = ["那个", "就是", "嗯", "就是说", "然后", "这个", "呃", "那个啥", "就"]
CLOSERS = ["谢谢啊", "好的谢谢", "麻烦你们了", "就这个事", "好吧", "行", "你们给看一下", ""]

# ASR-style homophone / near-homophone substitutions.
HOMOPHONES = {
    "社保": ["设保", "社宝"], "医保": ["一保", "医宝"], "低保": ["底保", "低宝"], "户口": ["护口", "户扣"],
    "执照": ["执招", "直照"], "不动产": ["不动残", "不东产"], "嘎查": ["嘎叉", "嘎茶", "噶查"],
    "禁牧": ["进牧", "近牧"], "补奖": ["补将", "不奖"], "咨询": ["资询", "资讯"], "投诉": ["投述", "头诉"],
    "预约": ["预月", "遇约"], "建议": ["见意", "建意"], "希望": ["希旺", "稀望"], "供暖": ["公暖", "供南"],
    "饮水": ["引水", "银水"], "牲畜": ["生畜", "牲处"], "草原": ["草园", "槽原"], "办理": ["半理", "办里"],
    "上门": ["上们", "尚门"], "时间": ["实间", "时见"], "登记": ["灯记", "登机"], "补贴": ["不贴", "补帖"],
    "养老": ["仰老", "养劳"], "工资": ["公资", "工字"], "路灯": ["露灯", "路登"], "材料": ["财料", "材了"],
    "认证": ["人证", "认正"], "党组织": ["党祖织", "党组只"], "怎么": ["咋么", "怎么样"],
}

_PUNCT = re.compile(r"[，。！？、；：,.!?;:“”\"'（）()【】\[\]…～~]")


def spoken(text: str, rng: random.Random, noise: float = 0.25) -> str:
    """Turn a clean sentence into an ASR-like transcript: no punctuation, fillers, homophone errors."""
    parts = [p for p in _PUNCT.split(text) if p]
    out: list[str] = []
    if rng.random() < 0.6:
        out.append(rng.choice(OPENERS))
    for part in parts:
        if rng.random() < 0.35:
            out.append(rng.choice(FILLERS))
        out.append(part)
    if rng.random() < 0.3:
        out.append(rng.choice(CLOSERS))
    joined = "".join(out)
    for right, wrongs in HOMOPHONES.items():
        if right in joined and rng.random() < noise:
            joined = joined.replace(right, rng.choice(wrongs), 1)
    if rng.random() < 0.15:  # a stutter: repeat a short chunk
        i = rng.randrange(max(1, len(joined) - 3))
        joined = joined[: i + 2] + joined[i : i + 2] + joined[i + 2 :]
    if rng.random() < 0.2:  # Vosk-style output: words separated by spaces
        from classifier.segment import cut

        joined = " ".join(cut(joined))
    return joined


def fill(template: str, rng: random.Random) -> str:
    """Replace {slot} markers with random values from the lists above."""
    values = {
        "town": lambda: rng.choice(TOWNS + TOWN_SHORT),
        "gacha": lambda: rng.choice(GACHAS),
        "hall": lambda: rng.choice(HALLS),
        "when": lambda: rng.choice(WHEN),
        "who": lambda: rng.choice(PEOPLE),
        "dur": lambda: rng.choice(DURATIONS),
        "svc": lambda: rng.choice(SERVICES),
        "problem": lambda: rng.choice(PROBLEMS),
        "idea": lambda: rng.choice(IDEAS),
        "book": lambda: rng.choice(BOOKINGS),
        "dept": lambda: rng.choice(DEPT_NAMES),
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)](), template)
