"""Jobs started through the API (assignment, computing results, large exports), polled until done."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from api.filters import FilterSet
from api.models import ApiKey
from api.permissions import access_of
from api.selectors import jobs_for
from api.serializers.actions import JobSerializer
from api.serializers.common import ErrorSerializer
from jobs.models import Job


def job_accepted(job: Job, *, url_name: str = "api:job-detail") -> Response:
    """202 with the job, and the address to poll it at in `Location`."""
    location = reverse(url_name, kwargs={"pk": job.pk})
    return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class JobFilter(FilterSet):
    class Meta:
        model = Job
        fields = {"kind": ["exact"], "status": ["exact"]}


@extend_schema_view(
    list=extend_schema(summary="Jobs: your own (staff: all)"),
    retrieve=extend_schema(
        summary="A job: poll until it has succeeded or failed",
        responses={200: JobSerializer, 404: OpenApiResponse(ErrorSerializer, description="No such job of yours.")},
    ),
)
class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """The jobs the caller started (staff: every job), newest first."""

    scopes = {"*": ApiKey.Scope.ROUNDS_MANAGE}
    queryset = Job.objects.none()  # for the schema; the caller's jobs come from get_queryset
    serializer_class = JobSerializer
    filterset_class = JobFilter
    ordering_fields = ["created_at", "id"]

    def get_queryset(self):
        return jobs_for(access_of(self.request))


def register(router) -> None:
    router.register("jobs", JobViewSet, basename="job")
