"""Uploaded files leave the server only through here, after the permission check."""

from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest

from startups.models import Attachment
from startups.selectors import attachment_name_for, attachments_visible_to


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    try:
        # Only the requested file's application: its submission is read, not every visible one's.
        of_file = Attachment.objects.filter(pk=pk).values("application_id")
        visible = attachments_visible_to(actor=request.user, applications=of_file)
        attachment = visible.select_related("application").get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404 from None
    return private_file_response(
        attachment.file,
        filename=attachment_name_for(attachment=attachment, actor=request.user),
        content_type=attachment.content_type,
    )


def private_file_response(file: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """A stored private file as a download (never shown inline, never cached), for a caller that has
    already asked the file's access selector; 404 when the row outlived its file (restored backup,
    manual cleanup)."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
