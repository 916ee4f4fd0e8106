"""application_submit: the receipt, the window, completeness, eligibility and doing it once."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import DomainError
from matching.models import Program
from notifications.models import Notification
from startups.models import Application, StartupMember, Submission
from startups.services import ApplicationIncomplete, application_save_draft, application_submit
from tests import factories


def complete_draft(program=None, **application_fields):
    """A draft with everything its program asks for, and the founder who wrote it."""
    program = program or factories.ProgramFactory(status=Program.Status.OPEN, receipt_prefix="GECP2024")
    track = program.tracks.first() or factories.TrackFactory(program=program)
    question = program.questions.first() or factories.QuestionFactory(program=program, required=True)
    declaration = program.declarations.first() or factories.DeclarationFactory(program=program)
    founder = factories.UserFactory()
    application = factories.ApplicationFactory(program=program, track=track, **application_fields)
    factories.StartupMemberFactory(startup=application.startup, user=founder)
    factories.AnswerFactory(application=application, question=question, value="반복 문의 자동화")
    factories.DeclarationAnswerFactory(application=application, declaration=declaration, answer=False)
    return application, founder


@pytest.mark.django_db
class TestSubmittingOnce:
    def test_first_submission_issues_the_programs_first_receipt_number(self):
        application, founder = complete_draft()

        submitted = application_submit(application_id=application.pk, by=founder)

        assert submitted.receipt_number == "GECP2024-0001"
        assert submitted.status == Application.Status.SUBMITTED
        assert submitted.first_submitted_at is not None

    def test_receipt_numbers_follow_each_other_across_a_program(self):
        first, first_founder = complete_draft()
        second, second_founder = complete_draft(program=first.program)

        application_submit(application_id=first.pk, by=first_founder)
        application_submit(application_id=second.pk, by=second_founder)

        second.refresh_from_db()
        assert second.receipt_number == "GECP2024-0002"

    def test_submission_keeps_a_snapshot_of_what_was_submitted(self):
        application, founder = complete_draft()

        application_submit(application_id=application.pk, by=founder)

        submission = Submission.objects.get(application=application)
        assert submission.number == 1
        assert submission.snapshot["title"] == application.title
        assert list(submission.snapshot["answers"].values()) == ["반복 문의 자동화"]

    def test_submission_queues_one_receipt_for_the_founder(self):
        application, founder = complete_draft()

        application_submit(application_id=application.pk, by=founder)

        receipt = Notification.objects.get(event=Notification.Event.APPLICATION_SUBMITTED)
        assert (receipt.recipient, receipt.email, receipt.object_id) == (founder, founder.email, str(application.pk))

    def test_a_second_identical_submit_changes_nothing(self):
        application, founder = complete_draft()
        application_submit(application_id=application.pk, by=founder)

        again = application_submit(application_id=application.pk, by=founder)

        assert again.receipt_number == "GECP2024-0001"
        assert Submission.objects.filter(application=application).count() == 1
        assert Notification.objects.count() == 1

    def test_editing_after_submission_and_submitting_again_keeps_the_receipt_and_both_versions(self):
        application, founder = complete_draft()
        application_submit(application_id=application.pk, by=founder)

        application_save_draft(application=application, by=founder, title="수정된 사업명")
        application_submit(application_id=application.pk, by=founder)

        application.refresh_from_db()
        assert application.receipt_number == "GECP2024-0001"
        titles = list(application.submissions.order_by("number").values_list("snapshot__title", flat=True))
        assert titles == [factories.ApplicationFactory.title, "수정된 사업명"]

    def test_a_rolled_back_submission_leaves_no_receipt_and_no_message(self):
        application, founder = complete_draft()

        with pytest.raises(RuntimeError), transaction.atomic():
            application_submit(application_id=application.pk, by=founder)
            raise RuntimeError("the request failed after submitting")

        application.refresh_from_db()
        assert (application.status, application.receipt_number) == (Application.Status.DRAFT, None)
        assert not Notification.objects.exists()


@pytest.mark.django_db
class TestRefusals:
    def test_a_late_submission_is_refused_and_the_draft_is_kept(self):
        application, founder = complete_draft()
        Program.objects.filter(pk=application.program_id).update(
            opens_at=timezone.now() - dt.timedelta(days=10), closes_at=timezone.now() - dt.timedelta(seconds=1)
        )

        with pytest.raises(DomainError) as refused:
            application_submit(application_id=application.pk, by=founder)

        assert refused.value.code == "deadline_passed"
        application.refresh_from_db()
        assert (application.status, application.receipt_number, application.title) == (
            Application.Status.DRAFT,
            None,
            factories.ApplicationFactory.title,
        )

    def test_a_program_that_is_not_open_takes_no_submissions(self):
        application, founder = complete_draft(program=factories.ProgramFactory(status=Program.Status.CLOSED))

        with pytest.raises(DomainError):
            application_submit(application_id=application.pk, by=founder)

    def test_an_incomplete_application_is_refused_with_every_problem(self):
        application, founder = complete_draft(title="", summary="")

        with pytest.raises(ApplicationIncomplete) as refused:
            application_submit(application_id=application.pk, by=founder)

        assert set(refused.value.problems) == {"title", "summary"}
        application.refresh_from_db()
        assert application.status == Application.Status.DRAFT

    def test_a_missing_required_answer_is_named(self):
        application, founder = complete_draft()
        application.answers.all().delete()

        with pytest.raises(ApplicationIncomplete) as refused:
            application_submit(application_id=application.pk, by=founder)

        assert list(refused.value.problems) == [f"question:{application.program.questions.get().code}"]

    def test_someone_outside_the_startup_cannot_submit_it(self):
        application, _founder = complete_draft()

        with pytest.raises(DomainError) as refused:
            application_submit(application_id=application.pk, by=factories.UserFactory())

        assert refused.value.code == "not_a_member"

    def test_a_member_still_asking_to_join_cannot_submit(self):
        application, _founder = complete_draft()
        asking = factories.StartupMemberFactory(
            startup=application.startup, status=StartupMember.Status.REQUESTED, role=StartupMember.Role.MEMBER
        )

        with pytest.raises(DomainError):
            application_submit(application_id=application.pk, by=asking.user)


@pytest.mark.django_db
class TestEligibility:
    def test_an_excluding_declaration_is_submitted_as_ineligible_with_the_reason(self):
        application, founder = complete_draft()
        application.declaration_answers.update(answer=True)

        submitted = application_submit(application_id=application.pk, by=founder)

        assert submitted.status == Application.Status.INELIGIBLE
        assert submitted.receipt_number == "GECP2024-0001"
        assert len(submitted.ineligible_reasons) == 1

    def test_a_company_past_the_age_limit_is_submitted_as_ineligible(self):
        application, founder = complete_draft()
        application.startup.founded_on = dt.date(2001, 1, 1)
        application.startup.save()

        submitted = application_submit(application_id=application.pk, by=founder)

        assert submitted.status == Application.Status.INELIGIBLE

    def test_correcting_a_wrong_declaration_before_the_deadline_makes_it_eligible_again(self):
        application, founder = complete_draft()
        application.declaration_answers.update(answer=True)
        application_submit(application_id=application.pk, by=founder)

        declaration = application.program.declarations.get()
        application_save_draft(application=application, by=founder, declarations={declaration.pk: False})
        resubmitted = application_submit(application_id=application.pk, by=founder)

        assert (resubmitted.status, resubmitted.ineligible_reasons) == (Application.Status.SUBMITTED, [])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_submitting_at_the_same_moment_make_one_submission_and_one_receipt():
    application, founder = complete_draft()
    barrier = threading.Barrier(4)
    receipts, errors = [], []

    def submit():
        try:
            barrier.wait()
            receipts.append(application_submit(application_id=application.pk, by=founder).receipt_number)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert receipts == ["GECP2024-0001"] * 4
    assert Submission.objects.filter(application=application).count() == 1
    assert Notification.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_startups_submitting_at_once_get_distinct_gap_free_receipt_numbers():
    first, founder = complete_draft()
    drafts = [(first, founder)] + [complete_draft(program=first.program) for _ in range(11)]
    barrier = threading.Barrier(len(drafts))
    errors = []

    def submit(application, by):
        try:
            barrier.wait()
            application_submit(application_id=application.pk, by=by)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=pair) for pair in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(Application.objects.values_list("receipt_number", flat=True))
    assert numbers == [f"GECP2024-{n:04d}" for n in range(1, 13)]


def _draft_with_answers(count: int):
    application, founder = complete_draft(program=factories.ProgramFactory(status=Program.Status.OPEN))
    for _ in range(count):
        question = factories.QuestionFactory(program=application.program, required=True)
        factories.AnswerFactory(application=application, question=question, value="답변")
    return application, founder


@pytest.mark.django_db
def test_submitting_takes_the_same_number_of_queries_however_many_answers(django_assert_num_queries):
    small, small_founder = _draft_with_answers(1)
    large, large_founder = _draft_with_answers(9)
    with CaptureQueriesContext(connection) as first:
        application_submit(application_id=small.pk, by=small_founder)

    with django_assert_num_queries(len(first.captured_queries)):
        application_submit(application_id=large.pk, by=large_founder)
