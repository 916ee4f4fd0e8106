"""The applicant's side of appeals and feedback: the status page's section, the appeal page, the
file download behind the access selector."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from matching.models import Appeal, Assignment, EvaluationRound
from matching.services.appeals import appeal_decide, appeal_file
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def published():
    """A published round sharing everything with an open appeal window, an application that did not
    advance there (rank 3 of 10), its founder, and one submitted review with a comment for them."""
    evaluation_round = factories.EvaluationRoundFactory(
        program=factories.ProgramFactory(reviewing=True),
        status=EvaluationRound.Status.PUBLISHED,
        appeal_days=3,
        appeals_close_at=timezone.now() + dt.timedelta(days=2),
        feedback_score=True,
        feedback_criterion_means=True,
        feedback_comments=True,
    )
    criterion = factories.CriterionFactory(round=evaluation_round, label_en="Technology")
    result = factories.RoundResultFactory(round=evaluation_round, rank=3, final_score=Decimal("64.5"), advanced=False)
    for rank in (1, 2, *range(4, 11)):
        factories.RoundResultFactory(round=evaluation_round, rank=rank)
    review = factories.ReviewFactory(
        assignment__round=evaluation_round,
        assignment__application=result.application,
        assignment__status=Assignment.Status.SUBMITTED,
        submitted_at=timezone.now(),
        comment="staff only remark",
        comment_for_applicant="Show more market evidence.",
    )
    factories.ScoreFactory(review=review, criterion=criterion, value=Decimal("6.5"))
    founder = factories.StartupMemberFactory(startup=result.application.startup).user
    return evaluation_round, result.application, founder


def detail(client, application):
    return client.get(reverse("applications:detail", args=[application.pk]), HTTP_ACCEPT_LANGUAGE="en")


def test_the_status_page_shows_the_feedback_the_round_shares_and_the_appeal_button(client, published):
    evaluation_round, application, founder = published
    client.force_login(founder)

    page = detail(client, application).content.decode()

    assert "Feedback and appeals" in page
    assert "64.50" in page and "top 11–30%" in page and "6.50" in page
    assert "Show more market evidence." in page
    assert "staff only remark" not in page
    assert reverse("applications:appeal_new", args=[application.pk, evaluation_round.pk]) in page


def test_the_status_page_never_names_who_evaluated(client, published):
    _round, application, founder = published
    evaluator = Assignment.objects.select_related("evaluator__user").get(application=application).evaluator
    client.force_login(founder)

    section = detail(client, application).content.decode().split('id="after-publication"', 1)[1]

    assert "Show more market evidence." in section
    for identity in (evaluator.user.name, evaluator.user.email, evaluator.organisation):
        assert identity not in section


def test_a_round_that_shares_nothing_and_has_no_window_adds_no_section(client, published):
    evaluation_round, application, founder = published
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(
        feedback_score=False, feedback_criterion_means=False, feedback_comments=False, appeals_close_at=None
    )
    client.force_login(founder)

    assert "Feedback and appeals" not in detail(client, application).content.decode()


def test_filing_an_appeal_on_its_page_records_it_and_returns_to_the_status_page(client, published):
    evaluation_round, application, founder = published
    client.force_login(founder)
    url = reverse("applications:appeal_new", args=[application.pk, evaluation_round.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "The market score ignores our signed contracts.", "file": ""})

    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.application, appeal.round, appeal.filed_by) == (application, evaluation_round, founder)
    page = detail(client, application).content.decode()
    assert "The market score ignores our signed contracts." in page
    assert reverse("applications:appeal_new", args=[application.pk, evaluation_round.pk]) not in page


def test_an_empty_reason_is_refused_on_the_form_and_nothing_is_filed(client, published):
    evaluation_round, application, founder = published
    client.force_login(founder)

    response = client.post(
        reverse("applications:appeal_new", args=[application.pk, evaluation_round.pk]), {"reason": ""}
    )

    assert response.status_code == 200
    assert "Write the reason for your appeal." in response.content.decode()
    assert not Appeal.objects.exists()


def test_a_file_that_is_not_what_its_name_says_is_refused_on_the_form(client, published):
    evaluation_round, application, founder = published
    client.force_login(founder)
    fake = SimpleUploadedFile("evidence.pdf", b"plain text pretending")

    response = client.post(
        reverse("applications:appeal_new", args=[application.pk, evaluation_round.pk]), {"reason": "x", "file": fake}
    )

    assert response.status_code == 200
    assert "not a file type we accept" in response.content.decode()
    assert not Appeal.objects.exists()


def test_someone_elses_application_has_no_appeal_page(client, published):
    evaluation_round, application, _founder = published
    client.force_login(factories.UserFactory())

    response = client.get(reverse("applications:appeal_new", args=[application.pk, evaluation_round.pk]))

    assert response.status_code == 404


def test_the_staff_answer_appears_on_the_status_page(client, published):
    evaluation_round, application, founder = published
    appeal = appeal_file(application=application, round=evaluation_round, by=founder, reason="Please recheck.")
    appeal_decide(appeal=appeal, by=factories.UserFactory(staff=True), upheld=False, answer="The scores were checked.")
    client.force_login(founder)

    page = detail(client, application).content.decode()

    assert "The scores were checked." in page and "dismissed" in page


def test_the_appeal_file_is_downloaded_by_members_and_staff_only(client, published):
    evaluation_round, application, founder = published
    appeal = appeal_file(
        application=application,
        round=evaluation_round,
        by=founder,
        reason="x",
        upload=SimpleUploadedFile("evidence.pdf", PDF),
    )
    url = reverse("applications:appeal_download", args=[appeal.pk])

    client.force_login(founder)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    client.force_login(factories.UserFactory(staff=True))
    assert client.get(url).status_code == 200
    client.force_login(factories.UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(factories.EvaluatorFactory().user)
    assert client.get(url).status_code == 404


# --- staff, in the admin -----------------------------------------------------------------------


def test_staff_see_the_queue_filtered_by_round_and_status(staff_client, published):
    evaluation_round, application, founder = published
    appeal_file(application=application, round=evaluation_round, by=founder, reason="Please recheck.")

    page = staff_client.get(
        reverse("admin:matching_appeal_changelist") + f"?round__id__exact={evaluation_round.pk}&status__exact=filed"
    )

    assert page.status_code == 200
    assert application.receipt_number in page.content.decode()


def test_staff_uphold_an_appeal_on_the_confirmation_page_and_are_offered_the_next_steps(staff_client, published):
    evaluation_round, application, founder = published
    appeal = appeal_file(application=application, round=evaluation_round, by=founder, reason="Please recheck.")
    url = reverse("admin:matching_appeal_reason_action", args=["appeal_uphold"]) + f"?ids={appeal.pk}"

    assert "Nothing else changes by itself" in staff_client.get(url).content.decode()
    staff_client.post(url, {"reason": "A criterion was entered wrongly; we correct it."})

    appeal.refresh_from_db()
    assert (appeal.status, appeal.answer) == (Appeal.Status.UPHELD, "A criterion was entered wrongly; we correct it.")
    page = staff_client.get(reverse("admin:matching_appeal_change", args=[appeal.pk])).content.decode()
    assert "Let the application advance after the appeal" in page


def test_staff_let_an_upheld_appeal_advance_on_a_confirmation_page_that_names_the_round(staff_client, published):
    evaluation_round, application, founder = published
    factories.EvaluationRoundFactory(program=evaluation_round.program, order=evaluation_round.order + 1)
    application.__class__.objects.filter(pk=application.pk).update(status="not_selected")
    appeal = appeal_file(application=application, round=evaluation_round, by=founder, reason="Please recheck.")
    appeal_decide(appeal=appeal, by=factories.UserFactory(staff=True), upheld=True, answer="We correct it.")
    url = reverse("admin:matching_appeal_reason_action", args=["appeal_reinstate"]) + f"?ids={appeal.pk}"

    assert f"advances from {evaluation_round} after all" in staff_client.get(url).content.decode()
    staff_client.post(url, {"reason": "Market score corrected after the appeal."})

    application.refresh_from_db()
    assert application.status == "advanced"


def test_a_decision_without_an_answer_is_refused_on_the_confirmation_page(staff_client, published):
    evaluation_round, application, founder = published
    appeal = appeal_file(application=application, round=evaluation_round, by=founder, reason="Please recheck.")
    url = reverse("admin:matching_appeal_reason_action", args=["appeal_dismiss"]) + f"?ids={appeal.pk}"

    staff_client.post(url, {"reason": ""})

    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.FILED


def test_the_round_form_carries_the_appeal_and_feedback_settings(staff_client, published):
    evaluation_round, _application, _founder = published

    page = staff_client.get(reverse("admin:matching_evaluationround_change", args=[evaluation_round.pk]))

    body = page.content.decode()
    assert 'name="appeal_days"' in body and 'name="feedback_comments"' in body


def test_the_program_dashboard_counts_appeals_by_status_with_the_open_ones_first(staff_client, published):
    evaluation_round, application, founder = published
    appeal_file(application=application, round=evaluation_round, by=founder, reason="Please recheck.")

    page = staff_client.get(reverse("admin:program_dashboard", args=[evaluation_round.program_id])).content.decode()

    assert "1 appeal awaiting an answer" in page
    assert "0 upheld" in page and "0 dismissed" in page
