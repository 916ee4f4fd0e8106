"""Exclusion requests (기피 신청): who may file them and when, staff decisions, and the assignment honouring them."""

import pytest

from audit.models import AuditEvent
from core.errors import DomainError
from matching.models import Assignment, Conflict, EvaluationRound, ExclusionRequest
from matching.services.assignment import assignment_add, assignments_create
from matching.services.exclusions import exclusion_decide, exclusion_request, organisation_key
from notifications.models import Notification
from tests.factories import (
    ApplicationFactory,
    AssignmentFactory,
    EvaluationRoundFactory,
    EvaluatorFactory,
    StartupMemberFactory,
)

pytestmark = pytest.mark.django_db

R = EvaluationRound.Status


def setup(*, status=R.ASSIGNING, blind=False):
    evaluation_round = EvaluationRoundFactory(status=status, blind=blind, evaluators_per_application=1)
    application = ApplicationFactory(program=evaluation_round.program, in_review=True)
    member = StartupMemberFactory(startup=application.startup, user__email=f"founder{application.pk}@gmail.com")
    return evaluation_round, application, member.user


def test_organisation_names_are_compared_without_spaces_or_case():
    assert organisation_key(" Korea  Ventures ") == organisation_key("koreaventures")
    assert organisation_key("한국 벤처투자") == organisation_key("한국벤처투자")


def test_a_member_files_a_request_naming_an_organisation_before_assignment():
    _round, application, user = setup()

    request = exclusion_request(application=application, by=user, organisation=" 한국  벤처투자 ", reason="경쟁사")

    assert request.status == ExclusionRequest.Status.REQUESTED and request.organisation == "한국 벤처투자"
    assert AuditEvent.objects.filter(verb="exclusion_requested").exists()


def test_someone_outside_the_startup_cannot_file_a_request():
    _round, application, _user = setup()
    with pytest.raises(DomainError) as refused:
        exclusion_request(application=application, by=StartupMemberFactory().user, organisation="A", reason="r")
    assert refused.value.code == "not_a_member"


def test_a_request_without_a_reason_is_refused_and_nothing_is_saved():
    _round, application, user = setup()
    with pytest.raises(DomainError):
        exclusion_request(application=application, by=user, organisation="A", reason="  ")
    assert not ExclusionRequest.objects.exists()


def test_a_request_naming_both_an_organisation_and_a_person_is_refused():
    _round, application, user = setup()
    with pytest.raises(DomainError) as refused:
        exclusion_request(application=application, by=user, organisation="A", evaluator=EvaluatorFactory(), reason="r")
    assert refused.value.code == "exclusion_subject"


def test_a_person_cannot_be_named_when_a_round_of_the_program_is_blind():
    _round, application, user = setup(blind=True)
    with pytest.raises(DomainError) as refused:
        exclusion_request(application=application, by=user, evaluator=EvaluatorFactory(), reason="r")
    assert refused.value.code == "exclusion_blind"


def test_a_request_is_refused_once_evaluators_are_assigned_to_the_application():
    evaluation_round, application, user = setup()
    AssignmentFactory(round=evaluation_round, application=application)
    with pytest.raises(DomainError) as refused:
        exclusion_request(application=application, by=user, organisation="A", reason="r")
    assert refused.value.code == "exclusion_closed"


def test_a_request_is_refused_while_the_next_round_is_scoring():
    _round, application, user = setup(status=R.SCORING)
    with pytest.raises(DomainError) as refused:
        exclusion_request(application=application, by=user, organisation="A", reason="r")
    assert refused.value.code == "exclusion_closed"


def test_a_draft_cannot_ask_for_an_exclusion():
    evaluation_round = EvaluationRoundFactory(status=R.ASSIGNING)
    draft = ApplicationFactory(program=evaluation_round.program)
    user = StartupMemberFactory(startup=draft.startup).user
    with pytest.raises(DomainError) as refused:
        exclusion_request(application=draft, by=user, organisation="A", reason="r")
    assert refused.value.code == "exclusion_closed"


def test_accepting_records_conflicts_for_every_evaluator_of_the_organisation_and_tells_the_members(staff_user):
    _round, application, user = setup()
    same = [EvaluatorFactory(organisation="Korea Ventures"), EvaluatorFactory(organisation="korea ventures ")]
    other = EvaluatorFactory(organisation="Other Capital")
    request = exclusion_request(application=application, by=user, organisation="KoreaVentures", reason="경쟁사")

    decided = exclusion_decide(request=request, by=staff_user, accept=True, answer="받아들입니다.")

    assert decided.status == ExclusionRequest.Status.ACCEPTED and decided.answer == "받아들입니다."
    conflicts = Conflict.objects.filter(startup=application.startup)
    assert set(conflicts.values_list("evaluator_id", flat=True)) == {e.pk for e in same}
    assert set(conflicts.values_list("source", flat=True)) == {Conflict.Source.EXCLUSION}
    assert not Conflict.objects.filter(evaluator=other).exists()
    assert Notification.objects.filter(event=Notification.Event.EXCLUSION_DECIDED, recipient=user).count() == 1


