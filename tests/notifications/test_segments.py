"""A segment of applications: the message composer and the applications list in the admin choose the
same applications for the same filters (program, track, status, round result, selection, partner)."""

import pytest
from django.urls import reverse

from matching.models import SelectionEntry
from notifications.segments import applications_in_segment, segment_description
from startups.models import Application
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    program = factories.ProgramFactory()
    other_program = factories.ProgramFactory()
    ai, bio = factories.TrackFactory(program=program), factories.TrackFactory(program=program)
    evaluation_round = factories.EvaluationRoundFactory(program=program)
    partner = factories.PartnerFactory()
    apps = {
        "winner": factories.ApplicationFactory(program=program, track=ai, in_review=True),
        "runner_up": factories.ApplicationFactory(program=program, track=ai, in_review=True),
        "flunked": factories.ApplicationFactory(program=program, track=bio, in_review=True),
        "unsent": factories.ApplicationFactory(program=program, track=bio),
        "elsewhere": factories.ApplicationFactory(program=other_program, in_review=True),
    }
    factories.RoundResultFactory(round=evaluation_round, application=apps["winner"], advanced=True)
    factories.RoundResultFactory(round=evaluation_round, application=apps["runner_up"], advanced=False)
    factories.RoundResultFactory(round=evaluation_round, application=apps["flunked"], advanced=False, failed=True)
    factories.SelectionEntryFactory(program=program, application=apps["winner"], partner=partner)
    factories.SelectionEntryFactory(
        program=program, application=apps["runner_up"], outcome=SelectionEntry.Outcome.RESERVE
    )
    return {"program": program, "ai": ai, "bio": bio, "round": evaluation_round, "partner": partner, **apps}


def listed(staff_client, **params) -> set[int]:
    response = staff_client.get(reverse("admin:startups_application_changelist"), params)
    assert response.status_code == 200
    return set(response.context["cl"].queryset.values_list("pk", flat=True))


def segment(world, **filters) -> set[int]:
    return set(applications_in_segment(program=world["program"], **filters).values_list("pk", flat=True))


CASES = [
    ({}, {}, {"winner", "runner_up", "flunked", "unsent"}),
    ({"track": "ai"}, {"track__id__exact": "ai"}, {"winner", "runner_up"}),
    ({"status": Application.Status.DRAFT}, {"status__exact": Application.Status.DRAFT}, {"unsent"}),
    ({"round": "round", "round_outcome": "advanced"}, {"round_result": "round:advanced"}, {"winner"}),
    (
        {"round": "round", "round_outcome": "not_advanced"},
        {"round_result": "round:not_advanced"},
        {"runner_up", "flunked"},
    ),
    ({"round": "round", "round_outcome": "failed"}, {"round_result": "round:failed"}, {"flunked"}),
    ({"selection": "selected"}, {"selection": "selected"}, {"winner"}),
    ({"selection": "reserve"}, {"selection": "reserve"}, {"runner_up"}),
    ({"partner": "partner"}, {"matched_partner": "partner"}, {"winner"}),
    (
        {"track": "bio", "round": "round", "round_outcome": "failed"},
        {"track__id__exact": "bio", "round_result": "round:failed"},
        {"flunked"},
    ),
]


def _ids(world, values: dict, *, as_text: bool) -> dict:
    resolved = {}
    for key, value in values.items():
        if isinstance(value, str) and ":" in value:
            name, _sep, outcome = value.partition(":")
            resolved[key] = f"{world[name].pk}:{outcome}"
        elif isinstance(value, str) and value in ("ai", "bio", "round", "partner"):
            resolved[key] = str(world[value].pk) if as_text else world[value].pk
        else:
            resolved[key] = value
    return resolved


@pytest.mark.parametrize(("filters", "params", "expected"), CASES)
def test_the_segment_and_the_applications_list_choose_the_same_applications(
    staff_client, world, filters, params, expected
):
    chosen = segment(world, **_ids(world, filters, as_text=False))
    shown = listed(staff_client, program__id__exact=world["program"].pk, **_ids(world, params, as_text=True))

    assert chosen == shown == {world[name].pk for name in expected}


def test_the_segment_reads_as_words(world):
    words = segment_description({"track": world["ai"].pk, "round": world["round"].pk, "round_outcome": "failed"})

    assert world["ai"].name_ko in words
    assert world["round"].name_ko in words


def test_an_empty_segment_reads_as_every_application():
    assert segment_description({}) == "모든 신청서"
