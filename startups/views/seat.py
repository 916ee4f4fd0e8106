"""The seat section of an application's status page: accept or decline the offered seat, then
upload the agreement (협약) documents; and the permission-checked download of those files.

Thin: the applicant's own applications only (another person's id is a 404); the services decide.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.i18n import localized
from matching.models import AgreementDocument, AgreementRequirement, SelectionEntry
from matching.services.acceptance import (
    agreement_document_upload,
    agreement_documents_visible_to,
    selection_accept,
    selection_decline,
)
from startups.models import Application
from startups.selectors import applications_changeable_by
from startups.views.downloads import private_file_response


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you decline?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say why you decline the seat.")},
    )
    understood = forms.BooleanField(
        label=gettext_lazy("I understand that a declined seat goes to the next startup and cannot be taken back."),
        error_messages={"required": gettext_lazy("Tick the box to confirm that you decline.")},
    )


def _entry(request: HttpRequest, pk: int) -> SelectionEntry:
    try:
        application = applications_changeable_by(actor=request.user).get(pk=pk)
        entry = SelectionEntry.objects.select_related("program").get(application=application)
    except (Application.DoesNotExist, SelectionEntry.DoesNotExist):
        raise Http404 from None
    entry.application = application
    return entry


def _back(pk: int) -> HttpResponse:
    return redirect("applications:detail", pk=pk)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    try:
        selection_accept(entry=entry, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You accepted the seat. Welcome to the program."))
    return _back(pk)


@login_required
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(pk)
    try:
        selection_decline(entry=entry, by=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You declined the seat. Thank you for letting us know."))
    return _back(pk)


@login_required
@require_POST
def agreement_upload(request: HttpRequest, pk: int, requirement_pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    requirement = AgreementRequirement.objects.filter(pk=requirement_pk, program_id=entry.program_id).first()
    upload = request.FILES.get("file")
    if requirement is None:
        raise Http404
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
        return _back(pk)
    try:
        agreement_document_upload(entry=entry, requirement=requirement, upload=upload, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(document)s” was uploaded.") % {"document": localized(requirement, "label")})
    return _back(pk)


@login_required
def agreement_download(request: HttpRequest, pk: int) -> FileResponse:
    try:
        document = agreement_documents_visible_to(actor=request.user).get(pk=pk)
    except AgreementDocument.DoesNotExist:
        raise Http404 from None
    return private_file_response(document.file, filename=document.original_name, content_type=document.content_type)
