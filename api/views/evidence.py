"""Evidence for bonus points (가점 증빙) in the API. Staff list the documents (`/bonus-evidence/`, filtered
by program, round and status) and verify or reject one (with a reason); an applicant's startup members
read the state of theirs under their application (`/applications/{id}/bonus-evidence/`). Each endpoint
calls the services the admin and the pages use; a refusal is a 409 with its code, bad input a 422."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from api.filters import FilterBackend, FilterSet, IdFilter
from api.idempotency import idempotent
from api.models import ApiKey
from api.permissions import HasScope, IsStaff, access_of
from api.schema import IDEMPOTENCY_KEY, refused
from matching.models import BonusEvidence, EvaluationRound
from matching.services.evidence import bonus_evidence_of_round, bonus_evidence_reject, bonus_evidence_verify
from startups.selectors import applications_changeable_by


class BonusEvidenceSerializer(serializers.ModelSerializer):
    file_name = serializers.CharField(source="attachment.original_name", read_only=True)

    class Meta:
        model = BonusEvidence
        fields = [
            "id",
            "application",
            "flag",
            "attachment",
            "file_name",
            "status",
            "reason",
            "reviewed_at",
            "created_at",
        ]
        read_only_fields = fields


class BonusEvidenceRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the document is rejected; the applicant reads it.")


class BonusEvidenceFilter(FilterSet):
    program = IdFilter(field_name="application__program_id")
    round = IdFilter(method="of_round")

    class Meta:
        model = BonusEvidence
        fields = ["program", "round", "status"]

    def of_round(self, rows, name, value):
        evaluation_round = EvaluationRound.objects.filter(pk=value).first()
        if evaluation_round is None:
            return rows.none()
        return rows.filter(pk__in=bonus_evidence_of_round(round=evaluation_round).values("pk"))


class BonusEvidenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Staff: every document for bonus points, filtered by `program`, `round` (the documents that round's
    computation reads) and `status`."""

    serializer_class = BonusEvidenceSerializer
    permission_classes = [IsStaff]
    scopes = {
        "*": ApiKey.Scope.APPLICATIONS_READ,
        "verify": ApiKey.Scope.ROUNDS_MANAGE,
        "reject": ApiKey.Scope.ROUNDS_MANAGE,
    }
    filter_backends = [FilterBackend]
    filterset_class = BonusEvidenceFilter

    def get_queryset(self):
        return BonusEvidence.objects.select_related("attachment").order_by("-created_at", "-pk")

    @extend_schema(
        summary="Verify a document: its bonus counts (staff)",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: BonusEvidenceSerializer, **refused("transition_not_allowed")},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def verify(self, request, pk=None):
        verified = bonus_evidence_verify(evidence=self.get_object(), by=request.user)
        return Response(BonusEvidenceSerializer(verified).data)

    @extend_schema(
        summary="Reject a document, saying why: its bonus does not count (staff)",
        request=BonusEvidenceRejectSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: BonusEvidenceSerializer, **refused("transition_not_allowed")},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request, pk=None):
        body = BonusEvidenceRejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rejected = bonus_evidence_reject(evidence=self.get_object(), by=request.user, **body.validated_data)
        return Response(BonusEvidenceSerializer(rejected).data)


class ApplicationBonusEvidenceViewSet(viewsets.GenericViewSet):
    """The documents for bonus points of one of the caller's applications, with their state."""

    serializer_class = BonusEvidenceSerializer
    permission_classes = [HasScope]
    scopes = {"*": ApiKey.Scope.APPLICATIONS_READ}
    filter_backends = []
    pagination_class = None

    @extend_schema(
        summary="The documents for bonus points of one of your applications (verified, pending, rejected with why)",
        responses={200: BonusEvidenceSerializer(many=True)},
    )
    def list(self, request, application_pk=None):
        application = get_object_or_404(applications_changeable_by(actor=access_of(request)), pk=application_pk)
        rows = BonusEvidence.objects.filter(application=application).select_related("attachment")
        return Response(BonusEvidenceSerializer(rows, many=True).data)


def register(router) -> None:
    router.register("bonus-evidence", BonusEvidenceViewSet, basename="bonus-evidence")
    router.register(
        r"applications/(?P<application_pk>[0-9]+)/bonus-evidence",
        ApplicationBonusEvidenceViewSet,
        basename="application-bonus-evidence",
    )
