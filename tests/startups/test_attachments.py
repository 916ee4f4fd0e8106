import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from core.errors import DomainError
from matching.models import Program, Question
from startups.models import Attachment
from startups.services import attachment_add, attachment_remove
from startups.services.attachments import clean_filename, detect_kind
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def draft():
    program = factories.ProgramFactory(status=Program.Status.OPEN)
    founder = factories.UserFactory()
    application = factories.ApplicationFactory(program=program)
    factories.StartupMemberFactory(startup=application.startup, user=founder)
    deck = factories.QuestionFactory(program=program, kind=Question.Kind.FILE, max_file_size_mb=1, max_length=None)
    return application, founder, deck


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_a_pdf_is_stored_with_its_checksum_and_a_clean_name(draft):
    application, founder, deck = draft

    attachment = attachment_add(
        application=application, by=founder, upload=upload("IR 자료 v2.pdf", PDF), question=deck
    )

    assert (attachment.content_type, attachment.size, attachment.original_name) == (
        "application/pdf",
        len(PDF),
        "IR_자료_v2.pdf",
    )
    assert len(attachment.sha256) == 64
    assert attachment.file.read() == PDF


def test_a_program_renamed_to_pdf_is_refused_by_its_content(draft):
    application, founder, deck = draft

    with pytest.raises(DomainError) as refused:
        attachment_add(application=application, by=founder, upload=upload("deck.pdf", EXE), question=deck)

    assert refused.value.code == "file_type_refused"
    assert not Attachment.objects.exists()


def test_an_empty_file_is_refused(draft):
    application, founder, deck = draft

    with pytest.raises(DomainError) as refused:
        attachment_add(application=application, by=founder, upload=upload("deck.pdf", b""), question=deck)

    assert refused.value.code == "empty_file"


def test_a_file_over_the_questions_limit_is_refused(draft):
    application, founder, deck = draft
    too_big = PDF + b"0" * (1024 * 1024 + 1 - len(PDF))

    with pytest.raises(DomainError) as refused:
        attachment_add(application=application, by=founder, upload=upload("deck.pdf", too_big), question=deck)

    assert refused.value.code == "file_too_large"


def test_a_new_file_for_a_question_replaces_the_old_one_in_the_working_copy(draft):
    application, founder, deck = draft
    first = attachment_add(application=application, by=founder, upload=upload("v1.pdf", PDF), question=deck)

    second = attachment_add(application=application, by=founder, upload=upload("v2.pdf", PDF), question=deck)

    first.refresh_from_db()
    assert first.detached_at is not None and second.detached_at is None
    assert first.file.storage.exists(first.file.name)  # an earlier submitted version may still refer to it


def test_removing_a_file_takes_it_out_of_the_working_copy(draft):
    application, founder, deck = draft
    attachment = attachment_add(application=application, by=founder, upload=upload("v1.pdf", PDF), question=deck)

    attachment_remove(attachment=attachment, by=founder)

    assert not application.attachments.filter(detached_at__isnull=True).exists()


def test_uploading_to_a_closed_program_is_refused(draft):
    application, founder, deck = draft
    Program.objects.filter(pk=application.program_id).update(
        opens_at=timezone.now() - dt.timedelta(days=9), closes_at=timezone.now() - dt.timedelta(minutes=1)
    )

    with pytest.raises(DomainError) as refused:
        attachment_add(application=application, by=founder, upload=upload("deck.pdf", PDF), question=deck)

    assert refused.value.code == "deadline_passed"


def test_someone_outside_the_startup_cannot_upload(draft):
    application, _founder, deck = draft

    with pytest.raises(DomainError):
        attachment_add(application=application, by=factories.UserFactory(), upload=upload("d.pdf", PDF), question=deck)


def test_the_name_decides_nothing_a_png_named_pdf_is_stored_as_png():
    assert detect_kind(PNG, "photo.pdf") == "png"


def test_an_ole_file_is_accepted_only_as_a_hangul_document():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64

    assert detect_kind(ole, "사업계획서.hwp") == "hwp"
    assert detect_kind(ole, "macro.doc") is None


@pytest.mark.parametrize(
    ("given", "kept"),
    [("../../etc/passwd.pdf", "passwd.pdf"), ("C:\\Users\\me\\deck.PDF", "deck.pdf"), ('a<b>"c".pdf', "abc.pdf")],
)
def test_file_names_lose_paths_and_unsafe_characters(given, kept):
    assert clean_filename(given) == kept


def pdf_only_question(application):
    return factories.QuestionFactory(
        program=application.program,
        kind=Question.Kind.FILE,
        label_ko="사업계획 발표자료 (PDF)",
        label_en="Pitch deck (PDF)",
        file_types=["pdf"],
        max_length=None,
    )


@pytest.mark.parametrize("name", ["x.png", "x.pdf"])
def test_a_png_for_a_pdf_only_question_is_refused_by_its_content_in_the_questions_words(draft, name):
    application, founder, _deck = draft
    question = pdf_only_question(application)

    with translation.override("ko"), pytest.raises(DomainError) as refused:
        attachment_add(application=application, by=founder, upload=upload(name, PNG), question=question)

    assert refused.value.message == (
        f"「사업계획 발표자료 (PDF)」에는 PDF 파일만 올릴 수 있습니다. 올린 파일({name})은 PNG 이미지입니다."
    )
    assert not Attachment.objects.exists()


def test_a_file_of_no_accepted_kind_is_refused_naming_only_the_kinds_its_question_takes(draft):
    application, founder, _deck = draft

    with translation.override("en"), pytest.raises(DomainError) as refused:
        attachment_add(
            application=application, by=founder, upload=upload("deck.pdf", EXE), question=pdf_only_question(application)
        )

    assert refused.value.code == "file_type_refused"
    assert "(PDF)" in refused.value.message
    assert "PNG" not in refused.value.message


def test_a_pdf_for_a_pdf_only_question_is_stored(draft):
    application, founder, _deck = draft

    attachment = attachment_add(
        application=application, by=founder, upload=upload("deck.pdf", PDF), question=pdf_only_question(application)
    )

    assert attachment.content_type == "application/pdf"


def test_a_question_without_file_types_takes_every_accepted_kind(draft):
    application, founder, deck = draft

    attachment = attachment_add(application=application, by=founder, upload=upload("shot.png", PNG), question=deck)

    assert attachment.content_type == "image/png"
