"""Request size limits that hold while the body streams in, not after it has been read.

`RequestSizeLimitMiddleware` (core.middleware) refuses a declared Content-Length over the limit before
anything reads the body. `LimitedUploadHandler`, first in FILE_UPLOAD_HANDLERS, covers what the declared
length does not: it counts the bytes of every file as the parser hands them over and stops the parse as
soon as one file passes the largest file we accept (MATCHDAY_UPLOAD_MAX_BYTES) or all of them pass the
request's limit — the rest of the body is never read and nothing reaches the view.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _


def megabytes(size: int) -> str:
    """Whole megabytes as the upload form writes them (`20`), one decimal below a whole number."""
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def too_large_message(*, limit: int, size: int | None = None, name: str | None = None) -> str:
    """The upload form's own wording for a file over the limit (startups.services.attachments)."""
    if name is not None:
        return _("The file “%(name)s” is larger than %(limit)s MB, the most that can be uploaded.") % {
            "name": name,
            "limit": megabytes(limit),
        }
    return _("The files sent are %(size)s MB; the limit is %(limit)s MB.") % {
        "size": megabytes(size or 0),
        "limit": megabytes(limit),
    }


class UploadTooLarge(MultiPartParserError):
    """Raised from inside the multipart parser: Django marks the request's POST as unreadable, and
    RequestSizeLimitMiddleware answers 413 with `message`."""

    def __init__(self, *, limit: int, name: str | None = None):
        self.limit, self.name = limit, name
        super().__init__(f"upload over {limit} bytes")

    @property
    def message(self) -> str:
        return too_large_message(limit=self.limit, name=self.name)


class LimitedUploadHandler(FileUploadHandler):
    """Counts file bytes as they arrive and stops the parse once a limit is passed."""

    def __init__(self, request=None):
        super().__init__(request)
        self.request_limit = getattr(request, "upload_limit", None) or settings.UPLOAD_MAX_REQUEST_BYTES
        self.file_limit = settings.MATCHDAY_UPLOAD_MAX_BYTES
        self.received_in_request = 0
        self.received_in_file = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received_in_file = 0

    def receive_data_chunk(self, raw_data, start):
        self.received_in_file += len(raw_data)
        self.received_in_request += len(raw_data)
        if self.received_in_file > self.file_limit:
            raise UploadTooLarge(limit=self.file_limit, name=self.file_name)
        if self.received_in_request > self.request_limit:
            raise UploadTooLarge(limit=self.request_limit)
        return raw_data  # handed on to the handler that stores the file

    def file_complete(self, file_size):
        return None
