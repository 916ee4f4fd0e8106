"""Evidence for bonus points in the demo: round 1 asks for the 여성기업확인서 behind the women-owned
bonus, and three women-owned applicants show the three states — verified, awaiting verification,
rejected with a reason."""

import datetime as dt

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Min

from accounts.models import User
from matching import models as m
from matching.demo import content as c
from matching.demo.plan import pitch_deck_pdf, sha256_hex
from startups import models as s
from startups.services.applications import application_snapshot, with_everything

LABEL_KO = "여성기업확인서"
LABEL_EN = "Women-owned business certificate"
S = m.BonusEvidence.Status
# (status, reason): the demo's three states, in this order over the first women-owned applicants.
STATES = (
    (S.VERIFIED, ""),
    (S.PENDING, ""),
    (S.REJECTED, "제출 마감일 기준 유효기간이 지난 확인서입니다."),
)


def _certificate(application: s.Application, owner: User | None, saved_files: list[str]) -> s.Attachment:
    data = pitch_deck_pdf([LABEL_KO, application.startup.name_ko, application.receipt_number or ""])
    attachment = s.Attachment(
        application=application,
        kind=s.Attachment.Kind.BONUS_EVIDENCE,
        original_name="여성기업확인서.pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=sha256_hex(data),
        uploaded_by=owner,
    )
    name = attachment.file.field.generate_filename(attachment, attachment.original_name)
    attachment.file.name = default_storage.save(name, ContentFile(data))
    saved_files.append(attachment.file.name)
    attachment.save()
    return attachment


def evidence_ensure(*, program: m.Program, staff: User | None, saved_files: list[str]) -> int:
    """Make round 1's women-owned bonus ask for its certificate and give three applicants one document
    each (verified, pending, rejected); rows that exist already are kept. Returns how many it wrote."""
    round_ = m.EvaluationRound.objects.filter(program=program).order_by("order").first()
    if round_ is None:
        return 0
    m.BonusRule.objects.filter(round=round_, flag=m.BonusRule.Flag.WOMEN_OWNED, evidence_required=False).update(
        evidence_required=True, evidence_label_ko=LABEL_KO, evidence_label_en=LABEL_EN
    )
    if m.BonusEvidence.objects.filter(application__program=program).exists():
        return 0
    applications = list(
        s.Application.objects.filter(program=program, status=s.Application.Status.IN_REVIEW, startup__women_owned=True)
        .select_related("startup")
        .order_by("pk")[: len(STATES)]
    )
    owners = dict(
        s.StartupMember.objects.active()
        .filter(startup__in=[a.startup_id for a in applications], role=s.StartupMember.Role.OWNER)
        .values_list("startup_id")
        .annotate(user=Min("user_id"))
    )
    users = User.objects.in_bulk(owners.values())
    written = 0
    for application, (status, reason) in zip(applications, STATES, strict=False):
        attachment = _certificate(application, users.get(owners.get(application.startup_id)), saved_files)
        reviewed = status != S.PENDING
        m.BonusEvidence.objects.create(
            application=application,
            flag=m.BonusRule.Flag.WOMEN_OWNED,
            attachment=attachment,
            status=status,
            reason=reason,
            reviewed_by=staff if reviewed else None,
            reviewed_at=(application.submitted_at or c.ROUNDS[0]["closes_at"]) + dt.timedelta(days=1)
            if reviewed
            else None,
        )
        # Uploaded with the submission: the latest submitted version lists the document, as a real one would.
        latest = s.Submission.objects.filter(application=application).order_by("-number").first()
        if latest is not None:
            latest.snapshot = application_snapshot(with_everything(s.Application.objects).get(pk=application.pk))
            latest.save(update_fields=["snapshot"])
        written += 1
    return written
