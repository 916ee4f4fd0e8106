"""Each person sees the menus of the roles they have: applicant items for startup members and for people
with no other role, evaluator items for evaluators, partner items for partner members, "Admin" for staff.
The roles are read in one query (core.context_processors.menu_roles). Menus only: direct URLs still work."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.context_processors import menu_roles
from startups.models import StartupMember
from tests import factories

pytestmark = pytest.mark.django_db


def menu_links(client, user) -> str:
    client.force_login(user)
    content = client.get(reverse("home")).content.decode()
    return content[content.index('<nav class="site-nav"') : content.index("</nav>")]


def applicant_links():
    return (f'href="{reverse("startup:profile")}"', f'href="{reverse("applications:list")}"')


def test_an_evaluator_who_is_no_startup_member_sees_no_applicant_items(client):
    evaluator = factories.EvaluatorFactory()

    nav = menu_links(client, evaluator.user)

    assert f'href="{reverse("evaluator:list")}"' in nav
    assert not any(link in nav for link in applicant_links())


def test_a_newly_signed_up_founder_with_no_role_yet_sees_the_applicant_items(client):
    nav = menu_links(client, factories.UserFactory())

    assert all(link in nav for link in applicant_links())
    assert f'href="{reverse("evaluator:list")}"' not in nav


def test_an_evaluator_who_is_also_a_startup_member_sees_both_menus(client):
    evaluator = factories.EvaluatorFactory()
    factories.StartupMemberFactory(user=evaluator.user)

    nav = menu_links(client, evaluator.user)

    assert all(link in nav for link in applicant_links())
    assert f'href="{reverse("evaluator:list")}"' in nav


def test_a_partner_member_sees_the_partner_pages_and_no_applicant_items(client):
    membership = factories.PartnerMembershipFactory()

    nav = menu_links(client, membership.user)

    assert f'href="{reverse("partner:home")}"' in nav
    assert not any(link in nav for link in applicant_links())


def test_someone_whose_join_request_was_declined_and_who_evaluates_sees_no_applicant_items(client):
    evaluator = factories.EvaluatorFactory()
    factories.StartupMemberFactory(user=evaluator.user, status=StartupMember.Status.DECLINED)

    assert not any(link in menu_links(client, evaluator.user) for link in applicant_links())


def test_every_role_of_a_person_is_read_in_one_query(django_assert_num_queries):
    evaluator = factories.EvaluatorFactory(user__is_staff=True)
    factories.PartnerMembershipFactory(user=evaluator.user)
    factories.StartupMemberFactory(user=evaluator.user)
    request = RequestFactory().get("/")
    request.user = evaluator.user

    with django_assert_num_queries(1):
        roles = menu_roles(request)

    assert (roles.evaluator, roles.partner, roles.staff, roles.startup_member, roles.applicant) == (
        True,
        True,
        True,
        True,
        True,
    )


def test_an_evaluator_still_reaches_the_applicant_pages_by_their_address(client):
    evaluator = factories.EvaluatorFactory()
    client.force_login(evaluator.user)

    assert client.get(reverse("applications:list")).status_code == 200
