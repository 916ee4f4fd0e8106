"""The startup profile: registering, the business registration number, joining, owners deciding."""

import datetime as dt

import pytest
from django.utils import timezone

from startups.models import Startup, StartupMember
from tests import factories
from tests.factories import brn_from_sequence

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer_client(client):
    user = factories.UserFactory(preferred_language="en")
    client.force_login(user)
    client.user = user
    return client


def profile_form(**overrides):
    data = {
        "name_ko": "주식회사 매치데이",
        "name_en": "Matchday Inc.",
        "brn": "124-81-00998",
        "founded_on": "2021-03-15",
        "ceo_name": "김대표",
        "employees": "12",
        "annual_revenue_krw": "350,000,000",
        "website": "matchday.example",
        "description": "스타트업 매칭",
    }
    data.update(overrides)
    return data


def test_someone_without_a_startup_sees_the_register_form(newcomer_client):
    html = newcomer_client.get("/startup/").content.decode()

    assert 'name="brn"' in html and 'inputmode="numeric"' in html
    assert 'type="date" name="founded_on"' in html
    assert "Leave it empty if you are a pre-founder" in html


def test_registering_a_startup_makes_the_person_its_owner(newcomer_client):
    sector = factories.SectorFactory()

    response = newcomer_client.post("/startup/", {**profile_form(), "sectors": [sector.pk], "women_owned": "on"})

    startup = Startup.objects.get()
    assert response.url == "/startup/"
    assert (startup.brn, startup.annual_revenue_krw, startup.website) == (
        "1248100998",
        350_000_000,
        "https://matchday.example",
    )
    assert startup.women_owned and list(startup.sectors.all()) == [sector]
    assert startup.members.get().role == StartupMember.Role.OWNER


def test_registering_returns_to_the_application_that_sent_the_person_here(newcomer_client):
    response = newcomer_client.post("/startup/", {**profile_form(), "next": "/programs/gecp/apply/"})

    assert response.url == "/programs/gecp/apply/"


def test_a_next_address_on_another_site_is_ignored(newcomer_client):
    response = newcomer_client.post("/startup/", {**profile_form(), "next": "https://evil.example/"})

    assert response.url == "/startup/"


def test_a_brn_with_a_wrong_check_digit_is_refused(newcomer_client):
    response = newcomer_client.post("/startup/", profile_form(brn="124-81-00999"))

    html = response.content.decode()
    assert "its last digit does not match" in html
    assert 'href="#id_brn"' in html and 'id="id_brn_error"' in html
    assert not Startup.objects.exists()


def test_a_registered_brn_offers_to_ask_to_join_and_makes_no_second_startup(newcomer_client):
    existing = factories.StartupFactory(brn="1248100998", name_ko="주식회사 선점")

    response = newcomer_client.post("/startup/", profile_form())

    html = response.content.decode()
    assert Startup.objects.count() == 1
    assert "This startup is already registered" in html
    assert f'action="/startup/join/{existing.pk}/"' in html
    assert "Ask to join 주식회사 선점" in html


def test_a_registered_brn_alone_offers_to_ask_to_join_without_asking_for_the_founding_date(newcomer_client):
    existing = factories.StartupFactory(brn="1248100998", name_ko="주식회사 선점")

    response = newcomer_client.post("/startup/", {"brn": "124-81-00998"})

    html = response.content.decode()
    assert "Ask to join 주식회사 선점" in html
    assert f'action="/startup/join/{existing.pk}/"' in html
    assert "Enter the founding date" not in html
    assert 'value="124-81-00998"' in html
    assert Startup.objects.count() == 1


def test_the_offers_button_sends_the_join_request(newcomer_client):
    existing = factories.StartupFactory(brn="1248100998")
    html = newcomer_client.post("/startup/", {"brn": "1248100998"}).content.decode()
    button_form = html.split(f'action="/startup/join/{existing.pk}/"', 1)[1].split("</form>", 1)[0]
    brn = button_form.split('name="brn" value="', 1)[1].split('"', 1)[0]

    newcomer_client.post(f"/startup/join/{existing.pk}/", {"brn": brn})

    membership = StartupMember.objects.get(user=newcomer_client.user)
    assert (membership.startup, membership.status) == (existing, StartupMember.Status.REQUESTED)


def test_asking_to_join_sends_the_request_to_the_owner(newcomer_client):
    existing = factories.StartupFactory(brn="1248100998")

    response = newcomer_client.post(f"/startup/join/{existing.pk}/", {"brn": "1248100998"}, follow=True)

    membership = StartupMember.objects.get(user=newcomer_client.user)
    assert membership.status == StartupMember.Status.REQUESTED
    assert "Your request to join" in response.content.decode()
    assert "Waiting for" in response.content.decode()


