"""Staff invite evaluators by e-mail; the link lets them set a password and their expertise."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from matching.models import Evaluator
from matching.services.evaluators import evaluator_invite
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def test_staff_invite_an_evaluator_from_the_admin_into_a_rounds_pool(staff_client):
    evaluation_round = factories.EvaluationRoundFactory()

    response = staff_client.post(
        reverse("admin:matching_evaluator_invite"),
        {
            "email": "Reviewer@Example.org",
            "name": "김심사",
            "organisation": "한국벤처투자",
            "round": evaluation_round.pk,
        },
    )

    assert response.status_code == 302
    evaluator = Evaluator.objects.get(user__email="reviewer@example.org")
    assert evaluator.invited_at is not None and not evaluator.user.has_usable_password()
    assert list(evaluation_round.evaluators.all()) == [evaluator]
    invitation = Notification.objects.get(event=Notification.Event.EVALUATOR_INVITED)
    assert invitation.context["accept_path"].startswith("/evaluate/welcome/")


def test_the_invitation_link_sets_the_password_and_profile_and_signs_the_evaluator_in(client, staff_user):
    sector = factories.SectorFactory(code="robotics")
    invitation = evaluator_invite(email="new@example.org", name="", by=staff_user)

    response = client.post(
        invitation.accept_path,
        {
            "name": "박평가",
            "organisation": "KAIST",
            "expertise": [sector.pk],
            "preferred_language": "en",
            "password": "a long passphrase 2026",
            "password_again": "a long passphrase 2026",
        },
    )

    assert response.status_code == 302 and response["Location"] == reverse("evaluator:list")
    user = User.objects.get(email="new@example.org")
    assert user.check_password("a long passphrase 2026") and user.name == "박평가"
    assert list(user.evaluator_profile.expertise.all()) == [sector]
    assert EmailAddress.objects.get(user=user).verified


def test_the_invitation_link_works_once(client, staff_user):
    invitation = evaluator_invite(email="once@example.org", name="한번", by=staff_user)
    data = {
        "name": "한번",
        "preferred_language": "ko",
        "password": "a long passphrase 2026",
        "password_again": "a long passphrase 2026",
    }
    client.post(invitation.accept_path, data)
    client.logout()

    response = client.get(invitation.accept_path)

    assert response.status_code == 400


def test_different_passwords_are_refused_and_nothing_changes(client, staff_user):
    invitation = evaluator_invite(email="typo@example.org", name="오타", by=staff_user)

    response = client.post(
        invitation.accept_path,
        {
            "name": "오타",
            "preferred_language": "ko",
            "password": "a long passphrase 2026",
            "password_again": "different 2026",
        },
    )

    assert response.status_code == 200
    assert not User.objects.get(email="typo@example.org").has_usable_password()


def test_a_made_up_link_is_refused(client):
    response = client.get(reverse("evaluator:welcome", args=["MTIzNDU", "not-a-token"]))

    assert response.status_code == 400


def test_inviting_someone_who_has_an_account_keeps_their_password(staff_user):
    existing = factories.UserFactory(email="member@example.org")

    evaluator_invite(email="member@example.org", name="기존", by=staff_user)

    existing.refresh_from_db()
    assert existing.check_password(factories.TEST_PASSWORD)
    assert Evaluator.objects.filter(user=existing).exists()
