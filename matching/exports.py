"""Tables staff download from the admin: rows built in one query, written as CSV (for Excel in Korea)
or XLSX. The writers take any header and rows, so other exports can reuse them."""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from core.validators import format_brn
from matching.models import SelectionEntry

# A spreadsheet treats a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[Any]


def selection_header() -> list[str]:
    return [
        gettext("program"),
        gettext("outcome"),
        gettext("position"),
        gettext("receipt number"),
        gettext("legal name (Korean)"),
        gettext("English name"),
        gettext("business registration number"),
        gettext("track"),
        gettext("matched partner"),
        gettext("promoted from the reserve"),
        gettext("confirmed by the startup"),
    ]


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """A naive datetime in the current time zone (spreadsheets have no time zones)."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def selection_rows(queryset: QuerySet[SelectionEntry]) -> list[list[Any]]:
    """One row per entry, in the order of `selection_header()`: each program's selected list first,
    then its reserve, each in order, then the rest; one query whatever the number of entries."""
    entries = queryset.select_related("program", "application__startup", "application__track", "partner").order_by(
        "program", "-outcome", "position", "pk"
    )
    return [
        [
            str(entry.program),
            entry.get_outcome_display(),
            entry.position,
            entry.application.receipt_number or "",
            entry.application.startup.name_ko,
            entry.application.startup.name_en,
            format_brn(entry.application.startup.brn or ""),
            str(entry.application.track) if entry.application.track else "",
            entry.partner.name if entry.partner else "",
            _local(entry.promoted_at),
            _local(entry.confirmed_at),
        ]
        for entry in entries
    ]


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula is prefixed with ' so it shows as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(neutralise(value))


def rows_to_csv(header: Row, rows: Iterable[Row]) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to read Korean text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(cell) for cell in header])
    writer.writerows([_csv_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def rows_to_xlsx(header: Row, rows: Iterable[Row], *, title: str = "") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or gettext("Sheet"))[:31])
    sheet.append([neutralise(cell) for cell in header])
    for row in rows:
        sheet.append([neutralise(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
