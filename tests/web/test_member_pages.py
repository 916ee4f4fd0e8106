"""The team on the startup page: owners remove members and hand ownership over through confirmation
pages; a removed member loses access at once (pages, downloads, the API)."""

import pytest

from startups.models import StartupMember
from startups.services.members import member_remove
from tests import factories

pytestmark = pytest.mark.django_db
M = StartupMember


@pytest.fixture
def team():
    owner = factories.StartupMemberFactory(role=M.Role.OWNER, user__preferred_language="en")
    member = factories.StartupMemberFactory(startup=owner.startup, role=M.Role.MEMBER)
    return owner, member


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_owner_sees_remove_and_make_owner_for_each_member(client, team):
    owner, member = team

    html = signed_in(client, owner.user).get("/startup/").content.decode()

    assert f"/startup/members/{member.pk}/remove/" in html
    assert f"/startup/members/{member.pk}/make-owner/" in html


def test_a_member_sees_no_remove_button_for_others(client, team):
    owner, member = team

    html = signed_in(client, member.user).get("/startup/").content.decode()

    assert f"/startup/members/{owner.pk}/remove/" not in html
    assert f"/startup/members/{member.pk}/remove/" in html  # their own: leave


def test_opening_the_remove_page_removes_nobody(client, team):
    owner, member = team

    response = signed_in(client, owner.user).get(f"/startup/members/{member.pk}/remove/")

    assert response.status_code == 200
    member.refresh_from_db()
    assert member.status == M.Status.ACTIVE


def test_confirming_the_remove_page_removes_the_member(client, team):
    owner, member = team

    response = signed_in(client, owner.user).post(f"/startup/members/{member.pk}/remove/", {"reason": "퇴사"})

    assert response.url == "/startup/"
    member.refresh_from_db()
    assert member.status == M.Status.REMOVED


def test_confirming_make_owner_hands_the_startup_over(client, team):
    owner, member = team

    signed_in(client, owner.user).post(f"/startup/members/{member.pk}/make-owner/")

    member.refresh_from_db()
    assert member.role == M.Role.OWNER


def test_a_member_of_another_startup_gets_not_found(client, team):
    _owner, member = team
    stranger = factories.StartupMemberFactory(role=M.Role.OWNER).user

    assert signed_in(client, stranger).post(f"/startup/members/{member.pk}/remove/").status_code == 404


def test_the_last_owner_trying_to_leave_is_told_why_and_stays(client, team):
    owner, _member = team

    response = signed_in(client, owner.user).post(f"/startup/members/{owner.pk}/remove/", follow=True)

    assert "The last owner cannot be removed" in response.content.decode()
    owner.refresh_from_db()
    assert owner.status == M.Status.ACTIVE


class TestARemovedMemberLosesAccessAtOnce:
    @pytest.fixture
    def removed(self, client, team):
        owner, member = team
        application = factories.ApplicationFactory(startup=owner.startup)
        attachment = factories.AttachmentFactory(application=application)
        signed_in(client, member.user)
        assert client.get(f"/applications/{application.pk}/").status_code == 200  # before
        member_remove(membership=member, by=owner.user)
        return client, member, application, attachment

    def test_the_application_page_refuses(self, removed):
        client, _member, application, _attachment = removed

        assert client.get(f"/applications/{application.pk}/").status_code == 404

    def test_a_download_refuses(self, removed):
        client, _member, _application, attachment = removed

        assert client.get(f"/attachments/{attachment.pk}/download/").status_code == 404


@pytest.mark.parametrize("page", ["remove", "make-owner"])
def test_a_member_without_a_name_is_named_once_by_their_address(client, team, page):
    owner, member = team
    member.user.name = ""
    member.user.save(update_fields=["name"])

    html = signed_in(client, owner.user).get(f"/startup/members/{member.pk}/{page}/").content.decode()

    lead = html.split('class="lead">', 1)[1].split("</p>", 1)[0]
    assert lead.count(member.user.email) == 1
