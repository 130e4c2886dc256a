"""A trained text classifier (intent, department, any topic set) with its metadata."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from classifier.datasets import data_hash
from classifier.features import INTENT_FEATURES, FeatureSpec, build_pipeline, fitted_spec, prepare
from classifier.labels import display_label
from classifier.text import require_text

DEFAULT_THRESHOLD = 0.45


@dataclass(frozen=True)
class Prediction:
    label: str
    display: str  # Chinese display label (咨询/投诉/…) or the label itself
    confidence: float
    alternatives: list[tuple[str, float]]  # every label, most probable first (includes ``label``)
    needs_triage: bool  # confidence below the threshold: a person decides

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "display": self.display,
            "confidence": round(self.confidence, 4),
            "needs_triage": self.needs_triage,
            "alternatives": [{"label": lab, "probability": round(p, 4)} for lab, p in self.alternatives],
        }


@dataclass
class ModelMeta:
    task: str
    labels: list[str]
    features: FeatureSpec
    data_hash: str
    rows: int
    class_counts: dict[str, int]
    created_at: str
    sklearn_version: str
    train_seconds: float = 0.0
    display: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str | int] = field(default_factory=dict)  # e.g. {"shipped": 1600, "corrections": 3}

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["features"] = self.features.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelMeta:
        data = dict(data)
        data["features"] = FeatureSpec.from_dict(data.get("features", {}))
        return cls(**{k: v for k, v in data.items() if k in cls.__annotations__})


class TextModel:
    def __init__(self, pipeline: Any, meta: ModelMeta) -> None:
        self.pipeline = pipeline
        self.meta = meta

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        task: str,
        weights: Sequence[float] | None = None,
        features: FeatureSpec = INTENT_FEATURES,
        sources: dict[str, str | int] | None = None,
    ) -> TextModel:
        import sklearn

        if len(texts) != len(labels) or not texts:
            raise ValueError("need the same, non-zero number of texts and labels")
        counts = Counter(labels)
        if len(counts) < 2:
            raise ValueError(f"need at least two labels to train, got {sorted(counts)}")
        weights = list(weights) if weights is not None else [1.0] * len(texts)
        started = time.perf_counter()
        features = fitted_spec(features, texts)
        pipeline = build_pipeline(features, min(counts.values()))
        pipeline.fit(prepare(texts, features), list(labels), clf__sample_weight=weights)
        meta = ModelMeta(
            task=task,
            labels=[str(c) for c in pipeline.classes_],
            features=features,
            data_hash=data_hash(texts, labels, weights),
            rows=len(texts),
            class_counts=dict(sorted(counts.items())),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            sklearn_version=sklearn.__version__,
            train_seconds=round(time.perf_counter() - started, 2),
            sources=sources or {},
        )
        return cls(pipeline, meta)

    @property
    def labels(self) -> list[str]:
        return list(self.meta.labels)

    def predict(self, text: str, threshold: float = DEFAULT_THRESHOLD) -> Prediction:
        """Most probable label; :class:`classifier.text.EmptyTextError` if there is no text."""
        return self.predict_many([require_text(text)], threshold)[0]

    def predict_many(self, texts: Sequence[str], threshold: float = DEFAULT_THRESHOLD) -> list[Prediction]:
        if not texts:
            return []
        probs = self.pipeline.predict_proba(prepare(texts, self.meta.features))
        classes = [str(c) for c in self.pipeline.classes_]
        out = []
        for row in probs:
            ranked = sorted(zip(classes, (float(p) for p in row), strict=True), key=lambda lp: -lp[1])
            label, confidence = ranked[0]
            out.append(
                Prediction(
                    label=label,
                    display=display_label(label, self.meta.display),
                    confidence=confidence,
                    alternatives=ranked,
                    needs_triage=confidence < threshold,
                )
            )
        return out

    def predict_labels(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(prepare(texts, self.meta.features))]
