"""The application form: starting, drafts, uploads, track questions, the deadline, autosave."""

import datetime as dt

import pytest
from django.utils import timezone

from matching.models import Program, Question
from startups.models import Answer, Application, Attachment
from tests import factories
from tests.web.conftest import EXE, PDF, complete_form, edit_url, make_founder, pdf

pytestmark = pytest.mark.django_db


def answers_of(application):
    return {a.question.code: a.value for a in Answer.objects.filter(application=application).select_related("question")}


def typed_of(application):
    return {
        a.question.code: a.typed
        for a in Answer.objects.filter(application=application).exclude(typed="").select_related("question")
    }


def test_starting_an_application_signed_out_goes_to_the_login_page_and_back(client, program):
    response = client.get(f"/programs/{program.slug}/apply/")

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next=/programs/{program.slug}/apply/"


def test_starting_without_a_startup_sends_the_person_to_register_it_first(client, program):
    client.force_login(factories.UserFactory(preferred_language="en"))

    response = client.get(f"/programs/{program.slug}/apply/")

    assert response.status_code == 302
    assert response.url == f"/startup/?next=%2Fprograms%2F{program.slug}%2Fapply%2F"
    assert not Application.objects.exists()


def test_starting_creates_a_draft_and_opens_its_form(founder_client, founder, program):
    response = founder_client.post(f"/programs/{program.slug}/apply/", follow=True)

    application = Application.objects.get(program=program, startup=founder.startup)
    assert application.status == Application.Status.DRAFT
    assert response.redirect_chain == [(edit_url(application), 302)]


def test_starting_again_opens_the_same_draft(founder_client, draft, program):
    response = founder_client.get(f"/programs/{program.slug}/apply/")

    assert response.url == edit_url(draft)
    assert Application.objects.count() == 1


def test_starting_after_the_deadline_goes_back_to_the_program_page_with_the_message(founder_client):
    closed = factories.ProgramFactory(
        status=Program.Status.OPEN,
        opens_at=timezone.now() - dt.timedelta(days=9),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )

    response = founder_client.get(f"/programs/{closed.slug}/apply/", follow=True)

    assert response.redirect_chain[-1][0] == f"/programs/{closed.slug}/"
    assert "deadline" in str(list(response.context["messages"])[0])
    assert not Application.objects.exists()


def test_the_form_gives_every_kind_of_question_its_own_control(founder_client, draft):
    html = founder_client.get(edit_url(draft)).content.decode()

    assert 'name="q_product" id="id_q_product" value="" maxlength="40"' in html
    assert '<textarea name="q_problem" id="id_q_problem"' in html
    assert 'data-max-length="50"' in html and 'class="char-count" data-for="id_q_problem"' in html
    assert 'name="q_funding" id="id_q_funding" value="" inputmode="decimal"' in html
    assert 'type="date" name="q_launch"' in html
    assert 'type="url" name="q_demo"' in html
    assert 'type="radio" name="q_stage" id="id_q_stage_0" value="prototype"' in html
    assert 'type="checkbox" name="q_products" id="id_q_products_1" value="whisper"' in html
    assert 'type="radio" name="q_abroad" id="id_q_abroad_0" value="yes"' in html
    assert 'type="file" name="q_deck" id="id_q_deck"' in html
    assert "up to 1 MB" in html
    assert 'type="radio" name="d_tax_arrears"' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_track_that_admits_pre_founders_says_so(founder_client, draft):
    html = founder_client.get(edit_url(draft)).content.decode()

    assert 'AI with hardware <span class="badge badge--info">Pre-founders admitted</span>' in html


def test_a_draft_with_partial_answers_is_saved_and_shown_again_with_the_file(founder_client, draft, program):
    form = {"action": "save", "title": "반쪽짜리 초안", "q_problem": "첫 줄\r\n둘째 줄", "q_deck": pdf("IR 자료.pdf")}

    response = founder_client.post(edit_url(draft), form)

    assert response.status_code == 302 and response.url == edit_url(draft)
    html = founder_client.get(edit_url(draft)).content.decode()
    assert 'value="반쪽짜리 초안"' in html
    assert "첫 줄\n둘째 줄</textarea>" in html
    assert "IR_자료.pdf" in html
    assert "Draft saved at" in html
    assert answers_of(draft) == {"problem": "첫 줄\n둘째 줄"}


