"""The periods a trend counts by (``PERIODS``: weeks are ISO weeks) and the Arabic month
names its charts write, in three forms (``--months``): the Syriac names of the Levant and
Iraq, the transliterations of Egypt and the Gulf, those of Morocco. The names
``searcharc.dates`` reads in articles include them all (tests/test_trend.py checks it)."""

from __future__ import annotations

from datetime import date

PERIODS = ("day", "week", "month", "year")
MONTH_FORMS = ("levant", "egypt", "maghreb")


MONTH_NAMES: dict[str, tuple[str, ...]] = dict(zip(MONTH_FORMS, (
    (
        "كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
        "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول",
    ),
    (
        "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
        "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
    ),
    (
        "يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو",
        "يوليوز", "غشت", "شتنبر", "أكتوبر", "نونبر", "دجنبر",
    ),
), strict=True))  # fmt: skip


def month_name(month: int, form: str = "egypt") -> str:
    """A month's Arabic name (1-12) in one of the ``MONTH_FORMS``."""
    return MONTH_NAMES[form][month - 1]


def period_name(start: date, by: str, form: str = "egypt") -> str:
    """A period as a chart names it, in Arabic month names: 2 مارس 2015 (day), 2015-W10 · 2
    مارس (the ISO week, from its Monday), مارس 2015 (month), 2015 (year)."""
    month = month_name(start.month, form)
    if by == "day":
        return f"{start.day} {month} {start.year}"
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d} · {start.day} {month}"
    return f"{month} {start.year}" if by == "month" else str(start.year)
