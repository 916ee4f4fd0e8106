"""Partners' rankings of finalists: `/rankings/` lists the rankings the caller may read (staff: every
program partner's; a partner member or a partner's key: its own partner's), `/rankings/{program}/`
reads one program's (staff name the partner with `?partner=`), `PUT` replaces its entries (a draft) and
`POST …/submit/` submits it. Writes reach only the caller's own partner, staff included, and call the
service the partner page calls (`ranking_save`): refused whole with 422 and the problems by field."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.filters import FilterSet, IdFilter
from api.idempotency import idempotent
from api.models import ApiKey
from api.permissions import access_of
from api.schema import IDEMPOTENCY_KEY
from api.serializers.common import ErrorSerializer
from api.serializers.rankings import RankingSerializer, RankingWriteSerializer, ranking_view
from matching.models import PartnerMembership, PartnerRanking, PartnerRankingEntry, ProgramPartner
from matching.services.rankings import ranking_save, ranking_submit

WRITES = {"update", "submit"}
PARTNER = OpenApiParameter(
    "partner", OpenApiTypes.INT, description="The partner, where the caller may read several in the program."
)
ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="The key lacks the scope."),
    404: OpenApiResponse(ErrorSerializer, description="None of the caller's partners takes part in the program."),
    409: OpenApiResponse(
        ErrorSerializer, description="The ranking deadline has passed, or the partner ranks by a round."
    ),
    422: OpenApiResponse(
        ErrorSerializer, description="Not finalists, ranks given twice, or (submit) finalists left undecided."
    ),
}


class RankingFilter(FilterSet):
    program = IdFilter(field_name="program_id")
    partner = IdFilter(field_name="partner_id")

    class Meta:
        model = ProgramPartner
        fields: list[str] = []


def links_for(access, *, writing: bool = False) -> QuerySet[ProgramPartner]:
    """The (program, partner) pairs whose ranking the caller reads: staff every one (reading), a partner
    member or a partner's key those of its partners (current membership); writes only the latter."""
    links = ProgramPartner.objects.select_related("program", "partner")
    if access.is_staff and not writing:
        return links.order_by("program_id", "partner__name", "pk")
    partners = PartnerMembership.objects.acted_through(access).values("partner_id")
    return links.filter(partner_id__in=partners).order_by("program_id", "partner__name", "pk")


def rankings_of(links: list[ProgramPartner]) -> dict[tuple[int, int], PartnerRanking]:
    """The rankings of the pairs, entries and their receipt numbers included, in two queries."""
    if not links:
        return {}
    entries = PartnerRankingEntry.objects.select_related("application").only(
        "ranking_id", "application_id", "rank", "not_interested", "application__receipt_number"
    )
    rows = PartnerRanking.objects.filter(
        program_id__in={link.program_id for link in links}, partner_id__in={link.partner_id for link in links}
    ).prefetch_related(Prefetch("entries", queryset=entries))
    return {(r.program_id, r.partner_id): r for r in rows}


@extend_schema_view(
    list=extend_schema(summary="Partners' rankings the caller may read"),
    retrieve=extend_schema(
        summary="A partner's ranking of a program's finalists",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The program."),
            PARTNER,
        ],
        responses={200: RankingSerializer, 400: ErrorSerializer, 404: ERRORS[404]},
    ),
)
class RankingViewSet(viewsets.GenericViewSet):
    scopes = {
        "list": ApiKey.Scope.APPLICATIONS_READ,
        "retrieve": ApiKey.Scope.APPLICATIONS_READ,
        "*": ApiKey.Scope.REVIEWS_WRITE,
    }
    serializer_class = RankingSerializer
    filterset_class = RankingFilter
    ordering_fields = ["id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return ProgramPartner.objects.none()
        return links_for(access_of(self.request), writing=self.action in WRITES)

    def _link(self, pk) -> ProgramPartner:
        links = self.get_queryset().filter(program_id=pk)
        partner = self.request.query_params.get("partner")
        if partner:
            if not partner.isdigit():
                raise ValidationError({"partner": [_("A partner id is a whole number.")]})
            links = links.filter(partner_id=int(partner))
        found = list(links[:2])
        if not found:
            raise Http404
        if len(found) > 1:
            raise ValidationError({"partner": [_("Several partners of the program: name one with ?partner=.")]})
        return found[0]

    def _answer(self, link: ProgramPartner) -> Response:
        ranking = rankings_of([link]).get((link.program_id, link.partner_id))
        return Response(RankingSerializer(ranking_view(link, ranking)).data)

    def list(self, request):
        links = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(links)
        rankings = rankings_of(page)
        data = [
            RankingSerializer(ranking_view(link, rankings.get((link.program_id, link.partner_id)))).data
            for link in page
        ]
        return self.get_paginated_response(data)

    def retrieve(self, request, pk=None):
        return self._answer(self._link(pk))

    @extend_schema(
        summary="Replace the caller's partner's ranking (a draft)",
        description="The whole ranking: each entry a finalist with a rank from 1 (each rank once) or "
        "`not_interested`; finalists left out are undecided. Saved whole or refused whole (422, problems under "
        "`fields` as `entry:<application id>`). A submitted ranking saved again is a draft until submitted.",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The program."),
            PARTNER,
        ],
        request=RankingWriteSerializer,
        responses={200: RankingSerializer, 400: ErrorSerializer, **ERRORS},
    )
    def update(self, request, pk=None):
        link = self._link(pk)
        body = RankingWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ranking_save(program=link.program, partner=link.partner, entries=body.service_entries(), by=request.user)
        return self._answer(link)

    @extend_schema(
        summary="Submit the caller's partner's ranking",
        description="Submits the saved entries; every finalist needs a rank or `not_interested` (422 lists the "
        "others). Until the ranking deadline it may be changed and submitted again.",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The program."),
            PARTNER,
            IDEMPOTENCY_KEY,
        ],
        request=None,
        responses={200: RankingSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request, pk=None):
        link = self._link(pk)
        ranking_submit(program=link.program, partner=link.partner, by=request.user)
        return self._answer(link)


def register(router) -> None:
    router.register("rankings", RankingViewSet, basename="ranking")
