"""The analyzer: tokens keep their original offsets, normalization folds spellings, the light
stemmer conflates clitics and suffixes without Lucene's misfires, stopwords keep positions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searcharc.analysis import analyze, is_stopword, normalize
from searcharc.analysis.normalize import DIGITS, FOLDS, INVISIBLE, MARKS
from searcharc.analysis.stem import light_stem
from searcharc.analysis.tokenize import WORD_RE, spans


def words(text: str) -> list[str]:
    return [text[s:e] for s, e in spans(text)]


def stem(word: str) -> str:
    return light_stem(normalize(word))


# --- 1. tokenizer ------------------------------------------------------------------------------

TOKENS = [
    ("وَالكِتَابُ", ["وَالكِتَابُ"]),  # harakat do not split a word
    ("الإرهـــاب", ["الإرهـــاب"]),  # nor does tatweel inside it
    ("ـــالكتاب", ["الكتاب"]),  # but tatweel cannot start one
    ("مي\u200cخواهم", ["مي\u200cخواهم"]),  # ZWNJ inside a word
    ("كتاب\u200dه", ["كتاب\u200dه"]),  # ZWJ inside a word
    ("رَيْبَ ۛ فِيهِ", ["رَيْبَ", "فِيهِ"]),  # a Quranic pause mark alone is no word
    ("ٱلصِّرَٰطَ", ["ٱلصِّرَٰطَ"]),  # alef wasla and superscript alef
    ("ﻻ ﺍﻟﻜﺘﺎﺏ", ["ﻻ", "ﺍﻟﻜﺘﺎﺏ"]),  # the lam-alef ligature and presentation forms
    ("ﷲ", ["ﷲ"]),
    ("مكافحة، الإرهاب.", ["مكافحة", "الإرهاب"]),  # Arabic comma, full stop
    ("هل؟ نعم؛ لا!", ["هل", "نعم", "لا"]),
    ("«تويتر» (الرباط)", ["تويتر", "الرباط"]),
    ("المغرب-أمريكا", ["المغرب", "أمريكا"]),
    ("سطر\nثان\tثالث", ["سطر", "ثان", "ثالث"]),
    ("Ahdath.info", ["Ahdath", "info"]),  # Latin runs
    ("Café René", ["Café", "René"]),
    ("COVID-19", ["COVID", "19"]),
    ("سنة 1787 و٢٠٢٣ و۱۴۰۲", ["سنة", "1787", "و", "٢٠٢٣", "و", "۱۴۰۲"]),  # three digit kinds
    ("الذكرى ال49", ["الذكرى", "ال", "49"]),  # letters and digits are separate runs
    ("12,5", ["12", "5"]),
    ("", []),
    ("... ؟ ! \n", []),
]


@pytest.mark.parametrize(("text", "expected"), TOKENS)
def test_tokenizer(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وَالكِتَابُ", [(0, len("وَالكِتَابُ"))]),
        ("في الرباط،", [(0, 2), (3, 9)]),
        ("ـالكتاب", [(1, 7)]),
        ("\u200fالمغرب\u202b", [(1, 7)]),
    ],
)
def test_spans_are_offsets_in_the_original(text, expected):
    assert list(spans(text)) == expected


def test_analyze_a_vocalized_word():
    text = "وَالكِتَابُ"
    (token,) = analyze(text)
    assert (token.text, token.start, token.end, token.position) == (text, 0, len(text), 0)
    assert (token.norm, token.stem, token.stopword) == ("والكتاب", "كتاب", False)


# --- 2. normalization --------------------------------------------------------------------------

NORMALIZED = [
    ("الإِرْهَاب", "الارهاب"),  # harakat and sukun
    ("مِنْ", "من"),  # sukun
    ("مُحَمَّدٌ", "محمد"),  # shadda and tanwin
    ("الشّؤون", "الشؤون"),  # shadda alone
    ("رَيْبَ\u06db", "ريب"),  # Quranic pause mark
    ("عَلِيمٌ\u06d6", "عليم"),  # Quranic small high ligature
    ("سَمِيعٌ\u06e2", "سميع"),  # Quranic small high meem
    ("الرَّحْمَٰنِ", "الرحمن"),  # superscript alef
    ("هَٰذَا", "هذا"),
    ("ٱلْكِتَٰبُ", "الكتب"),  # Uthmani spelling: the superscript alef is dropped, not restored
    ("الإرهـــاب", "الارهاب"),  # tatweel
    ("كتاب\u200dه", "كتابه"),  # ZWJ
    ("مي\u200cخواهم", "ميخواهم"),  # ZWNJ
    ("\u200fالمغرب\u202b", "المغرب"),  # bidi controls
    ("\u2067الرباط\u2069", "الرباط"),
    ("\u061cالرباط\u200e", "الرباط"),
    ("أمريكا", "امريكا"),
    ("إفريقيا", "افريقيا"),
    ("آخر", "اخر"),
    ("ٱلله", "الله"),  # alef wasla
    ("إلى", "الي"),  # not «الا»: alef maksura folds to yeh
    ("مستشفى", "مستشفي"),
    ("المدينة", "المدينه"),  # teh marbuta
    ("کتاب", "كتاب"),  # keheh
    ("ایران", "ايران"),  # Farsi yeh
    ("٢٠٢٣", "2023"),  # Arabic-Indic digits
    ("۱۴۰۲", "1402"),  # Eastern Arabic-Indic digits
    ("NATO", "nato"),  # Latin casefold
    ("Straße", "strasse"),
    ("ﺍﻟﻜﺘﺎﺏ", "الكتاب"),  # NFKC of presentation forms
    ("ﻻ", "لا"),  # the lam-alef ligature
    ("ﻷ", "لا"),  # lam-alef with hamza: NFKC, then the alef folds
    ("ﷲ", "الله"),
    ("وَٱلْمُؤْمِنُونَ", "والمؤمنون"),  # everything at once; the hamza on waw stays
    ("مسؤول", "مسؤول"),  # hamza on waw is not folded
    ("رئيس", "رئيس"),  # nor on yeh
    ("جزء", "جزء"),  # nor bare hamza
    ("ؤ ئ ء", "ؤ ئ ء"),
]


@pytest.mark.parametrize(("word", "expected"), NORMALIZED)
def test_normalize(word, expected):
    assert normalize(word) == expected


@pytest.mark.parametrize(
    "mark", [chr(c) for c in range(0x06D6, 0x06EE)], ids=lambda m: f"U+{ord(m):04X}"
)
def test_every_quranic_mark_is_removed(mark):
    assert normalize("كت" + mark + "اب") == "كتاب"


# --- 3. light stemmer --------------------------------------------------------------------------

# Lucene's ArabicStemmer (light10) misfires on these: the leading و / ال or the trailing ه is
# part of the word. Not all of them occur in the seeds.
MISFIRES = [
    ("والد", "والد"),
    ("وزير", "وزير"),
    ("ولاية", "ولايه"),
    ("وجه", "وجه"),
    ("الله", "الله"),
    ("بالله", "الله"),
    ("لله", "الله"),
    ("ولله", "الله"),
    ("والله", "الله"),
    ("وزيرا", "وزير"),  # accusative: not و + زيرا
    ("وزيران", "وزير"),
    ("الوزيرين", "وزير"),
    ("بولاية", "ولايه"),
]


@pytest.mark.parametrize(("word", "expected"), MISFIRES)
def test_lucene_misfires_stay_whole(word, expected):
    assert stem(word) == expected


# Words as written in the seed articles → the light stem of their normalized form.
STEMS = [
    # المغرب behind every clitic, and its adjective
    ("المغرب", "مغرب"),
    ("والمغرب", "مغرب"),
    ("بالمغرب", "مغرب"),
    ("فالمغرب", "مغرب"),
    ("المغربية", "مغرب"),
    ("المغربي", "مغرب"),
    ("بمغربية", "مغرب"),
    # تعاون keeps its ان (light10 gives تعا)
    ("التعاون", "تعاون"),
    ("للتعاون", "تعاون"),
    ("والتعاون", "تعاون"),
    ("بالتعاون", "تعاون"),
    ("تعاون", "تعاون"),
    ("الإرهاب", "ارهاب"),
    ("الارهاب", "ارهاب"),  # spelled without hamza in one article
    ("الإرهابية", "ارهاب"),
    ("الإرهابي", "ارهاب"),
    ("مكافحة", "مكافح"),
    ("لمكافحة", "مكافح"),
    ("بمكافحة", "مكافح"),
    ("ومكافحة", "مكافح"),
    ("المنطقة", "منطق"),
    ("بالمنطقة", "منطق"),
    ("منطقة", "منطق"),
    # words that start with a radical و, behind the article or a clitic
    ("الولايات", "ولايه"),
    ("والولايات", "ولايه"),
    ("للولايات", "ولايه"),
    ("بالولايات", "ولايه"),
    ("الوزير", "وزير"),
    ("ووزير", "وزير"),
    ("وزارة", "وزاره"),
    ("ووزارة", "وزاره"),
    ("بوزارة", "وزاره"),
    ("وزارات", "وزاره"),
    ("واشنطن", "واشنطن"),
    ("وواشنطن", "واشنطن"),
    ("وكالة", "وكاله"),
    ("للوكالة", "وكاله"),
    ("والوكالات", "وكاله"),
    ("الوثيقة", "وثيقه"),
    ("الوطني", "وطن"),
    ("الوطنية", "وطن"),
    ("وجود", "وجود"),
    # suffixes: adjective ي/ية, plurals ون/ين/ات, dual ان
    ("الأمن", "امن"),
    ("والأمن", "امن"),
    ("للأمن", "امن"),
    ("الأمني", "امن"),
    ("الأمنية", "امن"),
    ("أمنية", "امن"),
    ("الأمنيين", "امن"),
    ("الأمريكي", "امريك"),
    ("الأمريكية", "امريك"),
    ("أمريكي", "امريك"),
    ("الأمريكيين", "امريك"),
    ("والأمريكيون", "امريك"),
    ("الخارجية", "خارج"),
    ("للخارجية", "خارج"),
    ("بالخارج", "خارج"),
    ("الشؤون", "شؤون"),  # the hamza on waw survives
    ("بالشؤون", "شؤون"),
    ("المسؤول", "مسؤول"),
    ("للمسؤول", "مسؤول"),
    ("مسؤولي", "مسؤول"),
    ("المسؤولين", "مسؤول"),
    ("المسؤولون", "مسؤول"),
    ("زيارة", "زيار"),
    ("الزيارة", "زيار"),
    ("بزيارة", "زيار"),
    ("زيارات", "زيار"),
    ("الدولية", "دول"),
    ("الدولي", "دول"),
    ("الدولة", "دول"),
    ("ودولية", "دول"),
    ("الدوليين", "دول"),
    ("المشتركة", "مشترك"),
    ("مشتركة", "مشترك"),
    ("المشترك", "مشترك"),
    ("الاستراتيجي", "استراتيج"),
    ("الإستراتيجي", "استراتيج"),
    ("والاستراتيجية", "استراتيج"),
    ("الإقليمي", "اقليم"),
    ("الإقليميين", "اقليم"),
    ("إقليمية", "اقليم"),
    ("الإفريقي", "افريق"),
    ("الأفريقية", "افريق"),
    ("إفريقيا", "افريقيا"),
    ("بإفريقيا", "افريقيا"),
    ("لإفريقيا", "افريقيا"),
    ("أفريقيا", "افريقيا"),
    ("التهديدات", "تهديد"),
    ("للتهديدات", "تهديد"),
    ("التهديد", "تهديد"),
    ("العلاقات", "علاق"),
    ("بعلاقات", "علاق"),
    ("العلاقة", "علاق"),
    ("المباحثات", "مباحث"),
    ("مباحثات", "مباحث"),
    ("ومباحثات", "مباحث"),
    ("المديرية", "مدير"),
    ("للمديرية", "مدير"),
    ("ومدير", "مدير"),
    ("مديرة", "مدير"),
    ("المديرين", "مدير"),
    ("التنظيمات", "تنظيم"),
    ("وتنظيم", "تنظيم"),
    ("تنظيمي", "تنظيم"),
    ("الدفاع", "دفاع"),
    ("والدفاع", "دفاع"),  # و + الدفاع, not والد
    ("الدفاعي", "دفاع"),
    ("والدفاعية", "دفاع"),
    ("الاستقرار", "استقرار"),
    ("بالاستقرار", "استقرار"),
    ("الرباط", "رباط"),
    ("بالرباط", "رباط"),
    ("والرباط", "رباط"),
    ("الجزائر", "جزائر"),
    ("والجزائر", "جزائر"),
    ("الجزائرية", "جزائر"),
    ("المملكة", "مملك"),
    ("بالمملكة", "مملك"),
    ("الجريمة", "جريم"),
    ("بالجريمة", "جريم"),
    ("الصحراء", "صحراء"),
    ("والصحراء", "صحراء"),
    ("القانون", "قانون"),
    ("القانونية", "قانون"),
    ("المخدرات", "مخدر"),
    ("الجلسة", "جلس"),
    ("جلسة", "جلس"),
    ("المحادثات", "محادث"),
    ("محادثة", "محادث"),
    ("تعزيز", "تعزيز"),
    ("لتعزيز", "تعزيز"),
    ("تعزيزها", "تعزيز"),
    ("مناقشة", "مناقش"),
    ("لمناقشة", "مناقش"),
    ("يواصلان", "يواصل"),
    ("يزورها", "يزور"),
    ("تقوده", "تقود"),
    ("وستنصب", "ستنصب"),
    # guards: too little would remain
    ("بلاده", "بلاد"),  # ب + لاده is too short to strip; the ه comes off
    ("بريدك", "بريدك"),
    ("بلاغ", "بلاغ"),
    ("الأول", "اول"),
    ("الأولى", "اول"),
]


@pytest.mark.parametrize(("word", "expected"), STEMS)
def test_light_stem(word, expected):
    assert stem(word) == expected


def test_the_stem_table_is_large():
    assert len(STEMS) >= 80


@pytest.fixture(scope="module")
def seed_words(seeds_dir) -> set[str]:
    text = "\n".join(p.read_text("utf-8") for p in sorted(seeds_dir.glob("*.txt")))
    return set(words(text))


def test_the_stem_table_comes_from_the_seeds(seed_words):
    assert [w for w, _ in STEMS + ACCEPTED_LIMITS if w not in seed_words] == []


# What a light stemmer cannot get right without a dictionary: pinned so that a change is a
# decision, not an accident. Each is consistent between queries and documents.
ACCEPTED_LIMITS = [
    ("زيارته", "زيارت"),  # the teh of ة before a possessive stays
    ("جولته", "جولت"),
    ("التزام", "تزام"),  # ال of a form-VIII noun is taken for the article, everywhere
    ("بالتزام", "تزام"),
    ("بلينكن", "لينكن"),  # a name's first ب is taken for the preposition
    ("إقليميا", "اقليميا"),  # the alef of tanwin fath is not a suffix
    ("البلدين", "بلدين"),  # the dual of a three-letter noun: the suffix guard protects تعاون
    ("ودول", "ودول"),  # و + three letters stays whole: the guard protects ولد, وجه
    ("ولمراقبة", "لمراقب"),  # only one clitic comes off
    ("الاستخباراتية", "استخبارات"),  # ات before يه stays: suffixes come off in light10's order
    ("القضايا", "قضايا"),  # broken plurals are not conflated with the singular
]


@pytest.mark.parametrize(("word", "expected"), ACCEPTED_LIMITS)
def test_accepted_light_stemming_limits(word, expected):
    assert stem(word) == expected


GROUPS = [
    ("والمغرب", "بالمغرب", "المغربية", "المغرب", "المغربي"),
    ("للتعاون", "التعاون", "والتعاون"),
    ("الإرهاب", "الإرهابية", "الإرهابي", "الارهاب"),
    ("مكافحة", "لمكافحة"),
    ("بمكافحة", "ومكافحة", "مكافحة"),
    ("المنطقة", "بالمنطقة", "منطقة"),
    ("الولايات", "ولاية", "بالولايات"),
    ("الله", "بالله", "لله", "ولله"),
    ("وزير", "الوزير", "ووزير", "وزيرا"),
    ("الأمن", "الأمنية", "والأمن"),
]


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g[0])
def test_groups_share_one_stem(group):
    assert len({stem(w) for w in group}) == 1


# Real misfires that no lexicon entry should paper over: they need a change to the rules.
KNOWN_SPLITS = [
    # آ/أ + ل folds to ال, which is then taken for the article: آليات → يات
    ("آليات", "الآليات"),
    # the preposition ب is stripped from a word whose ب is a radical, but not behind ال
    ("برنامج", "البرنامج"),
    ("برلمان", "البرلمان"),
]


@pytest.mark.xfail(strict=True, reason="light stemmer misfire, see KNOWN_SPLITS")
@pytest.mark.parametrize("group", KNOWN_SPLITS, ids=lambda g: g[0])
def test_known_splits(group):
    assert len({stem(w) for w in group}) == 1


# --- 4. stopwords ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word", ["في", "من", "على", "إلى", "عن", "التي", "الذي", "هذا", "أن", "وفي", "بأنه"]
)
def test_function_words_are_stopwords(word):
    assert is_stopword(normalize(word))


@pytest.mark.parametrize("word", ["المغرب", "الإرهاب", "وزير", "الله", "الأمن", "واشنطن"])
def test_content_words_are_not_stopwords(word):
    assert not is_stopword(normalize(word))


@pytest.mark.parametrize(
    ("text", "stops"),
    [
        ("التعاون في مجال الأمن", [False, True, False, False]),
        ("زيارة، إلى الرباط.", [False, True, False]),
        ("أكد أن المغرب على استعداد", [False, True, False, True, False]),
    ],
)
def test_stopwords_keep_the_positions_around_them(text, stops):
    tokens = analyze(text)
    assert [t.stopword for t in tokens] == stops
    assert [t.position for t in tokens] == list(range(len(stops)))


# --- 5. properties -----------------------------------------------------------------------------

ARABIC_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0621, max_codepoint=0x064A),  # letters
        st.characters(min_codepoint=0x064B, max_codepoint=0x065F),  # harakat
        st.characters(min_codepoint=0x06D6, max_codepoint=0x06ED),  # Quranic marks
        st.characters(min_codepoint=0xFB50, max_codepoint=0xFDFF),  # presentation forms A
        st.characters(min_codepoint=0xFE70, max_codepoint=0xFEFC),  # presentation forms B
        st.characters(min_codepoint=0x0660, max_codepoint=0x0669),  # Arabic-Indic digits
        st.characters(min_codepoint=0x06F0, max_codepoint=0x06F9),  # Eastern digits
        st.sampled_from("\u0670\u0640\u200c\u200d\u200e\u200f\u202b\u202c\u2067\u061c"),
        st.sampled_from("abcXYZéß0123456789 \n\t،؛؟.!-«»()"),
    ),
    max_size=80,
)
ANY_TEXT = st.one_of(ARABIC_TEXT, st.text(max_size=80))

FORBIDDEN = set(MARKS) | set(INVISIBLE) | set(FOLDS) | set(DIGITS)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
@pytest.mark.slow
def test_tokens_slice_the_original_text(text):
    tokens = analyze(text)
    for token in tokens:
        assert token.start < token.end
        assert text[token.start : token.end] == token.text
        assert token.norm == normalize(token.text)
        assert token.stem == light_stem(token.norm)
    assert [t.position for t in tokens] == list(range(len(tokens)))
    assert all(a.end <= b.start for a, b in zip(tokens, tokens[1:], strict=False))


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
@pytest.mark.slow
def test_no_letter_or_digit_is_left_outside_a_token(text):
    covered = set()
    for start, end in spans(text):
        covered.update(range(start, end))
    assert not [c for i, c in enumerate(text) if i not in covered and WORD_RE.fullmatch(c)]


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
@pytest.mark.slow
def test_normalize_is_idempotent_and_clean_on_every_token(text):
    for word in words(text):
        norm = normalize(word)
        assert normalize(norm) == norm
        assert not FORBIDDEN & set(norm)


@settings(max_examples=300, deadline=None)
@given(ARABIC_TEXT)
@pytest.mark.slow
def test_normalize_is_idempotent_and_clean_on_whole_texts(text):
    norm = normalize(text)
    assert normalize(norm) == norm
    assert not FORBIDDEN & set(norm)


# An invisible between a letter and a combining mark that NFKC composes (also Hangul jamo,
# Indic two-part vowels): invisibles go first, then NFKC.
def test_normalize_is_idempotent_on_a_letter_split_from_its_accent():
    norm = normalize("e\u0640\u0301")  # tatweel between e and a combining acute
    assert normalize(norm) == norm


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
@pytest.mark.slow
def test_light_stem_is_never_empty_and_deterministic(text):
    for word in [*words(text), text]:
        norm = normalize(word)
        if norm:
            first = light_stem(norm)
            assert first
            light_stem.cache_clear()
            assert light_stem(norm) == first


# --- 6. stemmer choice -------------------------------------------------------------------------


def test_snowball_stemmer_is_swappable():
    stemmer = pytest.importorskip("Stemmer").Stemmer("arabic")
    tokens = analyze("والمغرب للتعاون الإرهابية", stemmer="snowball")
    assert [t.norm for t in tokens] == ["والمغرب", "للتعاون", "الارهابيه"]
    assert [t.stem for t in tokens] == [stemmer.stemWord(t.norm) for t in tokens]
    assert all(t.stem for t in tokens)


def test_no_stemmer_keeps_the_normalized_word():
    (token,) = analyze("وَالكِتَابُ", stemmer="none")
    assert token.stem == token.norm == "والكتاب"


@pytest.mark.parametrize("name", ["porter", "", "Light"])
def test_an_unknown_stemmer_is_refused(name):
    with pytest.raises(ValueError, match="unknown stemmer"):
        analyze("كتاب", stemmer=name)


def test_a_full_word_cache_forgets_its_older_half_and_answers_the_same(monkeypatch):
    import searcharc.analysis as analysis
    from searcharc.analysis.components import TermCache

    monkeypatch.setattr(analysis, "MAX_CACHED_WORDS", 8)
    words = analysis.WordCache(analysis.get_stemmer("light"))
    terms = TermCache("light", True)
    written = [f"الكتاب{'ي' * n}" for n in range(30)] + ["والمدرسة", "في"]
    for word in written:
        assert words[word] == analysis.word_cache("light")[word]
        assert len(words) <= 8 and len(terms) <= 8
        assert terms[word] == (None if words[word][2] else words[word][1])
    assert list(words)[-1] == "في"  # the newest stay
