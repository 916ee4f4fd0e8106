"""Acceptance of a seat after the final selection, its lapse, and the agreement (협약) documents."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from core.errors import DomainError
from matching.models import AgreementDocument, SelectionEntry
from matching.services.acceptance import (
    acceptance_extend,
    acceptances_lapse,
    agreement_document_approve,
    agreement_document_return,
    agreement_document_upload,
    respond_by_for,
    selection_accept,
    selection_decline,
)
from notifications.models import Notification, WebhookDelivery
from startups.models import Application, StartupMember
from tests import factories
from tests.matching.test_selection import entry_of, events_of, finalised_program

pytestmark = pytest.mark.django_db

P = SelectionEntry.Acceptance
G = SelectionEntry.Agreement
D = AgreementDocument.Status
A = Application.Status
E = Notification.Event
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def member_of(application):
    return StartupMember.objects.active().filter(startup=application.startup).first().user


def pdf(name="agreement.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_finalising_offers_each_selected_startup_its_seat_until_the_end_of_the_deadline_day():
    program, applications = finalised_program()
    entry = entry_of(applications[0])

    assert entry.acceptance == P.PENDING
    local = timezone.localtime(entry.respond_by, dt.timezone(dt.timedelta(hours=9)))
    assert (local.hour, local.minute) == (23, 59)
    assert entry.respond_by == respond_by_for(program, now=entry.created_at)
    assert entry_of(applications[2]).acceptance == P.NOT_ASKED  # a reserve is not asked


def test_finalising_queues_one_acceptance_request_per_active_member_of_each_selected_startup():
    program, applications = finalised_program()

    requested = Notification.objects.filter(event=E.ACCEPTANCE_REQUESTED)
    assert sorted(requested.values_list("object_id", flat=True)) == sorted(str(a.pk) for a in applications[:2])


def test_a_member_accepting_confirms_the_seat_and_the_agreement_awaits_documents():
    program, applications = finalised_program()
    factories.AgreementRequirementFactory(program=program)
    entry = entry_of(applications[0])

    accepted = selection_accept(entry=entry, by=member_of(applications[0]))

    assert (accepted.acceptance, accepted.agreement) == (P.ACCEPTED, G.AWAITING)
    assert accepted.confirmed_at is not None
    assert Notification.objects.filter(event=E.ACCEPTANCE_RECORDED, object_id=str(applications[0].pk)).exists()
    assert events_of(entry, "acceptance_changed")[-1].to_state == P.ACCEPTED


def test_without_agreement_requirements_an_acceptance_approves_the_agreement_at_once():
    program, applications = finalised_program()

    accepted = selection_accept(entry=entry_of(applications[0]), by=member_of(applications[0]))

    assert accepted.agreement == G.APPROVED
    assert accepted.agreement_approved_at is not None


def test_someone_outside_the_startup_cannot_accept_its_seat():
    program, applications = finalised_program()

    with pytest.raises(DomainError, match="Only the startup's members"):
        selection_accept(entry=entry_of(applications[0]), by=member_of(applications[1]))
    assert entry_of(applications[0]).acceptance == P.PENDING


def test_a_late_acceptance_is_refused_with_the_deadline_named():
    program, applications = finalised_program()
    entry = entry_of(applications[0])

    with pytest.raises(DomainError, match="The deadline to accept this seat was .* KST; it has passed"):
        selection_accept(entry=entry, by=member_of(applications[0]), now=entry.respond_by + dt.timedelta(minutes=1))
    assert entry_of(applications[0]).acceptance == P.PENDING


def test_accepting_twice_is_refused():
    program, applications = finalised_program()
    selection_accept(entry=entry_of(applications[0]), by=member_of(applications[0]))

    with pytest.raises(DomainError, match="already answered"):
        selection_accept(entry=entry_of(applications[0]), by=member_of(applications[0]))


def test_a_decline_without_a_reason_is_refused_and_changes_nothing():
    program, applications = finalised_program()

    with pytest.raises(DomainError, match="Say why"):
        selection_decline(entry=entry_of(applications[0]), by=member_of(applications[0]), reason="  ")
    assert entry_of(applications[0]).acceptance == P.PENDING


def test_declining_withdraws_the_application_and_the_first_reserve_takes_the_seat_and_is_asked():
    program, applications = finalised_program()
    declined_app, reserve_app = applications[0], applications[2]

    declined = selection_decline(entry=entry_of(declined_app), by=member_of(declined_app), reason="Investment closed")

    assert (declined.acceptance, declined.decline_reason) == (P.DECLINED, "Investment closed")
    declined_app.refresh_from_db()
    assert declined_app.status == A.WITHDRAWN
    promoted = entry_of(reserve_app)
    assert (promoted.outcome, promoted.position, promoted.acceptance) == ("selected", 1, P.PENDING)
    assert promoted.respond_by is not None
    assert Notification.objects.filter(event=E.ACCEPTANCE_REQUESTED, object_id=str(reserve_app.pk)).exists()
    assert Notification.objects.filter(event=E.ACCEPTANCE_RECORDED, object_id=str(declined_app.pk)).exists()


def test_a_decline_emits_the_selection_declined_webhook():
    factories.WebhookSubscriptionFactory(events=["selection.declined"])
    program, applications = finalised_program()

    selection_decline(entry=entry_of(applications[0]), by=member_of(applications[0]), reason="No")

    delivery = WebhookDelivery.objects.get(event="selection.declined")
    assert delivery.payload["data"]["reason"] == "declined"


def test_a_seat_withdrawn_while_its_offer_awaits_an_answer_no_longer_awaits_one():
    from startups.services.staff import application_withdraw

    program, applications = finalised_program()
    staff = factories.UserFactory(is_staff=True)

    application_withdraw(application=applications[0], by=staff, reason="Company closed")

    withdrawn = entry_of(applications[0])
    assert (withdrawn.acceptance, withdrawn.decline_reason) == (P.DECLINED, "Company closed")
    assert entry_of(applications[2]).acceptance == P.PENDING  # the promoted reserve is asked


def test_staff_may_record_an_answer_given_another_way():
    program, applications = finalised_program()

    accepted = selection_accept(
        entry=entry_of(applications[0]), by=factories.UserFactory(is_staff=True), reason="By phone"
    )

    assert accepted.acceptance == P.ACCEPTED


def test_unanswered_seats_lapse_after_the_deadline_and_the_reserve_is_promoted_once():
    program, applications = finalised_program()
    entry = entry_of(applications[0])
    later = entry.respond_by + dt.timedelta(seconds=1)

    assert acceptances_lapse(now=later) == 2
    # The promoted reserves' offers run from the real clock; move them past `later` to see a rerun do nothing.
    SelectionEntry.objects.filter(acceptance=P.PENDING).update(respond_by=later + dt.timedelta(days=1))
    assert acceptances_lapse(now=later) == 0  # safe to run twice
    assert entry_of(applications[0]).acceptance == P.LAPSED
    assert [entry_of(a).outcome for a in applications[2:4]] == ["selected", "selected"]
    assert Notification.objects.filter(event=E.ACCEPTANCE_LAPSED).count() == 2


def test_nothing_lapses_before_the_deadline():
    program, applications = finalised_program()

    assert acceptances_lapse(now=entry_of(applications[0]).respond_by) == 0


def test_staff_extend_a_deadline_with_a_reason_and_the_seat_no_longer_lapses_then():
    program, applications = finalised_program()
    entry = entry_of(applications[0])
    old = entry.respond_by

    acceptance_extend(entry=entry, by="staff", respond_by=old + dt.timedelta(days=3), reason="Holiday")

    assert acceptances_lapse(now=old + dt.timedelta(days=1)) == 1  # only the other one
    assert entry_of(applications[0]).acceptance == P.PENDING


def _accepted_with(program, applications, count=1):
    requirements = [factories.AgreementRequirementFactory(program=program) for _ in range(count)]
    selection_accept(entry=entry_of(applications[0]), by=member_of(applications[0]))
    return entry_of(applications[0]), requirements


def test_an_upload_of_the_wrong_kind_is_refused_by_its_content():
    program, applications = finalised_program()
    entry, (requirement,) = _accepted_with(program, applications)

    with pytest.raises(DomainError, match="takes only PDF"):
        agreement_document_upload(
            entry=entry, requirement=requirement, upload=pdf("a.pdf", PNG), by=member_of(applications[0])
        )
    assert not AgreementDocument.objects.exists()


def test_the_agreement_is_under_review_once_every_requirement_has_a_document():
    program, applications = finalised_program()
    entry, (first, second) = _accepted_with(program, applications, count=2)
    member = member_of(applications[0])

    agreement_document_upload(entry=entry, requirement=first, upload=pdf(), by=member)
    assert entry_of(applications[0]).agreement == G.AWAITING
    agreement_document_upload(entry=entry, requirement=second, upload=pdf(), by=member)
    assert entry_of(applications[0]).agreement == G.UNDER_REVIEW


def test_a_returned_document_needs_a_comment_returns_the_agreement_and_a_new_upload_replaces_it():
    program, applications = finalised_program()
    entry, (requirement,) = _accepted_with(program, applications)
    member = member_of(applications[0])
    document = agreement_document_upload(entry=entry, requirement=requirement, upload=pdf(), by=member)
    staff = factories.UserFactory(is_staff=True)

    with pytest.raises(DomainError, match="Say what should change"):
        agreement_document_return(document=document, by=staff, comment="")
    agreement_document_return(document=document, by=staff, comment="Sign page 3")
    assert entry_of(applications[0]).agreement == G.RETURNED
    assert Notification.objects.filter(event=E.AGREEMENT_REVIEWED).count() == 1

    agreement_document_upload(entry=entry, requirement=requirement, upload=pdf(), by=member)
    document.refresh_from_db()
    assert document.status == D.REPLACED
    assert entry_of(applications[0]).agreement == G.UNDER_REVIEW


def test_approving_every_current_document_approves_the_agreement():
    factories.WebhookSubscriptionFactory(events=["agreement.approved"])
    program, applications = finalised_program()
    entry, (requirement,) = _accepted_with(program, applications)
    document = agreement_document_upload(
        entry=entry, requirement=requirement, upload=pdf(), by=member_of(applications[0])
    )

    agreement_document_approve(document=document, by=factories.UserFactory(is_staff=True))

    approved = entry_of(applications[0])
    assert (approved.agreement, approved.agreement_approved_at is not None) == (G.APPROVED, True)
    assert WebhookDelivery.objects.filter(event="agreement.approved").count() == 1


def test_with_two_documents_the_agreement_follows_both_one_approved_and_one_returned_then_replaced():
    program, applications = finalised_program()
    entry, (first, second) = _accepted_with(program, applications, count=2)
    member, staff = member_of(applications[0]), factories.UserFactory(is_staff=True)
    one = agreement_document_upload(entry=entry, requirement=first, upload=pdf(), by=member)
    two = agreement_document_upload(entry=entry, requirement=second, upload=pdf(), by=member)

    agreement_document_return(document=two, by=staff, comment="Sign page 3")
    agreement_document_approve(document=one, by=staff)
    assert entry_of(applications[0]).agreement == G.RETURNED  # the approval does not hide the returned file

    again = agreement_document_upload(entry=entry, requirement=second, upload=pdf(), by=member)
    assert entry_of(applications[0]).agreement == G.UNDER_REVIEW
    agreement_document_approve(document=again, by=staff)
    assert entry_of(applications[0]).agreement == G.APPROVED


def test_only_staff_review_agreement_documents():
    program, applications = finalised_program()
    entry, (requirement,) = _accepted_with(program, applications)
    member = member_of(applications[0])
    document = agreement_document_upload(entry=entry, requirement=requirement, upload=pdf(), by=member)

    with pytest.raises(DomainError, match="Only staff"):
        agreement_document_approve(document=document, by=member)


def test_documents_are_refused_before_the_seat_is_accepted():
    program, applications = finalised_program()
    requirement = factories.AgreementRequirementFactory(program=program)

    with pytest.raises(DomainError, match="after accepting the seat"):
        agreement_document_upload(
            entry=entry_of(applications[0]), requirement=requirement, upload=pdf(), by=member_of(applications[0])
        )


def test_the_beat_schedule_runs_the_lapse_task_which_releases_nothing_before_a_deadline():
    from matching.tasks import lapse_acceptances

    finalised_program()

    assert settings.CELERY_BEAT_SCHEDULE["acceptances-lapse"]["task"] == "matching.tasks.lapse_acceptances"
    assert lapse_acceptances() == 0


# --- the admin -------------------------------------------------------------------------------------


def _uploaded(program, applications):
    entry, (requirement,) = _accepted_with(program, applications)
    return agreement_document_upload(entry=entry, requirement=requirement, upload=pdf(), by=member_of(applications[0]))


def test_the_selection_list_in_the_admin_shows_each_seats_answer_and_agreement(staff_client):
    program, applications = finalised_program()
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = staff_client.get(reverse("admin:matching_selectionentry_changelist"))

    assert page.status_code == 200
    assert "awaiting an answer" in page.content.decode()


def test_staff_record_a_decline_through_the_confirmation_page_with_a_reason(staff_client):
    program, applications = finalised_program()
    entry = entry_of(applications[0])
    url = reverse("admin:matching_selectionentry_reason_action", args=["seat_decline_for_startup"]) + f"?ids={entry.pk}"
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    assert "first reserve takes the seat" in staff_client.get(url).content.decode()
    staff_client.post(url, {"reason": "Called us: no longer interested"})

    assert entry_of(applications[0]).acceptance == P.DECLINED
    assert entry_of(applications[2]).acceptance == P.PENDING


def test_staff_extend_a_deadline_from_the_admin(staff_client):
    program, applications = finalised_program()
    entry = entry_of(applications[0])
    url = reverse("admin:matching_selectionentry_reason_action", args=["seat_extend_deadline"]) + f"?ids={entry.pk}"

    staff_client.post(url, {"reason": "Public holiday"})

    assert entry_of(applications[0]).respond_by == entry.respond_by + dt.timedelta(days=program.acceptance_days)


def test_staff_return_an_agreement_file_in_the_admin_only_with_a_comment(staff_client):
    program, applications = finalised_program()
    document = _uploaded(program, applications)
    url = reverse("admin:matching_agreementdocument_reason_action", args=["agreement_return"]) + f"?ids={document.pk}"

    staff_client.post(url, {"reason": ""})
    document.refresh_from_db()
    assert document.status == D.SUBMITTED
    staff_client.post(url, {"reason": "Sign page 3"})
    document.refresh_from_db()
    assert (document.status, document.comment) == (D.RETURNED, "Sign page 3")


def test_staff_approve_an_agreement_file_in_the_admin_and_the_agreement_is_approved(staff_client):
    program, applications = finalised_program()
    document = _uploaded(program, applications)
    url = reverse("admin:matching_agreementdocument_reason_action", args=["agreement_approve"]) + f"?ids={document.pk}"

    staff_client.post(url, {})

    assert entry_of(applications[0]).agreement == G.APPROVED
    listing = staff_client.get(reverse("admin:matching_agreementdocument_changelist") + "?status__exact=approved")
    assert document.original_name in listing.content.decode()


def test_the_program_page_in_the_admin_has_the_agreement_requirements_inline(staff_client):
    program, applications = finalised_program()
    factories.AgreementRequirementFactory(program=program, label_ko="통장 사본")

    page = staff_client.get(reverse("admin:matching_program_change", args=[program.pk]))

    assert "통장 사본" in page.content.decode()


# --- the demo --------------------------------------------------------------------------------------


def test_the_demo_shows_an_approved_a_pending_a_declined_with_a_promoted_reserve_and_a_returned_seat_once():
    from matching.demo.accept import accept_ensure

    program, applications = finalised_program(quota=4, reserve_size=2, outcomes="aaaaaan")
    # The demo program is finalised with its seats not yet offered.
    SelectionEntry.objects.update(acceptance=P.NOT_ASKED, respond_by=None)
    staff = factories.UserFactory(is_staff=True)

    assert accept_ensure(program=program, staff=staff, saved_files=[]) == 5
    assert accept_ensure(program=program, staff=staff, saved_files=[]) == 0

    states = [(entry_of(a).acceptance, entry_of(a).agreement) for a in applications[:5]]
    assert states == [
        (P.ACCEPTED, G.APPROVED),
        (P.PENDING, G.NOT_STARTED),
        (P.DECLINED, G.NOT_STARTED),
        (P.ACCEPTED, G.RETURNED),
        (P.PENDING, G.NOT_STARTED),  # the reserve promoted to the declined seat
    ]
    assert entry_of(applications[4]).position == 3
    assert AgreementDocument.objects.get(status=D.RETURNED).comment


def test_the_program_dashboard_counts_seats_by_answer_and_agreement(staff_client):
    program, applications = finalised_program()
    selection_decline(entry=entry_of(applications[1]), by=member_of(applications[1]), reason="No")
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = staff_client.get(reverse("admin:program_dashboard", args=[program.pk])).content.decode()

    assert "2 awaiting an answer" in page  # the first and the promoted reserve
    assert "1 declined" in page


def test_the_selection_export_carries_each_seats_acceptance_and_agreement():
    from matching.exports import selection_header, selection_rows

    program, applications = finalised_program()
    selection_decline(entry=entry_of(applications[0]), by=member_of(applications[0]), reason="Too busy")

    rows = {row[3]: row for row in selection_rows(SelectionEntry.objects.filter(program=program))}
    header = selection_header()
    declined = dict(zip(header, rows[applications[0].receipt_number], strict=True))

    assert (declined["acceptance"], declined["reason for declining"]) == ("declined", "Too busy")
