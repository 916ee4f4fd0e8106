"""Panels: an application's evaluators come from the panel serving its track."""

import random
from collections import Counter

import pytest
from django.forms import inlineformset_factory

from core.errors import DomainError
from matching.admin_panels import PanelFormSet
from matching.assignment import assign, assign_by_panel, check_plan
from matching.models import EvaluationRound, Panel, RoundResult
from matching.services.assignment import assignment_add, assignments_create
from tests.api.conftest import key_client, session_client, staff_api  # noqa: F401 - fixtures
from tests.factories import (
    ApplicationFactory,
    AssignmentFactory,
    ConflictFactory,
    CriterionFactory,
    EvaluationRoundFactory,
    EvaluatorFactory,
    PanelFactory,
    TrackFactory,
)
from tests.matching.test_seed_demo import demo  # noqa: F401 - the seeded demo (module fixture)

ASSIGNING = EvaluationRound.Status.ASSIGNING


def two_panel_case(rng: random.Random, *, apps: int = 30, conflict_rate: float = 0.0):
    applications = {f"a{i}": set(rng.sample(range(5), rng.randint(0, 2))) for i in range(apps)}
    evaluators = {f"e{j}": set(rng.sample(range(5), rng.randint(0, 2))) for j in range(12)}
    panels = {"p1": [f"e{j}" for j in range(5)], "p2": [f"e{j}" for j in range(5, 12)]}
    panel_of = {app: "p1" if i % 3 == 0 else "p2" for i, app in enumerate(applications)}
    forbidden = {(e, a) for a in applications for e in evaluators if rng.random() < conflict_rate}
    return {
        "applications": applications,
        "evaluators": evaluators,
        "panels": panels,
        "panel_of": panel_of,
        "forbidden": forbidden,
    }


def test_each_application_is_served_only_by_its_panel():
    case = two_panel_case(random.Random(1))
    plan = assign_by_panel(**case, k=3, seed=4)
    assert plan.ok
    for app, evaluator in plan.pairs:
        assert evaluator in case["panels"][case["panel_of"][app]]
    assert Counter(app for app, _e in plan.pairs) == dict.fromkeys(case["applications"], 3)


def test_loads_are_balanced_within_each_panel_and_conflicts_are_never_paired():
    for seed in range(8):
        case = two_panel_case(random.Random(seed), conflict_rate=0.1)
        plan = assign_by_panel(**case, k=3, seed=seed)
        assert plan.ok, plan.problems
        for panel, members in case["panels"].items():
            apps = {a: case["applications"][a] for a, p in case["panel_of"].items() if p == panel}
            part_pairs = [(a, e) for a, e in plan.pairs if a in apps]
            part = type(plan)(pairs=part_pairs, loads={e: plan.loads[e] for e in members})
            pool = {e: case["evaluators"][e] for e in members}
            assert check_plan(part, applications=apps, evaluators=pool, k=3, forbidden=case["forbidden"]) == []


def test_an_application_without_a_panel_is_named_and_nothing_is_assigned():
    case = two_panel_case(random.Random(2))
    del case["panel_of"]["a1"]
    plan = assign_by_panel(**case, k=3, seed=0)
    assert not plan.ok and plan.pairs == []
    assert [p.application for p in plan.problems] == ["a1"]


def test_a_panel_too_small_for_k_fails_the_whole_round():
    case = two_panel_case(random.Random(3))
    case["panels"]["p1"] = ["e0", "e1"]
    plan = assign_by_panel(**case, k=3, seed=0)
    assert not plan.ok and plan.pairs == []
    assert {case["panel_of"][p.application] for p in plan.problems} == {"p1"}


def test_one_panel_serving_every_application_is_the_plain_assignment():
    case = two_panel_case(random.Random(5))
    case["panel_of"] = dict.fromkeys(case["applications"], "all")
    panel_case = {**case, "panels": {"all": list(case["evaluators"])}}
    plain = {key: value for key, value in case.items() if key not in ("panels", "panel_of")}
    assert assign_by_panel(**panel_case, k=3, seed=9).pairs == assign(**plain, k=3, seed=9).pairs


# -- on the database