def test_asking_to_join_needs_the_startups_registration_number(newcomer_client):
    existing = factories.StartupFactory(brn="1248100998")

    response = newcomer_client.post(f"/startup/join/{existing.pk}/", {"brn": brn_from_sequence(7)})

    assert response.status_code == 404
    assert not StartupMember.objects.filter(user=newcomer_client.user).exists()


def test_the_owner_sees_the_request_and_approves_it(client):
    owner_membership = factories.StartupMemberFactory(user__preferred_language="en")
    request = factories.StartupMemberFactory(
        startup=owner_membership.startup, status=StartupMember.Status.REQUESTED, role=StartupMember.Role.MEMBER
    )
    client.force_login(owner_membership.user)
    assert f'action="/startup/members/{request.pk}/decide/"' in client.get("/startup/").content.decode()

    client.post(f"/startup/members/{request.pk}/decide/", {"decision": "approve"})

    request.refresh_from_db()
    assert request.status == StartupMember.Status.ACTIVE


def test_the_owner_declines_a_request(client):
    owner_membership = factories.StartupMemberFactory()
    request = factories.StartupMemberFactory(
        startup=owner_membership.startup, status=StartupMember.Status.REQUESTED, role=StartupMember.Role.MEMBER
    )
    client.force_login(owner_membership.user)

    client.post(f"/startup/members/{request.pk}/decide/", {"decision": "decline"})

    request.refresh_from_db()
    assert request.status == StartupMember.Status.DECLINED


def test_a_member_who_is_not_an_owner_cannot_decide(client):
    owner_membership = factories.StartupMemberFactory()
    member = factories.StartupMemberFactory(startup=owner_membership.startup, role=StartupMember.Role.MEMBER)
    request = factories.StartupMemberFactory(
        startup=owner_membership.startup, status=StartupMember.Status.REQUESTED, role=StartupMember.Role.MEMBER
    )
    client.force_login(member.user)

    client.post(f"/startup/members/{request.pk}/decide/", {"decision": "approve"})

    request.refresh_from_db()
    assert request.status == StartupMember.Status.REQUESTED


def test_someone_outside_the_startup_gets_not_found_when_deciding(newcomer_client):
    request = factories.StartupMemberFactory(status=StartupMember.Status.REQUESTED, role=StartupMember.Role.MEMBER)

    response = newcomer_client.post(f"/startup/members/{request.pk}/decide/", {"decision": "approve"})

    assert response.status_code == 404


def test_a_founding_date_in_the_future_is_refused(newcomer_client):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    response = newcomer_client.post("/startup/", profile_form(founded_on=tomorrow))

    assert "The founding date cannot be in the future." in response.content.decode()
    assert not Startup.objects.exists()


def test_a_registered_company_must_give_its_founding_date(newcomer_client):
    response = newcomer_client.post("/startup/", profile_form(founded_on=""))

    assert "Enter the founding date of your registered company." in response.content.decode()


def test_a_pre_founder_registers_without_a_number(newcomer_client):
    newcomer_client.post("/startup/", profile_form(brn="", founded_on=""))

    startup = Startup.objects.get()
    assert startup.brn is None and startup.is_pre_founder


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("annual_revenue_krw", "삼억", "Enter the amount in won as digits"),
        ("annual_revenue_krw", "-5", "Revenue cannot be negative"),
        ("employees", "열두 명", "Enter the number of people as digits"),
    ],
)
def test_revenue_and_employees_must_be_numbers_with_a_clear_message(newcomer_client, field, value, message):
    response = newcomer_client.post("/startup/", profile_form(**{field: value}))

    assert message in response.content.decode()
    assert not Startup.objects.exists()


def test_the_profile_shows_the_team_and_the_details(client):
    membership = factories.StartupMemberFactory(user__preferred_language="en", startup__annual_revenue_krw=350_000_000)
    client.force_login(membership.user)

    html = client.get("/startup/").content.decode()

    assert membership.startup.brn_display in html
    assert "KRW 350,000,000" in html
    assert membership.user.email in html


def test_a_member_edits_the_profile(client):
    membership = factories.StartupMemberFactory()
    client.force_login(membership.user)

    response = client.post("/startup/edit/", profile_form(brn=membership.startup.brn, employees="30"))

    membership.startup.refresh_from_db()
    assert response.url == "/startup/"
    assert membership.startup.employees == 30


def test_changing_the_brn_to_one_already_registered_is_refused_at_the_field(client):
    factories.StartupFactory(brn="1248100998")
    membership = factories.StartupMemberFactory(user__preferred_language="en")
    client.force_login(membership.user)

    response = client.post("/startup/edit/", profile_form())

    assert 'id="id_brn_error"' in response.content.decode()
    membership.startup.refresh_from_db()
    assert membership.startup.brn != "1248100998"


def test_the_edit_page_sends_someone_without_a_startup_to_register(newcomer_client):
    assert newcomer_client.get("/startup/edit/").url == "/startup/"
