"""Evidence for bonus points (가점 증빙): a document per claimed flag whose bonus rule asks for one,
uploaded with the application and verified or rejected by staff before results are computed.

Only verified flags count for rules that require evidence; the computation refuses while any
document of the round's applications awaits verification (`bonus_evidence_check`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import audit_record
from core.errors import DomainError
from core.i18n import localized
from core.lifecycle import transition
from matching.models import BonusEvidence, BonusRule, EvaluationRound
from notifications.models import Notification
from notifications.services import notify_many
from startups.models import Application, Attachment

S = BonusEvidence.Status
# Left out of the computation, so their documents hold nothing up (matching.services.scoring).
EXCLUDED_APPLICATION_STATUSES = (Application.Status.WITHDRAWN, Application.Status.INELIGIBLE)


def round_scored_applications(*, round: EvaluationRound) -> QuerySet[Application]:  # noqa: A002
    """The applications a round's computation scores: assigned in the round, not withdrawn or ineligible
    (defined here, below matching.services.scoring, which reads it too)."""
    return Application.objects.filter(assignments__round=round).exclude(status__in=EXCLUDED_APPLICATION_STATUSES)


def evidence_label(rule: BonusRule) -> str:
    """The document the rule asks for, in the reader's language; the flag's name when none is given."""
    return localized(rule, "evidence_label") or _("Proof of “%(flag)s”") % {"flag": rule.get_flag_display()}


def evidence_rules_of(*, program: Any) -> dict[str, BonusRule]:
    """The program's rules that require evidence, one per flag (the earliest round's when several ask)."""
    rules: dict[str, BonusRule] = {}
    for rule in (
        BonusRule.objects.filter(round__program=program, evidence_required=True)
        .select_related("round")
        .order_by("round__order", "round_id")
    ):
        rules.setdefault(rule.flag, rule)
    return rules


def evidence_required_for(application: Application) -> dict[str, BonusRule]:
    """The flags the applying startup claims whose bonus asks for a document, with the rule that asks."""
    claimed = application.startup.bonus_flags()
    if not claimed:  # most applications: no query
        return {}
    return {flag: rule for flag, rule in evidence_rules_of(program=application.program).items() if flag in claimed}


def bonus_evidence_problems(application: Application) -> dict[str, list[str]]:
    """Submission problems: each claimed flag whose rule requires evidence and has no document yet."""
    required = evidence_required_for(application)
    if not required:
        return {}
    present = set(
        BonusEvidence.objects.filter(application=application, attachment__detached_at__isnull=True).values_list(
            "flag", flat=True
        )
    )
    return {
        f"evidence:{flag}": [
            _("Upload %(document)s: the bonus for “%(flag)s” needs it.")
            % {"document": evidence_label(rule), "flag": rule.get_flag_display()}
        ]
        for flag, rule in required.items()
        if flag not in present
    }


@transaction.atomic
def bonus_evidence_attach(*, application: Application, flag: str, upload: UploadedFile, by: Any) -> BonusEvidence:
    """Store the document for a claimed flag (checked like every upload, through `attachment_add`).
    A replaced document detaches the old one and sets the row back to awaiting verification."""
    from startups.services.attachments import attachment_add  # the attachments module imports applications

    if flag not in evidence_required_for(application):
        raise DomainError(_("This program asks for no document for that bonus."), code="evidence_not_required")
    attachment = attachment_add(application=application, by=by, upload=upload, kind=Attachment.Kind.BONUS_EVIDENCE)
    evidence = BonusEvidence.objects.select_for_update().filter(application=application, flag=flag).first()
    if evidence is None:
        evidence = BonusEvidence.objects.create(application=application, flag=flag, attachment=attachment)
        audit_record(actor=by, obj=evidence, verb="evidence_uploaded", data={"attachment": attachment.pk})
        return evidence
    Attachment.objects.filter(pk=evidence.attachment_id, detached_at__isnull=True).update(detached_at=timezone.now())
    previous = evidence.attachment_id
    evidence.attachment = attachment
    evidence.save(update_fields=["attachment"])
    audit_record(
        actor=by, obj=evidence, verb="evidence_replaced", data={"attachment": attachment.pk, "replaced": previous}
    )
    if evidence.status != S.PENDING:
        evidence = transition(
            evidence,
            to=S.PENDING,
            by=by,
            reason=_("A new document was uploaded."),
            extra_fields={"reason": "", "reviewed_by": None, "reviewed_at": None},
        )
    return evidence


def _review(evidence: BonusEvidence, *, to: str, by: Any, reason: str) -> BonusEvidence:
    locked = transition(
        evidence,
        to=to,
        by=by,
        reason=reason,
        extra_fields={"reason": reason, "reviewed_by": by, "reviewed_at": timezone.now()},
    )
    application = Application.objects.select_related("program", "startup").get(pk=locked.application_id)
    recipients = [m.user for m in application.startup.members.active().select_related("user")]
    rule = evidence_rules_of(program=application.program).get(locked.flag)
    notify_many(
        event=Notification.Event.EVIDENCE_REVIEWED,
        recipients=recipients,
        obj=application,
        scope=f"evidence-{locked.pk}-{to}-{int(locked.reviewed_at.timestamp())}",
        program=application.program,
        context={
            "evidence_id": locked.pk,
            "flag": locked.flag,
            "verified": to == S.VERIFIED,
            "reason": reason,
            "document_ko": (rule.evidence_label_ko if rule else "") or locked.get_flag_display(),
            "document_en": (rule.evidence_label_en if rule else "") or locked.flag.replace("_", " "),
        },
    )
    return locked


@transaction.atomic
def bonus_evidence_verify(*, evidence: BonusEvidence, by: Any) -> BonusEvidence:
    """Staff confirm the document: the flag's bonus counts in the next computation."""
    return _review(evidence, to=S.VERIFIED, by=by, reason="")


