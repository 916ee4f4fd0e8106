"""Exports for staff: a program's applications, a round's reviews and a round's results, as CSV or XLSX.

`GET /exports/applications.csv?program=<id>` (or `.xlsx`; likewise `reviews` and `round-results` with
`?round=<id>`) answers the file at once: CSV streamed row by row (UTF-8 with a byte-order mark, so
that Excel reads Korean), XLSX built in memory. An export of more rows than `EXPORT_SYNC_MAX_ROWS`
(5,000 unless set) is refused there (409 `export_too_large`) and made as a job instead:
`POST /exports/` answers 202 with the job, `GET /exports/{id}/` polls it and
`GET /exports/{id}/download/` serves the file. A job's file is served to staff and to the person who
started it (not through a partner's key); to anyone else it does not exist (404).

The rows are built by `matching.exports`, which the admin's export actions use too. The file
endpoints answer files; everything else (jobs, errors) is JSON, whatever the address's suffix.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.exports import FORMATS, export_check_download_size, export_file_path, export_start
from api.idempotency import idempotent
from api.models import ApiKey
from api.permissions import HasScope, IsStaff, access_of
from api.selectors import jobs_for, programs_for, rounds_for
from api.serializers.actions import JobSerializer
from api.serializers.common import ErrorSerializer
from api.views.jobs import job_accepted
from core.errors import DomainError
from jobs.models import Job
from matching.exports import CONTENT_TYPES, EXPORT_KINDS, ExportKind, csv_chunks, export_filename, rows_to_xlsx


class ExportNotReady(DomainError):
    code = "export_not_ready"


class ExportExpired(DomainError):
    code = "export_expired"
    http_status = 404


class FilesOrJson(DefaultContentNegotiation):
    """Files are answered as they are; what is rendered (a job, an error) is JSON, even at `….csv`."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(EXPORT_KINDS))
    format = serializers.ChoiceField(choices=FORMATS)
    program = serializers.IntegerField(required=False, min_value=1, help_text="For kind `applications`.")
    round = serializers.IntegerField(required=False, min_value=1, help_text="For kinds `reviews`, `round_results`.")

    def validate(self, data):
        param = EXPORT_KINDS[data["kind"]].param
        if data.get(param) is None:
            raise serializers.ValidationError({param: _("This field is required.")})
        return data


class ProgramQuery(serializers.Serializer):
    program = serializers.IntegerField(min_value=1)


class RoundQuery(serializers.Serializer):
    round = serializers.IntegerField(min_value=1)


TARGET_QUERIES = {"program": ProgramQuery, "round": RoundQuery}


def may_download(access, job: Job) -> bool:
    """A job's file: staff, or the person who started the job (not through a partner's key)."""
    return access.is_staff or (job.created_by_id == access.user.pk and access.partner_id is None)


FILE_DESCRIPTION = "The file, as an attachment: CSV (UTF-8 with a byte-order mark, streamed) or XLSX."
FILE_RESPONSES = {
    (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=FILE_DESCRIPTION)
    for media_type in ("text/csv", CONTENT_TYPES["xlsx"])
}
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A parameter is missing or not valid (`fields` says which)."),
    403: OpenApiResponse(ErrorSerializer, description="Staff only; a key needs the scope exports:read."),
    404: OpenApiResponse(ErrorSerializer, description="No such program or round, or no such format."),
    409: OpenApiResponse(
        ErrorSerializer,
        description=(
            "`export_too_large`: more rows than the server answers at once; start a job with `POST /exports/`."
        ),
    ),
}
FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=FORMATS,
    required=True,
    description="`csv` or `xlsx`; the address may carry it as a suffix instead (`applications.csv`).",
)


def _file_schema(kind: ExportKind, summary: str):
    return extend_schema(
        summary=summary,
        parameters=[
            OpenApiParameter(kind.param, OpenApiTypes.INT, OpenApiParameter.QUERY, required=True),
            FORMAT,
        ],
        responses={**FILE_RESPONSES, **ERRORS},
    )


