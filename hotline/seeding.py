"""Load the shipped organisation reference data (departments, sites, windows). Idempotent by code."""

from __future__ import annotations

import csv
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Department, DepartmentKind, RoutingRule, Site, SiteLevel, Window


def read_seed_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("hotline.seed").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def seed_organisation(session: Session) -> dict[str, int]:
    """Insert missing departments, sites and windows; never overwrite admin edits. Returns counts added."""
    added = {"departments": 0, "sites": 0, "windows": 0}
    departments = {d.code: d for d in session.scalars(select(Department))}
    for row in read_seed_csv("departments.csv"):
        if row["code"] not in departments:
            session.add(Department(code=row["code"], name=row["name"], kind=DepartmentKind(row["kind"]),
                                   phone=row["phone"] or None))
            added["departments"] += 1

    sites = {s.code: s for s in session.scalars(select(Site))}
    for row in read_seed_csv("sites.csv"):
        if row["code"] in sites:
            continue
        site = Site(code=row["code"], name=row["name"], level=SiteLevel(row["level"]),
                    town=row["town"] or None, place=row["place"] or None, address=row["address"] or None,
                    parent_id=sites[row["parent"]].id if row["parent"] else None)
        session.add(site)
        session.flush()
        sites[site.code] = site
        added["sites"] += 1

    existing = {(w.site_id, w.number) for w in session.scalars(select(Window))}
    for row in read_seed_csv("windows.csv"):
        site = sites[row["site"]]
        if (site.id, int(row["number"])) not in existing:
            session.add(Window(site_id=site.id, number=int(row["number"]), name=row["name"],
                               zone=row["zone"] or None))
            added["windows"] += 1
    session.flush()
    return added


def seed_routing_rules(session: Session) -> int:
    """Insert the shipped keyword rules that are missing (admins may have edited or disabled others)."""
    existing = {(r.keyword, r.department_code) for r in session.scalars(select(RoutingRule))}
    added = 0
    for row in read_seed_csv("routing_rules.csv"):
        if (row["keyword"], row["department_code"]) not in existing:
            session.add(RoutingRule(keyword=row["keyword"], department_code=row["department_code"],
                                    priority=int(row["priority"]), level=row["level"] or None,
                                    note=row["note"]))
            added += 1
    session.flush()
    return added
