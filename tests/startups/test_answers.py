import pytest
from django.core.exceptions import ValidationError

from matching.models import Question
from startups.answers import clean_answer

K = Question.Kind


def q(kind, **extra):
    return Question(kind=kind, code="q", label_ko="질문", **extra)


CHOICES = [{"value": "a", "label_ko": "가"}, {"value": "b", "label_ko": "나"}, {"value": "c", "label_ko": "다"}]


def test_empty_answers_are_stored_as_nothing():
    assert clean_answer(q(K.LONG_TEXT), "   ") is None
    assert clean_answer(q(K.MULTIPLE_CHOICE, choices=CHOICES), []) is None


def test_a_line_break_counts_as_one_character_against_the_limit():
    assert clean_answer(q(K.LONG_TEXT, max_length=5), "ab\r\ncd") == "ab\ncd"


def test_text_over_its_limit_is_refused_with_both_numbers():
    with pytest.raises(ValidationError) as refused:
        clean_answer(q(K.LONG_TEXT, max_length=10), "x" * 11)

    assert "10" in refused.value.messages[0] and "11" in refused.value.messages[0]


def test_short_text_has_a_limit_even_when_none_is_set():
    with pytest.raises(ValidationError):
        clean_answer(q(K.SHORT_TEXT), "x" * 201)


@pytest.mark.parametrize(("raw", "stored"), [("1,200", "1200"), ("3.50", "3.50"), (" 42 ", "42"), ("-7", "-7")])
def test_numbers_are_read_with_thousands_separators(raw, stored):
    assert clean_answer(q(K.NUMBER), raw) == stored


@pytest.mark.parametrize("raw", ["twelve", "1e400", "NaN", "12abc"])
def test_something_that_is_not_a_number_is_refused(raw):
    with pytest.raises(ValidationError) as refused:
        clean_answer(q(K.NUMBER), raw)

    assert refused.value.code == "not_a_number"


def test_dates_are_stored_as_iso_and_nonsense_is_refused():
    assert clean_answer(q(K.DATE), "2023-11-17") == "2023-11-17"
    with pytest.raises(ValidationError):
        clean_answer(q(K.DATE), "2023-02-30")


def test_a_web_address_without_a_scheme_gets_https():
    assert clean_answer(q(K.URL), "example.com") == "https://example.com"


def test_a_web_address_with_another_scheme_is_refused():
    with pytest.raises(ValidationError):
        clean_answer(q(K.URL), "javascript:alert(1)")


def test_single_choice_must_be_one_of_the_options():
    assert clean_answer(q(K.SINGLE_CHOICE, choices=CHOICES), "b") == "b"
    with pytest.raises(ValidationError):
        clean_answer(q(K.SINGLE_CHOICE, choices=CHOICES), "z")


def test_multiple_choice_keeps_the_programs_order_without_repeats():
    assert clean_answer(q(K.MULTIPLE_CHOICE, choices=CHOICES), ["c", "a", "c"]) == ["a", "c"]


def test_multiple_choice_with_an_unknown_option_is_refused():
    with pytest.raises(ValidationError):
        clean_answer(q(K.MULTIPLE_CHOICE, choices=CHOICES), ["a", "zzz"])


@pytest.mark.parametrize(("raw", "stored"), [("yes", True), ("no", False), (True, True), ("false", False)])
def test_yes_no_answers_become_booleans(raw, stored):
    assert clean_answer(q(K.YES_NO), raw) is stored


def test_script_in_a_text_answer_is_stored_as_text_to_be_escaped_on_output():
    assert clean_answer(q(K.LONG_TEXT), "<script>alert(1)</script>") == "<script>alert(1)</script>"


def test_answers_are_shown_with_choice_labels_grouped_numbers_and_words_for_yes_and_no():
    from django.utils import translation

    from startups.answers import answer_display

    choices = [{"value": "a", "label_ko": "가", "label_en": "Alpha"}, {"value": "b", "label_ko": "나"}]
    with translation.override("en"):
        assert answer_display(q(K.SINGLE_CHOICE, choices=choices), "a") == "Alpha"
        assert answer_display(q(K.MULTIPLE_CHOICE, choices=choices), ["a", "b"]) == ["Alpha", "나"]
        assert answer_display(q(K.NUMBER), "690000000") == "690,000,000"
        assert answer_display(q(K.YES_NO), False) == "No"
        assert answer_display(q(K.LONG_TEXT), "") == ""
