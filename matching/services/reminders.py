"""Reminders to evaluators before a round closes, and the staff digest when a round's reviews are all in."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext

from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError
from core.validators import local_date
from matching.models import Assignment, EvaluationRound
from notifications.models import Notification
from notifications.services import notification_key, notify_many

# Reviews an evaluator still owes: a recused assignment is not owed, a submitted one is done.
OPEN_STATUSES = (Assignment.Status.PENDING, Assignment.Status.IN_PROGRESS)

# (time left at most, hours in the message, idempotency scope), the nearest deadline first.
REVIEW_REMINDERS = (
    (dt.timedelta(hours=24), 24, "24h"),
    (dt.timedelta(hours=48), 48, "48h"),
)


def _reminder_for(time_left: dt.timedelta) -> tuple[int, str]:
    """(hours, scope) of the nearest reminder; only called for deadlines within the last window."""
    return next((hours, scope) for at_most, hours, scope in REVIEW_REMINDERS if time_left <= at_most)


@transaction.atomic
def review_reminders_queue(*, now: dt.datetime) -> int:
    """Remind every evaluator who still owes reviews in a round that closes soon.

    A round counts when it is scoring (status SCORING, opens_at <= now < closes_at) and closes within
    48 hours. With more than 24 hours left the reminder is "48h" (context {"hours": 48}, scope "48h"),
    otherwise "24h" (context {"hours": 24}, scope "24h"): one message per round (the object) to the
    user of each evaluator with at least one assignment in it still pending or in progress. An
    evaluator whose reviews are all submitted or recused gets nothing. Running again queues nothing
    new. Queries: three, plus two per round with evaluators to remind — never per assignment.
    Returns how many messages were asked for.
    """
    last_window = REVIEW_REMINDERS[-1][0]
    rounds = {
        r.pk: r
        for r in EvaluationRound.objects.filter(
            status=EvaluationRound.Status.SCORING,
            opens_at__lte=now,
            closes_at__gt=now,
            closes_at__lte=now + last_window,
        ).select_related("program")
    }
    if not rounds:
        return 0
    owing = (
        Assignment.objects.filter(
            round_id__in=rounds, status__in=OPEN_STATUSES, evaluator__is_active=True, evaluator__user__is_active=True
        )
        .values_list("round_id", "evaluator__user_id")
        .distinct()
    )
    users_by_round: dict[int, set[int]] = defaultdict(set)
    for round_id, user_id in owing:
        users_by_round[round_id].add(user_id)
    if not users_by_round:
        return 0
    users = User.objects.in_bulk({pk for ids in users_by_round.values() for pk in ids})
    queued = 0
    for round_id, user_ids in sorted(users_by_round.items()):
        evaluation_round = rounds[round_id]
        hours, scope = _reminder_for(evaluation_round.closes_at - now)
        queued += notify_many(
            event=Notification.Event.REVIEW_REMINDER,
            recipients=[users[pk] for pk in sorted(user_ids)],
            obj=evaluation_round,
            context={"hours": hours},
            scope=scope,
            program=evaluation_round.program,
        )
    return queued


@transaction.atomic
def round_reviews_complete_notify(*, round: EvaluationRound) -> int:  # noqa: A002
    """Tell every active staff member that a round's reviews are all in: the round has at least one
    submitted assignment and none pending or in progress (recused ones do not count). One digest
    per round and staff member, ever. Returns how many messages were asked for (0 while reviews
    are still owed, or when none was submitted)."""
    counts = Assignment.objects.filter(round=round).aggregate(
        submitted=Count("pk", filter=Q(status=Assignment.Status.SUBMITTED)),
        owed=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
    )
    if not counts["submitted"] or counts["owed"]:
        return 0
    staff = list(User.objects.filter(is_staff=True, is_active=True).order_by("pk"))
    return notify_many(
        event=Notification.Event.ROUND_REVIEWS_COMPLETE, recipients=staff, obj=round, program=round.program, context={}
    )


def round_reviews_complete_notify_on_commit(*, round_id: int) -> None:
    """Check for the digest once the caller's transaction has committed. Checked inside it, two
    evaluators submitting the last two reviews at the same moment would each still see the other's
    as owed, and nobody would be told. A failure here is logged and leaves the caller's work done."""

    def check() -> None:
        evaluation_round = EvaluationRound.objects.select_related("program").filter(pk=round_id).first()
        if evaluation_round is not None:
            round_reviews_complete_notify(round=evaluation_round)

    transaction.on_commit(check, robust=True)


def manual_reminder_scope(*, round: EvaluationRound, now: dt.datetime) -> str:
    """The idempotency scope of a reminder staff send by hand: one a day, by the program's calendar
    (`manual-2026-12-05`)."""
    return f"manual-{local_date(now, round.program.time_zone).isoformat()}"


def round_remindable(*, round: EvaluationRound, now: dt.datetime) -> bool:  # noqa: A002
    """Whether staff may remind the round's evaluators now: it is scoring and has not closed."""
    return round.status == EvaluationRound.Status.SCORING and round.closes_at > now


@transaction.atomic
def round_evaluators_remind(*, round: EvaluationRound, by: User, now: dt.datetime) -> int:
    """Remind, now, every evaluator who still owes reviews in a round open for scoring: the review
    reminder (context {"hours": hours left, rounded up}) to the user of each active evaluator with an
    assignment pending or in progress. At most once per evaluator, round and day (scope
    `manual_reminder_scope`): a second request the same day queues nothing. Audited when anything
    was queued. Refused (DomainError) unless the round is scoring and still open. Returns how many
    evaluators were reminded. Queries: a fixed number, never one per evaluator."""
    if not round_remindable(round=round, now=now):
        raise DomainError(
            gettext("Only evaluators of a round open for scoring can be reminded."), code="round_not_scoring"
        )
    user_ids = set(
        Assignment.objects.filter(
            round=round, status__in=OPEN_STATUSES, evaluator__is_active=True, evaluator__user__is_active=True
        ).values_list("evaluator__user_id", flat=True)
    )
    scope = manual_reminder_scope(round=round, now=now)
    keys = {
        notification_key(event=Notification.Event.REVIEW_REMINDER, recipient_id=pk, obj=round, scope=scope): pk
        for pk in user_ids
    }
    done = set(Notification.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    recipients = list(User.objects.filter(pk__in=[pk for key, pk in keys.items() if key not in done]).order_by("pk"))
    if not recipients:
        return 0
    hours = max(math.ceil((round.closes_at - now) / dt.timedelta(hours=1)), 1)
    notify_many(
        event=Notification.Event.REVIEW_REMINDER,
        recipients=recipients,
        obj=round,
        context={"hours": hours},
        scope=scope,
        program=round.program,
    )
    audit_record(
        actor=by,
        obj=round,
        verb="review_reminders_sent",
        data={"evaluators": len(recipients), "scope": scope},
    )
    return len(recipients)
