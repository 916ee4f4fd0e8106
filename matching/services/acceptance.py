"""After the final selection: each selected startup accepts or declines its seat, and an accepted
seat goes through the agreement (협약) — documents the program asks for, approved or returned by staff
(DESIGN.md "After the selection").

A seat is offered (`acceptance` → pending) when the selection is finalised and when a reserve is
promoted; the offer stands until the end of the day `program.acceptance_days` after it was made, in
the program's time zone (23:59:59 local). A decline, or silence past that moment (`acceptances_lapse`,
a beat job), withdraws the application through the withdrawal service, so the seat passes to the next
reserve by the one existing path (`selection_release` → `reserve_promote`) under the same locks:
the program row first, then the entry and the application.
"""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, audit_record_many
from core.errors import DomainError
from core.i18n import localized
from core.lifecycle import ensure_transition, transition
from matching.models import AgreementDocument, AgreementRequirement, Program, SelectionEntry
from notifications.models import Notification
from notifications.services import notify_each, notify_many
from notifications.webhooks import webhooks_emit
from startups.models import Application
from startups.selectors import active_members_by_startup, applications_changeable_by
from startups.services.attachments import ACCEPTED, accepted_kinds, check_upload, kinds_label, size_limit

P = SelectionEntry.Acceptance
G = SelectionEntry.Agreement
D = AgreementDocument.Status
O = SelectionEntry.Outcome  # noqa: E741
E = Notification.Event

ACCEPTANCE_SCOPE = "acceptance"
LAPSED = "lapsed"  # the reason code of a seat released for silence


def respond_by_for(program: Program, *, now: dt.datetime) -> dt.datetime:
    """The end of the day `acceptance_days` after `now`, in the program's time zone."""
    zone = ZoneInfo(program.time_zone)
    day = timezone.localtime(now, zone).date() + dt.timedelta(days=program.acceptance_days)
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone)


def _context(program: Program, **extra: Any) -> dict[str, Any]:
    return {"program_id": program.pk, **extra}


def _members(application: Application) -> list[Any]:
    return active_members_by_startup({application.startup_id})[application.startup_id]


def _lock_program(program_id: int) -> Program:
    return Program.objects.select_for_update().get(pk=program_id)


def _lock_entry(entry: SelectionEntry) -> SelectionEntry:
    """The entry and its application under their locks (take the program's first), to re-check both."""
    return (
        SelectionEntry.objects.select_for_update(of=("self", "application"))
        .select_related("application__startup", "program")
        .get(pk=entry.pk)
    )


def ensure_may_answer(entry: SelectionEntry, by: Any) -> None:
    """The startup's active members answer for it; staff may record an answer given another way."""
    if getattr(by, "is_staff", False):
        return
    if not applications_changeable_by(actor=by).filter(pk=entry.application_id).exists():
        raise DomainError(_("Only the startup's members can do this."), code="not_a_member")


def _holds_seat(entry: SelectionEntry) -> bool:
    return entry.outcome == O.SELECTED and entry.application.status == Application.Status.SELECTED


def _ensure_open(entry: SelectionEntry, now: dt.datetime) -> None:
    """The startup can still answer: it holds the seat, the offer awaits an answer, the deadline is ahead."""
    if not _holds_seat(entry):
        raise DomainError(_("This application no longer holds a seat."), code="no_seat")
    if entry.acceptance != P.PENDING:
        raise DomainError(
            _("The seat was already answered: %(answer)s.") % {"answer": entry.get_acceptance_display()},
            code="already_answered",
        )
    if entry.respond_by is not None and now > entry.respond_by:
        from notifications.events import format_deadline

        raise DomainError(
            _("The deadline to accept this seat was %(deadline)s; it has passed.")
            % {"deadline": format_deadline(entry.respond_by, entry.program.time_zone)},
            code="acceptance_closed",
        )


# --- offering a seat ------------------------------------------------------------------------------


