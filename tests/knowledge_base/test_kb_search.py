"""Service-item search: the query set against the shipped catalogue, typos, ASR text, retire, refresh."""

from __future__ import annotations

import csv
import dataclasses
import threading
from pathlib import Path

import pytest

from knowledge_base.catalog_io import SEED_CATALOG, load_seed_catalogue
from knowledge_base.catalog_reader import read_catalog
from knowledge_base.items import retire_item
from knowledge_base.search import SearchIndex

QUERIES = Path(__file__).with_name("queries.csv")


@pytest.fixture(scope="module")
def seed_records():
    return read_catalog(SEED_CATALOG)


@pytest.fixture(scope="module")
def index(seed_records):
    return SearchIndex(seed_records)


def load_queries() -> list[tuple[str, str]]:
    with QUERIES.open(encoding="utf-8", newline="") as fh:
        return [(row["query"], row["expected_code"]) for row in csv.DictReader(fh)]


def test_the_query_set_is_large_and_points_at_real_items(seed_records):
    queries = load_queries()
    codes = {r.code for r in seed_records}
    assert len(queries) >= 100
    assert {code for _, code in queries} <= codes
    assert len({code for _, code in queries}) >= 100  # spread over the catalogue, not a few easy items


def test_spoken_and_misspelt_queries_find_the_intended_item_in_the_top_three(index):
    queries = load_queries()
    misses = []
    for query, expected in queries:
        codes = [hit.code for hit in index.search(query, k=3)]
        if expected not in codes:
            misses.append(f"{query!r}: expected {expected}, got {codes}")
    hit_at_3 = 1 - len(misses) / len(queries)
    assert hit_at_3 >= 0.9, f"hit@3 {hit_at_3:.3f} < 0.9; misses:\n" + "\n".join(misses)


@pytest.mark.parametrize(
    ("typo", "meant", "code"),
    [("设保卡丢了咋办", "社保", "ZW-SB-007"), ("低包怎么申请", "低保", "ZW-MZ-001"),
     ("高龄经贴怎么领", "津贴", "ZW-MZ-004"), ("法律圆助", "援助", "ZW-SF-001"),
     ("医保一地就医备案", "异地", "ZW-YB-002"), ("户口签移", "迁移", "ZW-GA-001")],
)
def test_a_homophone_typo_ranks_the_item_first_and_says_what_it_matched(index, typo, meant, code):
    [best, *_] = index.search(typo, k=3)
    assert best.code == code
    assert any(m.endswith("≈" + meant) for m in best.matched), best.matched


def test_vosk_style_spaced_text_gives_the_same_answer_as_typed_text(index):
    typed = index.search("社保卡丢了咋办", k=3)
    spoken = index.search("喂 那个 社保 卡 丢 了 咋 办", k=3)
    assert [h.code for h in spoken] == [h.code for h in typed]
    assert typed[0].code == "ZW-SB-007"


def test_fillers_alone_find_nothing(index):
    assert index.search("喂 那个 我想问一下 嗯 啊", k=5) == []
    assert index.search("   ", k=5) == []


def test_results_are_ordered_by_score_and_limited_to_k(index):
    hits = index.search("补贴", k=4)
    assert len(hits) == 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_retired_items_are_hidden_unless_asked_for(seed_records):
    retired = [dataclasses.replace(r, status="retired") if r.code == "ZW-SB-007" else r for r in seed_records]
    index = SearchIndex(retired)
    assert "ZW-SB-007" not in [h.code for h in index.search("社保卡丢了", k=5)]
    assert index.search("社保卡丢了", k=1, include_retired=True)[0].code == "ZW-SB-007"


def test_refresh_swaps_in_a_new_catalogue(seed_records):
    index = SearchIndex([r for r in seed_records if r.code != "ZW-LC-003"])
    assert "ZW-LC-003" not in [h.code for h in index.search("狼把羊咬死了", k=3)]
    index.refresh(seed_records)
    assert index.search("狼把羊咬死了", k=1)[0].code == "ZW-LC-003"


def test_searching_while_another_thread_refreshes_never_fails(seed_records):
    index = SearchIndex(seed_records)
    errors: list[BaseException] = []

    def keep_searching():
        try:
            for _ in range(200):
                assert index.search("党组织关系怎么转", k=1)[0].code == "DW-001"
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    reader = threading.Thread(target=keep_searching)
    reader.start()
    for _ in range(3):
        index.refresh(seed_records)
    reader.join()
    assert errors == []


def test_the_index_built_from_the_database_follows_retirement(db_session):
    load_seed_catalogue(db_session)
    index = SearchIndex.from_session(db_session)
    assert len(index) >= 150
    assert index.search("党组织关系怎么转", k=1)[0].code == "DW-001"

    retire_item(db_session, code="DW-001", actor="admin")
    index.refresh_from_session(db_session)
    assert "DW-001" not in [h.code for h in index.search("党组织关系怎么转", k=5)]
