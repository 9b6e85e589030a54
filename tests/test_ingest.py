"""Articles out of the messy seed pages: titles, dates, sources, and no page furniture."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searcharc.dates import find_date
from searcharc.ingest import parse_text, read_articles
from searcharc.ingest.decode import _NEVER_BAD, _bad_char
from searcharc.records import derived_title

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def articles() -> dict[str, object]:
    return {a.id[:3]: a for a in read_articles(SEEDS)}


TITLES = {
    "000": "لتعزيز التعاون الأمني في مواجهة الجريمة… زيارة تقود مسؤول أمريكي رفيع المستوى الى الرباط",
    "001": "المغرب والولايات المتحدة يواصلان جهود التنسيق في محاربة الجريمة الدولية",
    "002": "المغرب-أمريكا.. بلينكن يشيد بنجاعة الأمن المغربي في تحقيق الاستقرار بالمنطقة",
    "003": "بعد لقاء الحموشي وفيشر. . وزير الدفاع الأمريكي بالرباط لمناقشة قضايا التنظيمات الإرهابية",
}


@pytest.mark.parametrize(("seed", "title"), TITLES.items())
def test_titles(articles, seed, title):
    assert articles[seed].title == title


def test_a_text_without_a_title_line_shows_its_first_sentence(articles):
    article = articles["004"]
    assert article.title == ""  # nothing editorial to boost
    shown = derived_title(article.body)
    assert shown.startswith("في خطوة مهمة لتعميق التعاون الأمني بين المملكة المغربية")
    assert 5 <= len(shown.split()) <= 20
    assert article.body.startswith(shown)


@pytest.mark.parametrize("lead", ["..", "...", ".", "…", "«..» ", "؟! "])
def test_a_text_led_by_punctuation_shows_its_first_words(lead):
    body = f"{lead}الحرب على الإرهاب مستمرة في المنطقة. وقال المسؤول إن الخطة جاهزة."
    assert derived_title(body) == "الحرب على الإرهاب مستمرة في المنطقة"


def test_a_text_of_punctuation_only_shows_it():
    assert derived_title(" .. … !") == ".. … !"


def test_ids_are_paths_relative_to_the_folder(articles):
    assert articles["000"].id == "000_934a0f4bb6c41b95.txt"
    assert len(articles) == 5


@pytest.mark.parametrize(("seed", "date"), [("001", "2023-11-14"), ("003", "2020-09-29")])
def test_dates(articles, seed, date):
    assert articles[seed].date == date


def test_no_date_where_none_is_stated(articles):
    assert articles["000"].date is None and articles["004"].date is None


@pytest.mark.parametrize(("seed", "source"), [("001", "هسبريس"), ("003", "Ahdath.info")])
def test_sources(articles, seed, source):
    assert articles[seed].source == source


FURNITURE = [
    "زياش",  # only in 001's headline ticker
    "انقر هنا",
    "اترك تعليقاً",
    "لن يتم نشر عنوان بريدك",
    "زر الذهاب",
    "مقالات ذات صلة",
    "شكرا على الإبلاغ",
    "700x400",
    "تابع آخبار",
    "ليست هناك تعليقات",
    "إرسال تعليق",
    "Ahdath.info",
    "نشر في هسبريس",
    "أو سي موح لحسن",
]


@pytest.mark.parametrize("text", FURNITURE)
def test_page_furniture_is_not_in_any_body_or_title(articles, text):
    for article in articles.values():
        assert text not in article.body and text not in article.title, article.id


def test_section_labels_and_repeated_titles_are_dropped(articles):
    assert not articles["000"].body.startswith("تقارير")
    assert TITLES["000"] not in articles["000"].body
    assert not articles["003"].body.startswith("السياسة")


def test_hard_wrapped_text_is_joined_into_paragraphs(articles):
    for paragraph in articles["004"].body.split("\n\n"):
        assert "\n" not in paragraph
        assert re.search(r"[.!?؟:]$", paragraph), paragraph[-40:]


@pytest.mark.parametrize(
    ("seed", "sentence"),
    [
        ("000", "في مجال مكافحة الإرهاب"),
        ("001", "يحل تورد روبنسون"),
        ("002", "أشاد وزير الخارجية الأمريكي أنتوني بلينكن"),
        ("003", "بعد لقاء عبد اللطيف حموشي"),
        ("004", "نائب مساعد الرئيس وكبير مديري مكافحة الإرهاب"),
    ],
)
def test_the_prose_is_kept_as_written(articles, seed, sentence):
    assert sentence in articles[seed].body


def test_a_bom_is_ignored(tmp_path):
    (tmp_path / "a.txt").write_bytes(
        "\ufeffعنوان الخبر هنا اليوم\n\nهذا نص الخبر كما نشر في الموقع.".encode()
    )
    (article,) = read_articles(tmp_path)
    assert article.title == "عنوان الخبر هنا اليوم"


def test_an_empty_text_gives_an_empty_article():
    article = parse_text("", "x")
    assert (article.title, article.body) == ("", "")


DATES = [
    ("نشر في هسبريس يوم 14 - 11 - 2023", "2023-11-14"),
    ("الثلاثاء 29 سبتمبر 2020", "2020-09-29"),
    ("٢٩ أيلول ٢٠٢٠", "2020-09-29"),
    ("۱۲ آب ۲۰۱۹", "2019-08-12"),
    ("1 تشرين الثاني 2018", "2018-11-01"),
    ("3 كانون الأول 2017", "2017-12-03"),
    ("3 شتنبر 2021", "2021-09-03"),
    ("15 نونبر، 2019", "2019-11-15"),
    ("7 دجنبر 2022", "2022-12-07"),
    ("9 غشت 2016", "2016-08-09"),
    ("20 يوليوز 2015", "2015-07-20"),
    ("5 من شهر يناير عام 2015", "2015-01-05"),
    ("2 أبريل 2014", "2014-04-02"),
    ("12 جوان 2013", "2013-06-12"),
    ("05/03/2012", "2012-03-05"),
    ("في 2024-01-05", "2024-01-05"),
    ("31/02/2020", None),  # no such day
    ("30 فبراير 2020", None),
    ("سنة 1787", None),  # a year alone is not a date
    ("من 12 و21 من شهر نونبر الجاري", None),  # no year
    ("لا تاريخ هنا", None),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_find_date(text, expected):
    assert find_date(text) == expected


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_characters_skipped_before_the_bad_character_count_are_never_bad(text):
    rest = _NEVER_BAD.sub("", text)
    assert sum(map(_bad_char, text)) == sum(map(_bad_char, rest))
