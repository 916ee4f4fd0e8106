"""The API for evidence for bonus points: staff list, verify and reject; the startup reads its own."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from matching.models import BonusEvidence, Program
from matching.services.evidence import bonus_evidence_attach
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
S = BonusEvidence.Status


@pytest.fixture
def evidence():
    program = factories.ProgramFactory(status=Program.Status.OPEN)
    evaluation_round = factories.EvaluationRoundFactory(program=program)
    factories.BonusRuleFactory(round=evaluation_round, flag="women_owned", points=Decimal("2"), evidence_required=True)
    application = factories.ApplicationFactory(program=program)
    application.startup.women_owned = True
    application.startup.save(update_fields=["women_owned"])
    founder = factories.StartupMemberFactory(startup=application.startup).user
    upload = SimpleUploadedFile("여성기업확인서.pdf", PDF, content_type="application/pdf")
    return bonus_evidence_attach(application=application, flag="women_owned", upload=upload, by=founder), founder


def test_staff_list_the_documents_by_program_and_status(staff_api, evidence):
    document, _founder = evidence
    program = document.application.program_id

    pending = staff_api.get(f"/api/v1/bonus-evidence/?program={program}&status=pending").json()["results"]
    verified = staff_api.get(f"/api/v1/bonus-evidence/?program={program}&status=verified").json()["results"]

    assert ([row["id"] for row in pending], verified) == ([document.pk], [])
    assert pending[0]["file_name"] == "여성기업확인서.pdf"


def test_staff_verify_a_document_and_a_second_verification_is_a_409(staff_api, evidence):
    document, _founder = evidence

    verified = staff_api.post(f"/api/v1/bonus-evidence/{document.pk}/verify/")
    again = staff_api.post(f"/api/v1/bonus-evidence/{document.pk}/verify/")

    assert (verified.status_code, verified.json()["status"]) == (200, S.VERIFIED)
    assert (again.status_code, again.json()["code"]) == (409, "transition_not_allowed")


def test_a_rejection_needs_a_reason_which_the_applicant_then_reads(staff_api, session_client, evidence):
    document, founder = evidence
    url = f"/api/v1/bonus-evidence/{document.pk}/reject/"

    without = staff_api.post(url, {})
    unchanged = BonusEvidence.objects.get(pk=document.pk).status
    rejected = staff_api.post(url, {"reason": "유효기간이 지났습니다."})
    mine = session_client(founder).get(f"/api/v1/applications/{document.application_id}/bonus-evidence/").json()

    assert (without.status_code, list(without.json()["fields"]), unchanged) == (400, ["reason"], S.PENDING)
    assert (rejected.status_code, rejected.json()["status"]) == (200, S.REJECTED)
    assert [(row["id"], row["status"], row["reason"]) for row in mine] == [
        (document.pk, S.REJECTED, "유효기간이 지났습니다.")
    ]


def test_an_applicant_reads_only_their_own_and_never_the_staff_list(session_client, evidence):
    document, founder = evidence
    outsider = factories.StartupMemberFactory().user

    theirs = session_client(outsider).get(f"/api/v1/applications/{document.application_id}/bonus-evidence/")
    staff_list = session_client(founder).get("/api/v1/bonus-evidence/")
    verify = session_client(founder).post(f"/api/v1/bonus-evidence/{document.pk}/verify/")

    assert (theirs.status_code, staff_list.status_code, verify.status_code) == (404, 403, 403)
    assert BonusEvidence.objects.get(pk=document.pk).status == S.PENDING


@pytest.mark.parametrize(
    "query",
    ["/api/v1/bonus-evidence/?round=abc", "/api/v1/appeals/?status=", "/api/v1/agreement-documents/?status=nope"],
)
def test_a_filter_value_that_is_not_valid_is_a_400_not_the_whole_list(staff_api, evidence, query):
    response = staff_api.get(query)

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
