"""All ORM models. Import from here so Alembic and services see one metadata."""

from hotline.models.accounts import Role, User
from hotline.models.base import Base, utcnow
from hotline.models.kb import ItemKind, ItemStatus, ServiceItem, ServiceItemRevision
from hotline.models.learning import ClassifierCorrection
from hotline.models.org import Department, DepartmentKind, Site, SiteLevel, Window

__all__ = [
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
