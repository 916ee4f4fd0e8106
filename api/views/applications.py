"""Applications, startups, round results and the final selection: read-only.

Rows come from the selectors in `api.selectors` (staff all; a partner its programs' finalists and
published results; applicants their own); the serializers leave out the fields a reader may not see.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, viewsets
from rest_framework.response import Response

from api.filters import FilterBackend, FilterSet, IdFilter, StrictBooleanFilter
from api.models import ApiKey
from api.pagination import RowsByIds
from api.permissions import access_of
from api.selectors import (
    applications_for,
    attachment_ids_downloadable,
    own_startup_ids,
    round_results_for,
    selection_for,
    startups_for,
)
from api.serializers.applications import (
    LIST_COLUMNS,
    ApplicationDetailSerializer,
    ApplicationSerializer,
    RoundResultSerializer,
    SelectionEntrySerializer,
    StartupSerializer,
    Viewer,
    application_detail,
    application_detail_row,
    application_rows,
    latest_result,
)
from api.serializers.common import ErrorSerializer
from matching.models import RoundResult, SelectionEntry
from startups.models import Application, Startup

WITHOUT_SEARCH = [FilterBackend, filters.OrderingFilter]
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A filter value is not valid."),
    401: OpenApiResponse(ErrorSerializer, description="No or a bad credential."),
    403: OpenApiResponse(ErrorSerializer, description="The key lacks `applications:read`."),
    404: OpenApiResponse(ErrorSerializer, description="A page past the last one."),
}
DETAIL_ERRORS = {**ERRORS, 404: OpenApiResponse(ErrorSerializer, description="Unknown, or not visible to the caller.")}
DETAIL_ERRORS.pop(400)


class ScopedReadViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only, scope `applications:read`, with the reader passed to the serializer."""

    scopes = {"*": ApiKey.Scope.APPLICATIONS_READ}

    @property
    def access(self):
        return access_of(self.request)

    def viewer(self) -> Viewer:
        access = self.access
        own = frozenset() if access.is_staff else own_startup_ids(access)
        return Viewer(is_staff=access.is_staff, own_startup_ids=own)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["viewer"] = self.viewer()
        return context


class ApplicationSearch(filters.SearchFilter):
    """Receipt number, title, the startup's Korean or English name; staff also by business
    registration number, with or without hyphens."""

    def filter_queryset(self, request, queryset, view):
        is_staff = access_of(request).is_staff
        for term in self.get_search_terms(request):
            matches = (
                Q(receipt_number__icontains=term)
                | Q(title__icontains=term)
                | Q(startup__name_ko__icontains=term)
                | Q(startup__name_en__icontains=term)
            )
            digits = term.replace("-", "")
            if is_staff and digits.isdigit():
                matches |= Q(startup__brn__contains=digits)
            queryset = queryset.filter(matches)
        return queryset


class ApplicationFilter(FilterSet):
    program = IdFilter()
    track = IdFilter()
    round = IdFilter(method="filter_round", label="Applications with a result in this round (one the caller may see).")
    advanced = StrictBooleanFilter(
        method="filter_round", label="Only those that advanced (true) or did not (false), in `round` if given."
    )

    class Meta:
        model = Application
        fields = {
            "status": ["exact"],
            "submitted_at": ["gte", "lte"],
        }

    def filter_round(self, queryset, name, value):
        return queryset  # both parameters are applied together in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        round_id, advanced = self.form.cleaned_data.get("round"), self.form.cleaned_data.get("advanced")
        if round_id is None and advanced is None:
            return queryset
        results = round_results_for(access_of(self.request))
        if round_id is not None:
            results = results.filter(round_id=round_id)
        if advanced is not None:
            results = results.filter(advanced=advanced)
        return queryset.filter(pk__in=results.values("application_id"))


