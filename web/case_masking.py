"""The case page shows phone and ID numbers masked; "显示完整号码" reveals them, audited (issue 14, 2).

:class:`MaskedCase` stands in for the ORM case in the template: the personal fields come back masked,
everything else is the case's own attribute. Revealing is ``?reveal=1`` and leaves a ``privacy.unmask``
audit row, the same action as the analysts' unmasking.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.privacy.masking import MASK, mask_text
from hotline.privacy.unmasking import UNMASK_ACTION
from web.auth import CurrentUser
from web.public_guard import client_ip

MASKED_FIELDS = frozenset({"citizen_phone", "title", "content", "reply"})


class MaskedCase:
    """Read-only view of a case with :data:`MASKED_FIELDS` masked."""

    def __init__(self, case) -> None:
        object.__setattr__(self, "_case", case)

    def __getattr__(self, name: str):
        value = getattr(self._case, name)
        return mask_text(value) if name in MASKED_FIELDS and isinstance(value, str) else value


def wants_reveal(request: Request) -> bool:
    return request.query_params.get("reveal") in ("1", "true")


def audit_reveal(session: Session, request: Request, user: CurrentUser, case_id: int) -> None:
    record_audit(session, actor=user.username, action=UNMASK_ACTION, object_type="case", object_id=case_id,
                 ip=client_ip(request), details={"page": "case_detail"})


def masked_utterances(utterances) -> list[dict]:
    return [{"start_s": u.start_s, "text": mask_text(u.text)} for u in utterances]


def kept_if_masked(submitted: str, stored: str | None) -> str:
    """A masked number sent back by a form means "unchanged": keep the stored one."""
    return (stored or "") if MASK in submitted else submitted