def panel_round(*, k: int = 2):
    evaluation_round = EvaluationRoundFactory(status=ASSIGNING, evaluators_per_application=k)
    program = evaluation_round.program
    tech, social = TrackFactory(program=program), TrackFactory(program=program)
    tech_panel = [EvaluatorFactory() for _ in range(3)]
    social_panel = [EvaluatorFactory() for _ in range(3)]
    evaluation_round.evaluators.add(*tech_panel, *social_panel)
    PanelFactory(round=evaluation_round, tracks=[tech], evaluators=tech_panel)
    PanelFactory(round=evaluation_round, tracks=[social], evaluators=social_panel)
    return evaluation_round, (tech, tech_panel), (social, social_panel)


@pytest.mark.django_db
def test_the_assignment_job_draws_each_application_s_evaluators_from_its_track_s_panel(staff_user):
    evaluation_round, (tech, tech_panel), (social, social_panel) = panel_round()
    program = evaluation_round.program
    tech_apps = [ApplicationFactory(program=program, track=tech, in_review=True) for _ in range(4)]
    social_apps = [ApplicationFactory(program=program, track=social, in_review=True) for _ in range(2)]

    report = assignments_create(round=evaluation_round, by=staff_user, seed=1)

    assert report.created == 12
    allowed = {a.pk: {e.pk for e in tech_panel} for a in tech_apps} | {
        a.pk: {e.pk for e in social_panel} for a in social_apps
    }
    for application_id, evaluator_id in evaluation_round.assignments.values_list("application_id", "evaluator_id"):
        assert evaluator_id in allowed[application_id]


@pytest.mark.django_db
def test_a_track_no_panel_serves_refuses_the_assignment_and_names_the_track(staff_user):
    evaluation_round, (tech, _), _social = panel_round()
    orphan = TrackFactory(program=evaluation_round.program, name_ko="기후")
    ApplicationFactory(program=evaluation_round.program, track=tech, in_review=True)
    ApplicationFactory(program=evaluation_round.program, track=orphan, in_review=True)

    with pytest.raises(DomainError) as refused:
        assignments_create(round=evaluation_round, by=staff_user)

    assert refused.value.code == "track_without_panel" and "기후" in refused.value.message
    assert not evaluation_round.assignments.exists()


@pytest.mark.django_db
def test_a_track_served_by_two_panels_refuses_the_assignment(staff_user):
    evaluation_round, (tech, _), _social = panel_round()
    PanelFactory(round=evaluation_round, tracks=[tech])
    ApplicationFactory(program=evaluation_round.program, track=tech, in_review=True)

    with pytest.raises(DomainError) as refused:
        assignments_create(round=evaluation_round, by=staff_user)

    assert refused.value.code == "track_in_two_panels"


@pytest.mark.django_db
def test_a_conflict_inside_the_panel_is_still_honoured(staff_user):
    evaluation_round, (tech, tech_panel), _social = panel_round(k=2)
    application = ApplicationFactory(program=evaluation_round.program, track=tech, in_review=True)
    ConflictFactory(evaluator=tech_panel[0], startup=application.startup)

    assignments_create(round=evaluation_round, by=staff_user)

    assigned = set(evaluation_round.assignments.values_list("evaluator_id", flat=True))
    assert assigned == {tech_panel[1].pk, tech_panel[2].pk}


@pytest.mark.django_db
def test_a_manual_assignment_outside_the_application_s_panel_is_refused(staff_user):
    evaluation_round, (tech, tech_panel), (_social, social_panel) = panel_round()
    application = ApplicationFactory(program=evaluation_round.program, track=tech, in_review=True)

    with pytest.raises(DomainError) as refused:
        assignment_add(round=evaluation_round, application=application, evaluator=social_panel[0], by=staff_user)

    assert refused.value.code == "evaluator_not_in_panel"
    assert assignment_add(round=evaluation_round, application=application, evaluator=tech_panel[0], by=staff_user)


# -- admin


def panel_formset(evaluation_round, panels):
    formset_class = inlineformset_factory(
        EvaluationRound, Panel, formset=PanelFormSet, fields=("name_ko", "tracks"), extra=len(panels)
    )
    data = {"panels-TOTAL_FORMS": str(len(panels)), "panels-INITIAL_FORMS": "0"}
    for index, (name, tracks) in enumerate(panels):
        data[f"panels-{index}-name_ko"] = name
        data[f"panels-{index}-tracks"] = [t.pk for t in tracks]
    return formset_class(data, instance=evaluation_round, prefix="panels")


