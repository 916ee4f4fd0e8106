"""Uploaded files leave the server only through here, after the permission check."""

from django.contrib.auth.decorators import login_required
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
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:  # the row outlived its file (restored backup, manual cleanup)
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment_name_for(attachment=attachment, actor=request.user),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
