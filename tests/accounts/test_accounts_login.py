"""Login with lockout, password policy and changes, user management, audit records."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline.accounts.audit import list_audit
from hotline.accounts.authentication import (
    LockoutPolicy,
    authenticate,
    change_password,
    password_problems,
)
from hotline.accounts.errors import AccountError, LoginFailed
from hotline.accounts.users import create_user, reset_password, set_user_active, update_user
from hotline.models import Department, Role, User

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GOOD = "Grassland-2026"


@pytest.fixture
def admin(db_session):
    from hotline.accounts.passwords import hash_password

    user = User(username="root-admin", display_name="管理员", role=Role.admin,
                password_hash=hash_password(GOOD), must_change_password=False, failed_logins=0, active=True)
    db_session.add(user)
    db_session.flush()
    return user


@pytest.fixture
def agent(db_session, admin):
    user, otp = create_user(db_session, actor=admin, username="wang.li", display_name="王丽", role=Role.agent,
                            now=NOW)
    change_password(db_session, user=user, old_password=otp, new_password=GOOD, now=NOW)
    return user


def login(session, password, at=NOW, **kw):
    return authenticate(session, username="wang.li", password=password, now=at, ip="10.0.0.8", **kw)


def test_first_login_with_the_one_time_password_must_change_it(db_session, admin):
    user, otp = create_user(db_session, actor=admin, username="li.na", display_name="李娜", role=Role.agent,
                            now=NOW)
    assert len(otp) >= 12 and otp not in user.password_hash
    logged_in = authenticate(db_session, username="li.na", password=otp, now=NOW)
    assert logged_in is user and user.must_change_password
    with pytest.raises(AccountError) as err:
        change_password(db_session, user=user, old_password=otp, new_password="short1", now=NOW)
    assert err.value.code == "weak_password" and "至少 10 个字符" in err.value.message
    with pytest.raises(AccountError) as err:
        change_password(db_session, user=user, old_password="wrong", new_password=GOOD, now=NOW)
    assert err.value.code == "wrong_password"
    change_password(db_session, user=user, old_password=otp, new_password=GOOD, now=NOW)
    assert not user.must_change_password
    assert authenticate(db_session, username="li.na", password=GOOD, now=NOW) is user
    with pytest.raises(LoginFailed):
        authenticate(db_session, username="li.na", password=otp, now=NOW)


def test_password_policy():
    assert password_problems(GOOD, username="wang.li") == []
    assert password_problems("aaaaaaaaaaaa", username="x") != []
    assert password_problems("wang.li-2026X", username="wang.li") == ["不能包含用户名"]
    assert password_problems("alllowercaseletters", username="x") == [
        "至少包含小写字母、大写字母、数字、符号中的 2 类"]


def test_failures_throttle_the_name_from_that_address_only_then_pass(db_session, agent):
    """Issue 14, finding 5: a stranger's failures do not lock the owner out; the window passes."""
    policy = LockoutPolicy(max_failures=3, max_failures_per_ip=50, lock_minutes=15)
    for _ in range(3):
        with pytest.raises(LoginFailed) as err:
            login(db_session, "wrong-password", policy=policy)
        assert err.value.code == "invalid_credentials" and err.value.message == "用户名或密码错误。"
    with pytest.raises(LoginFailed) as err:  # even the right password, from the guessing address
        login(db_session, GOOD, at=NOW + timedelta(minutes=14), policy=policy)
    assert err.value.code == "rate_limited" and "15 分钟" in err.value.message
    owner = authenticate(db_session, username="wang.li", password=GOOD, now=NOW + timedelta(minutes=1),
                         ip="10.0.0.99", policy=policy)  # the owner, elsewhere, is not locked out
    db_session.expire_all()
    stored = db_session.scalar(select(User).where(User.username == "wang.li"))
    assert owner is stored and stored.locked_until is None
    assert login(db_session, GOOD, at=NOW + timedelta(minutes=15), policy=policy) is stored
    actions = [(r.action, r.details.get("reason")) for r in reversed(list_audit(db_session, actor="wang.li"))
               if r.action.startswith("login")]
    assert actions == [("login.failed", "wrong_password")] * 3 + [
        ("login", None), ("login.throttled", "name_from_ip"), ("login", None)]  # in time order


