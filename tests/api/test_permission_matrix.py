"""Every role against every read endpoint: which rows each one lists, which ids answer 200 and which
404, and that partners and applicants never receive fields reserved to staff.

The world: program P (finalised, partners A and B) with a selected finalist (startup S1) and a
non-finalist (S2); program Q (reviewing, partner B only) with an advanced finalist (S3); a draft
program D. P and Q have a published round with results (D's round is in setup). The evaluator is
assigned to P's selected finalist.
"""

from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from matching.models import EvaluationRound, Program, SelectionEntry
from notifications.models import WebhookSubscription
from startups.models import Application
from tests import factories
from tests.access_world import EVALUATORS, IN_FORCE, build_desk

pytestmark = pytest.mark.django_db

A, R, P = Application.Status, EvaluationRound.Status, Program.Status
ENDPOINTS = ("applications", "startups", "round-results", "selection", "programs", "rounds")
STAFF_ONLY = {
    "override_reason",
    "overridden",
    "fail_reasons",
    "tie_break",
    "exact",
    "review_count",
    "mean",
    "trimmed_mean",
    "zscore",
    "aggregate",
    "round_score",
    "bonus",
    "computed_at",
}
HIDDEN_FROM_PARTNERS = STAFF_ONLY | {"brn", "flags", "ineligible_reasons"}
HIDDEN_FROM_APPLICANTS = STAFF_ONLY | {"rank", "final_score", "failed"}


@dataclass
class World:
    ids: dict[str, dict[str, int]] = field(default_factory=dict)  # endpoint -> name -> id
    users: dict[str, object] = field(default_factory=dict)
    partners: dict[str, object] = field(default_factory=dict)

    def add(self, endpoint: str, name: str, obj) -> None:
        self.ids.setdefault(endpoint, {})[name] = obj.pk


@pytest.fixture
def world() -> World:
    w = World()
    partner_a, partner_b = factories.PartnerFactory(name="A"), factories.PartnerFactory(name="B")
    w.partners = {"A": partner_a, "B": partner_b}
    p = factories.ProgramFactory(status=P.FINALISED)
    q = factories.ProgramFactory(status=P.REVIEWING)
    d = factories.ProgramFactory()  # draft
    for program, partners in ((p, (partner_a, partner_b)), (q, (partner_b,))):
        for partner in partners:
            factories.ProgramPartnerFactory(program=program, partner=partner)
    w.add("programs", "P", p), w.add("programs", "Q", q), w.add("programs", "D", d)

    s1, s2, s3 = factories.StartupFactory(), factories.StartupFactory(), factories.StartupFactory()
    w.users["applicant"] = factories.StartupMemberFactory(startup=s1).user
    factories.StartupMemberFactory(startup=s2)
    w.add("startups", "S1", s1), w.add("startups", "S2", s2), w.add("startups", "S3", s3)

    a1 = factories.ApplicationFactory(program=p, startup=s1, in_review=True, status=A.SELECTED)
    a2 = factories.ApplicationFactory(
        program=p, startup=s2, in_review=True, status=A.NOT_SELECTED, ineligible_reasons=["late"]
    )
    a3 = factories.ApplicationFactory(program=q, startup=s3, in_review=True, status=A.ADVANCED)
    w.add("applications", "A1", a1), w.add("applications", "A2", a2), w.add("applications", "A3", a3)

    round_p = factories.EvaluationRoundFactory(program=p, status=R.PUBLISHED)
    round_q = factories.EvaluationRoundFactory(program=q, status=R.PUBLISHED)
    round_d = factories.EvaluationRoundFactory(program=d)
    w.add("rounds", "rP", round_p), w.add("rounds", "rQ", round_q), w.add("rounds", "rD", round_d)
    r1 = factories.RoundResultFactory(round=round_p, application=a1, advanced=True)
    r2 = factories.RoundResultFactory(round=round_p, application=a2, advanced=False, override_reason="held back")
    r3 = factories.RoundResultFactory(round=round_q, application=a3, advanced=True)
    w.add("round-results", "R1", r1), w.add("round-results", "R2", r2), w.add("round-results", "R3", r3)

    e1 = factories.SelectionEntryFactory(program=p, application=a1, partner=partner_a)
    e2 = factories.SelectionEntryFactory(
        program=p, application=a2, outcome=SelectionEntry.Outcome.NOT_SELECTED, position=None
    )
    w.add("selection", "E1", e1), w.add("selection", "E2", e2)

    w.users["staff"] = factories.UserFactory(staff=True)
    w.users["partner"] = factories.PartnerMembershipFactory(partner=partner_a).user
    # Assigned to A1: evaluators still read it only through /assignments/, never here.
    evaluator = factories.EvaluatorFactory()
    factories.AssignmentFactory(round=round_p, application=a1, evaluator=evaluator)
    w.users["evaluator"] = evaluator.user
    return w


