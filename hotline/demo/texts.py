"""Phrases the synthetic cases are made of: what citizens of a banner's towns and villages call about."""

from __future__ import annotations

# intent -> [(topic, sentence template)]; {place} is a town or village, {item} a service item name
TOPICS: dict[str | None, list[tuple[str, str]]] = {
    "consultation": [
        ("医保报销", "我想咨询一下在外地住院的医保报销需要什么材料，{place}这边能不能办"),
        ("养老保险", "请问城乡居民养老保险今年的缴费标准是多少，在{place}哪里缴费"),
        ("低保申请", "家里老人想申请低保，{place}需要准备哪些材料，多长时间能批下来"),
        ("营业执照", "我在{place}开个小卖部，办营业执照要去旗里还是镇上就能办"),
        ("不动产登记", "咨询一下房子的不动产登记证怎么办理，需要带什么证件"),
        ("草原补奖", "想问一下今年的草原生态补奖资金什么时候发放到{place}"),
        ("事项办理", "我想办理{item}，请问需要什么材料，办理时限是多久"),
        ("户籍迁移", "孩子上学需要把户口迁到{place}，怎么办理户籍迁移"),
    ],
    "complaint": [
        ("供暖不热", "{place}小区的暖气一直不热，屋里才十几度，找物业也没人管"),
        ("停水", "{place}这两天一直停水，也没有提前通知，老人孩子用水很困难"),
        ("路灯不亮", "{place}村口的路灯坏了一个多月了，晚上出行很不安全"),
        ("噪音扰民", "{place}附近工地晚上施工噪音太大，影响休息"),
        ("拖欠工资", "我在{place}的工地干活，老板拖欠工资三个月了一直不给"),
        ("垃圾清运", "{place}的垃圾堆了好几天没人清运，味道很大"),
        ("道路破损", "{place}通往旗里的路坑坑洼洼，下雨天车都过不去"),
    ],
    "appointment": [
        ("预约办证", "我想预约明天上午到{place}服务中心办理{item}"),
        ("预约体检", "预约一下{place}卫生院的老年人免费体检"),
        ("预约上门", "家里老人行动不便，能不能预约工作人员上门办理{item}"),
    ],
    "suggestion": [
        ("增设公交", "建议在{place}增设一趟到旗里的公交车，群众出行方便一些"),
        ("延长办公", "建议{place}服务中心周末也安排人值班，上班族平时没空办事"),
        ("健身器材", "建议在{place}广场增加一些健身器材"),
    ],
    None: [
        ("其他", "喂，你好，我想问个事情，就是{place}那边的情况我也说不太清楚"),
    ],
}

# said by some callers while giving their number: Arabic and spoken Chinese digits, for the masking to find
CONTACT_PHRASES = (
    "，我的电话是{phone}", "，联系电话{phone_cn}", "，身份证号{id_number}",
)

CN_DIGITS = "零幺二三四五六七八九"


def spoken_digits(number: str) -> str:
    """'13800...' as an ASR transcript would write it: 幺三八零零…"""
    return "".join(CN_DIGITS[int(d)] if d.isdigit() else d for d in number)
