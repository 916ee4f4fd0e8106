"""Staff actions as endpoints: each calls the admin's service as the key's user, refusals are 409 with
the service's code, and nobody but staff with rounds:manage may call them."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from audit.models import AuditEvent
from jobs.models import Job
from matching.models import EvaluationRound, Program
from startups.models import Application
from tests import factories

pytestmark = pytest.mark.django_db

P, R, A = Program.Status, EvaluationRound.Status, Application.Status


def events(obj, verb="status_changed"):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk), verb=verb
    )


def round_with_assignment(status):
    evaluation_round = factories.EvaluationRoundFactory(status=status)
    factories.AssignmentFactory(round=evaluation_round)
    return evaluation_round


def finalisable_program():
    """A reviewing program (quota 1, no reserve) whose only round is published, with one ranked result."""
    program = factories.ProgramFactory(reviewing=True, quota=1, reserve_size=0)
    last_round = factories.EvaluationRoundFactory(program=program, status=R.PUBLISHED)
    factories.RoundResultFactory(round=last_round, rank=1, advanced=True)
    return program


def test_staff_open_a_program_and_the_change_is_recorded_as_theirs(staff_api, staff_user):
    program = factories.ProgramFactory()
    factories.TrackFactory(program=program)
    factories.PrivacyStatementFactory(program=program)

    response = staff_api.post(f"/api/v1/programs/{program.pk}/open/", {"reason": "call starts"})

    assert (response.status_code, response.json()) == (200, {"id": program.pk, "status": P.OPEN})
    event = events(program).get()
    assert (event.actor, event.to_state, event.reason) == (staff_user, P.OPEN, "call starts")


def test_opening_a_program_without_tracks_is_refused_with_the_services_code(staff_api):
    program = factories.ProgramFactory()

    response = staff_api.post(f"/api/v1/programs/{program.pk}/open/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert response.json()["code"] == "program_without_tracks"
    assert response.json()["detail"] == "Add at least one track before opening the program."
    program.refresh_from_db()
    assert program.status == P.DRAFT


def test_staff_close_an_open_program(staff_api, staff_user):
    program = factories.ProgramFactory(open=True)

    response = staff_api.post(f"/api/v1/programs/{program.pk}/close/")

    assert response.json() == {"id": program.pk, "status": P.CLOSED}
    assert events(program).get().actor == staff_user


def test_closing_a_draft_program_is_a_transition_not_allowed(staff_api):
    program = factories.ProgramFactory()

    response = staff_api.post(f"/api/v1/programs/{program.pk}/close/")

    assert (response.status_code, response.json()["code"]) == (409, "transition_not_allowed")


def test_staff_finalise_the_selection_of_a_program(staff_api, staff_user):
    program = finalisable_program()

    response = staff_api.post(f"/api/v1/programs/{program.pk}/finalise/", {"reason": "심사위원회 의결"})

    assert response.json() == {"id": program.pk, "status": P.FINALISED}
    assert (events(program).get().actor, events(program).get().reason) == (staff_user, "심사위원회 의결")
    assert Application.objects.get(program=program).status == A.SELECTED


def test_finalising_before_the_last_round_is_published_is_refused(staff_api):
    program = factories.ProgramFactory(reviewing=True)
    factories.EvaluationRoundFactory(program=program, status=R.RESULTS_COMPUTED)

    response = staff_api.post(f"/api/v1/programs/{program.pk}/finalise/", {"reason": "x"})

    assert (response.status_code, response.json()["code"]) == (409, "last_round_not_published")


def test_staff_open_a_round_for_scoring(staff_api, staff_user):
    evaluation_round = round_with_assignment(R.ASSIGNING)

    response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/open/")

    assert response.json() == {"id": evaluation_round.pk, "status": R.SCORING}
    assert events(evaluation_round).get().actor == staff_user


def test_opening_a_round_without_assignments_is_refused(staff_api):
    evaluation_round = factories.EvaluationRoundFactory(status=R.ASSIGNING)

    response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/open/")

    assert (response.status_code, response.json()["code"]) == (409, "round_without_assignments")


def test_staff_close_scoring(staff_api, staff_user):
    evaluation_round = round_with_assignment(R.SCORING)

    response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/close/", {"reason": "deadline"})

    assert response.json() == {"id": evaluation_round.pk, "status": R.CLOSED}
    assert (events(evaluation_round).get().actor, events(evaluation_round).get().reason) == (staff_user, "deadline")


def test_staff_publish_computed_results(staff_api, staff_user):
    evaluation_round = factories.EvaluationRoundFactory(status=R.RESULTS_COMPUTED)

    response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/publish/", {"reason": "심사 결과 확정"})

    assert response.json() == {"id": evaluation_round.pk, "status": R.PUBLISHED}
    assert (events(evaluation_round).get().actor, events(evaluation_round).get().reason) == (
        staff_user,
        "심사 결과 확정",
    )


def test_publishing_a_round_still_scoring_is_refused(staff_api):
    evaluation_round = factories.EvaluationRoundFactory(status=R.SCORING)

    response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/publish/", {"reason": "x"})

    assert (response.status_code, response.json()["code"]) == (409, "transition_not_allowed")


def test_staff_withdraw_an_application_with_a_reason(staff_api, staff_user):
    application = factories.ApplicationFactory(submitted=True)

    response = staff_api.post(f"/api/v1/applications/{application.pk}/withdraw/", {"reason": "asked by phone"})

    assert response.json() == {"id": application.pk, "status": A.WITHDRAWN}
    event = events(application).get()
    assert (event.actor, event.reason) == (staff_user, "asked by phone")


def test_withdrawing_an_application_twice_is_refused(staff_api):
    application = factories.ApplicationFactory(status=A.WITHDRAWN, withdrawn_at=timezone.now())

    response = staff_api.post(f"/api/v1/applications/{application.pk}/withdraw/", {"reason": "x"})

    assert (response.status_code, response.json()["code"]) == (409, "transition_not_allowed")


IRREVERSIBLE = [("programs", "finalise"), ("rounds", "close"), ("rounds", "publish"), ("applications", "withdraw")]


def _irreversible_target(resource: str):
    if resource == "programs":
        return finalisable_program()
    if resource == "rounds":
        return factories.EvaluationRoundFactory(status=R.SCORING)
    return factories.ApplicationFactory(submitted=True)


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}], ids=["absent", "empty", "blank"])
@pytest.mark.parametrize(("resource", "name"), IRREVERSIBLE)
def test_an_irreversible_action_without_a_reason_is_a_400_and_changes_nothing(staff_api, resource, name, body):
    target = _irreversible_target(resource)
    events_before = AuditEvent.objects.count()

    response = staff_api.post(f"/api/v1/{resource}/{target.pk}/{name}/", body)

    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    assert AuditEvent.objects.count() == events_before
    assert type(target).objects.get(pk=target.pk).status == target.status


def test_a_reason_of_the_wrong_type_is_a_400(staff_api):
    program = factories.ProgramFactory(open=True)

    response = staff_api.post(f"/api/v1/programs/{program.pk}/close/", {"reason": ["a", "list"]})

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "reason" in response.json()["fields"]


def test_staff_signed_in_with_a_session_may_act_too(session_client, staff_user):
    program = factories.ProgramFactory(open=True)

    response = session_client(staff_user).post(f"/api/v1/programs/{program.pk}/close/")

    assert response.json()["status"] == P.CLOSED


# --- who may call them -------------------------------------------------------------------------------------

ENDPOINTS = [
    ("programs", "open"),
    ("programs", "close"),
    ("programs", "finalise"),
    ("rounds", "open"),
    ("rounds", "close"),
    ("rounds", "publish"),
    ("rounds", "assign"),
    ("rounds", "compute"),
    ("applications", "withdraw"),
]


def target_of(resource):
    """An object each action on `resource` would change if it were allowed."""
    if resource == "programs":
        return finalisable_program()
    if resource == "rounds":
        return round_with_assignment(R.CLOSED)
    return factories.ApplicationFactory(submitted=True)


def partner_key(key_client, staff_user, target):
    partner = factories.PartnerFactory()
    program = target if isinstance(target, Program) else target.program
    factories.ProgramPartnerFactory(program=program, partner=partner)
    factories.PartnerMembershipFactory(partner=partner, user=staff_user)
    return key_client(staff_user, partner=partner)  # a partner's key is never staff, whoever holds it


def applicant_key(key_client, staff_user, target):
    member = factories.StartupMemberFactory()
    if isinstance(target, Application):
        Application.objects.filter(pk=target.pk).update(startup=member.startup)
    return key_client(member.user)


def evaluator_key(key_client, staff_user, target):
    evaluator = factories.EvaluatorFactory()
    if isinstance(target, EvaluationRound):
        target.evaluators.add(evaluator)
    return key_client(evaluator.user)


def staff_key_without_the_scope(key_client, staff_user, target):
    return key_client(staff_user, scopes=["programs:read", "applications:read", "exports:read"])


@pytest.mark.parametrize("caller", [partner_key, applicant_key, evaluator_key, staff_key_without_the_scope])
@pytest.mark.parametrize(("resource", "name"), ENDPOINTS)
def test_only_staff_with_rounds_manage_may_act_and_a_refused_call_changes_nothing(
    key_client, staff_user, caller, resource, name
):
    target = target_of(resource)
    client = caller(key_client, staff_user, target)
    events_before = AuditEvent.objects.count()

    response = client.post(f"/api/v1/{resource}/{target.pk}/{name}/", {"reason": "x"})

    assert response.status_code == 403
    assert AuditEvent.objects.count() == events_before
    assert not Job.objects.exists()
    assert type(target).objects.get(pk=target.pk).status == target.status


@pytest.mark.parametrize(("resource", "name"), ENDPOINTS)
def test_an_unknown_id_is_a_404(staff_api, resource, name):
    response = staff_api.post(f"/api/v1/{resource}/999999/{name}/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize(("resource", "name"), ENDPOINTS)
def test_an_anonymous_call_is_a_401(api_client, resource, name):
    assert api_client.post(f"/api/v1/{resource}/1/{name}/").status_code == 401


# --- living beside the read endpoints ---------------------------------------------------------------------


def test_the_read_endpoints_still_answer_on_the_same_addresses(staff_api):
    program = factories.ProgramFactory()
    evaluation_round = factories.EvaluationRoundFactory(program=program)

    assert staff_api.get(f"/api/v1/programs/{program.pk}/").json()["id"] == program.pk
    assert staff_api.get(f"/api/v1/rounds/{evaluation_round.pk}/").json()["id"] == evaluation_round.pk
    assert staff_api.get("/api/v1/programs/").status_code == 200


def test_an_action_answers_only_post(staff_api):
    program = factories.ProgramFactory(open=True)

    assert staff_api.get(f"/api/v1/programs/{program.pk}/close/").status_code == 405
    assert staff_api.put(f"/api/v1/programs/{program.pk}/").status_code == 405


def test_the_api_root_still_lists_programs_and_rounds(staff_api):
    root = staff_api.get("/api/v1/").json()

    assert root["programs"].endswith("/api/v1/programs/")
    assert root["rounds"].endswith("/api/v1/rounds/")
    assert root["jobs"].endswith("/api/v1/jobs/")