EVERYTHING = {
    "applications": {"A1", "A2", "A3"},
    "startups": {"S1", "S2", "S3"},
    "round-results": {"R1", "R2", "R3"},
    "selection": {"E1", "E2"},
    "programs": {"P", "Q", "D"},
    "rounds": {"rP", "rQ", "rD"},
}
PUBLIC = {"programs": {"P", "Q"}, "rounds": {"rP", "rQ"}}
VISIBLE = {
    "staff": EVERYTHING,
    # Partner A's key: its program's finalist only; Q belongs to partner B alone.
    "partner": {
        "applications": {"A1"},
        "startups": {"S1"},
        "round-results": {"R1"},
        "selection": {"E1"},
        "programs": {"P"},
        "rounds": {"rP"},
    },
    "applicant": {
        "applications": {"A1"},
        "startups": {"S1"},
        "round-results": {"R1"},
        "selection": {"E1"},
        **PUBLIC,
    },
    "evaluator": {"applications": set(), "startups": set(), "round-results": set(), "selection": set(), **PUBLIC},
}


def client_for(role: str, world: World, key_client, session_client, api_client):
    if role == "anonymous":
        return api_client
    user = world.users[role]
    if role == "staff":
        return key_client(user)
    if role == "partner":
        return key_client(user, partner=world.partners["A"])
    return session_client(user)


def listed_ids(client, endpoint: str) -> set[int]:
    response = client.get(f"/api/v1/{endpoint}/", {"page_size": 200})
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def keys_in(body) -> set[str]:
    if isinstance(body, dict):
        return set(body) | {k for value in body.values() for k in keys_in(value)}
    if isinstance(body, list):
        return {k for item in body for k in keys_in(item)}
    return set()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_lists_exactly_the_rows_it_may_see(role, endpoint, world, key_client, session_client, api_client):
    client = client_for(role, world, key_client, session_client, api_client)
    expected = {world.ids[endpoint][name] for name in VISIBLE[role][endpoint]}

    assert listed_ids(client, endpoint) == expected


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_reads_the_rows_it_sees_and_gets_404_for_the_others(
    role, endpoint, world, key_client, session_client, api_client
):
    client = client_for(role, world, key_client, session_client, api_client)
    statuses = {name: client.get(f"/api/v1/{endpoint}/{pk}/").status_code for name, pk in world.ids[endpoint].items()}

    assert statuses == {name: 200 if name in VISIBLE[role][endpoint] else 404 for name in world.ids[endpoint]}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_callers_get_401_in_the_error_shape(endpoint, world, api_client):
    responses = [api_client.get(f"/api/v1/{endpoint}/"), api_client.get(f"/api/v1/{endpoint}/1/")]

    assert [r.status_code for r in responses] == [401, 401]
    assert all(set(r.json()) == {"code", "detail", "fields"} for r in responses)


@pytest.mark.parametrize("endpoint", ["applications", "startups", "round-results", "selection"])
def test_a_partners_key_without_applications_read_gets_403(endpoint, world, key_client):
    client = key_client(world.users["partner"], scopes=["programs:read"], partner=world.partners["A"])
    any_visible = world.ids[endpoint][sorted(VISIBLE["partner"][endpoint])[0]]

    responses = [client.get(f"/api/v1/{endpoint}/"), client.get(f"/api/v1/{endpoint}/{any_visible}/")]

    assert [(r.status_code, r.json()["code"]) for r in responses] == [(403, "permission_denied")] * 2


@pytest.mark.parametrize("endpoint", ["programs", "rounds"])
def test_a_key_with_only_applications_read_cannot_read_programs(endpoint, world, key_client):
    client = key_client(world.users["staff"], scopes=["applications:read"])

    assert client.get(f"/api/v1/{endpoint}/").status_code == 403


