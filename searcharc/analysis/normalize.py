"""Character-level normalization of one token: what makes two spellings of a word one term."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# The letters folded, by their Unicode names (as pyarabic.araby names them; written out here:
# importing pyarabic built its tables on every cold start).
TATWEEL = "\u0640"
ALEF, ALEF_MADDA, ALEF_HAMZA_ABOVE, ALEF_HAMZA_BELOW = "\u0627", "\u0622", "\u0623", "\u0625"
ALEF_WASLA, ALEF_MAKSURA, YEH = "\u0671", "\u0649", "\u064a"
TEH_MARBUTA, HEH, KAF = "\u0629", "\u0647", "\u0643"

# Combining marks: harakat, Quranic annotation signs, superscript alef (U+0670).
MARKS = (
    [chr(c) for c in range(0x0610, 0x061B)]
    + [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670"]
    + [chr(c) for c in range(0x06D6, 0x06EE)]
)
# Invisible characters that may sit inside a word: tatweel, ZWNJ/ZWJ, bidi controls.
INVISIBLE = [TATWEEL, "\u200c", "\u200d", "\u200e", "\u200f", "\u061c"] + [
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
]
FOLDS = {
    ALEF_HAMZA_ABOVE: ALEF,
    ALEF_HAMZA_BELOW: ALEF,
    ALEF_MADDA: ALEF,
    ALEF_WASLA: ALEF,
    ALEF_MAKSURA: YEH,
    TEH_MARBUTA: HEH,
    "\u06a9": KAF,  # keheh (Persian kaf)
    "\u06cc": YEH,  # Farsi yeh
}
DIGITS = {chr(base + d): str(d) for base in (0x0660, 0x06F0) for d in range(10)}

TABLE = str.maketrans({**dict.fromkeys(MARKS + INVISIBLE, None), **FOLDS, **DIGITS})


@lru_cache(maxsize=1 << 18)
def normalize(word: str) -> str:
    """NFKC; marks and invisibles out; alef, yeh, teh marbuta, kaf folded; ASCII digits."""
    word = word.translate(TABLE)  # first, so that NFKC composes what invisibles had split
    if not unicodedata.is_normalized("NFKC", word):
        word = unicodedata.normalize("NFKC", word).translate(TABLE)
    return word.casefold()
