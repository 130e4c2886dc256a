"""The default models shipped inside the package (classifier/models/<task>/), trained on the shipped data.

Rebuilt by ``python -m classifier.data.build_shipped``; a test checks that their recorded data hash still
matches the shipped CSVs, so they cannot silently go stale.
"""

from __future__ import annotations

from pathlib import Path

from classifier.model import TextModel
from classifier.persist import load_model

SHIPPED_DIR = Path(__file__).resolve().parent / "models"
SHIPPED_TASKS = ("intent", "department")


def shipped_model_dir(task: str) -> Path:
    if task not in SHIPPED_TASKS:
        raise ValueError(f"no shipped model for task {task!r}; shipped: {', '.join(SHIPPED_TASKS)}")
    return SHIPPED_DIR / task


def resolve_model_dir(task: str, *, explicit: Path | None = None, registry_root: Path | None = None) -> Path:
    """Which model to use: an explicit directory, else the registry's current version, else the shipped
    one."""
    if explicit is not None:
        return Path(explicit)
    if registry_root is not None:
        from classifier.versions import ModelRegistry

        current = ModelRegistry(registry_root, task).current_path()
        if current is not None:
            return current
    return shipped_model_dir(task)


def load_shipped(task: str) -> TextModel:
    return load_model(shipped_model_dir(task))
