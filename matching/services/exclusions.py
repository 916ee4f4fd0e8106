"""Exclusion requests (기피 신청): before evaluators are assigned, an applicant asks that an
organisation's evaluators (or, in non-blind rounds, one evaluator) not review their application;
staff accept or refuse with an answer, and an accepted request becomes conflicts the assignment
honours — also for evaluators of that organisation added to a pool later (the assignment records
those with the conflicts it detects, `exclusion_conflicts_record`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError
from core.lifecycle import transition
from matching.models import Assignment, Conflict, EvaluationRound, Evaluator, ExclusionRequest
from notifications.models import Notification
from notifications.services import notify_many
from startups.models import Application, StartupMember
from startups.selectors import applications_changeable_by

R = EvaluationRound.Status
FINISHED_ROUND_STATUSES = (R.CLOSED, R.RESULTS_COMPUTED, R.PUBLISHED)
OPEN_APPLICATION_STATUSES = (Application.Status.SUBMITTED, Application.Status.IN_REVIEW, Application.Status.ADVANCED)


def organisation_key(name: str) -> str:
    """How organisations are compared: without spaces, case-insensitively (“ 한국 대학교” = “한국대학교”)."""
    return re.sub(r"\s+", "", name or "").casefold()


def exclusion_next_round(*, application: Application) -> EvaluationRound | None:
    """The round that reviews the application next: the program's first round not yet closed."""
    return (
        EvaluationRound.objects.filter(program_id=application.program_id)
        .exclude(status__in=FINISHED_ROUND_STATUSES)
        .order_by("order")
        .first()
    )


def exclusion_refusal(*, application: Application) -> str | None:
    """Why no exclusion request can be filed now, or None. The rule: the application is submitted or
    under review, the round that reviews it next is still in set-up or assigning, and that round has
    no (non-recused) assignment for it yet — a request comes before assignment."""
    if application.status not in OPEN_APPLICATION_STATUSES:
        return _("Exclusion requests are filed for a submitted application that is still under review.")
    next_round = exclusion_next_round(application=application)
    if next_round is None or next_round.status not in (R.SETUP, R.ASSIGNING):
        return _("Exclusion requests are filed before evaluators are assigned; the review has already started.")
    assigned = Assignment.objects.filter(round=next_round, application=application).exclude(
        status=Assignment.Status.RECUSED
    )
    if assigned.exists():
        return _("Evaluators are already assigned to this application; exclusion requests are no longer taken.")
    return None


def program_is_blind(*, program_id: int) -> bool:
    """Naming a person is allowed only when no round of the program is blind."""
    return EvaluationRound.objects.filter(program_id=program_id, blind=True).exists()


