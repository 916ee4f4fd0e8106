"""Evidence for bonus points: upload, verification, and what the computation counts."""

from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from core.errors import DomainError
from matching.models import BonusEvidence, EvaluationRound, Program, RoundResult
from matching.services.evidence import (
    bonus_evidence_attach,
    bonus_evidence_counts,
    bonus_evidence_problems,
    bonus_evidence_reject,
    bonus_evidence_verify,
)
from matching.services.scoring import results_compute
from notifications.models import Notification
from startups.models import Attachment
from tests import factories
from tests.matching.test_results_compute import add_application, make_round
from tests.matching.test_seed_demo import demo as demo  # the seeded demo, once for this module

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
S = BonusEvidence.Status


def upload(content=PDF, name="여성기업확인서.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def draft():
    program = factories.ProgramFactory(status=Program.Status.OPEN)
    evaluation_round = factories.EvaluationRoundFactory(program=program)
    factories.BonusRuleFactory(
        round=evaluation_round,
        flag="women_owned",
        points=D("2"),
        evidence_required=True,
        evidence_label_ko="여성기업확인서",
        evidence_label_en="Women-owned business certificate",
    )
    founder = factories.UserFactory()
    application = factories.ApplicationFactory(program=program)
    application.startup.women_owned = True
    application.startup.save(update_fields=["women_owned"])
    factories.StartupMemberFactory(startup=application.startup, user=founder)
    return application, founder


def test_a_claimed_flag_whose_rule_asks_for_evidence_is_a_submission_problem_naming_the_document(draft):
    application, _founder = draft

    problems = bonus_evidence_problems(application)

    assert list(problems) == ["evidence:women_owned"]
    assert "여성기업확인서" in problems["evidence:women_owned"][0]


def test_a_flag_the_startup_does_not_claim_asks_for_no_document(draft):
    application, _founder = draft
    application.startup.women_owned = False
    application.startup.save(update_fields=["women_owned"])

    assert bonus_evidence_problems(application) == {}


def test_an_uploaded_document_awaits_verification_and_clears_the_problem(draft):
    application, founder = draft

    evidence = bonus_evidence_attach(application=application, flag="women_owned", upload=upload(), by=founder)

    assert evidence.status == S.PENDING
    assert evidence.attachment.kind == Attachment.Kind.BONUS_EVIDENCE
    assert bonus_evidence_problems(application) == {}


def test_a_program_renamed_to_pdf_is_refused_and_no_row_is_made(draft):
    application, founder = draft

    with pytest.raises(DomainError) as refused:
        bonus_evidence_attach(application=application, flag="women_owned", upload=upload(EXE), by=founder)

    assert refused.value.code == "file_type_refused"
    assert not BonusEvidence.objects.exists()


def test_a_document_for_a_flag_no_rule_asks_evidence_for_is_refused(draft):
    application, founder = draft

    with pytest.raises(DomainError) as refused:
        bonus_evidence_attach(application=application, flag="social_venture", upload=upload(), by=founder)

    assert refused.value.code == "evidence_not_required"


def test_a_replaced_document_sets_a_verified_row_back_to_pending(draft, staff_user):
    application, founder = draft
    first = bonus_evidence_attach(application=application, flag="women_owned", upload=upload(), by=founder)
    bonus_evidence_verify(evidence=first, by=staff_user)

    again = bonus_evidence_attach(application=application, flag="women_owned", upload=upload(), by=founder)

    assert again.pk == first.pk
    assert (again.status, again.reviewed_by, again.attachment_id) == (S.PENDING, None, again.attachment_id)
    assert Attachment.objects.get(pk=first.attachment_id).detached_at is not None


def test_verifying_is_audited_and_tells_the_startups_members(draft, staff_user):
    application, founder = draft
    evidence = bonus_evidence_attach(application=application, flag="women_owned", upload=upload(), by=founder)

    verified = bonus_evidence_verify(evidence=evidence, by=staff_user)

    assert (verified.status, verified.reviewed_by) == (S.VERIFIED, staff_user)
    assert AuditEvent.objects.filter(verb="status_changed", to_state=S.VERIFIED).exists()
    message = Notification.objects.get(event=Notification.Event.EVIDENCE_REVIEWED)
    assert (message.recipient, message.context["verified"]) == (founder, True)


def test_rejecting_without_a_reason_is_refused_and_changes_nothing(draft, staff_user):
    application, founder = draft
    evidence = bonus_evidence_attach(application=application, flag="women_owned", upload=upload(), by=founder)

    with pytest.raises(DomainError) as refused:
        bonus_evidence_reject(evidence=evidence, by=staff_user, reason="  ")

    assert refused.value.code == "reason_required"
    assert BonusEvidence.objects.get(pk=evidence.pk).status == S.PENDING


def test_rejecting_keeps_the_reason_for_the_applicant(draft, staff_user):
    application, founder = draft
    evidence = bonus_evidence_attach(application=application, flag="women_owned", upload=upload(), by=founder)

    rejected = bonus_evidence_reject(evidence=evidence, by=staff_user, reason="유효기간이 지났습니다.")

    assert (rejected.status, rejected.reason) == (S.REJECTED, "유효기간이 지났습니다.")
    assert Notification.objects.get().context["reason"] == "유효기간이 지났습니다."


def test_the_dashboard_counts_documents_by_status(draft, staff_user):
    application, _founder = draft
    factories.BonusEvidenceFactory(application=application, status=S.VERIFIED)
    factories.BonusEvidenceFactory(application=application, flag="social_venture")

    assert bonus_evidence_counts(program=application.program) == {"pending": 1, "verified": 1, "rejected": 0}


# ---------------------------------------------------------------- the computation


def evidence_round():
    """Three applications claiming women_owned (+3, rule asks evidence) and social_venture (+1, no evidence);
    cap 10. Each review total is 3·tech + 15 + 20 with tech 5 for every evaluator: aggregate 50."""
    evaluation_round = make_round(0, bonus_cap=D("10"))
    criteria = list(evaluation_round.criteria.order_by("order"))
    panel = factories.EvaluatorFactory.create_batch(2)
    track = factories.TrackFactory(program=evaluation_round.program)
    factories.BonusRuleFactory(round=evaluation_round, flag="women_owned", points=D("3"), evidence_required=True)
    factories.BonusRuleFactory(round=evaluation_round, flag="social_venture", points=D("1.5"))
    applications = []
    for _ in range(3):
        application = add_application(evaluation_round, criteria, panel, track, values=[5, 5])
        application.startup.women_owned = application.startup.social_venture = True
        application.startup.save(update_fields=["women_owned", "social_venture"])
        applications.append(application)
    return evaluation_round, applications


def test_only_a_verified_document_makes_its_bonus_count(staff_user):
    evaluation_round, (verified, rejected, without) = evidence_round()
    factories.BonusEvidenceFactory(application=verified, status=S.VERIFIED)
    factories.BonusEvidenceFactory(application=rejected, status=S.REJECTED, reason="만료")

    results_compute(round=evaluation_round, by=staff_user)

    bonus = dict(RoundResult.objects.filter(round=evaluation_round).values_list("application_id", "bonus"))
    # 3 + 1.5 verified; 1.5 alone (women_owned rejected); 1.5 alone (no document at all)
    assert bonus == {verified.pk: D("4.50"), rejected.pk: D("1.50"), without.pk: D("1.50")}
    score = RoundResult.objects.get(round=evaluation_round, application=verified).round_score
    assert score == D("54.5000")


def test_the_computation_refuses_while_a_document_awaits_verification(staff_user):
    evaluation_round, (first, second, _third) = evidence_round()
    factories.BonusEvidenceFactory(application=first)
    factories.BonusEvidenceFactory(application=second)

    with pytest.raises(DomainError) as refused:
        results_compute(round=evaluation_round, by=staff_user, allow_missing=True)

    assert refused.value.code == "evidence_pending"
    assert "증빙서류 2건" in refused.value.message  # Korean by default
    assert f"/admin/matching/bonusevidence/?round={evaluation_round.pk}&status__exact=pending" in refused.value.message
    assert EvaluationRound.objects.get(pk=evaluation_round.pk).status == EvaluationRound.Status.CLOSED


def test_a_pending_document_of_a_withdrawn_application_holds_nothing_up(staff_user):
    evaluation_round, (first, _second, _third) = evidence_round()
    factories.BonusEvidenceFactory(application=first)
    first.status = first.Status.WITHDRAWN
    first.save(update_fields=["status"])

    results_compute(round=evaluation_round, by=staff_user)

    assert RoundResult.objects.filter(round=evaluation_round).count() == 2


def test_the_evidence_rule_costs_the_computation_no_query_beyond_the_check(staff_user, django_assert_num_queries):
    plain = make_round(2)
    with CaptureQueriesContext(connection) as baseline:
        results_compute(round=plain, by=staff_user)
    expected = len(baseline.captured_queries)

    evaluation_round, applications = evidence_round()
    factories.BonusEvidenceFactory(application=applications[0], status=S.VERIFIED)
    with django_assert_num_queries(expected):
        results_compute(round=evaluation_round, by=staff_user)


def test_submission_is_refused_without_the_document_and_names_it(draft):
    from startups.services.applications import ApplicationIncomplete, application_submit

    application, founder = draft

    with pytest.raises(ApplicationIncomplete) as refused:
        application_submit(application_id=application.pk, by=founder, consent_given=True)

    assert "여성기업확인서" in refused.value.problems["evidence:women_owned"][0]


# ---------------------------------------------------------------- the demo


def test_the_demo_shows_a_verified_a_pending_and_a_rejected_document(demo):
    rows = BonusEvidence.objects.filter(application__program=demo.program)

    assert sorted(rows.values_list("status", flat=True)) == [S.PENDING, S.REJECTED, S.VERIFIED]
    assert rows.get(status=S.REJECTED).reason
    rule = demo.program.rounds.get(order=1).bonus_rules.get(flag="women_owned")
    assert (rule.evidence_required, rule.evidence_label_ko) == (True, "여성기업확인서")
