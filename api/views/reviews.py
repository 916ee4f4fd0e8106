"""An evaluator's own assignments and reviews: the score sheet of the evaluator page, as an API.

Reads: an evaluator sees their own assignments in rounds open for scoring (and later), staff see
every assignment, read-only. Writes (save, submit, recuse) reach only the caller's OWN assignments,
staff included: another evaluator's assignment is a 404 for everybody. The writes call the same
services as the evaluator page (`review_save`, `review_submit`, `assignment_recuse`).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.filters import FilterSet, IdFilter
from api.idempotency import idempotent
from api.models import ApiKey
from api.permissions import access_of
from api.schema import IDEMPOTENCY_KEY
from api.selectors import assignment_sheet_queryset
from api.serializers.common import ErrorSerializer
from api.serializers.reviews import AssignmentSerializer, RecuseSerializer, ReviewSaveSerializer
from matching.models import Assignment
from matching.services.assignment import assignment_recuse
from matching.services.pledges import assignment_declare_no_conflict, pledge_accept
from matching.services.reviews import review_save, review_submit

WRITES = {"review", "submit", "recuse", "accept_pledge", "declare_no_conflict"}


class AssignmentFilter(FilterSet):
    round = IdFilter(field_name="round_id")

    class Meta:
        model = Assignment
        fields = {"status": ["exact"]}


ERRORS = {
    status.HTTP_403_FORBIDDEN: OpenApiResponse(ErrorSerializer, description="The key lacks `reviews:write`."),
    status.HTTP_404_NOT_FOUND: OpenApiResponse(ErrorSerializer, description="Not one of the caller's assignments."),
    status.HTTP_409_CONFLICT: OpenApiResponse(
        ErrorSerializer, description="Scoring of the round is closed, or the caller stepped aside."
    ),
}


@extend_schema_view(
    list=extend_schema(
        summary="The caller's assignments",
        description="Evaluators: their own assignments (none for other users). Staff: every assignment, "
        "read-only. In a blind round the application comes without the startup and without file names.",
    ),
    retrieve=extend_schema(
        summary="One assignment with its score sheet",
        responses={200: AssignmentSerializer, 404: ERRORS[status.HTTP_404_NOT_FOUND]},
    ),
)
class AssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    scopes = {"*": ApiKey.Scope.REVIEWS_WRITE}
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    ordering_fields = ["assigned_at", "updated_at", "status", "id"]

    def get_queryset(self):
        access = access_of(self.request)
        # Staff read every assignment but write only their own: a write finds nobody else's (404).
        return assignment_sheet_queryset(access, writing=self.action in WRITES)

    def _sheet(self, assignment: Assignment) -> Response:
        fresh = self.get_queryset().get(pk=assignment.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(
        summary="Save the caller's review (a draft)",
        description="Scores by criterion code; criteria left out keep their saved score and null clears one. "
        "The request is saved whole or not at all: if any score cannot be stored (or the comment is too "
        "long), the answer is 422 with every problem under `fields` (`criterion:<code>`, `comment`) and "
        "nothing is saved, a submitted review stays submitted. Changing a submitted review takes it back "
        "to in progress: submit it again.",
        request=ReviewSaveSerializer,
        responses={
            200: AssignmentSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Malformed body or an unknown criterion code."),
            422: OpenApiResponse(
                ErrorSerializer,
                description="Scores out of range, not numbers or too precise, or a comment too long (code "
                "`invalid_scores`); nothing was saved.",
            ),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["put"], url_path="review")
    def review(self, request, pk=None):
        assignment = self.get_object()
        body = ReviewSaveSerializer(data=request.data, context={"criteria": assignment.round.criteria.all()})
        body.is_valid(raise_exception=True)
        review_save(  # refused whole: ReviewInvalid is a 422 with every problem (api.errors)
            assignment=assignment,
            by=request.user,
            scores=body.validated_data["scores"],
            comment=body.validated_data.get("comment"),
        )
        return self._sheet(assignment)

    @extend_schema(
        summary="Submit the caller's review",
        description="Needs a score for every criterion (422 lists the missing ones). Submitting a submitted "
        "review again changes nothing and answers 200.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: AssignmentSerializer,
            422: OpenApiResponse(ErrorSerializer, description="A criterion has no score."),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request, pk=None):
        assignment = self.get_object()
        review_submit(assignment=assignment, by=request.user)
        return self._sheet(assignment)

    @extend_schema(
        summary="Step aside from the application (a conflict of interest)",
        description="Records the conflict; staff assign another evaluator.",
        request=RecuseSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: AssignmentSerializer,
            400: OpenApiResponse(ErrorSerializer, description="No reason given."),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def recuse(self, request, pk=None):
        assignment = self.get_object()
        body = RecuseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        recused = assignment_recuse(assignment=assignment, by=request.user, reason=body.validated_data["reason"])
        # Stepping aside ends the caller's access: answer with the sheet as read, never read again.
        assignment.status, assignment.updated_at = recused.status, recused.updated_at
        return Response(self.get_serializer(assignment).data)


    @extend_schema(
        summary="Accept the round's pledge (청렴·비밀유지 서약)",
        description="Records the caller's acceptance of the round's newest pledge version, in the language "
        "of the request. Needed before scoring in a round with a pledge (else 409 `pledge_required`).",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: AssignmentSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="accept-pledge")
    @idempotent
    def accept_pledge(self, request, pk=None):
        assignment = self.get_object()
        pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language=request.LANGUAGE_CODE)
        return self._sheet(assignment)

    @extend_schema(
        summary="Declare no conflict of interest with the application",
        description="Needed before scoring in a round with a pledge (else 409 `declaration_required`).",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: AssignmentSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="declare-no-conflict")
    @idempotent
    def declare_no_conflict(self, request, pk=None):
        assignment = self.get_object()
        assignment_declare_no_conflict(assignment=assignment, by=request.user)
        return self._sheet(assignment)


def register(router) -> None:
    router.register("assignments", AssignmentViewSet, basename="assignment")
