"""Appeals (이의신청): filed by an applicant who did not advance, inside the round's window, once;
answered by staff (upheld / dismissed) with a written answer the applicant receives."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from audit.models import AuditEvent
from core.errors import DomainError, InvalidInput, TransitionNotAllowed
from matching.models import Appeal, EvaluationRound, SelectionEntry
from matching.services.appeals import appeal_decide, appeal_file, appeal_reinstate
from matching.services.selection import results_publish
from notifications.models import Notification, WebhookDelivery
from startups.models import StartupMember
from tests import factories

pytestmark = pytest.mark.django_db

R = EvaluationRound.Status
E = Notification.Event
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def published_round(*, order=1, days_left=2, program=None, **kwargs) -> EvaluationRound:
    program = program or factories.ProgramFactory(reviewing=True)
    return factories.EvaluationRoundFactory(
        program=program,
        order=order,
        status=R.PUBLISHED,
        appeal_days=3,
        appeals_close_at=timezone.now() + dt.timedelta(days=days_left),
        **kwargs,
    )


def result_for(evaluation_round, *, advanced=False):
    result = factories.RoundResultFactory(round=evaluation_round, advanced=advanced)
    member = factories.StartupMemberFactory(startup=result.application.startup)
    return result.application, member.user


def events_of(obj, verb):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk), verb=verb
    )


def test_publishing_a_round_opens_its_appeal_window_for_the_set_number_of_days():
    evaluation_round = factories.EvaluationRoundFactory(status=R.RESULTS_COMPUTED, appeal_days=3)
    before = timezone.now()

    published = results_publish(round=evaluation_round, by=factories.UserFactory(staff=True))

    assert before + dt.timedelta(days=3) <= published.appeals_close_at <= timezone.now() + dt.timedelta(days=3)


def test_publishing_a_round_without_appeal_days_opens_no_window():
    evaluation_round = factories.EvaluationRoundFactory(status=R.RESULTS_COMPUTED, appeal_days=0)

    published = results_publish(round=evaluation_round, by=factories.UserFactory(staff=True))

    assert published.appeals_close_at is None


def test_a_member_of_an_application_that_did_not_advance_files_an_appeal_and_every_active_member_gets_a_receipt():
    evaluation_round = published_round()
    application, founder = result_for(evaluation_round)
    colleague = factories.StartupMemberFactory(startup=application.startup).user
    factories.StartupMemberFactory(startup=application.startup, status=StartupMember.Status.REQUESTED)

    appeal = appeal_file(application=application, round=evaluation_round, by=founder, reason="  점수 합산 오류  ")

    assert (appeal.status, appeal.reason, appeal.filed_by) == (Appeal.Status.FILED, "점수 합산 오류", founder)
    receipts = Notification.objects.filter(event=E.APPEAL_FILED)
    assert {n.recipient for n in receipts} == {founder, colleague}
    assert events_of(appeal, "appeal_filed").get().actor == founder


def test_an_application_that_advanced_cannot_appeal():
    evaluation_round = published_round()
    application, founder = result_for(evaluation_round, advanced=True)

    with pytest.raises(DomainError, match="did not advance"):
        appeal_file(application=application, round=evaluation_round, by=founder, reason="x")
    assert not Appeal.objects.exists()


def test_someone_who_is_not_an_active_member_cannot_appeal():
    evaluation_round = published_round()
    application, _founder = result_for(evaluation_round)
    asking = factories.StartupMemberFactory(startup=application.startup, status=StartupMember.Status.REQUESTED).user

    for outsider in (factories.UserFactory(), asking, factories.UserFactory(staff=True)):
        with pytest.raises(DomainError, match="Only the startup's members"):
            appeal_file(application=application, round=evaluation_round, by=outsider, reason="x")
    assert not Appeal.objects.exists()


def test_an_appeal_after_the_window_closed_is_refused():
    evaluation_round = published_round(days_left=-1)
    application, founder = result_for(evaluation_round)

    with pytest.raises(DomainError, match="not open"):
        appeal_file(application=application, round=evaluation_round, by=founder, reason="x")


def test_an_appeal_before_publication_is_refused():
    evaluation_round = published_round()
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(status=R.RESULTS_COMPUTED)
    evaluation_round.refresh_from_db()
    application, founder = result_for(evaluation_round)

    with pytest.raises(DomainError, match="not open"):
        appeal_file(application=application, round=evaluation_round, by=founder, reason="x")


def test_a_second_appeal_in_the_same_round_is_refused_and_the_first_is_kept():
    evaluation_round = published_round()
    application, founder = result_for(evaluation_round)
    first = appeal_file(application=application, round=evaluation_round, by=founder, reason="첫 번째")

    with pytest.raises(DomainError, match="already been filed"):
        appeal_file(application=application, round=evaluation_round, by=founder, reason="두 번째")
    assert list(Appeal.objects.values_list("pk", "reason")) == [(first.pk, "첫 번째")]


def test_an_appeal_that_races_past_the_check_is_stopped_by_the_unique_constraint(monkeypatch):
    evaluation_round = published_round()
    application, founder = result_for(evaluation_round)
    Appeal.objects.create(round=evaluation_round, application=application, filed_by=founder, reason="먼저")
    # The other request committed between this one's check and its insert.
    monkeypatch.setattr("matching.services.appeals.Appeal.objects", _NoneExist(Appeal.objects))

    with pytest.raises(DomainError, match="already been filed"):
        appeal_file(application=application, round=evaluation_round, by=founder, reason="동시에")
    monkeypatch.undo()
    assert list(Appeal.objects.values_list("reason", flat=True)) == ["먼저"]


class _NoneExist:
    """A manager whose `filter(...).exists()` answers False, as it would before the other request commits."""

    def __init__(self, manager):
        self.manager = manager

    def filter(self, *args, **kwargs):
        queryset = self.manager.filter(*args, **kwargs)
        return type("Q", (), {"exists": lambda _self: False, "__getattr__": lambda _s, n: getattr(queryset, n)})()


def test_the_reason_is_required():
    evaluation_round = published_round()
    application, founder = result_for(evaluation_round)

    with pytest.raises(InvalidInput) as refused:
        appeal_file(application=application, round=evaluation_round, by=founder, reason="   ")
    assert "reason" in refused.value.problems


def test_the_appeal_file_is_checked_by_its_content_not_its_name():
    evaluation_round = published_round()
    application, founder = result_for(evaluation_round)
    fake = SimpleUploadedFile("근거.pdf", b"just some text, not a PDF")

    with pytest.raises(DomainError, match="not a file type we accept"):
        appeal_file(application=application, round=evaluation_round, by=founder, reason="x", upload=fake)
    assert not Appeal.objects.exists()


def test_a_pdf_is_stored_with_the_appeal():
    evaluation_round = published_round()
    application, founder = result_for(evaluation_round)

    upload = SimpleUploadedFile("근거.pdf", PDF)

    appeal = appeal_file(application=application, round=evaluation_round, by=founder, reason="x", upload=upload)

    assert (appeal.file_name, appeal.file_content_type, appeal.file_size) == ("근거.pdf", "application/pdf", len(PDF))
    assert appeal.file.read() == PDF


def test_in_the_last_round_a_reserve_may_appeal_but_a_selected_startup_may_not():
    evaluation_round = published_round()
    reserve, reserve_founder = result_for(evaluation_round, advanced=True)
    selected, selected_founder = result_for(evaluation_round, advanced=True)
    factories.SelectionEntryFactory(
        program=evaluation_round.program, application=reserve, outcome=SelectionEntry.Outcome.RESERVE
    )
    factories.SelectionEntryFactory(program=evaluation_round.program, application=selected)

    appeal_file(application=reserve, round=evaluation_round, by=reserve_founder, reason="x")
    with pytest.raises(DomainError, match="did not advance"):
        appeal_file(application=selected, round=evaluation_round, by=selected_founder, reason="x")


def filed_appeal():
    evaluation_round = published_round()
    application, founder = result_for(evaluation_round)
    return appeal_file(application=application, round=evaluation_round, by=founder, reason="점수 오류"), founder


def test_staff_uphold_an_appeal_with_an_answer_the_members_receive():
    appeal, founder = filed_appeal()
    staff = factories.UserFactory(staff=True)

    decided = appeal_decide(appeal=appeal, by=staff, upheld=True, answer="  재검토 결과 오류를 확인했습니다.  ")

    assert (decided.status, decided.answer, decided.decided_by) == (
        Appeal.Status.UPHELD,
        "재검토 결과 오류를 확인했습니다.",
        staff,
    )
    assert decided.decided_at is not None
    answer = Notification.objects.get(event=E.APPEAL_DECIDED)
    assert (answer.recipient, answer.context["upheld"]) == (founder, True)
    assert events_of(decided, "status_changed").get().to_state == Appeal.Status.UPHELD


def test_a_dismissed_appeal_records_the_answer():
    appeal, _founder = filed_appeal()

    decided = appeal_decide(appeal=appeal, by=factories.UserFactory(staff=True), upheld=False, answer="기각 사유")

    assert (decided.status, decided.answer) == (Appeal.Status.DISMISSED, "기각 사유")


def test_a_decision_without_an_answer_is_refused_and_changes_nothing():
    appeal, _founder = filed_appeal()

    with pytest.raises(InvalidInput):
        appeal_decide(appeal=appeal, by=factories.UserFactory(staff=True), upheld=True, answer=" ")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.answer) == (Appeal.Status.FILED, "")


def test_an_appeal_is_decided_once():
    appeal, _founder = filed_appeal()
    staff = factories.UserFactory(staff=True)
    appeal_decide(appeal=appeal, by=staff, upheld=False, answer="기각")

    with pytest.raises(TransitionNotAllowed):
        appeal_decide(appeal=appeal, by=staff, upheld=True, answer="인용")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.answer) == (Appeal.Status.DISMISSED, "기각")


def test_the_decision_is_sent_to_webhook_subscribers(django_capture_on_commit_callbacks):
    appeal, _founder = filed_appeal()
    factories.WebhookSubscriptionFactory(events=["appeal.decided"])

    appeal_decide(appeal=appeal, by=factories.UserFactory(staff=True), upheld=True, answer="인용")

    delivery = WebhookDelivery.objects.get(event="appeal.decided")
    assert (delivery.payload["data"]["appeal_id"], delivery.payload["data"]["appeal_status"]) == (appeal.pk, "upheld")


def test_the_demo_shows_an_open_an_upheld_and_a_dismissed_appeal_and_feedback_once():
    from matching.demo.appeal import appeal_ensure
    from matching.feedback import feedback_for

    program = factories.ProgramFactory(reviewing=True)
    evaluation_round = factories.EvaluationRoundFactory(program=program, status=R.PUBLISHED)
    for rank in range(1, 6):
        result = factories.RoundResultFactory(round=evaluation_round, rank=rank)
        factories.StartupMemberFactory(startup=result.application.startup)
        factories.SelectionEntryFactory(
            program=program, application=result.application, outcome=SelectionEntry.Outcome.NOT_SELECTED, position=None
        )
    factories.EvaluatorFactory.create_batch(3)
    staff = factories.UserFactory(staff=True)

    assert appeal_ensure(program=program, staff=staff) > 0
    assert appeal_ensure(program=program, staff=staff) == 0

    assert sorted(Appeal.objects.values_list("status", flat=True)) == ["dismissed", "filed", "upheld"]
    filed = Appeal.objects.get(status=Appeal.Status.FILED)
    (feedback,) = feedback_for(application=filed.application, actor=filed.filed_by)
    assert feedback.band and len(feedback.criterion_means) == 3 and len(feedback.comments) == 3


# --- acting on an upheld appeal ---------------------------------------------------------------


def upheld_appeal(evaluation_round, *, status="not_selected"):
    application, founder = result_for(evaluation_round)
    type(application).objects.filter(pk=application.pk).update(status=status)
    appeal = appeal_file(application=application, round=evaluation_round, by=founder, reason="Please recheck.")
    staff = factories.UserFactory(staff=True)
    return appeal_decide(appeal=appeal, by=staff, upheld=True, answer="The market score was entered wrongly."), staff


def test_an_upheld_appeal_lets_the_application_advance_into_the_next_round_with_the_reason_on_its_result():
    evaluation_round = published_round()
    factories.EvaluationRoundFactory(program=evaluation_round.program, order=2, status=R.SETUP)
    appeal, staff = upheld_appeal(evaluation_round)

    result = appeal_reinstate(appeal=appeal, by=staff)

    appeal.application.refresh_from_db()
    assert appeal.application.status == "advanced"
    assert result.advanced and result.override_reason == "Appeal upheld: The market score was entered wrongly."
    assert events_of(result, "advancement_overridden").get().data["appeal"] == appeal.pk
    notice = Notification.objects.filter(event=E.ROUND_RESULT, object_id=str(appeal.application_id)).get()
    assert notice.context["advanced"] is True


def test_a_dismissed_appeal_lets_nothing_advance():
    evaluation_round = published_round()
    factories.EvaluationRoundFactory(program=evaluation_round.program, order=2, status=R.SETUP)
    application, founder = result_for(evaluation_round)
    appeal = appeal_file(application=application, round=evaluation_round, by=founder, reason="Please recheck.")
    staff = factories.UserFactory(staff=True)
    appeal = appeal_decide(appeal=appeal, by=staff, upheld=False, answer="The scores stand.")

    with pytest.raises(DomainError) as refused:
        appeal_reinstate(appeal=appeal, by=staff)

    assert refused.value.code == "appeal_not_upheld"


def test_once_the_next_round_has_results_the_application_can_no_longer_join_it():
    evaluation_round = published_round()
    factories.EvaluationRoundFactory(program=evaluation_round.program, order=2, status=R.RESULTS_COMPUTED)
    appeal, staff = upheld_appeal(evaluation_round)

    with pytest.raises(DomainError) as refused:
        appeal_reinstate(appeal=appeal, by=staff)

    appeal.application.refresh_from_db()
    assert (refused.value.code, appeal.application.status) == ("next_round_computed", "not_selected")


def test_in_the_last_round_before_the_selection_is_final_the_override_makes_the_application_a_candidate():
    evaluation_round = published_round()
    appeal, staff = upheld_appeal(evaluation_round, status="in_review")

    result = appeal_reinstate(appeal=appeal, by=staff)

    appeal.application.refresh_from_db()
    assert result.advanced and result.override_reason.startswith("Appeal upheld")
    assert appeal.application.status == "in_review"  # the final selection decides


def test_in_the_last_round_once_the_selection_is_final_an_appeal_cannot_change_it():
    evaluation_round = published_round()
    appeal, staff = upheld_appeal(evaluation_round, status="reserve")
    factories.SelectionEntryFactory(
        program=evaluation_round.program, application=appeal.application, outcome=SelectionEntry.Outcome.RESERVE
    )

    with pytest.raises(DomainError) as refused:
        appeal_reinstate(appeal=appeal, by=staff)

    assert refused.value.code == "selection_final"
