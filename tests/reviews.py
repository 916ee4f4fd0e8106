"""Reviews for tests of the score sheet: a submitted one made directly (not through the service under
test), and what a save could change, read back from the database, to check a refused save changed
none of it (service, page and browser tests alike)."""

from decimal import Decimal

from django.utils import timezone

from audit.models import AuditEvent
from matching.models import Assignment, Criterion, Review
from tests import factories


def submitted_review_of(assignment: Assignment, scores: dict[Criterion, str], *, comment: str = "") -> Review:
    """Give `assignment` a submitted review with these scores (criterion → value)."""
    review = factories.ReviewFactory(assignment=assignment, comment=comment, submitted_at=timezone.now())
    for criterion, value in scores.items():
        factories.ScoreFactory(review=review, criterion=criterion, value=Decimal(value))
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.SUBMITTED)
    assignment.refresh_from_db()
    return review


def review_state(assignment: Assignment) -> dict:
    """The assignment's status, the review's comment and times, its scores by criterion code, and the
    number of audit events."""
    assignment.refresh_from_db()
    review = Review.objects.filter(assignment=assignment).first()
    return {
        "status": assignment.status,
        "review": review and (review.comment, review.submitted_at, review.updated_at),
        "scores": {s.criterion.code: s.value for s in review.scores.select_related("criterion")} if review else {},
        "audit events": AuditEvent.objects.count(),
    }
