"""Carry-over weights mix only this round and earlier rounds of its program, this round among them,
adding up to exactly 1 (DESIGN.md, "Scoring", rule 3)."""

from decimal import Decimal

import pytest
from django.utils import translation

from core.errors import DomainError
from matching.services.carry_over import carry_over_check, carry_over_check_saved, carry_over_source_rounds
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def program_rounds():
    """Rounds 1, 2 and 3 of one program."""
    first = factories.EvaluationRoundFactory(order=1, name_en="Document review")
    second = factories.EvaluationRoundFactory(program=first.program, order=2, name_en="Pitch")
    third = factories.EvaluationRoundFactory(program=first.program, order=3, name_en="Interview")
    return first, second, third


def refusal(round_, entries) -> DomainError:
    with translation.override("en"), pytest.raises(DomainError) as refused:
        carry_over_check(round=round_, entries=entries)
    return refused.value


def test_a_later_round_of_the_program_is_refused_as_a_source(program_rounds):
    _first, second, third = program_rounds

    refused = refusal(second, [(third, D("0.3")), (second, D("0.7"))])

    assert refused.code == "carry_over_not_earlier"
    assert "Interview" in refused.message


def test_a_round_of_another_program_is_refused_as_a_source(program_rounds):
    _first, second, _third = program_rounds
    elsewhere = factories.EvaluationRoundFactory(order=1, name_en="Other call's review")

    refused = refusal(second, [(elsewhere, D("0.3")), (second, D("0.7"))])

    assert refused.code == "carry_over_other_program"
    assert "Other call's review" in refused.message


def test_weights_that_leave_out_this_round_are_refused(program_rounds):
    first, second, _third = program_rounds

    refused = refusal(second, [(first, D("1"))])

    assert refused.code == "carry_over_without_round"
    assert "Pitch" in refused.message


def test_weights_that_do_not_add_up_to_exactly_one_are_refused(program_rounds):
    first, second, _third = program_rounds

    refused = refusal(second, [(first, D("0.3")), (second, D("0.6"))])

    assert refused.code == "carry_over_not_one"
    assert "0.9" in refused.message


def test_a_round_named_twice_is_refused(program_rounds):
    first, second, _third = program_rounds

    refused = refusal(second, [(first, D("0.3")), (second, D("0.4")), (first, D("0.3"))])

    assert refused.code == "carry_over_repeated"


def test_a_weight_of_zero_is_refused(program_rounds):
    first, second, _third = program_rounds

    refused = refusal(second, [(first, D("0")), (second, D("1"))])

    assert refused.code == "carry_over_weight_out_of_range"


def test_thirty_percent_of_an_earlier_round_and_seventy_of_this_one_are_accepted(program_rounds):
    first, second, _third = program_rounds

    carry_over_check(round=second, entries=[(first, D("0.3")), (second, D("0.7"))])


def test_a_round_without_carry_over_weights_is_accepted(program_rounds):
    carry_over_check(round=program_rounds[1], entries=[])


def test_saved_weights_are_read_in_one_query_and_checked(program_rounds, django_assert_num_queries):
    first, second, third = program_rounds
    factories.CarryOverWeightFactory(round=second, source_round=first, weight=D("0.3"))
    factories.CarryOverWeightFactory(round=second, source_round=second, weight=D("0.7"))
    with django_assert_num_queries(1):
        carry_over_check_saved(round=second)

    factories.CarryOverWeightFactory(round=second, source_round=third, weight=D("0.1"))
    with django_assert_num_queries(1), pytest.raises(DomainError) as refused:
        carry_over_check_saved(round=second)

    assert refused.value.code == "carry_over_not_earlier"


def test_the_rounds_offered_as_sources_are_this_round_and_the_earlier_ones_of_its_program(program_rounds):
    first, second, _third = program_rounds
    factories.EvaluationRoundFactory(order=1)  # another program's

    assert set(carry_over_source_rounds(round=second)) == {first, second}
    assert list(carry_over_source_rounds(round=None)) == []
