"""The transition tables: every legal move works and is audited, every illegal one is refused
and changes nothing."""

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import TransitionNotAllowed
from core.lifecycle import ensure_transition, transition
from matching.models import Assignment, EvaluationRound, Program
from notifications.models import Notification
from startups.models import Application
from tests import factories

pytestmark = pytest.mark.django_db

FACTORY_FOR = {
    Program: factories.ProgramFactory,
    EvaluationRound: factories.EvaluationRoundFactory,
    Application: factories.ApplicationFactory,
    Assignment: factories.AssignmentFactory,
    Notification: factories.NotificationFactory,
}


def _make(model, status):
    extra = {}
    if model is Application and status not in ("draft", "withdrawn"):
        extra = {"submitted": True}
    obj = FACTORY_FOR[model](**extra)
    extra_fields = {"sent_at": obj.created_at} if model is Notification and status == "sent" else {}
    model.objects.filter(pk=obj.pk).update(status=status, **extra_fields)
    obj.refresh_from_db()
    return obj


def _fields_the_database_requires(obj, target) -> dict:
    # Check constraints demand these alongside the status; the real services set them.
    now = timezone.now()
    if isinstance(obj, Application) and target == "submitted" and not obj.receipt_number:
        return {"receipt_number": f"T-{obj.pk}", "first_submitted_at": now, "submitted_at": now}
    if isinstance(obj, Notification) and target == "sent":
        return {"sent_at": now}
    return {}


def _pairs(legal: bool):
    for model in FACTORY_FOR:
        statuses = [value for value, _label in model._meta.get_field("status").choices]
        for source in statuses:
            for target in statuses:
                if (target in model.TRANSITIONS.get(source, set())) == legal:
                    yield pytest.param(model, source, target, id=f"{model.__name__}:{source}->{target}")


def test_every_status_has_a_row_in_its_table():
    for model in FACTORY_FOR:
        statuses = {value for value, _label in model._meta.get_field("status").choices}
        assert set(model.TRANSITIONS) == statuses, model.__name__
        for targets in model.TRANSITIONS.values():
            assert targets <= statuses, model.__name__


@pytest.mark.parametrize(("model", "source", "target"), list(_pairs(legal=True)))
def test_legal_transition_changes_status_and_leaves_an_audit_event(model, source, target, staff_user):
    obj = _make(model, source)

    transition(obj, to=target, by=staff_user, reason="test", extra_fields=_fields_the_database_requires(obj, target))

    obj.refresh_from_db()
    assert obj.status == target
    event = AuditEvent.objects.get(
        object_id=str(obj.pk), verb="status_changed", content_type__model=model._meta.model_name
    )
    assert (event.from_state, event.to_state, event.actor, event.reason) == (source, target, staff_user, "test")


@pytest.mark.parametrize(("model", "source", "target"), list(_pairs(legal=False)))
def test_illegal_transition_is_refused_and_changes_nothing(model, source, target, staff_user):
    obj = _make(model, source)

    with pytest.raises(TransitionNotAllowed):
        transition(obj, to=target, by=staff_user)

    obj.refresh_from_db()
    assert obj.status == source
    assert not AuditEvent.objects.filter(object_id=str(obj.pk), content_type__model=model._meta.model_name).exists()


def test_refusal_message_names_both_states_in_words_a_person_reads():
    program = factories.ProgramFactory(status=Program.Status.ARCHIVED)

    with pytest.raises(TransitionNotAllowed) as refused:
        ensure_transition(program, to=Program.Status.OPEN)

    assert "archived" in str(refused.value) or "보관" in str(refused.value)
    assert "open" in str(refused.value) or "접수" in str(refused.value)
