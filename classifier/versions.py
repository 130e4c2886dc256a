"""Versioned models on disk: <root>/<task>/<version>/{model.skops,meta.json} and a CURRENT marker.

Publishing writes a new version directory and moves CURRENT to it; rolling back moves CURRENT to an older
version. Nothing is ever deleted, so every model that was live can be inspected and restored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from classifier.model import ModelMeta, TextModel
from classifier.persist import ModelLoadError, load_model, read_meta, save_model

CURRENT_FILE = "CURRENT"


@dataclass(frozen=True)
class VersionInfo:
    version: str
    path: Path
    meta: ModelMeta
    current: bool


class ModelRegistry:
    def __init__(self, root: Path, task: str):
        if not task.isidentifier():
            raise ValueError(f"task must be a plain name like 'intent', got {task!r}")
        self.task = task
        self.directory = Path(root) / task

    def publish(self, model: TextModel, *, make_current: bool = True) -> VersionInfo:
        """Save ``model`` as a new version (name: UTC time to the microsecond + data-hash prefix), current."""
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")  # fixed width: names sort by time
        version = f"{stamp}-{model.meta.data_hash[:8]}"
        n = 1
        while (self.directory / version).exists():
            n += 1
            version = f"{stamp}-{model.meta.data_hash[:8]}-{n}"
        path = save_model(model, self.directory / version)
        if make_current:
            self._write_current(version)
        return VersionInfo(version, path, model.meta, make_current)

    def versions(self) -> list[VersionInfo]:
        """Every saved version, oldest first."""
        if not self.directory.is_dir():
            return []
        current = self.current()
        out = []
        for path in sorted(p for p in self.directory.iterdir() if p.is_dir()):
            try:
                meta = read_meta(path)
            except (ModelLoadError, ValueError, TypeError):
                continue  # a half-written or foreign directory
            out.append(VersionInfo(path.name, path, meta, path.name == current))
        return out

    def current(self) -> str | None:
        marker = self.directory / CURRENT_FILE
        if not marker.is_file():
            return None
        version = marker.read_text(encoding="utf-8").strip()
        return version if (self.directory / version).is_dir() else None

    def current_path(self) -> Path | None:
        version = self.current()
        return self.directory / version if version else None

    def rollback(self, version: str) -> VersionInfo:
        """Make ``version`` current again; ``ValueError`` naming the known versions if it does not exist."""
        known = {v.version: v for v in self.versions()}
        if version not in known:
            listed = ", ".join(known) or "none yet"
            raise ValueError(f"no {self.task} model version {version!r}; known versions: {listed}")
        load_model(known[version].path)  # refuse to switch to a version that does not load
        self._write_current(version)
        return VersionInfo(version, known[version].path, known[version].meta, True)

    def _write_current(self, version: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / (CURRENT_FILE + ".tmp")
        tmp.write_text(version + "\n", encoding="utf-8")
        os.replace(tmp, self.directory / CURRENT_FILE)
