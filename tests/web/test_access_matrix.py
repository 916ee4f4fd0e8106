"""Every role against the pages and downloads: the files each person may fetch, the evaluator's score
sheet only while the assignment is in force, and the names files are served under.

The world is `tests.access_world` (one program, a submitted file and a later draft upload, evaluators in
rounds of every state, a recusal, a current and a former partner member)."""

import pytest
from django.urls import reverse

from tests.access_world import EVALUATORS, FILES_VISIBLE, IN_FORCE, build_desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return build_desk()


@pytest.mark.parametrize("role", list(FILES_VISIBLE))
def test_each_role_downloads_exactly_the_files_it_may_see(role, desk, client):
    client.force_login(desk.users[role])

    statuses = {
        name: client.get(reverse("applications:download", args=[attachment.pk])).status_code
        for name, attachment in desk.files.items()
    }

    assert statuses == {name: 200 if name in FILES_VISIBLE[role] else 404 for name in desk.files}


def test_an_evaluator_in_a_round_still_in_set_up_gets_no_file_and_no_file_name(desk, client):
    client.force_login(desk.users["ev_setup"])

    response = client.get(reverse("applications:download", args=[desk.files["sub"].pk]))

    assert response.status_code == 404
    assert "X_회사소개서" not in response.content.decode()


def test_a_draft_upload_the_applicant_never_submitted_is_not_given_to_the_evaluator(desk, client):
    client.force_login(desk.users["ev_scoring"])

    assert client.get(reverse("applications:download", args=[desk.files["draft"].pk])).status_code == 404
    assert client.get(reverse("applications:download", args=[desk.files["sub"].pk])).status_code == 200


def test_an_anonymous_visitor_is_sent_to_sign_in_for_any_file(desk, client):
    response = client.get(reverse("applications:download", args=[desk.files["sub"].pk]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_the_score_sheet_opens_only_while_the_assignment_is_in_force(evaluator, desk, client):
    client.force_login(desk.users[evaluator])

    response = client.get(reverse("evaluator:detail", args=[desk.assignments[evaluator].pk]))

    assert response.status_code == (200 if evaluator in IN_FORCE else 404)


def test_after_stepping_aside_the_application_is_neither_on_the_sheet_nor_in_the_list(desk, client):
    client.force_login(desk.users["ev_recused"])

    sheet = client.get(reverse("evaluator:detail", args=[desk.assignments["ev_recused"].pk]))
    listing = client.get(reverse("evaluator:list"))

    assert sheet.status_code == 404
    assert "X 프로젝트" not in sheet.content.decode() + listing.content.decode()


@pytest.mark.parametrize("role", ["staff", "applicant", "partner", "ev_other"])
def test_nobody_opens_someone_elses_score_sheet(role, desk, client):
    client.force_login(desk.users[role])

    response = client.get(reverse("evaluator:detail", args=[desk.assignments["ev_scoring"].pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("role", ["ev_scoring", "partner", "former_partner", "asked_to_join", "staff"])
def test_only_an_active_member_opens_the_applicant_pages_of_an_application(role, desk, client):
    client.force_login(desk.users[role])

    response = client.get(reverse("applications:detail", args=[desk.applications["X"].pk]))

    assert response.status_code == 404


def test_an_active_member_opens_their_own_application(desk, client):
    client.force_login(desk.users["applicant"])

    assert client.get(reverse("applications:detail", args=[desk.applications["X"].pk])).status_code == 200


def test_a_blind_round_serves_the_file_under_a_neutral_name(desk, client):
    round_ = desk.assignments["ev_scoring"].round
    round_.blind = True
    round_.save(update_fields=["blind"])
    client.force_login(desk.users["ev_scoring"])

    response = client.get(reverse("applications:download", args=[desk.files["sub"].pk]))

    assert f"document-{desk.files['sub'].pk}.pdf" in response["Content-Disposition"]