@pytest.mark.django_db
def test_the_round_admin_refuses_a_track_in_two_panels():
    evaluation_round = EvaluationRoundFactory()
    tech = TrackFactory(program=evaluation_round.program)

    formset = panel_formset(evaluation_round, [("기술", [tech]), ("기술 2", [tech])])

    assert not formset.is_valid()
    assert "more than one panel" in str(formset.non_form_errors()) or "분과" in str(formset.non_form_errors())


@pytest.mark.django_db
def test_the_round_admin_refuses_panels_that_leave_a_track_of_its_applications_unserved():
    evaluation_round = EvaluationRoundFactory()
    tech, social = TrackFactory(program=evaluation_round.program), TrackFactory(program=evaluation_round.program)
    ApplicationFactory(program=evaluation_round.program, track=social, in_review=True)

    assert not panel_formset(evaluation_round, [("기술", [tech])]).is_valid()
    assert panel_formset(evaluation_round, [("기술", [tech]), ("사회", [social])]).is_valid()


@pytest.mark.django_db
def test_the_round_admin_page_shows_the_panels_and_the_criteria_tracks(staff_client):
    evaluation_round, (tech, _), _social = panel_round()
    CriterionFactory(round=evaluation_round).tracks.add(tech)

    response = staff_client.get(f"/admin/matching/evaluationround/{evaluation_round.pk}/change/")

    assert response.status_code == 200
    assert "panels-TOTAL_FORMS" in response.content.decode()


# -- API


@pytest.mark.django_db
def test_the_rounds_api_shows_the_panels_and_the_tracks_of_each_criterion(staff_api):  # noqa: F811
    evaluation_round, (tech, _), (social, _) = panel_round()
    CriterionFactory(round=evaluation_round, code="idea")
    CriterionFactory(round=evaluation_round, code="tech").tracks.add(tech)

    body = staff_api.get(f"/api/v1/rounds/{evaluation_round.pk}/").json()

    assert {c["code"]: c["tracks"] for c in body["criteria"]} == {"idea": [], "tech": [tech.code]}
    assert sorted(tuple(p["tracks"]) for p in body["panels"]) == sorted([(tech.code,), (social.code,)])


@pytest.mark.django_db
def test_the_api_score_sheet_lists_only_the_criteria_of_the_application_s_track(session_client):  # noqa: F811
    evaluation_round, (tech, tech_panel), (social, _) = panel_round()
    CriterionFactory(round=evaluation_round, code="idea")
    CriterionFactory(round=evaluation_round, code="tech").tracks.add(tech)
    application = ApplicationFactory(program=evaluation_round.program, track=social, in_review=True)
    assignment = AssignmentFactory(round=evaluation_round, application=application, evaluator=tech_panel[0])
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(status=EvaluationRound.Status.SCORING)

    body = session_client(tech_panel[0].user).get(f"/api/v1/assignments/{assignment.pk}/").json()

    assert [c["code"] for c in body["criteria"]] == ["idea"]


# -- the demo


@pytest.mark.django_db
def test_the_demo_s_round_two_has_a_panel_per_track_and_a_hardware_criterion_and_assigns_by_panel(demo, staff_user):  # noqa: F811, E501
    round_two = demo.program.rounds.get(order=2)
    panels = {p.tracks.get().code: set(p.evaluators.values_list("pk", flat=True)) for p in round_two.panels.all()}
    assert set(panels) == {"api", "collab"}
    assert list(round_two.criteria.get(code="hardware").tracks.values_list("code", flat=True)) == ["collab"]

    # Round 1 advances its first five applications of each track; round 2 is then assigned panel by panel.
    round_one = demo.program.rounds.get(order=1)
    advancing = []
    for code in ("api", "collab"):
        advancing += list(
            round_one.assignments.filter(application__track__code=code)
            .values_list("application_id", flat=True)
            .distinct()
            .order_by("application_id")[:5]
        )
    RoundResult.objects.bulk_create(
        RoundResult(round=round_one, application_id=pk, rank=rank, advanced=True)
        for rank, pk in enumerate(advancing, start=1)
    )
    EvaluationRound.objects.filter(pk=round_two.pk).update(status=ASSIGNING)

    assignments_create(round=round_two, by=staff_user)

    for code, evaluator_id in round_two.assignments.values_list("application__track__code", "evaluator_id"):
        assert evaluator_id in panels[code]
    assert round_two.assignments.count() == 10 * round_two.evaluators_per_application
