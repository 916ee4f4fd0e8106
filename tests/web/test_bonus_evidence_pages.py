"""Bonus evidence pages: the staff list with verify / reject, and the document's download."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from matching.models import BonusEvidence
from tests import factories
from tests.web.conftest import EXE, complete_form, edit_url, pdf

pytestmark = pytest.mark.django_db
S = BonusEvidence.Status


@pytest.fixture
def evidence():
    evaluation_round = factories.EvaluationRoundFactory()
    factories.BonusRuleFactory(
        round=evaluation_round,
        flag="women_owned",
        points=D("2"),
        evidence_required=True,
        evidence_label_ko="여성기업확인서",
    )
    application = factories.ApplicationFactory(program=evaluation_round.program, submitted=True)
    factories.StartupMemberFactory(startup=application.startup)
    return factories.BonusEvidenceFactory(application=application)


def test_staff_see_the_documents_with_a_download_link(staff_client, evidence):
    response = staff_client.get(reverse("admin:matching_bonusevidence_changelist"))

    assert response.status_code == 200
    assert reverse("applications:download", args=[evidence.attachment_id]) in response.content.decode()


def test_staff_filter_the_list_by_status(staff_client, evidence):
    url = reverse("admin:matching_bonusevidence_changelist")

    response = staff_client.get(url, {"status__exact": S.VERIFIED})

    assert reverse("applications:download", args=[evidence.attachment_id]) not in response.content.decode()


def test_staff_verify_a_document_from_the_list(staff_client, evidence):
    staff_client.post(
        reverse("admin:matching_bonusevidence_changelist"),
        {"action": "bonus_evidence_verify", "_selected_action": [evidence.pk]},
    )

    evidence.refresh_from_db()
    assert evidence.status == S.VERIFIED


def test_staff_reject_a_document_with_a_reason_on_the_confirmation_page(staff_client, evidence):
    page = reverse("admin:matching_bonusevidence_reason_action", args=["bonus_evidence_reject"]) + f"?ids={evidence.pk}"
    assert staff_client.get(page).status_code == 200

    staff_client.post(page, {"reason": "유효기간이 지난 확인서입니다."})

    evidence.refresh_from_db()
    assert (evidence.status, evidence.reason) == (S.REJECTED, "유효기간이 지난 확인서입니다.")


def test_a_rejection_without_a_reason_changes_nothing(staff_client, evidence):
    page = reverse("admin:matching_bonusevidence_reason_action", args=["bonus_evidence_reject"]) + f"?ids={evidence.pk}"

    staff_client.post(page, {"reason": ""})

    evidence.refresh_from_db()
    assert evidence.status == S.PENDING


def test_the_bonus_rule_list_shows_whether_evidence_is_required(staff_client, evidence):
    response = staff_client.get(reverse("admin:matching_bonusrule_changelist"))

    assert "여성기업확인서" in response.content.decode()


# ---------------------------------------------------------------- the applicant's pages


@pytest.fixture
def claiming(program, founder, draft):
    """The founder's startup claims women_owned; a round of the program asks for its certificate."""
    evaluation_round = factories.EvaluationRoundFactory(program=program)
    factories.BonusRuleFactory(
        round=evaluation_round,
        flag="women_owned",
        points=D("2"),
        evidence_required=True,
        evidence_label_ko="여성기업확인서",
        evidence_label_en="Women-owned business certificate",
    )
    founder.startup.women_owned = True
    founder.startup.save(update_fields=["women_owned"])
    return draft


def test_the_form_asks_for_the_document_under_the_bonus_it_proves(founder_client, claiming):
    html = founder_client.get(edit_url(claiming)).content.decode()

    assert 'name="evidence_women_owned"' in html
    assert "Women-owned business certificate" in html


def test_the_review_page_names_the_missing_document_before_submitting(founder_client, claiming):
    html = founder_client.get(f"/applications/{claiming.pk}/review/").content.decode()

    assert "Upload Women-owned business certificate" in html  # the founder reads English


def test_a_document_uploaded_with_the_form_awaits_verification(founder_client, claiming, program):
    response = founder_client.post(
        edit_url(claiming), {**complete_form(program), "evidence_women_owned": pdf("certificate.pdf")}
    )

    assert response.status_code == 302
    evidence = BonusEvidence.objects.get(application=claiming)
    assert (evidence.flag, evidence.status) == ("women_owned", S.PENDING)


def test_a_document_that_is_not_a_pdf_is_refused_at_its_field(founder_client, claiming, program):
    response = founder_client.post(
        edit_url(claiming), {**complete_form(program), "evidence_women_owned": pdf("certificate.pdf", EXE)}
    )

    assert response.status_code == 200
    assert 'id="id_evidence_women_owned_error"' in response.content.decode()
    assert not BonusEvidence.objects.exists()


def test_the_status_page_shows_a_rejected_document_with_its_reason(founder_client, claiming):
    factories.BonusEvidenceFactory(application=claiming, status=S.REJECTED, reason="유효기간 만료")

    html = founder_client.get(f"/applications/{claiming.pk}/").content.decode()

    assert "유효기간 만료" in html


def test_the_program_dashboard_counts_documents_by_status_with_links_to_the_list(staff_client, evidence):
    program = evidence.application.program

    html = staff_client.get(reverse("admin:program_dashboard", args=[program.pk])).content.decode()

    assert "확인 대기 1건" in html  # Korean by default
    assert "status__exact=pending" in html


# ---------------------------------------------------------------- the API


@pytest.fixture
def staff_api(staff_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(staff_user)
    return client


def test_staff_list_the_documents_of_a_program_by_status_through_the_api(staff_api, evidence):
    program = evidence.application.program

    rows = staff_api.get("/api/v1/bonus-evidence/", {"program": program.pk, "status": "pending"}).json()["results"]

    assert [row["id"] for row in rows] == [evidence.pk]


def test_staff_reject_a_document_through_the_api_with_a_reason(staff_api, evidence):
    response = staff_api.post(f"/api/v1/bonus-evidence/{evidence.pk}/reject/", {"reason": "만료"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == ("rejected", "만료")


def test_the_api_refuses_a_rejection_without_a_reason(staff_api, evidence):
    response = staff_api.post(f"/api/v1/bonus-evidence/{evidence.pk}/reject/", {}, format="json")

    assert response.status_code == 400  # the body lacks a required field
    evidence.refresh_from_db()
    assert evidence.status == S.PENDING


def test_an_applicant_cannot_verify_through_the_api(evidence):
    from rest_framework.test import APIClient

    member = evidence.application.startup.members.get().user
    client = APIClient()
    client.force_login(member)

    response = client.post(f"/api/v1/bonus-evidence/{evidence.pk}/verify/")

    assert response.status_code == 403
    evidence.refresh_from_db()
    assert evidence.status == S.PENDING


def test_the_applicant_reads_the_state_of_their_documents_under_their_application(evidence):
    from rest_framework.test import APIClient

    member = evidence.application.startup.members.get().user
    client = APIClient()
    client.force_login(member)

    rows = client.get(f"/api/v1/applications/{evidence.application_id}/bonus-evidence/").json()

    assert [(row["flag"], row["status"]) for row in rows] == [("women_owned", "pending")]


def test_another_persons_application_is_a_404(evidence):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(factories.UserFactory())

    response = client.get(f"/api/v1/applications/{evidence.application_id}/bonus-evidence/")

    assert response.status_code == 404
