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
    "sign_reply": "签收并答复",
    "urge": "催办",
    "supervision_opinion": "督办意见",
    "transcribed": "录音转写完成",
    "transcribe_failed": "录音转写失败",
    "transcript_corrected": "复听校对",
    "yellow_card": "黄牌督办",
    "red_card": "红牌督办（督办单）",
    "sla_warning": "临期预警",
}


def percent(value: float | None) -> str:
    """0.613 -> '61%'; None -> '—' (speech confidence and coverage)."""
    return "—" if value is None else f"{value:.0%}"


def event_label(action: str | None) -> str:
    """A timeline/audit action in Chinese: the lifecycle rule's label, else EVENT."""
    from hotline.cases.transitions import RULES

    if action is None:
        return "—"
    rule = RULES.get(action)
    return rule.label if rule else EVENT.get(action, action)


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
    "blocked": "黑名单号码，已播放提示并挂断",
}
NOTICE = {
    "password_changed": "密码已修改。",
    "dispatched": "已派单",
    "answered": "已直接答复",
    "saved": "受理信息已保存",
    "created": "工单已录入",
    "replied": "已签收并答复",
    "template_saved": "答复模板已保存。",
    "urged": "已催办，承办单位将在待办中看到。",
    "opinion": "督办意见已记录。",
    "yellow_card": "已亮黄牌，承办单位将在待办中看到",
    "red_card": "已发红牌督办单，承办单位及其负责人将收到通知",
    "card_bad": "亮牌未成功：请选择黄牌或红牌并填写理由（只有办理中的工单可以亮牌）。",
    "bulk_urged": "已批量催办",
    "bulk_none": "请先勾选要催办的工单。",
    "nuisance_flagged": "已标记为骚扰来电，待督办人员确认后生效。",
    "nuisance_bad": "标记未成功：请填写标记原因（只有电话来电可以标记）。",
    "nuisance_added": "号码已加入黑名单。",
    "nuisance_confirm": "已确认，号码加入黑名单。",
    "nuisance_reject": "已驳回该标记。",
    "nuisance_lift": "已解除黑名单。",
}
NUISANCE_STATE = {"pending": "待确认", "active": "生效中", "rejected": "已驳回", "lifted": "已解除",
                  "expired": "已到期"}
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


AUDIT_ACTION = {
    "case.view": "查看工单",
    "case.track": "群众查询进度",
    "login.failed": "登录失败",
    "login.success": "登录",
    "user.create": "新建账户",
    "user.update": "修改账户",
    "user.disable": "停用账户",
    "user.enable": "启用账户",
    "user.reset_password": "重置密码",
    "user.change_password": "修改密码",
    "calendar.set": "设置节假日",
    "calendar.remove": "删除节假日设置",
    "callback.answer": "回访结果",
    "callback.opt_in": "恢复回访",
    "callback.opt_out": "拒绝回访登记",
    "callback.verdict": "回访质检",
    "privacy.unmask": "查看完整号码",
    "login.throttled": "登录受限（失败过多）",
    "recording.play": "播放录音",
    "recording.purge": "按保留期限清理录音",
    "analytics.export": "导出统计数据",
    "kb.import": "导入服务事项目录",
    "kb.change.submit": "提交事项变更",
    "kb.change.publish": "审核发布事项变更",
    "kb.change.reject": "退回事项变更",
    "kb.rollback": "回滚服务事项",
    "resident.register": "登记特殊群体居民",
    "resident.reveal": "查看特殊群体居民完整信息",
    "photo.view": "查看群众上传的照片",
    "nuisance.flag": "标记骚扰来电",
    "nuisance.add": "加入黑名单",
    "nuisance.confirm": "确认黑名单",
    "nuisance.reject": "驳回骚扰标记",
    "nuisance.lift": "解除黑名单",
}
AUDIT_OBJECT = {
    "case": "工单",
    "user": "账户",
    "calendar": "日历",
    "callback": "回访",
    "phone": "号码",
    "reply_template": "答复模板",
    "call": "通话",
    "service_item": "服务事项",
    "special_resident": "特殊群体居民",
}
DETAIL_KEY = {
    "page": "页面",
    "from": "原状态",
    "to": "新状态",
    "reason": "原因",
    "username": "账号",
    "role": "角色",
    "department_id": "部门",
    "site_id": "站点",
    "display_name": "姓名",
    "active": "启用",
    "kind": "类别",
    "name": "名称",
    "reply": "答复",
    "note": "说明",
    "result": "结果",
    "via": "方式",
    "case_id": "工单",
    "verdict": "质检结论",
    "appointment_id": "预约",
    "extension_id": "延期申请",
    "days": "天数",
    "approved": "批准",
    "master_id": "主工单",
    "duplicate_id": "重复工单",
    "satisfied": "满意",
    "due_at": "时限",
    "time_limit_days": "办理时限（工作日）",
    "pending_co_department_ids": "未答复协办部门",
    "co_department_ids": "协办部门",
    "coordinator_id": "协调人",
    "must_change_password": "须改密码",
    "changes": "变更",
    "corrections": "纠正",
    "field": "字段",
    "fields": "字段",
    "revision": "版本",
    "group": "群体",
}
DETAIL_VALUE = {
    "case_detail": "工单详情页",
    "unknown_user": "账号不存在",
    "locked": "账户已锁定",
    "disabled": "账户已停用",
    "wrong_password": "密码错误",
    "wrong_locality": "非本辖区",
    "unclear_ownership": "职责不清",
    "not_our_remit": "非本单位职责",
    "other": "其他",
    "satisfied": "满意",
    "dissatisfied": "不满意",
    "dtmf": "按键",
    "manual": "人工",
    "holiday": "节假日",
    "workday": "调休上班",
}


def _detail_value(key: str, value, departments: dict) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "、".join(_detail_value(key, v, departments) for v in value)
    if isinstance(value, dict):
        return "；".join(
            f"{DETAIL_KEY.get(k, '其他')}：{_detail_value(k, v, departments)}" for k, v in value.items()
        )
    if "department" in key and isinstance(value, int):
        return departments.get(value, f"第 {value} 号部门")
    text = str(value)
    for table in (STATUS, ROLE, DETAIL_VALUE, INTENT, CHANNEL):
        if text in table:
            return table[text]
    return text


def audit_details(details: dict | None, departments: dict | None = None) -> str:
    """An audit record's details as 中文 “键：值” pairs (no raw JSON, no snake_case keys)."""
    return "；".join(
        f"{DETAIL_KEY.get(k, '其他')}：{_detail_value(k, v, departments or {})}"
        for k, v in (details or {}).items()
    )


REPORT_KIND = {"daily": "日报", "weekly": "周报", "monthly": "月报"}


def kept_report_label(name: str) -> str:
    """daily-2026-03-03.xlsx → 日报 2026-03-03 (周报/月报: the first day of the period)."""
    kind, _, rest = name.partition("-")
    return f"{REPORT_KIND.get(kind, '报表')} {rest.removesuffix('.xlsx')}"
