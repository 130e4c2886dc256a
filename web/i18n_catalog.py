"""Keeping the message catalogues true: extraction (Babel), update of the ``.po`` files, review state.

Extraction reads ``_()``/``N_()``/``{% trans %}`` in ``web`` (see ``babel.cfg`` for the same map used by
``pybabel``) and adds the labels the citizen pages show from the domain (case status, tracking steps,
appointment kinds, intents, zones, tracking/rating errors), which exist as data rather than as calls.

Review state: a Mongolian entry stays ``#, fuzzy`` until a banner translator has checked it; the translator
removes the flag (any PO editor does this with "mark as reviewed"). ``hotline i18n unreviewed`` lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from web.i18n import DEFAULT_LOCALE, DOMAIN, LOCALE_DIR, LOCALES, po_path

WEB_DIR = Path(__file__).parent
METHOD_MAP = [("templates/**.html", "jinja2"), ("**.py", "python")]
# What a citizen sees: these templates and modules must hold no Chinese outside the catalogue.
CITIZEN_TEMPLATES = ("base.html", "_public_fields.html", "_time_limit.html", "error.html", "forum.html",
                     "guide.html", "guide_item.html", "public_done.html", "public_submit.html", "track.html")
CITIZEN_MODULES = ("routes/public_pages.py", "routes/public_forum.py", "routes/public_rating.py",
                   "routes/kiosk.py", "routes/language.py", "public_guard.py", "errors.py")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")


def domain_messages() -> list[str]:
    """Labels and messages the citizen pages take from the domain, translated at display time."""
    from hotline.cases.appointments import KIND_LABELS
    from hotline.cases.tracking import NOT_FOUND, PUBLIC_STEPS
    from hotline.cases.transitions import STATUS_LABELS
    from hotline.seeding import read_seed_csv
    from web.labels import INTENT

    messages = [NOT_FOUND, "请输入工单编号和登记电话的后四位数字。", "请选择评价：满意、基本满意或不满意。",
                "工单办结后才能评价；已评价或正在重新办理的工单不能再次评价。",
                "该工单已经评价过了，感谢您的反馈。"]
    messages += list(STATUS_LABELS.values()) + list(PUBLIC_STEPS.values()) + list(KIND_LABELS.values())
    messages += list(INTENT.values()) + [row["name"] for row in read_seed_csv("zones.csv")]
    messages += sorted({row["town"] for row in read_seed_csv("sites.csv") if row["town"]})  # the form's towns
    return list(dict.fromkeys(messages))


def extract() -> Catalog:
    """The template catalogue (``messages.pot``) as the code and templates stand now."""
    catalog = Catalog(project="hotline-7812345", domain=DOMAIN, fuzzy=False)
    for filename, lineno, message, comments, _context in extract_from_dir(str(WEB_DIR), METHOD_MAP):
        if isinstance(message, tuple):  # ngettext: singular and plural
            message = message[0]
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments)
    for message in domain_messages():
        if message not in catalog:
            catalog.add(message, auto_comments=["domain label (hotline.*), shown on citizen pages"])
    return catalog


def read_catalogue(locale: str) -> Catalog:
    with po_path(locale).open("rb") as f:
        return read_po(f, locale=locale)


def write_catalogue(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, include_previous=False)


def update_catalogues() -> dict[str, int]:
    """Write ``messages.pot`` and merge it into each ``.po``; returns the new entries per language. New
    Chinese entries translate to themselves; new Mongolian entries are empty and fuzzy (to translate)."""
    template = extract()
    write_catalogue(template, LOCALE_DIR / f"{DOMAIN}.pot")
    added: dict[str, int] = {}
    for locale in LOCALES:
        catalog = (read_catalogue(locale) if po_path(locale).exists()
                   else Catalog(locale=locale, domain=DOMAIN, project="hotline-7812345", fuzzy=False))
        before = {m.id for m in catalog if m.id}
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        added[locale] = 0
        for message in catalog:
            if message.id and message.id not in before:
                added[locale] += 1
                if locale == DEFAULT_LOCALE:
                    message.string = message.id
                else:
                    message.string = ""
                    message.flags.add("fuzzy")
        catalog.fuzzy = False
        write_catalogue(catalog, po_path(locale))
    return added


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgstr: str
    locations: tuple[str, ...]


def _entries(locale: str, keep) -> list[Entry]:
    return [Entry(str(m.id), str(m.string or ""), tuple(f"{f}:{n}" for f, n in m.locations))
            for m in read_catalogue(locale) if m.id and keep(m)]


def unreviewed(locale: str = "mn_Mong") -> list[Entry]:
    """Entries still marked ``#, fuzzy``: translated as a draft, not yet checked by a translator."""
    return _entries(locale, lambda m: m.fuzzy)


def untranslated(locale: str) -> list[Entry]:
    return _entries(locale, lambda m: not m.string)


def placeholder_mismatches(locale: str) -> list[Entry]:
    """Translations that lost or invented a ``{name}``/``%(name)s`` field (the page would break)."""
    return _entries(locale, lambda m: m.string and
                    sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string)))
