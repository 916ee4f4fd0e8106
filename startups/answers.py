"""Cleaning one answer to a program's question, by the question's kind. Pure: no database."""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from core.i18n import localized_value
from matching.models import Question

K = Question.Kind
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
        try:
            number = Decimal(str(raw).replace(",", "").strip())
        except InvalidOperation:
            raise ValidationError(_("Enter a number, such as 1200 or 3.5."), code="not_a_number") from None
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise ValidationError(_("Enter a number, such as 1200 or 3.5."), code="not_a_number")
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
        try:
            return number_format(Decimal(str(value)), force_grouping=True)
        except InvalidOperation:
            return str(value)
    if question.kind == K.DATE:
        try:
            return date_format(dt.date.fromisoformat(str(value)), "DATE_FORMAT")
        except ValueError:
            return str(value)
    return value
