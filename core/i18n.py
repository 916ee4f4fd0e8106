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
