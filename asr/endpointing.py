"""Faster finals: Vosk ends an utterance after trailing silence by Kaldi's endpoint rules, which Vosk 0.3.45
reads only from the model's ``conf/model.conf`` (its Python API has no setter). :func:`with_trailing_silence`
makes an overlay model directory -- symlinks to the model's files and an edited ``model.conf`` -- in which no
rule waits longer than the given silence:

- rule2 (confident end of sentence) and rule3 (fairly confident) keep the model's values when shorter;
- rule4 (any ending, however unsure: the rule espeak or noisy telephone speech usually ends by) is capped.

So ``trailing_silence = 1.0`` turns the Korean model's 0.5/1.0/2.0 s into 0.5/1.0/1.0 s.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

RULES = ("rule2", "rule3", "rule4")
_OPTION = re.compile(r"^--endpoint\.(rule\d)\.min-trailing-silence=([0-9.]+)\s*$", re.MULTILINE)


def endpoint_silences(model_dir: Path) -> dict[str, float]:
    """The model's own min-trailing-silence per rule (Kaldi's defaults where model.conf has none)."""
    found = {"rule2": 0.5, "rule3": 1.0, "rule4": 2.0}
    conf = model_dir / "conf" / "model.conf"
    if conf.is_file():
        text = conf.read_text(encoding="utf-8")
        found.update({rule: float(value) for rule, value in _OPTION.findall(text)})
    return found


def with_trailing_silence(model_dir: Path, seconds: float, *, cache: Path | None = None) -> Path:
    """An overlay of ``model_dir`` whose endpoint rules wait at most ``seconds`` of silence (the model
    itself when it already does). The overlay lives under ``cache`` (default: the temp dir), named after the
    model and the setting, and is rebuilt when missing; the model's files are not copied."""
    model_dir = model_dir.resolve()
    own = endpoint_silences(model_dir)
    wanted = {rule: min(value, seconds) for rule, value in own.items()}
    if wanted == own:
        return model_dir
    key = hashlib.sha256(f"{model_dir}|{seconds:.3f}".encode()).hexdigest()[:12]
    overlay = (cache or Path(tempfile.gettempdir())) / f"vosk-endpoint-{model_dir.name}-{key}"
    conf_text = _edited_conf(model_dir, wanted)
    conf = overlay / "conf" / "model.conf"
    if conf.is_file() and conf.read_text(encoding="utf-8") == conf_text:
        return overlay
    (overlay / "conf").mkdir(parents=True, exist_ok=True)
    for entry in model_dir.iterdir():
        if entry.name != "conf":
            _link(overlay / entry.name, entry)
    for entry in (model_dir / "conf").iterdir():
        if entry.name != "model.conf":
            _link(overlay / "conf" / entry.name, entry)
    part = conf.with_name(f"model.conf.{key}.part")  # workers starting together: write, then rename
    part.write_text(conf_text, encoding="utf-8")
    part.replace(conf)
    return overlay


def _edited_conf(model_dir: Path, silences: dict[str, float]) -> str:
    conf = model_dir / "conf" / "model.conf"
    text = conf.read_text(encoding="utf-8") if conf.is_file() else ""
    lines = [line for line in text.splitlines() if not _OPTION.match(line)]
    lines += [f"--endpoint.{rule}.min-trailing-silence={silences[rule]:g}" for rule in RULES]
    return "\n".join(lines) + "\n"


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.resolve() == target.resolve():
            return
        link.unlink()
    link.symlink_to(target)
