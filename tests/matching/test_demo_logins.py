"""The demo's logins, one per role: `seed_demo` prints them, the README lists them, and each signs in
with the demo password and lands on a page of its role. The demo is loaded once for the module."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accounts.demo import demo_totp_code
from matching.demo.load import DEMO_LOGINS
from matching.models import Assignment, PartnerMembership
from startups.models import Application

pytestmark = pytest.mark.django_db

README = Path(settings.BASE_DIR) / "README.md"
A = Application.Status


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("demo-media")
    default = {**settings.STORAGES["default"], "OPTIONS": {"location": str(media), "base_url": None}}
    fast_hashing = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        override_settings(STORAGES={**settings.STORAGES, "default": default}, PASSWORD_HASHERS=fast_hashing),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        output = io.StringIO()
        call_command("seed_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


def _login_rows(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines()]


def test_the_logins_cover_staff_evaluator_partner_member_and_applicants_with_a_draft_and_a_submission():
    roles = {login.role for login in DEMO_LOGINS}

    assert roles == {"staff", "evaluator", "partner member", "applicant, draft", "applicant, submitted"}


def test_the_readme_lists_every_demo_login_with_its_role_and_start_page():
    rows = [line for line in README.read_text().splitlines() if line.startswith("| ")]

    for login in DEMO_LOGINS:
        assert any(f"| {login.role} | `{login.email}` | `{login.start}`" in row for row in rows), (
            f"README lacks {login.email}"
        )


def test_seed_demo_prints_every_login_in_a_row_under_the_shared_password(demo_output):
    table = demo_output.split("Demo logins", 1)[1]
    lines = table.splitlines()

    assert settings.MATCHDAY_DEMO_PASSWORD in lines[0]
    for login in DEMO_LOGINS:
        assert any(line.split() == [*login.role.split(), login.email, login.start] for line in lines[1:])


def test_a_second_run_prints_the_same_logins(demo_output):
    output = io.StringIO()

    call_command("seed_demo", stdout=output)

    assert output.getvalue().split("Demo logins", 1)[1] == demo_output.split("Demo logins", 1)[1]


def test_the_applicants_have_a_draft_and_a_submitted_application(demo_output):
    statuses = {
        login.role: set(
            Application.objects.filter(startup__members__user__email=login.email).values_list("status", flat=True)
        )
        for login in DEMO_LOGINS
        if login.role.startswith("applicant")
    }

    assert A.DRAFT in statuses["applicant, draft"]
    assert A.IN_REVIEW in statuses["applicant, submitted"]


def test_the_evaluator_has_assignments_in_a_program_that_needs_no_second_factor(demo_output):
    (evaluator,) = (login for login in DEMO_LOGINS if login.role == "evaluator")
    assignments = Assignment.objects.filter(evaluator__user__email=evaluator.email).select_related("round__program")

    assert assignments
    assert not any(a.round.program.evaluators_need_mfa for a in assignments)


def test_each_partner_member_is_a_current_member_of_a_partner(demo_output):
    emails = [login.email for login in DEMO_LOGINS if login.role == "partner member"]

    assert PartnerMembership.objects.current().filter(user__email__in=emails).count() == len(emails)


@pytest.mark.parametrize(
    "login", [login for login in DEMO_LOGINS if login.role != "staff"], ids=lambda login: login.email
)
def test_each_person_signs_in_with_the_demo_password_and_lands_on_their_page(demo_output, client, login):
    response = client.post(
        f"/accounts/login/?next={login.start}",
        {"login": login.email, "password": settings.MATCHDAY_DEMO_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == login.start
    assert client.get(login.start).status_code == 200


def test_staff_sign_in_with_the_demo_password_and_the_demo_code_and_land_on_the_admin(demo_output, client):
    (staff,) = (login for login in DEMO_LOGINS if login.role == "staff")

    response = client.post(
        f"/accounts/login/?next={staff.start}",
        {"login": staff.email, "password": settings.MATCHDAY_DEMO_PASSWORD},
    )
    assert response.status_code == 302
    response = client.post(response["Location"], {"code": demo_totp_code(email=staff.email)})

    assert response.status_code == 302
    assert response["Location"] == staff.start
    assert client.get(staff.start).status_code == 200
