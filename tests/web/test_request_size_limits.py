"""Request size limits hold before the body is read: a declared length over the limit is refused unread,
and a body whose bytes pass the limit is stopped there; either way nothing is saved and the person reads
the upload form's own wording."""

import io

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from startups.models import Application, Attachment
from tests.web.conftest import PDF, complete_form, edit_url, pdf

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class UnreadableInput(io.RawIOBase):
    """wsgi.input that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read


class CountingInput(io.BytesIO):
    """wsgi.input that counts the bytes read from it."""

    bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def post_unread(client, url, *, declared: int, content_type=MULTIPART_CONTENT, **extra):
    return client.generic(
        "POST",
        url,
        b"",
        content_type=content_type,
        CONTENT_LENGTH=str(declared),
        **{"wsgi.input": UnreadableInput()},
        **extra,
    )


def test_an_upload_declared_over_the_limit_is_refused_with_413_without_reading_the_body(
    founder_client, draft, settings
):
    settings.UPLOAD_MAX_REQUEST_BYTES = 21 * MB

    response = post_unread(founder_client, edit_url(draft), declared=150 * MB)

    assert response.status_code == 413


def test_the_refusal_uses_the_upload_forms_wording_in_the_persons_language(founder_client, draft, settings):
    settings.UPLOAD_MAX_REQUEST_BYTES = 21 * MB

    english = post_unread(founder_client, edit_url(draft), declared=150 * MB).content.decode()
    korean = post_unread(
        founder_client, edit_url(draft), declared=150 * MB, HTTP_COOKIE="django_language=ko"
    ).content.decode()

    assert "The files sent are 150 MB; the limit is 21 MB." in english
    assert "Nothing was saved." in english
    assert "보낸 파일은 150MB로, 최대 21MB까지 올릴 수 있습니다." in korean


def test_an_upload_declared_within_the_limit_is_saved_as_before(founder_client, draft, program, settings):
    settings.UPLOAD_MAX_REQUEST_BYTES = 2 * MB

    response = founder_client.post(edit_url(draft), {**complete_form(program), "q_deck": pdf()})

    assert response.status_code == 302
    assert Attachment.objects.filter(application=draft).count() == 1


def test_a_body_that_passes_the_file_limit_is_stopped_at_the_limit_and_the_draft_is_unchanged(
    founder_client, draft, program, settings
):
    settings.MATCHDAY_UPLOAD_MAX_BYTES = 100 * 1024
    settings.UPLOAD_MAX_REQUEST_BYTES = 4 * MB
    body = encode_multipart(BOUNDARY, {**complete_form(program), "q_deck": pdf("big.pdf", PDF + b"0" * 3 * MB)})
    stream = CountingInput(body)

    response = founder_client.generic(
        "POST", edit_url(draft), body, content_type=MULTIPART_CONTENT, **{"wsgi.input": stream}
    )

    assert response.status_code == 413
    assert "“big.pdf” is larger than 0.1 MB" in response.content.decode()
    assert stream.bytes_read < 400 * 1024 < len(body)
    draft.refresh_from_db()
    assert draft.title == ""
    assert not Attachment.objects.exists()


def test_files_that_together_pass_the_request_limit_are_stopped_at_the_limit(founder_client, draft, program, settings):
    settings.MATCHDAY_UPLOAD_MAX_BYTES = 1 * MB
    settings.UPLOAD_MAX_REQUEST_BYTES = 1 * MB + 512 * 1024
    files = {"q_deck": pdf("a.pdf", PDF + b"0" * 900 * 1024), "pitch_deck": pdf("b.pdf", PDF + b"0" * 900 * 1024)}
    body = encode_multipart(BOUNDARY, {**complete_form(program), **files})
    stream = CountingInput(body)

    response = founder_client.generic(
        "POST", edit_url(draft), body, content_type=MULTIPART_CONTENT, **{"wsgi.input": stream}
    )

    assert response.status_code == 413
    assert "the limit is 1.5 MB" in response.content.decode()
    assert stream.bytes_read < len(body)
    assert Application.objects.get(pk=draft.pk).title == ""


def test_other_pages_take_at_most_the_form_data_limit(founder_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1 * MB

    response = post_unread(
        founder_client, "/accounts/login/", declared=2 * MB, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 413


def test_the_api_refuses_an_oversized_body_in_its_json_error_shape(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1 * MB

    response = post_unread(
        client, "/api/v1/exports/", declared=2 * MB, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert response.json()["detail"] == "The files sent are 2 MB; the limit is 1 MB."
