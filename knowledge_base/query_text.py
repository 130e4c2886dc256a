"""Text analysis for service-item search: words, spoken-language fillers, synonyms, pinyin bigrams.

Words come from the shared jieba segmenter (classifier.segment). Homophone typos of ASR or
typed text (设保 for 社保, 低包 for 低保) are caught by matching toneless pinyin syllable
bigrams, with the finals and initials that speakers here merge (zh/z, ch/c, sh/s, -ng/-n)
folded together.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from classifier import segment

CJK = re.compile(r"[\u3400-\u9fff]")
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_WORD_CHARS = re.compile(r"[\w\u3400-\u9fff]+")
_ALNUM = re.compile(r"[0-9]+|[a-z]+")

# Fillers and function words of spoken questions; they carry no service meaning.
STOPWORDS = frozenset(
    """
    喂 嗯 啊 呃 哦 噢 诶 哎 呀 吧 呢 吗 嘛 啦 哈 了 的 得 着 过 么 呗
    你好 您好 请问 麻烦 一下 问问 问一下 我想 想 想问 想问一下 想要 我要 我们 你们 咱们 他们
    我 你 您 他 她 它 这 那 这个 那个 那些 这些 就是 然后 还有 还是 就 都 也 还 又 再 才 又是
    咋 咋办 咋弄 咋整 怎么 怎么办 怎么弄 怎样 怎么样 如何 什么 啥 啥子 哪 哪里 哪儿 哪个 在哪 在哪里
    谁 找谁 能 能不能 可以 可不可以 会 要 需要 得要 应该 是 是不是 有 有没有 没 没有 不 不能 行不行
    去 来 到 在 给 把 被 和 跟 与 或 及 一个 个 点 些 多少 多久 多长时间 时候 现在 今年 已经 刚
    办 办理 弄 搞 问 说 知道 告诉 帮 帮我 一声 下 上 里 中 吧 呐
    """.split()
)

# Spoken or regional words -> the vocabulary the catalogue uses. Expansions score a bit lower.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "娃": ("儿童", "孩子"), "小孩": ("儿童", "孩子"), "孩子": ("儿童", "子女"),
    "闺女": ("子女",), "老人": ("老年人",), "老人家": ("老年人",),
    "爹妈": ("父母",), "爸妈": ("父母",), "爸": ("老人", "父母"), "妈": ("老人", "父母"),
    "爷爷": ("老人",), "奶奶": ("老人",), "老爷子": ("老人",), "老太太": ("老人",),
    "去世": ("死亡", "过世"), "没了": ("死亡",),
    "丢": ("遗失", "补办"), "丢了": ("遗失", "补办", "挂失"), "掉了": ("遗失", "补办"),
    "补": ("补办", "补领"), "过期": ("到期",), "换": ("换领", "换证"),
    "钱": ("费用",), "工钱": ("工资",), "欠": ("拖欠",),
    "看病": ("就医",), "住院": ("就医",), "报": ("报销",),
    "驾照": ("驾驶证",), "房本": ("不动产",), "牛羊": ("牲畜",),
    "羊": ("牲畜",), "牛": ("牲畜",), "马": ("牲畜",), "骆驼": ("牲畜",),
    "草场": ("草原",), "草地": ("草原",), "村里": ("嘎查",), "村": ("嘎查",), "村委会": ("嘎查",),
    "当兵": ("退役", "军人"), "退伍": ("退役",), "老兵": ("退役军人",),
    "媳妇": ("配偶",), "老公": ("配偶",), "上户口": ("落户", "出生登记"),
    "开店": ("营业执照",), "小卖部": ("个体工商户",), "饭馆": ("餐饮",), "饭店": ("餐饮",),
    "打官司": ("诉讼", "律师"), "吵架": ("纠纷",),
}
SYNONYM_WEIGHT = 0.6

_FOLD_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))


def normalize(text: str) -> str:
    """NFKC, lower case, and no spaces between Chinese characters (Vosk puts spaces between words)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _SPACE_BETWEEN_CJK.sub("", text)


