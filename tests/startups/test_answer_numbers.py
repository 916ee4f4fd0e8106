"""Numbers the way Koreans write them: commas, 만 and 억, a unit after the amount; pure, no database."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from matching.models import Question
from startups.answers import answer_display, clean_answer, format_number, parse_number

U = Question.Unit


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def number_question(unit=""):
    return Question(code="funding", kind=Question.Kind.NUMBER, unit=unit, label_ko="투자 유치액")


@pytest.mark.parametrize(
    "typed",
    ["1,200,000", "1200000", "1,200,000원", "120만", "120만원", "0.012억", "1 200 000", " 1,200,000 원 ", "₩1,200,000"],
)
def test_an_amount_of_one_million_two_hundred_thousand_won_is_read_however_it_is_typed(typed):
    assert clean_answer(number_question(U.WON), typed) == "1200000"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1.2억", "120000000"),
        ("1억 2000만", "120000000"),
        ("1억2천만원", "120000000"),
        ("12억", "1200000000"),
        ("3천만", "30000000"),
        ("2천5백만원", "25000000"),
        ("1억 5", "100000005"),
        ("1조", "1000000000000"),
        ("0", "0"),
    ],
)
def test_amounts_with_man_and_eok_are_stored_as_whole_won(typed, stored):
    assert clean_answer(number_question(U.WON), typed) == stored


@pytest.mark.parametrize("typed", ["3.5", "-5", "1.5원", "abc", "1..2", "억", "만만", "1,2,3.4.5", "12억 3천만 오백"])
def test_what_is_not_a_whole_amount_in_won_is_refused_with_the_amount_wording(typed):
    with pytest.raises(ValidationError) as refused:
        clean_answer(number_question(U.WON), typed)

    assert refused.value.messages == ["Enter an amount in won, such as 1,200,000 or 1.2억."]


@pytest.mark.parametrize("typed", ["3.5", "-2", "열두"])
def test_a_count_of_people_must_be_a_whole_number_not_below_zero(typed):
    with pytest.raises(ValidationError) as refused:
        clean_answer(number_question(U.PEOPLE), typed)

    assert refused.value.messages == ["Enter a whole number of people, such as 12."]


def test_a_plain_number_keeps_its_decimals_and_its_sign():
    assert clean_answer(number_question(), "3.5") == "3.5"
    assert clean_answer(number_question(), "-1,200") == "-1200"
    assert clean_answer(number_question(U.PERCENT), "12.5%") == "12.5"


def test_a_plain_number_that_is_not_a_number_keeps_the_plain_wording():
    with pytest.raises(ValidationError) as refused:
        clean_answer(number_question(), "많음")

    assert refused.value.messages == ["Enter a number, such as 1200 or 3.5."]


def test_a_number_of_a_thousand_trillion_or_more_is_refused():
    with pytest.raises(ValidationError):
        parse_number("1000조", U.WON)


def test_an_amount_is_read_back_with_its_unit_in_each_language():
    question = number_question(U.WON)

    assert answer_display(question, "1200000") == "KRW 1,200,000"
    with translation.override("ko"):
        assert answer_display(question, "1200000") == "1,200,000원"


def test_a_count_of_people_and_a_percentage_are_read_back_with_their_units():
    assert answer_display(number_question(U.PEOPLE), "12") == "12 people"
    assert answer_display(number_question(U.PERCENT), "3.5") == "3.5%"


@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_a_formatted_amount_parses_back_to_the_same_number(amount):
    assert parse_number(format_number(amount), U.WON) == amount


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False))
def test_a_formatted_plain_number_parses_back_to_the_same_number(number):
    assert parse_number(format_number(number)) == Decimal(number)
