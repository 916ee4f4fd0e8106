"""The second factor (allauth.mfa): staff must enrol before any admin page, a program may ask it of its
evaluators, anyone else may enable it; the demo's staff authenticator and its code command."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.demo import DEMO_TOTP_SECRET
from matching.demo import STAFF_EMAIL
from tests import factories
from tests.factories import TEST_PASSWORD, EmailAddressFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db

ENROL = "/accounts/2fa/totp/activate/"


@pytest.fixture
def program():
    return factories.ProgramFactory()


def admin_pages(program) -> list[str]:
    return [
        "/admin/",
        "/admin/matching/program/",
        f"/admin/matching/program/{program.pk}/change/",
        "/admin/accounts/user/",
        "/admin/audit/auditevent/",
        "/admin/notifications/notification/",
        reverse("admin:program_dashboard", args=[program.pk]),
    ]


def test_an_unenrolled_staff_member_cannot_open_any_admin_page(client, program):
    client.force_login(UserFactory(staff=True, authenticator=False))

    for url in admin_pages(program):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == ENROL, url


def test_an_unenrolled_staff_member_is_told_why(client, program):
    client.force_login(UserFactory(staff=True, authenticator=False, preferred_language="en"))

    response = client.get("/admin/", follow=True)

    assert b"Staff must set up a second sign-in step (an authenticator app or a passkey)" in response.content


def test_an_enrolled_staff_member_opens_every_admin_page(client, program):
    client.force_login(UserFactory(staff=True))

    for url in admin_pages(program):
        assert client.get(url).status_code == 200, url


def test_a_staff_member_with_only_recovery_codes_must_still_enrol(client):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    staff = UserFactory(staff=True, authenticator=False)
    RecoveryCodes.activate(staff)
    client.force_login(staff)

    assert client.get("/admin/")["Location"] == ENROL


def test_enrolment_opens_the_admin_in_the_same_session(client):
    staff = UserFactory(staff=True, authenticator=False)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302

    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(staff, factories.TEST_TOTP_SECRET)  # the enrolment page's own signal is in the browser test

    assert client.get("/admin/").status_code == 200


def test_an_enrolled_staff_members_admin_pages_do_not_ask_for_the_authenticator_again(client, program):
    client.force_login(UserFactory(staff=True))
    client.get("/admin/matching/program/")

    with CaptureQueriesContext(connection) as queries:
        client.get("/admin/matching/program/")
    assert not [q for q in queries.captured_queries if "mfa_authenticator" in q["sql"]]


def test_staff_sign_in_is_refused_with_a_wrong_code(client):
    EmailAddressFactory(user=UserFactory(staff=True, email="staff@example.com"))
    client.post("/accounts/login/?next=/admin/", {"login": "staff@example.com", "password": TEST_PASSWORD})

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(offset=5)})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_evaluator_of_a_program_that_requires_it_must_enrol_first(client):
    assignment = factories.AssignmentFactory(round__program__evaluators_need_mfa=True)
    client.force_login(assignment.evaluator.user)

    for url in (reverse("evaluator:list"), reverse("evaluator:detail", args=[assignment.pk])):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == ENROL


def test_an_enrolled_evaluator_of_such_a_program_opens_their_assignments(client):
    assignment = factories.AssignmentFactory(
        round__program__evaluators_need_mfa=True, evaluator__user__authenticator=True
    )
    client.force_login(assignment.evaluator.user)

    assert client.get(reverse("evaluator:list")).status_code == 200


def test_other_evaluators_need_no_second_factor(client):
    assignment = factories.AssignmentFactory()
    factories.ProgramFactory(evaluators_need_mfa=True)  # a program they do not evaluate for
    client.force_login(assignment.evaluator.user)

    assert client.get(reverse("evaluator:list")).status_code == 200


def test_evaluators_and_partners_may_enable_it_from_their_account_pages(client):
    assignment = factories.AssignmentFactory()
    client.force_login(assignment.evaluator.user)

    response = client.get("/accounts/2fa/")

    assert response.status_code == 200


def test_the_demo_staff_account_gets_the_demo_authenticator(settings):
    from allauth.mfa.models import Authenticator

    from matching.demo import demo_load

    demo_load(password=settings.MATCHDAY_DEMO_PASSWORD)

    assert Authenticator.objects.filter(user__email=STAFF_EMAIL, type=Authenticator.Type.TOTP).count() == 1


def test_the_demo_code_command_prints_the_demo_accounts_current_code(capsys):
    from accounts.demo import demo_second_factor_ensure

    demo_second_factor_ensure(user=UserFactory(email=STAFF_EMAIL, is_staff=True, authenticator=False))

    call_command("demo_totp_code")

    assert capsys.readouterr().out.strip() == totp_code(DEMO_TOTP_SECRET)


def test_the_demo_code_command_refuses_any_other_account():
    UserFactory(staff=True, email="ops@example.com")  # a TOTP authenticator of its own

    with pytest.raises(CommandError):
        call_command("demo_totp_code", "--email", "ops@example.com")


def test_the_readme_and_make_run_give_the_demo_totp_secret_in_use():
    from pathlib import Path

    from django.conf import settings

    for name in ("README.md", "Makefile"):
        assert DEMO_TOTP_SECRET in (Path(settings.BASE_DIR) / name).read_text(), name
