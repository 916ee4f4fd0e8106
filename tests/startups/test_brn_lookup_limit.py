"""Typing a taken business registration number tells whose it is; each account may learn that for a
limited number of distinct numbers per hour (BRN_LOOKUPS_PER_HOUR), then is told to wait and learns nothing."""

import pytest

from startups.models import Startup
from startups.services.startups import BRN_LOOKUPS_PER_HOUR, BrnLookupsExhausted, startup_by_brn_lookup
from tests import factories
from tests.factories import brn_from_sequence

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return factories.UserFactory(preferred_language="en")


def _use_up_the_allowance(user):
    for n in range(BRN_LOOKUPS_PER_HOUR):
        startup_by_brn_lookup(brn=brn_from_sequence(1000 + n), by=user)


def test_looking_up_a_taken_number_gives_its_startup(user):
    existing = factories.StartupFactory(brn="1248100998")

    assert startup_by_brn_lookup(brn="1248100998", by=user) == existing


def test_a_number_past_the_allowance_is_refused(user):
    _use_up_the_allowance(user)

    with pytest.raises(BrnLookupsExhausted):
        startup_by_brn_lookup(brn="1248100998", by=user)


def test_a_number_already_looked_up_can_be_looked_up_again_past_the_allowance(user):
    existing = factories.StartupFactory(brn=brn_from_sequence(1000))
    _use_up_the_allowance(user)

    assert startup_by_brn_lookup(brn=existing.brn, by=user) == existing


def test_the_allowance_is_per_account(user):
    _use_up_the_allowance(user)
    existing = factories.StartupFactory(brn="1248100998")

    assert startup_by_brn_lookup(brn="1248100998", by=factories.UserFactory()) == existing


def test_past_the_allowance_the_register_form_says_so_discloses_no_name_and_saves_nothing(client, user):
    factories.StartupFactory(brn="1248100998", name_ko="주식회사 선점")
    client.force_login(user)
    _use_up_the_allowance(user)

    response = client.post("/startup/", {"brn": "124-81-00998", "founded_on": "2021-03-15"})

    html = response.content.decode()
    assert "different business registration numbers within an hour" in html
    assert "주식회사 선점" not in html
    assert "Ask to join" not in html
    assert Startup.objects.count() == 1
    assert not user.startup_memberships.exists()


def test_past_the_allowance_a_new_number_is_not_registered_either(client, user):
    client.force_login(user)
    _use_up_the_allowance(user)
    form = {
        "name_ko": "주식회사 매치데이",
        "brn": "124-81-00998",
        "founded_on": "2021-03-15",
        "name_en": "Matchday Inc.",
        "ceo_name": "김대표",
        "employees": "12",
        "annual_revenue_krw": "350,000,000",
        "website": "matchday.example",
        "description": "스타트업 매칭",
    }

    response = client.post("/startup/", form)

    assert "different business registration numbers within an hour" in response.content.decode()
    assert not Startup.objects.exists()
