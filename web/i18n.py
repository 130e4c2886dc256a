"""Message catalogues for the citizen pages: zh_CN (default) and mn_Mong (Mongolian, traditional script).

The ``.po`` files under ``web/locale`` are the source of truth (``hotline i18n extract`` refreshes them from
the templates and code). They are compiled in memory the first time a language is used in a process — no
``.mo`` build step, so a fresh ``pip install -e .`` and CI need nothing but Babel. Mongolian entries marked
``#, fuzzy`` (not yet reviewed by a banner translator) are shown anyway: a draft in the citizen's script is
better than Chinese, and ``hotline i18n unreviewed`` lists them for review.

The language is the ``hotline_lang`` cookie set by ``/lang/{locale}``; a signed-in staff member always
gets Chinese. The kiosk API also honours ``Accept-Language: mn``.
"""

from __future__ import annotations

import gettext as gettext_module
from functools import cache
from io import BytesIO
from pathlib import Path

from fastapi import Request

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "mn_Mong")
COOKIE = "hotline_lang"
HTML_LANG = {"zh_CN": "zh-CN", "mn_Mong": "mn-Mong"}
AUTONYMS = {"zh_CN": "中文", "mn_Mong": "ᠮᠣᠩᠭᠣᠯ"}  # each language named in itself: never translated


def N_(message: str) -> str:  # noqa: N802 — the gettext convention: marks a string for extraction
    return message


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> gettext_module.NullTranslations:
    """The compiled catalogue of ``locale`` (fuzzy entries included), built once per process."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    if locale not in LOCALES:
        return gettext_module.NullTranslations()
    with po_path(locale).open("rb") as f:
        catalog = read_po(f, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=True)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def pick_locale(value: str | None) -> str:
    return value if value in LOCALES else DEFAULT_LOCALE


def request_locale(request: Request) -> str:
    """The citizen's language: the cookie, else (for API clients) ``Accept-Language: mn…``; staff: zh_CN."""
    if getattr(request.state, "user", None) is not None:
        return DEFAULT_LOCALE
    cookie = request.cookies.get(COOKIE)
    if cookie:
        return pick_locale(cookie)
    accept = request.headers.get("accept-language", "").lower()
    return "mn_Mong" if accept.startswith("mn") else DEFAULT_LOCALE


def gettext_for(request: Request):
    return translations(request_locale(request)).gettext


def translate(request: Request, message: str) -> str:
    return gettext_for(request)(message) if message else message


def error_text(request: Request, exc: Exception) -> str:
    """A citizen-facing error in the request's language: the message template translated, then filled."""
    template = getattr(exc, "template", None) or getattr(exc, "message", None) or str(exc)
    return fill(translate(request, template), getattr(exc, "params", None))


def fill(message: str, params: dict | None) -> str:
    return message.format(**params) if params else message


def step_label(gettext, label: str) -> str:
    """A tracking-timeline label (hotline.cases.tracking.PUBLIC_STEPS, the ``{target}`` ones already filled
    with a unit's name) in the page's language; the unit's name stays as the data has it."""
    from hotline.cases.tracking import PUBLIC_STEPS

    for template in PUBLIC_STEPS.values():
        head, sep, tail = template.partition("{target}")
        if sep and label.startswith(head) and label.endswith(tail) and len(label) > len(head + tail):
            return gettext(template).format(target=label[len(head):len(label) - len(tail)])
    return gettext(label)


def template_context(request: Request) -> dict:
    locale = request_locale(request)
    t = translations(locale)
    mongolian = locale == "mn_Mong"
    return {
        "_": t.gettext,
        "gettext": t.gettext,
        "ngettext": t.ngettext,
        "locale": locale,
        "html_lang": HTML_LANG[locale],
        "autonyms": AUTONYMS,
        "item_name": lambda item: (item.name_mn or item.name) if mongolian else item.name,
        "step_label": lambda label: step_label(t.gettext, label),
    }
