"""Rules the database itself enforces, whatever code writes the rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from audit.models import AppendOnlyError, AuditEvent
from audit.services import audit_record
from tests import factories

pytestmark = pytest.mark.django_db


def _refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_a_startup_applies_to_a_program_once():
    application = factories.ApplicationFactory()

    _refused(lambda: factories.ApplicationFactory(program=application.program, startup=application.startup))


def test_two_startups_cannot_share_a_business_registration_number():
    startup = factories.StartupFactory()

    _refused(lambda: factories.StartupFactory(brn=startup.brn))


def test_two_pre_founders_without_a_registration_number_can_coexist():
    factories.StartupFactory(pre_founder=True)
    factories.StartupFactory(pre_founder=True)


def test_registration_number_must_be_ten_digits():
    _refused(lambda: factories.StartupFactory(brn="124-81-009"))


def test_registered_company_must_have_a_founding_date():
    _refused(lambda: factories.StartupFactory(founded_on=None))


def test_e_mail_addresses_are_unique_whatever_their_case():
    factories.UserFactory(email="founder@example.com")

    _refused(lambda: factories.UserFactory._meta.model.objects.create(email="Founder@Example.com"))


def test_an_evaluator_is_assigned_to_an_application_once_per_round():
    assignment = factories.AssignmentFactory()

    _refused(
        lambda: factories.AssignmentFactory(
            round=assignment.round, application=assignment.application, evaluator=assignment.evaluator
        )
    )


def test_score_above_the_criterion_maximum_is_refused():
    _refused(lambda: factories.ScoreFactory(value=Decimal("10.5")))


def test_negative_score_is_refused():
    _refused(lambda: factories.ScoreFactory(value=Decimal("-1")))


def test_score_at_the_maximum_is_accepted():
    score = factories.ScoreFactory(value=Decimal("10"))

    assert score.value == score.max_score


def test_one_score_per_criterion_per_review():
    score = factories.ScoreFactory()

    _refused(lambda: factories.ScoreFactory(review=score.review, criterion=score.criterion))


@pytest.mark.parametrize("weight", [Decimal("0"), Decimal("-5")])
def test_criterion_weight_must_be_positive(weight):
    _refused(lambda: factories.CriterionFactory(weight=weight))


def test_criterion_maximum_score_must_be_positive():
    _refused(lambda: factories.CriterionFactory(max_score=Decimal("0")))


def test_fail_threshold_is_a_fraction_of_the_maximum():
    _refused(lambda: factories.CriterionFactory(fail_threshold=Decimal("1.5")))


def test_round_needs_at_least_one_evaluator_per_application():
    _refused(lambda: factories.EvaluationRoundFactory(evaluators_per_application=0))


def test_top_n_round_needs_n():
    _refused(lambda: factories.EvaluationRoundFactory(advancement_rule="top_n", advance_count=None))


def test_cutoff_round_needs_a_cutoff_score():
    _refused(lambda: factories.EvaluationRoundFactory(advancement_rule="cutoff", cutoff_score=None))


def test_round_order_is_unique_within_a_program():
    first = factories.EvaluationRoundFactory(order=1)

    _refused(lambda: factories.EvaluationRoundFactory(program=first.program, order=1))


def test_program_must_close_after_it_opens():
    opens = dt.datetime(2023, 11, 3, tzinfo=dt.UTC)

    _refused(lambda: factories.ProgramFactory(opens_at=opens, closes_at=opens))


def test_program_quota_must_be_positive():
    _refused(lambda: factories.ProgramFactory(quota=0))


def test_partner_seats_must_be_positive():
    _refused(lambda: factories.ProgramPartnerFactory(seats=0))


def test_submitted_application_must_carry_a_receipt_number():
    _refused(lambda: factories.ApplicationFactory(status="submitted"))


def test_receipt_numbers_are_unique():
    application = factories.ApplicationFactory(submitted=True)

    _refused(lambda: factories.ApplicationFactory(submitted=True, receipt_number=application.receipt_number))


def test_partner_preference_ranks_are_unique_within_an_application():
    preference = factories.PartnerPreferenceFactory(rank=1)

    _refused(lambda: factories.PartnerPreferenceFactory(application=preference.application, rank=1))


def test_round_results_never_share_a_rank():
    result = factories.RoundResultFactory(rank=1)

    _refused(lambda: factories.RoundResultFactory(round=result.round, rank=1))


def test_ranked_selection_entry_needs_a_position():
    _refused(lambda: factories.SelectionEntryFactory(outcome="reserve", position=None))


def test_notification_idempotency_key_is_unique():
    notification = factories.NotificationFactory()

    _refused(lambda: factories.NotificationFactory(idempotency_key=notification.idempotency_key))


def test_an_evaluator_conflict_with_a_startup_is_recorded_once():
    conflict = factories.ConflictFactory()

    _refused(lambda: factories.ConflictFactory(evaluator=conflict.evaluator, startup=conflict.startup))


def test_audit_event_cannot_be_changed(staff_user):
    event = audit_record(actor=staff_user, obj=staff_user, verb="tested")
    event.reason = "rewritten"

    with pytest.raises(AppendOnlyError):
        event.save()


def test_audit_events_cannot_be_deleted_one_by_one_or_in_bulk(staff_user):
    event = audit_record(actor=staff_user, obj=staff_user, verb="tested")

    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(reason="x")
    assert AuditEvent.objects.get(pk=event.pk).reason == ""
