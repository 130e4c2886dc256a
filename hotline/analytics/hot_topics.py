"""Hot topics: keywords per week × town × department (TF-IDF: cases mentioning a word × its IDF in jieba's
general corpus), spikes against the previous weeks, and problems that recur month after month.

Texts are segmented with classifier.segment (jieba). A busy week at a million cases a year holds ~20,000
cases; to answer in seconds each period is read as an evenly spread sample of at most ``sample_per_period``
cases (every k-th by id) and counts are scaled back up; the page says so when it samples. Segmented texts
are cached by (case id, updated_at).
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.analytics import topic_counts
from hotline.analytics.filters import CaseFilter
from hotline.models import Case, Site

STOPWORDS = frozenset("""
我 你 他 她 的 了 是 在 想 问 一下 请问 咨询 什么 怎么 怎么办 需要 能不能 没有 一直 这边
那边 你好 喂 就是 现在 可以 还是 多少 哪里 时候 情况 我们 他们 这个 那个 已经 谢谢 工作人员
建议 预约 办理 相关 业务 一些 也 都 还 很 和 要 有 到 去 能 不 说 给 这 那 吗 呢 啊 吧 个 上
下 里 多 长 时间 一个 两个 不能 不太 清楚 事情 电话 联系 号码 身份证 身份证号 材料
嘎查 旗里 镇上 村里 社区 这里 那里 附近 今年 家里
老人 哪些 我想 时限 想问 问问 知道 为什么 为啥 咋办 怎样 这样 那样 麻烦 您好 领导 反映 问题 希望
一般 大概 应该 是否 或者 因为 所以 但是 如果 然后 而且 比较 东西 具体 这种 那种 哪个 本人 自己
大家 老百姓 群众 个人 左右 到底 一下子 不知道 请问一下 帮忙 处理 解决 回复 尽快 有关 部门
""".split())  # filler: words that say nothing about what the hot topic is
TOKEN_CACHE_SIZE = 200_000


@dataclass
class TopicTable:
    period: str  # '2026-03-02' (week start) or '2026-03' (month)
    documents: int  # cases in the period (all, not just the sample)
    sampled: int  # cases actually segmented
    keywords: list[dict] = field(default_factory=list)  # {term, cases, score, baseline, spike}


class _TokenCache:
    """Term sets by (case id, updated_at): an edited case is segmented again, and another database's case
    with the same id is not mistaken for it."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[tuple, frozenset[str]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get_many(self, keys) -> dict[tuple, frozenset[str]]:
        with self._lock:
            return {k: self._items[k] for k in keys if k in self._items}

    def put(self, key: tuple, terms: frozenset[str]) -> None:
        with self._lock:
            self._items[key] = terms
            if len(self._items) > self._size:
                self._items.popitem(last=False)


_cache = _TokenCache(TOKEN_CACHE_SIZE)


def terms_of(text: str, places: frozenset[str] = frozenset()) -> frozenset[str]:
    from classifier.segment import cut

    return frozenset(w for w in cut(text) if len(w) >= 2 and w not in STOPWORDS and w not in places
                     and not any(ch.isdigit() for ch in w) and not w.isascii())


def place_names(session: Session) -> frozenset[str]:
    """Town and village names: kept whole by the segmenter and left out of the keywords (they are a
    dimension of their own)."""
    from classifier.segment import add_words

    rows = session.execute(select(Site.town, Site.place)).all()
    names = frozenset(v for row in rows for v in row if v)
    add_words(names)
    return names


def _period_terms(session: Session, flt: CaseFilter, limit: int, places) -> tuple[int, list[frozenset[str]]]:
    """(cases in the period, the term sets of an evenly spread sample of at most ``limit`` of them)."""
    # every k-th case by id, k = ceil(cases / limit), numbered in one pass over the range's index
    numbered = select(Case.id.label("id"), func.row_number().over(order_by=Case.id).label("n"),
                      func.count().over().label("total")
                      ).where(flt.where(), Case.confidential.is_(False)).subquery()  # conduct reports: never
    step = (numbered.c.total + (limit - 1)) // limit
    rows = session.execute(select(numbered.c.id, Case.updated_at, numbered.c.total)
                           .join(Case, Case.id == numbered.c.id)  # updated_at of the sampled cases only
                           .where((numbered.c.n - 1) % step == 0).order_by(numbered.c.id)).all()
    if not rows:
        return 0, []
    total, keys = rows[0].total, [(r.id, r.updated_at) for r in rows]
    cached = _cache.get_many(keys)
    missing = [k for k in keys if k not in cached]
    for start in range(0, len(missing), 1000):
        chunk = dict(missing[start:start + 1000])
        for case_id, title, content in session.execute(
                select(Case.id, Case.title, Case.content).where(Case.id.in_(chunk))):
            key = (case_id, chunk[case_id])
            cached[key] = terms_of(f"{title} {content}", places)
            _cache.put(key, cached[key])
    return total, [cached[k] for k in keys if k in cached]


