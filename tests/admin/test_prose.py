"""Staff read values as prose (DESIGN "Interfaces"): answers as labels, 예/아니요, won amounts, dates in
the house format, track names, audit verbs as phrases — and Korean particles that agree with the word."""

import datetime as dt
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from audit.display import VERBS
from audit.models import AuditEvent
from audit.services import audit_record
from core.i18n import format_datetime
from matching.models import EvaluationRound, Program, Question
from startups.models import Application, Startup
from startups.services.applications import application_snapshot
from tests import factories
from tests.admin.conftest import admin_url

pytestmark = pytest.mark.django_db

K = Question.Kind
# 18:00 in Seoul on Saturday 2 January 2027.
MOMENT = dt.datetime(2027, 1, 2, 9, 0, tzinfo=dt.UTC)
HOUSE = {"ko": "2027년 1월 2일 (토) 18:00 KST", "en": "Sat 2 Jan 2027, 18:00 KST"}


@pytest.fixture
def korean(staff_client):
    staff_client.cookies["django_language"] = "ko"
    return staff_client


def text_of(response) -> str:
    """The page as a person reads it: no tags, scripts or icons."""
    html = re.sub(r"<script.*?</script>|<svg.*?</svg>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def answered() -> Application:
    """A submitted application answering a multiple-choice, a yes/no, a won amount and a date question."""
    startup = factories.StartupFactory(annual_revenue_krw=2_170_000_000)
    application = factories.ApplicationFactory(submitted=True, startup=startup)
    program = application.program
    choices = [
        {"value": "assistants", "label_ko": "어시스턴트 API", "label_en": "Assistants API"},
        {"value": "vision", "label_ko": "비전", "label_en": "Vision"},
    ]
    questions = {
        "products": factories.QuestionFactory(program=program, kind=K.MULTIPLE_CHOICE, choices=choices, order=1),
        "overseas": factories.QuestionFactory(
            program=program, kind=K.YES_NO, order=2, label_ko="해외 매출 여부", label_en="Overseas sales"
        ),
        "funding_krw": factories.QuestionFactory(program=program, code="funding_krw", kind=K.NUMBER, order=3),
        "launch": factories.QuestionFactory(program=program, kind=K.DATE, order=4),
    }
    values = {"products": ["assistants"], "overseas": False, "funding_krw": "2170000000", "launch": "2027-01-02"}
    for key, question in questions.items():
        factories.AnswerFactory(application=application, question=question, value=values[key])
    factories.SubmissionFactory(application=application, number=1, snapshot=application_snapshot(application))
    return application


def test_the_application_page_shows_answers_as_labels_not_stored_values(staff, answered):
    text = text_of(staff.get(admin_url(Application, "change", answered.pk)))

    for stored in ("['assistants']", "[&#x27;assistants&#x27;]", "False", "2170000000"):
        assert stored not in text
    assert "Assistants API" in text
    assert "Overseas sales No" in text  # the answer beside its question: a bare "No" is on every page
    assert "KRW 2,170,000,000" in text
    assert "2 January 2027" in text or "Jan. 2, 2027" in text


def test_the_submitted_version_names_the_track_not_its_code(staff, answered):
    text = text_of(staff.get(admin_url(Application, "change", answered.pk)))

    assert answered.track.name_en in text
    assert answered.track.code not in text


def test_the_korean_application_page_writes_won_and_yes_no_in_korean(korean, answered):
    text = text_of(korean.get(admin_url(Application, "change", answered.pk)))

    assert "2,170,000,000원" in text
    assert "해외 매출 여부 아니요" in text
    assert "어시스턴트 API" in text


def test_the_answer_list_shows_labels(staff, answered):
    text = text_of(staff.get(admin_url(Application._meta.get_field("answers").related_model, "changelist")))

    assert "Assistants API" in text
    assert "KRW 2,170,000,000" in text
    assert "assistants" not in text.replace("Assistants API", "")


def test_the_startup_page_shows_the_revenue_in_won(staff, answered):
    text = text_of(staff.get(admin_url(Startup, "change", answered.startup.pk)))

    assert "KRW 2,170,000,000" in text


def test_the_audit_trail_shows_verbs_and_states_in_words(staff, staff_user):
    program = factories.ProgramFactory()
    event = audit_record(actor=staff_user, obj=program, verb="status_changed", from_state="draft", to_state="open")

    listing = text_of(staff.get(admin_url(AuditEvent, "changelist")))
    trail = text_of(staff.get(admin_url(Program, "change", program.pk)))
    page = text_of(staff.get(admin_url(AuditEvent, "change", event.pk)))

    for text in (listing, trail, page):
        assert "status changed" in text
        assert "status_changed" not in text
        assert "in preparation → open for applications" in text


def test_the_korean_audit_trail_translates_the_verb(korean, staff_user):
    program = factories.ProgramFactory()
    audit_record(actor=staff_user, obj=program, verb="status_changed", from_state="draft", to_state="open")

    text = text_of(korean.get(admin_url(AuditEvent, "changelist")))

    assert "상태 변경" in text
    assert "status_changed" not in text


def test_every_verb_a_service_records_has_words(settings):
    verbs = set()
    apps = [d for d in settings.BASE_DIR.iterdir() if (d / "__init__.py").exists() and d.name != "tests"]
    for app in apps:
        for path in app.rglob("*.py"):
            verbs |= set(re.findall(r'verb="([a-z_]+)"', path.read_text()))

    assert "status_changed" in verbs  # the scan found the services
    assert verbs - set(VERBS) == set()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_dates_are_written_in_the_house_format(language):
    with translation.override(language):
        assert format_datetime(MOMENT) == HOUSE[language]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_list_columns_and_read_only_fields_use_the_house_format(staff_client, language):
    staff_client.cookies["django_language"] = language
    program = factories.ProgramFactory(opens_at=MOMENT, closes_at=MOMENT + dt.timedelta(days=14))
    application = factories.ApplicationFactory(program=program, submitted=True, first_submitted_at=MOMENT)

    listing = text_of(staff_client.get(admin_url(Program, "changelist")))
    page = text_of(staff_client.get(admin_url(Application, "change", application.pk)))

    assert HOUSE[language] in listing
    assert HOUSE[language] in page


PARTICLE_BLUNDERS = re.compile(r"을\(를\)|를\(을\)|이\(가\)|가\(이\)|은\(는\)|\(으\)로|을/를|이/가|은/는|와/과")


def test_the_main_korean_admin_pages_choose_particles_by_the_word(korean, answered, staff_user):
    evaluation_round = factories.EvaluationRoundFactory(program=answered.program, status=EvaluationRound.Status.SCORING)
    audit_record(actor=staff_user, obj=answered.program, verb="status_changed", from_state="draft", to_state="open")
    pages = [
        reverse("admin:index"),
        admin_url(Program, "changelist"),
        admin_url(Program, "change", answered.program.pk),
        admin_url(Application, "changelist"),
        admin_url(Application, "change", answered.pk),
        admin_url(EvaluationRound, "changelist"),
        admin_url(AuditEvent, "changelist"),
    ]
    page = korean.post(
        admin_url(EvaluationRound, "changelist"),
        {"action": "round_close", "_selected_action": [evaluation_round.pk], "index": 0},
    )["Location"]
    pages.append(page)

    for url in pages:
        response = korean.get(url)
        assert response.status_code == 200, url
        blunders = PARTICLE_BLUNDERS.findall(text_of(response))
        assert blunders == [], (url, blunders)


def test_the_korean_filter_titles_need_no_particle(korean):
    factories.ProgramFactory()

    text = text_of(korean.get(admin_url(Program, "changelist")))

    assert "상태별" in text


def test_a_refused_transition_reads_without_a_particle_guess(korean):
    program = factories.ProgramFactory(status=Program.Status.DRAFT)

    response = korean.post(
        admin_url(Program, "changelist"), {"action": "program_close", "_selected_action": [program.pk], "index": 0}
    )

    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages
    assert not any(PARTICLE_BLUNDERS.search(m) for m in messages), messages


def test_content_type_lookups_for_state_labels_cost_no_query_per_row(staff, staff_user, django_assert_num_queries):
    ContentType.objects.clear_cache()
    for _ in range(3):
        audit_record(actor=staff_user, obj=factories.ProgramFactory(), verb="status_changed", to_state="open")
    staff.get(admin_url(AuditEvent, "changelist"))  # warms the content-type cache

    with django_assert_num_queries(10):
        staff.get(admin_url(AuditEvent, "changelist"))
    for _ in range(10):
        audit_record(actor=staff_user, obj=factories.ProgramFactory(), verb="status_changed", to_state="open")
    with django_assert_num_queries(10):
        staff.get(admin_url(AuditEvent, "changelist"))
