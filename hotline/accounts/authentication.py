"""Login with throttling of repeated failures, and password changes under a strength policy.

Throttling counts the ``login.failed`` audit rows of the last ``window_minutes``:

- per (user name, address): after ``max_failures`` the name is refused *from that address* until the
  window passes — the right password from anywhere else still works, so a stranger cannot lock anyone out;
- per address: after ``max_failures_per_ip`` failures (any names) the address is refused altogether.

A refused attempt is audited as ``login.throttled`` (it does not extend the window). Known and unknown
names get the same answers and the same work, so the login form does not reveal who has an account.
New passwords must score at least ``min_score`` (0–4) on zxcvbn, a maintained strength estimator that
knows common passwords, keyboard walks, dates and names, and must not be on ``common_passwords.txt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.accounts.errors import AccountError, LoginFailed
from hotline.accounts.passwords import hash_password, verify_password
from hotline.accounts.timestamps import as_utc, as_utc_or_none, china_clock
from hotline.models import AuditRecord, User

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
INVALID = "用户名或密码错误。"


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5  # wrong passwords for one name from one address within the window
    max_failures_per_ip: int = 20  # wrong passwords for any names from one address within the window
    lock_minutes: int = 15  # the window


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 10
    min_classes: int = 2  # of: lower case, upper case, digits, other characters
    min_score: int = 3  # zxcvbn: 3 = "safely unguessable", about 10^8 guesses


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
    name = username.strip()[:64]
    throttled = _throttle_reason(session, name=name, ip=ip, now=now, policy=policy)
    if throttled:
        record_audit(session, actor=name or "anonymous", action="login.throttled", object_type="user",
                     ip=ip, at=now, details={"reason": throttled})
        raise LoginFailed("rate_limited", f"登录失败次数过多，请 {policy.lock_minutes} 分钟后再试；"
                          "忘记密码请联系系统管理员重置。")
    user = session.scalar(select(User).where(User.username == name)) if name else None
    if user is None:
        verify_password(_dummy_hash(), password)  # same work as for a real account
        record_audit(session, actor=name or "anonymous", action="login.failed", object_type="user",
                     ip=ip, at=now, details={"reason": "unknown_user"})
        raise LoginFailed("invalid_credentials", INVALID)
    if not verify_password(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        record_audit(session, actor=user, action="login.failed", object_type="user", object_id=user.id,
                     ip=ip, at=now, details={"reason": "wrong_password"})
        session.flush()
        raise LoginFailed("invalid_credentials", INVALID)
    locked_until = as_utc_or_none(user.locked_until)  # only an administrator's lock; failures never set it
    if locked_until and locked_until > now:
        record_audit(session, actor=user, action="login.failed", object_type="user", object_id=user.id,
                     ip=ip, at=now, details={"reason": "locked"})
        raise _locked(locked_until)
    if not user.active:
        record_audit(session, actor=user, action="login.failed", object_type="user", object_id=user.id,
                     ip=ip, at=now, details={"reason": "disabled"})
        raise LoginFailed("account_disabled", "账户已停用，请联系系统管理员。")
    user.failed_logins = 0
    user.locked_until = None
    record_audit(session, actor=user, action="login", object_type="user", object_id=user.id, ip=ip, at=now)
    session.flush()
    return user


def _throttle_reason(session: Session, *, name: str, ip: str | None, now: datetime,
                     policy: LockoutPolicy) -> str | None:
    """"ip" or "name_from_ip" when this attempt must be refused unchecked; None to go on."""
    since = now - timedelta(minutes=policy.lock_minutes)
    from_ip = AuditRecord.ip == ip if ip is not None else AuditRecord.ip.is_(None)
    failures = select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "login.failed", AuditRecord.at > since, from_ip)
    if (session.scalar(failures) or 0) >= policy.max_failures_per_ip:
        return "ip"
    last_success = session.scalar(select(func.max(AuditRecord.at)).where(
        AuditRecord.action == "login", AuditRecord.actor == (name or "anonymous"), from_ip))
    if last_success is not None:
        since = max(since, as_utc(last_success))
    mine = failures.where(AuditRecord.actor == (name or "anonymous"), AuditRecord.at > since)
    if (session.scalar(mine) or 0) >= policy.max_failures:
        return "name_from_ip"
    return None


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
    if _is_common(password):
        problems.append("是常见密码，容易被猜中")
    elif not problems and _strength(password, username) < policy.min_score:
        problems.append("太容易被猜中（如常见单词、键盘顺序、日期加简单变化）：请用几个不相关的词加数字或符号")
    return problems


@cache
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _is_common(password: str) -> bool:
    lowered = password.lower()
    return lowered in _common_passwords() or lowered.rstrip("0123456789!@#$%^&*.?_-") in _common_passwords()


def _strength(password: str, username: str) -> int:
    from zxcvbn import zxcvbn

    return zxcvbn(password[:100], user_inputs=[username, "hotline", "7812345", "rexian"])["score"]


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
