"""Membership after joining: owners hear of requests, remove members and hand ownership over; a member
may leave; the last owner stays."""

import pytest

from audit.models import AuditEvent
from core.errors import DomainError
from notifications.models import Notification
from startups.models import StartupMember
from startups.services.members import member_remove, ownership_transfer
from startups.services.startups import startup_join_request
from tests import factories
from tests.matching.test_seed_demo import demo as demo  # the seeded demo, once for this module

pytestmark = pytest.mark.django_db
M = StartupMember


@pytest.fixture
def owner():
    return factories.StartupMemberFactory(role=M.Role.OWNER)


@pytest.fixture
def member(owner):
    return factories.StartupMemberFactory(startup=owner.startup, role=M.Role.MEMBER)


def test_a_request_to_join_is_mailed_to_each_owner(owner):
    second_owner = factories.StartupMemberFactory(startup=owner.startup, role=M.Role.OWNER)
    member = factories.StartupMemberFactory(startup=owner.startup, role=M.Role.MEMBER)

    request = startup_join_request(startup=owner.startup, by=factories.UserFactory())

    told = Notification.objects.filter(event=Notification.Event.JOIN_REQUESTED, object_id=str(request.pk))
    assert set(told.values_list("recipient_id", flat=True)) == {owner.user_id, second_owner.user_id}
    assert member.user_id not in set(told.values_list("recipient_id", flat=True))


def test_asking_again_while_the_request_is_pending_sends_no_second_mail(owner):
    person = factories.UserFactory()
    startup_join_request(startup=owner.startup, by=person)

    startup_join_request(startup=owner.startup, by=person)

    assert Notification.objects.filter(event=Notification.Event.JOIN_REQUESTED).count() == 1


def test_the_owner_removes_a_member_who_is_told_and_audited(owner, member):
    removed = member_remove(membership=member, by=owner.user, reason="퇴사")

    assert (removed.status, removed.removed_at is not None) == (M.Status.REMOVED, True)
    assert AuditEvent.objects.filter(verb="member_removed", reason="퇴사").exists()
    assert Notification.objects.filter(event=Notification.Event.MEMBERSHIP_CHANGED, recipient=member.user).exists()


def test_a_member_cannot_remove_another_member(owner, member):
    other = factories.StartupMemberFactory(startup=owner.startup, role=M.Role.MEMBER)

    with pytest.raises(DomainError) as refused:
        member_remove(membership=other, by=member.user)

    assert refused.value.code == "not_owner"


def test_a_member_may_leave_on_their_own(member):
    left = member_remove(membership=member, by=member.user)

    assert left.status == M.Status.REMOVED
    assert AuditEvent.objects.filter(verb="member_left").exists()


def test_the_last_owner_can_neither_leave_nor_be_removed_by_staff(owner, staff_user):
    for by in (owner.user, staff_user):
        with pytest.raises(DomainError) as refused:
            member_remove(membership=owner, by=by)
        assert refused.value.code == "last_owner"


def test_someone_from_another_startup_cannot_remove_a_member(member):
    stranger = factories.StartupMemberFactory(role=M.Role.OWNER)

    with pytest.raises(DomainError):
        member_remove(membership=member, by=stranger.user)


def test_a_removed_member_may_ask_to_join_again(owner, member):
    member_remove(membership=member, by=owner.user)

    again = startup_join_request(startup=owner.startup, by=member.user)

    assert (again.status, again.role) == (M.Status.REQUESTED, M.Role.MEMBER)


def test_the_owner_hands_ownership_over_and_becomes_a_member(owner, member):
    ownership_transfer(startup=owner.startup, to_member=member, by=owner.user)

    owner.refresh_from_db()
    member.refresh_from_db()
    assert (owner.role, member.role) == (M.Role.MEMBER, M.Role.OWNER)
    told = Notification.objects.filter(event=Notification.Event.MEMBERSHIP_CHANGED)
    assert set(told.values_list("recipient_id", flat=True)) == {owner.user_id, member.user_id}
    assert AuditEvent.objects.filter(verb__in=["ownership_received", "ownership_handed_over"]).count() == 2


def test_ownership_cannot_go_to_someone_who_only_asked_to_join(owner):
    asking = startup_join_request(startup=owner.startup, by=factories.UserFactory())

    with pytest.raises(DomainError) as refused:
        ownership_transfer(startup=owner.startup, to_member=asking, by=owner.user)

    assert refused.value.code == "not_active_member"


def test_a_member_cannot_hand_ownership_to_themself(member):
    with pytest.raises(DomainError) as refused:
        ownership_transfer(startup=member.startup, to_member=member, by=member.user)

    assert refused.value.code == "not_owner"


def test_staff_remove_a_member_from_the_admin_with_a_reason(staff_client, owner, member):
    staff_client.post(f"/admin/startups/startupmember/action/member_remove/?ids={member.pk}", {"reason": "요청"})

    member.refresh_from_db()
    assert member.status == M.Status.REMOVED


# ---------------------------------------------------------------- the demo


def test_the_demo_has_a_pending_request_to_join_and_a_startup_with_two_members(demo):
    rows = M.objects.filter(startup__applications__program=demo.program).distinct()

    assert rows.filter(status=M.Status.REQUESTED).exists()
    assert rows.filter(status=M.Status.ACTIVE, role=M.Role.MEMBER).exists()


def test_the_demo_has_an_extension_and_a_correction_in_force(demo):
    from startups.services.deadlines import personal_deadlines_in_force

    kinds = set(personal_deadlines_in_force().filter(application__program=demo.program).values_list("kind", flat=True))

    assert kinds == {"extension", "correction"}


def test_staff_make_a_member_the_owner_from_the_admin_and_the_reason_is_audited(staff_client, owner, member):
    url = f"/admin/startups/startupmember/action/member_make_owner/?ids={member.pk}"
    staff_client.post(url, {"reason": "대표 변경"})

    member.refresh_from_db()
    assert member.role == M.Role.OWNER
    assert AuditEvent.objects.filter(verb="ownership_received", reason="대표 변경").exists()
