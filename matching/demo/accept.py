"""Acceptance of a seat and the agreement (협약) in the demo, on the finalised second program: the
program asks for a signed agreement (협약서, PDF); the selected startups have been asked to accept —
the first accepted and its agreement is approved, the fourth accepted and its agreement file was
returned with a comment, the third declined (its application is withdrawn and leaves the partners'
rankings) and the first reserve was promoted to its seat and is asked in turn; the others are still
to answer. Written directly (nothing is sent), once."""

import datetime as dt

from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from matching import models as m
from matching.services.acceptance import respond_by_for
from startups import models as s

P = m.SelectionEntry.Acceptance
G = m.SelectionEntry.Agreement
D = m.AgreementDocument.Status
O = m.SelectionEntry.Outcome  # noqa: E741
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
RETURN_COMMENT = "3쪽 대표자 서명란이 비어 있습니다. 서명 후 다시 제출해 주세요."


def _document(entry, requirement, *, status, staff, now, saved_files, comment="") -> m.AgreementDocument:
    document = m.AgreementDocument(
        entry=entry,
        requirement=requirement,
        original_name="협약서.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        status=status,
        reviewed_by=staff,
        reviewed_at=now,
        comment=comment,
    )
    document.file.save("협약서.pdf", ContentFile(PDF), save=False)
    saved_files.append(document.file.name)
    document.save()
    return document


def _leave_rankings(program: m.Program, application_id: int) -> None:
    """A withdrawn startup is no longer a finalist: it leaves the partners' rankings, and the ranks
    behind it move up (one row at a time, lowest first, so no two rows share a rank)."""
    for ranking in m.PartnerRanking.objects.filter(program=program):
        gone = m.PartnerRankingEntry.objects.filter(ranking=ranking, application_id=application_id).first()
        if gone is None:
            continue
        freed = gone.rank
        gone.delete()
        if freed is None:
            continue
        for entry in m.PartnerRankingEntry.objects.filter(ranking=ranking, rank__gt=freed).order_by("rank"):
            m.PartnerRankingEntry.objects.filter(pk=entry.pk).update(rank=entry.rank - 1)


def accept_ensure(
    *, program: m.Program | None, staff: User | None, saved_files: list[str], now: dt.datetime | None = None
) -> int:
    """Write the acceptance and agreement states once (nothing when a seat of the program was offered
    already, or the program is not final). Returns how many seats it changed."""
    if program is None or program.status != m.Program.Status.FINALISED:
        return 0
    entries = m.SelectionEntry.objects.filter(program=program)
    if entries.exclude(acceptance=P.NOT_ASKED).exists():
        return 0
    now = now or timezone.now()
    requirement, _ = m.AgreementRequirement.objects.get_or_create(
        program=program,
        code="agreement",
        defaults={
            "label_ko": "협약서 (서명본)",
            "label_en": "Signed agreement",
            "help_ko": "대표자 서명 후 PDF로 올려 주세요.",
            "help_en": "Sign as the representative and upload it as a PDF.",
            "file_types": ["pdf"],
        },
    )
    selected = list(entries.filter(outcome=O.SELECTED).select_related("application").order_by("position")[:4])
    if len(selected) < 4:
        return 0
    respond_by = respond_by_for(program, now=now)
    entries.filter(outcome=O.SELECTED).update(acceptance=P.PENDING, respond_by=respond_by, updated_at=now)
    first, _pending, declined, returned = selected

    for entry, agreement in ((first, G.APPROVED), (returned, G.RETURNED)):
        m.SelectionEntry.objects.filter(pk=entry.pk).update(
            acceptance=P.ACCEPTED,
            confirmed_at=now - dt.timedelta(days=1),
            responded_at=now - dt.timedelta(days=1),
            agreement=agreement,
            agreement_approved_at=now if agreement == G.APPROVED else None,
        )
    _document(first, requirement, status=D.APPROVED, staff=staff, now=now, saved_files=saved_files)
    _document(
        returned, requirement, status=D.RETURNED, staff=staff, now=now, saved_files=saved_files, comment=RETURN_COMMENT
    )

    # The third declined: its application is withdrawn and the first reserve takes its seat.
    freed = declined.position
    m.SelectionEntry.objects.filter(pk=declined.pk).update(
        acceptance=P.DECLINED,
        responded_at=now,
        decline_reason="해외 법인 설립 일정과 겹쳐 참여가 어렵습니다.",
        outcome=O.NOT_SELECTED,
        position=None,
        partner=None,
    )
    s.Application.objects.filter(pk=declined.application_id).update(
        status=s.Application.Status.WITHDRAWN, withdrawn_at=now
    )
    _leave_rankings(program, declined.application_id)
    reserve = entries.filter(outcome=O.RESERVE).order_by("position").first()
    if reserve is not None:
        m.SelectionEntry.objects.filter(pk=reserve.pk).update(
            outcome=O.SELECTED, position=freed, promoted_at=now, acceptance=P.PENDING, respond_by=respond_by
        )
        entries.filter(outcome=O.RESERVE, position__gt=reserve.position).update(position=F("position") - 1)
        s.Application.objects.filter(pk=reserve.application_id).update(status=s.Application.Status.SELECTED)
    return len(selected) + int(reserve is not None)
