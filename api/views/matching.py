"""Stable matching through the API: matching runs (staff all of them; a partner its own matches of the
published run), starting a run (a job: 202), publishing one (reason required), and staff's pins and
conflicts. Each write calls the service the admin calls (`matching.services.matching`)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.filters import FilterSet, IdFilter
from api.idempotency import idempotent
from api.models import ApiKey
from api.permissions import HasScope, IsStaff, access_of
from api.schema import IDEMPOTENCY_KEY
from api.selectors import programs_for
from api.serializers.actions import JobSerializer, RequiredReasonSerializer
from api.serializers.common import ErrorSerializer
from api.serializers.matching import MatchingConstraintSerializer, MatchingRunSerializer
from api.views.jobs import job_accepted
from matching.models import MatchingConstraint, MatchingRun, Partner, Program
from matching.selectors import matching_partner_ids, matching_runs_visible_to
from matching.services.matching import (
    matching_constraint_remove,
    matching_constraint_set,
    matching_publish,
    matching_run_start,
)

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="The body cannot be read."),
    403: OpenApiResponse(ErrorSerializer, description="Staff only; a key needs the scope rounds:manage."),
    404: OpenApiResponse(ErrorSerializer, description="No such object."),
    409: OpenApiResponse(ErrorSerializer, description="Refused in the current state (`code` says why)."),
    422: OpenApiResponse(ErrorSerializer, description="Invalid input, or an Idempotency-Key reused for another body."),
}


class MatchingRunFilter(FilterSet):
    program = IdFilter(field_name="program_id")

    class Meta:
        model = MatchingRun
        fields = ["program"]


@extend_schema_view(
    list=extend_schema(summary="Matching runs (staff: all; a partner: the published run of its programs)"),
    retrieve=extend_schema(summary="A matching run: matches, seats, and for staff the unmatched with reasons"),
)
class MatchingRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Runs of stable matching. Staff read every run whole; a partner's member (a partner's key: that
    partner) reads the published run in force of each of its programs, with only its own matches and
    seats."""

    scopes = {"*": ApiKey.Scope.APPLICATIONS_READ, "publish": ApiKey.Scope.ROUNDS_MANAGE}
    queryset = MatchingRun.objects.none()
    serializer_class = MatchingRunSerializer
    filterset_class = MatchingRunFilter
    ordering_fields = ["created_at", "published_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_permissions(self):
        return [IsStaff()] if self.action == "publish" else [HasScope()]

    def get_queryset(self):
        return matching_runs_visible_to(actor=access_of(self.request)).order_by("-created_at", "-id")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        access = access_of(self.request)
        context["partner_ids"] = matching_partner_ids(actor=access)
        if context["partner_ids"] is None:
            korean = (get_language() or "ko")[:2] == "ko"
            context["partner_names"] = {
                pk: (name_ko if korean and name_ko else name)
                for pk, name, name_ko in Partner.objects.values_list("pk", "name", "name_ko")
            }
        return context

    @extend_schema(
        summary="Publish a matching run (sets each selected startup's partner; irreversible)",
        request=RequiredReasonSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: MatchingRunSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def publish(self, request, pk=None):
        run = self.get_object()
        body = RequiredReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        published = matching_publish(run=run, by=request.user, reason=body.validated_data["reason"])
        return Response(self.get_serializer(published).data)


class ProgramMatchingViewSet(viewsets.GenericViewSet):
    """Starting a matching run of a program (staff): a job, like the other long actions."""

    scopes = {"*": ApiKey.Scope.ROUNDS_MANAGE}
    permission_classes = [IsStaff]
    queryset = Program.objects.all()
    pagination_class = None
    filter_backends = []
    serializer_class = RequiredReasonSerializer

    def get_queryset(self):
        return programs_for(access_of(self.request))

    @extend_schema(
        summary="Run stable matching for the program (a job)",
        description=(
            "Refuses at once (409) a program whose selection is not final, without selected startups or without "
            "partners; otherwise answers 202 with the job; poll `GET /jobs/{id}/` until it has succeeded: its result "
            "names the run (`run_id`). The same inputs give the same run."
        ),
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={202: JobSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="run-matching")
    @idempotent
    def run_matching(self, request, pk=None):
        return job_accepted(matching_run_start(program=self.get_object(), by=request.user))


class MatchingConstraintFilter(FilterSet):
    program = IdFilter(field_name="program_id")

    class Meta:
        model = MatchingConstraint
        fields = ["program", "kind"]


@extend_schema_view(
    list=extend_schema(summary="Pins and conflicts of matching (staff)"),
    retrieve=extend_schema(summary="A pin or conflict (staff)"),
    create=extend_schema(
        summary="Pin or forbid a pair (staff); posting a pair again changes it",
        responses={201: MatchingConstraintSerializer, **ERRORS},
    ),
    destroy=extend_schema(summary="Remove a pin or conflict (staff)", responses={204: None, **ERRORS}),
)
class MatchingConstraintViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    scopes = {"*": ApiKey.Scope.ROUNDS_MANAGE}
    permission_classes = [IsStaff]
    queryset = MatchingConstraint.objects.select_related("program", "partner").order_by("program_id", "pk")
    serializer_class = MatchingConstraintSerializer
    filterset_class = MatchingConstraintFilter
    ordering_fields = ["id", "created_at"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            constraint = matching_constraint_set(
                program=data["program"],
                application=data["application"],
                partner=data["partner"],
                kind=data["kind"],
                reason=data["reason"],
                by=request.user,
            )
        return Response(self.get_serializer(constraint).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        matching_constraint_remove(constraint=instance, by=self.request.user)


def register(router) -> None:
    router.register("matching-runs", MatchingRunViewSet, basename="matching-run")
    router.register("matching-constraints", MatchingConstraintViewSet, basename="matching-constraint")
    router.register("programs", ProgramMatchingViewSet, basename="program-matching")
    # The API root names each prefix after its last entry; this one has no list, so it goes first.
    router.registry.insert(0, router.registry.pop())
