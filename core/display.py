"""Stored values written for people (DESIGN "Interfaces"): 예/아니요 instead of True/False, grouped
numbers, won amounts as 2,170,000,000원, moments in the house format, lists as lists — for the admin's
read-only fields, the audit trail's details and a notification's context."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.i18n import format_datetime

EMPTY = "–"


def format_won(amount: int | Decimal | str | None) -> str:
    """`2,170,000,000원` (Korean), `KRW 2,170,000,000` (English)."""
    if amount is None or amount == "":
        return EMPTY
    try:
        grouped = number_format(Decimal(str(amount)), force_grouping=True)
    except ArithmeticError:
        return str(amount)
    return _("KRW %(amount)s") % {"amount": grouped}


def yes_no(value: bool | None) -> str:
    if value is None:
        return EMPTY
    return _("Yes") if value else _("No")


def _moment(text: str) -> str | None:
    """An ISO date or date-time (as JSON keeps them) in the house format; None when `text` is neither."""
    if len(text) < 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        if len(text) == 10:
            return date_format(dt.date.fromisoformat(text), "DATE_FORMAT")
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return format_datetime(moment) if moment.tzinfo else None


def prose(value: Any) -> str:
    """Any JSON-like value as a person reads it."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int | Decimal | float):
        return number_format(value, force_grouping=True)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, list | tuple):
        return ", ".join(prose(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key_label(key)}: {prose(item)}" for key, item in value.items())
    if isinstance(value, str):
        return _moment(value) or value
    return str(value)


def key_label(key: str) -> str:
    """A key of stored details (`round_id`, `reserve_position`) as words."""
    return str(key).replace("_", " ")


def prose_list(mapping: dict[str, Any] | None) -> SafeString | str:
    """Stored details as a definition list, each value in prose."""
    if not mapping:
        return EMPTY
    return format_html(
        '<dl class="prose-details">{}</dl>',
        format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((key_label(k), prose(v)) for k, v in mapping.items())),
    )