@pytest.mark.parametrize(("role", "hidden"), [("partner", HIDDEN_FROM_PARTNERS), ("applicant", HIDDEN_FROM_APPLICANTS)])
def test_partners_and_applicants_never_receive_fields_reserved_to_staff(
    role, hidden, world, key_client, session_client, api_client
):
    client = client_for(role, world, key_client, session_client, api_client)
    bodies = []
    for endpoint in ("applications", "startups", "round-results", "selection"):
        bodies.append(client.get(f"/api/v1/{endpoint}/").json())
        bodies += [client.get(f"/api/v1/{endpoint}/{world.ids[endpoint][n]}/").json() for n in VISIBLE[role][endpoint]]

    assert keys_in(bodies) & hidden == set()


def test_staff_receive_the_fields_kept_from_others(world, key_client):
    client = key_client(world.users["staff"])
    result = client.get(f"/api/v1/round-results/{world.ids['round-results']['R2']}/").json()
    startup = client.get(f"/api/v1/startups/{world.ids['startups']['S2']}/").json()
    application = client.get(f"/api/v1/applications/{world.ids['applications']['A2']}/").json()

    assert (result["override_reason"], result["overridden"]) == ("held back", True)
    assert {"brn", "flags"} <= set(startup)
    assert application["ineligible_reasons"] == ["late"]


def test_an_applicant_sees_the_business_registration_number_of_their_own_startup(world, session_client):
    client = session_client(world.users["applicant"])

    body = client.get(f"/api/v1/startups/{world.ids['startups']['S1']}/").json()

    assert body["brn"] and "flags" in body


def test_a_partner_sees_the_matched_partner_of_the_final_selection(world, key_client):
    client = key_client(world.users["partner"], partner=world.partners["A"])

    rows = client.get("/api/v1/selection/").json()["results"]

    assert [(row["outcome"], row["partner"]["id"]) for row in rows] == [("selected", world.partners["A"].pk)]


def test_a_partner_member_signed_in_sees_the_finalists_of_every_program_of_the_partner(world, session_client):
    member_of_b = factories.PartnerMembershipFactory(partner=world.partners["B"]).user

    assert listed_ids(session_client(member_of_b), "applications") == {
        world.ids["applications"]["A1"],
        world.ids["applications"]["A3"],
    }


def test_results_of_an_unpublished_round_stay_with_staff(world, key_client, session_client):
    program = Program.objects.get(pk=world.ids["programs"]["P"])
    later = factories.EvaluationRoundFactory(program=program, status=R.RESULTS_COMPUTED)
    factories.RoundResultFactory(round=later, application_id=world.ids["applications"]["A1"], advanced=True)
    partner = key_client(world.users["partner"], partner=world.partners["A"])

    assert listed_ids(partner, "round-results") == {world.ids["round-results"]["R1"]}
    assert partner.get("/api/v1/applications/", {"round": later.pk, "advanced": "true"}).json()["count"] == 0


# --- evaluators, partners that leave, webhooks: the world of `tests.access_world` ---------------------

ENDPOINTS_WITH_ROWS = ("applications", "startups", "round-results", "selection", "programs", "rounds", "assignments")


@pytest.fixture
def desk(key_client):
    return build_desk(key_client=key_client)


def session_or_key(desk, role, key_client, session_client, *, key: bool):
    user = desk.users[role]
    if not key:
        return session_client(user)
    return key_client(user, partner=desk.partner) if role == "partner" else key_client(user)


@pytest.mark.parametrize("key", [False, True], ids=["session", "key"])
@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_an_evaluator_reads_an_assignment_only_while_it_is_in_force(evaluator, key, desk, key_client, session_client):
    client = session_or_key(desk, evaluator, key_client, session_client, key=key)
    assignment = desk.assignments[evaluator]

    listed = {row["id"] for row in client.get("/api/v1/assignments/").json()["results"]}
    detail = client.get(f"/api/v1/assignments/{assignment.pk}/")

    in_force = evaluator in IN_FORCE
    assert listed == ({assignment.pk} if in_force else set())
    assert detail.status_code == (200 if in_force else 404)


def test_after_stepping_aside_the_api_no_longer_shows_the_application(desk, session_client):
    client = session_client(desk.users["ev_recused"])

    response = client.get(f"/api/v1/assignments/{desk.assignments['ev_recused'].pk}/")

    assert response.status_code == 404
    assert "X 프로젝트" not in response.content.decode()


def test_stepping_aside_through_the_api_ends_the_access_at_once(desk, session_client):
    client = session_client(desk.users["ev_scoring"])
    url = f"/api/v1/assignments/{desk.assignments['ev_scoring'].pk}/"

    stepped_aside = client.post(f"{url}recuse/", {"reason": "전 직장 동료"})

    assert (stepped_aside.status_code, stepped_aside.json()["status"]) == (200, "recused")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS_WITH_ROWS)
