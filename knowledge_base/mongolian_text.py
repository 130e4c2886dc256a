"""Mongolian (traditional script) text for search: normalisation, words and letter trigrams.

The same word reaches us spelled in several ways that look alike or identical on screen: with or without
free variation selectors (FVS1–4) and the Mongolian vowel separator, with ZWJ/ZWNJ, with a narrow no-break
space or a plain space before a suffix, and with letters that share one shape in most positions (o/u and
ö/ü, t/d medially, q/γ, the Todo/foreign k, the rarely typed ee). Normalising folds all of these to one
form; the index and the query both go through it, so a citizen's spelling finds the catalogue's.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible controls: FVS1-3, MVS, FVS4, ZWNJ, ZWJ, word joiner.
_CONTROLS = dict.fromkeys(map(ord, "\u180b\u180c\u180d\u180e\u180f\u200c\u200d\u2060"))
# Letters written alike (or confused when typing) -> one representative.
_FOLD = str.maketrans({
    "\u1823": "\u1824",  # o -> u
    "\u1825": "\u1824",  # ö -> u
    "\u1826": "\u1824",  # ü -> u
    "\u1827": "\u1821",  # ee -> e
    "\u1832": "\u1833",  # t -> d
    "\u182d": "\u182c",  # γ/g -> q/k
    "\u183a": "\u182c",  # k (foreign) -> q
    "\u183b": "\u182c",  # kh (foreign) -> q
    "\u183e": "\u182c",  # h (foreign) -> q
    "\u1842": "\u1834",  # ch (foreign) -> č
    "\u1841": "\u1835",  # zh (foreign) -> ǰ
    "\u1831": "\u1830",  # š -> s
})
MONGOLIAN_LETTER = re.compile(r"[\u1820-\u1878\u1880-\u18aa]")
_WORD = re.compile(r"[\u1820-\u1878\u1880-\u18aa]+")


def has_mongolian(text: str) -> bool:
    return bool(MONGOLIAN_LETTER.search(text or ""))


def mostly_mongolian(text: str) -> bool:
    """More Mongolian letters than Chinese characters and Latin letters together: a Mongolian text."""
    mongolian = len(MONGOLIAN_LETTER.findall(text or ""))
    other = sum(1 for c in text or "" if c.isalpha() and not MONGOLIAN_LETTER.match(c))
    return mongolian > 0 and mongolian >= other


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").translate(_CONTROLS)
    text = text.replace("\u202f", " ").translate(_FOLD)
    return re.sub(r"\u1836\u1822", "\u1822", text)  # medial "yi" typed for "i" (neyite / neite)


def words(text: str) -> list[str]:
    """Normalised Mongolian words (suffixes after a NNBSP are words of their own)."""
    return _WORD.findall(normalize(text))


def trigrams(text: str) -> list[str]:
    """Letter trigrams of each word (padded), for partial words and remaining spelling differences."""
    grams = []
    for word in words(text):
        padded = f"^{word}$"
        grams += [padded[i:i + 3] for i in range(len(padded) - 2)]
    return grams
