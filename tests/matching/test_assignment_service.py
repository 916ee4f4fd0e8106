"""Assigning evaluators on the database: conflicts, all or nothing, re-runs, recusal, manual changes."""

from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType

from audit.models import AuditEvent
from core.errors import DomainError
from matching.models import Assignment, Conflict, EvaluationRound
from matching.services.assignment import (
    AssignmentImpossible,
    assignment_add,
    assignment_recuse,
    assignment_remove,
    assignments_create,
    conflicts_detect,
)
from notifications.models import Notification
from tests.factories import (
    ApplicationFactory,
    EvaluationRoundFactory,
    EvaluatorFactory,
    ReviewFactory,
    RoundResultFactory,
    SectorFactory,
    StartupMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ASSIGNING = EvaluationRound.Status.ASSIGNING


def make_round(*, evaluators: int, k: int = 3, **extra) -> EvaluationRound:
    evaluation_round = EvaluationRoundFactory(status=ASSIGNING, evaluators_per_application=k, **extra)
    evaluation_round.evaluators.add(*[EvaluatorFactory() for _ in range(evaluators)])
    return evaluation_round


def make_applications(evaluation_round: EvaluationRound, count: int) -> list:
    return [ApplicationFactory(program=evaluation_round.program, in_review=True) for _ in range(count)]


def loads(evaluation_round: EvaluationRound) -> Counter:
    return Counter(
        evaluation_round.assignments.exclude(status=Assignment.Status.RECUSED).values_list("evaluator_id", flat=True)
    )


def test_every_application_in_review_gets_k_pending_evaluators_with_balanced_loads(staff_user):
    evaluation_round = make_round(evaluators=7)
    applications = make_applications(evaluation_round, 10)
    ApplicationFactory(program=evaluation_round.program, submitted=True)  # not in review: not assigned

    report = assignments_create(round=evaluation_round, by=staff_user, seed=1)

    assert report.created == 30 and report.applications == 10
    per_application = Counter(evaluation_round.assignments.values_list("application_id", flat=True))
    assert per_application == {a.pk: 3 for a in applications}
    assert set(evaluation_round.assignments.values_list("status", flat=True)) == {Assignment.Status.PENDING}
    assert set(loads(evaluation_round).values()) <= {4, 5}
    assert (report.load_min, report.load_max) == (4, 5)
    event = AuditEvent.objects.get(verb="evaluators_assigned")
    assert event.actor == staff_user and event.data["created"] == 30


def test_expertise_overlap_is_preferred(staff_user):
    ai, bio = SectorFactory(code="ai"), SectorFactory(code="bio")
    evaluation_round = make_round(evaluators=0, k=1)
    ai_expert, bio_expert = EvaluatorFactory(), EvaluatorFactory()
    ai_expert.expertise.add(ai)
    bio_expert.expertise.add(bio)
    evaluation_round.evaluators.add(ai_expert, bio_expert)
    ai_app, bio_app = make_applications(evaluation_round, 2)
    ai_app.startup.sectors.add(ai)
    bio_app.startup.sectors.add(bio)

    report = assignments_create(round=evaluation_round, by=staff_user)

    assert report.overlap_share == 1.0
    assert evaluation_round.assignments.get(application=ai_app).evaluator == ai_expert
    assert evaluation_round.assignments.get(application=bio_app).evaluator == bio_expert


def test_members_and_colleagues_are_detected_as_conflicts_but_public_mail_domains_are_not(staff_user):
    evaluation_round = make_round(evaluators=0, k=1)
    insider = EvaluatorFactory(user=UserFactory(email="ceo@acme.co.kr"))
    colleague = EvaluatorFactory(user=UserFactory(email="cto@acme.co.kr"))
    gmail = EvaluatorFactory(user=UserFactory(email="judge@gmail.com"))
    outsider = EvaluatorFactory(user=UserFactory(email="judge@kvic.or.kr"))
    evaluation_round.evaluators.add(insider, colleague, gmail, outsider)
    (application,) = make_applications(evaluation_round, 1)
    StartupMemberFactory(startup=application.startup, user=insider.user)
    StartupMemberFactory(startup=application.startup, user=UserFactory(email="founder@gmail.com"))
    former = StartupMemberFactory(startup=application.startup, user=UserFactory(email="x@formerco.com"))
    former.status = "declined"
    former.save()
    EvaluatorFactory(user=UserFactory(email="y@formerco.com"))  # not in the pool

    assert conflicts_detect(round=evaluation_round) == 2
    assert conflicts_detect(round=evaluation_round) == 0  # nothing twice
    found = dict(Conflict.objects.values_list("evaluator_id", "source"))
    assert found == {insider.pk: Conflict.Source.MEMBER, colleague.pk: Conflict.Source.EMAIL_DOMAIN}

    assignments_create(round=evaluation_round, by=staff_user)
    assert evaluation_round.assignments.get().evaluator in (gmail, outsider)


def test_a_round_that_cannot_be_served_writes_nothing_and_names_the_application(staff_user):
    evaluation_round = make_round(evaluators=3)
    fine, blocked = make_applications(evaluation_round, 2)
    Conflict.objects.create(
        evaluator=evaluation_round.evaluators.first(), startup=blocked.startup, source=Conflict.Source.DECLARED
    )

    with pytest.raises(AssignmentImpossible) as raised:
        assignments_create(round=evaluation_round, by=staff_user)

    assert not Assignment.objects.exists()
    assert not AuditEvent.objects.filter(verb="evaluators_assigned").exists()
    problems = raised.value.report.problems
    assert problems == [
        {
            "application_id": blocked.pk,
            "receipt_number": blocked.receipt_number,
            "reason": "only 2 unconflicted evaluators for k=3",
        }
    ]
    assert blocked.receipt_number in raised.value.message
    assert fine.receipt_number not in raised.value.message


def test_running_twice_adds_nothing(staff_user):
    evaluation_round = make_round(evaluators=5)
    make_applications(evaluation_round, 6)
    assignments_create(round=evaluation_round, by=staff_user, seed=3)
    before = list(evaluation_round.assignments.values_list("application_id", "evaluator_id"))

    report = assignments_create(round=evaluation_round, by=staff_user, seed=99)

    assert report.created == 0
    assert list(evaluation_round.assignments.values_list("application_id", "evaluator_id")) == before


def test_a_recused_slot_is_filled_by_someone_else_on_the_next_run(staff_user):
    evaluation_round = make_round(evaluators=5)
    application, *_ = make_applications(evaluation_round, 5)
    assignments_create(round=evaluation_round, by=staff_user)
    recused = evaluation_round.assignments.filter(application=application).first()

    assignment_recuse(assignment=recused, by=staff_user, reason="전 직장 동료")
    report = assignments_create(round=evaluation_round, by=staff_user)

    assert report.created == 1
    live = evaluation_round.assignments.filter(application=application).exclude(status=Assignment.Status.RECUSED)
    assert live.count() == 3
    assert recused.evaluator_id not in set(live.values_list("evaluator_id", flat=True))
    recused.refresh_from_db()
    assert recused.status == Assignment.Status.RECUSED and recused.recusal_reason == "전 직장 동료"
    # Everyone had 3; without moving other people's work the freed slot makes one evaluator a 4.
    assert sorted(loads(evaluation_round).values()) == [2, 3, 3, 3, 4]
    assert report.strictly_balanced is False


def test_recusal_needs_a_reason(staff_user):
    evaluation_round = make_round(evaluators=3)
    make_applications(evaluation_round, 1)
    assignments_create(round=evaluation_round, by=staff_user)
    with pytest.raises(DomainError):
        assignment_recuse(assignment=evaluation_round.assignments.first(), by=staff_user, reason=" ")


def test_a_round_still_in_setup_is_refused(staff_user):
    evaluation_round = make_round(evaluators=3)
    evaluation_round.status = EvaluationRound.Status.SETUP
    evaluation_round.save()
    make_applications(evaluation_round, 1)
    with pytest.raises(DomainError) as raised:
        assignments_create(round=evaluation_round, by=staff_user)
    assert raised.value.code == "round_not_assigning"


def test_a_later_round_assigns_the_applications_that_advanced_in_the_round_before(staff_user):
    first = EvaluationRoundFactory(status=EvaluationRound.Status.PUBLISHED, order=1)
    advanced, stopped = (ApplicationFactory(program=first.program, in_review=True) for _ in range(2))
    RoundResultFactory(round=first, application=advanced, advanced=True)
    RoundResultFactory(round=first, application=stopped, advanced=False)
    second = make_round(evaluators=3, program=first.program, order=2)

    assignments_create(round=second, by=staff_user)

    assert set(second.assignments.values_list("application_id", flat=True)) == {advanced.pk}


def test_the_number_of_queries_does_not_grow_with_the_applications(staff_user, django_assert_num_queries):
    ContentType.objects.get_for_model(EvaluationRound)  # the content type cache is warm in production too
    small, large = make_round(evaluators=6), make_round(evaluators=6)
    for evaluation_round, count in ((small, 2), (large, 25)):
        for application in make_applications(evaluation_round, count):
            domain = f"startup{application.startup_id}.kr"
            StartupMemberFactory(startup=application.startup, user=UserFactory(email=f"ceo@{domain}"))
    with django_assert_num_queries(17):
        assignments_create(round=small, by=staff_user)
    with django_assert_num_queries(17):
        assignments_create(round=large, by=staff_user)
    assert large.assignments.count() == 75


def test_manual_assignment_refuses_conflicts_duplicates_and_outsiders(staff_user):
    evaluation_round = make_round(evaluators=2, k=1)
    (application,) = make_applications(evaluation_round, 1)
    first, second = evaluation_round.evaluators.all()
    Conflict.objects.create(evaluator=second, startup=application.startup, source=Conflict.Source.RELATION)

    assignment = assignment_add(round=evaluation_round, application=application, evaluator=first, by=staff_user)
    assert assignment.status == Assignment.Status.PENDING

    for evaluator, code in (
        (first, "already_assigned"),
        (second, "conflict_of_interest"),
        (EvaluatorFactory(), "evaluator_not_in_pool"),
    ):
        with pytest.raises(DomainError) as raised:
            assignment_add(round=evaluation_round, application=application, evaluator=evaluator, by=staff_user)
        assert raised.value.code == code


def test_only_a_pending_assignment_without_a_review_can_be_removed(staff_user):
    evaluation_round = make_round(evaluators=3, k=1)
    first, second = make_applications(evaluation_round, 2)
    assignments_create(round=evaluation_round, by=staff_user)
    untouched = evaluation_round.assignments.get(application=first)
    reviewed = evaluation_round.assignments.get(application=second)
    ReviewFactory(assignment=reviewed)

    assignment_remove(assignment=untouched, by=staff_user, reason="잘못 배정")
    assert not Assignment.objects.filter(pk=untouched.pk).exists()
    assert AuditEvent.objects.filter(verb="assignment_removed").count() == 1
    with pytest.raises(DomainError):
        assignment_remove(assignment=reviewed, by=staff_user)
    assert Assignment.objects.filter(pk=reviewed.pk).exists()


def test_the_job_is_queued_after_commit_and_runs_in_process(staff_user, django_capture_on_commit_callbacks):
    from matching.services.assignment import assignments_start

    evaluation_round = make_round(evaluators=4)
    make_applications(evaluation_round, 4)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assignments_start(round=evaluation_round, by=staff_user, seed=5)
        assert not evaluation_round.assignments.exists()  # nothing before the commit
    assert len(callbacks) == 2  # the job, then (queued by the job) the hand-off of the evaluators' notices
    assert evaluation_round.assignments.count() == 12


def test_a_job_that_cannot_assign_reports_why_in_the_audit_trail(staff_user):
    from jobs.models import Job
    from jobs.services import job_run

    evaluation_round = make_round(evaluators=2)
    (application,) = make_applications(evaluation_round, 1)
    job = Job.objects.create(kind=Job.Kind.ASSIGN, params={"round_id": evaluation_round.pk}, created_by=staff_user)

    result = job_run(job_id=job.pk).result

    assert result["code"] == "assignment_impossible"
    assert result["problems"][0]["receipt_number"] == application.receipt_number
    assert not Assignment.objects.exists()
    event = AuditEvent.objects.get(verb="evaluator_assignment_failed")
    assert event.data["problems"][0]["reason"] == "only 2 unconflicted evaluators for k=3"


def test_each_newly_assigned_evaluator_is_told_once_per_round(staff_user):
    evaluation_round = make_round(evaluators=3, k=2)
    make_applications(evaluation_round, 4)

    assignments_create(round=evaluation_round, by=staff_user)
    assignments_create(round=evaluation_round, by=staff_user)

    told = Notification.objects.filter(event=Notification.Event.EVALUATOR_ASSIGNED)
    assert told.count() == 3
    assert {n.object_id for n in told} == {str(evaluation_round.pk)}


def test_a_recusal_queues_the_job_that_gives_the_application_another_evaluator(
    staff_user, django_capture_on_commit_callbacks
):
    evaluation_round = make_round(evaluators=3, k=1)
    (application,) = make_applications(evaluation_round, 1)
    assignments_create(round=evaluation_round, by=staff_user)
    first = evaluation_round.assignments.get()

    with django_capture_on_commit_callbacks(execute=True):
        assignment_recuse(assignment=first, by=first.evaluator.user, reason="지인 회사")

    replacement = evaluation_round.assignments.exclude(status=Assignment.Status.RECUSED).get()
    assert replacement.application == application and replacement.evaluator != first.evaluator
