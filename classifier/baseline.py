"""The keyword-rule baseline the intent model is measured against (six lines, as agents would write it)."""

from __future__ import annotations


def rule_intent(text: str) -> str:
    if "建议" in text or "希望" in text:
        return "suggestion"
    if "请问" in text or "咨询" in text:
        return "consultation"
    if "预约" in text or "上门" in text:
        return "appointment"
    return "complaint"