def words(text: str, *, drop_stopwords: bool = True) -> list[str]:
    """Search words of ``text``: jieba words plus sub-words, punctuation and fillers dropped."""
    text = normalize(text)
    out = []
    for word in segment.cut_for_search(text, hmm=False):
        if not _WORD_CHARS.fullmatch(word):
            continue
        if drop_stopwords and word in STOPWORDS:
            continue
        out.append(word)
    # digits and Latin inside a longer word (80 in 80岁补贴, 12333) count as words of their own
    out += [w for w in _ALNUM.findall(text) if w not in out and w not in STOPWORDS]
    return out


def content_chars(run: str) -> list[str]:
    """Characters of a run that mean something (了, 的, 吗 ... dropped)."""
    return [c for c in run if c not in STOPWORDS]


def content_runs(text: str) -> list[str]:
    """Runs of Chinese characters left after dropping fillers (pinyin bigrams never span a filler)."""
    runs: list[str] = []
    current: list[str] = []
    for word in segment.cut(normalize(text), hmm=False):
        if word in STOPWORDS or not CJK.search(word):
            if current:
                runs.append("".join(current))
            current = []
        else:
            current.append("".join(CJK.findall(word)))
    if current:
        runs.append("".join(current))
    return runs


@lru_cache(maxsize=8192)
def syllable(char: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(char, style=Style.NORMAL)[0]


def fold(pinyin: str) -> str:
    """Merge sounds that callers here (and ASR) often confuse: zh/z, ch/c, sh/s, ing/in, eng/en."""
    for long, short in _FOLD_INITIALS:
        if pinyin.startswith(long):
            pinyin = short + pinyin[len(long):]
            break
    if pinyin.endswith(("ing", "eng")):
        pinyin = pinyin[:-1]
    return pinyin


def pinyin_bigrams(run: str) -> list[tuple[str, str]]:
    """``(bigram, characters)`` pairs of a Chinese run: 社保卡 -> (she_bao, 社保), (bao_ka, 保卡)."""
    chars = CJK.findall(run)
    if len(chars) < 2:
        return []
    sounds = _run_syllables("".join(chars))
    return [(f"{sounds[i]}_{sounds[i + 1]}", chars[i] + chars[i + 1]) for i in range(len(chars) - 1)]


@lru_cache(maxsize=8192)
def _run_syllables(run: str) -> tuple[str, ...]:
    """Syllables in context (pypinyin's phrase dictionary picks 银行 hang, 行政 xing)."""
    from pypinyin import Style, lazy_pinyin

    sounds: list[str] = lazy_pinyin(run, style=Style.NORMAL, errors=lambda chars: ["?"] * len(chars))  # type: ignore[arg-type,return-value]  # pypinyin accepts a list
    if len(sounds) != len(run):  # unexpected split: fall back to one character at a time
        sounds = [syllable(c) for c in run]
    return tuple(sounds)


def expansions(word: str) -> list[tuple[str, float]]:
    """Extra query terms for ``word`` with their weights: synonyms, and numerals as digits (八十 -> 80)."""
    out = [(s, SYNONYM_WEIGHT) for s in SYNONYMS.get(word, ())]
    number = chinese_number(word)
    if number is not None:
        out.append((str(number), 1.0))
    return out


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(word: str) -> int | None:
    """八十 -> 80, 一百零五 -> 105, 十六 -> 16; None unless the word is a plain Chinese numeral."""
    if len(word) < 2 or any(c not in _DIGITS and c not in _UNITS for c in word):
        return None
    total, digit = 0, None
    for char in word:
        if char in _DIGITS:
            digit = _DIGITS[char]
        else:
            total += (1 if digit is None else digit) * _UNITS[char]
            digit = None
    return total + (digit or 0)


def fuzzy(bigram: str) -> str:
    """The folded form of an exact pinyin bigram (she_bao -> se_bao, jing_tie -> jin_tie)."""
    return "_".join(fold(s) for s in bigram.split("_"))
