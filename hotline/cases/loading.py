"""What pages and exports read through a case's relationships, loaded explicitly: the relationships raise
instead of lazy-loading (``lazy="raise_on_sql"``), so a page that forgets an option fails in the tests rather
than running one query per row."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from hotline.models import Call, Case

# A case row as lists show it: its unit, site and service item (one query each for all rows).
CASE_ROW = (selectinload(Case.department), selectinload(Case.site), selectinload(Case.service_item))
# The case page: the row, plus the call and what was said.
CASE_PAGE = (*CASE_ROW, selectinload(Case.call).selectinload(Call.utterances))