def acceptance_request(
    *,
    program: Program,
    by: Any,
    reason: str = "",
    entry_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Offer their seat to the selected entries of `program` not yet asked (all of them, or those of
    `entry_ids`): acceptance → pending with `respond_by`, audited, and one ACCEPTANCE_REQUESTED per
    active member, in one insert. Call inside the transaction holding the program lock. A constant
    number of queries whatever the number of entries. Returns how many seats were offered."""
    now = now or timezone.now()
    entries = SelectionEntry.objects.filter(program=program, outcome=O.SELECTED, acceptance=P.NOT_ASKED)
    if entry_ids is not None:
        entries = entries.filter(pk__in=entry_ids)
    entries = list(entries.select_related("application__startup").order_by("pk"))
    if not entries:
        return 0
    for entry in entries:
        ensure_transition(entry, to=P.PENDING, field="acceptance")
    respond_by = respond_by_for(program, now=now)
    SelectionEntry.objects.filter(pk__in=[e.pk for e in entries], acceptance=P.NOT_ASKED).update(
        acceptance=P.PENDING, respond_by=respond_by, updated_at=now
    )
    for entry in entries:
        entry.acceptance, entry.respond_by = P.PENDING, respond_by
    audit_record_many(
        actor=by,
        objects=entries,
        verb="acceptance_changed",
        from_state=P.NOT_ASKED,
        to_state=P.PENDING,
        reason=reason,  # the finalisation's or promotion's; the deadline is on the entry and in the message
    )
    members = active_members_by_startup({e.application.startup_id for e in entries})
    context = _context(program, respond_by=respond_by.isoformat())
    notify_each(
        event=E.ACCEPTANCE_REQUESTED,
        messages=[(user, e.application, context) for e in entries for user in members[e.application.startup_id]],
        scope=ACCEPTANCE_SCOPE,
        program=program,
    )
    return len(entries)


def extended_respond_by(entry: SelectionEntry, *, now: dt.datetime | None = None) -> dt.datetime:
    """The deadline an extension gives: the program's `acceptance_days` again, counted from the current
    deadline (from now once that has passed)."""
    now = now or timezone.now()
    return respond_by_for(entry.program, now=max(now, entry.respond_by or now))


@transaction.atomic
def acceptance_extend(*, entry: SelectionEntry, by: Any, respond_by: dt.datetime, reason: str) -> SelectionEntry:
    """Staff move a pending offer's deadline (a later moment, with a reason)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the deadline is extended."), code="reason_required")
    _lock_program(entry.program_id)
    locked = _lock_entry(entry)
    if locked.acceptance != P.PENDING:
        raise DomainError(_("Only a seat awaiting an answer can get a later deadline."), code="not_pending")
    if respond_by <= timezone.now() or (locked.respond_by and respond_by <= locked.respond_by):
        raise DomainError(_("The new deadline must be later than the current one and in the future."), code="too_early")
    before = locked.respond_by
    locked.respond_by = respond_by
    locked.save(update_fields=["respond_by", "updated_at"])
    audit_record(
        actor=by,
        obj=locked,
        verb="acceptance_extended",
        reason=reason,
        data={"before": before.isoformat() if before else None, "after": respond_by.isoformat()},
    )
    entry.respond_by = respond_by
    return locked


# --- answering ------------------------------------------------------------------------------------


def _recorded(entry: SelectionEntry, *, answer: str) -> None:
    notify_many(
        event=E.ACCEPTANCE_RECORDED,
        recipients=_members(entry.application),
        obj=entry.application,
        context=_context(entry.program, answer=answer),
        scope=f"{ACCEPTANCE_SCOPE}-{answer}",
        program=entry.program,
    )


@transaction.atomic
def selection_accept(
    *, entry: SelectionEntry, by: Any, reason: str = "", now: dt.datetime | None = None
) -> SelectionEntry:
    """The startup accepts its seat before the deadline: acceptance → accepted (`confirmed_at`), and
    the agreement starts: awaiting documents, or approved at once when the program asks for none."""
    now = now or timezone.now()
    _lock_program(entry.program_id)
    locked = _lock_entry(entry)
    ensure_may_answer(locked, by)
    _ensure_open(locked, now)
    transition(
        locked,
        to=P.ACCEPTED,
        field="acceptance",
        by=by,
        reason=reason,
        extra_fields={"confirmed_at": now, "responded_at": now},
    )
    _recorded(locked, answer=P.ACCEPTED)
    webhooks_emit(
        event="selection.accepted",
        obj=locked.application,
        payload={"position": locked.position},
        program=locked.program,
    )
    _agreement_follow(locked, by=by, now=now)
    entry.acceptance, entry.agreement, entry.confirmed_at = locked.acceptance, locked.agreement, now
    return locked


def acceptance_withdrawn(*, entry: SelectionEntry, by: Any, reason: str) -> None:
    """A seat whose offer still awaited an answer was given up another way than answering it (its
    application withdrawn by the startup or by staff): the offer ends as declined, with the
    withdrawal's reason, so no withdrawn startup is shown or counted as still to answer. Called by
    `selection_release` with the entry locked."""
    extra = {"responded_at": timezone.now(), "decline_reason": reason}
    transition(entry, to=P.DECLINED, field="acceptance", by=by, reason=reason, extra_fields=extra)


def _release(entry: SelectionEntry, *, to: str, by: Any, reason: str, now: dt.datetime) -> SelectionEntry:
    """Decline or lapse a locked, pending entry and withdraw its application: the seat passes to the
    first reserve through the withdrawal (`selection_release`)."""
    from startups.services.staff import application_withdraw  # startups imports matching

    program, application = entry.program, entry.application
    extra = {"responded_at": now} | ({"decline_reason": reason} if to == P.DECLINED else {})
    released = transition(entry, to=to, field="acceptance", by=by, reason=reason, extra_fields=extra)
    code = "declined" if to == P.DECLINED else LAPSED
    application_withdraw(application=application, by=by, reason=reason or code)
    released.program, released.application = program, application
    if to == P.DECLINED:
        _recorded(released, answer=P.DECLINED)
    else:
        notify_many(
            event=E.ACCEPTANCE_LAPSED,
            recipients=_members(application),
            obj=application,
            context=_context(program, respond_by=entry.respond_by.isoformat() if entry.respond_by else ""),
            scope=ACCEPTANCE_SCOPE,
            program=program,
        )
    webhooks_emit(event="selection.declined", obj=application, payload={"reason": code}, program=program)
    return released


@transaction.atomic
def selection_decline(*, entry: SelectionEntry, by: Any, reason: str, now: dt.datetime | None = None) -> SelectionEntry:
    """The startup declines its seat (with a reason) before the deadline: acceptance → declined, the
    application is withdrawn and the first reserve promoted to the freed seat."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the seat is declined."), code="reason_required")
    _lock_program(entry.program_id)
    locked = _lock_entry(entry)
    ensure_may_answer(locked, by)
    _ensure_open(locked, now)
    released = _release(locked, to=P.DECLINED, by=by, reason=reason, now=now)
    entry.acceptance, entry.decline_reason = released.acceptance, released.decline_reason
    return released


def acceptances_due(*, now: dt.datetime) -> QuerySet[SelectionEntry]:
    return SelectionEntry.objects.filter(
        acceptance=P.PENDING, respond_by__lt=now, outcome=O.SELECTED, application__status=Application.Status.SELECTED
    ).order_by("program_id", "pk")


def acceptances_lapse(*, now: dt.datetime | None = None) -> int:
    """Release every seat whose offer passed its deadline unanswered, each in its own transaction
    under the locks and re-checked there (an answer at the same moment wins; a second run finds
    nothing to do). Returns how many seats lapsed."""
    now = now or timezone.now()
    lapsed = 0
    for entry_id, program_id in list(acceptances_due(now=now).values_list("pk", "program_id")):
        with transaction.atomic():
            _lock_program(program_id)
            locked = _lock_entry(SelectionEntry(pk=entry_id))
            still_due = (
                _holds_seat(locked)
                and locked.acceptance == P.PENDING
                and locked.respond_by is not None
                and locked.respond_by < now
            )
            if still_due:
                _release(locked, to=P.LAPSED, by="system", reason=LAPSED, now=now)
                lapsed += 1
    return lapsed


# --- the agreement (협약) -------------------------------------------------------------------------


def current_documents(entry: SelectionEntry) -> dict[int, AgreementDocument]:
    """The newest document per requirement of the entry that was not replaced, by requirement id."""
    current: dict[int, AgreementDocument] = {}
    for document in entry.agreement_documents.exclude(status=D.REPLACED).order_by("-uploaded_at", "-pk"):
        current.setdefault(document.requirement_id, document)
    return current


def _uploads_open(entry: SelectionEntry) -> bool:
    """Agreement documents are uploaded after accepting the seat, until the agreement is approved."""
    return entry.acceptance == P.ACCEPTED and entry.agreement in (G.AWAITING, G.UNDER_REVIEW, G.RETURNED)


def _requirement_ids(program_id: int) -> set[int]:
    return set(AgreementRequirement.objects.filter(program_id=program_id).values_list("pk", flat=True))


def agreement_state(*, documents: dict[int, AgreementDocument], requirement_ids: set[int]) -> str:
    """The agreement state an accepted seat's current documents (`current_documents`) make: approved
    when every requirement's document is approved (at once when the program asks for none), under
    review when each has one awaiting review or approved, returned when one was returned, otherwise
    awaiting documents. The one rule for the stored `SelectionEntry.agreement`."""
    statuses = [documents[rid].status if rid in documents else None for rid in requirement_ids]
    if all(status == D.APPROVED for status in statuses):
        return G.APPROVED
    if all(status in (D.SUBMITTED, D.APPROVED) for status in statuses):
        return G.UNDER_REVIEW
    if D.RETURNED in statuses:
        return G.RETURNED
    return G.AWAITING


def _agreement_follow(entry: SelectionEntry, *, by: Any, now: dt.datetime, reason: str = "") -> None:
    """Move a locked, accepted entry's agreement to the state its documents make (`agreement_state`)
    where the transition table allows it — a document returned while others are still missing leaves
    it awaiting documents; an approval stamps `agreement_approved_at` and emits `agreement.approved`."""
    state = agreement_state(documents=current_documents(entry), requirement_ids=_requirement_ids(entry.program_id))
    if state == entry.agreement or state not in SelectionEntry.AGREEMENT_TRANSITIONS[entry.agreement]:
        return
    approved = state == G.APPROVED
    extra = {"agreement_approved_at": now} if approved else {}
    transition(entry, to=state, field="agreement", by=by, reason=reason, extra_fields=extra)
    if approved:
        webhooks_emit(event="agreement.approved", obj=entry.application, payload={}, program=entry.program)


@transaction.atomic
def agreement_document_upload(
    *, entry: SelectionEntry, requirement: AgreementRequirement, upload: UploadedFile, by: Any
) -> AgreementDocument:
    """A member uploads one agreement document (it replaces the earlier one for that requirement,
    unless that was approved); once every requirement has a document, the agreement is under review."""
    locked = _lock_entry(entry)
    ensure_may_answer(locked, by)
    if requirement.program_id != locked.program_id:
        raise DomainError(_("This document is not asked for by the program."), code="unknown_requirement")
    if not _uploads_open(locked):
        raise DomainError(
            _("Agreement documents are uploaded after accepting the seat, until they are approved."),
            code="agreement_closed",
        )
    previous = current_documents(locked).get(requirement.pk)
    if previous is not None and previous.status == D.APPROVED:
        raise DomainError(_("“%(document)s” is already approved.") % {"document": requirement}, code="already_approved")
    kind, name, sha256 = check_upload(upload, question=requirement)
    if previous is not None:
        transition(previous, to=D.REPLACED, by=by)
    document = AgreementDocument(
        entry=locked,
        requirement=requirement,
        original_name=name,
        content_type=ACCEPTED[kind].content_type,
        size=upload.size,
        sha256=sha256,
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    document.file.save(name, upload, save=False)
    document.save()
    audit_record(actor=by, obj=document, verb="agreement_document_uploaded", data={"entry": locked.pk})
    _agreement_follow(locked, by=by, now=timezone.now())
    entry.agreement = locked.agreement
    return document


def _lock_document(document: AgreementDocument) -> tuple[SelectionEntry, AgreementDocument]:
    entry = _lock_entry(SelectionEntry(pk=document.entry_id))
    locked = AgreementDocument.objects.select_for_update().select_related("requirement").get(pk=document.pk)
    return entry, locked


def _ensure_staff(by: Any) -> None:
    if not getattr(by, "is_staff", False):
        raise DomainError(_("Only staff review agreement documents."), code="staff_only")


def _reviewed(entry: SelectionEntry, document: AgreementDocument) -> None:
    notify_many(
        event=E.AGREEMENT_REVIEWED,
        recipients=_members(entry.application),
        obj=entry.application,
        context=_context(
            entry.program,
            document_ko=document.requirement.label_ko,
            document_en=document.requirement.label_en,
            decision=document.status,
            comment=document.comment,
        ),
        scope=f"agreement-document-{document.pk}",
        program=entry.program,
    )


@transaction.atomic
def agreement_document_approve(*, document: AgreementDocument, by: Any, comment: str = "") -> AgreementDocument:
    """Staff approve the newest document of a requirement; when every requirement's newest document
    is approved, the agreement is approved."""
    _ensure_staff(by)
    entry, locked = _lock_document(document)
    now = timezone.now()
    approved = transition(
        locked,
        to=D.APPROVED,
        by=by,
        reason=comment,
        extra_fields={"reviewed_by": by, "reviewed_at": now, "comment": (comment or "").strip()},
    )
    approved.requirement = locked.requirement
    _agreement_follow(entry, by=by, now=now)
    _reviewed(entry, approved)
    document.status = approved.status
    return approved


@transaction.atomic
def agreement_document_return(*, document: AgreementDocument, by: Any, comment: str) -> AgreementDocument:
    """Staff return a document with a comment saying what to change; the agreement is returned."""
    _ensure_staff(by)
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Say what should change in the document."), code="comment_required")
    entry, locked = _lock_document(document)
    returned = transition(
        locked,
        to=D.RETURNED,
        by=by,
        reason=comment,
        extra_fields={"reviewed_by": by, "reviewed_at": timezone.now(), "comment": comment},
    )
    returned.requirement = locked.requirement
    _agreement_follow(entry, by=by, now=timezone.now(), reason=comment)
    _reviewed(entry, returned)
    document.status = returned.status
    return returned


# --- reads -----------------------------------------------------------------------------------------


def agreement_documents_visible_to(*, actor: Any) -> QuerySet[AgreementDocument]:
    """The agreement files an actor may download: staff all, a startup's active members their own."""
    from core.access import Actor
    from startups.selectors import member_startup_ids

    actor = Actor.of(actor)
    if not actor.is_signed_in:
        return AgreementDocument.objects.none()
    documents = AgreementDocument.objects.select_related("requirement", "entry__application")
    if actor.is_staff:
        return documents
    return documents.filter(entry__application__startup_id__in=member_startup_ids(actor))


def seat_of(*, application: Application, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """What the applicant's status page shows of the seat: the offer and its deadline, whether it can
    still be answered, and each agreement requirement with its help, the files it takes and its newest
    document (None when no seat was ever offered). A few queries whatever the number of documents."""
    entry = SelectionEntry.objects.filter(application_id=application.pk).select_related("program").first()
    if entry is None or entry.acceptance == P.NOT_ASKED:
        return None
    entry.application = application
    try:
        _ensure_open(entry, now or timezone.now())
        can_answer = True
    except DomainError:
        can_answer = False
    uploads_open = _uploads_open(entry)
    requirements = []
    if entry.acceptance == P.ACCEPTED:
        documents = current_documents(entry)
        for requirement in AgreementRequirement.objects.filter(program_id=entry.program_id):
            document = documents.get(requirement.pk)
            can_upload = uploads_open and not (document and document.status == D.APPROVED)
            kinds = accepted_kinds(requirement)  # what check_upload takes, said before the upload
            requirements.append(
                {
                    "requirement": requirement,
                    "document": document,
                    "can_upload": can_upload,
                    "help": localized(requirement, "help"),
                    "types": kinds_label(kinds),
                    "accept": ",".join(ext for kind in kinds.values() for ext in kind.extensions),
                    "limit_mb": size_limit(requirement) // (1024 * 1024),
                }
            )
    return {"entry": entry, "can_answer": can_answer, "requirements": requirements, "uploads_open": uploads_open}


def seat_counts(*, program: Program) -> dict[str, int]:
    """The program's seats by answer (pending / accepted / declined / lapsed) and agreement (awaiting /
    under review / returned / approved), for the dashboard: one query."""
    from django.db.models import Count, Q

    entries = SelectionEntry.objects.filter(program=program)
    answers = {
        f"acceptance_{a}": Count("pk", filter=Q(acceptance=a)) for a in (P.PENDING, P.ACCEPTED, P.DECLINED, P.LAPSED)
    }
    agreements = {
        f"agreement_{g}": Count("pk", filter=Q(acceptance=P.ACCEPTED, agreement=g))
        for g in (G.AWAITING, G.UNDER_REVIEW, G.RETURNED, G.APPROVED)
    }
    return entries.aggregate(**answers, **agreements)
