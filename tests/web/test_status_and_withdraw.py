"""The status page, the list of applications and withdrawing with confirmation."""

import pytest

from audit.models import AuditEvent
from startups.models import Application
from tests import factories

pytestmark = pytest.mark.django_db


def withdraw_url(application):
    return f"/applications/{application.pk}/withdraw/"


@pytest.fixture
def submitted(founder_client, complete_draft):
    founder_client.post(f"/applications/{complete_draft.pk}/submit/")
    complete_draft.refresh_from_db()
    return complete_draft


def test_the_status_page_shows_the_receipt_the_badge_and_the_times(founder_client, submitted):
    html = founder_client.get(f"/applications/{submitted.pk}/").content.decode()

    assert f'<strong class="receipt-number">{submitted.receipt_number}</strong>' in html
    assert '<span class="badge badge--submitted badge--large">submitted</span>' in html
    assert "First submitted" in html and "Last submitted" in html
    assert f'href="/applications/{submitted.pk}/edit/"' in html
    assert f'href="{withdraw_url(submitted)}"' in html


def test_a_status_under_review_shows_only_the_badge_and_no_round_results(founder_client, founder):
    application = factories.ApplicationFactory(startup=founder.startup, in_review=True)
    factories.RoundResultFactory(application=application, round__program=application.program, rank=3)

    html = founder_client.get(f"/applications/{application.pk}/").content.decode()

    assert '<span class="badge badge--in_review badge--large">in review</span>' in html
    assert "71.5" not in html and "rank" not in html.lower()


def test_the_withdraw_page_asks_for_confirmation(founder_client, submitted):
    html = founder_client.get(withdraw_url(submitted)).content.decode()

    assert 'type="checkbox" name="understood"' in html
    assert 'name="reason"' in html
    assert submitted.status == Application.Status.SUBMITTED


def test_withdrawing_without_ticking_the_box_changes_nothing(founder_client, submitted):
    response = founder_client.post(withdraw_url(submitted), {"reason": "사업 방향 변경"})

    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED
    assert 'id="id_understood_error"' in response.content.decode()


def test_withdrawing_with_confirmation_withdraws_and_keeps_the_reason(founder_client, submitted):
    response = founder_client.post(
        withdraw_url(submitted), {"understood": "on", "reason": "사업 방향 변경"}, follow=True
    )

    submitted.refresh_from_db()
    assert submitted.status == Application.Status.WITHDRAWN
    assert AuditEvent.objects.filter(verb="status_changed", to_state="withdrawn", reason="사업 방향 변경").exists()
    html = response.content.decode()
    assert "Your application was withdrawn." in html
    assert f'href="{withdraw_url(submitted)}"' not in html
    assert f'href="/applications/{submitted.pk}/edit/"' not in html


def test_a_withdrawn_application_cannot_be_withdrawn_again(founder_client, submitted):
    founder_client.post(withdraw_url(submitted), {"understood": "on"})

    response = founder_client.post(withdraw_url(submitted), {"understood": "on"})

    assert response.status_code == 200
    assert "can no longer be withdrawn" in response.content.decode()


def test_the_list_shows_each_application_with_its_status_and_next_action(founder_client, founder, draft, submitted):
    older = factories.ApplicationFactory(startup=founder.startup, status=Application.Status.WITHDRAWN)

    html = founder_client.get("/applications/").content.decode()

    assert '<span class="badge badge--submitted">submitted</span>' in html
    assert '<span class="badge badge--withdrawn">withdrawn</span>' in html
    assert f'href="/applications/{submitted.pk}/edit/"' in html  # open: can still edit
    assert f'href="/applications/{older.pk}/edit/"' not in html


def test_the_list_offers_to_continue_a_draft(founder_client, draft):
    html = founder_client.get("/applications/").content.decode()

    assert f'class="btn btn--primary" href="/applications/{draft.pk}/edit/">Continue' in html


def test_someone_without_applications_is_pointed_to_the_open_calls(client):
    client.force_login(factories.UserFactory(preferred_language="en"))

    html = client.get("/applications/").content.decode()

    assert "You have no applications yet." in html
    assert 'href="/startup/"' in html
