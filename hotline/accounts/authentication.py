"""Login with lockout after repeated failures, and password changes under a minimum policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.accounts.errors import AccountError, LoginFailed
from hotline.accounts.passwords import hash_password, verify_password
from hotline.accounts.timestamps import as_utc, as_utc_or_none, china_clock
from hotline.models import User


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5  # consecutive wrong passwords before the account locks
    lock_minutes: int = 15


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 10
    min_classes: int = 2  # of: lower case, upper case, digits, other characters


DEFAULT_LOCKOUT = LockoutPolicy()
DEFAULT_PASSWORD_POLICY = PasswordPolicy()


@cache
def _dummy_hash() -> str:
    return hash_password("no-such-user-timing-equaliser")


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    now: datetime,
    ip: str | None = None,
    policy: LockoutPolicy = DEFAULT_LOCKOUT,
) -> User:
    """Return the user, or raise :class:`LoginFailed` (commit the session anyway: it holds the failure
    count and the audit record). A user with ``must_change_password`` must be sent to change it first."""
    now = as_utc(now)
    name = username.strip()
    user = session.scalar(select(User).where(User.username == name)) if name else None
    if user is None:
        verify_password(_dummy_hash(), password)  # same work as for a real account
        record_audit(session, actor=name or "anonymous", action="login.failed", object_type="user",
                     ip=ip, at=now, details={"reason": "unknown_user"})
        raise LoginFailed("invalid_credentials", "用户名或密码错误。")
    locked_until = as_utc_or_none(user.locked_until)
    if locked_until and locked_until > now:
        record_audit(session, actor=user, action="login.failed", object_type="user", object_id=user.id,
                     ip=ip, at=now, details={"reason": "locked"})
        raise _locked(locked_until)
    if not verify_password(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        reason = "wrong_password"
        if user.failed_logins >= policy.max_failures:
            user.locked_until = now + timedelta(minutes=policy.lock_minutes)
            user.failed_logins = 0
            reason = "locked_now"
        record_audit(session, actor=user, action="login.failed", object_type="user", object_id=user.id,
                     ip=ip, at=now, details={"reason": reason})
        session.flush()
        if reason == "locked_now":
            raise _locked(user.locked_until)
        left = policy.max_failures - user.failed_logins
        raise LoginFailed("invalid_credentials", f"用户名或密码错误。再错 {left} 次账户将被锁定 "
                          f"{policy.lock_minutes} 分钟。", attempts_left=left)
    if not user.active:
        record_audit(session, actor=user, action="login.failed", object_type="user", object_id=user.id,
                     ip=ip, at=now, details={"reason": "disabled"})
        raise LoginFailed("account_disabled", "账户已停用，请联系系统管理员。")
    user.failed_logins = 0
    user.locked_until = None
    record_audit(session, actor=user, action="login", object_type="user", object_id=user.id, ip=ip, at=now)
    session.flush()
    return user


def _locked(until: datetime) -> LoginFailed:
    message = (f"密码连续错误次数过多，账户已锁定至 {china_clock(until)}（北京时间）；"
               "请届时再试，或请系统管理员重置密码。")
    return LoginFailed("account_locked", message, locked_until=until.isoformat())


def password_problems(password: str, *, username: str, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY
                      ) -> list[str]:
    """What is wrong with a new password, in Chinese; empty when acceptable."""
    problems = []
    if len(password) < policy.min_length:
        problems.append(f"至少 {policy.min_length} 个字符")
    classes = sum([any(c.islower() for c in password), any(c.isupper() for c in password),
                   any(c.isdigit() for c in password), any(not c.isalnum() for c in password)])
    if classes < policy.min_classes:
        problems.append(f"至少包含小写字母、大写字母、数字、符号中的 {policy.min_classes} 类")
    if username and username.lower() in password.lower():
        problems.append("不能包含用户名")
    if password and len(set(password)) <= 2:
        problems.append("不能由重复字符组成")
    return problems


def set_password(user: User, new_password: str, *, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY) -> None:
    problems = password_problems(new_password, username=user.username, policy=policy)
    if problems:
        message = "新密码不符合要求：" + "；".join(problems) + "。"
        raise AccountError("weak_password", message, problems=problems)
    user.password_hash = hash_password(new_password)


def change_password(
    session: Session,
    *,
    user: User,
    old_password: str,
    new_password: str,
    now: datetime,
    ip: str | None = None,
    keep_session_id: int | None = None,
    policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
) -> User:
    """The user's own change (also the forced one at first login). Ends the user's other sessions."""
    from hotline.accounts.web_sessions import revoke_user_sessions

    if not verify_password(user.password_hash, old_password):
        raise AccountError("wrong_password", "当前密码不正确。")
    if old_password == new_password:
        raise AccountError("weak_password", "新密码不能与当前密码相同。", problems=["与当前密码相同"])
    set_password(user, new_password, policy=policy)
    user.must_change_password = False
    revoke_user_sessions(session, user_id=user.id, now=now, except_session_id=keep_session_id)
    record_audit(session, actor=user, action="user.change_password", object_type="user", object_id=user.id,
                 ip=ip, at=now)
    session.flush()
    return user
