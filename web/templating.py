"""Jinja2 templates with the zh-CN filters every page uses. Autoescaping is always on."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from web import labels

TEMPLATES_DIR = Path(__file__).parent / "templates"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.autoescape = True
    env.filters["cn_time"] = labels.china_time
    env.filters["intent_label"] = lambda v: labels.label(labels.INTENT, v)
    env.filters["channel_label"] = lambda v: labels.label(labels.CHANNEL, v)
    env.filters["status_label"] = lambda v: labels.label(labels.STATUS, v)
    env.filters["level_label"] = lambda v: labels.label(labels.LEVEL, v)
    env.filters["language_label"] = lambda v: labels.label(labels.LANGUAGE, v)
    env.filters["transcript_label"] = lambda v: labels.label(labels.TRANSCRIPT, v)
    return templates