def test_a_partner_key_stops_working_when_its_holder_leaves_the_partner(endpoint, desk):
    client = desk.former_partner_key

    responses = [client.get(f"/api/v1/{endpoint}/"), client.get(f"/api/v1/{endpoint}/1/")]

    assert [(r.status_code, r.json()["code"]) for r in responses] == [(403, "partner_membership_ended")] * 2


def test_a_partner_key_works_while_its_holder_is_a_current_member(desk, key_client):
    client = key_client(desk.users["partner"], partner=desk.partner)

    assert listed_ids(client, "applications") == {desk.applications["X"].pk}


def test_a_partner_key_stops_when_its_holders_account_is_deactivated(desk, key_client):
    client = key_client(desk.users["partner"], partner=desk.partner)
    desk.users["partner"].is_active = False
    desk.users["partner"].save(update_fields=["is_active"])

    assert client.get("/api/v1/applications/").status_code in (401, 403)


def test_a_former_partner_member_signed_in_sees_no_finalist(desk, session_client):
    client = session_client(desk.users["former_partner"])

    assert listed_ids(client, "applications") == set()
    assert client.get(f"/api/v1/applications/{desk.applications['X'].pk}/").status_code == 404


@pytest.mark.parametrize(
    ("role", "key", "visible"),
    [
        ("staff", True, {"staff", "partner", "applicant"}),
        ("staff", False, {"staff", "partner", "applicant"}),
        ("partner", True, {"partner"}),
        ("partner", False, set()),  # webhooks are managed with the partner's key
        ("applicant", False, set()),
        ("applicant", True, set()),
        ("ev_scoring", True, set()),
    ],
)
def test_each_role_sees_exactly_the_webhook_subscriptions_it_may_manage(
    role, key, visible, desk, key_client, session_client
):
    subscriptions = {
        "staff": factories.WebhookSubscriptionFactory(user=desk.users["staff"]),
        "partner": factories.WebhookSubscriptionFactory(user=desk.users["partner"], partner=desk.partner),
        "applicant": factories.WebhookSubscriptionFactory(user=desk.users["applicant"]),  # made before the rule
    }
    client = session_or_key(desk, role, key_client, session_client, key=key)

    listed = {row["id"] for row in client.get("/api/v1/webhooks/").json()["results"]}
    details = {name: client.get(f"/api/v1/webhooks/{s.pk}/").status_code for name, s in subscriptions.items()}

    assert listed == {subscriptions[name].pk for name in visible}
    assert details == {name: 200 if name in visible else 404 for name in subscriptions}


@pytest.mark.parametrize(
    ("role", "key", "status", "code"),
    [
        ("staff", True, 201, None),
        ("staff", False, 201, None),
        ("partner", True, 201, None),
        ("partner", False, 403, "webhooks_for_integrations_only"),
        ("applicant", False, 403, "webhooks_for_integrations_only"),
        ("applicant", True, 403, "webhooks_for_integrations_only"),
        ("ev_scoring", True, 403, "webhooks_for_integrations_only"),
    ],
)
def test_only_staff_and_a_partners_key_create_webhook_subscriptions(
    role, key, status, code, desk, key_client, session_client
):
    client = session_or_key(desk, role, key_client, session_client, key=key)
    body = {"url": "https://hooks.example.com/matchday", "events": ["application.submitted"]}

    response = client.post("/api/v1/webhooks/", body, format="json")

    assert response.status_code == status
    assert (response.json().get("code") if status != 201 else None) == code
    assert WebhookSubscription.objects.exists() == (status == 201)


def test_a_former_partner_members_key_cannot_create_a_webhook_subscription(desk):
    body = {"url": "https://hooks.example.com/matchday", "events": ["application.submitted"]}

    response = desk.former_partner_key.post("/api/v1/webhooks/", body, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "partner_membership_ended")
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("role", "linked"),
    [("partner", {"shown"}), ("applicant", {"sub", "shown"}), ("staff", {"sub", "shown"})],
)
def test_the_application_links_exactly_the_files_the_reader_may_download(role, linked, desk, session_client):
    client = session_client(desk.users[role])

    body = client.get(f"/api/v1/applications/{desk.applications['X'].pk}/").json()

    names = {pk: name for name, pk in ((n, f.pk) for n, f in desk.files.items())}
    assert {names[f["id"]] for f in body["submission"]["attachments"] if f["download_url"]} == linked


