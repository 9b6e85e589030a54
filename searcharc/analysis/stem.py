"""Light stemmers for normalized Arabic words, chosen by name so that the index can record which.

``light_stem`` is in the light10 family (Larkey et al. 2007, the stemmer behind Lucene's
ArabicStemmer): strip one conjunction or preposition, one definite article, then the common
suffixes. Its length guards are tighter than Lucene's, and a short list of words whose first or
last letters are radicals keeps the known misfires (والد→الد, وزير→زير, الله→له, وجه→وج) whole.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache

from searcharc.analysis.roots import isri_root

# Conjunctions (و ف) and prepositions (ب ك ل) written as one letter on the word.
CONJUNCTIONS = ("و", "ف")
PREPOSITIONS = ("ب", "ك", "ل")
# The definite article, alone or behind a clitic; لل is ل + ال with the alef dropped.
ARTICLE_PREFIXES = ("وال", "فال", "بال", "كال", "لل", "ال")
# Removed in this order, each at most once (light10's list, ة already folded to ه).
SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")

MIN_AFTER_CONJUNCTION = 4  # ولد, وزير stay whole; وستنصب → ستنصب
MIN_AFTER_PREPOSITION = 5  # بلاده, بريدك stay whole; لمكافحه → مكافحه
MIN_AFTER_ARTICLE = 2  # الحج → حج
MIN_AFTER_LONG_SUFFIX = 4  # تعاون stays whole (light10 gives تعا); مغربيه → مغرب
MIN_AFTER_SHORT_SUFFIX = 3  # وجه stays whole; منطقه → منطق

# Words whose leading و or ال, or trailing ه/ي, is part of the word, mapped to their stem.
# Also reached behind a clitic or article: بالله, لله → الله; للوزير → وزير.
LEXICON: dict[str, str] = {
    "الله": "الله",
    "اللهم": "الله",
    "لله": "الله",
    "ولله": "الله",  # و + لله: too short for the conjunction guard, so listed
    "فلله": "الله",
    "والد": "والد",
    "والده": "والد",
    "والدي": "والد",
    "والدين": "والد",
    "والدان": "والد",
    "وزير": "وزير",
    "وزيره": "وزير",
    "وزيرا": "وزير",  # the accusative and dual, else و comes off: زيرا, زيران
    "وزيران": "وزير",
    "وزيرين": "وزير",
    "وزراء": "وزراء",
    "وزاره": "وزاره",
    "وزارات": "وزاره",
    "ولايه": "ولايه",
    "ولايات": "ولايه",
    "وجه": "وجه",
    "وجهه": "وجه",
    "وجوه": "وجوه",
    "وكاله": "وكاله",
    "وكالات": "وكاله",
    "وثيقه": "وثيقه",
    "وثائق": "وثيقه",
    "واشنطن": "واشنطن",
    "وطن": "وطن",
    "وطني": "وطن",
    "وطنيه": "وطن",
    "ولد": "ولد",
    "واقع": "واقع",
    "والي": "والي",
    "ليبيا": "ليبيا",
    "بريطانيا": "بريطانيا",
    "بلجيكا": "بلجيكا",
    "كندا": "كندا",
    "فلسطين": "فلسطين",
    "فرنسا": "فرنسا",
}


def _strip_article(word: str) -> str:
    for prefix in ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_AFTER_ARTICLE:
            rest = word[len(prefix) :]
            return LEXICON.get("ال" + rest, rest)
    return word


def _strip_suffixes(word: str) -> str:
    for suffix in SUFFIXES:
        guard = MIN_AFTER_LONG_SUFFIX if len(suffix) > 1 else MIN_AFTER_SHORT_SUFFIX
        if word.endswith(suffix) and len(word) - len(suffix) >= guard:
            word = word[: -len(suffix)]
    return word


def _min_after_clitic(letter: str) -> int:
    """How long a word must remain once a one-letter clitic is taken off (too long: none)."""
    if letter in CONJUNCTIONS:
        return MIN_AFTER_CONJUNCTION
    return MIN_AFTER_PREPOSITION if letter in PREPOSITIONS else 1 << 30


@lru_cache(maxsize=1 << 18)
def light_stem(word: str) -> str:
    """Stem a normalized word: one clitic, one article, then suffixes; lexicon words stay whole."""
    if word in LEXICON:
        return LEXICON[word]
    if not word.startswith(ARTICLE_PREFIXES) and len(word) - 1 >= _min_after_clitic(word[:1]):
        word = word[1:]
        if word in LEXICON:
            return LEXICON[word]
    stripped = _strip_article(word)
    if stripped in LEXICON:
        return LEXICON[stripped]
    return _strip_suffixes(stripped)


def no_stem(word: str) -> str:
    """The identity: for an unstemmed view of the text."""
    return word


def without_proclitic(stem: str, stemmer: Callable[[str], str]) -> str | None:
    """The stem of ``stem`` without its first letter, when that letter may be a one-letter
    clitic that the length guards left on (لمصر → مصر, لاول → اول); else None.

    Whether it is one is for the corpus to say (لمصر is ل + مصر, but بريد is not ب + ريد): the
    caller keeps the alternative only where the index holds it more often than the whole.
    """
    if len(stem) < 4 or not stem.startswith(CONJUNCTIONS + PREPOSITIONS):
        return None
    rest = stemmer(stem[1:])
    return rest if rest != stem else None


def with_proclitics(stem: str, stemmer: Callable[[str], str]) -> list[str]:
    """``stem`` behind each one-letter clitic, where the stemmer keeps that form whole
    (مصر → ومصر, لمصر, ...; not لمكافحه, which it stems back to مكافحه). Candidates only: as
    for ``without_proclitic``, the corpus decides."""
    forms = (letter + stem for letter in CONJUNCTIONS + PREPOSITIONS)
    return [form for form in forms if stemmer(form) == form] if len(stem) >= 3 else []


@cache
def _snowball() -> Callable[[str], str]:
    try:
        import Stemmer  # PyStemmer: Snowball's Arabic stemmer in C
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("the snowball stemmer needs PyStemmer: pip install PyStemmer") from exc
    return Stemmer.Stemmer("arabic").stemWord


def snowball_stem(word: str) -> str:
    """Snowball's Arabic stemmer (PyStemmer), for comparison with ``light_stem``."""
    return _snowball()(word)


STEMMERS: dict[str, Callable[[str], str]] = {
    "light": light_stem,
    "snowball": snowball_stem,
    "isri": isri_root,
    "none": no_stem,
}


def get_stemmer(name: str) -> Callable[[str], str]:
    """The stemmer registered under ``name``."""
    try:
        return STEMMERS[name]
    except KeyError:
        raise ValueError(f"unknown stemmer {name!r}; choose one of {', '.join(STEMMERS)}") from None
