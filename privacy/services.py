"""Personal data under 개인정보보호법: statements, consent, a person's own data, retention and erasure.

- A program's statement is versioned: a published version is never edited (`statement_save`).
- Consent is recorded at sign-up (the site terms) and at each submission (the program's statement).
- A person downloads everything Matchday holds about them as a zip built by a job.
- A program's personal data is destroyed once its retention period has passed since it ended
  (finalised or archived), by the nightly purge; staff erase one person on request. Both use the
  same bulk anonymisation, which keeps scores, results and counts.
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import CharField, Max, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record, audit_redact
from core.errors import DomainError
from jobs.models import Job
from jobs.services import Progress, job_start, no_progress
from matching.models import (
    AgreementDocument,
    Appeal,
    BonusEvidence,
    Evaluator,
    ExclusionRequest,
    PledgeAcceptance,
    Program,
    Review,
)
from notifications.models import Notification
from privacy.models import Consent, PrivacyStatement, RetentionPurge
from startups.models import Answer, Application, Attachment, PersonalDeadline, Startup, StartupMember, Submission

# What the audit trail shows in place of an erased person (a code, not a sentence: it is stored).
ERASED_LABEL = "erased"

# The site terms' version where no site statement has been written in the admin.
SITE_TERMS_VERSION = 1

# --------------------------------------------------------------------------- statements


def statement_current(*, program: Program | None) -> PrivacyStatement | None:
    """The published version people agree to now (the site terms when `program` is None)."""
    return PrivacyStatement.objects.filter(program=program, published_at__isnull=False).order_by("-version").first()


def _partners_text(program: Program | None, language: str) -> str:
    if program is None:
        return ""
    partners = program.partnerships.select_related("partner").order_by("partner__name")
    if language == "ko":
        return ", ".join(p.partner.name_ko or p.partner.name for p in partners)
    return ", ".join(p.partner.name for p in partners)


@transaction.atomic
def statement_save(*, statement: PrivacyStatement, by: User | None) -> PrivacyStatement:
    """Publish the statement as the program's next version. A published version is never changed:
    saving changes to it publishes them as a new version and leaves the old one as it was.
    Recipients left empty are the program's partners."""
    if statement.pk is not None:
        statement.pk, statement.id = None, None  # a new row: the published version stays as agreed to
        statement._state.adding = True
    if not statement.third_parties_ko.strip():
        statement.third_parties_ko = _partners_text(statement.program, "ko")
    if not statement.third_parties_en.strip():
        statement.third_parties_en = _partners_text(statement.program, "en")
    # The program's statements in order, under a lock, so two editors cannot take the same number.
    if statement.program_id:
        Program.objects.select_for_update().filter(pk=statement.program_id).first()
    last = PrivacyStatement.objects.filter(program_id=statement.program_id).aggregate(v=Max("version"))["v"]
    statement.version = (last or 0) + 1
    statement.published_at = timezone.now()
    statement.created_by = by if getattr(by, "pk", None) else None
    statement.save()
    audit_record(actor=by, obj=statement, verb="privacy_statement_published", data={"version": statement.version})
    return statement


# --------------------------------------------------------------------------- consent


def consent_record_signup(*, user: User, ip: str | None = None) -> Consent:
    """The new account's agreement to the site terms in force (the setting's version where none is written)."""
    statement = statement_current(program=None)
    return Consent.objects.create(
        user=user,
        statement=statement,
        kind=Consent.Kind.SIGNUP,
        version=statement.version if statement else SITE_TERMS_VERSION,
        given_at=timezone.now(),
        ip=ip or None,
    )


def consent_for_submission(
    *, application: Application, by: User, consent_given: bool, ip: str | None = None
) -> Consent | None:
    """A submission needs the submitter's agreement to the program's current statement: given now (a new
    row) or given before to that same version. A program without a statement (set up before statements
    existed) asks for none. Raises DomainError otherwise; called inside the submission's transaction."""
    statement = statement_current(program=application.program)
    if statement is None:
        return None
    if consent_given:
        return Consent.objects.create(
            user=by,
            statement=statement,
            kind=Consent.Kind.SUBMISSION,
            version=statement.version,
            application=application,
            given_at=timezone.now(),
            ip=ip or None,
        )
    earlier = Consent.objects.filter(user=by, statement=statement).first()
    if earlier is None:
        raise DomainError(
            _("Agree to the program's personal-data statement (version %(version)d) to submit.")
            % {"version": statement.version},
            code="consent_required",
        )
    return earlier


