"""Handler routing: propose the responsible department, level and site for a text, with reasons.

Evidence, all passed in as plain data so this module depends on nothing outside the classifier:
  (a) knowledge-base items the text matched (item -> owning department and the levels it is handled at),
  (b) the department topic model's probabilities,
  (c) place names mentioned (gazetteer of towns and 嘎查 village stations) -> banner / town / village level,
  (d) an admin-editable keyword rules table (keyword -> department, with priority).
A candidate's score is the sum of its evidence weights (see the constants); higher is better.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from classifier.text import normalize

KB_WEIGHT = 1.0  # times the match score (0..1) of the best item of the department
TOPIC_WEIGHT = 0.8  # times the topic model probability
RULE_WEIGHT = 1.0  # plus 0.01 per priority point: a top rule alone outweighs the topic model alone
LOWER_RULE_FACTOR = 0.3  # a matching rule below the highest matching priority counts less
TOPIC_MIN_PROBABILITY = 0.05
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

    def as_dict(self) -> dict:
        return {
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
    for department, match in best_item.items():
        cand = get(department)
        cand.score += KB_WEIGHT * max(0.0, min(1.0, match.score))
        terms = f" ({'、'.join(match.matched_terms)})" if match.matched_terms else ""
        cand.reasons.append(f"匹配事项 {match.item_name}{terms}")
        cand.levels = tuple(match.levels)

    forced_level: dict[str, str] = {}
    top_priority = None
    for rule in sorted(rules, key=lambda r: -r.priority):
        keyword = normalize(rule.keyword)
        if not keyword or keyword not in clean or rule.department in forced_level:
            continue
        top_priority = rule.priority if top_priority is None else top_priority
        cand = get(rule.department)
        weight = RULE_WEIGHT if rule.priority == top_priority else RULE_WEIGHT * LOWER_RULE_FACTOR
        cand.score += weight + 0.01 * rule.priority
        cand.reasons.append(f"规则 {rule.keyword} → {rule.department}")
        forced_level[rule.department] = rule.level or ""

    for department, probability in topic:
        if probability >= TOPIC_MIN_PROBABILITY:
            cand = get(department)
            cand.score += TOPIC_WEIGHT * probability
            cand.reasons.append(f"分类模型 {probability:.2f}")

    mentioned = mentioned_places(clean, places)
    for cand in candidates.values():
        _place(cand, mentioned, forced_level.get(cand.department) or None)
    ranked = sorted(candidates.values(), key=lambda c: (-c.score, c.department))
    return ranked[:limit]


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


def topic_scores(model, text: str, top: int = 3) -> list[tuple[str, float]]:
    """The ``top`` most probable departments of a department :class:`classifier.model.TextModel`."""
    return model.predict(text).alternatives[:top]
