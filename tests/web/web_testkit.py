"""Helpers for the web tests: build and serve the app, make users, sign in through the login form."""

from __future__ import annotations

import itertools
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from testkit.databases import migrated_engine

from hotline.accounts.passwords import hash_password
from hotline.accounts.web_sessions import csrf_token
from hotline.calls.registry import LiveCallRegistry
from hotline.calls.text_contacts import submit_text_contact
from hotline.cases.intake import Contact
from hotline.db import make_session_factory
from hotline.events import EventHub
from hotline.models import Channel, Department, Role, Site, User
from hotline.settings import load_settings
from web.app import create_app
from web.auth import SESSION_COOKIE
from web.context import WebContext

PASSWORD = "Correct-Horse-42"
KIOSK_KEY = "kiosk-test-key-0001"
_names = itertools.count(1)


def migrated_with_catalogue(url: str) -> Engine:
    return migrated_engine(url, catalogue=True)


def build_app(
    engine: Engine, analyze, tmp_path, hub: EventHub | None = None, registry: LiveCallRegistry | None = None,
    **settings: object,
) -> FastAPI:
    """The app on ``engine``; ``settings`` override the test settings (e.g. softphone_ws_url=...)."""
    ctx = WebContext(
        settings=load_settings(data_dir=tmp_path, env="test", **settings),
        session_factory=make_session_factory(engine),
        hub=hub or EventHub(),
        live_calls=registry if registry is not None else LiveCallRegistry(),  # an empty registry is falsy
        analyze=analyze,
        kiosk_api_keys=frozenset({KIOSK_KEY}),
    )
    return create_app(ctx)


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ws="none",
        timeout_graceful_shutdown=2,
    )  # open SSE streams must not hold the test
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-web-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


class WebClient(httpx.Client):
    """An httpx client for the served app that remembers the app (for the CSRF secret)."""

    def __init__(self, app: FastAPI, base_url: str) -> None:
        super().__init__(base_url=base_url, timeout=30)
        self.app = app
        self._others: list[WebClient] = []

    def new_browser(self) -> WebClient:
        """Another client (cookie jar) against the same server, closed with this one."""
        other = WebClient(self.app, str(self.base_url))
        self._others.append(other)
        return other

    def close(self) -> None:
        for other in self._others:
            other.close()
        super().close()

    def __exit__(self, *exc) -> None:
        self.close()


@cache
def _hash(password: str) -> str:
    return hash_password(password)


def make_user(
    engine: Engine,
    role: Role,
    *,
    department: str | None = None,
    site: str | None = None,
    must_change: bool = False,
    password: str = PASSWORD,
) -> str:
    """Commit a user with a known password; returns the unique username."""
    username = f"{role.value}{next(_names)}"
    with Session(engine) as session:
        dep_id = (
            session.scalar(select(Department.id).where(Department.code == department)) if department else None
        )
        site_id = session.scalar(select(Site.id).where(Site.code == site)) if site else None
        if role == Role.handler and dep_id is None and site_id is None:
            dep_id = session.scalar(select(Department.id).order_by(Department.id))
        session.add(
            User(
                username=username,
                display_name=f"测试{username}",
                role=role,
                password_hash=_hash(password),
                must_change_password=must_change,
                department_id=dep_id,
                site_id=site_id,
                failed_logins=0,
                active=True,
            )
        )
        session.commit()
    return username


def form_token_of(html: str) -> str:
    return re.search(r'name="form_token" value="([0-9a-f]+)"', html).group(1)


def login(client: httpx.Client, username: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "form_token": form_token_of(page.text)},
        follow_redirects=False,
    )


def csrf_of(client: httpx.Client) -> str:
    return csrf_token(client.app.state.ctx.settings.secret_key, client.cookies.get(SESSION_COOKIE))


def signed_in(client: httpx.Client, engine: Engine, role: Role, **user) -> str:
    username = make_user(engine, role, **user)
    assert login(client, username).status_code == 303
    return username


def new_case(
    app: FastAPI,
    text: str,
    *,
    phone: str = "13800001234",
    channel: Channel = Channel.web,
    name: str | None = None,
    title: str | None = None,
) -> int:
    """A case through the same intake as the public channels (real analysis)."""
    ctx = app.state.ctx
    contact = Contact(
        channel=channel,
        source_ref=f"test:{uuid.uuid4().hex}",
        text=text,
        citizen_phone=phone,
        citizen_name=name,
        title=title,
    )
    return submit_text_contact(ctx.session_factory, hub=ctx.hub, analyze=ctx.analyze, contact=contact).id


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form in a browser page."""
    page.goto(f"{base}/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_load_state()


def submit_public_form(client, **fields):
    """Fill and post the public web form (a fresh form token and submission id); returns (response, data)."""
    page = client.get("/public/submit")
    submission = re.search(r'name="submission_id" value="([0-9a-f]+)"', page.text).group(1)
    data = {
        "form_token": form_token_of(page.text),
        "submission_id": submission,
        "name": "李四",
        "phone": "139 0000 1111",
        "town": "上海庙镇",
        "text": "社保卡丢了怎么补办",
    } | fields
    return client.post("/public/submit", data=data), data


def page_of(browser, base: str, username: str | None = None, *, width: int = 1280, height: int = 900,
            **context):
    """A page in a fresh browser context (its own cookies), signed in as ``username`` when given."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", **context)
    page = context.new_page()
    if username:
        sign_in(page, base, username)
    return page
