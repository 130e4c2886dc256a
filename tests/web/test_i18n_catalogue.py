"""The citizen pages' message catalogues: every user-visible Chinese string is in the catalogue, every
message is translated in zh_CN and mn_Mong (Mongolian script, placeholders kept), Mongolian drafts carry a
review state listed by `hotline i18n unreviewed`, and the glossary's key terms are the ones the pages use."""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotline.cli.main import app as cli_app
from web.i18n import LOCALES
from web.i18n_catalog import (
    CITIZEN_MODULES,
    CITIZEN_TEMPLATES,
    HAN,
    WEB_DIR,
    extract,
    placeholder_mismatches,
    read_catalogue,
    unreviewed,
    untranslated,
)

ROOT = Path(__file__).resolve().parents[2]
MONGOLIAN = re.compile(r"[\u1800-\u18af]")
# Not words of a language: placeholders, markup and codes that stay as they are in every language.
VERBATIM = re.compile(r"\{\w+\}|%\(\w+\)s|<a href=\"/track\">|</a>|X-API-Key|API|request_id|\d[\w-]*")
STAFF_REGION = re.compile(r"\{# staff: zh-CN only #\}.*?\{# /staff #\}", re.S)
TRANSLATED = re.compile(r"\{% trans[^%]*%\}.*?\{% endtrans %\}|_\(\"(?:[^\"\\]|\\.)*\"\)", re.S)


def test_the_catalogues_hold_every_message_the_code_and_templates_mark():
    wanted = {m.id for m in extract() if m.id}
    assert len(wanted) > 100
    for locale in LOCALES:
        have = {m.id for m in read_catalogue(locale) if m.id}
        assert not wanted - have, f"{locale}: run `hotline i18n extract`: {sorted(wanted - have)}"
        assert not have - wanted, f"{locale}: messages no page uses any more: {sorted(have - wanted)}"


@pytest.mark.parametrize("template", CITIZEN_TEMPLATES)
def test_no_chinese_on_a_citizen_template_outside_the_catalogue(template):
    source = (WEB_DIR / "templates" / template).read_text(encoding="utf-8")
    left = TRANSLATED.sub("", STAFF_REGION.sub("", source))
    stray = [line.strip() for line in left.splitlines() if HAN.search(line)]
    assert not stray, f"{template}: wrap in _() or {{% trans %}}: {stray}"


@pytest.mark.parametrize("module", CITIZEN_MODULES)
def test_no_chinese_literal_in_citizen_code_outside_gettext(module):
    tree = ast.parse((WEB_DIR / module).read_text(encoding="utf-8"))
    marked, docstrings = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("_", "N_", "gettext"):
            marked.update(id(a) for a in node.args)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and ast.get_docstring(node):
            docstrings.add(id(node.body[0].value))
    stray = [
        f"line {node.lineno}: {ast.unparse(node)[:60]}"
        for node in ast.walk(tree)
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and HAN.search(node.value)
            and id(node) not in marked | docstrings)
        or (isinstance(node, ast.JoinedStr) and HAN.search(ast.unparse(node)))
    ]
    assert not stray, f"{module}: mark with N_() / _() (no f-strings: use {{name}} fields): {stray}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_with_its_placeholders(locale):
    assert untranslated(locale) == []
    assert placeholder_mismatches(locale) == []


def test_mongolian_translations_are_in_the_traditional_script():
    for message in read_catalogue("mn_Mong"):
        if not message.id:
            continue
        text = message.string
        assert MONGOLIAN.search(text), f"no Mongolian script for {message.id!r}: {text!r}"
        assert not HAN.search(text), f"Chinese left in the Mongolian of {message.id!r}: {text!r}"
        assert not re.search(r"[A-Za-z\u00c0-\u024f]", VERBATIM.sub("", text)), f"Latin in {text!r}"


def test_unreviewed_mongolian_is_listed_by_the_cli():
    drafts = unreviewed("mn_Mong")
    assert drafts, "the Mongolian catalogue is a draft until a banner translator reviews it"
    result = CliRunner().invoke(cli_app, ["i18n", "unreviewed"])
    assert result.exit_code == 0
    assert drafts[0].msgid in result.stdout and drafts[0].msgstr in result.stdout
    assert f"{len(drafts)} unreviewed in mn_Mong" in result.stderr
    assert unreviewed("zh_CN") == []  # Chinese is the source language
    check = CliRunner().invoke(cli_app, ["i18n", "check"])
    assert check.exit_code == 0, check.stderr


def test_the_glossary_terms_are_the_ones_the_pages_use():
    with (ROOT / "docs" / "glossary-mn.csv").open(encoding="utf-8") as f:
        glossary = {row["zh"]: row for row in csv.DictReader(f)}
    assert {"咨询", "投诉", "建议", "预约", "工单", "嘎查", "旗人力资源和社会保障局"} <= glossary.keys()
    assert all(MONGOLIAN.search(row["mn_Mong"]) for row in glossary.values())
    catalogue = {m.id: m.string for m in read_catalogue("mn_Mong") if m.id}
    for term in ("咨询", "投诉", "建议", "预约", "满意", "不满意", "办事指南", "网上诉求", "进度查询",
                 "百姓论坛"):
        assert catalogue[term] == glossary[term]["mn_Mong"], term


def test_the_language_control_switches_the_citizen_pages_and_remembers_the_choice(client):
    chinese = client.get("/guide")
    assert '<html lang="zh-CN">' in chinese.text and "办事指南" in chinese.text
    assert 'href="/lang/mn_Mong?next=/guide"' in chinese.text
    switched = client.get("/lang/mn_Mong", params={"next": "/guide"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/guide"
    assert "hotline_lang=mn_Mong" in switched.headers["set-cookie"]
    catalogue = {m.id: m.string for m in read_catalogue("mn_Mong") if m.id}
    for path, msgid in (("/guide", "办事指南"), ("/public/submit", "诉求内容（必填）"),
                        ("/track", "办理进度查询"), ("/forum", "我要发帖")):
        page = client.get(path)  # the cookie is remembered by the browser (here: the client's jar)
        assert '<html lang="mn-Mong">' in page.text and catalogue[msgid] in page.text, path
        assert msgid not in page.text, path
    wrong = client.post("/track", data={"code": "2611-XXXXXX", "last4": "0000",
                                        "form_token": re.search(r'name="form_token" value="(\w+)"',
                                                                client.get("/track").text).group(1)})
    assert catalogue["未找到该工单，请核对工单编号和登记电话的后四位。"] in wrong.text
    assert client.get("/lang/xx").status_code == 404
    assert client.get("/lang/zh_CN", params={"next": "//evil.example/"},
                      follow_redirects=False).headers["location"] == "/guide"  # no open redirect
    assert "办事指南" in client.get("/guide").text


def test_the_kiosk_api_answers_in_mongolian_when_asked(client):
    from web_testkit import KIOSK_KEY

    catalogue = {m.id: m.string for m in read_catalogue("mn_Mong") if m.id}
    headers = {"X-API-Key": KIOSK_KEY, "Accept-Language": "mn-Mong"}
    missing = client.get("/api/kiosk/v1/items/NO-SUCH", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["message"] == catalogue["服务事项 {item_code} 不存在或已停止办理。"].format(
        item_code="NO-SUCH")
    posted = client.post("/api/kiosk/v1/contacts", headers=headers,
                         json={"request_id": "mn-1", "text": "低保怎么申请", "phone": "13800005678"})
    assert posted.status_code == 201
    assert posted.json()["message"] == catalogue["已受理。凭工单编号和电话后四位可查询办理进度。"]
