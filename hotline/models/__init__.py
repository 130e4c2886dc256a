"""All ORM models. Import from here so Alembic and services see one metadata."""

from hotline.models.accounts import Role, User
from hotline.models.base import Base, utcnow
from hotline.models.calls import Call, CallDirection, TranscriptStatus, Utterance
from hotline.models.cases import Case, CaseEvent, CaseStatus, Channel, Intent
from hotline.models.kb import ItemKind, ItemStatus, ServiceItem, ServiceItemRevision
from hotline.models.learning import ClassifierCorrection
from hotline.models.org import Department, DepartmentKind, Site, SiteLevel, Window

__all__ = [
    "Call",
    "CallDirection",
    "Case",
    "CaseEvent",
    "CaseStatus",
    "Channel",
    "Intent",
    "TranscriptStatus",
    "Utterance",
    "Base",
    "ClassifierCorrection",
    "Department",
    "DepartmentKind",
    "ItemKind",
    "ItemStatus",
    "ServiceItem",
    "ServiceItemRevision",
    "Role",
    "Site",
    "SiteLevel",
    "User",
    "Window",
    "utcnow",
]