def test_unknown_and_known_names_answer_alike_and_one_address_is_throttled(db_session, agent):
    policy = LockoutPolicy(max_failures=3, max_failures_per_ip=5, lock_minutes=15)
    answers = []
    for name in ("wang.li", "nobody", "wang.li", "nobody"):
        with pytest.raises(LoginFailed) as err:
            authenticate(db_session, username=name, password="wrong-password", now=NOW, ip="10.0.0.7",
                         policy=policy)
        answers.append((name, err.value.code, err.value.message))
    assert {a[1:] for a in answers} == {("invalid_credentials", "用户名或密码错误。")}
    with pytest.raises(LoginFailed):
        authenticate(db_session, username="other", password="x", now=NOW, ip="10.0.0.7", policy=policy)
    for name in ("wang.li", "nobody", "third"):  # five failures from one address: it is refused
        with pytest.raises(LoginFailed) as err:
            authenticate(db_session, username=name, password=GOOD, now=NOW, ip="10.0.0.7", policy=policy)
        assert err.value.code == "rate_limited"
    assert authenticate(db_session, username="wang.li", password=GOOD, now=NOW, ip="10.0.0.8",
                        policy=policy).username == "wang.li"


@pytest.mark.parametrize("weak", ["password12", "Password1!", "qwertyuiop1", "12345678aA", "woaini1314!",
                                  "Qwerty123!", "P@ssw0rd2024", "iloveyou12", "abc123ABC!", "aaaaaaaaaa",
                                  "wang.li-2026X"])
def test_weak_and_common_passwords_are_refused(weak):
    assert password_problems(weak, username="wang.li"), weak


def test_unknown_and_disabled_accounts(db_session, admin, agent):
    with pytest.raises(LoginFailed) as err:
        authenticate(db_session, username="nobody", password=GOOD, now=NOW)
    assert err.value.code == "invalid_credentials"
    set_user_active(db_session, actor=admin, user_id=agent.id, active=False, now=NOW)
    with pytest.raises(LoginFailed) as err:
        login(db_session, GOOD)
    assert err.value.code == "account_disabled"
    with pytest.raises(LoginFailed) as err:  # a wrong password does not reveal that the account is disabled
        login(db_session, "wrong-password")
    assert err.value.code == "invalid_credentials"
    set_user_active(db_session, actor=admin, user_id=agent.id, active=True, now=NOW)
    assert login(db_session, GOOD) is agent


def test_admin_resets_a_password_and_unlocks(db_session, admin, agent):
    agent.locked_until = NOW + timedelta(hours=1)
    user, otp = reset_password(db_session, actor=admin, user_id=agent.id, now=NOW, ip="10.0.0.1")
    assert user.must_change_password and user.locked_until is None
    assert login(db_session, otp) is agent
    with pytest.raises(LoginFailed):
        login(db_session, GOOD)


def test_only_admins_manage_users_and_handlers_need_a_unit(db_session, admin, agent):
    with pytest.raises(AccountError) as err:
        create_user(db_session, actor=agent, username="x.y", display_name="某", role=Role.agent, now=NOW)
    assert err.value.code == "forbidden"
    with pytest.raises(AccountError) as err:
        create_user(db_session, actor=admin, username="h.one", display_name="承办", role=Role.handler,
                    now=NOW)
    assert err.value.code == "invalid_input"
    with pytest.raises(AccountError) as err:
        create_user(db_session, actor=admin, username="wang.li", display_name="重名", role=Role.agent,
                    now=NOW)
    assert err.value.code == "username_taken"
    with pytest.raises(AccountError) as err:
        create_user(db_session, actor=admin, username="有 空格", display_name="x", role=Role.agent, now=NOW)
    assert err.value.code == "invalid_input"
    ybj = db_session.scalar(select(Department).where(Department.code == "ybj"))
    handler, _ = create_user(db_session, actor=admin, username="h.ybj", display_name="医保承办",
                             role=Role.handler, department_id=ybj.id, now=NOW)
    with pytest.raises(AccountError) as err:
        update_user(db_session, actor=admin, user_id=handler.id, department_id=None, now=NOW)
    assert err.value.code == "invalid_input" and handler.department_id == ybj.id
    update_user(db_session, actor=admin, user_id=agent.id, role=Role.supervisor, display_name="王丽（督办）",
                now=NOW, ip="10.0.0.1")
    [record] = list_audit(db_session, action="user.update", object_id=agent.id)
    assert record.details == {"display_name": ["王丽", "王丽（督办）"], "role": ["agent", "supervisor"]}
    assert record.actor == "root-admin" and record.ip == "10.0.0.1"
    with pytest.raises(AccountError) as err:
        set_user_active(db_session, actor=admin, user_id=admin.id, active=False, now=NOW)
    assert err.value.code == "forbidden"
    actions = {r.action for r in list_audit(db_session, actor="root-admin")}
    assert {"user.create", "user.update"} <= actions
