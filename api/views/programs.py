"""Programs (with tracks, partners and questions) and rounds (with criteria): read-only."""

from rest_framework import viewsets

from api.filters import FilterSet, IdFilter
from api.models import ApiKey
from api.permissions import access_of
from api.selectors import program_detail_queryset, programs_for, rounds_for
from api.serializers.programs import ProgramDetailSerializer, ProgramSerializer, RoundSerializer
from matching.models import EvaluationRound, Program


class ProgramFilter(FilterSet):
    class Meta:
        model = Program
        fields = {"status": ["exact"], "slug": ["exact"], "closes_at": ["gte", "lte"]}


class ProgramViewSet(viewsets.ReadOnlyModelViewSet):
    """Programs the caller may see; the detail adds tracks, partners (with seats) and questions."""

    scopes = {"*": ApiKey.Scope.PROGRAMS_READ}
    filterset_class = ProgramFilter
    search_fields = ["name_ko", "name_en", "slug", "host"]
    ordering_fields = ["opens_at", "closes_at", "name_ko", "id"]

    def get_queryset(self):
        access = access_of(self.request)
        return program_detail_queryset(access) if self.action == "retrieve" else programs_for(access)

    def get_serializer_class(self):
        return ProgramDetailSerializer if self.action == "retrieve" else ProgramSerializer


class RoundFilter(FilterSet):
    # An id filter that matches nothing answers an empty list, as everywhere in the API: a 400 for an
    # unknown id would tell a caller which ids exist.
    program = IdFilter(field_name="program_id")

    class Meta:
        model = EvaluationRound
        fields = {"status": ["exact"], "kind": ["exact"]}


class RoundViewSet(viewsets.ReadOnlyModelViewSet):
    """Evaluation rounds of the programs the caller may see, with their criteria."""

    scopes = {"*": ApiKey.Scope.PROGRAMS_READ}
    serializer_class = RoundSerializer
    filterset_class = RoundFilter
    ordering_fields = ["order", "opens_at", "closes_at", "id"]

    def get_queryset(self):
        return rounds_for(access_of(self.request))


def register(router) -> None:
    router.register("programs", ProgramViewSet, basename="program")
    router.register("rounds", RoundViewSet, basename="round")
