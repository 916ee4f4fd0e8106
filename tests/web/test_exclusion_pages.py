"""The applicant's exclusion request page: list with answers, the form before assignment, refusals in words."""

import pytest
from django.urls import reverse

from matching.models import EvaluationRound, ExclusionRequest
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(client):
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SETUP)
    application = factories.ApplicationFactory(program=evaluation_round.program, submitted=True)
    member = factories.StartupMemberFactory(startup=application.startup)
    client.force_login(member.user)
    return application


def url(application):
    return reverse("applications:exclusions", args=[application.pk])


def test_the_status_page_links_to_the_exclusion_requests(client, application):
    response = client.get(reverse("applications:detail", args=[application.pk]))
    assert url(application) in response.content.decode()


def test_a_member_files_a_request_and_sees_it_listed(client, application):
    response = client.post(url(application), {"organisation": "경쟁 투자사", "reason": "경쟁사에 투자한 곳입니다."})

    assert response.status_code == 302
    request = ExclusionRequest.objects.get()
    assert (request.organisation, request.requested_by_id) == ("경쟁 투자사", response.wsgi_request.user.pk)
    assert "경쟁 투자사" in client.get(url(application)).content.decode()


def test_a_request_without_a_reason_is_refused_with_a_message_and_nothing_is_saved(client, application):
    response = client.post(url(application), {"organisation": "경쟁 투자사", "reason": ""})
    assert response.status_code == 400 and response.context["form"].errors["reason"]
    assert not ExclusionRequest.objects.exists()


def test_the_staff_answer_is_shown_to_the_applicant(client, application):
    ExclusionRequest.objects.create(
        application=application, organisation="A사", reason="r", status="refused", answer="근거가 부족합니다."
    )
    assert "근거가 부족합니다." in client.get(url(application)).content.decode()


def test_after_assignment_the_form_is_replaced_by_the_reason(client, application):
    evaluation_round = application.program.rounds.get()
    factories.AssignmentFactory(round=evaluation_round, application=application)

    response = client.get(url(application))

    assert response.context["refusal"] and "<form" not in response.content.decode().split('id="new-title"')[1]
    client.post(url(application), {"organisation": "A", "reason": "r"})
    assert not ExclusionRequest.objects.exists()


def test_another_startups_member_gets_a_404(client, application):
    client.force_login(factories.StartupMemberFactory().user)
    assert client.get(url(application)).status_code == 404
