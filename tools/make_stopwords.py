"""Regenerate searcharc/data/stopwords_ar.txt from the Arabic-Stopwords package.

Arabic-Stopwords (Taha Zerrouki, GPL, https://pypi.org/project/Arabic-Stopwords/) lists every
inflected and cliticised form of the Arabic function words (بأنه، فإنهم، ...) with the class of
its lemma. We keep the function words and leave out the classes and lemmas that name things
people search for: places and directions (شمال، جنوب، أمام ~ إمام), kinship nouns (أب، أخ، ابن، بن),
verbs of beginning (قام، أخذ), and nouns of time (شهر، ساعة، أول، مرة). Each form is folded with
searcharc's own normalizer, so the runtime needs neither the package nor its 60 ms load.

    pip install Arabic-Stopwords==0.4.3 && python tools/make_stopwords.py
"""

from pathlib import Path

from arabicstopwords.stopwordsallforms import STOPWORDS

from searcharc.analysis.normalize import normalize
from searcharc.analysis.stem import LEXICON

OUT = Path(__file__).resolve().parents[1] / "searcharc" / "data" / "stopwords_ar.txt"
HEADER = "# Normalized from Arabic-Stopwords 0.4.3 (GPL) by tools/make_stopwords.py; do not edit.\n"

CONTENT_CLASSES = {"ظرف مكان", "الأسماء الخمسة", "وصل الأعلام", "كاد و اخواتها", "اسم تفضيل"}
CONTENT_LEMMAS = {
    "ابن", "شبه", "عامة", "نفس", "عين",
    "شهر", "ساعة", "صباح", "مساء", "ليل", "غروب", "أمس", "غدا", "غداة", "ضحوة",
    "أول", "مرة", "وقت", "لحظة", "زمان", "أمد", "تارة",
}  # fmt: skip


def is_function_form(form: dict) -> bool:
    return form["category"] not in CONTENT_CLASSES and form["original"] not in CONTENT_LEMMAS


def folded(function_words: bool) -> set[str]:
    """The normalized forms whose entries are (or are not) function words."""
    return {
        normalize(word)
        for word, forms in STOPWORDS.items()
        if any(map(is_function_form, forms)) == function_words
    }


def main() -> None:
    # a folded form that also folds from a content word (الأمام ~ الإمام) stays searchable
    kept, dropped = folded(True), folded(False)
    # nor do the content words the stemmer protects (ولأية folds to ولايه, like ولاية)
    words = sorted(kept - dropped - set(LEXICON) - {""})
    OUT.write_text(HEADER + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} stopwords written to {OUT}")


if __name__ == "__main__":
    main()
