"""The review page, submitting, the deadline, doing it once, eligibility, escaping and re-submitting."""

import datetime as dt

import pytest
from django.utils import timezone

from matching.models import Program
from notifications.models import Notification
from startups.models import Application, Submission
from tests.web.conftest import complete_form, edit_url, pdf

pytestmark = pytest.mark.django_db


def review_url(application):
    return f"/applications/{application.pk}/review/"


def submit_url(application):
    return f"/applications/{application.pk}/submit/"


def test_the_review_page_lists_every_missing_required_answer_with_a_link_to_its_field(founder_client, draft):
    html = founder_client.get(review_url(draft)).content.decode()

    for anchor in (
        "id_title",
        "id_summary",
        "id_track_0",
        "id_q_product",
        "id_q_stage_0",
        "id_q_deck",
        "id_d_tax_arrears_0",
    ):
        assert f'href="{edit_url(draft)}#{anchor}"' in html
    assert f'href="/applications/{draft.pk}/edit/#id_q_demo"' not in html  # optional
    assert f'action="{submit_url(draft)}"' not in html


def test_submitting_an_incomplete_application_is_refused_and_the_problems_are_listed(founder_client, draft):
    response = founder_client.post(submit_url(draft), follow=True)

    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT
    assert response.redirect_chain == [(review_url(draft), 302)]
    html = response.content.decode()
    assert "Some answers are missing or need fixing." in html
    assert f'href="{edit_url(draft)}#id_q_product"' in html


def test_a_complete_application_can_be_submitted_from_the_review_page(founder_client, complete_draft):
    html = founder_client.get(review_url(complete_draft)).content.decode()

    assert f'action="{submit_url(complete_draft)}" data-submit-once' in html
    assert 'id="error-summary"' not in html
    assert "You can still edit and submit again until the deadline" in html


def test_an_answer_kept_as_typed_blocks_submission_and_is_never_shown_as_the_answer(
    founder_client, complete_draft, program
):
    too_long = "가" * 51  # the problem question takes at most 50 characters
    founder_client.post(f"/applications/{complete_draft.pk}/autosave/", complete_form(program, q_problem=too_long))

    html = founder_client.get(review_url(complete_draft)).content.decode()
    response = founder_client.post(submit_url(complete_draft), {"privacy_consent": "on"}, follow=True)

    assert f'href="{edit_url(complete_draft)}#id_q_problem"' in html and "you wrote 51" in html
    assert too_long not in html
    assert f'action="{submit_url(complete_draft)}"' not in html
    assert "you wrote 51" in response.content.decode()
    complete_draft.refresh_from_db()
    assert complete_draft.status == Application.Status.DRAFT
    assert not Submission.objects.filter(application=complete_draft).exists()


def test_submitting_shows_the_receipt_number_on_the_status_page(founder_client, complete_draft, program):
    response = founder_client.post(submit_url(complete_draft), follow=True)

    complete_draft.refresh_from_db()
    assert complete_draft.status == Application.Status.SUBMITTED
    assert complete_draft.receipt_number == f"{program.receipt_prefix}-0001"
    assert response.redirect_chain == [(f"/applications/{complete_draft.pk}/", 302)]
    assert f"Your receipt number is {complete_draft.receipt_number}" in response.content.decode()


