"""Handler routing: propose the responsible department, level and site for a text, with reasons.

Evidence, all passed in as plain data so this module depends on nothing outside the classifier:
  (a) knowledge-base items the text matched (item -> owning department and the levels it is handled at),
  (b) the department topic model's probabilities,
  (c) place names mentioned (gazetteer of towns and 嘎查 village stations) -> banner / town / village level,
  (d) an admin-editable keyword rules table (keyword -> department, with priority).
A candidate's score is the sum of its evidence weights (see the constants); higher is better.

One decision per case: a candidate carries the service item of its own department (``item``), so the
department, the item and the level it is handled at always agree; a department with no item of its own
has none (the case's item is then dropped, never borrowed from another department).

Words in passing do not decide: an item matched only on words people mention while talking about
something else (孩子, 老人, 户口, 身份证号, 嘎查, 申请, 政策 …) or only on sound-alike guesses counts
little; a rule whose keyword is such a word never sets the top priority that demotes the other matching
rules, and counts fully only when the topic model, a telling item or a rule on a telling word backs its
department, or no other department is backed. Rules at or above DECISIVE_PRIORITY (staff
conduct: 吃拿卡要, 纪委 …; fraud; theft) decide the department on their own: staff misconduct goes to
the discipline body whatever the service was. Beyond single keywords, ``classifier.conduct`` reads
who did what: an official plus an act of misconduct (给他两千块钱就能批下来) → 纪委监委, someone posing
as an office asking for a code or a transfer → 公安局, a school place asked with 户口 as its condition →
教育体育局; each outweighs the topic words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from classifier.conduct import signals
from classifier.text import normalize

if TYPE_CHECKING:
    from classifier.model import TextModel

# The department model is trained on every department's catalogue items and remit as well as our own
# phrases, so it already carries the item evidence and is the better single signal on realistic contacts
# (bench/routing.py): it weighs more than the item match, which is partly the same evidence again.
KB_WEIGHT = 0.8  # times the match score (0..1) of the best item of the department
TOPIC_WEIGHT = 2.0  # times the topic model probability
RULE_WEIGHT = 2.5  # plus 0.01 per priority point: a top rule outweighs the topic model (at most 2.0)
LOWER_RULE_FACTOR = 0.3  # a matching rule below the highest matching priority counts less
TOPIC_MIN_PROBABILITY = 0.05
DECISIVE_PRIORITY = 40  # rules at or above this priority (staff conduct, fraud, theft) outweigh the rest
DECISIVE_WEIGHT = 6.0  # more than any other rule, the topic model and an item together
WEAK_ITEM_FACTOR = 0.3  # an item matched only on words in passing or on sound-alike guesses
THIN_ITEM_FACTOR = 0.6  # an item matched on one generic-looking term that the topic model does not back
TOPIC_BACKING = 0.2  # topic probability at which a rule on a word in passing counts fully
# Words people say in passing while asking about something else: alone they tell nothing about the matter.
PASSING_WORDS = frozenset(
    (
        "孩子 儿童 小孩 老人 老年人 父母 家里 家人 户口 户口本 户籍 身份证 "
        "身份 份证 身份证号 嘎查 镇上 旗里 村里 外地 回来 出去 申请 政策 "
        "补贴 办理 手续 材料 活动 认定 申报 公司 老板 工资 房子 安全 报名 "
        "学生 上学 贷款 保险 收费 人管 工作 单位 窗口 证明 电话 手机 时间 "
        "问题 情况 标准 多少 怎么 什么 哪里 个人 费用 社会 工程 资金 政府 "
        "参加 看不 乡村 补偿 干部 草场 草原 学校 门口 医院 饭店"
    ).split()
)
LEVELS = ("village", "town", "banner")  # most local first
_ASR_PLACE_FIXES = {"嘎叉": "嘎查", "嘎茶": "嘎查", "噶查": "嘎查", "尕查": "嘎查"}


@dataclass(frozen=True)
class KbMatch:
    """One service item the knowledge-base search matched."""

    item_name: str
    department: str  # owning department code
    levels: tuple[str, ...] = ("banner",)  # where the item is handled: banner / town / village
    score: float = 1.0  # relevance 0..1
    matched_terms: tuple[str, ...] = ()
    item_code: str = ""


@dataclass(frozen=True)
class Place:
    """A gazetteer entry: a town or a 嘎查 village station."""

    name: str  # 上海庙镇, 芒哈图嘎查
    level: str  # "town" | "village"
    town: str  # the town it belongs to (itself for a town)
    site: str  # the site code that serves it (shmz, shmz-mht)
    aliases: tuple[str, ...] = ()
    town_site: str = ""  # the town's site code (for a village)


@dataclass(frozen=True)
class RoutingRule:
    keyword: str
    department: str
    priority: int = 0  # higher wins among rules
    level: str | None = None  # force a level, e.g. a rule that always goes to the 嘎查


@dataclass
class Candidate:
    department: str
    level: str = "banner"
    site: str = "banner"
    town: str | None = None
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    levels: tuple[str, ...] = ()  # levels the department handles this at, when an item said so
    item: KbMatch | None = None  # the department's own best-matching service item

    def as_dict(self) -> dict[str, Any]:
        item = self.item
        return {
            "item": {"code": item.item_code, "name": item.item_name, "department": item.department}
            if item is not None and item.item_code
            else None,
            "department": self.department,
            "level": self.level,
            "site": self.site,
            "town": self.town,
            "score": round(self.score, 4),
            "reasons": list(self.reasons),
        }


def places_from_sites(rows: Iterable[Mapping[str, str]]) -> list[Place]:
    """Gazetteer from rows shaped like hotline/seed/sites.csv (code, name, level, town, place, parent)."""
    rows = list(rows)
    town_sites = {r["town"]: r["code"] for r in rows if r.get("level") == "town"}
    places = []
    for row in rows:
        level, name = row.get("level"), (row.get("place") or "").strip()
        if level not in ("town", "village") or not name:
            continue
        if level == "town":
            full = row["town"]
            aliases = tuple({full, name} - {""})
            places.append(Place(full, "town", full, row["code"], aliases, row["code"]))
        else:
            stem = name.removesuffix("嘎查")
            aliases = (name,) + ((stem,) if len(stem) >= 3 else ())
            town_site = town_sites.get(row["town"], "")
            places.append(Place(name, "village", row["town"], row["code"], aliases, town_site))
    return places


def mentioned_places(text: str, places: Sequence[Place]) -> list[Place]:
    """Places whose name or alias occurs in ``text``; villages first, longest alias first."""
    clean = normalize(text)
    for wrong, right in _ASR_PLACE_FIXES.items():
        clean = clean.replace(wrong, right)
    found = [p for p in places if any(a and a in clean for a in p.aliases)]
    return sorted(found, key=lambda p: (LEVELS.index(p.level), -max(len(a) for a in p.aliases)))


def route(
    text: str,
    *,
    kb_matches: Sequence[KbMatch] = (),
    topic: Sequence[tuple[str, float]] = (),
    places: Sequence[Place] = (),
    rules: Sequence[RoutingRule] = (),
    limit: int = 5,
) -> list[Candidate]:
    """Ranked handler candidates (best first), each with the reasons behind it; [] when nothing points
    anywhere (send to human triage)."""
    clean = normalize(text)
    candidates: dict[str, Candidate] = {}

    def get(department: str) -> Candidate:
        return candidates.setdefault(department, Candidate(department))

    best_item: dict[str, KbMatch] = {}
    for match in kb_matches:
        known = best_item.get(match.department)
        if match.department and (known is None or match.score > known.score):
            best_item[match.department] = match
    telling_item: set[str] = set()
    topic_of = {department: probability for department, probability in topic}
    for department, match in best_item.items():
        cand = get(department)
        strength = item_strength(match, topic_of.get(department, 0.0))
        cand.score += KB_WEIGHT * max(0.0, min(1.0, match.score)) * strength
        shown = [t for t in match.matched_terms if len(t) >= 2]
        terms = f" ({'、'.join(shown)})" if shown else ""
        weak = "，仅顺带提及的词" if strength == WEAK_ITEM_FACTOR else "，证据单薄" if strength < 1 else ""
        cand.reasons.append(f"匹配事项 {match.item_name}{terms}{weak}")
        cand.levels = tuple(match.levels)
        cand.item = match if strength > WEAK_ITEM_FACTOR else None  # a guess is no decision on the item
        if strength == 1:
            telling_item.add(department)

    matching = [r for r in sorted(rules, key=lambda r: -r.priority)
                if normalize(r.keyword) and normalize(r.keyword) in clean]
    # A rule on a word in passing never sets the bar for the rules on the matter itself (身份证 20 would
    # otherwise demote 养老保险 15 in a pension question that gives the ID number).
    telling_rules = [r for r in matching if normalize(r.keyword) not in PASSING_WORDS]
    top_priority = (telling_rules or matching)[0].priority if matching else 0
    ruled = {r.department for r in telling_rules}

    def backed(department: str) -> bool:
        return (department in telling_item or department in ruled
                or topic_of.get(department, 0.0) >= TOPIC_BACKING)

    forced_level: dict[str, str] = {}
    for rule in matching:
        keyword = normalize(rule.keyword)
        if rule.department in forced_level:
            continue
        cand = get(rule.department)
        weight = RULE_WEIGHT if rule.priority >= top_priority else RULE_WEIGHT * LOWER_RULE_FACTOR
        note = ""
        if rule.priority >= DECISIVE_PRIORITY:
            weight = DECISIVE_WEIGHT
        elif keyword in PASSING_WORDS and not backed(rule.department) and any(
            backed(other) for other in {*telling_item, *topic_of, *ruled} - {rule.department}
        ):  # a word in passing, and the text is clearly about another department's matter
            weight, note = RULE_WEIGHT * LOWER_RULE_FACTOR, "（顺带提及，旁证不足）"
        cand.score += weight + 0.01 * rule.priority
        cand.reasons.append(f"规则 {rule.keyword}{note} → {rule.department}")
        forced_level[rule.department] = rule.level or ""

    for signal in signals(clean):  # who did what (an official demanding money, an impersonator): decides
        cand = get(signal.department)
        cand.score += signal.weight
        cand.reasons.append(signal.reason)

    for department, probability in topic:
        if probability >= TOPIC_MIN_PROBABILITY:
            cand = get(department)
            cand.score += TOPIC_WEIGHT * probability
            cand.reasons.append(f"分类模型 {probability:.2f}")

    mentioned = mentioned_places(clean, places)
    for cand in candidates.values():
        _place(cand, mentioned, forced_level.get(cand.department) or None)
        if cand.item is not None and cand.item.levels and cand.level not in cand.item.levels:
            level = {"banner": "旗", "town": "镇", "village": "嘎查"}.get(cand.level, cand.level)
            cand.reasons.append(f"事项 {cand.item.item_name} 不在{level}级办理，不带事项")
            cand.item = None  # department, item and level must agree: rather no item than a wrong one
    ranked = sorted(candidates.values(), key=lambda c: (-c.score, c.department))
    return ranked[:limit]


def item_strength(match: KbMatch, topic_probability: float = 0.0) -> float:
    """How much an item match counts (0..1).

    Full for an item matched on two or more telling terms, on one telling term that the topic model backs,
    or whose terms are not known; THIN_ITEM_FACTOR for a single telling term the topic model does not
    back (a generic word such as 项目, 上门); WEAK_ITEM_FACTOR when every matched term is a single
    character, a word in passing or a sound-alike guess (设保≈社保)."""
    if not match.matched_terms:
        return 1.0
    telling = {t for t in match.matched_terms if "≈" not in t and len(t) >= 2 and t not in PASSING_WORDS}
    distinct = {t for t in telling if not any(t != other and t in other for other in telling)}
    if not distinct:
        return WEAK_ITEM_FACTOR
    if len(distinct) >= 2 or topic_probability >= TOPIC_BACKING:
        return 1.0
    return THIN_ITEM_FACTOR


def _place(cand: Candidate, mentioned: list[Place], forced: str | None) -> None:
    """Choose level and site: the most local mentioned place the department handles the matter at."""
    allowed = set(cand.levels) if cand.levels else {"banner"}
    if forced:
        allowed = {forced}
    place = mentioned[0] if mentioned else None
    if place is not None:
        cand.town = place.town
        cand.reasons.append(f"提到 {place.name}")
        if place.level == "village" and "village" in allowed:
            cand.level, cand.site = "village", place.site
            return
        if "town" in allowed:
            cand.level, cand.site = "town", place.town_site or place.site
            if place.level == "village":
                cand.reasons.append(f"该事项在镇级办理（{place.town}）")
            return
    if "banner" in allowed or not place:
        cand.level, cand.site = "banner", "banner"
    else:  # e.g. forced "village" but no village mentioned: stay at the most local level we know
        cand.level = "town" if "town" in allowed else next(iter(allowed))
        cand.site = place.town_site or place.site


def topic_scores(model: TextModel, text: str, top: int = 3) -> list[tuple[str, float]]:
    """The ``top`` most probable departments of a department :class:`classifier.model.TextModel`."""
    return model.predict(text).alternatives[:top]
