"""The callback's recorded prompts, per language. Mongolian slots fall back to Mandarin while empty."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from hotline.sip.pcm import load_wav_pcm

log = logging.getLogger(__name__)
PROMPTS_DIR = Path(__file__).resolve().parent.parent / "hotline" / "prompts"
NAMES = ("question", "thanks", "reopen", "no_input", "goodbye")
LANGUAGES = ("zh", "mn")


class PromptMissingError(FileNotFoundError):
    """A Mandarin callback prompt is missing (Mandarin is the fallback for every language)."""


@dataclass(frozen=True)
class PromptSet:
    language: str  # the language the audio is actually in
    audio: dict[str, bytes]  # name -> 16-bit mono PCM at the endpoint clock rate

    def __getitem__(self, name: str) -> bytes:
        return self.audio[name]


class CallbackPrompts:
    """``callback_<name>_<lang>.wav`` files from ``directory`` (default: hotline/prompts), loaded once."""

    def __init__(self, sample_rate: int, directory: Path = PROMPTS_DIR) -> None:
        self.directory = Path(directory)
        self.sets: dict[str, PromptSet] = {}
        for lang in LANGUAGES:
            paths = {name: self.directory / f"callback_{name}_{lang}.wav" for name in NAMES}
            if all(p.is_file() for p in paths.values()):
                self.sets[lang] = PromptSet(lang, {n: load_wav_pcm(p, sample_rate) for n, p in paths.items()})
            elif lang == "zh":
                missing = ", ".join(str(p) for p in paths.values() if not p.is_file())
                raise PromptMissingError(f"callback prompts missing: {missing}; run "
                                         "`sh hotline/prompts/generate_callbacks.sh` or record them")
            else:
                log.warning("callback prompt slot %s is empty (%s): %s speakers hear the Mandarin prompts",
                            lang, self.directory / f"callback_*_{lang}.wav", lang)

    def for_language(self, language: str, *, callback_id: int | None = None) -> PromptSet:
        chosen = self.sets.get(language)
        if chosen is None:
            log.info("callback %s: no %s prompts recorded, using Mandarin", callback_id, language)
            return self.sets["zh"]
        return chosen