def test_save_and_review_goes_on_to_the_review_page(founder_client, draft, program):
    response = founder_client.post(edit_url(draft), complete_form(program, action="review"))

    assert response.url == f"/applications/{draft.pk}/review/"


def test_an_over_long_answer_is_shown_at_its_field_and_in_the_summary_and_the_rest_is_saved(
    founder_client, draft, program
):
    too_long = "가" * 51
    response = founder_client.post(edit_url(draft), complete_form(program, q_problem=too_long, q_product="새 이름"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in html and 'href="#id_q_problem"' in html
    assert 'id="id_q_problem_error"' in html and "you wrote 51" in html
    assert 'aria-describedby="id_q_problem_error" aria-invalid="true"' in html
    assert f"{too_long}</textarea>" in html  # what was typed is kept on the page
    assert answers_of(draft)["product"] == "새 이름"  # …and everything else was saved
    assert answers_of(draft)["problem"] is None  # not an answer yet…
    assert typed_of(draft) == {"problem": too_long}  # …but kept as typed


def test_a_number_that_is_not_a_number_is_reported_and_kept_as_typed(founder_client, draft, program):
    response = founder_client.post(edit_url(draft), complete_form(program, q_funding="12억쯤"))

    assert 'value="12억쯤"' in response.content.decode()
    assert "Enter a number" in response.content.decode()
    assert answers_of(draft)["funding"] is None
    assert typed_of(draft) == {"funding": "12억쯤"}


def test_an_answer_kept_as_typed_comes_back_with_its_message_when_the_page_is_opened_again(
    founder_client, draft, program
):
    founder_client.post(f"/applications/{draft.pk}/autosave/", complete_form(program, q_problem="가" * 51))

    html = founder_client.get(edit_url(draft)).content.decode()

    assert f"{'가' * 51}</textarea>" in html
    assert 'id="id_q_problem_error"' in html and "you wrote 51" in html
    assert 'href="#id_q_problem"' in html  # in the summary too


def test_an_amount_in_won_is_stored_whole_and_shown_back_grouped_with_its_unit(founder_client, draft, program):
    Question.objects.filter(program=program, code="funding").update(unit=Question.Unit.WON)

    founder_client.post(edit_url(draft), complete_form(program, q_funding="1.2억"))

    html = founder_client.get(edit_url(draft)).content.decode()
    assert answers_of(draft)["funding"] == "120000000"
    assert 'value="120,000,000"' in html
    assert '<span class="input-unit__suffix" aria-hidden="true">won</span>' in html


def test_an_amount_in_won_that_cannot_be_read_is_worded_for_amounts(founder_client, draft, program):
    Question.objects.filter(program=program, code="funding").update(unit=Question.Unit.WON)

    response = founder_client.post(edit_url(draft), complete_form(program, q_funding="3.5"))

    assert "Enter an amount in won, such as 1,200,000 or 1.2억." in response.content.decode()


def test_a_pdf_only_question_accepts_only_pdf_in_the_file_picker_and_says_so(founder_client, draft, program):
    Question.objects.filter(program=program, code="deck").update(file_types=["pdf"])

    html = founder_client.get(edit_url(draft)).content.decode()

    assert 'name="q_deck" id="id_q_deck" accept=".pdf"' in html
    assert "Accepted: PDF · up to 1 MB." in html


def test_a_png_for_a_pdf_only_question_is_refused_at_its_field(founder_client, draft, program):
    Question.objects.filter(program=program, code="deck").update(file_types=["pdf"])
    png = pdf("deck.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)

    response = founder_client.post(edit_url(draft), {**complete_form(program), "q_deck": png})

    html = response.content.decode()
    assert 'id="id_q_deck_error"' in html and "takes only PDF files" in html and "is a PNG image" in html
    assert not Attachment.objects.exists()


def test_a_program_named_deck_pdf_is_refused_at_the_file_field(founder_client, draft, program):
    response = founder_client.post(edit_url(draft), {**complete_form(program), "q_deck": pdf("deck.pdf", EXE)})

    html = response.content.decode()
    assert 'id="id_q_deck_error"' in html and "Its content was checked" in html
    assert not Attachment.objects.exists()
    assert answers_of(draft)["product"] == "매치봇"


def test_a_file_over_the_questions_size_limit_is_refused(founder_client, draft, program):
    big = PDF + b"0" * (1024 * 1024 + 1 - len(PDF))

    response = founder_client.post(edit_url(draft), {**complete_form(program), "q_deck": pdf("big.pdf", big)})

    assert "the limit is 1 MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_an_empty_file_is_refused(founder_client, draft, program):
    response = founder_client.post(edit_url(draft), {**complete_form(program), "q_deck": pdf("empty.pdf", b"")})

    assert "is empty" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_new_file_replaces_the_current_one(founder_client, draft, program):
    founder_client.post(edit_url(draft), {**complete_form(program), "q_deck": pdf("v1.pdf")})
    founder_client.post(edit_url(draft), {**complete_form(program), "q_deck": pdf("v2.pdf")})

    current = Attachment.objects.filter(application=draft, detached_at__isnull=True)
    assert [a.original_name for a in current] == ["v2.pdf"]


def test_removing_a_file_also_saves_what_was_typed(founder_client, draft, program):
    founder_client.post(edit_url(draft), {**complete_form(program), "q_deck": pdf()})
    attachment = Attachment.objects.get()

    response = founder_client.post(
        f"/applications/{draft.pk}/attachments/{attachment.pk}/remove/", complete_form(program, title="바뀐 제목")
    )

    assert response.url == f"{edit_url(draft)}#id_q_deck"
    attachment.refresh_from_db()
    draft.refresh_from_db()
    assert attachment.detached_at is not None
    assert draft.title == "바뀐 제목"


def test_questions_of_another_track_are_hidden_and_not_saved(founder_client, draft, program):
    response = founder_client.post(edit_url(draft), complete_form(program, q_hardware="NPU 보드"))
    html = founder_client.get(edit_url(draft)).content.decode()

    assert response.status_code == 302
    assert "hardware" not in answers_of(draft)
    collab = program.tracks.get(code="collab")
    assert f'data-track="{collab.pk}" hidden disabled' in html


def test_questions_of_the_chosen_track_are_shown_and_saved(founder_client, draft, program):
    collab = program.tracks.get(code="collab")

    founder_client.post(edit_url(draft), complete_form(program, track=str(collab.pk), q_hardware="NPU 보드"))
    html = founder_client.get(edit_url(draft)).content.decode()

    assert answers_of(draft)["hardware"] == "NPU 보드"
    assert f'data-track="{collab.pk}">' in html


def test_partner_preferences_are_asked_only_when_the_program_has_several_partners(founder_client, draft, program):
    assert 'name="pref_1"' not in founder_client.get(edit_url(draft)).content.decode()

    factories.ProgramPartnerFactory(program=program)
    html = founder_client.get(edit_url(draft)).content.decode()

    assert 'name="pref_1"' in html and 'name="pref_2"' in html and 'name="pref_3"' not in html


def test_ranked_partner_preferences_are_saved_in_order(founder_client, draft, program):
    second = factories.ProgramPartnerFactory(program=program).partner
    first = program.partnerships.exclude(partner=second).get().partner

    founder_client.post(edit_url(draft), complete_form(program, pref_1=str(second.pk), pref_2=str(first.pk)))

    assert list(draft.partner_preferences.order_by("rank").values_list("partner_id", flat=True)) == [
        second.pk,
        first.pk,
    ]


def test_after_the_deadline_the_form_is_read_only_with_the_message(founder_client, draft, program):
    Program.objects.filter(pk=program.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))

    html = founder_client.get(edit_url(draft)).content.decode()

    assert '<fieldset class="form-body" disabled>' in html
    assert "The deadline" in html and "has passed" in html
    assert 'name="action" value="review"' not in html
    assert "data-autosave-url" not in html


def test_saving_after_the_deadline_changes_nothing_and_says_why(founder_client, draft, program):
    Program.objects.filter(pk=program.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))

    response = founder_client.post(edit_url(draft), complete_form(program))

    draft.refresh_from_db()
    assert draft.title == ""
    assert "has passed" in response.content.decode()


def test_uploading_to_a_closed_program_is_refused_and_nothing_is_stored(founder_client, draft, program):
    Program.objects.filter(pk=program.pk).update(status=Program.Status.CLOSED)

    response = founder_client.post(edit_url(draft), {**complete_form(program), "q_deck": pdf()})

    assert response.status_code == 200
    assert not Attachment.objects.exists()


def test_the_deadline_is_shown_in_korea_time_with_the_time_left(founder_client, draft, program):
    program.closes_at = dt.datetime(2099, 11, 17, 16, 0, tzinfo=dt.UTC)
    program.save(update_fields=["closes_at"])

    html = founder_client.get(edit_url(draft)).content.decode()

    assert "Wed 18 Nov 2099, 01:00 KST" in html  # 16:00 UTC is 01:00 the next day in Seoul
    assert " left</p>" in html


@pytest.mark.parametrize(
    ("closes_in", "banner"),
    [
        (dt.timedelta(days=10), '<div class="deadline-banner">'),
        (dt.timedelta(days=2), '<div class="deadline-banner deadline-banner--urgent">'),
        (-dt.timedelta(minutes=1), '<div class="deadline-banner deadline-banner--closed">'),
    ],
)
def test_the_deadline_banner_turns_red_in_the_last_three_days_and_grey_once_closed(
    founder_client, draft, program, closes_in, banner
):
    Program.objects.filter(pk=program.pk).update(closes_at=timezone.now() + closes_in)

    html = founder_client.get(edit_url(draft)).content.decode()

    assert banner in html


def test_the_form_is_in_korean_for_a_korean_speaker(client, draft):
    korean = make_founder(preferred_language="ko")
    factories.StartupMemberFactory(startup=draft.startup, user=korean)
    client.force_login(korean)

    response = client.get(edit_url(draft))

    assert response.headers["Content-Language"] == "ko"
    assert '<html lang="ko">' in response.content.decode()
    assert "문제 인식" in response.content.decode()  # the question's Korean label


def test_autosave_stores_the_typed_fields_and_answers_with_the_time(founder_client, draft, program):
    response = founder_client.post(f"/applications/{draft.pk}/autosave/", complete_form(program, title="자동 저장"))

    body = response.json()
    assert response.status_code == 200
    assert body["errors"] == {} and body["saved_at"].count(":") == 1
    draft.refresh_from_db()
    assert draft.title == "자동 저장"


def test_autosave_reports_what_it_could_not_store(founder_client, draft, program):
    response = founder_client.post(f"/applications/{draft.pk}/autosave/", complete_form(program, q_funding="많음"))

    body = response.json()
    assert list(body["errors"]) == ["question:funding"]
    assert body["problems"][0]["anchor"] == "id_q_funding"


def test_autosave_after_the_deadline_is_refused_with_the_message(founder_client, draft, program):
    Program.objects.filter(pk=program.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))

    response = founder_client.post(f"/applications/{draft.pk}/autosave/", complete_form(program))

    assert response.status_code == 409
    assert "has passed" in response.json()["errors"]["__all__"][0]


