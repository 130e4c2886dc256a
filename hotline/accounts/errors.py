"""Account errors: a stable ``code`` for the web layer's status table and a Chinese message for users."""

from __future__ import annotations


class AccountError(Exception):
    """Codes: invalid_credentials, account_locked, account_disabled, password_change_required,
    weak_password, wrong_password, forbidden, not_found, invalid_input, username_taken."""

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details


class LoginFailed(AccountError):
    """Authentication failed. The failure counter and the audit record are flushed into the session:
    commit it before answering, or the lockout never triggers."""
