"""Every internal link and GET form reachable as each role, on SQLite and PostgreSQL: no 5xx (issue 14.10).

The crawl starts at the role's home page, follows ``href`` links and submits GET forms (筛选) with their
shown values, and visits each page shape (path with ids as N, sorted query keys) a few times, so a broken
pager or filter is reached without walking thousands of cases.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from web_testkit import login, make_user

from hotline.demo.seed import seed_demo_cases
from hotline.models import Role

PAGES_PER_ROLE = 30
VISITS_PER_SHAPE = 1
SKIP = ("/static/", "/api/events")  # assets, the endless SSE stream


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.urls.append(a["href"])
        elif tag == "form" and (a.get("method") or "get").lower() == "get":
            self._form = {"action": a.get("action") or "", "fields": []}
        elif self._form is not None and tag in ("input", "select") and a.get("name"):
            if a.get("type") not in ("checkbox", "radio", "submit") or "checked" in a:
                self._form["fields"].append((a["name"], a.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            query = urlencode(self._form["fields"])
            self.urls.append(f"{self._form['action']}?{query}" if query else self._form["action"])
            self._form = None


def _shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({p.split("=")[0] for p in parts.query.split("&") if p})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(client, start: str) -> tuple[int, list[tuple[str, int]]]:
    """(pages fetched, [(url, status) for every 5xx])."""
    base = str(client.base_url)
    queue, seen, shapes, errors, fetched = deque([start]), {start}, Counter(), [], 0
    while queue and fetched < PAGES_PER_ROLE:
        url = queue.popleft()
        shapes[_shape(url)] += 1
        with client.stream("GET", url, follow_redirects=True) as response:
            fetched += 1
            if response.status_code >= 500:
                errors.append((url, response.status_code))
            kind = response.headers.get("content-type", "")
            body = response.read().decode("utf-8", "replace") if kind.startswith("text/html") else ""
        parser = _Links()
        parser.feed(body)
        for href in parser.urls:
            target = urljoin(base + url.split("?")[0], href)
            if not target.startswith(base):
                continue
            path = target[len(base):].split("#")[0] or "/"
            if path in seen or path.startswith(SKIP) or shapes[_shape(path)] >= VISITS_PER_SHAPE:
                continue
            seen.add(path)
            queue.append(path)
    return fetched, errors


@pytest.fixture(scope="module")
def crawl_data(any_client):
    seed_demo_cases(any_client.engine, cases=120, days=30, seed=5, batch=120)
    return any_client


@pytest.mark.parametrize("role", [None, *Role])
def test_every_link_as_each_role_answers_without_a_server_error(crawl_data, role):
    client = crawl_data.new_browser()
    if role is not None:
        user = make_user(crawl_data.engine, role)
        assert login(client, user).status_code == 303
    start = {None: "/guide", Role.handler: "/my/cases"}.get(role, "/")
    fetched, errors = crawl(client, start)
    assert not errors, errors
    assert fetched >= (5 if role is None else 8)
