"""Classifier fixtures: one intent model trained on the shipped data per test session."""

from __future__ import annotations

import pytest

from classifier.datasets import SHIPPED_TEST, SHIPPED_TRAIN, read_labelled_csv
from classifier.model import TextModel


@pytest.fixture(scope="session")
def intent_train():
    return read_labelled_csv(SHIPPED_TRAIN["intent"])


@pytest.fixture(scope="session")
def intent_test():
    return read_labelled_csv(SHIPPED_TEST["intent"])


@pytest.fixture(scope="session")
def trained_intent(intent_train) -> TextModel:
    """Trained here from the shipped CSV (not loaded), so the tests exercise training itself."""
    return TextModel.train(intent_train.texts, intent_train.labels, task="intent")
