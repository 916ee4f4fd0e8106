"""Appeals (이의신청) and feedback in the API. An applicant's startup members file an appeal and read
theirs under their application (`/applications/{id}/appeals/`) and read the feedback each published
round shares (`/applications/{id}/feedback/`); staff list every appeal (`/appeals/`) and decide one.
Each endpoint calls the service or selector the pages and the admin use; a refusal is a 409 with its
code, bad input a 422."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from api.filters import FilterBackend, FilterSet, IdFilter
from api.idempotency import idempotent
from api.models import ApiKey
from api.permissions import HasScope, IsStaff, access_of
from api.schema import IDEMPOTENCY_KEY, refused
from matching.feedback import appeals_visible_to, feedback_for
from matching.models import Appeal, EvaluationRound
from matching.services.appeals import REASON_MAX, appeal_decide, appeal_file, appeal_reinstate
from startups.models import Application
from startups.selectors import applications_changeable_by


class AppealSerializer(serializers.ModelSerializer):
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = [
            "id",
            "application",
            "round",
            "reason",
            "has_file",
            "file_name",
            "status",
            "filed_at",
            "answer",
            "decided_at",
        ]
        read_only_fields = fields

    def get_has_file(self, appeal: Appeal) -> bool:
        return bool(appeal.file)


class AppealCreateSerializer(serializers.Serializer):
    round = serializers.IntegerField(help_text="The published round whose result is appealed.")
    reason = serializers.CharField(max_length=REASON_MAX)
    file = serializers.FileField(required=False, allow_null=True, help_text="Optional; checked by its content.")


class AppealDecideSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    answer = serializers.CharField(max_length=5000, help_text="Sent to the applicant.")


class AppealReinstateSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class CriterionMeanSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion_id")
    label_ko = serializers.CharField()
    label_en = serializers.CharField()
    max_score = serializers.DecimalField(max_digits=6, decimal_places=2)
    mean = serializers.DecimalField(max_digits=9, decimal_places=2, source="shown", help_text="Rounded to 2 places.")


class RoundFeedbackSerializer(serializers.Serializer):
    round = serializers.IntegerField(source="round.pk")
    final_score = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    band = serializers.CharField(allow_null=True, help_text="Rank band, e.g. “top 11–30%”, in the caller's language.")
    criterion_means = CriterionMeanSerializer(many=True)
    comments = serializers.ListField(child=serializers.CharField(), help_text="Sorted by text; never who wrote them.")


class AppealFilter(FilterSet):
    round = IdFilter()

    class Meta:
        model = Appeal
        fields = ["status", "round"]


class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Staff: every appeal. Others: the appeals of their startups' applications."""

    serializer_class = AppealSerializer
    permission_classes = [HasScope]
    scopes = {
        "*": ApiKey.Scope.APPLICATIONS_READ,
        "decide": ApiKey.Scope.ROUNDS_MANAGE,
        "reinstate": ApiKey.Scope.ROUNDS_MANAGE,
    }
    filter_backends = [FilterBackend]
    filterset_class = AppealFilter

    def get_queryset(self):
        return appeals_visible_to(actor=access_of(self.request)).order_by("-filed_at", "-pk")

    @extend_schema(
        summary="Uphold or dismiss an appeal, with the answer the applicant receives (staff)",
        request=AppealDecideSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: AppealSerializer, **refused("transition_not_allowed")},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    @idempotent
    def decide(self, request, pk=None):
        body = AppealDecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = appeal_decide(appeal=self.get_object(), by=request.user, **body.validated_data)
        return Response(AppealSerializer(decided).data)

    @extend_schema(
        summary="Let the application of an upheld appeal advance from its round after all (staff)",
        request=AppealReinstateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: AppealSerializer,
            **refused(
                "appeal_not_upheld",
                "no_result",
                "no_change",
                "selection_final",
                "next_round_computed",
                "not_reinstatable",
            ),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    @idempotent
    def reinstate(self, request, pk=None):
        body = AppealReinstateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appeal = self.get_object()
        appeal_reinstate(appeal=appeal, by=request.user, reason=body.validated_data.get("reason", ""))
        return Response(AppealSerializer(self.get_queryset().get(pk=appeal.pk)).data)


class ApplicationAppealViewSet(viewsets.GenericViewSet):
    """The appeals of one of the caller's applications: read them, file one."""

    serializer_class = AppealSerializer
    permission_classes = [HasScope]
    scopes = {"*": ApiKey.Scope.APPLICATIONS_READ}
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filter_backends = []
    pagination_class = None

    @extend_schema(summary="The appeals of one of your applications", responses={200: AppealSerializer(many=True)})
    def list(self, request, application_pk=None):
        application = get_object_or_404(applications_changeable_by(actor=access_of(request)), pk=application_pk)
        rows = Appeal.objects.filter(application=application).order_by("filed_at", "pk")
        return Response(AppealSerializer(rows, many=True).data)

    @extend_schema(
        summary="File an appeal against a published round's result (once per round, inside its window)",
        request={"multipart/form-data": AppealCreateSerializer, "application/json": AppealCreateSerializer},
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: AppealSerializer,
            **refused(
                "not_a_member",
                "appeal_window_closed",
                "appeal_exists",
                "advanced",
                "empty_file",
                "file_too_large",
                "file_type_refused",
            ),
        },
    )
    @idempotent
    def create(self, request, application_pk=None):
        application = get_object_or_404(applications_changeable_by(actor=access_of(request)), pk=application_pk)
        body = AppealCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        evaluation_round = EvaluationRound.objects.filter(pk=data["round"], program_id=application.program_id).first()
        if evaluation_round is None:
            raise serializers.ValidationError({"round": "No such round in the application's program."})
        created = appeal_file(
            application=application,
            round=evaluation_round,
            by=request.user,
            reason=data["reason"],
            upload=data.get("file"),
        )
        return Response(AppealSerializer(created).data, status=201)


class ApplicationFeedbackViewSet(viewsets.GenericViewSet):
    """What each published round of the application shares with the applicant."""

    serializer_class = RoundFeedbackSerializer
    permission_classes = [HasScope]
    scopes = {"*": ApiKey.Scope.APPLICATIONS_READ}
    filter_backends = []
    pagination_class = None

    @extend_schema(
        summary="Feedback the published rounds share (score and band, criterion means, comments)",
        responses={200: RoundFeedbackSerializer(many=True)},
    )
    def list(self, request, application_pk=None):
        access = access_of(request)
        # Staff read any application's feedback; others their startups' own (another's is a 404).
        rows = Application.objects.all() if access.is_staff else applications_changeable_by(actor=access)
        feedback = feedback_for(application=get_object_or_404(rows, pk=application_pk), actor=access)
        return Response(RoundFeedbackSerializer(feedback, many=True).data)


def register(router) -> None:
    router.register("appeals", AppealViewSet, basename="appeal")
    router.register(
        r"applications/(?P<application_pk>[0-9]+)/appeals", ApplicationAppealViewSet, basename="application-appeal"
    )
    router.register(
        r"applications/(?P<application_pk>[0-9]+)/feedback", ApplicationFeedbackViewSet, basename="application-feedback"
    )
