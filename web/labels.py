"""Display labels (zh-CN) for stored enum values: the database keeps snake_case, the UI speaks Chinese."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")

INTENT = {"consultation": "咨询", "complaint": "投诉", "appointment": "预约", "suggestion": "建议"}
CHANNEL = {
    "phone": "电话",
    "web": "网站",
    "forum": "百姓论坛",
    "kiosk": "自助终端",
    "walk_in": "窗口来访",
    "letter": "来信",
    "desk_phone": "座机来电",
}
STATUS = {
    "accepted": "已受理",
    "answered": "直接答复",
    "dispatched": "已派单",
    "signed": "已签收",
    "handling": "办理中",
    "replied": "已答复",
    "closed": "已办结",
    "callback_done": "已回访",
    "archived": "已归档",
    "returned": "已退单",
    "suspended": "已挂起",
    "reopened": "重办",
    "merged": "已合并",
}
LEVEL = {"banner": "旗级", "town": "镇级", "village": "嘎查村级"}
LANGUAGE = {"zh": "汉语", "mn": "蒙古语"}
TRANSCRIPT = {"complete": "已转写", "empty": "无有效语音", "unavailable": "转写不可用"}
ROLE = {
    "agent": "话务员",
    "handler": "承办人员",
    "analyst": "分析员",
    "supervisor": "督办员",
    "admin": "系统管理员",
}
EVENT = {
    "accept": "受理",
    "confirm_intake": "确认受理信息",
    "book_appointment": "预约",
    "cancel_appointment": "取消预约",
    "merged_duplicate": "并入重复工单",
}
SYSTEM_ACTORS = {  # who acted when no person did (timeline, audit, appointments)
    "system": "系统",
    "hotline": "热线自动受理",
    "scheduler": "系统定时任务",
    "citizen": "群众",
    "init": "系统初始化",
    "cli": "命令行",
    **{channel: f"{name}渠道" for channel, name in CHANNEL.items()},
}
END_REASON = {
    "caller_hangup": "群众挂机",
    "local_hangup": "本方挂机",
    "silence_timeout": "长时间无声",
    "max_duration": "超过最长通话时长",
    "shutdown": "系统停机",
    "rejected": "对方拒接",
    "no_answer": "无人接听",
    "error": "系统或线路故障",
}
NOTICE = {
    "password_changed": "密码已修改。",
    "dispatched": "已派单",
    "answered": "已直接答复",
    "saved": "受理信息已保存",
    "created": "工单已录入",
    "replied": "已签收并答复",
    "template_saved": "答复模板已保存。",
}
DEADLINE = {"overdue": "已超期", "warning": "临期预警", "ok": "时限内"}


def label(table: dict[str, str], value: object) -> str:
    if value is None:
        return "—"
    key = getattr(value, "value", value)
    return table.get(str(key), str(key))


def mask_name(name: str | None) -> str:
    """张三丰 → 张**: a citizen's name shown in public (forum) keeps only the surname."""
    name = (name or "").strip()
    return (name[0] + "*" * min(len(name) - 1, 2)) if name else "匿名网友"


def china_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:  # SQLite returns naive UTC
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA).strftime(fmt)


def actor_names(session, usernames) -> dict[str, str]:
    """username → display name for the people among ``usernames``; system actors in Chinese."""
    from sqlalchemy import select

    from hotline.models import User

    wanted = {u for u in usernames if u and u not in SYSTEM_ACTORS}
    names = dict(SYSTEM_ACTORS)
    if wanted:
        rows = session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
        names.update({username: display for username, display in rows})
    return names
