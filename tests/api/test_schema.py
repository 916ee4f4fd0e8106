"""The OpenAPI schema: valid, committed in sync with the code, served with its docs without a CDN,
and honoured by the API (schemathesis, a bounded number of examples per operation)."""

from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from api.keys import api_key_create
from tests import factories

COMMITTED = Path(settings.BASE_DIR) / "api" / "openapi.yaml"
EXAMPLES_PER_OPERATION = 6


def generated_schema() -> dict:
    with translation.override("en"):  # the committed schema is in English (make schema: --lang en)
        return SchemaGenerator().get_schema(request=None, public=True)


def test_the_generated_schema_is_valid_openapi():
    validate_schema(generated_schema())


def test_the_committed_schema_matches_the_code():
    rendered = OpenApiYamlRenderer().render(generated_schema(), renderer_context={}).decode()

    assert rendered == COMMITTED.read_text(encoding="utf-8"), (
        "api/openapi.yaml is out of date: run `make schema` and commit the result"
    )


@pytest.mark.django_db
def test_the_schema_is_served(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Matchday API"


@pytest.mark.django_db
def test_the_docs_load_their_assets_from_this_site_not_a_cdn(client):
    page = client.get("/api/v1/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()


@pytest.fixture
def api_schema():
    schema = schemathesis.openapi.from_dict(generated_schema())
    schema.app = get_wsgi_application()
    # As Django's test client does: the end of a request must not close the connection that holds
    # the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schema
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(db):
    """A little of everything, so that some generated ids hit real rows; the partner's program is
    finalised with a published round, so that its key reads finalists, results and the selection.
    Returns an API key with every scope per caller: staff, and a partner's key."""
    from matching.models import EvaluationRound, Program
    from startups.models import Application

    staff = factories.UserFactory(staff=True)
    program = factories.ProgramFactory()
    factories.ApplicationFactory.create_batch(3, program=program, submitted=True)
    factories.EvaluationRoundFactory(program=program)

    partnered = factories.ProgramFactory(status=Program.Status.FINALISED)
    partner = factories.ProgramPartnerFactory(program=partnered).partner
    published = factories.EvaluationRoundFactory(program=partnered, status=EvaluationRound.Status.PUBLISHED)
    for status in (Application.Status.SELECTED, Application.Status.RESERVE):
        startup = factories.StartupFactory()
        startup.sectors.add(factories.SectorFactory())
        finalist = factories.ApplicationFactory(program=partnered, startup=startup, in_review=True, status=status)
        factories.RoundResultFactory(round=published, application=finalist, advanced=True, override_reason="held")
        factories.SelectionEntryFactory(program=partnered, application=finalist)
    member = factories.PartnerMembershipFactory(partner=partner).user
    scopes = list(_all_scopes())
    return {
        "staff": api_key_create(name="schemathesis", user=staff, scopes=scopes, by="test").secret,
        "partner": api_key_create(name="schemathesis", user=member, scopes=scopes, partner=partner, by="test").secret,
    }


def _all_scopes():
    from api.models import ApiKey

    return ApiKey.Scope.values


def _operation_labels() -> list[str]:
    schema = schemathesis.openapi.from_dict(generated_schema())
    return sorted(result.ok().label for result in schema.get_all_operations())


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ["staff", "partner"])
@pytest.mark.parametrize("label", _operation_labels())
def test_the_api_answers_as_its_schema_says_and_never_with_a_server_error(label, caller, api_schema, world):
    """Every check schemathesis has (status codes documented, content types, headers, bodies that
    match the schema — fields a partner does not receive must not be required —, no server error),
    for staff and for a partner's key."""
    operation = api_schema.find_operation_by_label(label)

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case):
        # Rules across fields (an export needs a program *or* a round, by kind) cannot be written in
        # OpenAPI, so a 400 for schema-valid data is not a failure here; an undocumented status,
        # a body that does not match the schema, or any 5xx is.
        case.call_and_validate(
            headers={"Authorization": f"Api-Key {world[caller]}"}, excluded_checks=[checks.positive_data_acceptance]
        )

    answers_as_documented()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment", ["0763-12-31T18:44:39-19:11", "0001-01-01T00:00:00+05:00", "2026-13-01T00:00:00Z", "yesterday"]
)
def test_a_date_filter_no_clock_can_show_is_a_400_not_a_server_error(staff_api, moment):
    response = staff_api.get("/api/v1/programs/", {"closes_at__gte": moment})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"closes_at__gte"}
