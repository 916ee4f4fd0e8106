"""48 h and 24 h reminders to evaluators who still owe reviews, and the staff digest once a round's
reviews are all in."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from matching.models import Assignment, EvaluationRound
from matching.services.assignment import assignment_recuse
from matching.services.reminders import review_reminders_queue, round_reviews_complete_notify
from matching.services.reviews import review_save, review_submit
from matching.services.score_import import scores_import
from notifications.models import Notification
from notifications.tasks import remind_reviews
from tests import factories

pytestmark = pytest.mark.django_db

A = Assignment.Status
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def now():
    return timezone.now()


def round_closing(now, time_left, **fields):
    """A round scoring since two days before `now` that closes `time_left` after it."""
    fields.setdefault("status", EvaluationRound.Status.SCORING)
    return factories.EvaluationRoundFactory(opens_at=now - 48 * HOUR, closes_at=now + time_left, **fields)


def reminders():
    return Notification.objects.filter(event=Notification.Event.REVIEW_REMINDER)


def digests():
    return Notification.objects.filter(event=Notification.Event.ROUND_REVIEWS_COMPLETE)


# --- review reminders ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time_left", "expected"),
    [
        (72 * HOUR, []),
        (49 * HOUR, []),
        (48 * HOUR, [({"hours": 48}, ":48h")]),
        (30 * HOUR, [({"hours": 48}, ":48h")]),
        (25 * HOUR, [({"hours": 48}, ":48h")]),
        (24 * HOUR, [({"hours": 24}, ":24h")]),
        (10 * HOUR, [({"hours": 24}, ":24h")]),
        (dt.timedelta(0), []),
        (-HOUR, []),
    ],
    ids=["72 h", "49 h", "48 h", "30 h", "25 h", "24 h", "10 h", "closing now", "closed"],
)
def test_the_time_left_before_the_round_closes_decides_which_reminder_is_sent(now, time_left, expected):
    factories.AssignmentFactory(round=round_closing(now, time_left))

    review_reminders_queue(now=now)

    assert [(n.context, n.idempotency_key[-4:]) for n in reminders()] == expected


def test_an_evaluator_owing_several_reviews_gets_one_reminder_about_the_round(now):
    evaluation_round = round_closing(now, 30 * HOUR)
    evaluator = factories.EvaluatorFactory()
    for status in (A.PENDING, A.PENDING, A.IN_PROGRESS, A.SUBMITTED):
        factories.AssignmentFactory(round=evaluation_round, evaluator=evaluator, status=status)

    assert review_reminders_queue(now=now) == 1

    [row] = reminders()
    assert (row.recipient, row.email, row.object_id, row.program_id, row.context) == (
        evaluator.user,
        evaluator.user.email,
        str(evaluation_round.pk),
        evaluation_round.program_id,
        {"hours": 48},
    )
    assert row.idempotency_key.endswith(f":matching.evaluationround:{evaluation_round.pk}:48h")


def test_an_evaluator_whose_reviews_are_all_submitted_or_recused_gets_nothing(now):
    evaluation_round = round_closing(now, 30 * HOUR)
    done, owing = factories.EvaluatorFactory(), factories.EvaluatorFactory()
    factories.AssignmentFactory(round=evaluation_round, evaluator=done, status=A.SUBMITTED)
    factories.AssignmentFactory(round=evaluation_round, evaluator=done, status=A.RECUSED)
    factories.AssignmentFactory(round=evaluation_round, evaluator=owing, status=A.IN_PROGRESS)

    review_reminders_queue(now=now)

    assert [n.recipient for n in reminders()] == [owing.user]


@pytest.mark.parametrize(
    "status", [EvaluationRound.Status.ASSIGNING, EvaluationRound.Status.CLOSED, EvaluationRound.Status.PUBLISHED]
)
def test_a_round_that_is_not_scoring_reminds_nobody(now, status):
    factories.AssignmentFactory(round=round_closing(now, 30 * HOUR, status=status))

    assert review_reminders_queue(now=now) == 0
    assert not reminders().exists()


def test_a_round_whose_scoring_has_not_opened_yet_reminds_nobody(now):
    evaluation_round = factories.EvaluationRoundFactory(
        status=EvaluationRound.Status.SCORING, opens_at=now + HOUR, closes_at=now + 30 * HOUR
    )
    factories.AssignmentFactory(round=evaluation_round)

    assert review_reminders_queue(now=now) == 0


def test_an_evaluator_in_two_closing_rounds_gets_a_reminder_for_each(now):
    evaluator = factories.EvaluatorFactory()
    sooner, later = round_closing(now, 10 * HOUR), round_closing(now, 40 * HOUR)
    factories.AssignmentFactory(round=sooner, evaluator=evaluator)
    factories.AssignmentFactory(round=later, evaluator=evaluator)

    review_reminders_queue(now=now)

    assert {(n.recipient, n.object_id, n.context["hours"]) for n in reminders()} == {
        (evaluator.user, str(sooner.pk), 24),
        (evaluator.user, str(later.pk), 48),
    }


def test_running_again_queues_no_new_reminder(now):
    evaluation_round = round_closing(now, 30 * HOUR)
    factories.AssignmentFactory(round=evaluation_round)
    factories.AssignmentFactory(round=evaluation_round)
    review_reminders_queue(now=now)
    first = list(reminders().values_list("pk", "idempotency_key"))

    review_reminders_queue(now=now)
    review_reminders_queue(now=now + HOUR)

    assert len(first) == 2
    assert list(reminders().values_list("pk", "idempotency_key")) == first


def test_an_evaluator_reminded_at_48h_is_reminded_again_at_24h(now):
    factories.AssignmentFactory(round=round_closing(now, 40 * HOUR))

    review_reminders_queue(now=now)
    review_reminders_queue(now=now + 20 * HOUR)  # 20 hours left

    assert sorted((n.context["hours"], n.idempotency_key[-4:]) for n in reminders()) == [(24, ":24h"), (48, ":48h")]


def test_the_number_of_queries_does_not_grow_with_the_assignments(now, django_assert_num_queries):
    ContentType.objects.get_for_model(EvaluationRound)  # the content type cache is warm in production too
    evaluation_round = round_closing(now, 30 * HOUR)
    for _n in range(2):
        factories.AssignmentFactory(round=evaluation_round)

    # Rounds, owing evaluators, their users, one insert and one read of the new rows' ids (and the savepoint).
    with django_assert_num_queries(7):
        assert review_reminders_queue(now=now) == 2
    for _n in range(20):
        evaluator = factories.EvaluatorFactory()
        for status in (A.PENDING, A.IN_PROGRESS, A.SUBMITTED):
            factories.AssignmentFactory(round=evaluation_round, evaluator=evaluator, status=status)
    with django_assert_num_queries(7):
        assert review_reminders_queue(now=now) == 22

    assert reminders().count() == 22


def test_the_scheduled_task_queues_the_reminders():
    assignment = factories.AssignmentFactory(round=round_closing(timezone.now(), 30 * HOUR))

    result = remind_reviews.delay()

    assert result.get() == 1
    assert [(n.recipient, n.object_id) for n in reminders()] == [(assignment.evaluator.user, str(assignment.round_id))]


# --- the staff digest ------------------------------------------------------------------------------


@pytest.fixture
def scoring_round():
    """A scoring round with one criterion (max 10) and two pending assignments, and one staff member."""
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    criterion = factories.CriterionFactory(round=evaluation_round, code="technology", max_score=Decimal("10"))
    first = factories.AssignmentFactory(round=evaluation_round)
    second = factories.AssignmentFactory(round=evaluation_round)
    staff = factories.UserFactory(staff=True)
    return evaluation_round, criterion, (first, second), staff


def submit(assignment, criterion):
    user = assignment.evaluator.user
    review_save(assignment=assignment, by=user, scores={criterion.pk: "7"})
    review_submit(assignment=assignment, by=user)


def test_staff_are_told_once_the_last_review_is_submitted_and_not_before(
    scoring_round, django_capture_on_commit_callbacks
):
    evaluation_round, criterion, (first, second), staff = scoring_round

    with django_capture_on_commit_callbacks(execute=True):
        submit(first, criterion)
    assert not digests().exists()

    with django_capture_on_commit_callbacks(execute=True):
        submit(second, criterion)

    [row] = digests()
    assert (row.recipient, row.object_id, row.program_id, row.context) == (
        staff,
        str(evaluation_round.pk),
        evaluation_round.program_id,
        {},
    )
    assert row.idempotency_key.endswith(f":matching.evaluationround:{evaluation_round.pk}")


def test_a_review_reopened_and_submitted_again_sends_no_second_digest(
    scoring_round, django_capture_on_commit_callbacks
):
    _round, criterion, (first, second), _staff = scoring_round
    with django_capture_on_commit_callbacks(execute=True):
        submit(first, criterion)
        submit(second, criterion)
        review_save(assignment=second, by=second.evaluator.user, scores={criterion.pk: "8"})
        review_submit(assignment=second, by=second.evaluator.user)

    assert digests().count() == 1


def test_the_digest_asked_for_twice_is_queued_once(scoring_round):
    evaluation_round, _criterion, (first, second), staff = scoring_round
    Assignment.objects.filter(pk__in=[first.pk, second.pk]).update(status=A.SUBMITTED)

    assert round_reviews_complete_notify(round=evaluation_round) == 1
    assert round_reviews_complete_notify(round=evaluation_round) == 1

    assert [n.recipient for n in digests()] == [staff]


def test_only_active_staff_get_the_digest(scoring_round):
    evaluation_round, _criterion, (first, second), staff = scoring_round
    Assignment.objects.filter(pk__in=[first.pk, second.pk]).update(status=A.SUBMITTED)
    factories.UserFactory(staff=True, is_active=False)
    factories.UserFactory()

    round_reviews_complete_notify(round=evaluation_round)

    assert [n.recipient for n in digests()] == [staff]


@pytest.mark.parametrize(
    "statuses",
    [(A.SUBMITTED, A.PENDING), (A.SUBMITTED, A.IN_PROGRESS), (A.RECUSED, A.RECUSED)],
    ids=["one pending", "one in progress", "none submitted"],
)
def test_a_round_with_reviews_owed_or_none_submitted_sends_no_digest(scoring_round, statuses):
    evaluation_round, _criterion, assignments, _staff = scoring_round
    for assignment, status in zip(assignments, statuses, strict=True):
        Assignment.objects.filter(pk=assignment.pk).update(status=status)

    assert round_reviews_complete_notify(round=evaluation_round) == 0
    assert not digests().exists()


def test_recused_assignments_do_not_hold_the_digest_back(scoring_round):
    evaluation_round, _criterion, (first, second), _staff = scoring_round
    Assignment.objects.filter(pk=first.pk).update(status=A.SUBMITTED)
    Assignment.objects.filter(pk=second.pk).update(status=A.RECUSED)

    assert round_reviews_complete_notify(round=evaluation_round) == 1


def test_a_score_sheet_bringing_the_last_reviews_tells_staff(scoring_round, django_capture_on_commit_callbacks):
    evaluation_round, _criterion, assignments, staff = scoring_round
    rows = [
        {
            "receipt_number": a.application.receipt_number,
            "evaluator_email": a.evaluator.user.email,
            "criterion_code": "technology",
            "score": "7",
        }
        for a in assignments
    ]

    with django_capture_on_commit_callbacks(execute=True):
        report = scores_import(round=evaluation_round, by=staff, rows=rows, source_name="paper.csv")

    assert report.reviews_completed == 2
    assert [(n.recipient, n.object_id) for n in digests()] == [(staff, str(evaluation_round.pk))]


def test_a_recusal_in_a_closed_round_that_leaves_no_review_owed_tells_staff(
    scoring_round, django_capture_on_commit_callbacks
):
    evaluation_round, _criterion, (first, second), staff = scoring_round
    Assignment.objects.filter(pk=first.pk).update(status=A.SUBMITTED)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(status=EvaluationRound.Status.CLOSED)

    with django_capture_on_commit_callbacks(execute=True):
        assignment_recuse(assignment=second, by=staff, reason="전 직장 동료")

    assert [n.recipient for n in digests()] == [staff]


def test_a_recusal_while_scoring_waits_for_the_replacement_review(scoring_round, django_capture_on_commit_callbacks):
    # The freed place is given to another evaluator after commit, so the round is not complete yet.
    evaluation_round, _criterion, (first, second), staff = scoring_round
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(evaluators_per_application=1)
    evaluation_round.evaluators.add(first.evaluator, second.evaluator, factories.EvaluatorFactory())
    Assignment.objects.filter(pk=first.pk).update(status=A.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        assignment_recuse(assignment=second, by=staff, reason="전 직장 동료")

    replacement = evaluation_round.assignments.get(application=second.application, status=A.PENDING)
    assert replacement.evaluator != second.evaluator
    assert not digests().exists()


def test_a_deactivated_evaluator_or_account_gets_no_reminder(now):
    evaluation_round = round_closing(now, 30 * HOUR)
    paused = factories.EvaluatorFactory(is_active=False)
    closed_account = factories.EvaluatorFactory(user__is_active=False)
    active = factories.EvaluatorFactory()
    for evaluator in (paused, closed_account, active):
        factories.AssignmentFactory(round=evaluation_round, evaluator=evaluator, status=A.PENDING)

    review_reminders_queue(now=now)

    assert [row.recipient for row in reminders()] == [active.user]