@extend_schema_view(
    list=extend_schema(
        summary="Applications the caller may see",
        description=(
            "Staff: all. A partner: its programs' finalists (advanced, selected, reserve). An applicant: "
            "their startups' applications. `latest_result` is the newest result of a round the caller may see."
        ),
        responses={200: ApplicationSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One application with its last submitted content",
        description=(
            "`submission` is the last submitted version (null for a draft never submitted): answers with "
            "their display values, declarations, partner preferences and attachments, each with a "
            "permission-checked `download_url` (for a signed-in session) or null when the caller may not "
            "download it. `ineligible_reasons`: staff and the startup's members only."
        ),
        responses={200: ApplicationDetailSerializer, **DETAIL_ERRORS},
    ),
)
class ApplicationViewSet(ScopedReadViewSet):
    queryset = Application.objects.none()  # for the schema; rows come from get_queryset
    filterset_class = ApplicationFilter
    filter_backends = [
        FilterBackend,
        ApplicationSearch,
        filters.OrderingFilter,
    ]
    search_fields = ["receipt_number", "title", "startup__name_ko", "startup__name_en"]
    ordering_fields = ["submitted_at", "receipt_number", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Application.objects.none()
        return applications_for(self.access).order_by("program_id", "receipt_number", "pk")

    def get_serializer_class(self):
        return ApplicationDetailSerializer if self.action == "retrieve" else ApplicationSerializer

    def list(self, request, *args, **kwargs):
        # Rows, not instances: the count and the page with the newest result of each are two queries,
        # built without a serializer field per value (see api.serializers.applications).
        # The SQL is kept per caller and request (RowsByIds): everything the queryset is built from.
        access = self.access
        key = ("applications", access.user.pk, access.key.pk if access.key else None, access.shape)
        rows = RowsByIds(
            lambda: self.filter_queryset(self.get_queryset()),
            LIST_COLUMNS,
            key=(*key, tuple(sorted((name, tuple(values)) for name, values in request.query_params.lists()))),
            annotations=lambda: {"latest_result": latest_result(round_results_for(access))},
        )
        return self.get_paginated_response(application_rows(self.paginate_queryset(rows), viewer=self.viewer()))

    def retrieve(self, request, *args, **kwargs):
        # The id alone decides (list filters do not apply to one application); not visible is a 404.
        # One query for the application, its newest visible result, last submission and form.
        access = self.access
        row = application_detail_row(access, kwargs["pk"])
        if row is None:
            raise Http404

        def downloadable() -> frozenset[int]:
            return attachment_ids_downloadable(access, application=Application(pk=row["id"]))

        return Response(application_detail(row, viewer=self.viewer(), downloadable=downloadable, request=request))


class StartupFilter(FilterSet):
    sector = django_filters.CharFilter(field_name="sectors__code", label="A sector's code.")

    class Meta:
        model = Startup
        fields = ["sector"]


@extend_schema_view(
    list=extend_schema(
        summary="Startups the caller may see",
        description="Staff: all. Applicants: their own. Partners: the startups of the applications they see. "
        "`brn` and `flags` are shown to staff and the startup's own members only.",
        responses={200: StartupSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(summary="One startup", responses={200: StartupSerializer, **DETAIL_ERRORS}),
)
class StartupViewSet(ScopedReadViewSet):
    queryset = Startup.objects.none()  # for the schema; rows come from get_queryset
    serializer_class = StartupSerializer
    filterset_class = StartupFilter
    search_fields = ["name_ko", "name_en"]
    ordering_fields = ["name_ko", "founded_on", "id"]

    def get_queryset(self):
        return startups_for(self.access)


class RoundResultFilter(FilterSet):
    round = IdFilter()
    program = IdFilter(field_name="round__program")
    advanced = StrictBooleanFilter(field_name="advanced")

    class Meta:
        model = RoundResult
        fields = ["round", "program", "advanced"]


@extend_schema_view(
    list=extend_schema(
        summary="Round results the caller may see",
        description=(
            "Staff: all, with the scores behind the result and any override. Partners: results of published "
            "rounds for their finalists (final score, rank, failed, advanced). Applicants: whether their "
            "applications advanced in published rounds."
        ),
        responses={200: RoundResultSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(summary="One round result", responses={200: RoundResultSerializer, **DETAIL_ERRORS}),
)
class RoundResultViewSet(ScopedReadViewSet):
    queryset = RoundResult.objects.none()  # for the schema; rows come from get_queryset
    serializer_class = RoundResultSerializer
    filterset_class = RoundResultFilter
    filter_backends = WITHOUT_SEARCH
    ordering_fields = ["rank", "final_score", "id"]

    def get_queryset(self):
        return round_results_for(self.access)


class SelectionFilter(FilterSet):
    program = IdFilter()

    class Meta:
        model = SelectionEntry
        fields = ["program", "outcome"]


@extend_schema_view(
    list=extend_schema(
        summary="The final selection",
        description=(
            "Staff: every entry. Partners: the selected and reserve entries of their programs once the "
            "program is finalised. Applicants: their own entries once the program is finalised."
        ),
        responses={200: SelectionEntrySerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(summary="One selection entry", responses={200: SelectionEntrySerializer, **DETAIL_ERRORS}),
)
class SelectionViewSet(ScopedReadViewSet):
    queryset = SelectionEntry.objects.none()  # for the schema; rows come from get_queryset
    serializer_class = SelectionEntrySerializer
    filterset_class = SelectionFilter
    filter_backends = WITHOUT_SEARCH
    ordering_fields = ["position", "id"]

    def get_queryset(self):
        return selection_for(self.access)


def register(router) -> None:
    router.register("applications", ApplicationViewSet, basename="application")
    router.register("startups", StartupViewSet, basename="startup")
    router.register("round-results", RoundResultViewSet, basename="round-result")
    router.register("selection", SelectionViewSet, basename="selection-entry")
