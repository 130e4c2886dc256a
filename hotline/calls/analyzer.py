"""What a contact is about: intent, matching service items and the proposed handler, with reasons.

One analyzer per process, shared by every channel and by the live-call suggestions. It holds the intent
and department models, the knowledge-base index, the place gazetteer and the routing rules; ``refresh``
reloads the parts that admins edit (items, sites, rules) without a restart.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.routing import KbMatch, Place, RoutingRule, places_from_sites, route, topic_scores
from classifier.shipped import resolve_model_dir
from classifier.text import EmptyTextError
from hotline.cases.intake import ContactAnalysis
from hotline.models import Department, Site
from hotline.models import RoutingRule as RoutingRuleRow
from knowledge_base.mongolian_text import mostly_mongolian
from knowledge_base.search import SearchIndex

log = logging.getLogger(__name__)
KB_TOP_K = 5
KB_CONFIDENT_SCORE = 8.0  # a BM25 score at which a match counts as fully relevant (score 1.0)


class ContactAnalyzer:
    def __init__(self, *, intent_model, department_model, threshold: float) -> None:
        self.intent_model = intent_model
        self.department_model = department_model
        self.threshold = threshold
        self.kb_index = SearchIndex()
        self.places: list[Place] = []
        self.rules: list[RoutingRule] = []
        self.department_names: dict[str, str] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, session: Session, *, model_dir: Path | None, registry_root: Path | None,
             threshold: float) -> ContactAnalyzer:
        """The current trained versions (or the shipped models), and the database's reference data."""
        from classifier.persist import load_model

        intent_dir = resolve_model_dir("intent", explicit=model_dir, registry_root=registry_root)
        analyzer = cls(
            intent_model=load_model(intent_dir),
            department_model=load_model(resolve_model_dir("department", registry_root=registry_root)),
            threshold=threshold,
        )
        analyzer.refresh(session)
        return analyzer

    def refresh(self, session: Session) -> None:
        index = SearchIndex.from_session(session)
        sites = [
            {"code": s.code, "name": s.name, "level": s.level.value, "town": s.town or "",
             "place": s.place or ""}
            for s in session.scalars(select(Site).where(Site.active.is_(True)))
        ]
        rules = [
            RoutingRule(r.keyword, r.department_code, r.priority, r.level)
            for r in session.scalars(select(RoutingRuleRow).where(RoutingRuleRow.active.is_(True)))
        ]
        names = {code: name for code, name in session.execute(select(Department.code, Department.name))}
        with self._lock:
            self.kb_index, self.places, self.rules, self.department_names = (
                index, places_from_sites(sites), rules, names)

    def _named(self, candidate: dict) -> dict:
        """Department names beside the codes, for people reading the reasons."""
        names = self.department_names
        candidate["department_name"] = names.get(candidate["department"], candidate["department"])
        reasons = []
        for reason in candidate["reasons"]:
            head, arrow, code = reason.rpartition("→ ")
            reasons.append(f"{head}{arrow}{names.get(code, code)}" if arrow else reason)
        candidate["reasons"] = reasons
        return candidate

    def __call__(self, text: str) -> ContactAnalysis:
        if mostly_mongolian(text):
            return self._mongolian(text)
        try:
            prediction = self.intent_model.predict(text, self.threshold)
        except EmptyTextError:
            return ContactAnalysis()
        hits = self.kb_index.search(text, k=KB_TOP_K)
        kb_matches = [
            KbMatch(item_name=h.item.name, department=h.item.department, levels=tuple(h.item.levels),
                    score=min(1.0, h.score / KB_CONFIDENT_SCORE), matched_terms=tuple(h.matched),
                    item_code=h.code)
            for h in hits
        ]
        candidates = route(text, kb_matches=kb_matches, topic=topic_scores(self.department_model, text),
                           places=self.places, rules=self.rules)
        routing = [self._named(c.as_dict()) for c in candidates]
        return ContactAnalysis(
            intent=prediction.label,
            intent_confidence=round(prediction.confidence, 4),
            needs_triage=prediction.needs_triage or not routing,
            routing=routing,
            kb_matches=_kb_match_dicts(hits),
        )

    def _mongolian(self, text: str) -> ContactAnalysis:
        """Text in Mongolian script: the intent and department models read Chinese only, so they are not
        asked (they would answer with confidence anyway). The service items found by their Mongolian
        names are shown; intent and handler are left to a Mongolian-speaking person (triage)."""
        hits = self.kb_index.search(text, k=KB_TOP_K)
        return ContactAnalysis(needs_triage=True, kb_matches=_kb_match_dicts(hits))


def _kb_match_dicts(hits) -> list[dict]:
    return [{"code": h.code, "name": h.item.name, "score": h.score, "department": h.item.department,
             "matched": list(_telling(h.matched))} for h in hits]


def _telling(terms: tuple[str, ...]) -> tuple[str, ...]:
    """Matched terms worth showing a person: words and homophone fixes, not single characters."""
    return tuple(t for t in terms if len(t) >= 2)