# --------------------------------------------------------------------------- a person's own data


def export_days() -> int:
    return getattr(settings, "PRIVACY_EXPORT_DAYS", 7)


def personal_data_export_start(*, user: User) -> Job:
    """Queue the building of the person's own data as a zip (see `personal_data_export_build`)."""
    return job_start(kind=Job.Kind.PERSONAL_DATA_EXPORT, params={"user_id": user.pk}, by=user)


def personal_data_exports_of(*, user: User) -> list[Job]:
    """The person's own export jobs, newest first (never anyone else's)."""
    return list(Job.objects.filter(kind=Job.Kind.PERSONAL_DATA_EXPORT, created_by=user).order_by("-created_at")[:10])


def export_expires_at(job: Job) -> datetime | None:
    if job.finished_at is None:
        return None
    return job.finished_at + timedelta(days=export_days())


def export_downloadable(job: Job, *, now: datetime | None = None) -> bool:
    expires = export_expires_at(job)
    return (
        job.status == Job.Status.SUCCEEDED
        and bool(job.result.get("path"))
        and expires is not None
        and (now or timezone.now()) < expires
    )


def _display(value: Any) -> Any:
    return value if value is not None else None


def personal_data_collect(*, user: User) -> tuple[dict[str, Any], list[tuple[str, Attachment]]]:
    """Everything Matchday holds about `user`, as JSON-able data, and the files to add (zip name, attachment).
    Other people appear only as what the person already sees: no other member's name or e-mail, and for
    applicants no evaluator (their reviews are not part of their data)."""
    memberships = list(StartupMember.objects.filter(user=user).select_related("startup").order_by("pk"))
    startup_ids = [m.startup_id for m in memberships]
    applications = list(
        Application.objects.filter(startup_id__in=startup_ids)
        .select_related("program", "track", "startup")
        .prefetch_related("answers__question", "submissions", "attachments", "appeals__round", "exclusion_requests")
        .order_by("pk")
    )
    files: list[tuple[str, Attachment]] = []
    application_rows = []
    for application in applications:
        attachments = [a for a in application.attachments.all() if a.file]
        for attachment in attachments:
            name = PurePath(attachment.original_name).name or f"file-{attachment.pk}"
            files.append((f"files/application-{application.pk}/{attachment.pk}-{name}", attachment))
        application_rows.append(
            {
                "program": application.program.name_ko,
                "program_en": application.program.name_en,
                "startup": application.startup.name_ko,
                "track": application.track.name_ko if application.track_id else None,
                "status": application.status,
                "receipt_number": application.receipt_number,
                "title": application.title,
                "summary": application.summary,
                "summary_en": application.summary_en,
                "first_submitted_at": application.first_submitted_at,
                "submitted_at": application.submitted_at,
                "withdrawn_at": application.withdrawn_at,
                "answers": [
                    {
                        "question": answer.question.label_ko,
                        "question_en": answer.question.label_en,
                        "value": answer.value,
                    }
                    for answer in sorted(application.answers.all(), key=lambda a: (a.question.order, a.question_id))
                ],
                "submissions": [
                    {"number": s.number, "submitted_at": s.submitted_at}
                    for s in sorted(application.submissions.all(), key=lambda s: s.number)
                ],
                "files": [
                    {"name": a.original_name, "kind": a.kind, "size": a.size, "uploaded_at": a.uploaded_at}
                    for a in attachments
                ],
                "appeals": [
                    {
                        "round": appeal.round.name_ko,
                        "reason": appeal.reason,
                        "file": appeal.file_name,
                        "filed_at": appeal.filed_at,
                        "status": appeal.status,
                        "answer": appeal.answer,
                    }
                    for appeal in application.appeals.all()
                ],
                "exclusion_requests": [
                    {
                        "organisation": request.organisation,
                        "reason": request.reason,
                        "status": request.status,
                        "answer": request.answer,
                        "requested_at": request.requested_at,
                    }
                    for request in application.exclusion_requests.all()
                ],
            }
        )
    reviews = list(
        Review.objects.filter(assignment__evaluator__user=user)
        .select_related("assignment__round", "assignment__application")
        .prefetch_related("scores__criterion")
        .order_by("pk")
    )
    data = {
        "exported_at": timezone.now(),
        "account": {
            "email": user.email,
            "name": user.name,
            "preferred_language": user.preferred_language,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "startups": [
            {
                "name_ko": m.startup.name_ko,
                "name_en": m.startup.name_en,
                "business_registration_number": m.startup.brn,
                "founded_on": m.startup.founded_on,
                "ceo": m.startup.ceo_name,
                "employees": m.startup.employees,
                "website": m.startup.website,
                "description": m.startup.description,
                "your_role": m.role,
                "your_membership": m.status,
            }
            for m in memberships
        ],
        "applications": application_rows,
        "consents": [
            {
                "given_at": c.given_at,
                "kind": c.kind,
                "version": c.version,
                "program": c.statement.program.name_ko if c.statement and c.statement.program_id else None,
                "ip": c.ip,
            }
            for c in Consent.objects.filter(user=user).select_related("statement__program").order_by("given_at")
        ],
        "notifications": [
            {"event": n.event, "subject": n.subject, "body": n.body, "status": n.status, "sent_at": n.sent_at}
            for n in Notification.objects.filter(recipient=user)
            .order_by("created_at")
            .only("event", "subject", "body", "status", "sent_at", "created_at")
        ],
        "reviews": [
            {
                "round": r.assignment.round.name_ko,
                "application": r.assignment.application.receipt_number,
                "scores": {s.criterion.code: s.value for s in r.scores.all()},
                "comment": r.comment,
                "submitted_at": r.submitted_at,
            }
            for r in reviews
        ],
        "pledges": [
            {"round": a.pledge.round.name_ko, "version": a.pledge.version, "accepted_at": a.accepted_at}
            for a in PledgeAcceptance.objects.filter(evaluator__user=user)
            .select_related("pledge__round")
            .order_by("accepted_at")
        ],
    }
    return data, files


def personal_data_export_build(*, user_id: int, job_id: int) -> dict[str, Any]:
    """Write the zip (data.json + files/…) privately under the default storage; the job's result points to it."""
    user = User.objects.get(pk=user_id)
    data, files = personal_data_collect(user=user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        for name, attachment in files:
            with attachment.file.open("rb") as handle:
                archive.writestr(name, handle.read())
    path = default_storage.save(
        f"exports/personal-data/{job_id}-{secrets.token_hex(16)}.zip", ContentFile(buffer.getvalue())
    )
    return {"path": path, "files": len(files), "size": buffer.tell(), "applications": len(data["applications"])}


# --------------------------------------------------------------------------- anonymisation (bulk)


def _erased_email():
    return Concat(Value("erased-"), Cast("pk", CharField()), Value("@invalid"))


@dataclass
class Erasure:
    """What one anonymisation destroys, by kind (the dry run counts the same sets)."""

    users: list[int] = field(default_factory=list)
    startups: list[int] = field(default_factory=list)  # CEO names cleared
    answered_applications: list[int] = field(default_factory=list)  # answers of non-selected applicants
    filed_applications: list[int] = field(default_factory=list)  # every file of these

    def counts(self) -> dict[str, int]:
        return {
            "users": len(self.users),
            "startups": len(self.startups),
            "answers": Answer.objects.filter(application_id__in=self.answered_applications).count(),
            "files": Attachment.objects.filter(application_id__in=self.filed_applications).count()
            + Appeal.objects.filter(application_id__in=self.filed_applications).exclude(file="").count()
            + AgreementDocument.objects.filter(entry__application_id__in=self.filed_applications).count(),
        }


def erasure_apply(erasure: Erasure) -> dict[str, int]:
    """Destroy the personal fields `erasure` names, in a fixed number of statements whatever its size;
    files leave the storage after the commit. Scores, results, statuses and counts stay."""
    counts = erasure.counts()
    users = User.objects.filter(pk__in=erasure.users)
    # An unusable password (as set_unusable_password writes it, without a hash per person).
    users.update(name="", email=_erased_email(), password=UNUSABLE_PASSWORD_PREFIX, is_active=False, last_login=None)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user_id__in=erasure.users).delete()
    Notification.objects.filter(recipient_id__in=erasure.users).update(email="", subject="", body="", context={})
    Consent.objects.filter(user_id__in=erasure.users).update(ip=None)
    # The audit trail keeps what happened, without who: their name and e-mail as actor and as object.
    audit_redact(events=AuditEvent.objects.filter(actor_id__in=erasure.users), fields={"actor_label": ERASED_LABEL})
    audit_redact(
        events=AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id__in=[str(pk) for pk in erasure.users]
        ),
        fields={"object_repr": ERASED_LABEL, "data": {}},
    )
    Startup.objects.filter(pk__in=erasure.startups).update(ceo_name="")
    Answer.objects.filter(application_id__in=erasure.answered_applications).delete()
    Submission.objects.filter(application_id__in=erasure.answered_applications).update(snapshot={})
    # What applicants wrote after submitting: reasons for appeals and exclusion requests, and the staff's
    # reasons for a personal deadline (an outage, an accessibility need).
    Appeal.objects.filter(application_id__in=erasure.answered_applications).update(reason="")
    ExclusionRequest.objects.filter(application_id__in=erasure.answered_applications).update(reason="")
    PersonalDeadline.objects.filter(application_id__in=erasure.answered_applications).update(reason="")
    attachments = Attachment.objects.filter(application_id__in=erasure.filed_applications)
    appeals = Appeal.objects.filter(application_id__in=erasure.filed_applications).exclude(file="")
    agreements = AgreementDocument.objects.filter(entry__application_id__in=erasure.filed_applications)
    names = [
        name for files in (attachments, appeals, agreements) for name in files.values_list("file", flat=True) if name
    ]
    Submission.objects.filter(application_id__in=erasure.filed_applications).update(snapshot={})
    # A bonus's evidence row names its document; the bonus itself stays in the results.
    BonusEvidence.objects.filter(application_id__in=erasure.filed_applications).delete()
    appeals.update(file="", file_name="", file_content_type="", file_size=None)
    agreements.delete()
    attachments.delete()
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    return counts