@extend_schema_view(
    create=extend_schema(
        summary="Start an export job (for large exports)",
        request=ExportRequestSerializer,
        responses={202: JobSerializer, **{code: ERRORS[code] for code in (400, 403, 404)}},
    ),
    retrieve=extend_schema(
        summary="An export job: poll until it has succeeded or failed",
        responses={200: JobSerializer, 404: OpenApiResponse(ErrorSerializer, description="No such export job.")},
    ),
    download=extend_schema(
        summary="The file of a finished export job",
        responses={
            **FILE_RESPONSES,
            403: ERRORS[403],
            404: OpenApiResponse(ErrorSerializer, description="No such export job, or not yours."),
            409: OpenApiResponse(ErrorSerializer, description="`export_not_ready`: the job has not succeeded."),
        },
    ),
)
class ExportViewSet(viewsets.GenericViewSet):
    """Exports as files (staff), and export jobs for large ones."""

    scopes = {"*": ApiKey.Scope.EXPORTS_READ}
    queryset = Job.objects.none()  # for the schema; jobs come from get_queryset
    serializer_class = JobSerializer
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FilesOrJson
    filter_backends = []
    pagination_class = None

    def get_permissions(self):
        if self.action in ("retrieve", "download"):
            return [HasScope()]  # whose job it is decides in get_object
        return [IsStaff()]

    def get_queryset(self):
        return jobs_for(access_of(self.request)).filter(kind=Job.Kind.EXPORT)

    def get_object(self):
        job = super().get_object()
        if not may_download(access_of(self.request), job):
            raise Http404  # someone else's job does not exist for the caller
        return job

    # ---- files at once

    @_file_schema(EXPORT_KINDS["applications"], "A program's applications as CSV or XLSX")
    @action(detail=False, methods=["get"])
    def applications(self, request, *args, **kwargs):
        return self.file(EXPORT_KINDS["applications"])

    @_file_schema(EXPORT_KINDS["reviews"], "A round's assignments and reviews, with scores, as CSV or XLSX")
    @action(detail=False, methods=["get"])
    def reviews(self, request, *args, **kwargs):
        return self.file(EXPORT_KINDS["reviews"])

    @_file_schema(EXPORT_KINDS["round_results"], "A round's results as CSV or XLSX")
    @action(detail=False, methods=["get"], url_path="round-results")
    def round_results(self, request, *args, **kwargs):
        return self.file(EXPORT_KINDS["round_results"])

    def file(self, kind: ExportKind):
        file_format = self.format_kwarg or self.request.query_params.get("format")
        if file_format not in FORMATS:
            raise Http404
        query = TARGET_QUERIES[kind.param](data=self.request.query_params)
        query.is_valid(raise_exception=True)
        target = self.target(kind, query.validated_data[kind.param])
        queryset = kind.queryset(target)
        export_check_download_size(queryset=queryset)
        header, rows = kind.table(queryset)
        name = export_filename(kind, target, file_format)
        if file_format == "csv":
            response = StreamingHttpResponse(_localised(csv_chunks(header, rows)), content_type=CONTENT_TYPES["csv"])
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        content = rows_to_xlsx(header, rows, title=kind.title())
        return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=CONTENT_TYPES["xlsx"])

    def target(self, kind: ExportKind, pk: int):
        access = access_of(self.request)
        targets = programs_for(access) if kind.param == "program" else rounds_for(access)
        return get_object_or_404(targets.prefetch_related(None), pk=pk)

    # ---- jobs

    @idempotent
    def create(self, request, *args, **kwargs):
        body = ExportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kind = EXPORT_KINDS[body.validated_data["kind"]]
        target = self.target(kind, body.validated_data[kind.param])
        job = export_start(kind=kind, file_format=body.validated_data["format"], target=target, by=request.user)
        return job_accepted(job, url_name="api:export-detail")

    def retrieve(self, request, *args, **kwargs):
        return Response(JobSerializer(self.get_object()).data)

    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        job = self.get_object()
        if job.result.get("expired"):
            raise ExportExpired(
                _("This export's file has been deleted after %(days)s days; start it again.")
                % {"days": settings.EXPORT_KEEP_DAYS}
            )
        path = export_file_path(job=job)
        if path is None:
            raise ExportNotReady(_("The export is not ready: its job has not succeeded."))
        if not default_storage.exists(path):
            raise Http404
        file_format = path.rsplit(".", 1)[-1]
        return FileResponse(
            default_storage.open(path, "rb"),
            as_attachment=True,
            filename=job.result["file"],
            content_type=CONTENT_TYPES.get(file_format, "application/octet-stream"),
        )


def _localised(chunks):
    """Chunks produced in the request's language and time zone, also while the server streams them
    (after the view has returned and the middleware has finished)."""
    language, zone = translation.get_language(), timezone.get_current_timezone()
    iterator = iter(chunks)
    while True:
        with translation.override(language), timezone.override(zone):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


def register(router) -> None:
    router.register("exports", ExportViewSet, basename="export")
