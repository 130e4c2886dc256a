"""A Chinese UI shows no codes: crawl every page each role can reach from its home page and look in the
visible text for ASCII snake_case identifiers (enum values, event codes, detail keys) and for usernames where
a person's name belongs. An unexpected server error is a Chinese page too."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from web_testkit import WebClient, login, make_user, new_case, serve

from hotline.cases.coordination import request_extension
from hotline.cases.lifecycle import close_case, dispatch_case, reply_case, sign_case, start_handling
from hotline.models import Department, Role, User

SNAKE = re.compile(r"(?<![A-Za-z0-9_/.])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")
SKIP = ("/static/", "/logout", "/api/events", "/recording", "/export", ".csv", ".xlsx", "/api/")
MAX_PAGES = 70
ACCOUNT_PAGES = "/admin/users"
NAMES = {
    Role.agent: "王话务",
    Role.handler: "李承办",
    Role.analyst: "赵分析",
    Role.supervisor: "钱督办",
    Role.admin: "孙管理",
}


class VisibleText(HTMLParser):
    """Text a person reads (no scripts, styles, attribute values) and the links to follow."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "datalist"):
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "datalist"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def _worked_case(app, engine, agent: str, handler: str) -> None:
    case_id = new_case(app, "村里路灯坏了好几天，晚上出行不安全", phone="13900009999")
    with Session(engine) as session:
        a = session.scalar(select(User).where(User.username == agent))
        h = session.scalar(select(User).where(User.username == handler))
        dispatch_case(session, case_id=case_id, actor=a, department_id=h.department_id)
        sign_case(session, case_id=case_id, actor=h)
        start_handling(session, case_id=case_id, actor=h)
        reply_case(session, case_id=case_id, actor=h, reply="已安排维修。")
        close_case(session, case_id=case_id, actor=a)
        session.commit()
    waiting = new_case(app, "咨询社保卡补办需要什么材料", phone="13900009999")
    with Session(engine) as session:  # a handler asks for more time: their name shows on 督办 and the case
        a = session.scalar(select(User).where(User.username == agent))
        h = session.scalar(select(User).where(User.username == handler))
        dispatch_case(session, case_id=waiting, actor=a, department_id=h.department_id)
        sign_case(session, case_id=waiting, actor=h)
        request_extension(session, case_id=waiting, actor=h, days=3, reason="需要实地核查")
        session.commit()


def _crawl(client: WebClient, start: str) -> tuple[dict[str, set[str]], int]:
    found: dict[str, set[str]] = {}
    seen, queue = set(), [start]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, follow_redirects=True, headers={"accept": "text/html"})
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        parser = VisibleText()
        parser.feed(response.text)
        hits = set(SNAKE.findall(" ".join(parser.text)))
        if not path.startswith(ACCOUNT_PAGES):  # the account list is where usernames belong
            hits |= {u for u in client.usernames if u in " ".join(parser.text)}
        if hits:
            found[path] = hits
        for href in parser.links:
            url = urlparse(urljoin(str(response.url), href))
            if url.netloc != urlparse(str(client.base_url)).netloc or any(s in url.path for s in SKIP):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in seen and not re.search(r"[?&]page=\d{2,}", target):
                queue.append(target)
    return found, len(seen)


def test_no_codes_or_usernames_on_any_page_a_role_reaches(app, web_engine):
    users = {
        role: make_user(web_engine, role, department="zzb" if role == Role.handler else None)
        for role in NAMES
    }
    with Session(web_engine) as session:
        for role, username in users.items():
            session.execute(update(User).where(User.username == username).values(display_name=NAMES[role]))
        session.commit()
        assert session.scalar(select(Department.id).where(Department.code == "zzb"))
    _worked_case(app, web_engine, users[Role.agent], users[Role.handler])
    with serve(app) as base:
        problems, crawled = {}, {}
        for role, username in users.items():
            with WebClient(app, base) as client:
                client.usernames = set(users.values())
                assert login(client, username).status_code == 303
                found, pages = _crawl(client, "/")
                crawled[role] = pages
                for path, hits in found.items():
                    problems[f"{role.value} {path}"] = sorted(hits)
    assert min(crawled.values()) >= 3 and crawled[Role.admin] >= 15, crawled
    assert problems == {}, "codes or usernames shown to people:\n" + "\n".join(
        f"{page}: {hits}" for page, hits in sorted(problems.items())
    )


@pytest.mark.filterwarnings("ignore")
def test_an_unexpected_error_is_a_chinese_page(app):
    def boom():
        raise RuntimeError("database exploded: secret internals")

    app.add_api_route("/boom-for-test", boom)
    with serve(app) as base, WebClient(app, base) as client:
        page = client.get("/boom-for-test", headers={"accept": "text/html"})
        assert page.status_code == 500
        assert "系统内部错误" in page.text and "secret internals" not in page.text
        assert "Internal Server Error" not in page.text
