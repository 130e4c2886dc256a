"""User management for admins: create, update, disable/enable, reset password (one-time password)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.accounts.errors import AccountError
from hotline.accounts.passwords import hash_password, one_time_password
from hotline.accounts.web_sessions import revoke_user_sessions
from hotline.models import Department, Role, Site, User

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
_UNSET = object()


def _require_admin(actor: User) -> None:
    if actor.role != Role.admin or not actor.active:
        raise AccountError("forbidden", "只有系统管理员可以管理账户。")


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AccountError("not_found", f"账户 {user_id} 不存在。")
    return user


def list_users(session: Session, *, role: Role | None = None, include_disabled: bool = True) -> list[User]:
    query = select(User).order_by(User.username)
    if role:
        query = query.where(User.role == role)
    if not include_disabled:
        query = query.where(User.active.is_(True))
    return list(session.scalars(query))


def _check_assignment(session: Session, role: Role, department_id: int | None, site_id: int | None) -> None:
    if department_id is not None and session.get(Department, department_id) is None:
        raise AccountError("invalid_input", f"部门 {department_id} 不存在。")
    if site_id is not None and session.get(Site, site_id) is None:
        raise AccountError("invalid_input", f"站点 {site_id} 不存在。")
    if role == Role.handler and department_id is None and site_id is None:
        raise AccountError("invalid_input", "承办人员必须归属一个部门或服务站点。")


def create_user(
    session: Session,
    *,
    actor: User,
    username: str,
    display_name: str,
    role: Role,
    now: datetime,
    department_id: int | None = None,
    site_id: int | None = None,
    ip: str | None = None,
) -> tuple[User, str]:
    """Return the new user and its one-time password (show it once; it must be changed at first login)."""
    _require_admin(actor)
    username = username.strip()
    if not USERNAME.match(username):
        raise AccountError("invalid_input", "用户名须为 2–64 位字母、数字或 _ . -。")
    if not display_name.strip():
        raise AccountError("invalid_input", "请填写姓名。")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError("username_taken", f"用户名 {username} 已被使用。")
    role = Role(role)
    _check_assignment(session, role, department_id, site_id)
    password = one_time_password()
    user = User(username=username, display_name=display_name.strip(), role=role,
                password_hash=hash_password(password), must_change_password=True,
                department_id=department_id, site_id=site_id, failed_logins=0, active=True)
    session.add(user)
    session.flush()
    record_audit(session, actor=actor, action="user.create", object_type="user", object_id=user.id, ip=ip,
                 at=now, details={"username": username, "role": role.value, "department_id": department_id,
                                  "site_id": site_id})
    return user, password


def update_user(
    session: Session,
    *,
    actor: User,
    user_id: int,
    now: datetime,
    display_name: str | None = None,
    role: Role | None = None,
    department_id: int | None | object = _UNSET,
    site_id: int | None | object = _UNSET,
    ip: str | None = None,
) -> User:
    """Change only the given fields (pass ``department_id=None`` to clear it). Records old and new values."""
    _require_admin(actor)
    user = get_user(session, user_id=user_id)
    changes: dict[str, list[Any]] = {}
    new_role = Role(role) if role is not None else user.role
    new_department = user.department_id if department_id is _UNSET else cast(int | None, department_id)
    new_site = user.site_id if site_id is _UNSET else cast(int | None, site_id)
    new: dict[str, Any] = {
        "display_name": display_name.strip() if display_name is not None else user.display_name,
        "role": new_role, "department_id": new_department, "site_id": new_site,
    }
    if not new["display_name"]:
        raise AccountError("invalid_input", "请填写姓名。")
    if user.id == actor.id and new_role != Role.admin:
        raise AccountError("forbidden", "不能取消自己的管理员角色。")
    _check_assignment(session, new_role, new_department, new_site)
    for field, value in new.items():
        old = getattr(user, field)
        if old != value:
            changes[field] = [getattr(old, "value", old), getattr(value, "value", value)]
            setattr(user, field, value)
    if changes:
        record_audit(session, actor=actor, action="user.update", object_type="user", object_id=user.id,
                     ip=ip, at=now, details=changes)
        session.flush()
    return user


def set_user_active(
    session: Session, *, actor: User, user_id: int, active: bool, now: datetime, ip: str | None = None
) -> User:
    """Disable (ends all the user's sessions) or re-enable an account."""
    _require_admin(actor)
    user = get_user(session, user_id=user_id)
    if user.id == actor.id and not active:
        raise AccountError("forbidden", "不能停用自己的账户。")
    if user.active != active:
        user.active = active
        if not active:
            revoke_user_sessions(session, user_id=user.id, now=now)
        record_audit(session, actor=actor, action="user.enable" if active else "user.disable",
                     object_type="user", object_id=user.id, ip=ip, at=now)
        session.flush()
    return user


def reset_password(
    session: Session, *, actor: User, user_id: int, now: datetime, ip: str | None = None
) -> tuple[User, str]:
    """New one-time password (must be changed at next login); unlocks the account, ends its sessions."""
    _require_admin(actor)
    user = get_user(session, user_id=user_id)
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    revoke_user_sessions(session, user_id=user.id, now=now)
    record_audit(session, actor=actor, action="user.reset_password", object_type="user", object_id=user.id,
                 ip=ip, at=now)
    session.flush()
    return user, password
