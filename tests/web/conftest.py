"""A program whose form asks one question of every kind, a founder with a startup, and helpers to
fill in and post the application form as a browser would."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from matching.models import Program, Question
from startups.models import StartupMember
from tests import factories

K = Question.Kind
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
STAGES = [
    {"value": "prototype", "label_ko": "시제품", "label_en": "Prototype"},
    {"value": "launched", "label_ko": "정식 출시", "label_en": "Launched"},
]
PRODUCTS = [
    {"value": "gpt-4", "label_ko": "GPT-4", "label_en": "GPT-4"},
    {"value": "whisper", "label_ko": "Whisper", "label_en": "Whisper"},
]


def make_program(**fields):
    """An open program with two tracks, one question of every kind and one declaration."""
    program = factories.ProgramFactory(status=Program.Status.OPEN, **fields)
    api = factories.TrackFactory(
        program=program, code="api", name_ko="API 활용", name_en="Building on the API", order=1
    )
    factories.TrackFactory(
        program=program, code="collab", name_ko="AI 융합", name_en="AI with hardware", order=2, admits_pre_founders=True
    )
    question = factories.QuestionFactory
    question(program=program, code="product", kind=K.SHORT_TEXT, label_en="Product name", max_length=40, order=1)
    question(program=program, code="problem", kind=K.LONG_TEXT, label_en="The problem", max_length=50, order=2)
    question(program=program, code="funding", kind=K.NUMBER, label_en="Investment raised", max_length=None, order=3)
    question(program=program, code="launch", kind=K.DATE, label_en="Launch date", max_length=None, order=4)
    question(
        program=program, code="demo", kind=K.URL, label_en="Demo address", max_length=None, required=False, order=5
    )
    question(
        program=program, code="stage", kind=K.SINGLE_CHOICE, label_en="Stage", max_length=None, choices=STAGES, order=6
    )
    question(
        program=program,
        code="products",
        kind=K.MULTIPLE_CHOICE,
        label_en="Products used",
        max_length=None,
        choices=PRODUCTS,
        order=7,
    )
    question(program=program, code="abroad", kind=K.YES_NO, label_en="Customers abroad?", max_length=None, order=8)
    question(
        program=program,
        code="deck",
        kind=K.FILE,
        label_en="Pitch deck",
        max_length=None,
        max_file_size_mb=1,
        order=9,
    )
    question(
        program=program,
        code="hardware",
        kind=K.LONG_TEXT,
        label_en="Hardware",
        max_length=300,
        track=program.tracks.get(code="collab"),
        order=10,
    )
    factories.DeclarationFactory(program=program, code="tax_arrears", excluding_answer=True)
    factories.ProgramPartnerFactory(program=program)
    program.api_track = api
    return program


@pytest.fixture
def program():
    return make_program()


def make_founder(**user_fields):
    user = factories.UserFactory(**{"preferred_language": "en", **user_fields})
    membership = factories.StartupMemberFactory(user=user, role=StartupMember.Role.OWNER)
    user.startup = membership.startup
    return user


@pytest.fixture
def founder():
    return make_founder()


@pytest.fixture
def founder_client(client, founder):
    client.force_login(founder)
    return client


@pytest.fixture
def draft(program, founder):
    return factories.ApplicationFactory(program=program, startup=founder.startup, track=None, title="", summary="")


def pdf(name="deck.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def complete_form(program, **overrides):
    """Everything the program asks, as the browser posts it (the file is added by the caller)."""
    data = {
        "action": "save",
        "title": "생성형 AI 상담 자동화",
        "summary": "중소기업 고객센터의 반복 문의를 줄입니다.",
        "track": str(program.tracks.get(code="api").pk),
        "q_product": "매치봇",
        "q_problem": "반복 문의가 70%입니다.",
        "q_funding": "1,200,000,000",
        "q_launch": "2024-03-01",
        "q_demo": "https://example.com/demo",
        "q_stage": "launched",
        "q_products": ["gpt-4", "whisper"],
        "q_abroad": "no",
        "d_tax_arrears": "no",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_url(application):
    return f"/applications/{application.pk}/edit/"


@pytest.fixture
def complete_draft(founder_client, draft, program):
    """A draft with every answer and the pitch deck, saved through the form."""
    response = founder_client.post(edit_url(draft), {**complete_form(program), "q_deck": pdf()})
    assert response.status_code == 302, response.content.decode()[:2000]
    return draft
