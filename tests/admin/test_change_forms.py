"""Change forms save what staff may edit and never the status, which moves only through actions."""

import pytest

from accounts.models import User
from matching.models import Assignment, EvaluationRound, Program
from notifications.models import Notification
from startups.models import Application, Startup
from tests import factories
from tests.admin.conftest import admin_url, change_form_data

pytestmark = pytest.mark.django_db

# model, how to make one, an editable field and a new value for it, another valid status
STATUS_CASES = [
    (Program, factories.ProgramFactory, "name_en", "Renamed program", Program.Status.OPEN),
    (EvaluationRound, factories.EvaluationRoundFactory, "name_en", "Renamed round", EvaluationRound.Status.SCORING),
    (Application, lambda: factories.ApplicationFactory(submitted=True), "title", "New title", "selected"),
    (Notification, factories.NotificationFactory, "email", "fixed@example.com", Notification.Status.SENT),
]


@pytest.mark.parametrize(
    ("model", "make", "field", "value", "status"), STATUS_CASES, ids=[case[0].__name__ for case in STATUS_CASES]
)
def test_saving_a_change_form_keeps_the_status_whatever_was_posted(staff, model, make, field, value, status):
    obj = make()
    url = admin_url(model, "change", obj.pk)
    data = change_form_data(staff.get(url))
    assert "status" not in data
    data.update({field: value, "status": status, "_save": "Save"})

    response = staff.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    original_status = obj.status
    obj.refresh_from_db()
    assert getattr(obj, field) == value
    assert obj.status == original_status


def test_assignments_cannot_be_changed_in_the_admin(staff):
    assignment = factories.AssignmentFactory()

    response = staff.post(admin_url(Assignment, "change", assignment.pk), {"status": "submitted"})

    assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.PENDING


def test_a_sent_notification_cannot_be_readdressed(staff):
    notification = factories.NotificationFactory(status=Notification.Status.SENT, sent_at="2024-03-14T10:00:00+09:00")
    url = admin_url(Notification, "change", notification.pk)
    data = change_form_data(staff.get(url))

    staff.post(url, {**data, "email": "other@example.com", "_save": "Save"})

    notification.refresh_from_db()
    assert notification.email != "other@example.com"


def test_scoring_rules_of_a_round_past_setup_are_frozen(staff):
    round_ = factories.EvaluationRoundFactory(status=EvaluationRound.Status.ASSIGNING, evaluators_per_application=3)
    criterion = factories.CriterionFactory(round=round_)
    url = admin_url(EvaluationRound, "change", round_.pk)
    data = change_form_data(staff.get(url))

    staff.post(url, {**data, "evaluators_per_application": "5", "_save": "Save"})

    round_.refresh_from_db()
    assert round_.evaluators_per_application == 3
    assert staff.post(admin_url(type(criterion), "change", criterion.pk), {"weight": "50"}).status_code == 403


def test_staff_can_add_a_user_who_logs_in_with_their_email(staff):
    response = staff.post(
        admin_url(User, "add"),
        {
            "email": "New.Evaluator@Example.com",
            "name": "김평가",
            "preferred_language": "ko",
            "usable_password": "true",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.evaluator@example.com")
    assert user.check_password("a long enough passphrase")


def test_a_user_cannot_be_added_twice_with_the_email_in_other_case(staff):
    factories.UserFactory(email="kim@example.com")

    response = staff.post(
        admin_url(User, "add"),
        {"email": "KIM@example.com", "usable_password": "false", "preferred_language": "ko"},
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact="kim@example.com").count() == 1


def test_staff_enter_a_registration_number_with_hyphens_and_it_is_stored_as_ten_digits(staff_client):
    startup = factories.StartupFactory()
    url = admin_url(Startup, "change", startup.pk)
    data = {**change_form_data(staff_client.get(url)), "brn": "124-81-00998"}

    response = staff_client.post(url, data)

    assert response.status_code == 302
    startup.refresh_from_db()
    assert startup.brn == "1248100998"


def test_a_registration_number_with_a_wrong_check_digit_is_refused_in_the_admin(staff_client):
    startup = factories.StartupFactory()
    before = startup.brn
    url = admin_url(Startup, "change", startup.pk)
    data = {**change_form_data(staff_client.get(url)), "brn": "124-81-00999"}

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "brn" in response.context["adminform"].form.errors
    startup.refresh_from_db()
    assert startup.brn == before


def test_the_application_page_shows_the_submitted_version_not_later_edits(staff_client):
    application = factories.ApplicationFactory(submitted=True, title="작업 중인 사업명")
    factories.SubmissionFactory(application=application, number=1, snapshot={"title": "제출한 사업명", "answers": {}})

    response = staff_client.get(admin_url(Application, "change", application.pk))

    assert "제출한 사업명" in response.content.decode()
