"""Admin actions for results and the selection call the selection services, by the staff member who chose them."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from matching.models import Assignment, EvaluationRound, Program, RoundResult, SelectionEntry
from startups.models import Application
from tests import factories
from tests.admin.conftest import admin_url, confirm_action, messages_of, post_action
from tests.matching.test_selection import add_results, events_of, final_round, make_round, statuses

pytestmark = pytest.mark.django_db

R = EvaluationRound.Status
A = Application.Status


def override_url(action: str, *results) -> str:
    url = reverse("admin:matching_roundresult_reason_action", kwargs={"action": action})
    return f"{url}?ids={','.join(str(r.pk) for r in results)}"


def test_publishing_results_from_the_admin_publishes_the_round(staff, staff_user):
    first = make_round()
    make_round(program=first.program, order=2, status=R.SETUP)
    results = add_results(first, "an")

    response = confirm_action(staff, EvaluationRound, "results_publish", [first])

    first.refresh_from_db()
    assert first.status == R.PUBLISHED
    assert statuses(results) == [A.ADVANCED, A.NOT_SELECTED]
    assert messages_of(response) == [("success", f"Results published: {first}")]


def test_publishing_a_round_that_is_not_computed_shows_why_and_changes_nothing(staff):
    evaluation_round = make_round(status=R.CLOSED)

    response = confirm_action(staff, EvaluationRound, "results_publish", [evaluation_round])

    evaluation_round.refresh_from_db()
    assert evaluation_round.status == R.CLOSED
    assert [level for level, _ in messages_of(response)] == ["error"]


def test_finalising_the_selection_from_the_admin_finalises_the_program(staff, staff_user):
    program = factories.ProgramFactory(reviewing=True, quota=1, reserve_size=1)
    final_round(program, "aan")

    response = confirm_action(staff, Program, "selection_finalise", [program])

    program.refresh_from_db()
    assert program.status == Program.Status.FINALISED
    assert SelectionEntry.objects.filter(program=program).count() == 3
    assert messages_of(response) == [("success", f"Selection finalised: {program}")]


def test_finalising_with_too_few_candidates_shows_the_count(staff):
    program = factories.ProgramFactory(reviewing=True, quota=3, reserve_size=0)
    final_round(program, "af")

    response = confirm_action(staff, Program, "selection_finalise", [program])

    [(level, message)] = messages_of(response)
    assert level == "error"
    assert "Only 1 application can be selected, fewer than the quota of 3." in message


def test_the_override_action_asks_for_a_reason_first(staff):
    [result] = add_results(make_round(), "n")

    response = post_action(staff, RoundResult, "result_override_advance", [result])

    assert response.status_code == 302
    assert response["Location"].startswith(override_url("result_override_advance").split("?")[0])
    result.refresh_from_db()
    assert result.advanced is False


def test_overriding_with_a_reason_advances_the_result_and_audits_who_did_it(staff, staff_user):
    [result] = add_results(make_round(), "f")

    response = staff.post(override_url("result_override_advance", result), {"reason": "채점 오류 정정"})

    assert response.status_code == 302
    result.refresh_from_db()
    assert (result.advanced, result.override_reason) == (True, "채점 오류 정정")
    [event] = events_of(result, "advancement_overridden")
    assert (event.actor, event.reason) == (staff_user, "채점 오류 정정")


def test_holding_back_with_a_reason_stops_the_result_from_advancing(staff):
    [result] = add_results(make_round(), "a")

    staff.post(override_url("result_override_hold_back", result), {"reason": "중복 지원 확인"})

    result.refresh_from_db()
    assert (result.advanced, result.override_reason) == (False, "중복 지원 확인")


def test_an_override_without_a_reason_is_not_applied(staff):
    [result] = add_results(make_round(), "n")

    response = staff.post(override_url("result_override_advance", result), {"reason": ""})

    assert response.status_code == 200
    result.refresh_from_db()
    assert result.advanced is False


def test_a_round_result_page_stays_read_only(staff):
    [result] = add_results(make_round(), "n")

    response = staff.get(admin_url(RoundResult, "change", result.pk))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


def _review(result: RoundResult, criteria, values) -> None:
    assignment = factories.AssignmentFactory(
        round=result.round, application=result.application, status=Assignment.Status.SUBMITTED
    )
    review = factories.ReviewFactory(assignment=assignment)
    for criterion, value in zip(criteria, values, strict=True):
        factories.ScoreFactory(review=review, criterion=criterion, value=Decimal(value))


def test_the_results_list_flags_an_application_whose_review_totals_are_far_apart(staff):
    evaluation_round = make_round()
    close, apart = add_results(evaluation_round, "an")
    criteria = [factories.CriterionFactory(round=evaluation_round, weight=Decimal("1"), max_score=Decimal("10"))]
    _review(close, criteria, ["7"])
    _review(close, criteria, ["8"])  # totals 70 and 80: spread 10
    _review(apart, criteria, ["9"])
    _review(apart, criteria, ["5"])  # totals 90 and 50: spread 40

    response = staff.get(admin_url(RoundResult, "changelist"))

    rows = {row.pk: row for row in response.context["cl"].result_list}
    assert rows[close.pk].review_spread_value == pytest.approx(10)
    assert rows[apart.pk].review_spread_value == pytest.approx(40)
    result_admin = admin.site._registry[RoundResult]
    assert (result_admin.disagreement(rows[close.pk]), result_admin.disagreement(rows[apart.pk])) == (False, True)


def test_the_selection_list_filters_by_outcome(staff):
    program = factories.ProgramFactory(reviewing=True, quota=1, reserve_size=1)
    _selected, reserve, _rest = final_round(program, "aan")
    confirm_action(staff, Program, "selection_finalise", [program])

    response = staff.get(admin_url(SelectionEntry, "changelist"), {"outcome__exact": "reserve"})

    assert [entry.application_id for entry in response.context["cl"].result_list] == [reserve.application_id]