@transaction.atomic
def bonus_evidence_reject(*, evidence: BonusEvidence, by: Any, reason: str) -> BonusEvidence:
    """Staff refuse the document, saying why (the applicant reads it): the flag's bonus does not count."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the document is rejected: the applicant reads it."), code="reason_required")
    return _review(evidence, to=S.REJECTED, by=by, reason=reason)


# ---------------------------------------------------------------- reads


def bonus_evidence_of_round(*, round: EvaluationRound) -> QuerySet[BonusEvidence]:  # noqa: A002
    """The documents the computation of `round` reads: for flags whose rule in the round asks for
    evidence, of the applications assigned in the round that are not withdrawn or ineligible."""
    return BonusEvidence.objects.filter(
        flag__in=BonusRule.objects.filter(round=round, evidence_required=True).values("flag"),
        application__in=round_scored_applications(round=round).values("pk"),
    )


def bonus_evidence_states(*, round: EvaluationRound) -> dict[tuple[int, str], str]:  # noqa: A002
    """(application id, flag) → status of each document the round's computation reads, in one query."""
    return {
        (application_id, flag): status
        for application_id, flag, status in bonus_evidence_of_round(round=round).values_list(
            "application_id", "flag", "status"
        )
    }


def bonus_evidence_pending_url(*, round_id: int) -> str:
    """The staff list of the round's documents awaiting verification."""
    url = reverse("admin:matching_bonusevidence_changelist")
    return f"{url}?{urlencode({'round': round_id, 'status__exact': S.PENDING})}"


def bonus_evidence_check(states: dict[tuple[int, str], str], *, round_id: int) -> None:
    """Refuse the computation while documents await verification, naming how many and where they are."""
    pending = sum(1 for status in states.values() if status == S.PENDING)
    if pending:
        message = ngettext(
            "%(count)d document for bonus points awaits verification; verify or reject it first: %(url)s",
            "%(count)d documents for bonus points await verification; verify or reject them first: %(url)s",
            pending,
        ) % {"count": pending, "url": bonus_evidence_pending_url(round_id=round_id)}
        raise DomainError(message, code="evidence_pending")


def verified_flags(states: dict[tuple[int, str], str]) -> set[tuple[int, str]]:
    return {key for key, status in states.items() if status == S.VERIFIED}


def bonus_evidence_counts(*, program: Any) -> dict[str, int]:
    """Pending / verified / rejected documents of the program's applications (the dashboard)."""
    return BonusEvidence.objects.filter(application__program=program).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in S.values}
    )


def bonus_evidence_items(application: Application, problems: dict[str, list[str]] | None = None) -> list[dict]:
    """What the application form shows per claimed flag whose rule asks for a document: the flag, the
    document asked for, the current row (status, reason, file) and the problems under that upload."""
    required = evidence_required_for(application)
    if not required:
        return []
    rows = {e.flag: e for e in BonusEvidence.objects.filter(application=application).select_related("attachment")}
    return [
        {
            "flag": flag,
            "flag_label": rule.get_flag_display(),
            "document": evidence_label(rule),
            "name": f"evidence_{flag}",
            "evidence": rows.get(flag),
            "errors": (problems or {}).get(f"evidence:{flag}", []),
        }
        for flag, rule in required.items()
    ]


def bonus_evidence_uploads(files: Any) -> list[tuple[str, UploadedFile]]:
    """The form's evidence uploads (`evidence_<flag>`), by flag."""
    flags = {choice.value for choice in BonusRule.Flag}
    return [
        (flag, upload)
        for key, upload in files.items()
        if key.startswith("evidence_") and (flag := key.removeprefix("evidence_")) in flags
    ]
