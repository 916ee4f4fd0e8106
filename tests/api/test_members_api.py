"""The API for a startup's members and per-applicant deadlines: the same services as the pages."""

import datetime as dt

import pytest
from django.utils import timezone

from startups.models import PersonalDeadline, StartupMember
from startups.services.members import member_remove
from tests import factories

pytestmark = pytest.mark.django_db
M = StartupMember


@pytest.fixture
def team():
    owner = factories.StartupMemberFactory(role=M.Role.OWNER)
    member = factories.StartupMemberFactory(startup=owner.startup, role=M.Role.MEMBER)
    return owner, member


def test_a_member_lists_their_startups_members(session_client, team):
    owner, member = team
    factories.StartupMemberFactory()  # another startup's

    rows = session_client(member.user).get("/api/v1/startup-members/").json()["results"]

    assert {row["id"] for row in rows} == {owner.pk, member.pk}


def test_the_owner_removes_a_member(session_client, team):
    owner, member = team

    response = session_client(owner.user).post(f"/api/v1/startup-members/{member.pk}/remove/", {"reason": "퇴사"})

    assert (response.status_code, response.json()["status"]) == (200, "removed")


def test_removing_the_last_owner_is_a_409_with_its_code(session_client, team):
    owner, _member = team

    response = session_client(owner.user).post(f"/api/v1/startup-members/{owner.pk}/remove/")

    assert (response.status_code, response.json()["code"]) == (409, "last_owner")


def test_an_api_key_cannot_remove_members(key_client, team):
    owner, member = team

    response = key_client(owner.user).post(f"/api/v1/startup-members/{member.pk}/remove/")

    assert response.status_code == 403
    member.refresh_from_db()
    assert member.status == M.Status.ACTIVE


def test_the_owner_hands_ownership_over(session_client, team):
    owner, member = team

    response = session_client(owner.user).post(f"/api/v1/startup-members/{member.pk}/make-owner/")

    assert (response.status_code, response.json()["role"]) == (200, "owner")


def test_a_removed_members_key_no_longer_reads_the_startups_applications(key_client, team):
    owner, member = team
    application = factories.ApplicationFactory(startup=owner.startup)
    client = key_client(member.user)
    assert client.get(f"/api/v1/applications/{application.pk}/").status_code == 200

    member_remove(membership=member, by=owner.user)

    assert client.get(f"/api/v1/applications/{application.pk}/").status_code == 404


def test_staff_extend_an_applications_deadline(staff_api):
    application = factories.ApplicationFactory()
    until = (timezone.now() + dt.timedelta(days=2)).isoformat()

    response = staff_api.post(
        f"/api/v1/applications/{application.pk}/extend-deadline/", {"until": until, "reason": "서버 장애"}
    )

    assert response.status_code == 201
    assert PersonalDeadline.objects.get().kind == PersonalDeadline.Kind.EXTENSION


def test_a_correction_of_a_draft_is_a_409(staff_api):
    application = factories.ApplicationFactory()
    until = (timezone.now() + dt.timedelta(days=2)).isoformat()

    response = staff_api.post(
        f"/api/v1/applications/{application.pk}/request-correction/", {"until": until, "message": "보완"}
    )

    assert (response.status_code, response.json()["code"]) == (409, "not_editable")


def test_an_applicant_cannot_extend_their_own_deadline(session_client, team):
    owner, _member = team
    application = factories.ApplicationFactory(startup=owner.startup)
    until = (timezone.now() + dt.timedelta(days=2)).isoformat()

    response = session_client(owner.user).post(
        f"/api/v1/applications/{application.pk}/extend-deadline/", {"until": until, "reason": "부탁"}
    )

    assert response.status_code == 403


def test_staff_revoke_a_personal_deadline(staff_api, staff_user):
    from startups.services.deadlines import deadline_extend

    personal = deadline_extend(
        application=factories.ApplicationFactory(),
        until=timezone.now() + dt.timedelta(days=1),
        reason="장애",
        by=staff_user,
    )

    response = staff_api.post(f"/api/v1/personal-deadlines/{personal.pk}/revoke/", {"reason": "잘못"})

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None


def test_only_an_owner_lists_those_asking_to_join(session_client, team):
    owner, member = team
    asking = factories.StartupMemberFactory(startup=owner.startup, status=M.Status.REQUESTED)

    by_owner = session_client(owner.user).get("/api/v1/startup-members/").json()["results"]
    by_member = session_client(member.user).get("/api/v1/startup-members/").json()["results"]

    assert {row["id"] for row in by_owner} == {owner.pk, member.pk, asking.pk}
    assert {row["id"] for row in by_member} == {owner.pk, member.pk}
