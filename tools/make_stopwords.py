"""Regenerate searcharc/data/stopwords_ar.txt from the Arabic-Stopwords package.

Arabic-Stopwords (Taha Zerrouki, GPL, https://pypi.org/project/Arabic-Stopwords/) lists every
inflected and cliticised form of the Arabic function words (بأنه، فإنهم، ...). We fold each form
with searcharc's own normalizer and keep the distinct results, so the runtime needs neither the
package nor the 60 ms it takes to load.

    pip install Arabic-Stopwords==0.4.3 && python tools/make_stopwords.py
"""

from pathlib import Path

import arabicstopwords.arabicstopwords as asw

from searcharc.analysis.normalize import normalize

OUT = Path(__file__).resolve().parents[1] / "searcharc" / "data" / "stopwords_ar.txt"
HEADER = "# Normalized from Arabic-Stopwords 0.4.3 (GPL) by tools/make_stopwords.py; do not edit.\n"

words = sorted({normalize(w) for w in asw.stopwords_list()} - {""})
OUT.write_text(HEADER + "\n".join(words) + "\n", encoding="utf-8")
print(f"{len(words)} stopwords written to {OUT}")
