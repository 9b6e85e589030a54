"""Publication dates written in Arabic news text, in the Mashriq, Egyptian and Maghreb styles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from searcharc.analysis.normalize import normalize

MONTHS: dict[str, int] = {
    # Syriac names of the Mashriq
    "كانون الثاني": 1, "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6,
    "تموز": 7, "اب": 8, "ايلول": 9, "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الاول": 12,
    "كانون ثاني": 1, "تشرين اول": 10, "تشرين ثاني": 11, "كانون اول": 12,
    # transliterations used in Egypt and the Gulf
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6,
    "يوليو": 7, "يوليه": 7, "اغسطس": 8, "سبتمبر": 9, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # the Maghreb (Morocco; Algeria and Tunisia)
    "ماي": 5, "يوليوز": 7, "غشت": 8, "شتنبر": 9, "نونبر": 11, "دجنبر": 12,
    "جانفي": 1, "فيفري": 2, "افريل": 4, "جوان": 6, "جويليه": 7, "اوت": 8,
}  # fmt: skip

_MONTH = "(" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")(?!\w)"
# One month name, or two naming the same month: «نيسان / أبريل», «آب/اغسطس», «أبريل (نيسان)».
_MONTH_PAIR = rf"{_MONTH}(?:\s*[/\-]\s*{_MONTH}|\s*\(\s*{_MONTH}\s*\))?"
NAMED_DATE = re.compile(
    rf"(?<!\d)(\d{{1,2}})\s+(?:من\s+)?(?:شهر\s+)?{_MONTH_PAIR}\s*،?\s*"
    rf"(?:سنه\s+|عام\s+)?(\d{{4}})(?!\d)"
)
NUMERIC_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4})(?!\d)")
NUMERIC_YMD = re.compile(r"(?<!\d)(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?!\d)")


def _fold(text: str) -> str:
    """Normalize word by word (digits, hamza, marks) while keeping spaces and punctuation."""
    return re.sub(r"[^\s\-/.،]+", lambda m: normalize(m.group()), text)


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _named(match: re.Match) -> str | None:
    """A day, a month (or two names of one month) and a year; None when they disagree."""
    months = {MONTHS[name] for name in match.group(2, 3, 4) if name}
    return _valid(int(match[5]), months.pop(), int(match[1])) if len(months) == 1 else None


def _candidates(folded: str) -> list[tuple[int, str | None]]:
    """Every date-shaped match as (offset, ISO date or None when impossible)."""
    found = [(m.start(), _named(m)) for m in NAMED_DATE.finditer(folded)]
    found += [
        (m.start(), _valid(int(m[4]), int(m[3]), int(m[1]))) for m in NUMERIC_DMY.finditer(folded)
    ]
    found += [
        (m.start(), _valid(int(m[1]), int(m[3]), int(m[4]))) for m in NUMERIC_YMD.finditer(folded)
    ]
    return sorted(found, key=lambda c: c[0])


def find_date(text: str) -> str | None:
    """The first valid date stated in ``text`` as YYYY-MM-DD, or None."""
    for _, iso in _candidates(_fold(text)):
        if iso:
            return iso
    return None


TIMESTAMP = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
UTC_OFFSETS = frozenset({"Z", "+00:00", "+0000", "-00:00", "-0000"})


@dataclass(frozen=True, slots=True)
class Stamp:
    """The day of a machine-readable timestamp as written, and whether it was written in UTC."""

    day: str
    utc: bool  # a UTC time: the page's own day may be the one before or after


def read_stamp(value: str) -> Stamp | None:
    """An ISO 8601 timestamp (its day in its own offset), else a date written out in words."""
    if match := TIMESTAMP.match(value):
        day = _valid(int(match[1]), int(match[2]), int(match[3]))
        return Stamp(day, match[4] in UTC_OFFSETS) if day else None
    day = find_date(value)
    return Stamp(day, False) if day else None
