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


def test_a_top_n_rule_without_n_is_refused_at_the_field(staff):
    evaluation_round = factories.EvaluationRoundFactory(advancement_rule="top_n", advance_count=5)
    url, data = _form(staff, evaluation_round)

    response = staff.post(url, {**data, "advance_count": ""})

    assert response.status_code == 200
    assert "advance_count" in response.context["adminform"].form.errors


def test_carry_over_weights_that_do_not_add_up_to_one_are_refused(staff):
    first = factories.EvaluationRoundFactory(order=1)
    second = factories.EvaluationRoundFactory(program=first.program, order=2)
    url, data = _form(staff, second)
    data.update(
        {
            "carry_over_weights-TOTAL_FORMS": "2",
            "carry_over_weights-0-source_round": str(first.pk),
            "carry_over_weights-0-weight": "0.3",
            "carry_over_weights-1-source_round": str(second.pk),
            "carry_over_weights-1-weight": "0.5",
        }
    )

    response = staff.post(url, data)

    assert response.status_code == 200
    assert not CarryOverWeight.objects.exists()


def test_carry_over_weights_adding_up_to_one_are_saved(staff):
    first = factories.EvaluationRoundFactory(order=1)
    second = factories.EvaluationRoundFactory(program=first.program, order=2)
    url, data = _form(staff, second)
    data.update(
        {
            "carry_over_weights-TOTAL_FORMS": "2",
            "carry_over_weights-0-source_round": str(first.pk),
            "carry_over_weights-0-weight": "0.3",
            "carry_over_weights-1-source_round": str(second.pk),
            "carry_over_weights-1-weight": "0.7",
        }
    )

    response = staff.post(url, data)

    assert response.status_code == 302
    assert sorted(second.carry_over_weights.values_list("weight", flat=True)) == [Decimal("0.3"), Decimal("0.7")]
