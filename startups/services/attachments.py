"""Uploaded documents: checked by what they contain, limited in size, stored privately."""

import dataclasses
import hashlib
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError
from matching.models import AgreementRequirement, Question
from startups.models import Application, Attachment
from startups.services.applications import ensure_editable

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # HWP 5 documents are OLE compound files


@dataclasses.dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]
    name: str = ""  # what the file is, for messages: "a PNG image"

    @property
    def short(self) -> str:
        return self.extensions[0].lstrip(".").upper()


ACCEPTED = {
    "pdf": FileKind("application/pdf", (".pdf",), gettext_lazy("a PDF document")),
    "png": FileKind("image/png", (".png",), gettext_lazy("a PNG image")),
    "jpg": FileKind("image/jpeg", (".jpg", ".jpeg"), gettext_lazy("a JPG image")),
    "docx": FileKind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
        gettext_lazy("a Word document (DOCX)"),
    ),
    "pptx": FileKind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (".pptx",),
        gettext_lazy("a PowerPoint presentation (PPTX)"),
    ),
    "xlsx": FileKind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (".xlsx",),
        gettext_lazy("an Excel spreadsheet (XLSX)"),
    ),
    "hwp": FileKind("application/x-hwp", (".hwp",), gettext_lazy("a Hangul document (HWP)")),
    "hwpx": FileKind("application/hwp+zip", (".hwpx",), gettext_lazy("a Hangul document (HWPX)")),
}


def accepted_kinds(question: Question | AgreementRequirement | None) -> dict[str, FileKind]:
    """The kinds a question (or an agreement document) takes (its `file_types`), in the usual order; every
    kind when it names none."""
    wanted = set(question.file_types or []) if question is not None else set()
    return {key: kind for key, kind in ACCEPTED.items() if not wanted or key in wanted} or ACCEPTED


def kinds_label(kinds: dict[str, FileKind]) -> str:
    return ", ".join(kind.short for kind in kinds.values())


ACCEPTED_LABEL = kinds_label(ACCEPTED)  # "PDF, PNG, JPG, DOCX, PPTX, XLSX, HWP, HWPX"


def detect_kind(head: bytes, filename: str) -> str | None:
    """The accepted kind the file's bytes show it to be, or None. The name only decides between
    kinds that share a container (HWP in OLE, HWPX in ZIP), never on its own."""
    suffix = PurePath(filename).suffix.lower()
    if head.startswith(OLE_MAGIC) and suffix == ".hwp":
        return "hwp"
    if head.startswith(b"PK\x03\x04") and suffix == ".hwpx" and b"mimetypeapplication/hwp+zip" in head[:200]:
        return "hwpx"
    guess = filetype.guess(head)
    if guess is None:
        return None
    extension = {"jpeg": "jpg"}.get(guess.extension, guess.extension)
    return extension if extension in ACCEPTED else None


def clean_filename(name: str) -> str:
    """A safe display name: no path, no control or shell characters, at most 150 characters."""
    base = PurePath(name.replace("\\", "/")).name.strip() or "file"
    stem, suffix = PurePath(base).stem, PurePath(base).suffix.lower()
    try:
        stem = get_valid_filename(stem)
    except Exception:  # noqa: BLE001 - a name of only dots or spaces
        stem = "file"
    return f"{stem[:140]}{suffix[:10]}"


def size_limit(question: Question | AgreementRequirement | None) -> int:
    if getattr(question, "max_file_size_mb", None):
        return question.max_file_size_mb * 1024 * 1024
    return settings.MATCHDAY_UPLOAD_MAX_BYTES


def check_upload(
    upload: UploadedFile, *, question: Question | AgreementRequirement | None = None
) -> tuple[str, str, str]:
    """Check an upload by its content and size (the types and limit of the question or agreement document
    it answers, or every accepted kind and the default limit): returns (kind, safe display name, sha256
    hex); refuses with a DomainError naming what it answers."""
    limit = size_limit(question)
    if upload.size == 0:
        raise DomainError(_("The file “%(name)s” is empty.") % {"name": clean_filename(upload.name)}, code="empty_file")
    if upload.size > limit:
        raise DomainError(
            _("The file “%(name)s” is %(size)s MB; the limit is %(limit)s MB.")
            % {"name": clean_filename(upload.name), "size": f"{upload.size / 1048576:.1f}", "limit": limit // 1048576},
            code="file_too_large",
        )
    upload.seek(0)
    head = upload.read(2048)
    detected = detect_kind(head, upload.name)
    allowed = accepted_kinds(question)
    if detected is None:  # named with the types this upload takes, not the whole program's
        raise DomainError(
            _("“%(name)s” is not a file type we accept (%(types)s). Its content was checked, not just its name.")
            % {"name": clean_filename(upload.name), "types": kinds_label(allowed)},
            code="file_type_refused",
        )
    if detected not in allowed:
        raise DomainError(
            _("“%(question)s” takes only %(types)s files. The file you chose (%(name)s) is %(kind)s.")
            % {
                "question": question,
                "types": kinds_label(allowed),
                "name": clean_filename(upload.name),
                "kind": ACCEPTED[detected].name,
            },
            code="file_type_refused",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = clean_filename(upload.name)
    if PurePath(name).suffix.lower() not in ACCEPTED[detected].extensions:
        name = f"{PurePath(name).stem}{ACCEPTED[detected].extensions[0]}"
    return detected, name, digest.hexdigest()


@transaction.atomic
def attachment_add(
    *,
    application: Application,
    by: User,
    upload: UploadedFile,
    question: Question | None = None,
    kind: str = Attachment.Kind.OTHER,
) -> Attachment:
    """Store an upload for the application's working copy. For a question's file or the pitch deck
    the new file replaces the previous one (kept while a submitted version refers to it)."""
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("program", "startup").get(pk=application.pk)
    )
    ensure_editable(application, by)
    if question is not None and (question.program_id != application.program_id or question.kind != Question.Kind.FILE):
        raise DomainError(_("This document is not part of the application form."), code="unknown_question")
    detected, name, sha256 = check_upload(upload, question=question)
    if question is not None:
        kind = Attachment.Kind.ANSWER
    if question is not None or kind == Attachment.Kind.PITCH_DECK:
        application.attachments.filter(question=question, kind=kind, detached_at__isnull=True).update(
            detached_at=timezone.now()
        )
    attachment = Attachment(
        application=application,
        question=question,
        kind=kind,
        original_name=name,
        content_type=ACCEPTED[detected].content_type,
        size=upload.size,
        sha256=sha256,
        uploaded_by=by,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit_record(actor=by, obj=attachment, verb="attachment_uploaded", data={"application": application.pk})
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: User) -> None:
    """Take a file out of the working copy; a submitted version that lists it keeps it."""
    ensure_editable(attachment.application, by)
    Attachment.objects.filter(pk=attachment.pk, detached_at__isnull=True).update(detached_at=timezone.now())
    audit_record(actor=by, obj=attachment, verb="attachment_removed", data={"application": attachment.application_id})
