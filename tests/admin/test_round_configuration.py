"""Round configuration in the admin is checked by the same rules the scoring job relies on."""

from decimal import Decimal

import pytest

from matching.models import CarryOverWeight, EvaluationRound
from tests import factories
from tests.admin.conftest import admin_url, change_form_data

pytestmark = pytest.mark.django_db


def _form(client, evaluation_round):
    url = admin_url(EvaluationRound, "change", evaluation_round.pk)
    return url, change_form_data(client.get(url))


def _post_carry_over_weights(client, evaluation_round, weights):
    """Post the round's change form with one carry-over weight per source round."""
    url, data = _form(client, evaluation_round)
    data["carry_over_weights-TOTAL_FORMS"] = str(len(weights))
    for index, (source_round, weight) in enumerate(weights.items()):
        data[f"carry_over_weights-{index}-source_round"] = str(source_round.pk)
        data[f"carry_over_weights-{index}-weight"] = weight
    return client.post(url, data)


def test_a_top_n_rule_without_n_is_refused_at_the_field(staff):
    evaluation_round = factories.EvaluationRoundFactory(advancement_rule="top_n", advance_count=5)
    url, data = _form(staff, evaluation_round)

    response = staff.post(url, {**data, "advance_count": ""})

    assert response.status_code == 200
    assert "advance_count" in response.context["adminform"].form.errors


def test_carry_over_weights_that_do_not_add_up_to_one_are_refused(staff):
    first = factories.EvaluationRoundFactory(order=1)
    second = factories.EvaluationRoundFactory(program=first.program, order=2)

    response = _post_carry_over_weights(staff, second, {first: "0.3", second: "0.5"})

    assert response.status_code == 200
    refusals = [
        error.code
        for inline in response.context["inline_admin_formsets"]
        for error in inline.formset.non_form_errors().as_data()
    ]
    assert refusals == ["carry_over_not_one"]
    assert not CarryOverWeight.objects.exists()


def test_carry_over_weights_adding_up_to_one_are_saved(staff):
    first = factories.EvaluationRoundFactory(order=1)
    second = factories.EvaluationRoundFactory(program=first.program, order=2)

    response = _post_carry_over_weights(staff, second, {first: "0.3", second: "0.7"})

    assert response.status_code == 302
    assert sorted(second.carry_over_weights.values_list("weight", flat=True)) == [Decimal("0.3"), Decimal("0.7")]


def _carry_over_formset(response):
    return next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is CarryOverWeight
    )


def test_the_source_round_select_offers_only_earlier_rounds_of_the_program_and_the_round_itself(staff):
    first = factories.EvaluationRoundFactory(order=1)
    second = factories.EvaluationRoundFactory(program=first.program, order=2)
    factories.EvaluationRoundFactory(program=first.program, order=3)
    factories.EvaluationRoundFactory(order=1)  # another program's
    factories.CarryOverWeightFactory(round=second, source_round=first, weight=Decimal("0.3"))

    response = staff.get(admin_url(EvaluationRound, "change", second.pk))

    formset = _carry_over_formset(response)
    for form in [*formset.forms, formset.empty_form]:
        offered = {str(value) for value, _label in form.fields["source_round"].choices if value}
        assert offered == {str(first.pk), str(second.pk)}


def test_carry_over_weights_without_the_round_itself_show_the_refusal_and_save_nothing(staff):
    first = factories.EvaluationRoundFactory(order=1)
    second = factories.EvaluationRoundFactory(program=first.program, order=2, name_en="Pitch")

    response = _post_carry_over_weights(staff, second, {first: "1"})

    assert response.status_code == 200
    errors = _carry_over_formset(response).non_form_errors()
    assert [error.code for error in errors.as_data()] == ["carry_over_without_round"]
    assert "Pitch" in response.content.decode()
    assert not CarryOverWeight.objects.exists()


def test_a_later_round_posted_as_a_source_is_refused_and_nothing_is_saved(staff):
    first = factories.EvaluationRoundFactory(order=1)
    second = factories.EvaluationRoundFactory(program=first.program, order=2)
    third = factories.EvaluationRoundFactory(program=first.program, order=3)

    response = _post_carry_over_weights(staff, second, {third: "0.3", second: "0.7"})

    assert response.status_code == 200
    assert "source_round" in _carry_over_formset(response).forms[0].errors
    assert not CarryOverWeight.objects.exists()


def test_carry_over_weights_cannot_be_added_or_changed_one_row_at_a_time(staff):
    weight = factories.CarryOverWeightFactory(weight=Decimal("1"))
    url = admin_url(CarryOverWeight, "change", weight.pk)

    assert staff.get(admin_url(CarryOverWeight, "add")).status_code == 403
    staff.post(url, {"round": weight.round_id, "source_round": weight.source_round_id, "weight": "0.5"})

    weight.refresh_from_db()
    assert weight.weight == Decimal("1")
    assert staff.get(url).status_code == 200  # still viewable
