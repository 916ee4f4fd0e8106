"""Selection rows for export, and the CSV and XLSX writers every export shares."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from matching.exports import neutralise, rows_to_csv, rows_to_xlsx, selection_header, selection_rows
from matching.models import SelectionEntry
from tests import factories

pytestmark = pytest.mark.django_db

O = SelectionEntry.Outcome  # noqa: E741
# Spreadsheets have no time zones: the rows carry naive datetimes in the current time zone.
MARCH_2_0930 = dt.datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001


def entry(program, outcome, position, **startup):
    application = factories.ApplicationFactory(
        in_review=True, program=program, startup=factories.StartupFactory(**startup)
    )
    return factories.SelectionEntryFactory(program=program, application=application, outcome=outcome, position=position)


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_selection_rows_list_the_selected_then_the_reserve_then_the_rest_each_in_order():
    program = factories.ProgramFactory()
    entry(program, O.NOT_SELECTED, None, name_ko="다")
    entry(program, O.RESERVE, 1, name_ko="나")
    entry(program, O.SELECTED, 2, name_ko="가2")
    entry(program, O.SELECTED, 1, name_ko="가1")

    rows = selection_rows(SelectionEntry.objects.all())

    assert [row[4] for row in rows] == ["가1", "가2", "나", "다"]


def test_a_selection_row_names_the_startup_formats_the_brn_and_names_track_and_partner():
    program = factories.ProgramFactory()
    partner = factories.PartnerFactory(name="Hyundai Motor")
    promoted = timezone.make_aware(MARCH_2_0930)
    selected = entry(program, O.SELECTED, 1, name_ko="주식회사 매치데이", name_en="Matchday Inc.")
    SelectionEntry.objects.filter(pk=selected.pk).update(partner=partner, promoted_at=promoted)
    startup = selected.application.startup

    with translation.override("en"):
        [row] = selection_rows(SelectionEntry.objects.all())
        program_name, track_name = str(program), str(selected.application.track)

    assert row == [
        program_name,
        "selected",
        1,
        selected.application.receipt_number,
        "주식회사 매치데이",
        "Matchday Inc.",
        f"{startup.brn[:3]}-{startup.brn[3:5]}-{startup.brn[5:]}",
        track_name,
        "Hyundai Motor",
        MARCH_2_0930,
        None,
        "not asked",  # the seat's acceptance and agreement (matching/services/acceptance.py)
        None,
        "",
        "not started",
        None,
    ]


def test_selection_rows_take_one_query_whatever_the_number_of_entries():
    program = factories.ProgramFactory()
    entry(program, O.SELECTED, 1)
    with CaptureQueriesContext(connection) as few:
        selection_rows(SelectionEntry.objects.all())
    for position in range(2, 8):
        entry(program, O.SELECTED, position)

    with CaptureQueriesContext(connection) as many:
        rows = selection_rows(SelectionEntry.objects.all())

    assert len(rows) == 7
    assert len(many) == len(few) == 1


def test_csv_starts_with_a_byte_order_mark_for_excel():
    content = rows_to_csv(["a"], [["b"]])

    assert content.startswith(b"\xef\xbb\xbf")


def test_csv_has_the_header_then_the_rows_in_order_with_korean_text_intact():
    content = rows_to_csv(["이름", "n"], [["주식회사 가", 1], ["나", None]])

    assert read_csv(content) == [["이름", "n"], ["주식회사 가", "1"], ["나", ""]]


def test_csv_writes_datetimes_to_the_minute():
    content = rows_to_csv(["at"], [[MARCH_2_0930.replace(second=15)]])

    assert read_csv(content)[1] == ["2026-03-02 09:30"]


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","x")', "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(text):
    assert read_csv(rows_to_csv(["h"], [[text]]))[1] == [f"'{text}"]


def test_ordinary_text_and_numbers_are_written_unchanged():
    assert [neutralise(value) for value in ["주식회사", "a=b", -1, None]] == ["주식회사", "a=b", -1, None]


def test_xlsx_opens_with_openpyxl_and_holds_the_header_and_rows():
    rows = [["주식회사 가", 1, MARCH_2_0930], ["나", None, None]]

    workbook = load_workbook(io.BytesIO(rows_to_xlsx(["이름", "n", "at"], rows, title="selection")))

    sheet = workbook["selection"]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [["이름", "n", "at"], *rows]


def test_xlsx_keeps_a_formula_looking_name_as_text():
    workbook = load_workbook(io.BytesIO(rows_to_xlsx(["h"], [['=HYPERLINK("http://evil.example","x")']])))

    cell = workbook.active["A2"]
    assert cell.data_type == "s"
    assert cell.value == '\'=HYPERLINK("http://evil.example","x")'


def test_the_selection_header_has_one_label_per_column():
    program = factories.ProgramFactory()
    entry(program, O.SELECTED, 1)

    assert len(selection_header()) == len(selection_rows(SelectionEntry.objects.all())[0]) == 16
