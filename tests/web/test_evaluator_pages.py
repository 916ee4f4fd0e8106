"""Evaluator pages: the assignment list, the score sheet, blind rounds, and other people's work."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matching.models import Assignment, Conflict, EvaluationRound, Review
from tests import factories

pytestmark = pytest.mark.django_db


def _assignment(*, blind=False, evaluator=None, evaluation_round=None):
    evaluation_round = evaluation_round or factories.EvaluationRoundFactory(
        status=EvaluationRound.Status.SCORING, blind=blind, name_en="Document review"
    )
    if not evaluation_round.criteria.exists():
        factories.CriterionFactory(
            round=evaluation_round, code="technology", max_score=Decimal("10"), label_en="Technology"
        )
    application = factories.ApplicationFactory(in_review=True, program=evaluation_round.program, title="AI 상담봇")
    attachment = factories.AttachmentFactory(application=application, original_name="주식회사_알파_IR.pdf")
    factories.SubmissionFactory(
        application=application,
        number=1,
        snapshot={
            "title": "AI 상담봇",
            "summary": "<b>요약</b>",
            "startup": {"name_ko": application.startup.name_ko, "employees": 3},
            "answers": {},
            "attachments": [{"id": attachment.pk, "name": attachment.original_name, "size": 15}],
        },
    )
    return factories.AssignmentFactory(
        round=evaluation_round, application=application, **({"evaluator": evaluator} if evaluator else {})
    )


def _client_for(client, assignment):
    client.force_login(assignment.evaluator.user)
    return client


def test_the_list_shows_progress_per_round(client):
    assignment = _assignment()
    second = _assignment(evaluator=assignment.evaluator, evaluation_round=assignment.round)
    Assignment.objects.filter(pk=second.pk).update(status=Assignment.Status.SUBMITTED)

    response = _client_for(client, assignment).get(reverse("evaluator:list"))

    assert response.status_code == 200
    assert response.context["rounds"][0]["submitted"] == 1 and response.context["rounds"][0]["total"] == 2


def test_the_list_queries_do_not_grow_with_assignments(client, django_assert_num_queries):
    assignment = _assignment()
    _client_for(client, assignment)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("evaluator:list"))
    for _ in range(5):
        _assignment(evaluator=assignment.evaluator, evaluation_round=assignment.round)

    with django_assert_num_queries(len(first.captured_queries)):
        client.get(reverse("evaluator:list"))


def test_the_score_sheet_shows_the_submitted_version_escaped(client):
    assignment = _assignment()

    response = _client_for(client, assignment).get(reverse("evaluator:detail", args=[assignment.pk]))

    content = response.content.decode()
    assert "&lt;b&gt;요약&lt;/b&gt;" in content
    assert assignment.application.startup.name_ko in content
    assert "주식회사_알파_IR.pdf" in content


def test_a_blind_round_hides_the_startup_and_the_file_names(client):
    assignment = _assignment(blind=True)

    response = _client_for(client, assignment).get(reverse("evaluator:detail", args=[assignment.pk]))

    content = response.content.decode()
    assert assignment.application.startup.name_ko not in content
    assert "주식회사_알파_IR.pdf" not in content


def test_an_evaluator_cannot_open_an_application_not_assigned_to_them(client):
    assignment = _assignment()
    someone_else = factories.EvaluatorFactory()
    client.force_login(someone_else.user)

    response = client.get(reverse("evaluator:detail", args=[assignment.pk]))

    assert response.status_code == 404


def test_saving_and_submitting_from_the_score_sheet(client):
    assignment = _assignment()
    criterion = assignment.round.criteria.get()
    _client_for(client, assignment)

    response = client.post(
        reverse("evaluator:detail", args=[assignment.pk]), {f"score-{criterion.pk}": "8", "action": "submit"}
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED


def test_an_out_of_range_score_is_shown_at_its_field_and_kept_as_typed(client):
    assignment = _assignment()
    criterion = assignment.round.criteria.get()
    _client_for(client, assignment)

    response = client.post(
        reverse("evaluator:detail", args=[assignment.pk]), {f"score-{criterion.pk}": "12", "action": "save"}
    )

    assert response.status_code == 400
    assert 'value="12"' in response.content.decode()
    assert response.context["rows"][0]["errors"]


def test_after_scoring_closes_the_sheet_is_read_only_and_posting_changes_nothing(client):
    assignment = _assignment()
    criterion = assignment.round.criteria.get()
    EvaluationRound.objects.filter(pk=assignment.round_id).update(status=EvaluationRound.Status.CLOSED)
    _client_for(client, assignment)

    response = client.post(
        reverse("evaluator:detail", args=[assignment.pk]), {f"score-{criterion.pk}": "8", "action": "save"}
    )

    assert response.status_code == 302
    assert not Review.objects.filter(assignment=assignment).exists()


def test_an_evaluator_in_a_blind_round_downloads_a_document_under_a_neutral_name(client):
    assignment = _assignment(blind=True)
    attachment = assignment.application.attachments.get()

    response = _client_for(client, assignment).get(reverse("applications:download", args=[attachment.pk]))

    assert response.status_code == 200
    assert "주식회사" not in response["Content-Disposition"]
    assert f"document-{attachment.pk}.pdf" in response["Content-Disposition"]


def test_an_evaluator_in_an_open_round_downloads_a_document_under_its_name(client):
    assignment = _assignment()
    attachment = assignment.application.attachments.get()

    response = _client_for(client, assignment).get(reverse("applications:download", args=[attachment.pk]))

    assert "IR.pdf" in response["Content-Disposition"]


def test_an_evaluator_steps_aside_with_a_reason_and_the_assignment_is_recused(client):
    assignment = _assignment()

    response = _client_for(client, assignment).post(
        reverse("evaluator:recuse", args=[assignment.pk]), {"reason": "전 직장 동료가 대표입니다"}
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.status, assignment.recusal_reason) == (Assignment.Status.RECUSED, "전 직장 동료가 대표입니다")


def test_stepping_aside_without_a_reason_changes_nothing(client):
    assignment = _assignment()

    _client_for(client, assignment).post(reverse("evaluator:recuse", args=[assignment.pk]), {"reason": " "})

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.PENDING


def test_stepping_aside_records_a_declared_conflict_so_later_rounds_never_pair_them(client):
    assignment = _assignment()

    _client_for(client, assignment).post(reverse("evaluator:recuse", args=[assignment.pk]), {"reason": "투자 검토 중"})

    conflict = Conflict.objects.get(evaluator=assignment.evaluator, startup=assignment.application.startup)
    assert (conflict.source, conflict.reason) == (Conflict.Source.DECLARED, "투자 검토 중")


def test_the_score_sheet_shows_the_review_total_by_the_scoring_rule(client):
    assignment = _assignment()
    market = factories.CriterionFactory(
        round=assignment.round, code="market", weight=Decimal("10"), max_score=Decimal("20")
    )
    technology = assignment.round.criteria.get(code="technology")
    url = reverse("evaluator:detail", args=[assignment.pk])
    _client_for(client, assignment).post(
        url, {f"score-{technology.pk}": "6", f"score-{market.pk}": "10", "action": "save"}
    )

    response = client.get(url)

    assert response.context["total"] == Decimal("57.5")  # 100 · (30·6/10 + 10·10/20) / 40


def test_a_scoring_round_past_its_closing_time_reads_closed_not_zero_minutes_left(client):
    evaluation_round = factories.EvaluationRoundFactory(
        status=EvaluationRound.Status.SCORING,
        opens_at=timezone.now() - dt.timedelta(days=7),
        closes_at=timezone.now() - dt.timedelta(minutes=5),
    )
    assignment = _assignment(evaluation_round=evaluation_round)

    page = _client_for(client, assignment).get(reverse("evaluator:list"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()

    assert "마감됨" in page
    assert "남음" not in page


def test_a_scoring_round_still_open_shows_the_time_left(client):
    evaluation_round = factories.EvaluationRoundFactory(
        status=EvaluationRound.Status.SCORING,
        opens_at=timezone.now() - dt.timedelta(days=7),
        closes_at=timezone.now() + dt.timedelta(days=2),
    )
    assignment = _assignment(evaluation_round=evaluation_round)

    page = _client_for(client, assignment).get(reverse("evaluator:list"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()

    assert "남음" in page
    assert "마감됨" not in page


KOREAN_ONLY_NOTICE = "Answers are shown as the applicant wrote them, in Korean."


def _assignment_answered(answer: str, summary: str):
    """An assignment whose submitted version answers one question with `answer`."""
    assignment = _assignment()
    factories.QuestionFactory(program=assignment.round.program, code="problem", kind="short_text")
    submission = assignment.application.submissions.get()
    submission.snapshot = {**submission.snapshot, "summary": summary, "answers": {"problem": answer}}
    submission.save(update_fields=["snapshot"])
    return assignment


def _score_sheet(client, assignment, language):
    assignment.evaluator.user.preferred_language = language
    assignment.evaluator.user.save(update_fields=["preferred_language"])
    return _client_for(client, assignment).get(reverse("evaluator:detail", args=[assignment.pk])).content.decode()


def test_an_english_interface_says_the_korean_answers_are_shown_as_the_applicant_wrote_them(client):
    assignment = _assignment_answered("고객센터 반복 문의가 많습니다", summary="AI chatbot for call centres")

    page = _score_sheet(client, assignment, "en")

    assert KOREAN_ONLY_NOTICE in page
    assert page.index(KOREAN_ONLY_NOTICE) < page.index("고객센터 반복 문의가 많습니다")


def test_a_korean_interface_shows_no_notice_about_korean_answers(client):
    assignment = _assignment_answered("고객센터 반복 문의가 많습니다", summary="고객센터 자동화")

    page = _score_sheet(client, assignment, "ko")

    assert KOREAN_ONLY_NOTICE not in page
    assert "한국어로" not in page


def test_answers_written_in_english_need_no_notice_in_an_english_interface(client):
    assignment = _assignment_answered("Call centres get the same questions again and again", summary="AI chatbot")

    assert KOREAN_ONLY_NOTICE not in _score_sheet(client, assignment, "en")


def test_the_score_sheet_gives_the_live_total_the_weights_maxima_and_places_of_the_server_rule(client):
    assignment = _assignment()
    factories.CriterionFactory(
        round=assignment.round, code="market", weight=Decimal("12.5"), max_score=Decimal("7.5"), order=2
    )

    page = _score_sheet(client, assignment, "en")

    technology, market = assignment.round.criteria.order_by("order")
    assert f'data-weight="{technology.weight}" data-max="10.00"' in page
    assert 'data-weight="12.50" data-max="7.50"' in page
    assert 'data-score-sheet data-total-places="2"' in page
    assert "js/score_sheet.js" in page
    assert 'data-live-total aria-live="polite" hidden' in page  # without JavaScript, only the saved total
