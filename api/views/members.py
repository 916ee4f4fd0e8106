"""A startup's members (its active members list them; owners remove members and hand ownership over)
and per-applicant deadlines (staff extend one application's deadline, ask for a correction, revoke).

Each endpoint calls the service the pages and the admin call; a refusal is a 409 with its code.
Managing people is done as a signed-in person (session): an API key, which acts for integrations,
may list members (`applications:read`) but not remove them or hand ownership over.
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api.idempotency import idempotent
from api.models import ApiKey
from api.permissions import HasScope, IsStaff, access_of
from api.schema import IDEMPOTENCY_KEY, refused
from api.selectors import applications_for
from api.serializers.actions import ReasonSerializer
from api.serializers.members import (
    CorrectionSerializer,
    ExtendDeadlineSerializer,
    PersonalDeadlineSerializer,
    RemoveMemberSerializer,
    StartupMemberSerializer,
)
from startups.models import PersonalDeadline, StartupMember
from startups.selectors import member_startup_ids
from startups.services.deadlines import correction_request, deadline_extend, personal_deadline_revoke
from startups.services.members import member_remove, ownership_transfer


class StartupMemberViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The active members of the caller's startups, and those asking to join the ones the caller owns
    (as the startup page shows them; removed and declined are left out)."""

    serializer_class = StartupMemberSerializer
    permission_classes = [HasScope]
    scopes = {"*": ApiKey.Scope.APPLICATIONS_READ}
    filter_backends = []

    def get_queryset(self):
        access = access_of(self.request)
        startups = member_startup_ids(access)
        owned = startups.filter(role=StartupMember.Role.OWNER)
        rows = StartupMember.objects.filter(
            Q(status=StartupMember.Status.ACTIVE, startup_id__in=startups)
            | Q(status=StartupMember.Status.REQUESTED, startup_id__in=owned)
        )
        return rows.select_related("user").order_by("startup_id", "-role", "created_at", "pk")

    def _as_person(self):
        if access_of(self.request).key is not None:
            raise PermissionDenied("Members are managed by a signed-in person, not with an API key.")

    @extend_schema(
        summary="Remove a member, or leave",
        request=RemoveMemberSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: StartupMemberSerializer, **refused("not_owner", "not_active_member", "last_owner")},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def remove(self, request, pk=None):
        self._as_person()
        body = RemoveMemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        removed = member_remove(membership=self.get_object(), by=request.user, reason=body.validated_data["reason"])
        return Response(StartupMemberSerializer(removed).data)

    @extend_schema(
        summary="Make this member the owner",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: StartupMemberSerializer, **refused("not_owner", "not_active_member", "already_owner")},
    )
    @action(detail=True, methods=["post"], url_path="make-owner")
    @idempotent
    def make_owner(self, request, pk=None):
        self._as_person()
        membership = self.get_object()
        owner = ownership_transfer(startup=membership.startup, to_member=membership, by=request.user)
        return Response(StartupMemberSerializer(owner).data)


GRANT_REFUSED = refused("not_editable", "deadline_in_past")


class PersonalDeadlineActionViewSet(viewsets.GenericViewSet):
    """Staff give one application its own deadline (`/applications/{id}/extend-deadline/`,
    `/applications/{id}/request-correction/`)."""

    scopes = {"*": ApiKey.Scope.ROUNDS_MANAGE}
    permission_classes = [IsStaff]
    pagination_class = None
    filter_backends = []
    serializer_class = ExtendDeadlineSerializer

    def get_queryset(self):
        return applications_for(access_of(self.request))

    @extend_schema(
        summary="Extend the application's deadline",
        request=ExtendDeadlineSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: PersonalDeadlineSerializer, **GRANT_REFUSED},
    )
    @action(detail=True, methods=["post"], url_path="extend-deadline")
    @idempotent
    def extend_deadline(self, request, pk=None):
        body = ExtendDeadlineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        personal = deadline_extend(application=self.get_object(), by=request.user, **body.validated_data)
        return Response(PersonalDeadlineSerializer(personal).data, status=201)

    @extend_schema(
        summary="Ask for a correction (보완 요청)",
        request=CorrectionSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: PersonalDeadlineSerializer, **GRANT_REFUSED},
    )
    @action(detail=True, methods=["post"], url_path="request-correction")
    @idempotent
    def request_correction(self, request, pk=None):
        body = CorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        personal = correction_request(application=self.get_object(), by=request.user, **body.validated_data)
        return Response(PersonalDeadlineSerializer(personal).data, status=201)


class PersonalDeadlineViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Personal deadlines (staff): list them and revoke one."""

    serializer_class = PersonalDeadlineSerializer
    permission_classes = [IsStaff]
    scopes = {"*": ApiKey.Scope.ROUNDS_MANAGE}
    filter_backends = []

    def get_queryset(self):
        return PersonalDeadline.objects.order_by("-created_at", "-pk")

    @extend_schema(
        summary="Revoke a personal deadline",
        request=ReasonSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: PersonalDeadlineSerializer, **refused("already_revoked")},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def revoke(self, request, pk=None):
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        personal = personal_deadline_revoke(
            personal_deadline=self.get_object(), by=request.user, reason=body.validated_data["reason"]
        )
        return Response(PersonalDeadlineSerializer(personal).data)


def register(router) -> None:
    router.register("startup-members", StartupMemberViewSet, basename="startup-member")
    router.register("personal-deadlines", PersonalDeadlineViewSet, basename="personal-deadline")
    router.register("applications", PersonalDeadlineActionViewSet, basename="application-deadline")
    # Detail actions only on the applications' prefix: before the read endpoint, whose address the root lists.
    entry = router.registry.pop()
    router.registry.insert(0, entry)
