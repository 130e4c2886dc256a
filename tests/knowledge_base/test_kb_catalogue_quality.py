"""Quality gates of the shipped catalogue (885 items in the national standard item structure) and of
`hotline init`."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from knowledge_base.catalog_io import SEED_CATALOG
from knowledge_base.catalog_reader import read_catalog
from knowledge_base.catalog_schema import ITEM_TYPES, SOURCES, CatalogFileError, normalised_name

HERE = Path(__file__).parent
DEPARTMENTS = Path(__file__).parents[2] / "hotline" / "seed" / "departments.csv"


@pytest.fixture(scope="module")
def catalogue():
    with DEPARTMENTS.open(encoding="utf-8") as fh:
        known = {row["code"] for row in csv.DictReader(fh)}
    return read_catalog(SEED_CATALOG, departments=known)  # unknown departments would raise here


def test_the_catalogue_has_the_banners_885_items_in_6_zones_and_43_party_kinds(catalogue):
    assert len(catalogue) == 885
    zones = set(Counter(r.zone for r in catalogue))
    assert zones == {"party", "social", "market", "land", "pastoral", "public"}
    party = [r for r in catalogue if r.kind == "party"]
    assert len(party) == 43 and {r.item_type for r in party} == {"party_service"}
    assert {lv for r in catalogue for lv in r.levels} == {"banner", "town", "village", "grid"}


def test_every_item_is_complete_and_unique_within_its_department(catalogue):
    seen = Counter((normalised_name(r.name), r.department) for r in catalogue)
    assert [key for key, n in seen.items() if n > 1] == []
    for r in catalogue:
        assert r.materials and r.time_limit_days is not None and r.answer, r.code
        assert r.item_type in ITEM_TYPES and r.source in SOURCES, r.code
        assert r.levels and r.channels and r.fee, r.code
        if "window" in r.channels:
            assert r.window_number, r.code
    assert {r.source for r in catalogue} == set(SOURCES)


def test_the_codes_other_modules_depend_on_are_kept(catalogue):
    kept = set((HERE / "kept_codes.txt").read_text(encoding="utf-8").split())
    assert len(kept) == 164 and kept <= {r.code for r in catalogue}


def test_a_name_repeated_in_one_department_is_refused(write_catalog, sample_rows):
    twin = dict(sample_rows[0], code="T-DW-002", name="测试 党员组织关系转接（ ）")
    with pytest.raises(CatalogFileError) as err:
        read_catalog(write_catalog([sample_rows[0], twin]))
    assert "与第2行是同一部门（zzb）的同名事项" in err.value.report()
    other = dict(twin, department="tqw")  # the same name in another department is a different item
    assert len(read_catalog(write_catalog([sample_rows[0], other], name="ok.csv"))) == 2


def test_hotline_init_seeds_the_whole_network(monkeypatch, tmp_path):
    from sqlalchemy import func, select

    from hotline.cli.main import app
    from hotline.db import make_engine
    from hotline.models import GridHousehold, LinkedHousehold, RedTeam, ServiceItem, Site

    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert "885 service items" in result.output
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'hotline.sqlite3'}")
    try:
        with engine.connect() as conn:
            items = conn.execute(select(ServiceItem.zone, ServiceItem.kind, ServiceItem.levels)).all()
            assert conn.scalar(select(func.count()).select_from(ServiceItem)) == 885
            site_levels = set(conn.scalars(select(Site.level)))
            households = conn.scalar(select(func.count()).select_from(GridHousehold))
            linked = conn.scalar(select(func.count()).select_from(LinkedHousehold))
            teams = conn.scalar(select(func.count()).select_from(RedTeam))
    finally:
        engine.dispose()
    assert len({zone for zone, _, _ in items}) == 6
    assert sum(1 for _, kind, _ in items if kind == "party") == 43
    assert {lv for *_, levels in items for lv in levels} == {"banner", "town", "village", "grid"}
    # the four levels of the network: banner centre, 4 towns, 12 village stations, 84 中心户 (level 4)
    assert {str(v) for v in site_levels} == {"banner", "town", "village"}
    assert (households, linked, teams) == (84, 840, 4)
    assert "84 党员中心户/智慧农牧户, 840 linked households, 4 red service teams" in result.output
