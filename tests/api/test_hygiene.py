"""No answer of the API is a server error or an HTML page: every method on every route (OPTIONS
included), ids that are not numbers, unknown addresses under /api/, and empty or `null` filters."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

ERROR_SHAPE = {"code", "detail", "fields"}
METHODS = ("get", "post", "put", "patch", "delete", "options", "head")


def api_routes() -> list[str]:
    """Every route of the API router, with `1` for its id (`{id}` rather than a regex)."""
    from api.urls import router

    routes = set()
    for pattern in router.urls:
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        if "(?P<format>" in route:
            continue  # the same routes with a `.json` suffix
        routes.add("/api/v1/" + route.replace("(?P<pk>[0-9]+)", "1"))
    return sorted(routes)


def assert_json_error(response, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == ERROR_SHAPE


@pytest.fixture
def partner_api(key_client):
    membership = factories.PartnerMembershipFactory()
    return key_client(membership.user, partner=membership.partner)


@pytest.fixture
def some_of_everything(staff_user):
    program = factories.ProgramFactory()
    factories.ApplicationFactory(program=program, submitted=True)
    factories.EvaluationRoundFactory(program=program)


@pytest.mark.parametrize("caller", ["staff", "partner", "anonymous"])
def test_no_method_on_any_route_answers_a_server_error(caller, staff_api, partner_api, api_client, some_of_everything):
    client = {"staff": staff_api, "partner": partner_api, "anonymous": api_client}[caller]
    client.raise_request_exception = False
    failures = []
    for route in api_routes():
        for method in METHODS:
            response = getattr(client, method)(route, {}, format="json") if method != "get" else client.get(route)
            if response.status_code >= 500 or (method != "head" and "json" not in response.get("Content-Type", "")):
                failures.append(f"{method.upper()} {route}: {response.status_code} {response.get('Content-Type')}")
    assert failures == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/programs/1/open/",
        "/api/v1/rounds/1/close/",
        "/api/v1/rounds/1/assign/",
        "/api/v1/applications/1/withdraw/",
    ],
)
def test_options_on_a_staff_action_describes_it_rather_than_failing(staff_api, path):
    staff_api.raise_request_exception = False

    response = staff_api.options(path)

    assert response.status_code == 200
    assert response.json()["name"]


def test_redelivering_a_delivery_whose_id_is_not_a_number_is_a_404_not_a_server_error(staff_api):
    staff_api.raise_request_exception = False

    assert_json_error(staff_api.post("/api/v1/webhook-deliveries/abc/redeliver/"), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/programs/abc/",
        "/api/v1/programs/１/",  # a full-width digit, which int() would read as 1
        "/api/v1/programs/1%2F/",
        "/api/v1/programs/1/nope/",
        "/api/v1/applications/abc/withdraw/",
        "/api/v1/nope/",
        "/api/v2/programs/",
        "/api/",
        "/api/v1/programs",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete", "options"])
def test_an_unknown_address_under_api_is_a_json_404_for_any_method(staff_api, path, method):
    factories.ProgramFactory()

    assert_json_error(getattr(staff_api, method)(path), 404)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_the_docs_page_answers_other_methods_with_a_json_405(api_client, method):
    api_client.raise_request_exception = False

    assert_json_error(getattr(api_client, method)("/api/v1/docs/"), 405)


def test_the_docs_page_and_the_schema_are_served(api_client):
    assert api_client.get("/api/v1/docs/")["Content-Type"].startswith("text/html")
    assert api_client.options("/api/v1/schema/").status_code == 200


def test_an_address_without_its_final_slash_says_which_one_was_meant(staff_api):
    response = staff_api.get("/api/v1/programs")

    assert_json_error(response, 404)
    assert "/api/v1/programs/" in response.json()["detail"]


def test_an_id_past_any_database_column_is_a_404(staff_api):
    assert_json_error(staff_api.get("/api/v1/programs/99999999999999999999999/"), 404)


def test_pages_outside_the_api_keep_their_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/applications/", "program"),
        ("/api/v1/applications/", "status"),
        ("/api/v1/applications/", "advanced"),
        ("/api/v1/applications/", "submitted_at__gte"),
        ("/api/v1/rounds/", "program"),
        ("/api/v1/startups/", "sector"),
        ("/api/v1/round-results/", "round"),
        ("/api/v1/selection/", "program"),
        ("/api/v1/programs/", "slug"),
    ],
)
@pytest.mark.parametrize("value", ["", "null", " "])
def test_an_empty_or_null_filter_is_refused_not_ignored(staff_api, path, parameter, value):
    response = staff_api.get(path, {parameter: value})

    assert_json_error(response, 400)
    assert set(response.json()["fields"]) == {parameter}


def test_a_filter_with_a_value_still_filters(staff_api):
    program = factories.ProgramFactory()
    factories.ApplicationFactory(program=program, submitted=True)
    factories.ApplicationFactory(submitted=True)

    response = staff_api.get("/api/v1/applications/", {"program": program.pk})

    assert response.status_code == 200
    assert [row["program"] for row in response.json()["results"]] == [program.pk]


@pytest.mark.parametrize(
    ("path", "component"),
    [
        ("/api/v1/applications/{id}/", "ApplicationDetail"),
        ("/api/v1/startups/", "Startup"),
        ("/api/v1/round-results/", "RoundResult"),
    ],
)
def test_the_schema_requires_only_the_fields_a_partner_receives(key_client, path, component):
    from matching.models import EvaluationRound, Program
    from startups.models import Application
    from tests.api.test_schema import generated_schema

    program = factories.ProgramFactory(status=Program.Status.FINALISED)
    partner = factories.ProgramPartnerFactory(program=program).partner
    finalist = factories.ApplicationFactory(program=program, in_review=True, status=Application.Status.SELECTED)
    published = factories.EvaluationRoundFactory(program=program, status=EvaluationRound.Status.PUBLISHED)
    factories.RoundResultFactory(round=published, application=finalist, advanced=True, override_reason="held")
    client = key_client(factories.PartnerMembershipFactory(partner=partner).user, partner=partner)

    body = client.get(path.format(id=finalist.pk)).json()
    received = body["results"][0] if "results" in body else body

    required = set(generated_schema()["components"]["schemas"][component].get("required", []))
    assert required - set(received) == set()
