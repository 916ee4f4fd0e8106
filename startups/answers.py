"""Cleaning one answer to a program's question, by the question's kind. Pure: no database."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from core.i18n import localized_value
from matching.models import Question

K = Question.Kind
U = Question.Unit
SHORT_TEXT_LIMIT = 200
YES = {"yes", "true", "1", "on", True}
NO = {"no", "false", "0", False}


def normalize_text(value: str) -> str:
    # Browsers count a line break as one character and send two (\r\n): count what people see.
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def text_limit(question: Question) -> int | None:
    if question.kind == K.SHORT_TEXT:
        return question.max_length or SHORT_TEXT_LIMIT
    if question.kind == K.LONG_TEXT:
        return question.max_length
    return None


def choice_values(question: Question) -> list[str]:
    return [str(choice.get("value")) for choice in question.choices or []]


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def clean_answer(question: Question, raw: Any) -> Any:
    """Return the JSON value stored for `raw`, None when empty, or raise ValidationError
    with a message for the applicant. Required-ness is checked at submission, not here."""
    if isinstance(raw, str):
        raw = normalize_text(raw)
    if is_empty(raw):
        return None
    kind = question.kind
    if kind in (K.SHORT_TEXT, K.LONG_TEXT):
        value = str(raw)
        limit = text_limit(question)
        if limit and len(value) > limit:
            raise ValidationError(
                _("Keep this under %(limit)s characters (you wrote %(count)s).")
                % {"limit": limit, "count": len(value)},
                code="too_long",
            )
        return value
    if kind == K.NUMBER:
        number = parse_number(str(raw), question.unit)
        return str(int(number)) if number == number.to_integral() else str(number)
    if kind == K.DATE:
        try:
            return (raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw).strip())).isoformat()
        except ValueError:
            raise ValidationError(_("Enter a date as YYYY-MM-DD."), code="not_a_date") from None
    if kind == K.URL:
        value = str(raw).strip()
        if "://" not in value:
            value = f"https://{value}"
        URLValidator(schemes=["http", "https"], message=_("Enter a web address such as https://example.com."))(value)
        return value
    if kind == K.SINGLE_CHOICE:
        if str(raw) not in choice_values(question):
            raise ValidationError(_("Choose one of the options."), code="invalid_choice")
        return str(raw)
    if kind == K.MULTIPLE_CHOICE:
        values = [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw])]
        allowed = choice_values(question)
        if any(v not in allowed for v in values):
            raise ValidationError(_("Choose from the options only."), code="invalid_choice")
        return [v for v in allowed if v in values]  # the program's order, no repeats
    if kind == K.YES_NO:
        lowered = raw.lower() if isinstance(raw, str) else raw
        if lowered in YES:
            return True
        if lowered in NO:
            return False
        raise ValidationError(_("Answer yes or no."), code="invalid_choice")
    return None  # files are attachments, not answers


# ---------------------------------------------------------------- numbers, the way Koreans write them

BIG_UNITS = {"조": 10**12, "억": 10**8, "만": 10**4}
SMALL_UNITS = {"천": 1000, "백": 100, "십": 10}
WHOLE_UNITS = {U.WON, U.PEOPLE}
NUMBER_LIMIT = Decimal("1e15")
_PLAIN = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_SMALL = re.compile(r"(\d+(?:\.\d+)?)?([천백십])")
_GROUPS = re.compile(r"(?:([\d.천백십]+)조)?(?:([\d.천백십]+)억)?(?:([\d.천백십]+)만)?([\d.천백십]+)?")
_SUFFIXES = ("원", "명", "%", "krw", "₩")


def number_error(unit: str) -> ValidationError:
    """The message for a number that cannot be read, worded for what it counts."""
    if unit == U.WON:
        return ValidationError(_("Enter an amount in won, such as 1,200,000 or 1.2억."), code="not_an_amount")
    if unit == U.PEOPLE:
        return ValidationError(_("Enter a whole number of people, such as 12."), code="not_a_count")
    if unit == U.PERCENT:
        return ValidationError(_("Enter a percentage, such as 12 or 3.5."), code="not_a_number")
    return ValidationError(_("Enter a number, such as 1200 or 3.5."), code="not_a_number")


def _small(text: str) -> Decimal:
    """`2000`, `2천`, `2천5백`, `천`, `1.5`: a number below the next big unit."""
    if _PLAIN.fullmatch(text):
        return Decimal(text)
    total, position = Decimal(0), 0
    for match in _SMALL.finditer(text):
        if match.start() != position:
            raise InvalidOperation
        total += Decimal(match.group(1) or 1) * SMALL_UNITS[match.group(2)]
        position = match.end()
    rest = text[position:]
    if rest:
        if not _PLAIN.fullmatch(rest):
            raise InvalidOperation
        total += Decimal(rest)
    return total


def _korean_number(text: str) -> Decimal:
    match = _GROUPS.fullmatch(text)
    if not text or match is None:
        raise InvalidOperation
    total = Decimal(0)
    for group, factor in zip(match.groups(), (*BIG_UNITS.values(), 1), strict=True):
        if group is not None:
            total += _small(group) * factor
    return total


def parse_number(text: str, unit: str = "") -> Decimal:
    """What was typed as a number: `1,200,000`, `1,200,000원`, `120만`, `1.2억`, `1억 2천만원`, `3.5`.
    Whole and not negative for amounts in won and counts of people. Raises ValidationError."""
    cleaned = re.sub(r"[\s,_]", "", text).lower().replace("−", "-")
    for suffix in _SUFFIXES:
        cleaned = cleaned.removeprefix(suffix).removesuffix(suffix)
    negative = cleaned.startswith("-")
    try:
        number = _korean_number(cleaned.removeprefix("-").removeprefix("+"))
    except InvalidOperation:
        raise number_error(unit) from None
    if negative:
        number = -number
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise number_error(unit)
    if unit in WHOLE_UNITS and (number < 0 or number != number.to_integral()):
        raise number_error(unit)
    return number


def format_number(value: Decimal | int | str) -> str:
    """The number as it is typed back into the form: `1,200,000`, `3.5`."""
    number = Decimal(str(value))
    if number == number.to_integral():
        return f"{int(number):,}"
    return f"{number:,}"


def number_display(value: Any, unit: str) -> str:
    """A stored number for reading: `1,200,000원` / `KRW 1,200,000`, `12명` / `12 people`, `3.5%`."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    grouped = format_number(number)
    if unit == U.WON:
        return _("KRW %(amount)s") % {"amount": grouped}
    if unit == U.PEOPLE:
        return _("%(count)s people") % {"count": grouped}
    if unit == U.PERCENT:
        return f"{grouped}%"
    return number_format(number, force_grouping=True)


def choice_label(question: Question, value: str) -> str:
    for choice in question.choices or []:
        if str(choice.get("value")) == str(value):
            return localized_value(choice, "label") or str(value)
    return str(value)


def answer_display(question: Question, value: Any) -> Any:
    """A stored answer as people read it: choice labels in the active language, grouped numbers,
    dates in the local format. A list for multiple choice; "" when empty."""
    if is_empty(value) or question.kind == K.FILE:
        return ""
    if question.kind == K.MULTIPLE_CHOICE:
        return [choice_label(question, v) for v in value]
    if question.kind == K.SINGLE_CHOICE:
        return choice_label(question, value)
    if question.kind == K.YES_NO:
        return _("Yes") if value in YES else _("No")
    if question.kind == K.NUMBER:
        return number_display(value, question.unit)
    if question.kind == K.DATE:
        try:
            return date_format(dt.date.fromisoformat(str(value)), "DATE_FORMAT")
        except ValueError:
            return str(value)
    return value