def test_refusing_records_no_conflict_but_answers_the_applicant(staff_user):
    _round, application, user = setup()
    EvaluatorFactory(organisation="A")
    request = exclusion_request(application=application, by=user, organisation="A", reason="r")

    exclusion_decide(request=request, by=staff_user, accept=False, answer="근거가 부족합니다.")

    assert not Conflict.objects.exists()
    assert Notification.objects.filter(event=Notification.Event.EXCLUSION_DECIDED, recipient=user).exists()


def test_a_decision_needs_an_answer_and_happens_once(staff_user):
    _round, application, user = setup()
    request = exclusion_request(application=application, by=user, organisation="A", reason="r")
    with pytest.raises(DomainError):
        exclusion_decide(request=request, by=staff_user, accept=True, answer=" ")
    exclusion_decide(request=request, by=staff_user, accept=True, answer="ok")
    with pytest.raises(DomainError):
        exclusion_decide(request=request, by=staff_user, accept=False, answer="no")


def test_accepting_removes_the_excluded_evaluators_assignments_in_a_round_not_yet_scoring(staff_user):
    evaluation_round, application, user = setup()
    request = exclusion_request(application=application, by=user, organisation="A", reason="r")
    excluded, kept = EvaluatorFactory(organisation="A"), EvaluatorFactory(organisation="B")
    AssignmentFactory(round=evaluation_round, application=application, evaluator=excluded)
    AssignmentFactory(round=evaluation_round, application=application, evaluator=kept)

    exclusion_decide(request=request, by=staff_user, accept=True, answer="ok")

    assert list(Assignment.objects.values_list("evaluator_id", flat=True)) == [kept.pk]


def test_auto_assignment_never_gives_the_startup_an_evaluator_of_an_excluded_organisation(staff_user):
    evaluation_round, application, user = setup()
    request = exclusion_request(application=application, by=user, organisation="Excluded Org", reason="r")
    exclusion_decide(request=request, by=staff_user, accept=True, answer="ok")
    # joined the pool after the decision: the assignment records their conflicts, like those it detects
    late = [EvaluatorFactory(organisation="excluded org") for _ in range(3)]
    allowed = EvaluatorFactory(organisation="Someone Else")
    evaluation_round.evaluators.add(*late, allowed)

    assignments_create(round=evaluation_round, by=staff_user, seed=3)

    assert list(Assignment.objects.filter(application=application).values_list("evaluator_id", flat=True)) == [
        allowed.pk
    ]
    recorded = Conflict.objects.filter(startup=application.startup, source=Conflict.Source.EXCLUSION)
    assert set(recorded.values_list("evaluator_id", flat=True)) == {e.pk for e in late}
    assert set(recorded.values_list("reason", flat=True)) == {"r"}


def test_an_evaluator_of_an_excluded_organisation_cannot_be_assigned_by_hand(staff_user):
    evaluation_round, application, user = setup()
    request = exclusion_request(application=application, by=user, organisation="A", reason="r")
    exclusion_decide(request=request, by=staff_user, accept=True, answer="ok")
    late = EvaluatorFactory(organisation="a")
    evaluation_round.evaluators.add(late)

    with pytest.raises(DomainError) as refused:
        assignment_add(round=evaluation_round, application=application, evaluator=late, by=staff_user)
    assert refused.value.code == "conflict_of_interest"


def test_an_accepted_request_naming_a_person_excludes_only_that_person(staff_user):
    evaluation_round, application, user = setup()
    named, colleague = EvaluatorFactory(organisation="A"), EvaluatorFactory(organisation="A")
    request = exclusion_request(application=application, by=user, evaluator=named, reason="r")

    exclusion_decide(request=request, by=staff_user, accept=True, answer="ok")

    assert list(Conflict.objects.values_list("evaluator_id", flat=True)) == [named.pk]
    assert colleague.pk not in {e for e, _s in Conflict.objects.values_list("evaluator_id", "startup_id")}


def test_staff_accept_in_the_admin_through_the_confirmation_page_with_the_answer(staff_client):
    from django.urls import reverse

    _round, application, user = setup()
    EvaluatorFactory(organisation="A")
    request = exclusion_request(application=application, by=user, organisation="A", reason="r")
    changelist = reverse("admin:matching_exclusionrequest_changelist")

    confirm = staff_client.post(
        changelist, {"action": "exclusion_accept", "_selected_action": [request.pk], "index": 0}
    )["Location"]
    assert ExclusionRequest.objects.get().status == ExclusionRequest.Status.REQUESTED  # nothing before confirming
    staff_client.post(confirm, {"reason": "평가에서 제외합니다."})

    decided = ExclusionRequest.objects.get()
    assert (decided.status, decided.answer) == (ExclusionRequest.Status.ACCEPTED, "평가에서 제외합니다.")
    assert Conflict.objects.filter(source=Conflict.Source.EXCLUSION).count() == 1
