"""Every edit staff make in the admin is on the record with its old and new values in words: a
program's deadline, a criterion's weight in a round's inline rows, a deleted row — and the trail at the
foot of the object's page shows them."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from audit.models import AuditEvent
from core.i18n import format_datetime
from matching.models import EvaluationRound, Program, Track
from notifications.models import WebhookSubscription
from tests import factories
from tests.admin.conftest import admin_url, change_form_data

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # 18:00 in Seoul


def events_of(obj, verb: str | None = None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=str(obj.pk)
    )
    return list(events.filter(verb=verb) if verb else events)


def edit_deadline(staff, program: Program, moment: dt.datetime):
    url = admin_url(Program, "change", program.pk)
    data = change_form_data(staff.get(url))
    local = timezone.localtime(moment)
    data.update({"closes_at_0": local.date().isoformat(), "closes_at_1": local.strftime("%H:%M:%S"), "_save": "1"})
    response = staff.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return response


def test_an_admin_edit_of_a_deadline_records_the_old_and_new_moment_in_words(staff, staff_user):
    program = factories.ProgramFactory(closes_at=MOMENT)

    edit_deadline(staff, program, MOMENT + dt.timedelta(days=2))

    (event,) = events_of(program, "changed")
    with translation.override("ko"):
        expected = {
            "from": format_datetime(MOMENT),
            "to": format_datetime(MOMENT + dt.timedelta(days=2)),
            "label": str(Program._meta.get_field("closes_at").verbose_name),
        }
    assert event.data["changes"] == {"closes_at": expected}
    assert "2026년 12월 1일" in expected["from"]
    assert (event.actor, event.actor_label) == (staff_user, staff_user.email)


def test_the_trail_on_the_page_shows_the_change_in_words(staff):
    program = factories.ProgramFactory(closes_at=MOMENT)
    edit_deadline(staff, program, MOMENT + dt.timedelta(days=2))

    page = staff.get(admin_url(Program, "change", program.pk)).content.decode()

    with translation.override("ko"):
        line = f"{format_datetime(MOMENT)} → {format_datetime(MOMENT + dt.timedelta(days=2))}"
    assert line in page
    trail = page.split('class="audit-trail"')[1].split("</table>")[0]
    assert "closes_at" not in trail


def test_saving_a_page_without_changes_records_nothing(staff):
    program = factories.ProgramFactory(closes_at=MOMENT)
    url = admin_url(Program, "change", program.pk)

    staff.post(url, {**change_form_data(staff.get(url)), "_save": "1"})

    assert events_of(program, "changed") == []


def test_an_inline_edit_of_a_criterion_weight_is_recorded_on_the_criterion_and_summed_up_on_the_round(staff):
    round_ = factories.EvaluationRoundFactory()
    criterion = factories.CriterionFactory(round=round_, weight=Decimal("30"))
    url = admin_url(EvaluationRound, "change", round_.pk)
    data = change_form_data(staff.get(url))

    response = staff.post(url, {**data, "criteria-0-weight": "45", "_save": "1"})

    assert response.status_code == 302
    (own,) = events_of(criterion, "changed")
    assert own.data["changes"]["weight"]["from"] == "30"
    assert own.data["changes"]["weight"]["to"] == "45"
    (parent,) = events_of(round_, "changed")
    (summary,) = parent.data["changes"].values()
    assert (summary["from"], summary["to"]) == ("30", "45")
    assert str(criterion) in summary["label"]


def test_an_admin_delete_records_what_was_deleted(staff):
    track = factories.TrackFactory(name_ko="바이오 트랙")
    kept = {"content_type": ContentType.objects.get_for_model(Track), "object_id": str(track.pk)}

    response = staff.post(admin_url(Track, "delete", track.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Track.objects.filter(pk=track.pk).exists()
    event = AuditEvent.objects.get(verb="deleted", **kept)
    assert event.data["changes"]["name_ko"]["from"] == "바이오 트랙"
    assert event.data["changes"]["name_ko"]["to"] == "–"


def test_a_secret_is_masked_in_what_a_delete_records(staff):
    subscription = factories.WebhookSubscriptionFactory()
    secret = subscription.secret

    staff.post(admin_url(WebhookSubscription, "delete", subscription.pk), {"post": "yes"})

    event = AuditEvent.objects.get(verb="deleted", object_id=str(subscription.pk))
    assert event.data["changes"]["secret"]["from"] == "••••••"
    assert secret not in json.dumps(event.data)


def _audit_writes(queries) -> int:
    return sum('"audit_auditevent"' in query["sql"] and "INSERT" in query["sql"] for query in queries)


def _round_with_criteria(count: int) -> tuple[str, dict]:
    round_ = factories.EvaluationRoundFactory()
    for n in range(count):
        factories.CriterionFactory(round=round_, order=n, weight=Decimal("10"))
    return admin_url(EvaluationRound, "change", round_.pk), round_


@pytest.mark.parametrize("criteria", [2, 8])
def test_an_admin_save_records_every_inline_change_in_one_insert(staff, criteria):
    url, round_ = _round_with_criteria(criteria)
    data = change_form_data(staff.get(url))
    data.update({f"criteria-{n}-weight": "12" for n in range(criteria)})

    with CaptureQueriesContext(connection) as queries:
        staff.post(url, {**data, "advance_count": "7", "_save": "1"})

    assert _audit_writes(queries.captured_queries) == 1
    assert AuditEvent.objects.filter(verb="changed").count() == criteria + 1


def _program_save_queries(staff, changed: dict) -> int:
    program = factories.ProgramFactory(closes_at=MOMENT)
    url = admin_url(Program, "change", program.pk)
    data = change_form_data(staff.get(url))
    with CaptureQueriesContext(connection) as queries:
        response = staff.post(url, {**data, **changed, "_save": "1"})
    assert response.status_code == 302
    return len(queries.captured_queries)


def test_the_queries_of_an_admin_save_do_not_grow_with_the_fields_changed(staff):
    one = _program_save_queries(staff, {"quota": "11"})
    many = _program_save_queries(
        staff,
        {
            "quota": "12",
            "reserve_size": "5",
            "host": "산업통상자원부",
            "max_company_age_years": "7",
            "closes_at_0": "2027-01-05",
        },
    )

    assert one == many


def test_an_inline_row_deleted_on_its_parent_page_is_recorded_on_the_row_with_its_id(staff):
    round_ = factories.EvaluationRoundFactory()
    criterion = factories.CriterionFactory(round=round_, label_ko="시장성")
    criterion_id = criterion.pk
    url = admin_url(EvaluationRound, "change", round_.pk)
    data = change_form_data(staff.get(url))

    staff.post(url, {**data, "criteria-0-DELETE": "on", "_save": "1"})

    event = AuditEvent.objects.get(verb="deleted", object_id=str(criterion_id))
    assert event.data["changes"]["label_ko"]["from"] == "시장성"
    (parent,) = events_of(round_, "changed")
    assert parent.data["changes"][f"criterion[{criterion_id}]"]["to"] == "–"
