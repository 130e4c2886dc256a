"""Organisation reference data: departments (handlers), service sites and their windows."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, TimestampMixin, str_enum


class DepartmentKind(enum.StrEnum):
    party = "party"  # 党委工作部门、群团
    government = "government"  # 政府工作部门
    town = "town"  # 镇人民政府


class SiteLevel(enum.StrEnum):
    banner = "banner"  # 旗级党群政务服务中心
    town = "town"  # 镇级服务中心
    village = "village"  # 嘎查村党群服务站


class Department(TimestampMixin, Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[DepartmentKind] = mapped_column(str_enum(DepartmentKind, "department_kind"))
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)


class Site(TimestampMixin, Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    level: Mapped[SiteLevel] = mapped_column(str_enum(SiteLevel, "site_level"))
    town: Mapped[str | None] = mapped_column(String(32), doc="镇名；旗级中心为空")
    place: Mapped[str | None] = mapped_column(String(32), doc="嘎查/社区名，用于识别来电提到的地点")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    address: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(default=True)

    windows: Mapped[list[Window]] = relationship(
        lazy="raise_on_sql", back_populates="site", order_by="Window.number"
    )


class Window(TimestampMixin, Base):
    __tablename__ = "windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(64))
    zone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)

    site: Mapped[Site] = relationship(lazy="raise_on_sql", back_populates="windows")
