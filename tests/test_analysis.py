"""The analyzer: tokens keep their original offsets, normalization folds spellings, the light
stemmer conflates clitics and suffixes without Lucene's misfires."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searcharc.analysis import analyze, is_stopword, normalize
from searcharc.analysis.normalize import INVISIBLE, MARKS
from searcharc.analysis.stem import light_stem
from searcharc.analysis.tokenize import spans


def words(text: str) -> list[str]:
    return [text[s:e] for s, e in spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وَالكِتَابُ", ["وَالكِتَابُ"]),  # marks do not split a word
        ("الإرهـــاب", ["الإرهـــاب"]),  # nor does tatweel
        ("مكافحة، الإرهاب.", ["مكافحة", "الإرهاب"]),
        ("المغرب-أمريكا", ["المغرب", "أمريكا"]),
        ("Ahdath.info", ["Ahdath", "info"]),
        ("سنة 1787 و٢٠٢٣ و۱۴۰۲", ["سنة", "1787", "و", "٢٠٢٣", "و", "۱۴۰۲"]),
        ("ﻻ ﺍﻟﻜﺘﺎﺏ", ["ﻻ", "ﺍﻟﻜﺘﺎﺏ"]),  # presentation forms and the lam-alef ligature
        ("مي\u200cخواهم", ["مي\u200cخواهم"]),  # ZWNJ inside a word
        ("«تويتر»", ["تويتر"]),
        ("الذكرى ال49", ["الذكرى", "ال", "49"]),
        ("", []),
        ("... ؟ !", []),
    ],
)
def test_tokenizer(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("الإِرْهَاب", "الارهاب"),  # harakat
        ("مُحَمَّدٌ", "محمد"),  # shadda and tanwin
        ("الرَّحْمَٰنِ", "الرحمن"),  # superscript alef
        ("ٱلْكِتَٰبُ", "الكتب"),  # Quranic spelling: the superscript alef is dropped
        ("الإرهـــاب", "الارهاب"),  # tatweel
        ("كتاب\u200dه", "كتابه"),  # ZWJ
        ("\u200fالمغرب\u202b", "المغرب"),  # bidi controls
        ("أمريكا", "امريكا"),
        ("إفريقيا", "افريقيا"),
        ("آخر", "اخر"),
        ("ٱلله", "الله"),  # alef wasla
        ("إلى", "الي"),  # not «الا»: alef maksura folds to yeh
        ("مستشفى", "مستشفي"),
        ("المدينة", "المدينه"),
        ("کتاب", "كتاب"),  # keheh
        ("ایران", "ايران"),  # Farsi yeh
        ("٢٠٢٣", "2023"),
        ("۱۴۰۲", "1402"),
        ("NATO", "nato"),
        ("Straße", "strasse"),
        ("ﺍﻟﻜﺘﺎﺏ", "الكتاب"),  # NFKC of presentation forms
        ("ﻻ", "لا"),
        ("مسؤول", "مسؤول"),  # hamza on waw is not folded
        ("رئيس", "رئيس"),  # nor on yeh
        ("جزء", "جزء"),  # nor bare hamza
    ],
)
def test_normalize(word, expected):
    assert normalize(word) == expected


# word as written in the seeds → stem of its normalized form
STEMS = [
    # Lucene's ArabicStemmer misfires stay whole
    ("والد", "والد"),
    ("وزير", "وزير"),
    ("ولاية", "ولايه"),
    ("وجه", "وجه"),
    ("الله", "الله"),
    ("بالله", "الله"),
    ("لله", "الله"),
    ("الوزير", "وزير"),
    ("الولايات", "ولايه"),
    ("والولايات", "ولايه"),
    ("للولايات", "ولايه"),
    ("وزارة", "وزاره"),
    ("ووزارة", "وزاره"),
    ("بوزارة", "وزاره"),
    ("وزارات", "وزاره"),
    ("واشنطن", "واشنطن"),
    ("للوكالة", "وكاله"),
    ("والوكالة", "وكاله"),
    ("الوطني", "وطن"),
    ("الوطنية", "وطن"),
    # one stem for المغرب and its clitics and derivations
    ("المغرب", "مغرب"),
    ("والمغرب", "مغرب"),
    ("بالمغرب", "مغرب"),
    ("المغربية", "مغرب"),
    ("المغربي", "مغرب"),
    ("التعاون", "تعاون"),
    ("للتعاون", "تعاون"),
    ("والتعاون", "تعاون"),
    ("الإرهاب", "ارهاب"),
    ("الإرهابية", "ارهاب"),
    ("الإرهابي", "ارهاب"),
    ("الإرهابيين", "ارهاب"),
    ("مكافحة", "مكافح"),
    ("لمكافحة", "مكافح"),
    ("بمكافحة", "مكافح"),
    ("المنطقة", "منطق"),
    ("بالمنطقة", "منطق"),
    ("منطقة", "منطق"),
    ("الأمن", "امن"),
    ("والأمن", "امن"),
    ("الأمني", "امن"),
    ("الأمنية", "امن"),
    ("الأمريكي", "امريك"),
    ("الأمريكية", "امريك"),
    ("الخارجية", "خارج"),
    ("للخارجية", "خارج"),
    ("بالخارج", "خارج"),
    ("الشؤون", "شؤون"),
    ("بالشؤون", "شؤون"),
    ("للشؤون", "شؤون"),
    ("الزيارة", "زيار"),
    ("بزيارة", "زيار"),
    ("زيارة", "زيار"),
    ("المسؤول", "مسؤول"),
    ("للمسؤول", "مسؤول"),
    ("مسؤولي", "مسؤول"),
    ("المسؤولين", "مسؤول"),
    ("التنظيمات", "تنظيم"),
    ("المملكة", "مملك"),
    ("المتحدة", "متحد"),
    ("الرباط", "رباط"),
    ("بالرباط", "رباط"),
    ("الجزائر", "جزائر"),
    ("الصحراء", "صحراء"),
    ("المخدرات", "مخدر"),
    ("القانون", "قانون"),
    ("القانونية", "قانون"),
    ("الاستقرار", "استقرار"),
    ("والاستقرار", "استقرار"),
    ("الاستراتيجي", "استراتيج"),
    ("المشتركة", "مشترك"),
    ("مشتركة", "مشترك"),
    ("الجلسة", "جلس"),
    ("جلسة", "جلس"),
    ("العلاقات", "علاق"),
    ("للعلاقات", "علاق"),
    ("التهديدات", "تهديد"),
    ("الدفاع", "دفاع"),
    ("والدفاع", "دفاع"),
    ("الإقليمي", "اقليم"),
    ("الإقليميين", "اقليم"),
    ("يواصلان", "يواصل"),
    ("بلاده", "بلاد"),  # ب + بلاد would leave too little: kept whole
    ("بريدك", "بريدك"),
    ("وستنصب", "ستنصب"),
    ("المباحثات", "مباحث"),
    ("مباحثات", "مباحث"),
    ("بإفريقيا", "افريقيا"),
    ("الإفريقي", "افريق"),
    ("بلينكن", "لينكن"),  # a name starting with ب loses it; queries do the same: a known limit
    ("زيارته", "زيارت"),  # light stemming leaves the possessive's teh: a known limit
]


@pytest.mark.parametrize(("word", "stem"), STEMS)
def test_light_stem(word, stem):
    assert light_stem(normalize(word)) == stem


def test_the_stem_table_is_large():
    assert len(STEMS) >= 80


GROUPS = [
    ("والمغرب", "بالمغرب", "المغربية", "المغرب", "المغربي"),
    ("للتعاون", "التعاون", "والتعاون"),
    ("الإرهاب", "الإرهابية", "الإرهابيين", "الارهاب"),
    ("مكافحة", "لمكافحة", "بمكافحة"),
    ("المنطقة", "بالمنطقة"),
    ("الولايات", "ولاية"),
    ("الله", "بالله", "لله"),
]


@pytest.mark.parametrize("group", GROUPS)
def test_groups_share_one_stem(group):
    assert len({light_stem(normalize(w)) for w in group}) == 1


@pytest.mark.parametrize(
    "word", ["في", "من", "على", "إلى", "عن", "التي", "الذي", "هذا", "أن", "بأنه"]
)
def test_function_words_are_stopwords(word):
    assert is_stopword(normalize(word))


@pytest.mark.parametrize("word", ["المغرب", "الإرهاب", "وزير", "الله", "الأمن", "واشنطن"])
def test_content_words_are_not_stopwords(word):
    assert not is_stopword(normalize(word))


def test_stopwords_keep_the_positions_around_them():
    tokens = analyze("التعاون في مجال الأمن")
    assert [t.position for t in tokens] == [0, 1, 2, 3]
    assert [t.stopword for t in tokens] == [False, True, False, False]


def test_analyze_a_vocalized_word():
    (token,) = analyze("وَالكِتَابُ")
    assert (token.text, token.start, token.end, token.norm, token.stem) == (
        "وَالكِتَابُ",
        0,
        11,
        "والكتاب",
        "كتاب",
    )


def test_snowball_stemmer_is_swappable():
    pytest.importorskip("Stemmer")
    (token,) = analyze("والكتاب", stemmer="snowball")
    assert token.stem and token.norm == "والكتاب"


def test_an_unknown_stemmer_is_refused():
    with pytest.raises(ValueError, match="unknown stemmer"):
        analyze("كتاب", stemmer="porter")


ARABIC_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0621, max_codepoint=0x064A),
        st.characters(min_codepoint=0x064B, max_codepoint=0x065F),
        st.sampled_from("\u0670\u0640\u200c\u200d\u200f\u202b ،.؟!\n\t-0123456789٠١٢٣۴۵abcXYZ"),
        st.characters(min_codepoint=0x06D6, max_codepoint=0x06ED),
        st.characters(min_codepoint=0xFB50, max_codepoint=0xFDFF),
        st.characters(min_codepoint=0xFE70, max_codepoint=0xFEFC),
    ),
    max_size=80,
)
ANY_TEXT = st.one_of(ARABIC_TEXT, st.text(max_size=80))


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_tokens_slice_the_original_text(text):
    tokens = analyze(text)
    for token in tokens:
        assert text[token.start : token.end] == token.text != ""
    assert [t.position for t in tokens] == list(range(len(tokens)))
    assert all(a.end <= b.start for a, b in zip(tokens, tokens[1:], strict=False))


FORBIDDEN = set(MARKS) | set(INVISIBLE)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_normalize_is_idempotent_and_removes_marks(text):
    for start, end in spans(text):
        norm = normalize(text[start:end])
        assert normalize(norm) == norm
        assert not FORBIDDEN & set(norm)
        if norm:
            assert light_stem(norm) and light_stem(norm) == light_stem(norm)
