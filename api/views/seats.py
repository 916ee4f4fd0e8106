"""Acceptance of a seat and the agreement (협약) in the API. The startup's members accept or decline
the seat offered to their application (`POST /applications/{id}/accept/`, `/decline/`) and upload its
agreement documents (`POST /applications/{id}/agreement-documents/`); staff list the agreement files
(`/agreement-documents/`, filtered by `status`) and approve or return one. Each endpoint
calls the service the pages and the admin use; a refusal is a 409 with its code, bad input a 422."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from api.filters import FilterBackend, FilterSet
from api.idempotency import idempotent
from api.models import ApiKey
from api.permissions import HasScope, IsStaff, access_of
from api.schema import IDEMPOTENCY_KEY, refused
from api.serializers.applications import SelectionEntrySerializer
from matching.models import AgreementDocument, AgreementRequirement, SelectionEntry
from matching.services.acceptance import (
    agreement_document_approve,
    agreement_document_return,
    agreement_document_upload,
    agreement_documents_visible_to,
    selection_accept,
    selection_decline,
)
from startups.selectors import applications_changeable_by


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Why the seat is declined (kept for staff).")


class AgreementDocumentSerializer(serializers.ModelSerializer):
    application = serializers.IntegerField(source="entry.application_id", read_only=True)
    requirement_code = serializers.CharField(source="requirement.code", read_only=True)

    class Meta:
        model = AgreementDocument
        fields = [
            "id",
            "application",
            "requirement",
            "requirement_code",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "status",
            "uploaded_at",
            "reviewed_at",
            "comment",
        ]
        read_only_fields = fields


class ReviewCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, help_text="Sent to the startup.")


class AgreementUploadSerializer(serializers.Serializer):
    requirement = serializers.IntegerField(help_text="The agreement document this file is (its id in the program).")
    file = serializers.FileField(help_text="Checked by its content against the document's file types.")


def _entry(request, application_pk) -> SelectionEntry:
    """The seat of one of the caller's own applications (another startup's is a 404)."""
    application = get_object_or_404(applications_changeable_by(actor=access_of(request)), pk=application_pk)
    entry = get_object_or_404(SelectionEntry.objects.select_related("program"), application=application)
    entry.application = application
    return entry


def _seat(entry: SelectionEntry) -> dict:
    fresh = SelectionEntry.objects.select_related("application__startup", "partner").get(pk=entry.pk)
    return SelectionEntrySerializer(fresh).data


class _SeatAnswerViewSet(viewsets.GenericViewSet):
    """The answer to the seat offered to one of the caller's applications (its `create`)."""

    serializer_class = SelectionEntrySerializer
    permission_classes = [HasScope]
    scopes = {"*": ApiKey.Scope.APPLICATIONS_READ}
    filter_backends = []
    pagination_class = None


ANSWER_REFUSED = refused("not_a_member", "no_seat", "already_answered", "acceptance_closed")


class ApplicationAcceptViewSet(_SeatAnswerViewSet):
    @extend_schema(
        summary="Accept the seat offered to one of your applications (before its deadline)",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: SelectionEntrySerializer, **ANSWER_REFUSED},
    )
    @idempotent
    def create(self, request, application_pk=None):
        entry = _entry(request, application_pk)
        selection_accept(entry=entry, by=request.user)
        return Response(_seat(entry))


class ApplicationDeclineViewSet(_SeatAnswerViewSet):
    @extend_schema(
        summary="Decline the seat offered to one of your applications; it goes to the first reserve",
        request=DeclineSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: SelectionEntrySerializer, **ANSWER_REFUSED},
    )
    @idempotent
    def create(self, request, application_pk=None):
        body = DeclineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = _entry(request, application_pk)
        selection_decline(entry=entry, by=request.user, reason=body.validated_data["reason"])
        return Response(_seat(entry))


class AgreementDocumentFilter(FilterSet):
    class Meta:
        model = AgreementDocument
        fields = ["status"]


class AgreementDocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Staff: every agreement file. A startup's members: their own."""

    serializer_class = AgreementDocumentSerializer
    permission_classes = [HasScope]
    scopes = {"*": ApiKey.Scope.APPLICATIONS_READ, "approve": ApiKey.Scope.ROUNDS_MANAGE}
    filter_backends = [FilterBackend]
    filterset_class = AgreementDocumentFilter

    def get_queryset(self):
        return agreement_documents_visible_to(actor=access_of(self.request)).order_by("-uploaded_at", "-pk")

    @extend_schema(
        summary="Approve an agreement file (staff)",
        request=ReviewCommentSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: AgreementDocumentSerializer, **refused("transition_not_allowed")},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    @idempotent
    def approve(self, request, pk=None):
        body = ReviewCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = agreement_document_approve(
            document=self.get_object(), by=request.user, comment=body.validated_data.get("comment", "")
        )
        return Response(AgreementDocumentSerializer(self.get_queryset().get(pk=document.pk)).data)

    @extend_schema(
        summary="Return an agreement file with a comment saying what to change (staff)",
        request=ReviewCommentSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: AgreementDocumentSerializer, **refused("comment_required", "transition_not_allowed")},
    )
    @action(detail=True, methods=["post"], url_path="return", permission_classes=[IsStaff])
    @idempotent
    def return_(self, request, pk=None):
        body = ReviewCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = agreement_document_return(
            document=self.get_object(), by=request.user, comment=body.validated_data.get("comment", "")
        )
        return Response(AgreementDocumentSerializer(self.get_queryset().get(pk=document.pk)).data)


class ApplicationAgreementDocumentViewSet(viewsets.GenericViewSet):
    """The startup's members upload the agreement documents of an accepted seat."""

    serializer_class = AgreementDocumentSerializer
    permission_classes = [HasScope]
    scopes = {"*": ApiKey.Scope.APPLICATIONS_READ}
    parser_classes = [MultiPartParser, FormParser]
    filter_backends = []
    pagination_class = None

    @extend_schema(
        summary="Upload one agreement document of your accepted seat (it replaces a returned one)",
        request={"multipart/form-data": AgreementUploadSerializer},
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: AgreementDocumentSerializer,
            **refused(
                "not_a_member",
                "agreement_closed",
                "already_approved",
                "empty_file",
                "file_too_large",
                "file_type_refused",
            ),
        },
    )
    @idempotent
    def create(self, request, application_pk=None):
        entry = _entry(request, application_pk)
        body = AgreementUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        requirement = AgreementRequirement.objects.filter(
            pk=body.validated_data["requirement"], program_id=entry.program_id
        ).first()
        if requirement is None:
            raise serializers.ValidationError({"requirement": "No such agreement document in the program."})
        document = agreement_document_upload(
            entry=entry, requirement=requirement, upload=body.validated_data["file"], by=request.user
        )
        return Response(AgreementDocumentSerializer(document).data, status=201)


def register(router) -> None:
    router.register(
        r"applications/(?P<application_pk>[0-9]+)/accept", ApplicationAcceptViewSet, basename="application-accept"
    )
    router.register(
        r"applications/(?P<application_pk>[0-9]+)/decline", ApplicationDeclineViewSet, basename="application-decline"
    )
    router.register(
        r"applications/(?P<application_pk>[0-9]+)/agreement-documents",
        ApplicationAgreementDocumentViewSet,
        basename="application-agreement-document",
    )
    router.register("agreement-documents", AgreementDocumentViewSet, basename="agreement-document")
