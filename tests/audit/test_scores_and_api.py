"""Each score change is on the record old → new, whoever makes it — an evaluator saving a review, or
staff importing a sheet — in one event per review; and an API update records what an admin edit records."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from audit.models import AuditEvent
from matching.models import EvaluationRound, Review
from matching.services.reviews import review_save
from matching.services.score_import import scores_import
from notifications.models import WebhookSubscription
from tests import factories

pytestmark = pytest.mark.django_db


def review_events(review: Review) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Review), object_id=str(review.pk), verb="scores_changed"
        ).order_by("id")
    )


@pytest.fixture
def sheet():
    round_ = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    technology = factories.CriterionFactory(round=round_, code="technology", label_en="Technology", order=1)
    market = factories.CriterionFactory(round=round_, code="market", max_score=Decimal("20"), order=2)
    assignment = factories.AssignmentFactory(round=round_)
    return assignment, technology, market


def test_an_evaluator_changing_a_score_from_7_to_8_records_7_to_8(sheet):
    assignment, technology, market = sheet
    user = assignment.evaluator.user
    review_save(assignment=assignment, by=user, scores={technology.pk: "7", market.pk: "15"})

    review_save(assignment=assignment, by=user, scores={technology.pk: "8", market.pk: "15"})

    last = review_events(assignment.review)[-1]
    assert last.data["changes"] == {"criterion:technology": {"from": "7", "to": "8", "label": str(technology)}}
    assert last.actor == user


def test_the_first_save_records_each_score_from_nothing(sheet):
    assignment, technology, market = sheet

    review_save(assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: "7.5", market.pk: "15"})

    (event,) = review_events(assignment.review)
    assert {name: (c["from"], c["to"]) for name, c in event.data["changes"].items()} == {
        "criterion:technology": ("–", "7.5"),
        "criterion:market": ("–", "15"),
    }


def test_a_save_that_changes_nothing_records_nothing(sheet):
    assignment, technology, _market = sheet
    user = assignment.evaluator.user
    review_save(assignment=assignment, by=user, scores={technology.pk: "7"})

    review_save(assignment=assignment, by=user, scores={technology.pk: "7"})

    assert len(review_events(assignment.review)) == 1


def test_a_staff_import_records_the_changed_scores_old_to_new(sheet):
    assignment, technology, market = sheet
    review_save(assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: "7", market.pk: "15"})
    staff = factories.UserFactory(staff=True)
    row = {
        "receipt_number": assignment.application.receipt_number,
        "evaluator_email": assignment.evaluator.user.email,
    }

    scores_import(
        round=assignment.round,
        by=staff,
        rows=[
            {**row, "criterion_code": "technology", "score": "8.5"},
            {**row, "criterion_code": "market", "score": "15"},
        ],
        source_name="paper.csv",
    )

    last = review_events(assignment.review)[-1]
    assert last.actor == staff
    assert last.data["changes"] == {"criterion:technology": {"from": "7", "to": "8.5", "label": str(technology)}}
    assert last.data["source"] == "paper.csv"


def test_an_api_patch_records_the_same_shape_as_an_admin_edit(staff_api):
    subscription = factories.WebhookSubscriptionFactory(user=staff_api.api_key.user, url="https://old.example.com/h")

    response = staff_api.patch(
        f"/api/v1/webhooks/{subscription.pk}/", {"url": "https://new.example.com/h"}, format="json"
    )

    assert response.status_code == 200
    content_type = ContentType.objects.get_for_model(WebhookSubscription)
    event = AuditEvent.objects.get(verb="changed", content_type=content_type, object_id=str(subscription.pk))
    assert event.data["changes"] == {
        "url": {
            "from": "https://old.example.com/h",
            "to": "https://new.example.com/h",
            "label": str(WebhookSubscription._meta.get_field("url").verbose_name),
        }
    }
    assert event.actor == staff_api.api_key.user