def test_autosave_accepts_only_post(founder_client, draft):
    assert founder_client.get(f"/applications/{draft.pk}/autosave/").status_code == 405


def test_autosave_needs_the_csrf_token(client, founder, draft, program):
    strict = client.__class__(enforce_csrf_checks=True)
    strict.force_login(founder)

    response = strict.post(f"/applications/{draft.pk}/autosave/", complete_form(program))

    assert response.status_code == 403


def test_a_saved_number_is_shown_with_thousands_separators(founder_client, draft, program):
    founder_client.post(edit_url(draft), complete_form(program, q_funding="1200000000"))

    html = founder_client.get(edit_url(draft)).content.decode()

    assert 'name="q_funding" id="id_q_funding" value="1,200,000,000"' in html
    assert answers_of(draft)["funding"] == "1200000000"


def test_the_form_loads_its_script_and_styles_from_the_app_itself(founder_client, draft):
    html = founder_client.get(edit_url(draft)).content.decode()

    assert '<script src="/static/js/application.js" defer></script>' in html
    assert 'href="/static/css/applicant.css"' in html
    assert "://" not in "".join(line for line in html.splitlines() if "<script" in line or "stylesheet" in line)


def test_a_remove_button_posted_on_its_own_removes_the_file_and_keeps_the_answers(founder_client, draft, program):
    founder_client.post(edit_url(draft), {**complete_form(program), "q_deck": pdf()})
    attachment = Attachment.objects.get()

    founder_client.post(f"/applications/{draft.pk}/attachments/{attachment.pk}/remove/")

    draft.refresh_from_db()
    attachment.refresh_from_db()
    assert attachment.detached_at is not None
    assert draft.title == "생성형 AI 상담 자동화"
    assert answers_of(draft)["product"] == "매치봇"