def _frequencies(total: int, docs: list[frozenset[str]]) -> Counter:
    """Estimated number of cases mentioning each term (sample counts scaled to the period)."""
    counts: Counter = Counter()
    for terms in docs:
        counts.update(terms)
    scale = total / len(docs) if docs else 0
    return Counter({t: n * scale for t, n in counts.items()})


def weekly_topics(session: Session, flt: CaseFilter, *, week: date, baseline_weeks: int = 4, top: int = 20,
                  sample_per_period: int = 3000, spike_ratio: float = 2.0, spike_min: int = 5) -> TopicTable:
    """Top keywords of the week starting ``week`` (a Monday) within ``flt``'s dimensions.

    score = cases mentioning the term × the term's IDF in jieba's general corpus (TF-IDF, so everyday words
    rank low). baseline = the cases expected to mention it at its share of the ``baseline_weeks`` before;
    a spike is a term mentioned in at least ``spike_min`` cases and ``spike_ratio`` times its baseline.
    """
    from classifier.segment import general_idf

    idf, median_idf = general_idf()
    weeks = [week - timedelta(weeks=k) for k in range(baseline_weeks, -1, -1)]
    counted = topic_counts.week_counts(session, flt, weeks[-1:])
    if counted is not None:  # the counts kept up to date as cases change: exact, no sampling
        total, sampled = counted[week].documents, counted[week].documents
        current = Counter({t: float(n) for t, n in counted[week].terms.items()})
        baseline_total, baseline = topic_counts.baseline_sums(session, flt, weeks[:-1]) or (0, Counter())
    else:
        places = place_names(session)
        stats = []
        for start in weeks:
            narrowed = CaseFilter(**{**flt.__dict__, "start": start, "end": start + timedelta(days=6)})
            period_total, docs = _period_terms(session, narrowed, sample_per_period, places)
            stats.append((period_total, _frequencies(period_total, docs), len(docs)))
        total, current, sampled = stats[-1]
        baseline_total = sum(st[0] for st in stats[:-1])
        baseline = sum((st[1] for st in stats[:-1]), Counter())
    table = TopicTable(period=week.isoformat(), documents=total, sampled=sampled)
    scored = []
    for term, n in current.items():
        expected = None
        if baseline_total:
            expected = baseline.get(term, 0.0) / baseline_total * total
        scored.append({"term": term, "cases": round(n), "score": n * idf.get(term, median_idf),
                       "baseline": None if expected is None else round(expected, 1),
                       "spike": expected is not None and n >= spike_min
                       and n >= spike_ratio * max(expected, 1.0)})
    scored.sort(key=lambda k: (not k["spike"], -k["score"], k["term"]))  # spikes first, then by TF-IDF
    table.keywords = scored[:top]
    return table


def recurring_problems(session: Session, flt: CaseFilter, *, month: date, months: int = 3, top: int = 30,
                       sample_per_period: int = 3000) -> list[dict]:
    """Keywords among the top ``top`` (by TF-IDF) of ``month`` and of each of the ``months - 1`` before it."""
    from classifier.segment import general_idf

    idf, median_idf = general_idf()
    places = place_names(session)
    firsts = [_month_start(month, -k) for k in range(months - 1, -1, -1)]
    tops: list[dict[str, float]] = []
    for first in firsts:
        last = _month_start(first, 1) - timedelta(days=1)
        narrowed = CaseFilter(**{**flt.__dict__, "start": first, "end": last})
        total, docs = _period_terms(session, narrowed, sample_per_period, places)
        freq = _frequencies(total, docs)
        best = sorted(freq, key=lambda t: -freq[t] * idf.get(t, median_idf))[:top]
        tops.append({t: freq[t] for t in best})
    recurring = [t for t in tops[-1] if all(t in earlier for earlier in tops[:-1])]
    return [{"term": t, "cases": round(tops[-1][t]),
             "history": [round(m.get(t, 0)) for m in tops], "months": [f.isoformat()[:7] for f in firsts]}
            for t in sorted(recurring, key=lambda t: -tops[-1][t])]


def _month_start(day: date, offset: int) -> date:
    index = day.year * 12 + day.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)
