"""Staff actions as explicit endpoints: open, close and finalise a program; open, close and publish a
round; assign evaluators and compute results as jobs (202 + the job); withdraw an application.

Each calls the service the admin's action calls, as the user the key acts for; a refusal is a 409
with the service's code. Every action honours `Idempotency-Key`. The actions live on the read
endpoints' addresses (`/programs/{id}/open/` …) through their own viewsets, which have detail
actions only, so they never answer the read routes.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.idempotency import idempotent
from api.models import ApiKey
from api.permissions import IsStaff, access_of
from api.schema import IDEMPOTENCY_KEY
from api.selectors import applications_for, programs_for, rounds_for
from api.serializers.actions import (
    ApplicationStateSerializer,
    AssignSerializer,
    ComputeSerializer,
    JobSerializer,
    ProgramStateSerializer,
    ReasonSerializer,
    RequiredReasonSerializer,
    RoundStateSerializer,
)
from api.serializers.common import ErrorSerializer
from api.views.jobs import job_accepted
from matching.models import EvaluationRound, Program
from matching.services.programs import program_close, program_open
from matching.services.rounds import round_assign_evaluators, round_close, round_compute_results, round_open
from matching.services.selection import results_publish, selection_finalise
from startups.models import Application
from startups.services.staff import application_withdraw

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="The body cannot be read."),
    403: OpenApiResponse(ErrorSerializer, description="Staff only; a key needs the scope rounds:manage."),
    404: OpenApiResponse(ErrorSerializer, description="No such object."),
    409: OpenApiResponse(
        ErrorSerializer,
        description="Refused in the object's current state (`code` says why), or the Idempotency-Key is in use.",
    ),
    422: OpenApiResponse(ErrorSerializer, description="The Idempotency-Key was used for a different request."),
}


def _action_schema(summary: str, state, request=ReasonSerializer):
    return extend_schema(
        summary=summary,
        request=request,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: state, **ERRORS},
    )


def _job_schema(summary: str, request):
    return extend_schema(
        summary=summary,
        description=(
            "Checks at once what can be checked (409 when the round cannot be served), then answers 202 with the "
            "job and its address in `Location`; poll `GET /jobs/{id}/` until it has succeeded or failed."
        ),
        request=request,
        parameters=[IDEMPOTENCY_KEY],
        responses={202: JobSerializer, **ERRORS},
    )


class StaffActionViewSet(viewsets.GenericViewSet):
    # Detail actions only: no list or retrieve route of its own.

    scopes = {"*": ApiKey.Scope.ROUNDS_MANAGE}
    permission_classes = [IsStaff]
    pagination_class = None
    filter_backends = []
    target: str
    state_serializer: type
    bodies: dict[str, type] = {}

    def get_serializer_class(self):
        # The body each action reads; OPTIONS describes it from here.
        return self.bodies.get(self.action, ReasonSerializer)

    def options_of(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def perform_action(self, service) -> Response:
        obj = self.get_object()
        reason = self.options_of(self.get_serializer_class())["reason"]
        changed = service(**{self.target: obj}, by=self.request.user, reason=reason)
        return Response(self.state_serializer(changed).data)


class ProgramActionViewSet(StaffActionViewSet):
    """A program's moves, as the admin's actions make them (staff)."""

    queryset = Program.objects.all()
    target, state_serializer = "program", ProgramStateSerializer
    bodies = {"finalise": RequiredReasonSerializer}  # irreversible: the audit trail needs a reason

    def get_queryset(self):
        return programs_for(access_of(self.request))

    @_action_schema("Open the program for applications", ProgramStateSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def open(self, request, pk=None):
        return self.perform_action(program_open)

    @_action_schema("Close applications", ProgramStateSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def close(self, request, pk=None):
        return self.perform_action(program_close)

    @_action_schema("Finalise the selection", ProgramStateSerializer, RequiredReasonSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def finalise(self, request, pk=None):
        return self.perform_action(selection_finalise)


class RoundActionViewSet(StaffActionViewSet):
    """A round's moves, as the admin's actions make them (staff)."""

    queryset = EvaluationRound.objects.all()
    target, state_serializer = "round", RoundStateSerializer
    bodies = {
        "assign": AssignSerializer,
        "compute": ComputeSerializer,
        "close": RequiredReasonSerializer,  # irreversible: the audit trail needs a reason
        "publish": RequiredReasonSerializer,
    }

    def get_queryset(self):
        return rounds_for(access_of(self.request))

    @_action_schema("Open the round for scoring", RoundStateSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def open(self, request, pk=None):
        return self.perform_action(round_open)

    @_action_schema("Close scoring", RoundStateSerializer, RequiredReasonSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def close(self, request, pk=None):
        return self.perform_action(round_close)

    @_action_schema("Publish the round's results", RoundStateSerializer, RequiredReasonSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def publish(self, request, pk=None):
        return self.perform_action(results_publish)

    @_job_schema("Assign evaluators (a job)", AssignSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def assign(self, request, pk=None):
        seed = self.options_of(AssignSerializer)["seed"]
        return job_accepted(round_assign_evaluators(round=self.get_object(), by=request.user, seed=seed))

    @_job_schema("Compute the round's results (a job)", ComputeSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def compute(self, request, pk=None):
        allow_missing = self.options_of(ComputeSerializer)["allow_missing"]
        job = round_compute_results(round=self.get_object(), by=request.user, allow_missing=allow_missing)
        return job_accepted(job)


class ApplicationActionViewSet(StaffActionViewSet):
    """Staff's changes to an application, as the admin makes them."""

    queryset = Application.objects.all()
    target, state_serializer = "application", ApplicationStateSerializer
    bodies = {"withdraw": RequiredReasonSerializer}  # irreversible: the audit trail needs a reason

    def get_queryset(self):
        return applications_for(access_of(self.request))

    @_action_schema("Withdraw the application", ApplicationStateSerializer, RequiredReasonSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request, pk=None):
        return self.perform_action(application_withdraw)


ACTION_VIEWSETS = (
    ("programs", ProgramActionViewSet, "program-action"),
    ("rounds", RoundActionViewSet, "round-action"),
    ("applications", ApplicationActionViewSet, "application-action"),
)


def register(router) -> None:
    for prefix, viewset, basename in ACTION_VIEWSETS:
        router.register(prefix, viewset, basename=basename)
    # The API root lists one address per prefix, taken from the last entry of that prefix; these
    # viewsets have no list, so they go first and the read endpoints keep their place in the root.
    ours = {basename for _prefix, _viewset, basename in ACTION_VIEWSETS}
    router.registry.sort(key=lambda entry: entry[2] not in ours)
