"""Meeting events and meetings through the API: read by whoever `matching.selectors.meetings_visible_to`
lets see them (staff all; a startup its own; a partner its own; a pitch evaluator their round's);
staff schedule (a job: 202), move, lock and cancel (reason required). Each write calls the service
the admin calls (`matching.services.meetings`)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.filters import FilterSet, IdFilter
from api.idempotency import idempotent
from api.models import ApiKey
from api.permissions import HasScope, IsStaff, access_of
from api.schema import IDEMPOTENCY_KEY
from api.serializers.actions import JobSerializer, RequiredReasonSerializer
from api.serializers.common import ErrorSerializer
from api.serializers.meetings import (
    MeetingEventSerializer,
    MeetingLockSerializer,
    MeetingMoveOptionSerializer,
    MeetingMoveSerializer,
    MeetingSerializer,
)
from api.views.jobs import job_accepted
from matching.models import Meeting, MeetingEvent
from matching.selectors import meetings_visible_to
from matching.services.meetings import (
    meeting_cancel,
    meeting_lock,
    meeting_move,
    meeting_move_options,
    meetings_schedule_start,
)

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="The body cannot be read."),
    403: OpenApiResponse(ErrorSerializer, description="Staff only; a key needs the scope rounds:manage."),
    404: OpenApiResponse(ErrorSerializer, description="No such object."),
    409: OpenApiResponse(ErrorSerializer, description="Refused: a conflict or the current state (`code` says why)."),
    422: OpenApiResponse(ErrorSerializer, description="Invalid input, or an Idempotency-Key reused for another body."),
}
WRITES = ("schedule", "move", "lock", "cancel", "move_options")


def events_visible_to(*, actor):
    """The events of the meetings the actor sees (staff: every event)."""
    if actor.is_staff:
        return MeetingEvent.objects.all()
    return MeetingEvent.objects.filter(pk__in=meetings_visible_to(actor=actor).values("event_id"))


class MeetingEventFilter(FilterSet):
    program = IdFilter(field_name="program_id")

    class Meta:
        model = MeetingEvent
        fields = ["program", "kind", "status"]


@extend_schema_view(
    list=extend_schema(summary="Matching Days and pitch sessions the caller has meetings at (staff: all)"),
    retrieve=extend_schema(summary="A meeting event with its rooms and tables"),
)
class MeetingEventViewSet(viewsets.ReadOnlyModelViewSet):
    scopes = {"*": ApiKey.Scope.APPLICATIONS_READ, "schedule": ApiKey.Scope.ROUNDS_MANAGE}
    queryset = MeetingEvent.objects.none()
    serializer_class = MeetingEventSerializer
    filterset_class = MeetingEventFilter
    ordering_fields = ["starts_on", "id"]
    ordering = ["starts_on", "id"]

    def get_permissions(self):
        return [IsStaff()] if self.action in WRITES else [HasScope()]

    def get_queryset(self):
        return events_visible_to(actor=access_of(self.request)).prefetch_related("tables").order_by("starts_on", "id")

    @extend_schema(
        summary="Schedule the event's meetings (a job)",
        description=(
            "Answers 202 with the job; poll `GET /jobs/{id}/`. Its result counts the meetings placed, created, "
            "moved, kept and cancelled, and lists each request that could not be placed with its reason in "
            "words (`text.ko`, `text.en`). Running it again with the same inputs changes nothing."
        ),
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={202: JobSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def schedule(self, request, pk=None):
        return job_accepted(meetings_schedule_start(event=self.get_object(), by=request.user))


class MeetingFilter(FilterSet):
    event = IdFilter(field_name="event_id")
    partner = IdFilter(field_name="partner_id")
    application = IdFilter(field_name="application_id")
    table = IdFilter(field_name="table_id")

    class Meta:
        model = Meeting
        fields = ["event", "partner", "application", "table", "status", "locked"]


@extend_schema_view(
    list=extend_schema(summary="Meetings the caller may see (staff: all)"),
    retrieve=extend_schema(summary="A meeting"),
)
class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    scopes = {"*": ApiKey.Scope.APPLICATIONS_READ, **dict.fromkeys(WRITES, ApiKey.Scope.ROUNDS_MANAGE)}
    queryset = Meeting.objects.none()
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    ordering_fields = ["starts_at", "id"]
    ordering = ["starts_at", "id"]

    def get_permissions(self):
        return [IsStaff()] if self.action in WRITES else [HasScope()]

    def get_queryset(self):
        return meetings_visible_to(actor=access_of(self.request)).order_by("starts_at", "id")

    @extend_schema(
        summary="Where the meeting may move without any conflict (staff)",
        responses={200: MeetingMoveOptionSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="move-options", pagination_class=None, filter_backends=[])
    def move_options(self, request, pk=None):
        options = meeting_move_options(meeting=self.get_object())
        return Response(MeetingMoveOptionSerializer(options, many=True).data)

    @extend_schema(
        summary="Move a meeting to another time and/or table (staff); refused with the reason on any conflict",
        request=MeetingMoveSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: MeetingSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def move(self, request, pk=None):
        meeting = self.get_object()
        body = MeetingMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = meeting_move(
            meeting=meeting,
            starts_at=body.validated_data["starts_at"],
            table=body.validated_data["table"],
            by=request.user,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=moved.pk)).data)

    @extend_schema(
        summary="Lock or unlock a meeting (staff)",
        request=MeetingLockSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: MeetingSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def lock(self, request, pk=None):
        meeting = self.get_object()
        body = MeetingLockSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting_lock(meeting=meeting, locked=body.validated_data["locked"], by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=meeting.pk)).data)

    @extend_schema(
        summary="Cancel a meeting (staff; reason required): everyone concerned gets the calendar cancellation",
        request=RequiredReasonSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: MeetingSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, pk=None):
        meeting = self.get_object()
        body = RequiredReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting_cancel(meeting=meeting, by=request.user, reason=body.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=meeting.pk)).data)


def register(router) -> None:
    router.register("meeting-events", MeetingEventViewSet, basename="meeting-event")
    router.register("meetings", MeetingViewSet, basename="meeting")