# --- partners' rankings (`/rankings/`): rows are (program, partner) pairs --------------------------------

RANKINGS_LISTED = {
    "staff": {("P", "A"), ("P", "B"), ("Q", "B")},
    "partner": {("P", "A")},
    "applicant": set(),
    "evaluator": set(),
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_lists_exactly_the_rankings_it_may_read(role, world, key_client, session_client, api_client):
    client = client_for(role, world, key_client, session_client, api_client)
    names = {world.ids["programs"][n]: n for n in ("P", "Q", "D")}
    partners = {p.pk: n for n, p in world.partners.items()}

    rows = client.get("/api/v1/rankings/").json()["results"]

    assert {(names[r["program"]], partners[r["partner"]]) for r in rows} == RANKINGS_LISTED[role]


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("staff", 200, 404),  # staff read every ranking; they write none (no partner of theirs)
        ("partner", 200, 200),
        ("applicant", 404, 404),
        ("evaluator", 404, 404),
        ("anonymous", 401, 401),
    ],
)
def test_each_role_reads_and_writes_the_rankings_it_may(
    role, read, write, world, key_client, session_client, api_client
):
    client = client_for(role, world, key_client, session_client, api_client)
    url = f"/api/v1/rankings/{world.ids['programs']['P']}/"

    assert client.get(url, {"partner": world.partners["A"].pk}).status_code == read
    assert client.put(url, {"entries": []}, format="json").status_code == write


# --- matching runs and constraints -------------------------------------------------------------------


def _matching_runs(world: World) -> dict[str, int]:
    program = Program.objects.get(pk=world.ids["programs"]["P"])
    a1, partner_a = world.ids["applications"]["A1"], world.partners["A"].pk
    seats = {str(partner_a): [1, 1], str(world.partners["B"].pk): [0, 1]}
    published = factories.MatchingRunFactory(
        program=program, assignment={str(a1): partner_a}, seats=seats, published_at=timezone.now()
    )
    draft = factories.MatchingRunFactory(program=program, assignment={str(a1): partner_a}, seats=seats)
    return {"published": published.pk, "draft": draft.pk}


MATCHING_RUNS_VISIBLE = {
    "staff": {"published", "draft"},
    "partner": {"published"},  # its own matches of the run in force only
    "applicant": set(),  # a startup reads its partner in the selection, once published
    "evaluator": set(),
}


@pytest.mark.parametrize("role", list(MATCHING_RUNS_VISIBLE))
def test_each_role_reads_exactly_the_matching_runs_it_may_see(role, world, key_client, session_client, api_client):
    runs = _matching_runs(world)
    client = client_for(role, world, key_client, session_client, api_client)

    listed = listed_ids(client, "matching-runs")
    details = {name: client.get(f"/api/v1/matching-runs/{pk}/").status_code for name, pk in runs.items()}

    assert listed == {runs[name] for name in MATCHING_RUNS_VISIBLE[role]}
    assert details == {name: 200 if name in MATCHING_RUNS_VISIBLE[role] else 404 for name in runs}


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 202), ("partner", 403), ("applicant", 403), ("evaluator", 403), ("anonymous", 401)],
)
def test_only_staff_start_matching_and_manage_its_constraints(
    role, status, world, key_client, session_client, api_client, django_capture_on_commit_callbacks
):
    client = client_for(role, world, key_client, session_client, api_client)
    runs = _matching_runs(world)
    program = world.ids["programs"]["P"]

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/programs/{program}/run-matching/")
    constraints = client.get("/api/v1/matching-constraints/")
    publish = client.post(f"/api/v1/matching-runs/{runs['draft']}/publish/", {}, format="json")

    refused = {"staff": None, "anonymous": 401}.get(role, 403)
    assert started.status_code == status
    assert constraints.status_code == (refused or 200)
    assert publish.status_code == (refused or 400)  # staff: refused for want of a reason


def test_a_partner_reads_no_field_of_a_matching_run_reserved_to_staff(world, key_client):
    runs = _matching_runs(world)
    client = key_client(world.users["partner"], partner=world.partners["A"])

    body = client.get(f"/api/v1/matching-runs/{runs['published']}/").json()

    assert not {"unmatched", "blocking_pairs", "fingerprint", "job"} & set(body)
    assert [m["partner"] for m in body["matches"]] == [world.partners["A"].pk]
