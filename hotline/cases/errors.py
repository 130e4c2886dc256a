"""Case errors: a stable ``code`` for the web layer's status table and a Chinese message for users.

Codes (suggested HTTP status): not_found 404, forbidden 403, not_case_handler 403,
invalid_transition 409, co_handlers_pending 409, extension_pending 409, slot_full 409,
appointment_exists 409,
invalid_input 422, slot_unavailable 422.
"""

from __future__ import annotations


class CaseError(Exception):
    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details