def test_submitting_twice_gives_the_same_receipt_one_submission_and_one_notification(
    founder_client, complete_draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        founder_client.post(submit_url(complete_draft))
        second = founder_client.post(submit_url(complete_draft), follow=True)

    complete_draft.refresh_from_db()
    assert f"Your receipt number is {complete_draft.receipt_number}" in second.content.decode()
    assert Submission.objects.filter(application=complete_draft).count() == 1
    assert Notification.objects.filter(event=Notification.Event.APPLICATION_SUBMITTED).count() == 1


def test_submitting_after_the_deadline_is_refused_with_the_message_and_the_draft_is_unchanged(
    founder_client, complete_draft, program
):
    Program.objects.filter(pk=program.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    before = Application.objects.filter(pk=complete_draft.pk).values().get()

    response = founder_client.post(submit_url(complete_draft), follow=True)

    assert response.redirect_chain == [(review_url(complete_draft), 302)]
    html = response.content.decode()
    assert "has passed: nothing can be submitted or changed. What you saved is kept." in html
    assert Application.objects.filter(pk=complete_draft.pk).values().get() == before
    assert not Submission.objects.exists()


def test_the_review_page_after_the_deadline_offers_no_submit_button(founder_client, complete_draft, program):
    Program.objects.filter(pk=program.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))

    html = founder_client.get(review_url(complete_draft)).content.decode()

    assert f'action="{submit_url(complete_draft)}"' not in html
    assert "has passed" in html


def test_submit_accepts_only_post(founder_client, complete_draft):
    assert founder_client.get(submit_url(complete_draft)).status_code == 405


def test_the_review_page_warns_when_the_company_is_beyond_the_age_limit(founder_client, complete_draft, founder):
    founder.startup.founded_on = dt.date(2001, 1, 1)
    founder.startup.save(update_fields=["founded_on"])

    html = founder_client.get(review_url(complete_draft)).content.decode()

    assert "this application would be ineligible" in html
    assert "accepts companies younger than 10 years" in html


def test_a_company_beyond_the_age_limit_is_submitted_as_ineligible_with_the_reason(
    founder_client, complete_draft, founder
):
    founder.startup.founded_on = dt.date(2001, 1, 1)
    founder.startup.save(update_fields=["founded_on"])

    response = founder_client.post(submit_url(complete_draft), follow=True)

    complete_draft.refresh_from_db()
    assert complete_draft.status == Application.Status.INELIGIBLE
    html = response.content.decode()
    assert 'class="badge badge--ineligible' in html
    assert "accepts companies younger than 10 years" in html


def test_an_excluding_declaration_is_named_on_the_status_page(founder_client, complete_draft, program):
    founder_client.post(edit_url(complete_draft), complete_form(program, d_tax_arrears="yes"))

    html = founder_client.post(submit_url(complete_draft), follow=True).content.decode()

    assert "Declared: Are you in arrears on national or local taxes? — yes" in html


def test_html_in_answers_is_shown_escaped_on_the_review_and_status_pages(founder_client, complete_draft, program):
    script = '<script>alert("x")</script><b>굵게</b>'
    founder_client.post(edit_url(complete_draft), complete_form(program, title=script, q_problem=script))

    review = founder_client.get(review_url(complete_draft)).content.decode()
    founder_client.post(submit_url(complete_draft))
    status = founder_client.get(f"/applications/{complete_draft.pk}/").content.decode()

    for html in (review, status):
        assert "<script>alert" not in html and "<b>굵게" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;굵게&lt;/b&gt;" in html


def test_editing_after_submission_and_submitting_again_makes_submission_two_and_the_history_shows_both(
    founder_client, complete_draft, program
):
    founder_client.post(submit_url(complete_draft))
    founder_client.post(edit_url(complete_draft), complete_form(program, title="고친 제목"))

    response = founder_client.post(submit_url(complete_draft), follow=True)

    html = response.content.decode()
    assert list(complete_draft.submissions.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert "#1</td>" in html and "#2</td>" in html
    assert complete_draft.submissions.get(number=2).snapshot["title"] == "고친 제목"


def test_the_status_page_says_when_changes_are_not_submitted_yet(founder_client, complete_draft, program):
    founder_client.post(submit_url(complete_draft))
    status_url = f"/applications/{complete_draft.pk}/"
    assert "changes that are not submitted" not in founder_client.get(status_url).content.decode()

    founder_client.post(edit_url(complete_draft), complete_form(program, title="고친 제목"))

    assert "changes that are not submitted" in founder_client.get(status_url).content.decode()


def test_the_review_page_says_when_this_version_is_already_submitted(founder_client, complete_draft):
    founder_client.post(submit_url(complete_draft))

    html = founder_client.get(review_url(complete_draft)).content.decode()

    assert "This version was submitted on" in html
    assert f'action="{submit_url(complete_draft)}"' not in html


def test_the_review_page_shows_every_answer_in_readable_form(founder_client, complete_draft):
    html = founder_client.get(review_url(complete_draft)).content.decode()

    assert "1,200,000,000" in html  # numbers with separators
    assert "GPT-4</li><li>Whisper" in html  # choice labels, not values
    assert "Launched" in html and "Building on the API" in html
    assert 'href="https://example.com/demo"' in html
    assert "deck.pdf" in html and "/attachments/" in html


def test_a_new_deck_uploaded_after_submission_is_part_of_submission_two(founder_client, complete_draft, program):
    founder_client.post(submit_url(complete_draft))
    founder_client.post(edit_url(complete_draft), {**complete_form(program), "q_deck": pdf("v2.pdf")})

    founder_client.post(submit_url(complete_draft))

    first, second = complete_draft.submissions.order_by("number")
    assert [a["name"] for a in first.snapshot["attachments"]] == ["deck.pdf"]
    assert [a["name"] for a in second.snapshot["attachments"]] == ["v2.pdf"]
