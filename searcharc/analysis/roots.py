"""ISRI root extraction (Taghva, Elkhoury & Coombs 2005, "Arabic stemming without a root
dictionary"), for words already normalized by searcharc: the index's ``root`` view.

The steps and patterns are those of NLTK's ``ISRIStemmer`` (tests/test_roots.py checks that
both give the same root for every word), minus what our normalizer has already done: marks,
initial hamza (أ إ آ → ا), and teh marbuta (ة → ه, so ISRI's patterns that end in ة never
apply and ه comes off as a one-letter suffix instead). Its list of 60 stopwords is left out:
the analyzer drops function words before they are stemmed. NLTK itself costs a second to
import on every cold start; these tables cost nothing.
"""

from __future__ import annotations

from functools import lru_cache

PREFIXES_3 = ("كال", "بال", "ولل", "وال")
PREFIXES_2 = ("ال", "لل")
PREFIX_1 = frozenset("لبفسويتنا")
SUFFIXES_3 = ("تمل", "همل", "تان", "تين", "كمل")
SUFFIXES_2 = (
    "ون", "ات", "ان", "ين", "تن", "كم", "هن", "نا", "يا", "ها", "تم", "كن", "ني", "وا", "ما", "هم"
)  # fmt: skip
SUFFIX_1 = frozenset("هيكتان")

# A pattern: conditions (position, letters it may hold; or an int: the same letter as that
# position), then the positions whose letters are the root. Tried in order; the first wins.
Pattern = tuple[tuple[tuple[int, str | int], ...], tuple[int, ...]]
FOUR: tuple[Pattern, ...] = (
    (((0, "م"),), (1, 2, 3)),  # مفعل
    (((1, "ا"),), (0, 2, 3)),  # فاعل
    (((2, "اوي"),), (0, 1, 3)),  # فعال فعول فعيل
)
FIVE_TO_THREE: tuple[Pattern, ...] = (
    (((2, "ات"), (0, "ا")), (1, 3, 4)),  # افتعل افاعل
    (((3, "ايو"), (0, "م")), (1, 2, 4)),  # مفعول مفعال مفعيل
    (((0, "ميت"), (2, "ت")), (1, 3, 4)),  # مفتعل يفتعل تفتعل
    (((0, "مت"), (2, "ا")), (1, 3, 4)),  # مفاعل تفاعل
    (((0, "ام"), (1, "ن")), (2, 3, 4)),  # انفعل منفعل
    (((3, "ا"), (0, "ا")), (1, 2, 4)),  # افعال
    (((4, "ن"), (3, "ا")), (0, 1, 2)),  # فعلان
    (((3, "ي"), (0, "ت")), (1, 2, 4)),  # تفعيل
    (((3, "و"), (1, "ا")), (0, 2, 4)),  # فاعول
    (((2, "ا"), (1, "و")), (0, 3, 4)),  # فواعل
    (((3, "ئ"), (2, "ا")), (0, 1, 4)),  # فعائل
    (((4, "ي"), (2, "ا")), (0, 1, 3)),  # فعالي
)
FIVE_TO_FOUR: tuple[Pattern, ...] = (
    (((0, "اتم"),), (1, 2, 3, 4)),  # تفعلل افعلل مفعلل
    (((2, "ا"),), (0, 1, 3, 4)),  # فعالل
)
SIX_TO_THREE: tuple[Pattern, ...] = (
    (((0, "ام"), (1, "س"), (2, "ت")), (3, 4, 5)),  # استفعل مستفعل
    (((0, "ا"), (2, "ت"), (4, "ا")), (1, 3, 5)),  # افتعال
    (((0, "ا"), (3, "و"), (2, 4)), (1, 4, 5)),  # افعوعل
    (((0, "ت"), (2, "ا"), (4, "ي")), (1, 3, 5)),  # تفاعيل
)
SIX_TO_FOUR: tuple[Pattern, ...] = (
    (((0, "ا"), (4, "ا")), (1, 2, 3, 5)),  # افعلال
    (((0, "م"), (1, "ت")), (2, 3, 4, 5)),  # متفعلل
)


def _match(word: str, patterns: tuple[Pattern, ...]) -> str | None:
    """The root picked out by the first pattern that ``word`` fits, else None."""
    for conditions, keep in patterns:
        for i, want in conditions:
            if not (word[i] == word[want] if want.__class__ is int else word[i] in want):
                break
        else:
            return "".join([word[i] for i in keep])
    return None


def _trim(word: str) -> str:
    """One letter off: a one-letter suffix if there is one, else a one-letter prefix."""
    if word[-1] in SUFFIX_1:
        return word[:-1]
    return word[1:] if word[0] in PREFIX_1 else word


def _strip(word: str) -> str:
    """ISRI's first steps: one three- or two-letter prefix, then suffix, then a doubled و."""
    if len(word) >= 6 and word.startswith(PREFIXES_3):
        word = word[3:]
    elif len(word) >= 5 and word.startswith(PREFIXES_2):
        word = word[2:]
    if len(word) >= 6 and word.endswith(SUFFIXES_3):
        word = word[:-3]
    elif len(word) >= 5 and word.endswith(SUFFIXES_2):
        word = word[:-2]
    return word[1:] if len(word) >= 4 and word.startswith("وو") else word


TO_THREE = {4: FOUR, 5: FIVE_TO_THREE, 6: SIX_TO_THREE}
TO_FOUR = {5: FIVE_TO_FOUR, 6: SIX_TO_FOUR}


def _patterns(word: str) -> str:
    """A word of four to six letters: a three-letter root by the patterns of its length; else
    one letter off, and the patterns of the shorter word; else a four-letter root (ISRI's
    pro_w4, pro_w53 and end_w5, pro_w6 and end_w6)."""
    length = len(word)
    word = _match(word, TO_THREE[length]) or _trim(word)
    if len(word) == length:  # no pattern, no letter to take off
        return _match(word, TO_FOUR.get(length, ())) or word
    return _patterns(word) if len(word) >= 4 else word


@lru_cache(maxsize=1 << 18)
def isri_root(word: str) -> str:
    """The ISRI root of a normalized word (مكافحه → كفح, المرتبطه → ربط); words of under four
    or over seven letters once their affixes are off stay as they are."""
    word = _strip(word)
    if len(word) == 7:
        word = _trim(word)
    return _patterns(word) if 4 <= len(word) <= 6 else word
