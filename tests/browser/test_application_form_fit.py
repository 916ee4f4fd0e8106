"""The application form in a real browser keeps what was typed and fits each question: an over-long
answer survives autosave and a reload, amounts in won are read as Koreans write them, a PDF-only
question refuses a PNG by its content, and the form fits a phone (Korean and English)."""

import pytest
from playwright.sync_api import expect

from matching.models import Question
from startups.models import Answer, Attachment
from tests import factories
from tests.browser.applicants import complete_draft, log_in, make_founder, make_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def one_character_columns(page) -> list[str]:
    """Text blocks of the form laid out narrower than two Korean characters (one character per line)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('main label, main legend, main p, main td, main th, main span'))
          .filter(el => el.offsetParent !== null && !el.closest('.visually-hidden'))
          .filter(el => el.textContent.trim().length > 3)
          .filter(el => el.getBoundingClientRect().width < 28)
          .map(el => el.textContent.trim().slice(0, 30))"""
    )


def test_the_form_keeps_an_over_long_answer_reads_amounts_in_won_and_refuses_a_png_for_a_pdf_question(
    page, phone_page, live_server, screenshot
):
    program = make_program()
    Question.objects.filter(program=program, code="deck").update(file_types=["pdf"])
    essay = factories.QuestionFactory(
        program=program, code="essay", order=10, max_length=1000, label_ko="사업 계획", label_en="Business plan"
    )
    funding = factories.QuestionFactory(
        program=program,
        code="funding",
        order=11,
        kind=Question.Kind.NUMBER,
        unit=Question.Unit.WON,
        max_length=None,
        required=False,
        label_ko="누적 투자 유치액",
        label_en="Investment raised",
    )
    founder = make_founder()
    application = complete_draft(program, founder)
    log_in(page, founder, live_server)
    page.goto(f"/applications/{application.pk}/edit/")

    # 1,100 characters for a 1,000-character question, and an amount with commas: autosaved, not clicked.
    page.fill("#id_q_essay", "가" * 1100)
    page.fill("#id_q_funding", "1,200,000")
    expect(page.locator("#autosave-status")).to_contain_text("임시저장됨", timeout=10_000)
    assert Answer.objects.get(application=application, question=essay).typed == "가" * 1100
    assert Answer.objects.get(application=application, question=funding).value == "1200000"

    page.reload()
    expect(page.locator("#id_q_essay")).to_have_value("가" * 1100)
    expect(page.locator("#id_q_essay_error")).to_contain_text("1000자")
    expect(page.locator("#id_q_funding")).to_have_value("1,200,000")
    expect(page.locator(".input-unit__suffix")).to_have_text("원")
    expect(page.locator("#id_q_deck")).to_have_attribute("accept", ".pdf")

    # 1.2억 and a PNG dressed as a PDF, saved with the button.
    page.fill("#id_q_funding", "1.2억")
    page.set_input_files("#id_q_deck", files=[{"name": "x.pdf", "mimeType": "application/pdf", "buffer": PNG}])
    page.get_by_role("button", name="임시저장").last.click()
    expect(page.locator("#id_q_deck_error")).to_contain_text(
        "PDF 파일만 올릴 수 있습니다. 올린 파일(x.pdf)은 PNG 이미지입니다."
    )
    assert Answer.objects.get(application=application, question=funding).value == "120000000"
    assert Attachment.objects.filter(application=application, detached_at=None, content_type="image/png").count() == 0
    screenshot(page, "application-form-fit-ko-1280")

    # Submission is refused while the answer is over its limit, with the form's wording.
    page.goto(f"/applications/{application.pk}/review/")
    expect(page.locator("main")).to_contain_text("1000자")
    expect(page.get_by_role("button", name="신청서 제출")).to_have_count(0)
    screenshot(page, "application-review-typed-refused-ko-1280")

    # On a phone, in Korean then in English: no column one character wide.
    log_in(phone_page, founder, live_server)
    phone_page.goto(f"/applications/{application.pk}/edit/")
    screenshot(phone_page, "application-form-fit-ko-375")
    assert one_character_columns(phone_page) == []
    founder.preferred_language = "en"
    founder.save(update_fields=["preferred_language"])
    for current, width, name in (
        (phone_page, 375, "application-form-fit-en-375"),
        (page, 1280, "application-form-fit-en-1280"),
    ):
        current.goto(f"/applications/{application.pk}/edit/")
        expect(current.locator("#id_q_essay_error")).to_contain_text("Keep this under 1000 characters")
        screenshot(current, name)
        assert one_character_columns(current) == [], width
