"""Display labels (zh-CN) for stored enum values: the database keeps snake_case, the UI speaks Chinese."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")

INTENT = {"consultation": "咨询", "complaint": "投诉", "appointment": "预约", "suggestion": "建议"}
CHANNEL = {"phone": "电话", "web": "网站", "forum": "百姓论坛", "kiosk": "自助终端"}
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
LEVEL = {"banner": "旗级", "town": "镇级", "village": "嘎查村级", "grid": "网格（党员中心户）"}
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
    "grid_task": "转党员中心户",
    "offline_step": "中转办线下步骤",
    "home_visit": "红色服务队上门",
    "offline_step_done": "线下步骤完成",
    "grid_outcome": "中心户办理结果",
    "confirm_intake": "确认受理信息",
    "book_appointment": "预约",
    "cancel_appointment": "取消预约",
    "merged_duplicate": "并入重复工单",
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
