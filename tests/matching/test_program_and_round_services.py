from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from core.errors import DomainError, TransitionNotAllowed
from matching.models import EvaluationRound, Program
from matching.services.programs import program_open, program_reopen, program_start_review
from matching.services.rounds import round_close, round_open, round_reopen, round_start_assigning
from startups.models import Application
from tests import factories

pytestmark = pytest.mark.django_db


def test_opening_a_program_with_a_track_opens_it_and_records_who(staff_user):
    program = factories.TrackFactory().program
    factories.PrivacyStatementFactory(program=program)

    program_open(program=program, by=staff_user)

    program.refresh_from_db()
    assert program.status == Program.Status.OPEN
    assert AuditEvent.objects.filter(object_id=str(program.pk), to_state="open", actor=staff_user).exists()


def test_a_program_without_tracks_cannot_open(staff_user):
    program = factories.ProgramFactory()

    with pytest.raises(DomainError) as refused:
        program_open(program=program, by=staff_user)

    assert refused.value.code == "program_without_tracks"
    program.refresh_from_db()
    assert program.status == Program.Status.DRAFT


def test_a_program_whose_partner_seats_miss_the_quota_cannot_open(staff_user):
    program = factories.TrackFactory().program
    factories.ProgramPartnerFactory(program=program, seats=program.quota - 1)

    with pytest.raises(DomainError) as refused:
        program_open(program=program, by=staff_user)

    assert refused.value.code == "seats_do_not_match_quota"


def test_reopening_a_closed_program_needs_a_reason(staff_user):
    program = factories.ProgramFactory(status=Program.Status.CLOSED)

    with pytest.raises(DomainError):
        program_reopen(program=program, by=staff_user, reason="  ")

    program_reopen(program=program, by=staff_user, reason="마감 연장 공고")
    program.refresh_from_db()
    assert program.status == Program.Status.OPEN


def test_starting_review_moves_every_submitted_application_into_review_with_an_audit_event_each(staff_user):
    program = factories.ProgramFactory(status=Program.Status.CLOSED)
    submitted = factories.ApplicationFactory.create_batch(5, program=program, submitted=True)
    draft = factories.ApplicationFactory(program=program)

    program_start_review(program=program, by=staff_user)

    assert set(Application.objects.filter(program=program, status="in_review")) == set(submitted)
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT
    assert AuditEvent.objects.filter(content_type__model="application", to_state="in_review").count() == 5


def test_starting_review_takes_the_same_number_of_queries_for_any_number_of_applications(
    staff_user, django_assert_num_queries
):
    small = factories.ProgramFactory(status=Program.Status.CLOSED)
    factories.ApplicationFactory.create_batch(2, program=small, submitted=True)
    large = factories.ProgramFactory(status=Program.Status.CLOSED)
    factories.ApplicationFactory.create_batch(12, program=large, submitted=True)
    program_start_review(program=factories.ProgramFactory(status=Program.Status.CLOSED), by=staff_user)  # warm caches

    with CaptureQueriesContext(connection) as first:
        program_start_review(program=small, by=staff_user)
    with django_assert_num_queries(len(first.captured_queries)):
        program_start_review(program=large, by=staff_user)


def test_a_round_without_criteria_cannot_start_assigning(staff_user):
    evaluation_round = factories.EvaluationRoundFactory()
    evaluation_round.evaluators.add(factories.EvaluatorFactory())

    with pytest.raises(DomainError) as refused:
        round_start_assigning(round=evaluation_round, by=staff_user)

    assert refused.value.code == "round_without_criteria"


def test_a_round_without_an_evaluator_pool_cannot_start_assigning(staff_user):
    evaluation_round = factories.CriterionFactory().round

    with pytest.raises(DomainError) as refused:
        round_start_assigning(round=evaluation_round, by=staff_user)

    assert refused.value.code == "round_without_evaluators"


def test_a_configured_round_goes_through_assigning_scoring_and_closing(staff_user):
    evaluation_round = factories.CriterionFactory().round
    evaluation_round.evaluators.add(factories.EvaluatorFactory())

    round_start_assigning(round=evaluation_round, by=staff_user)
    factories.AssignmentFactory(round=evaluation_round)
    round_open(round=evaluation_round, by=staff_user)
    round_close(round=evaluation_round, by=staff_user)

    evaluation_round.refresh_from_db()
    assert evaluation_round.status == EvaluationRound.Status.CLOSED
    moves = list(
        AuditEvent.objects.filter(object_id=str(evaluation_round.pk), content_type__model="evaluationround")
        .order_by("id")
        .values_list("from_state", "to_state")
    )
    assert moves == [("setup", "assigning"), ("assigning", "scoring"), ("scoring", "closed")]


def test_a_round_cannot_open_for_scoring_before_anyone_is_assigned(staff_user):
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.ASSIGNING)

    with pytest.raises(DomainError):
        round_open(round=evaluation_round, by=staff_user)


def test_a_published_round_cannot_be_reopened(staff_user):
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.PUBLISHED)

    with pytest.raises(TransitionNotAllowed):
        round_reopen(round=evaluation_round, by=staff_user, reason="late scores")


def test_a_round_whose_carry_over_weights_do_not_sum_to_one_cannot_start_assigning(staff_user):
    evaluation_round = factories.CriterionFactory().round
    evaluation_round.evaluators.add(factories.EvaluatorFactory())
    factories.CarryOverWeightFactory(round=evaluation_round, source_round=evaluation_round, weight=Decimal("0.7"))

    with pytest.raises(DomainError):
        round_start_assigning(round=evaluation_round, by=staff_user)

    evaluation_round.refresh_from_db()
    assert evaluation_round.status == EvaluationRound.Status.SETUP
