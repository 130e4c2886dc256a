"""The catalogue in Mongolian: name_mn/answer_mn seeded from items_mn.csv, imported and exported with the
rest, and searchable in the traditional script whatever variation selectors or look-alike letters the
citizen's keyboard produced."""

from __future__ import annotations

import csv
import dataclasses

import pytest
from sqlalchemy import select

from hotline.models import ServiceItem
from knowledge_base import mongolian_text
from knowledge_base.catalog_io import (
    SEED_CATALOG,
    export_catalog,
    import_catalog,
    load_seed_catalogue,
    seed_mongolian,
)
from knowledge_base.catalog_reader import read_catalog
from knowledge_base.search import SearchIndex

SOCIAL_CARD = "ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠪᠠᠲᠤᠯᠠᠭ᠎ᠠ ᠶᠢᠨ ᠺᠠᠷᠲ"  # neyigem-ün batalaγ-a-yin kart (foreign k)
FVS1, MVS, ZWJ, NNBSP = "\u180b", "\u180e", "\u200d", "\u202f"


def test_variation_selectors_suffix_spaces_and_look_alike_letters_normalise_to_one_form():
    plain = "ᠮᠣᠩᠭᠣᠯ ᠬᠡᠯᠡ"
    assert mongolian_text.words("ᠮᠣ" + FVS1 + "ᠩᠭᠤᠯ" + ZWJ + " ᠬᠡᠯᠡ") == mongolian_text.words(plain)
    assert mongolian_text.words("ᠭᠠᠴᠠᠭ" + MVS + "ᠠ") == mongolian_text.words("ᠭᠠᠴᠠᠭᠠ")
    assert mongolian_text.words("ᠬᠡᠷᠡᠭ" + NNBSP + "ᠦᠨ") == mongolian_text.words("ᠬᠡᠷᠡᠭ ᠦᠨ")
    assert mongolian_text.words("ᠨᠡᠶᠢᠲᠡ") == mongolian_text.words("ᠨᠡᠢᠳᠡ")  # yi/i and t/d typed either way
    assert mongolian_text.mostly_mongolian("ᠮᠠᠯ ᠤᠨ ᠲᠠᠷᠢᠶ᠎ᠠ 牛羊")
    assert not mongolian_text.mostly_mongolian("社保卡")


def _records():
    records = read_catalog(SEED_CATALOG)
    mongolian = seed_mongolian()
    return [dataclasses.replace(r, name_mn=mongolian.get(r.code, (None, None))[0],
                                answer_mn=mongolian.get(r.code, (None, None))[1]) for r in records]


@pytest.fixture(scope="module")
def index():
    return SearchIndex(_records())


def test_an_item_is_found_by_its_mongolian_name_however_it_was_typed(index):
    name = seed_mongolian()["ZW-SB-007"][0]
    assert index.search(name, k=1)[0].code == "ZW-SB-007"
    variant = (name.replace("ᠦ", "ᠥ").replace("ᠭ", "ᠭ" + FVS1).replace(" ", NNBSP, 1)
               .replace("ᠺ", "ᠻ"))  # other o/ö, a variation selector, a NNBSP, the other foreign k
    assert variant != name and index.search(variant, k=1)[0].code == "ZW-SB-007"
    assert index.search(SOCIAL_CARD, k=3)[0].code == "ZW-SB-007"  # a few words of the name
    low = seed_mongolian()["ZW-MZ-001"][0]
    assert index.search(low.split()[0][:-1] + " " + low.split()[2], k=3)[0].code == "ZW-MZ-001"
    assert index.search("社保卡丢了", k=1)[0].code == "ZW-SB-007"  # Chinese search as before


def test_the_shipped_mongolian_names_belong_to_catalogue_items_and_are_in_the_script():
    codes = {r.code for r in read_catalog(SEED_CATALOG)}
    mongolian = seed_mongolian()
    assert len(mongolian) >= 40 and set(mongolian) <= codes
    for name_mn, answer_mn in mongolian.values():
        assert mongolian_text.mostly_mongolian(name_mn)
        assert answer_mn is None or mongolian_text.mostly_mongolian(answer_mn)


def test_seeding_merges_the_mongolian_file_and_never_overwrites_an_edit(db_session):
    load_seed_catalogue(db_session)
    card = db_session.scalar(select(ServiceItem).where(ServiceItem.code == "ZW-SB-007"))
    assert card.name_mn == seed_mongolian()["ZW-SB-007"][0] and card.answer_mn
    card.name_mn = "ᠡᠳᠢᠲ"
    low = db_session.scalar(select(ServiceItem).where(ServiceItem.code == "ZW-MZ-001"))
    low.name_mn, low.answer_mn = None, None
    db_session.flush()
    assert load_seed_catalogue(db_session) == 0
    assert card.name_mn == "ᠡᠳᠢᠲ"  # an administrator's edit stays
    assert low.name_mn == seed_mongolian()["ZW-MZ-001"][0] and low.answer_mn  # a missing one is filled


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_mongolian_name_and_answer_round_trip_through_export_and_import(db_session, write_catalog,
                                                                        sample_rows, tmp_path, suffix):
    sample_rows[0]["name_mn"] = "ᠨᠠᠮ ᠤᠨ ᠭᠡᠰᠢᠭᠦᠨ"
    sample_rows[0]["answer_mn"] = "ᠪᠡᠶ᠎ᠡ ᠶᠢᠨ ᠦᠨᠡᠮᠯᠡᠯ ᠠᠪᠴᠤ ᠢᠷᠡᠨ᠎ᠡ ᠦᠦ᠃"
    import_catalog(db_session, path=write_catalog(sample_rows, name=f"in.{suffix}"), actor="tester")
    item = db_session.scalar(select(ServiceItem).where(ServiceItem.code == "T-DW-001"))
    assert (item.name_mn, item.answer_mn) == (sample_rows[0]["name_mn"], sample_rows[0]["answer_mn"])
    out = tmp_path / f"out.{suffix}"
    export_catalog(db_session, path=out)
    if suffix == "csv":
        with out.open(encoding="utf-8-sig") as fh:
            row = next(r for r in csv.DictReader(fh) if r["code"] == "T-DW-001")
        assert row["answer_mn"] == sample_rows[0]["answer_mn"]
    assert import_catalog(db_session, path=out, actor="tester").counts()["updated"] == 0
