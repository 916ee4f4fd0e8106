"""The retention purge and erasure on request: personal fields go, the numbers stay, all of it audited."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record
from core.errors import DomainError
from matching.models import Program, RoundResult, Score
from privacy.models import RetentionPurge
from privacy.services import person_erase, retention_purge_dry_run, retention_purge_run
from startups.models import Answer, Application, Attachment, Startup
from tests import factories

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=5 * 365)


# One program's purge, whatever its number of applicants: finding it and its statement, planning, the bulk
# statements of the erasure and of the audit trail's redaction, its record and audit event, and the look-up
# of expired exports. PostgreSQL adds the two statements that switch the trail's guard off and on again.
PURGE_QUERIES = {"sqlite": 48, "postgresql": 50}


def ended_program(**fields) -> Program:
    """A finalised program whose 12-month retention period has passed."""
    program = factories.ProgramFactory(
        status=Program.Status.FINALISED, opens_at=LONG_AGO - dt.timedelta(days=30), closes_at=LONG_AGO, **fields
    )
    factories.PrivacyStatementFactory(program=program, retention_months=12)
    return program


def applicant(program: Program, *, status=Application.Status.NOT_SELECTED, user=None) -> Application:
    user = user or factories.UserFactory(name="지원자")
    application = factories.ApplicationFactory(program=program, in_review=True)
    Application.objects.filter(pk=application.pk).update(status=status)
    application.status = status
    factories.StartupMemberFactory(startup=application.startup, user=user)
    factories.AnswerFactory(application=application, value="개인적인 답")
    factories.AttachmentFactory(application=application)
    factories.RoundResultFactory(round=_round(program), application=application, final_score="71.5")
    return application


def _round(program):
    return program.rounds.first() or factories.EvaluationRoundFactory(program=program)


def test_the_dry_run_counts_what_the_purge_then_does():
    program = ended_program()
    applicant(program, status=Application.Status.SELECTED)
    applicant(program)
    applicant(program)

    planned = retention_purge_dry_run()
    done = retention_purge_run()

    assert planned["programs"] == done["programs"]
    assert planned["programs"] == [
        {"program": program.slug, "program_id": program.pk, "users": 3, "startups": 3, "answers": 2, "files": 3}
    ]


def test_the_purge_also_destroys_appeals_agreement_files_bonus_evidence_and_the_reasons_people_gave(
    django_capture_on_commit_callbacks,
):
    from django.core.files.base import ContentFile

    program = ended_program()
    application = applicant(program)
    appeal = factories.AppealFactory(round=_round(program), application=application, reason="대표의 건강 사정")
    appeal.file.save("appeal.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    agreement = factories.AgreementDocumentFactory(entry__program=program, entry__application=application)
    evidence = factories.BonusEvidenceFactory(application=application)
    exclusion = factories.ExclusionRequestFactory(application=application, reason="전 직장 상사")
    deadline = factories.PersonalDeadlineFactory(application=application, reason="장애로 인한 입력 지원 필요")
    files = [appeal.file.name, agreement.file.name, evidence.attachment.file.name]

    with django_capture_on_commit_callbacks(execute=True):
        retention_purge_run()

    appeal.refresh_from_db()
    exclusion.refresh_from_db()
    deadline.refresh_from_db()
    assert (appeal.reason, appeal.file.name, exclusion.reason, deadline.reason) == ("", "", "", "")
    assert not type(agreement).objects.filter(pk=agreement.pk).exists()
    assert not type(evidence).objects.filter(pk=evidence.pk).exists()
    assert [name for name in files if default_storage.exists(name)] == []


def test_after_the_purge_personal_fields_and_files_are_gone(django_capture_on_commit_callbacks):
    program = ended_program()
    application = applicant(program)
    user = application.startup.members.get().user
    stored = Attachment.objects.get(application=application).file.name
    assert default_storage.exists(stored)

    with django_capture_on_commit_callbacks(execute=True):
        retention_purge_run()

    user.refresh_from_db()
    assert (user.name, user.email, user.is_active, user.has_usable_password()) == (
        "",
        f"erased-{user.pk}@invalid",
        False,
        False,
    )
    assert Startup.objects.get(pk=application.startup_id).ceo_name == ""
    assert not Answer.objects.filter(application=application).exists()
    assert not Attachment.objects.filter(application=application).exists()
    assert not default_storage.exists(stored)


def test_after_the_purge_scores_results_and_counts_remain():
    program = ended_program()
    applications = [applicant(program), applicant(program, status=Application.Status.SELECTED)]
    factories.ScoreFactory(review__assignment__round=_round(program), review__assignment__application=applications[0])

    retention_purge_run()

    assert Application.objects.filter(program=program).count() == 2
    assert RoundResult.objects.filter(round__program=program).count() == 2
    assert Score.objects.filter(round__program=program).count() == 1
    assert Answer.objects.filter(application=applications[1]).count() == 1  # the selected startup's answers
    assert Application.objects.get(pk=applications[1].pk).status == Application.Status.SELECTED


def test_the_purge_keeps_the_account_of_someone_in_a_program_still_running():
    program = ended_program()
    both = factories.UserFactory(name="계속 지원자")
    applicant(program, user=both)
    applicant(factories.ProgramFactory(status=Program.Status.OPEN), user=both)

    retention_purge_run()

    both.refresh_from_db()
    assert (both.name, both.is_active) == ("계속 지원자", True)


def test_a_program_within_its_retention_period_is_left_alone():
    program = ended_program()
    program.privacy_statements.update(retention_months=120)
    application = applicant(program)

    report = retention_purge_run()

    assert report["programs"] == []
    assert Answer.objects.filter(application=application).exists()


def test_the_purge_is_reported_audited_and_done_once():
    program = ended_program()
    applicant(program)

    retention_purge_run()
    again = retention_purge_run()

    assert again["programs"] == []
    assert RetentionPurge.objects.get(program=program).counts["users"] == 1
    event = AuditEvent.objects.get(verb="personal_data_purged")
    assert (event.object_id, event.data["files"]) == (str(program.pk), 1)


def test_the_purge_queries_do_not_grow_with_the_applicants(django_assert_num_queries):
    one = ended_program()
    _with_history(applicant(one))
    for model in (User, Program):  # content types are cached once per process: count without them
        ContentType.objects.get_for_model(model)
    with django_assert_num_queries(PURGE_QUERIES[connection.vendor]):
        retention_purge_run()
    many = ended_program()
    for _ in range(10):
        _with_history(applicant(many))
    with django_assert_num_queries(PURGE_QUERIES[connection.vendor]):
        retention_purge_run()


def _with_history(application):
    """The applicant acted (an audit event naming them), as real applicants do."""
    audit_record(actor=application.startup.members.get().user, obj=application, verb="startup_updated")


def test_the_command_dry_run_prints_counts_and_changes_nothing(capsys):
    program = ended_program()
    application = applicant(program)

    call_command("privacy_purge", "--dry-run")

    assert f"{program.slug}: would destroy users=1, startups=1, answers=1, files=1" in capsys.readouterr().out
    assert Answer.objects.filter(application=application).exists()


def test_the_command_runs_the_purge_as_a_job(capsys, django_capture_on_commit_callbacks):
    program = ended_program()
    applicant(program)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("privacy_purge")

    assert RetentionPurge.objects.filter(program=program).exists()


def test_staff_erase_an_applicant_with_a_reason_and_it_is_audited(staff_user):
    application = applicant(factories.ProgramFactory(status=Program.Status.OPEN))
    user = application.startup.members.get().user

    person_erase(user=user, by=staff_user, reason="본인 삭제 요청 (2025-11-03 접수)")

    user.refresh_from_db()
    assert user.email == f"erased-{user.pk}@invalid"
    assert not Attachment.objects.filter(application=application).exists()
    event = AuditEvent.objects.get(verb="personal_data_erased")
    assert (event.actor, event.reason, event.object_id) == (
        staff_user,
        "본인 삭제 요청 (2025-11-03 접수)",
        str(user.pk),
    )
    assert "지원자" not in event.object_repr
    assert event.content_type == ContentType.objects.get_for_model(User)


def test_erasure_without_a_reason_is_refused(staff_user):
    user = applicant(factories.ProgramFactory()).startup.members.get().user

    with pytest.raises(DomainError):
        person_erase(user=user, by=staff_user, reason=" ")

    user.refresh_from_db()
    assert user.name == "지원자"


def test_erasure_from_the_admin_passes_the_confirmation_page(staff_client):
    user = applicant(factories.ProgramFactory()).startup.members.get().user

    response = staff_client.post(
        "/admin/privacy/erasableuser/action/person_erase/?ids=" + str(user.pk),
        {"reason": "본인 요청"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    assert AuditEvent.objects.filter(verb="personal_data_erased", reason="본인 요청").exists()


def test_a_persons_page_in_the_erasure_admin_cannot_be_edited(staff_client):
    user = applicant(factories.ProgramFactory()).startup.members.get().user

    staff_client.post(f"/admin/privacy/erasableuser/{user.pk}/change/", {"email": "x@example.com", "name": "바뀜"})

    user.refresh_from_db()
    assert (user.email, user.name) != ("x@example.com", "바뀜")


def test_erasure_leaves_the_audit_trail_without_the_persons_name_or_e_mail(staff_user):
    application = applicant(factories.ProgramFactory(status=Program.Status.OPEN))
    user = application.startup.members.get().user
    audit_record(actor=user, obj=application, verb="startup_updated")
    audit_record(actor=staff_user, obj=user, verb="changed", data={"name": {"from": "", "to": user.name}})

    person_erase(user=user, by=staff_user, reason="본인 요청")

    acted, changed = (
        AuditEvent.objects.get(verb="startup_updated"),
        AuditEvent.objects.get(verb="changed"),
    )
    assert (acted.actor_label, acted.object_repr) == ("erased", str(application))
    assert (changed.object_repr, changed.data) == ("erased", {})
    assert not AuditEvent.objects.filter(actor_label__contains="@example.com", actor_id=user.pk).exists()
