"""Label ids and their display labels.

Labels are stored as snake_case ids (the ORM/enum convention of the project); Chinese display labels belong
to the UI and come from :data:`INTENT_DISPLAY`. The label set itself is whatever the training data holds,
so adding an intent means adding rows (and, optionally, a display label here or in the model metadata).
"""

from __future__ import annotations

INTENTS = ("consultation", "complaint", "appointment", "suggestion")
INTENT_DISPLAY = {"consultation": "咨询", "complaint": "投诉", "appointment": "预约", "suggestion": "建议"}
_FROM_DISPLAY = {v: k for k, v in INTENT_DISPLAY.items()}


def display_label(label: str, extra: dict[str, str] | None = None) -> str:
    """Chinese display label of ``label`` (itself when unknown)."""
    return (extra or {}).get(label) or INTENT_DISPLAY.get(label, label)


def intent_id(label: str) -> str:
    """Accept either the id or the Chinese display label (咨询 -> consultation)."""
    label = label.strip()
    return _FROM_DISPLAY.get(label, label)
