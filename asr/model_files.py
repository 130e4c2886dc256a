"""Finding, checking and loading a Vosk model directory."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asr.errors import ModelNotFoundError

if TYPE_CHECKING:
    from asr.vosk_backend import VoskModel

HOW_TO_GET_A_MODEL = (
    "set HOTLINE_VOSK_MODEL to a Vosk model directory, or run `hotline models download small-cn`"
)
MANIFEST_NAME = ".hotline-manifest.json"  # written after download: size and sha256 of every file
_REQUIRED = ("am/final.mdl", "conf/model.conf")
_GRAPHS = (("graph/HCLG.fst",), ("graph/HCLr.fst", "graph/Gr.fst"))


def model_problems(path: Path) -> list[str]:
    """What is wrong with ``path`` as a Vosk model directory (empty list: looks complete)."""
    if not path.exists():
        return [f"{path} does not exist"]
    if not path.is_dir():
        return [f"{path} is a file, not a model directory"]
    problems = [f"missing {name}" for name in _REQUIRED if not (path / name).is_file()]
    if not any(all((path / f).is_file() for f in graph) for graph in _GRAPHS):
        problems.append("missing graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)")
    if problems:
        nested = [d for d in path.iterdir() if d.is_dir() and (d / "am" / "final.mdl").is_file()]
        if nested:
            problems.append(f"the model seems to be one level down: use {nested[0]}")
    return problems


def load_model(path: Path | str | None, *, log_level: int = -1, trailing_silence: float | None = None
               ) -> VoskModel:
    """Load a Vosk model (1-2 s, ~500 MB); load it once per process and share it.

    ``trailing_silence``: end utterances after at most this many seconds of silence (see
    :mod:`asr.endpointing`); None keeps the model's own rules.

    Raises :class:`ModelNotFoundError` saying what to run or set when ``path`` is None,
    missing or not a model.
    """
    if path is None or str(path) == "":
        raise ModelNotFoundError(f"No Vosk model configured: {HOW_TO_GET_A_MODEL}.")
    path = Path(path).expanduser()
    problems = model_problems(path)
    if problems:
        raise ModelNotFoundError(
            f"No usable Vosk model at {path}: {'; '.join(problems)}. To fix: {HOW_TO_GET_A_MODEL}."
        )
    from asr.dither import without_dither
    from asr.vosk_backend import VoskModel

    path = path.resolve()
    undithered = without_dither(path)  # Kaldi's random dither off; the recognizers add a seeded one
    seeded_dither = undithered != path
    path = undithered
    if trailing_silence is not None:
        from asr.endpointing import with_trailing_silence

        path = with_trailing_silence(path, trailing_silence)
    return VoskModel(path, log_level=log_level, seeded_dither=seeded_dither)


def write_manifest(model_dir: Path, source: str) -> dict[str, Any]:
    """Record size and sha256 of every file so :func:`verify_manifest` can detect later damage."""
    files = {
        str(f.relative_to(model_dir)): {"size": f.stat().st_size, "sha256": file_sha256(f)}
        for f in sorted(model_dir.rglob("*"))
        if f.is_file() and f.name != MANIFEST_NAME
    }
    manifest = {"source": source, "files": files}
    text = json.dumps(manifest, indent=1, ensure_ascii=False)
    (model_dir / MANIFEST_NAME).write_text(text, encoding="utf-8")
    return manifest


def verify_manifest(model_dir: Path) -> list[str] | None:
    """Problems found by re-hashing the files listed in the manifest; None when there is no manifest."""
    manifest_path = model_dir / MANIFEST_NAME
    if not manifest_path.is_file():
        return None
    files = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
    problems = []
    for name, expected in files.items():
        f = model_dir / name
        if not f.is_file():
            problems.append(f"missing {name}")
        elif f.stat().st_size != expected["size"] or file_sha256(f) != expected["sha256"]:
            problems.append(f"changed or damaged: {name}")
    return problems


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
