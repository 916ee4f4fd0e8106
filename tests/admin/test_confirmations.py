"""Irreversible staff actions go through a confirmation page that states what will happen in numbers
and asks for the reason it audits (DESIGN "Interfaces" → Admin). Choosing the action changes nothing;
posting the page with a reason runs it, and the audit trail keeps that reason."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from matching.models import Assignment, EvaluationRound, Program, SelectionEntry
from startups.models import Application
from tests import factories
from tests.admin.conftest import post_action
from tests.matching.test_selection import add_results, events_of, final_round, finalised_program, make_round

pytestmark = pytest.mark.django_db

R = EvaluationRound.Status
A = Application.Status
O = SelectionEntry.Outcome  # noqa: E741


@dataclass
class Case:
    """One action: the object it is chosen on, what its page must say, and what shows it ran."""

    model: type
    action: str
    target: object
    says: list[str]
    state: Callable[[], object]
    audited: Callable[[], object]  # the object whose status-change event must carry the reason


def _publish() -> Case:
    first = make_round()
    make_round(program=first.program, order=2, status=R.SETUP)
    add_results(first, "aan")
    return Case(
        EvaluationRound,
        "results_publish",
        first,
        [
            "2 startups advance to the next round and 1 are not selected.",
            "Publishing the results e-mails 3 applicants",
        ],
        lambda: EvaluationRound.objects.get(pk=first.pk).status,
        lambda: first,
    )


def _finalise() -> Case:
    program = factories.ProgramFactory(reviewing=True, quota=1, reserve_size=1)
    final_round(program, "aan")
    return Case(
        Program,
        "selection_finalise",
        program,
        ["Final selection: 1 selected · 1 in reserve · 1 not selected.", "Finalising e-mails 3 applicants"],
        lambda: Program.objects.get(pk=program.pk).status,
        lambda: program,
    )


def _review_round(status: str) -> EvaluationRound:
    evaluation_round = factories.EvaluationRoundFactory(status=status)
    factories.AssignmentFactory(round=evaluation_round, status=Assignment.Status.SUBMITTED)
    factories.AssignmentFactory(round=evaluation_round)
    factories.AssignmentFactory(round=evaluation_round, status=Assignment.Status.IN_PROGRESS)
    factories.AssignmentFactory(round=evaluation_round, status=Assignment.Status.RECUSED)
    return evaluation_round


def _close() -> Case:
    evaluation_round = _review_round(R.SCORING)
    return Case(
        EvaluationRound,
        "round_close",
        evaluation_round,
        ["2 of 3 reviews are still missing (2 evaluators have not submitted)."],
        lambda: EvaluationRound.objects.get(pk=evaluation_round.pk).status,
        lambda: evaluation_round,
    )


def _reopen_round() -> Case:
    evaluation_round = _review_round(R.CLOSED)
    return Case(
        EvaluationRound,
        "round_reopen",
        evaluation_round,
        ["Scoring opens again: 1 submitted reviews can be changed and 2 missing ones submitted."],
        lambda: EvaluationRound.objects.get(pk=evaluation_round.pk).status,
        lambda: evaluation_round,
    )


def _reopen_program() -> Case:
    program = factories.ProgramFactory(
        status=Program.Status.CLOSED, closes_at=timezone.now() + timezone.timedelta(days=2)
    )
    factories.ApplicationFactory(program=program)
    factories.ApplicationFactory(program=program, submitted=True)
    factories.ApplicationFactory(program=program, submitted=True)
    return Case(
        Program,
        "program_reopen",
        program,
        [
            "Applications open again: 1 drafts can be submitted and 2 submitted ones changed.",
            "Applicants can submit until",
        ],
        lambda: Program.objects.get(pk=program.pk).status,
        lambda: program,
    )


def _withdraw() -> Case:
    program, [selected, _second, reserve, *_rest] = finalised_program(quota=2, reserve_size=2, outcomes="aaaan")
    return Case(
        Application,
        "application_withdraw",
        selected,
        [f"Selected place 1 goes to reserve {reserve.startup.name_ko}.", "Its 1 active member gets an e-mail."],
        lambda: (Application.objects.get(pk=selected.pk).status, Application.objects.get(pk=reserve.pk).status),
        lambda: selected,
    )


def _promote() -> Case:
    program, [selected, _second, reserve, *_rest] = finalised_program(quota=2, reserve_size=2, outcomes="aaaan")
    # A seat freed without a successor (as after a withdrawal while no reserve was left).
    SelectionEntry.objects.filter(application=selected).update(outcome=O.NOT_SELECTED, position=None)
    Application.objects.filter(pk=selected.pk).update(status=A.WITHDRAWN)
    return Case(
        Program,
        "reserve_promote",
        program,
        [
            f"Reserve no. 1, {reserve.startup.name_ko}, takes selected place 1.",
            "Its 1 active member gets an e-mail.",
            "The 1 reserve behind it moves up one place.",
        ],
        lambda: Application.objects.get(pk=reserve.pk).status,
        lambda: SelectionEntry.objects.get(application=reserve),
    )


CASES = {
    "publish": _publish,
    "finalise": _finalise,
    "close scoring": _close,
    "reopen scoring": _reopen_round,
    "reopen applications": _reopen_program,
    "withdraw": _withdraw,
    "promote a reserve": _promote,
}


@pytest.fixture(params=CASES.values(), ids=CASES.keys())
def case(request) -> Case:
    return request.param()


def test_choosing_the_action_leads_to_its_confirmation_page_and_changes_nothing(staff, case):
    before = case.state()

    response = post_action(staff, case.model, case.action, [case.target])

    assert response.status_code == 302
    assert f"/action/{case.action}/?ids={case.target.pk}" in response["Location"]
    assert case.state() == before


def test_the_confirmation_page_states_the_consequences_in_numbers_and_changes_nothing(staff, case):
    before = case.state()
    page = post_action(staff, case.model, case.action, [case.target])["Location"]

    response = staff.get(page)

    assert response.status_code == 200
    content = response.content.decode()
    for sentence in case.says:
        assert sentence in content
    assert 'name="reason"' in content
    assert case.state() == before


def test_the_confirmation_without_a_reason_is_refused_and_changes_nothing(staff, case):
    before = case.state()
    page = post_action(staff, case.model, case.action, [case.target])["Location"]

    response = staff.post(page, {"reason": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert case.state() == before


def test_confirming_with_a_reason_runs_the_action_and_audits_the_reason(staff, staff_user, case):
    before = case.state()
    page = post_action(staff, case.model, case.action, [case.target])["Location"]

    response = staff.post(page, {"reason": "심사위원회 의결 (2027-01-02)"})

    assert response.status_code == 302
    assert case.state() != before
    events = events_of(case.audited())
    assert events, "no audit event"
    assert (events[-1].actor, events[-1].reason) == (staff_user, "심사위원회 의결 (2027-01-02)")


def test_the_korean_confirmation_page_says_how_many_applicants_get_an_email(staff_client):
    first = make_round()
    make_round(program=first.program, order=2, status=R.SETUP)
    add_results(first, "aan")

    page = post_action(staff_client, EvaluationRound, "results_publish", [first])["Location"]
    content = staff_client.get(page).content.decode()

    assert "결과를 공개하면 지원자 3명에게 메일이 발송됩니다" in content
    assert "2개사가 다음 단계로 올라가고 1개사는 탈락합니다" in content


def test_the_finalise_page_in_korean_gives_the_selected_and_reserve_counts(staff_client):
    program = factories.ProgramFactory(reviewing=True, quota=1, reserve_size=1)
    final_round(program, "aan")

    page = post_action(staff_client, Program, "selection_finalise", [program])["Location"]
    content = staff_client.get(page).content.decode()

    assert "최종 선정 1개사·예비 1개사·미선정 1개사" in content


def test_the_page_says_when_the_service_would_refuse(staff):
    program = factories.ProgramFactory(reviewing=True, quota=3, reserve_size=0)
    final_round(program, "af")

    page = post_action(staff, Program, "selection_finalise", [program])["Location"]

    assert "Refused: only 1 application can be selected, fewer than the quota of 3." in staff.get(page).content.decode()


def _publish_page_queries(staff, django_assert_num_queries, size: int, expected: int) -> None:
    rounds = []
    for _ in range(size):
        first = make_round()
        make_round(program=first.program, order=2, status=R.SETUP)
        add_results(first, "aan")
        rounds.append(first)
    page = post_action(staff, EvaluationRound, "results_publish", rounds)["Location"]
    with django_assert_num_queries(expected):
        staff.get(page)


@pytest.mark.parametrize("size", [1, 4])
def test_the_publish_page_counts_in_the_same_number_of_queries_for_one_round_and_many(
    staff, django_assert_num_queries, size
):
    _publish_page_queries(staff, django_assert_num_queries, size, expected=6)


@pytest.mark.parametrize("size", [1, 4])
def test_the_withdrawal_page_counts_in_the_same_number_of_queries_for_one_application_and_many(
    staff, django_assert_num_queries, size
):
    applications = []
    for _ in range(size):
        _program, [selected, *_rest] = finalised_program(quota=1, reserve_size=1, outcomes="aan")
        applications.append(selected)
    page = post_action(staff, Application, "application_withdraw", applications)["Location"]

    with django_assert_num_queries(5):
        staff.get(page)


def test_the_promotion_page_names_the_seat_the_service_adds_when_every_seat_is_taken(staff):
    program, [_selected, reserve, _rest] = finalised_program(quota=1, reserve_size=1, outcomes="aan")
    page = post_action(staff, Program, "reserve_promote", [program])["Location"]

    content = staff.get(page).content.decode()
    staff.post(page, {"reason": "심사위원회 의결"})

    assert f"Reserve no. 1, {reserve.startup.name_ko}, takes selected place 2." in content
    assert "Refused" not in content
    assert SelectionEntry.objects.get(application=reserve).position == 2
