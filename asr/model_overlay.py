"""An overlay of a Vosk model directory: symlinks to the model's files and one edited ``conf/`` file.

Vosk 0.3.45 reads its feature and endpoint options only from the model's ``conf/`` files (its Python API has
no setters), so a setting is changed by loading an overlay whose file says so; the model is not copied.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path


def overlay_with_conf(model_dir: Path, conf_name: str, text: str, *, tag: str,
                      cache: Path | None = None) -> Path:
    """``model_dir`` seen with ``conf/<conf_name>`` replaced by ``text``. The overlay lives under ``cache``
    (default: the temp dir), named after the model and ``tag``, and is rebuilt when missing or different."""
    model_dir = model_dir.resolve()
    key = hashlib.sha256(f"{model_dir}|{tag}".encode()).hexdigest()[:12]
    overlay = (cache or Path(tempfile.gettempdir())) / f"vosk-{tag.split('|')[0]}-{model_dir.name}-{key}"
    conf = overlay / "conf" / conf_name
    if conf.is_file() and not conf.is_symlink() and conf.read_text(encoding="utf-8") == text:
        return overlay
    (overlay / "conf").mkdir(parents=True, exist_ok=True)
    for entry in model_dir.iterdir():
        if entry.name != "conf":
            _link(overlay / entry.name, entry)
    if (model_dir / "conf").is_dir():
        for entry in (model_dir / "conf").iterdir():
            if entry.name != conf_name:
                _link(overlay / "conf" / entry.name, entry)
    part = conf.with_name(f"{conf_name}.{key}.part")  # workers starting together: write, then rename
    if part.is_symlink():
        part.unlink()
    part.write_text(text, encoding="utf-8")
    if conf.is_symlink():
        conf.unlink()
    part.replace(conf)
    return overlay


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.resolve() == target.resolve():
            return
        link.unlink()
    try:
        link.symlink_to(target)
    except FileExistsError:  # another worker starting at the same moment made it
        if link.resolve() != target.resolve():
            raise
