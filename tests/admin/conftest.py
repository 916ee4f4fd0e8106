"""Helpers for the admin tests: a staff client that reads English, a row maker for every registered
model, and the data a browser would post back from a change page."""

import pytest
from allauth.account.models import EmailAddress
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from api.keys import api_key_create
from api.models import ApiKey, IdempotencyRecord
from audit.models import AuditEvent
from audit.services import audit_record
from jobs.models import Job
from matching import models as m
from notifications.models import (
    Message,
    MessageTemplate,
    Notification,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from privacy.models import Consent, ErasableUser, PrivacyStatement, RetentionPurge
from startups import models as s
from tests import factories as f


def _audit_event() -> AuditEvent:
    return audit_record(actor="test", obj=f.ProgramFactory(), verb="created")


def _message_template() -> MessageTemplate:
    template, _created = MessageTemplate.objects.update_or_create(
        event=Notification.Event.APPLICATION_SUBMITTED,
        language="en",
        defaults={"subject": "[{{ program }}] Received", "body": "Dear {{ recipient_name }},\n{{ application_url }}"},
    )
    return template


def _api_key() -> ApiKey:
    return api_key_create(name="portal", user=f.UserFactory(staff=True), scopes=["programs:read"], by="test").api_key


def _job() -> Job:
    return Job.objects.create(kind=Job.Kind.COMPUTE, params={"round_id": 1})


def _idempotency_record() -> IdempotencyRecord:
    n = IdempotencyRecord.objects.count() + 1
    return IdempotencyRecord.objects.create(
        caller="user:1", key=f"key-{n}", method="POST", path="/api/v1/rounds/1/compute/", request_hash="0" * 64
    )


def _group() -> Group:
    return Group.objects.create(name=f"group-{Group.objects.count() + 1}")


ROW_MAKERS = {
    User: f.UserFactory,
    EmailAddress: f.EmailAddressFactory,
    Group: _group,
    AuditEvent: _audit_event,
    s.Sector: f.SectorFactory,
    s.Startup: f.StartupFactory,
    s.StartupMember: f.StartupMemberFactory,
    s.Application: f.ApplicationFactory,
    s.Answer: f.AnswerFactory,
    s.Attachment: f.AttachmentFactory,
    s.PartnerPreference: f.PartnerPreferenceFactory,
    s.DeclarationAnswer: f.DeclarationAnswerFactory,
    s.Submission: f.SubmissionFactory,
    m.Program: f.ProgramFactory,
    m.Partner: f.PartnerFactory,
    m.PartnerMembership: f.PartnerMembershipFactory,
    m.ProgramPartner: f.ProgramPartnerFactory,
    m.Track: f.TrackFactory,
    m.Declaration: f.DeclarationFactory,
    m.Question: f.QuestionFactory,
    m.EvaluationRound: f.EvaluationRoundFactory,
    m.CarryOverWeight: f.CarryOverWeightFactory,
    m.Criterion: f.CriterionFactory,
    m.BonusRule: f.BonusRuleFactory,
    m.Evaluator: f.EvaluatorFactory,
    m.Conflict: f.ConflictFactory,
    m.Assignment: f.AssignmentFactory,
    m.Review: f.ReviewFactory,
    m.Score: f.ScoreFactory,
    m.RoundResult: f.RoundResultFactory,
    m.SelectionEntry: f.SelectionEntryFactory,
    m.MatchingConstraint: f.MatchingConstraintFactory,
    m.MatchingRun: f.MatchingRunFactory,
    m.PartnerRanking: f.PartnerRankingFactory,
    m.PartnerRankingEntry: f.PartnerRankingEntryFactory,
    m.MeetingEvent: f.MeetingEventFactory,
    m.MeetingTable: f.MeetingTableFactory,
    m.Availability: f.AvailabilityFactory,
    m.Meeting: f.MeetingFactory,
    m.CalendarFeed: f.CalendarFeedFactory,
    m.AgreementRequirement: f.AgreementRequirementFactory,
    m.AgreementDocument: f.AgreementDocumentFactory,
    m.Appeal: f.AppealFactory,
    m.ExclusionRequest: f.ExclusionRequestFactory,
    m.RoundPledge: f.RoundPledgeFactory,
    m.PledgeAcceptance: f.PledgeAcceptanceFactory,
    m.Panel: f.PanelFactory,
    m.BonusEvidence: f.BonusEvidenceFactory,
    s.PersonalDeadline: f.PersonalDeadlineFactory,
    Notification: f.NotificationFactory,
    WebhookSubscription: f.WebhookSubscriptionFactory,
    WebhookDelivery: f.WebhookDeliveryFactory,
    WebhookAttempt: f.WebhookAttemptFactory,
    MessageTemplate: _message_template,
    Message: lambda: Message.objects.create(program=f.ProgramFactory(), subject_ko="안내", body_ko="본문"),
    ApiKey: _api_key,
    Job: _job,
    IdempotencyRecord: _idempotency_record,
    PrivacyStatement: f.PrivacyStatementFactory,
    Consent: f.ConsentFactory,
    RetentionPurge: lambda: RetentionPurge.objects.create(program=f.ProgramFactory(), purged_at=timezone.now()),
    ErasableUser: lambda: ErasableUser.objects.get(pk=f.UserFactory().pk),
}

REGISTERED_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def make_row(model):
    return ROW_MAKERS[model]()


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def post_action(client, model, action: str, objects):
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects], "index": 0},
    )


def confirm_action(client, model, action: str, objects, reason: str = "심사위원회 의결"):
    """Choose an action that asks for confirmation and confirm it on its page, with a reason."""
    page = post_action(client, model, action, objects)
    assert page.status_code == 302, page
    return client.post(page["Location"], {"reason": reason})


def _as_post_value(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def change_form_data(response) -> dict:
    """What a browser submits from a rendered change page: every editable field with its current value,
    the inline management forms and the inline rows."""
    page_forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        page_forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in page_forms:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            bound = form[name]
            value = bound.value()
            if isinstance(field.widget, forms.MultiWidget):
                parts = field.widget.decompress(value) if value else [None] * len(field.widget.widgets)
                for index, part in enumerate(parts):
                    data[f"{bound.html_name}_{index}"] = _as_post_value(part)
            elif isinstance(field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [_as_post_value(item) for item in value]
            else:
                data[bound.html_name] = _as_post_value(value)
    return data


@pytest.fixture
def staff(staff_client):
    """The staff client, reading the admin in English so that messages can be compared."""
    staff_client.cookies["django_language"] = "en"
    return staff_client
