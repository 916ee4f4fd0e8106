"""What the applicant browser tests share: a realistic open call, a founder, a complete draft, and
logging a browser in without going through the login form (fast, and clear of allauth's rate limit)."""

import contextlib
from urllib.parse import urlparse

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from matching.models import Program, Question
from startups.models import Application, StartupMember
from startups.services import application_save_draft, application_start, attachment_add
from tests import factories

K = Question.Kind

# A small PDF that the content check accepts (it reads the magic bytes, not the name).
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)

STAGES = [
    {"value": "idea", "label_ko": "아이디어", "label_en": "Idea"},
    {"value": "prototype", "label_ko": "시제품", "label_en": "Prototype"},
    {"value": "launched", "label_ko": "정식 출시", "label_en": "Launched"},
]

# The form's questions in order; only the text questions have a length limit.
QUESTIONS = [
    {
        "code": "product",
        "kind": K.SHORT_TEXT,
        "max_length": 40,
        "label_ko": "제품·서비스 이름",
        "label_en": "Product or service name",
    },
    {
        "code": "problem",
        "kind": K.LONG_TEXT,
        "max_length": 500,
        "label_ko": "해결하려는 문제",
        "label_en": "The problem you solve",
        "help_ko": "누가, 어떤 상황에서, 무엇 때문에 어려움을 겪는지 적어 주세요.",
        "help_en": "Who struggles, in which situation, and why.",
    },
    {"code": "stage", "kind": K.SINGLE_CHOICE, "choices": STAGES, "label_ko": "사업 단계", "label_en": "Stage"},
    {
        "code": "abroad",
        "kind": K.YES_NO,
        "label_ko": "해외 고객이 있습니까?",
        "label_en": "Do you have customers abroad?",
    },
    {"code": "deck", "kind": K.FILE, "max_file_size_mb": 5, "label_ko": "사업계획서(피치덱)", "label_en": "Pitch deck"},
]


def make_program(*, receipt_prefix: str = "GEC2025", **fields) -> Program:
    """An open call as staff would set it up: two tracks, a few questions of different kinds,
    a pitch deck to upload and one eligibility declaration."""
    program = factories.ProgramFactory(
        status=Program.Status.OPEN,
        name_ko="2025 글로벌 AI 협업 프로그램",
        name_en="2025 Global AI Collaboration Program",
        host="중소벤처기업부 · 창업진흥원",
        description_ko="글로벌 AI 기업과 함께 기술 검증(PoC)과 공동 사업화를 추진할 스타트업을 모집합니다.",
        description_en="We are looking for startups to run proofs of concept and launch products with global AI firms.",
        receipt_prefix=receipt_prefix,
        **fields,
    )
    factories.TrackFactory(program=program, code="api", name_ko="API 활용", name_en="Building on the API", order=1)
    factories.TrackFactory(
        program=program,
        code="preseed",
        name_ko="예비창업",
        name_en="Pre-seed",
        order=2,
        admits_pre_founders=True,
    )
    for order, fields in enumerate(QUESTIONS, start=1):
        factories.QuestionFactory(program=program, order=order, **{"max_length": None, **fields})
    factories.DeclarationFactory(program=program, code="tax_arrears", excluding_answer=True)
    factories.ProgramPartnerFactory(program=program, partner=factories.PartnerFactory(name="OpenAI Korea"))
    # An open call has its personal-data statement: submitting asks for consent to it.
    factories.PrivacyStatementFactory(
        program=program,
        third_parties_ko="OpenAI Korea (협업 검토)",
        third_parties_en="OpenAI Korea (collaboration review)",
    )
    return program


def agree_to_privacy(page) -> None:
    """Tick the consent to the program's personal-data statement on the review page, as submitting needs."""
    page.locator("#id_privacy_consent").check()


def make_founder(*, language: str = "ko", email: str = "founder@example.com"):
    """A confirmed account that owns a registered startup."""
    user = factories.UserFactory(email=email, name="김민지", preferred_language=language)
    factories.EmailAddressFactory(user=user)
    factories.StartupMemberFactory(
        user=user,
        role=StartupMember.Role.OWNER,
        startup=factories.StartupFactory(name_ko="주식회사 매치데이랩", name_en="Matchday Lab Inc."),
    )
    return user


def complete_draft(program: Program, founder) -> Application:
    """A draft with every answer and the pitch deck: one click away from being submitted."""
    application = application_start(program=program, by=founder)
    questions = {q.code: q for q in program.questions.all()}
    application_save_draft(
        application=application,
        by=founder,
        title="생성형 AI 고객 상담 자동화",
        summary="중소기업 고객센터의 반복 문의를 AI 상담원이 처리합니다.",
        track_id=program.tracks.get(code="api").pk,
        answers={
            questions["product"].pk: "매치봇",
            questions["problem"].pk: "고객 문의의 70%가 반복 질문입니다.",
            questions["stage"].pk: "launched",
            questions["abroad"].pk: "no",
        },
        declarations={program.declarations.get().pk: False},
    )
    attachment_add(
        application=application,
        by=founder,
        upload=SimpleUploadedFile("pitch-deck.pdf", PDF, content_type="application/pdf"),
        question=questions["deck"],
    )
    return application


def log_in(page, user, live_server) -> None:
    """Give the browser a session cookie for `user`, made the way Django's test client makes one."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": urlparse(live_server.url).hostname,
                "path": "/",
            }
        ]
    )


@contextlib.contextmanager
def browser_page(browser, live_server, *, javascript: bool = True, locale: str = "ko-KR", width: int = 1280):
    """A page in a context of its own, for what the conftest's `page` cannot do (JavaScript off)."""
    context = browser.new_context(
        java_script_enabled=javascript,
        locale=locale,
        viewport={"width": width, "height": 900},
        base_url=live_server.url,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()