@transaction.atomic
def exclusion_request(
    *,
    application: Application,
    by: Any,
    organisation: str = "",
    evaluator: Evaluator | None = None,
    reason: str,
) -> ExclusionRequest:
    """An active member of the startup asks that an organisation's evaluators (free text, matched
    without spaces and case) — or one evaluator, in programs without blind rounds — not review the
    application. Refused after assignment, without a reason, or naming both or neither."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not applications_changeable_by(actor=by).filter(pk=application.pk).exists():
        raise DomainError(_("Only the startup's members can file an exclusion request."), code="not_a_member")
    refusal = exclusion_refusal(application=application)
    if refusal:
        raise DomainError(refusal, code="exclusion_closed")
    organisation = " ".join((organisation or "").split())
    if bool(organisation) == (evaluator is not None):
        raise DomainError(_("Name either an organisation or one evaluator."), code="exclusion_subject")
    if evaluator is not None and program_is_blind(program_id=application.program_id):
        raise DomainError(
            _("This program reviews blind: you can name organisations, not people."), code="exclusion_blind"
        )
    if not (reason or "").strip():
        raise DomainError(_("Say why you ask for the exclusion."), code="reason_required")
    request = ExclusionRequest.objects.create(
        application=application, organisation=organisation, evaluator=evaluator, reason=reason.strip(), requested_by=by
    )
    audit_record(actor=by, obj=request, verb="exclusion_requested", data={"application_id": application.pk})
    return request


def _excluded_evaluators(request: ExclusionRequest) -> dict[int, str]:
    """The evaluators the request names today (id → organisation)."""
    if request.evaluator_id is not None:
        return dict(Evaluator.objects.filter(pk=request.evaluator_id).values_list("pk", "organisation"))
    key = organisation_key(request.organisation)
    return {
        pk: organisation
        for pk, organisation in Evaluator.objects.exclude(organisation="").values_list("pk", "organisation")
        if organisation_key(organisation) == key
    }


@transaction.atomic
def exclusion_decide(*, request: ExclusionRequest, by: Any, accept: bool, answer: str) -> ExclusionRequest:
    """Staff accept or refuse a request with a written answer the applicant receives. Accepting records
    a conflict (source: exclusion) between the startup and each evaluator it names, and removes their
    assignments to the application in rounds not yet scoring (a scoring round keeps them: staff decide
    there, the audit records how many)."""
    if not (answer or "").strip():
        raise DomainError(_("Write the answer the applicant will read."), code="answer_required")
    target = ExclusionRequest.Status.ACCEPTED if accept else ExclusionRequest.Status.REFUSED
    decided = transition(
        request,
        to=target,
        by=by,
        reason=answer.strip(),
        extra_fields={"answer": answer.strip(), "decided_by": by, "decided_at": timezone.now()},
    )
    application = Application.objects.select_related("program").get(pk=decided.application_id)
    data: dict[str, Any] = {}
    if accept:
        excluded = _excluded_evaluators(decided)
        evaluator_ids = list(excluded)
        exclusion_conflicts_record(evaluators=excluded, startup_ids=[application.startup_id])
        conflicted = Assignment.objects.filter(application=application, evaluator_id__in=evaluator_ids)
        removed = conflicted.filter(round__status__in=(R.SETUP, R.ASSIGNING)).exclude(review__isnull=False)
        data = {
            "conflicts": len(evaluator_ids),
            "assignments_removed": removed.delete()[0],
            "assignments_kept_while_scoring": conflicted.count(),
        }
    audit_record(actor=by, obj=application, verb="exclusion_decided", reason=decided.answer, data=data)
    members = StartupMember.objects.active().filter(startup_id=application.startup_id).select_related("user")
    notify_many(
        event=Notification.Event.EXCLUSION_DECIDED,
        recipients=[member.user for member in members],
        obj=application,
        program=application.program,
        scope=f"exclusion-{decided.pk}",
        context={"accepted": accept, "request_id": decided.pk},
    )
    return decided


def exclusion_conflicts_record(*, evaluators: dict[int, str], startup_ids: Iterable[int] | QuerySet) -> int:
    """Record as conflicts (source: exclusion) what accepted exclusion requests forbid among the given
    evaluators (id → organisation): also for evaluators who joined the pool, or took the organisation,
    after the decision. The assignment calls it with the conflicts the data shows, so it reads one
    mechanism, `Conflict`. Returns how many were new."""
    keys: dict[str, list[int]] = {}
    for pk, organisation in evaluators.items():
        if organisation:
            keys.setdefault(organisation_key(organisation), []).append(pk)
    accepted = ExclusionRequest.objects.filter(
        Q(evaluator_id__in=list(evaluators)) | ~Q(organisation=""),
        status=ExclusionRequest.Status.ACCEPTED,
        application__startup_id__in=startup_ids,
    ).values_list("application__startup_id", "organisation", "evaluator_id", "reason", "decided_by_id")
    wanted: dict[tuple[int, int], tuple[str, int | None]] = {}
    for startup, organisation, evaluator, reason, decided_by in accepted:
        named = [evaluator] if evaluator is not None else keys.get(organisation_key(organisation), ())
        for pk in named:
            wanted.setdefault((pk, startup), (reason, decided_by))
    if not wanted:
        return 0
    known = set(
        Conflict.objects.filter(
            evaluator_id__in={pk for pk, _startup in wanted}, startup_id__in={startup for _pk, startup in wanted}
        ).values_list("evaluator_id", "startup_id")
    )
    new = [
        Conflict(
            evaluator_id=pk,
            startup_id=startup,
            source=Conflict.Source.EXCLUSION,
            reason=reason,
            recorded_by_id=decided_by,
        )
        for (pk, startup), (reason, decided_by) in sorted(wanted.items())
        if (pk, startup) not in known
    ]
    Conflict.objects.bulk_create(new, ignore_conflicts=True)  # an existing conflict stays as it was recorded
    return len(new)


def exclusion_requests_of(*, application: Application) -> QuerySet[ExclusionRequest]:
    return (
        ExclusionRequest.objects.filter(application=application)
        .select_related("evaluator__user")
        .order_by("-requested_at")
    )