KEPT_STATUSES = (Application.Status.SELECTED,)  # their answers are kept (the agreement needs them)


# --------------------------------------------------------------------------- retention


def program_ended_at(program: Program) -> datetime | None:
    """When the program ended: its last move to finalised or archived (from the audit trail), else the close
    of applications for a program already in one of those states; None while it runs."""
    if program.status not in (Program.Status.FINALISED, Program.Status.ARCHIVED):
        return None
    moved = (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Program),
            object_id=str(program.pk),
            verb="status_changed",
            to_state__in=[Program.Status.FINALISED, Program.Status.ARCHIVED],
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return moved or program.closes_at


@dataclass
class ProgramPurge:
    program: Program
    retention_ends: datetime
    erasure: Erasure


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day where it is shorter)."""
    import calendar

    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _programs_due(*, now: datetime) -> list[tuple[Program, datetime]]:
    due = []
    programs = Program.objects.filter(
        status__in=[Program.Status.FINALISED, Program.Status.ARCHIVED], retention_purge__isnull=True
    ).order_by("pk")
    for program in programs:
        statement = statement_current(program=program)
        ended = program_ended_at(program)
        if statement is None or ended is None:
            continue  # no stated retention period: nothing was promised, nothing is destroyed automatically
        ends = add_months(ended, statement.retention_months)
        if ends <= now:
            due.append((program, ends))
    return due


def _applicant_erasure(application_ids: list[int], *, live_application_q: Q) -> Erasure:
    """The erasure of these applications' people, startups, answers and files. People and startups that
    also have an application matching `live_application_q` keep their accounts and names."""
    applications = Application.objects.filter(pk__in=application_ids)
    startup_ids = set(applications.values_list("startup_id", flat=True))
    live = Application.objects.filter(live_application_q).exclude(pk__in=application_ids)
    live_startups = set(live.filter(startup_id__in=startup_ids).values_list("startup_id", flat=True))
    people = set(StartupMember.objects.filter(startup_id__in=startup_ids).values_list("user_id", flat=True)) | set(
        applications.exclude(created_by=None).values_list("created_by_id", flat=True)
    )
    live_people = set(
        StartupMember.objects.filter(user_id__in=people, startup__applications__in=live).values_list(
            "user_id", flat=True
        )
    )
    # Staff and evaluators keep their accounts: they have a role beyond this program.
    keep = set(User.objects.filter(pk__in=people, is_staff=True).values_list("pk", flat=True))
    keep |= set(Evaluator.objects.filter(user_id__in=people).values_list("user_id", flat=True))
    return Erasure(
        users=sorted(people - live_people - keep),
        startups=sorted(startup_ids - live_startups),
        answered_applications=sorted(applications.exclude(status__in=KEPT_STATUSES).values_list("pk", flat=True)),
        filed_applications=sorted(application_ids),
    )


def retention_purge_plan(*, now: datetime | None = None) -> list[ProgramPurge]:
    """What the purge would destroy now: per program past its retention period, not purged yet."""
    now = now or timezone.now()
    due = _programs_due(now=now)
    due_ids = [program.pk for program, _ends in due]
    # A live application: of a program not being purged and not purged before.
    live_q = ~Q(program_id__in=due_ids) & Q(program__retention_purge__isnull=True)
    plans = []
    for program, ends in due:
        ids = list(Application.objects.filter(program=program).values_list("pk", flat=True))
        plans.append(
            ProgramPurge(
                program=program, retention_ends=ends, erasure=_applicant_erasure(ids, live_application_q=live_q)
            )
        )
    return plans


def expired_exports(*, now: datetime) -> list[Job]:
    return list(
        Job.objects.filter(
            kind=Job.Kind.PERSONAL_DATA_EXPORT,
            status=Job.Status.SUCCEEDED,
            finished_at__lt=now - timedelta(days=export_days()),
        ).exclude(result__path=None)
    )


def retention_purge_dry_run(*, now: datetime | None = None) -> dict[str, Any]:
    """The counts the purge would report, per program and kind, changing nothing."""
    now = now or timezone.now()
    return {
        "programs": [
            {"program": plan.program.slug, "program_id": plan.program.pk, **plan.erasure.counts()}
            for plan in retention_purge_plan(now=now)
        ],
        "expired_exports": len(expired_exports(now=now)),
    }


def retention_purge_start(*, by: Any = None) -> Job:
    return job_start(kind=Job.Kind.RETENTION_PURGE, params={}, by=by)


def retention_purge_run(*, now: datetime | None = None, progress: Progress = no_progress) -> dict[str, Any]:
    """Destroy the personal data of every program past its retention period, one program per transaction,
    each recorded once (RetentionPurge) with an audit event of what was done; expired exports are deleted."""
    now = now or timezone.now()
    plans = retention_purge_plan(now=now)
    report: dict[str, Any] = {"programs": [], "expired_exports": 0}
    for done, plan in enumerate(plans):
        with transaction.atomic():
            counts = erasure_apply(plan.erasure)
            RetentionPurge.objects.create(program=plan.program, purged_at=now, counts=counts)
            audit_record(actor="system", obj=plan.program, verb="personal_data_purged", data=counts)
        report["programs"].append({"program": plan.program.slug, "program_id": plan.program.pk, **counts})
        progress(done + 1, len(plans))
    for job in expired_exports(now=now):
        default_storage.delete(job.result["path"])
        Job.objects.filter(pk=job.pk).update(result={**job.result, "path": None, "expired": True})
        report["expired_exports"] += 1
    return report


# --------------------------------------------------------------------------- erasure on request


@transaction.atomic
def person_erase(*, user: User, by: User, reason: str = "") -> User:
    """Erase an applicant on request, as the retention purge would: the account's personal fields, and for
    startups nobody else belongs to, the CEO name, the files and the answers of applications not selected.
    Staff and evaluators are refused (their records belong to the programs they ran or judged)."""
    if not reason.strip():
        raise DomainError(_("Say why this person's data is erased."), code="reason_required")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_staff or Evaluator.objects.filter(user=user).exists():
        raise DomainError(_("Staff and evaluators cannot be erased here."), code="not_an_applicant")
    if user.email.startswith("erased-") and user.email.endswith("@invalid"):
        raise DomainError(_("This person's data was already erased."), code="already_erased")
    startups = set(StartupMember.objects.filter(user=user).values_list("startup_id", flat=True))
    shared = set(
        StartupMember.objects.active()
        .filter(startup_id__in=startups)
        .exclude(user=user)
        .values_list("startup_id", flat=True)
    )
    own = sorted(startups - shared)
    application_ids = list(Application.objects.filter(startup_id__in=own).values_list("pk", flat=True))
    erasure = Erasure(
        users=[user.pk],
        startups=own,
        answered_applications=sorted(
            Application.objects.filter(pk__in=application_ids)
            .exclude(status__in=KEPT_STATUSES)
            .values_list("pk", flat=True)
        ),
        filed_applications=application_ids,
    )
    counts = erasure_apply(erasure)
    user.refresh_from_db()
    audit_record(actor=by, obj=user, verb="personal_data_erased", reason=reason, data=counts)
    return user
