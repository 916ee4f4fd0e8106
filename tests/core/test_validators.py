import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.validators import (
    company_age_years,
    format_brn,
    local_date,
    normalize_brn,
    validate_company_age,
)

# Published registration numbers of listed companies (Samsung Electronics, NAVER, Kakao).
REAL_BRNS = ["124-81-00998", "220-81-62517", "120-81-47521"]


@pytest.mark.parametrize("brn", REAL_BRNS)
def test_published_business_registration_numbers_are_accepted(brn):
    assert normalize_brn(brn) == brn.replace("-", "")


def test_brn_is_accepted_with_or_without_hyphens_and_stored_as_ten_digits():
    assert normalize_brn("1248100998") == normalize_brn("124-81-00998") == "1248100998"


def test_surrounding_spaces_are_ignored():
    assert normalize_brn("  124-81-00998 ") == "1248100998"


@pytest.mark.parametrize("wrong_last_digit", ["1248100990", "1248100991", "1248100999"])
def test_brn_with_a_wrong_check_digit_is_rejected_with_a_clear_message(wrong_last_digit):
    with pytest.raises(ValidationError) as rejected:
        normalize_brn(wrong_last_digit)

    assert rejected.value.code == "brn_check_digit"
    assert "last digit" in str(rejected.value.messages[0]) or "마지막" in str(rejected.value.messages[0])


@pytest.mark.parametrize("malformed", ["", "12481009", "124810099800", "124-8100998-", "12a8100998", "124 81 0099"])
def test_brn_of_the_wrong_shape_is_rejected_as_a_format_error(malformed):
    with pytest.raises(ValidationError) as rejected:
        normalize_brn(malformed)

    assert rejected.value.code == "brn_format"


def test_brn_is_shown_with_hyphens():
    assert format_brn("1248100998") == "124-81-00998"


def test_company_age_counts_full_years():
    assert company_age_years(dt.date(2016, 11, 17), on=dt.date(2023, 11, 16)) == 6
    assert company_age_years(dt.date(2016, 11, 17), on=dt.date(2023, 11, 17)) == 7


def test_company_founded_on_29_february_completes_its_year_on_1_march():
    assert company_age_years(dt.date(2020, 2, 29), on=dt.date(2021, 2, 28)) == 0
    assert company_age_years(dt.date(2020, 2, 29), on=dt.date(2021, 3, 1)) == 1


def test_company_one_day_short_of_the_limit_is_eligible():
    validate_company_age(dt.date(2013, 11, 18), max_years=10, on=dt.date(2023, 11, 17))


def test_company_that_reaches_the_limit_on_the_submission_date_is_not_eligible():
    with pytest.raises(ValidationError) as rejected:
        validate_company_age(dt.date(2013, 11, 17), max_years=10, on=dt.date(2023, 11, 17))

    assert rejected.value.code == "company_too_old"


def test_founding_date_in_the_future_is_rejected():
    with pytest.raises(ValidationError) as rejected:
        validate_company_age(dt.date(2024, 1, 1), max_years=7, on=dt.date(2023, 11, 17))

    assert rejected.value.code == "founded_in_future"


def test_submission_date_is_counted_in_the_program_time_zone():
    # 17 Nov 2023 20:00 UTC is already 18 Nov in Seoul: the company has turned ten there.
    submitted = dt.datetime(2023, 11, 17, 20, 0, tzinfo=dt.UTC)
    on = local_date(submitted, "Asia/Seoul")

    assert on == dt.date(2023, 11, 18)
    with pytest.raises(ValidationError):
        validate_company_age(dt.date(2013, 11, 18), max_years=10, on=on)
