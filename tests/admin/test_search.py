"""Staff find an application by what they have at hand: a receipt number, a company name, a BRN."""

import pytest

from accounts.models import User
from startups.models import Application
from tests import factories
from tests.admin.conftest import admin_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def applications():
    wanted = factories.ApplicationFactory(
        submitted=True,
        receipt_number="GECP2024-0042",
        startup=factories.StartupFactory(name_ko="주식회사 뤼튼", name_en="Wrtn Technologies", brn="1248100998"),
    )
    factories.ApplicationFactory(submitted=True, receipt_number="GECP2024-0043")
    return wanted


def search(client, model, term: str) -> list:
    response = client.get(admin_url(model, "changelist"), {"q": term})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize(
    "term",
    ["GECP2024-0042", "뤼튼", "wrtn", "1248100998", "124-81-00998"],
    ids=["receipt number", "Korean name", "English name", "BRN", "BRN as printed"],
)
def test_search_finds_an_application(staff, applications, term):
    assert search(staff, Application, term) == [applications]


def test_search_finds_an_application_by_an_applicants_email(staff, applications):
    factories.StartupMemberFactory(startup=applications.startup, user=factories.UserFactory(email="ceo@wrtn.io"))

    assert search(staff, Application, "ceo@wrtn.io") == [applications]


def test_search_finds_a_user_by_email(staff):
    wanted = factories.UserFactory(email="evaluator@kvic.or.kr")
    factories.UserFactory(email="someone@example.com")

    assert search(staff, User, "kvic.or.kr") == [wanted]


def test_application_list_filters_by_program_and_status(staff):
    wanted = factories.ApplicationFactory(submitted=True)
    factories.ApplicationFactory(program=wanted.program)
    factories.ApplicationFactory(submitted=True)

    response = staff.get(
        admin_url(Application, "changelist"), {"program__id__exact": wanted.program_id, "status__exact": "submitted"}
    )

    assert list(response.context["cl"].result_list) == [wanted]
