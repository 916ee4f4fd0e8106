"""Exclusion requests (기피 신청): an applicant's startup members file and list theirs; staff list all
and decide (accept or refuse, with the answer the applicant receives). Each endpoint calls the service
the pages and the admin call; a refusal is a 409 with its code."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.idempotency import idempotent
from api.models import ApiKey
from api.permissions import HasScope, IsStaff, access_of
from api.schema import IDEMPOTENCY_KEY, refused
from matching.models import Evaluator, ExclusionRequest
from matching.services.exclusions import exclusion_decide, exclusion_request
from startups.models import Application
from startups.selectors import applications_changeable_by


class ExclusionRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExclusionRequest
        fields = [
            "id",
            "application",
            "organisation",
            "evaluator",
            "reason",
            "status",
            "requested_at",
            "answer",
            "decided_at",
        ]
        read_only_fields = fields


class ExclusionRequestCreateSerializer(serializers.Serializer):
    application = serializers.IntegerField(help_text="The caller's application.")
    organisation = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, help_text="Matched without spaces and case."
    )
    evaluator = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="One evaluator (programs without blind rounds)."
    )
    reason = serializers.CharField(max_length=2000)


class ExclusionDecideSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    answer = serializers.CharField(max_length=2000, help_text="Sent to the applicant.")


class ExclusionRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Staff: every request. Others: the requests of their startups' applications."""

    serializer_class = ExclusionRequestSerializer
    permission_classes = [HasScope]
    scopes = {"*": ApiKey.Scope.APPLICATIONS_READ, "decide": ApiKey.Scope.ROUNDS_MANAGE}
    filter_backends = []

    def get_queryset(self):
        access = access_of(self.request)
        rows = ExclusionRequest.objects.order_by("-requested_at", "-pk")
        if access.is_staff:
            return rows
        return rows.filter(application__in=applications_changeable_by(actor=access).values("pk"))

    @extend_schema(
        summary="File an exclusion request (before evaluators are assigned)",
        request=ExclusionRequestCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: ExclusionRequestSerializer,
            **refused("not_a_member", "exclusion_closed", "exclusion_subject", "exclusion_blind"),
        },
    )
    @idempotent
    def create(self, request):
        access = access_of(request)  # a partner's key changes no startup's applications: none found
        body = ExclusionRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            application = applications_changeable_by(actor=access).get(pk=data["application"])
        except Application.DoesNotExist:
            raise serializers.ValidationError({"application": "Not one of your applications."}) from None
        evaluator = None
        if data["evaluator"] is not None:
            evaluator = Evaluator.objects.filter(pk=data["evaluator"]).first()
            if evaluator is None:
                raise serializers.ValidationError({"evaluator": "No such evaluator."})
        created = exclusion_request(
            application=application,
            by=request.user,
            organisation=data["organisation"],
            evaluator=evaluator,
            reason=data["reason"],
        )
        return Response(ExclusionRequestSerializer(created).data, status=201)

    @extend_schema(
        summary="Accept or refuse an exclusion request (staff)",
        request=ExclusionDecideSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: ExclusionRequestSerializer, **refused("transition_not_allowed")},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    @idempotent
    def decide(self, request, pk=None):
        body = ExclusionDecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = exclusion_decide(request=self.get_object(), by=request.user, **body.validated_data)
        return Response(ExclusionRequestSerializer(decided).data)


def register(router) -> None:
    router.register("exclusion-requests", ExclusionRequestViewSet, basename="exclusion-request")
