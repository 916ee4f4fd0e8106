"""Reusable validators for Korean company data."""

import datetime as dt
import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_BRN_ALLOWED = re.compile(r"^\d{3}-?\d{2}-?\d{5}$")


def brn_check_digit(first_nine: str) -> int:
    """Check digit of a business registration number (사업자등록번호) from its first nine digits.

    Σ dᵢ·wᵢ with weights 1,3,7,1,3,7,1,3,5, plus ⌊d₉·5/10⌋; check = (10 − sum mod 10) mod 10.
    """
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, BRN_WEIGHTS, strict=True)) + (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def normalize_brn(value: str) -> str:
    """Return the 10 digits of a BRN written as `1248100998` or `124-81-00998`, or raise ValidationError."""
    raw = (value or "").strip().replace(" ", "")
    if not _BRN_ALLOWED.match(raw):
        raise ValidationError(
            _("Enter the business registration number as 10 digits, e.g. 124-81-00998."),
            code="brn_format",
        )
    digits = raw.replace("-", "")
    if brn_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(
            _("This business registration number is not valid: its last digit does not match. Check it for typos."),
            code="brn_check_digit",
        )
    return digits


def validate_brn(value: str) -> None:
    normalize_brn(value)


def format_brn(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if digits and len(digits) == 10 else (digits or "")


def local_date(moment: dt.datetime, time_zone: str) -> dt.date:
    """The calendar date of an aware datetime in the given time zone."""
    return moment.astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def company_age_years(founded_on: dt.date, *, on: dt.date) -> int:
    """Full years from the founding date to `on` (a founder on 29 Feb completes a year on 1 Mar)."""
    return on.year - founded_on.year - ((on.month, on.day) < (founded_on.month, founded_on.day))


def validate_company_age(founded_on: dt.date, *, max_years: int, on: dt.date) -> None:
    """A company qualifies while fewer than `max_years` full years have passed since it was founded."""
    if founded_on > on:
        raise ValidationError(_("The founding date cannot be in the future."), code="founded_in_future")
    age = company_age_years(founded_on, on=on)
    if age >= max_years:
        raise ValidationError(
            _("The company was founded %(years)s years ago; this program accepts companies younger than %(max)s years.")
            % {"years": age, "max": max_years},
            code="company_too_old",
        )
