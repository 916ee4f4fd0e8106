"""Statements are versioned, a program opens only with one, and a submission needs the applicant's consent."""

import pytest

from accounts.models import User
from core.errors import DomainError
from matching.models import Program
from matching.services.programs import program_open
from privacy.models import Consent, PrivacyStatement
from privacy.services import statement_current, statement_save
from startups.models import Application, Submission
from startups.services import application_submit
from tests import factories
from tests.privacy.conftest import complete_draft

pytestmark = pytest.mark.django_db


def test_a_program_without_a_published_statement_cannot_open(staff_user):
    program = factories.TrackFactory().program

    with pytest.raises(DomainError) as refused:
        program_open(program=program, by=staff_user)

    assert refused.value.code == "program_without_privacy_statement"
    program.refresh_from_db()
    assert program.status == Program.Status.DRAFT


def test_a_program_with_a_published_statement_opens(staff_user):
    program = factories.TrackFactory().program
    factories.PrivacyStatementFactory(program=program)

    program_open(program=program, by=staff_user)

    program.refresh_from_db()
    assert program.status == Program.Status.OPEN


def test_saving_changes_to_a_published_statement_publishes_a_new_version_and_keeps_the_old(staff_user):
    first = factories.PrivacyStatementFactory(retention_months=36)
    edited = PrivacyStatement.objects.get(pk=first.pk)
    edited.retention_months = 12

    second = statement_save(statement=edited, by=staff_user)

    assert (second.version, second.retention_months) == (2, 12)
    assert second.pk != first.pk
    assert PrivacyStatement.objects.get(pk=first.pk).retention_months == 36
    assert statement_current(program=first.program) == second


def test_a_statement_without_recipients_names_the_programs_partners(staff_user):
    program = factories.ProgramFactory()
    factories.ProgramPartnerFactory(program=program, partner=factories.PartnerFactory(name="OpenAI", name_ko="오픈AI"))
    statement = PrivacyStatement(program=program, purpose_ko="평가", items_ko="이름", text_ko="전문")

    statement = statement_save(statement=statement, by=staff_user)

    assert (statement.version, statement.third_parties_ko, statement.third_parties_en) == (1, "오픈AI", "OpenAI")


def test_submission_without_consent_is_refused_and_nothing_changes(open_program):
    application, founder = complete_draft(open_program)

    with pytest.raises(DomainError) as refused:
        application_submit(application_id=application.pk, by=founder)

    assert refused.value.code == "consent_required"
    application.refresh_from_db()
    assert (application.status, application.receipt_number) == (Application.Status.DRAFT, None)
    assert not Submission.objects.filter(application=application).exists()
    assert not Consent.objects.exists()


def test_consent_is_stored_with_the_statements_version_and_the_time(open_program):
    application, founder = complete_draft(open_program)

    application_submit(application_id=application.pk, by=founder, consent_given=True, ip="203.0.113.9")

    consent = Consent.objects.get()
    statement = statement_current(program=open_program)
    assert (consent.user, consent.statement, consent.version, consent.kind) == (founder, statement, 1, "submission")
    assert (consent.application, consent.ip) == (application, "203.0.113.9")
    assert consent.given_at is not None


def test_a_resubmission_needs_no_new_consent_to_the_same_version(open_program):
    application, founder = complete_draft(open_program)
    application_submit(application_id=application.pk, by=founder, consent_given=True)
    application.answers.update(value="바뀐 답")

    application_submit(application_id=application.pk, by=founder)

    assert application.submissions.count() == 2
    assert Consent.objects.count() == 1


def test_a_new_version_needs_consent_again(open_program, staff_user):
    application, founder = complete_draft(open_program)
    application_submit(application_id=application.pk, by=founder, consent_given=True)
    statement_save(statement=statement_current(program=open_program), by=staff_user)
    application.answers.update(value="바뀐 답")

    with pytest.raises(DomainError) as refused:
        application_submit(application_id=application.pk, by=founder)

    assert refused.value.code == "consent_required"
    assert "(버전 2)" in refused.value.message


def test_the_review_page_shows_the_consent_box_with_the_version(client, open_program):
    application, founder = complete_draft(open_program, founder=factories.UserFactory(preferred_language="en"))
    client.force_login(founder)

    response = client.get(f"/applications/{application.pk}/review/", HTTP_ACCEPT_LANGUAGE="en")

    assert 'name="privacy_consent"' in response.content.decode()
    assert "personal-data statement (version 1)" in response.content.decode()


def test_submitting_from_the_page_with_the_box_ticked_stores_the_consent(client, open_program):
    application, founder = complete_draft(open_program)
    client.force_login(founder)

    client.post(f"/applications/{application.pk}/submit/", {"privacy_consent": "on"})

    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert Consent.objects.get().ip == "127.0.0.1"


def test_submitting_from_the_page_without_the_box_is_refused(client, open_program):
    application, founder = complete_draft(open_program, founder=factories.UserFactory(preferred_language="en"))
    client.force_login(founder)

    response = client.post(f"/applications/{application.pk}/submit/", follow=True, HTTP_ACCEPT_LANGUAGE="en")

    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert "personal-data statement (version 1) to submit." in response.content.decode()


def test_the_full_statement_is_public(client, open_program):
    statement = statement_current(program=open_program)

    response = client.get(f"/privacy/statements/{statement.pk}/")

    assert response.status_code == 200
    assert statement.text_ko in response.content.decode()


def test_sign_up_records_consent_to_the_site_terms(client):
    factories.PrivacyStatementFactory(program=None)

    client.post(
        "/accounts/signup/",
        {
            "name": "김민지",
            "email": "minji@example.com",
            "password1": factories.TEST_PASSWORD,
            "password2": factories.TEST_PASSWORD,
            "preferred_language": "ko",
            "terms_consent": "on",
        },
    )

    consent = Consent.objects.get()
    assert (consent.user.email, consent.kind, consent.version, consent.statement.program) == (
        "minji@example.com",
        "signup",
        1,
        None,
    )


def test_sign_up_without_agreeing_to_the_terms_makes_no_account(client):
    client.post(
        "/accounts/signup/",
        {
            "name": "김민지",
            "email": "minji@example.com",
            "password1": factories.TEST_PASSWORD,
            "password2": factories.TEST_PASSWORD,
            "preferred_language": "ko",
        },
    )

    assert not Consent.objects.exists()
    assert not User.objects.filter(email="minji@example.com").exists()


def test_editing_a_statement_in_the_admin_publishes_a_new_version(staff_client):
    first = factories.PrivacyStatementFactory(retention_months=36)
    fields = {
        "program": first.program_id,
        "retention_months": 24,
        **{
            f"{name}_{lang}": getattr(first, f"{name}_{lang}")
            for name in ("purpose", "items", "third_parties", "text")
            for lang in ("ko", "en")
        },
    }

    response = staff_client.post(f"/admin/privacy/privacystatement/{first.pk}/change/", fields)

    assert response.status_code == 302
    versions = list(PrivacyStatement.objects.filter(program=first.program).order_by("version"))
    assert [(s.version, s.retention_months) for s in versions] == [(1, 36), (2, 24)]


def test_the_admin_offers_no_deletion_of_a_statement(staff_client):
    statement = factories.PrivacyStatementFactory()

    response = staff_client.post(f"/admin/privacy/privacystatement/{statement.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert PrivacyStatement.objects.filter(pk=statement.pk).exists()
