"""Rows both demo programs write the same way: the sectors, and a pitch deck stored as an attachment."""

import datetime as dt
from collections.abc import Callable, Sequence

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import User
from matching import models as m
from matching.demo import content as c
from matching.demo.plan import pitch_deck_pdf, sha256_hex
from startups import models as s


def sectors_ensure(add: Callable[[type, list], list]) -> dict[str, s.Sector]:
    """The demo's sectors by code, writing (through `add`) those the database lacks."""
    existing = {sector.code: sector for sector in s.Sector.objects.filter(code__in=[x[0] for x in c.SECTORS])}
    missing = [s.Sector(code=code, name_ko=ko, name_en=en) for code, ko, en in c.SECTORS if code not in existing]
    for sector in add(s.Sector, missing):
        existing[sector.code] = sector
    return existing


def pitch_deck_attachment(
    *,
    application: s.Application,
    question: m.Question,
    owner: User,
    original_name: str,
    lines: Sequence[str],
    uploaded_at: dt.datetime,
    saved_files: list[str],
) -> s.Attachment:
    """An unsaved attachment whose one-page PDF of `lines` is already in storage; its name is appended
    to `saved_files` (to delete it if the load fails)."""
    data = pitch_deck_pdf(lines)
    attachment = s.Attachment(
        application=application,
        question=question,
        kind=s.Attachment.Kind.PITCH_DECK,
        original_name=original_name,
        content_type="application/pdf",
        size=len(data),
        sha256=sha256_hex(data),
        uploaded_by=owner,
        uploaded_at=uploaded_at,
    )
    name = attachment.file.field.generate_filename(attachment, attachment.original_name)
    attachment.file.name = default_storage.save(name, ContentFile(data))
    saved_files.append(attachment.file.name)
    return attachment
