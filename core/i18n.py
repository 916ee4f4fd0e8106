import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language


def localized(obj: models.Model, field: str) -> str:
    """`obj.<field>_en` when English is active and filled in, otherwise `obj.<field>_ko`."""
    language = (get_language() or "ko")[:2]
    if language == "en":
        value = getattr(obj, f"{field}_en", "")
        if value:
            return value
    return getattr(obj, f"{field}_ko", "") or getattr(obj, f"{field}_en", "")


def localized_value(data: dict, field: str) -> str:
    """Like `localized`, for a dict such as a question's choice: {"label_ko": …, "label_en": …}."""
    language = (get_language() or "ko")[:2]
    if language == "en" and data.get(f"{field}_en"):
        return data[f"{field}_en"]
    return data.get(f"{field}_ko") or data.get(f"{field}_en") or ""


def format_datetime(moment: dt.datetime) -> str:
    """A moment in the house format, in the site's time zone with the zone named: `2027년 1월 2일 (토) 18:00 KST`,
    `Sat 2 Jan 2027, 18:00 KST` — DATETIME_FORMAT of config/formats, which the admin's lists and pages use too."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def format_time_span(starts: dt.datetime, ends: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """Two moments of one day in the house format, the end's time before the zone:
    `Wed 10 Mar 2027, 09:40–10:00 PST` / `2027년 3월 10일 (수) 09:40–10:00 PST` (in `zone`, else the site's)."""
    first, last = timezone.localtime(starts, zone), timezone.localtime(ends, zone)
    start = date_format(first, "DATETIME_FORMAT")
    abbreviation = date_format(first, "T")
    until = date_format(last, "H:i")
    if start.endswith(f" {abbreviation}"):  # DATETIME_FORMAT ends with the zone's abbreviation
        return f"{start[: -len(abbreviation) - 1]}–{until} {abbreviation}"
    return f"{start}–{until}"
