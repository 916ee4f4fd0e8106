from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.crypto import EncryptedTextField


class Notification(models.Model):
    """An outbox row: one message for one recipient about one object, sent at most once.

    The idempotency key (event, recipient, object, and round where relevant) is unique, so
    asking for the same notification twice leaves one row.
    """

    class Event(models.TextChoices):
        APPLICATION_SUBMITTED = "application.submitted", _("submission receipt")
        DEADLINE_REMINDER = "application.deadline_reminder", _("deadline reminder")
        EVALUATOR_INVITED = "evaluator.invited", _("evaluator invitation")
        EVALUATOR_ASSIGNED = "assignment.created", _("evaluator assigned")
        REVIEW_REMINDER = "assignment.review_reminder", _("review reminder")
        ROUND_RESULT = "round.result", _("round results notice")
        SELECTION_DECISION = "selection.decision", _("final decision")
        RESERVE_PROMOTED = "selection.reserve_promoted", _("reserve promoted")
        ROUND_REVIEWS_COMPLETE = "round.reviews_complete", _("all reviews in (staff digest)")
        MEETING_SCHEDULED = "meeting.scheduled", _("meeting invitation")
        MEETING_CHANGED = "meeting.changed", _("meeting changed")
        MEETING_CANCELLED = "meeting.cancelled", _("meeting cancelled")
        MATCHING_PUBLISHED = "matching.published", _("matching published")
        MESSAGE = "program.message", _("message from the program")
        ACCEPTANCE_REQUESTED = "selection.acceptance_requested", _("seat offered: accept or decline")
        ACCEPTANCE_RECORDED = "selection.acceptance_recorded", _("acceptance or decline recorded")
        ACCEPTANCE_LAPSED = "selection.acceptance_lapsed", _("seat released: no answer in time")
        AGREEMENT_REVIEWED = "agreement.reviewed", _("agreement document approved or returned")
        APPEAL_FILED = "appeal.filed", _("appeal received")
        APPEAL_DECIDED = "appeal.decided", _("appeal answered")
        EXCLUSION_DECIDED = "exclusion.decided", _("exclusion request answered")
        EVIDENCE_REVIEWED = "evidence.reviewed", _("bonus evidence verified or rejected")
        JOIN_REQUESTED = "startup.join_requested", _("request to join a startup (to its owner)")
        MEMBERSHIP_CHANGED = "startup.membership_changed", _("removed from a startup, or made its owner")
        DEADLINE_EXTENDED = "application.deadline_extended", _("personal deadline extension")
        CORRECTION_REQUESTED = "application.correction_requested", _("correction requested (보완 요청)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", pgettext_lazy("delivery", "failed")
        CANCELLED = "cancelled", _("cancelled")

    S = Status
    TRANSITIONS = {
        S.QUEUED: {S.SENDING, S.CANCELLED},
        S.SENDING: {S.SENT, S.QUEUED, S.FAILED, S.CANCELLED},
        S.FAILED: {S.QUEUED, S.CANCELLED},
        S.SENT: set(),
        S.CANCELLED: set(),
    }

    event = models.CharField(_("event"), max_length=64, choices=Event.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    email = models.EmailField(_("e-mail address"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="ko")
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT, null=True, blank=True
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    program = models.ForeignKey(
        "matching.Program",
        verbose_name=_("program"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    context = models.JSONField(_("context"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True, help_text=_("As sent."))
    body = models.TextField(_("body"), blank=True, help_text=_("As sent."))
    not_before = models.DateTimeField(_("send after"), null=True, blank=True)
    enqueued_at = models.DateTimeField(
        _("handed to the queue"), null=True, blank=True, help_text=_("When a delivery job was last queued for it.")
    )
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="notification_status_created"),
            models.Index(fields=["event", "status"], name="notification_event_status"),
            # The sweep looks for queued rows whose job was lost and sending rows whose worker died.
            models.Index(
                fields=["status", "enqueued_at"],
                name="notification_unsent",
                condition=Q(status__in=["queued", "sending"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="notification_sent_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.email}"


class MessageTemplate(models.Model):
    """The wording of one event's e-mail in one language, edited by staff. Placeholders are the
    event's fixed set (see `notifications.events`); the project ships a default for every pair."""

    event = models.CharField(_("event"), max_length=64, choices=Notification.Event.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["event", "language"]
        constraints = [models.UniqueConstraint(fields=["event", "language"], name="message_template_unique")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} ({self.get_language_display()})"


# --- webhooks -----------------------------------------------------------------------------------------


class WebhookEvent(models.TextChoices):
    """What a webhook subscription may ask to be told about."""

    APPLICATION_SUBMITTED = "application.submitted", _("application submitted")
    APPLICATION_WITHDRAWN = "application.withdrawn", _("application withdrawn")
    ROUND_RESULTS_PUBLISHED = "round.results_published", _("round results published")
    SELECTION_FINALISED = "selection.finalised", _("selection finalised")
    SELECTION_RESERVE_PROMOTED = "selection.reserve_promoted", _("reserve promoted")
    MEETING_SCHEDULED = "meeting.scheduled", _("meeting scheduled")
    MEETING_CHANGED = "meeting.changed", _("meeting changed")
    MEETING_CANCELLED = "meeting.cancelled", _("meeting cancelled")
    MATCHING_PUBLISHED = "matching.published", _("matching published")
    SELECTION_ACCEPTED = "selection.accepted", _("seat accepted")
    SELECTION_DECLINED = "selection.declined", _("seat declined or lapsed")
    AGREEMENT_APPROVED = "agreement.approved", _("agreement approved")
    APPEAL_DECIDED = "appeal.decided", _("appeal decided")


class WebhookSubscription(models.Model):
    """An integration's address, told by a signed POST about the events it chose. Its owner is an
    account and, for a partner's integration, that partner: it hears only about what they may see
    through the API. The secret signs every delivery; it is shown once, when the subscription is made."""

    Event = WebhookEvent

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        help_text=_("The account whose view of the data the subscription has."),
    )
    partner = models.ForeignKey(
        "matching.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        help_text=_("A partner's integration hears only of its programs and their finalists."),
    )
    program = models.ForeignKey(
        "matching.Program",
        verbose_name=_("program"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        help_text=_("Only events of this program (empty: every program the owner may see)."),
    )
    url = models.URLField(_("address"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    # Encrypted with FIELD_ENCRYPTION_KEYS (core/crypto.py): a copy of the database does not give it away.
    secret = EncryptedTextField(_("signing secret"), editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["is_active"], name="webhook_subscription_active")]

    def __str__(self) -> str:
        return f"{self.url} (#{self.pk})"


class WebhookDelivery(models.Model):
    """One event for one subscription: queued inside the transaction that caused the event, POSTed
    after commit, retried with backoff until the receiver answers 2xx or the attempts run out.
    The same event sent to two subscriptions has the same `event_id`."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", pgettext_lazy("delivery", "failed")

    S = Status
    TRANSITIONS = {
        S.QUEUED: {S.SENDING, S.FAILED},  # failed unsent when its subscription was deactivated
        S.SENDING: {S.DELIVERED, S.QUEUED, S.FAILED},
        S.FAILED: {S.QUEUED},
        S.DELIVERED: {S.QUEUED},  # delivered again by hand
    }

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=64, choices=WebhookEvent.choices)
    event_id = models.UUIDField(_("event id"))
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("handed to the queue"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhook_delivery_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["event_id"], name="webhook_delivery_event_id"),
            # The sweep looks for queued rows whose job was lost and sending rows whose worker died.
            models.Index(
                fields=["status", "enqueued_at"],
                name="webhook_delivery_unsent",
                condition=Q(status__in=["queued", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} → #{self.subscription_id}"


class WebhookAttempt(models.Model):
    """One POST of a delivery and how the receiver answered (or why it could not)."""

    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_excerpt = models.TextField(_("response"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery_id", "started_at", "id"]

    def __str__(self) -> str:
        return f"#{self.delivery_id} attempt {self.number}"


# --- messages staff write to a group ------------------------------------------------------------------


class Message(models.Model):
    """A message staff write to the people of a segment of a program's applications (see
    `notifications.messages`). Sent once, through the outbox, by one job; one row per person."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SENDING = "sending", _("sending")
        SENT = "sent", pgettext_lazy("message", "sent")

    program = models.ForeignKey(
        "matching.Program", verbose_name=_("program"), on_delete=models.CASCADE, related_name="messages"
    )
    subject_ko = models.CharField(_("subject (Korean)"), max_length=200)
    body_ko = models.TextField(_("body (Korean)"))
    subject_en = models.CharField(
        _("subject (English)"), max_length=200, blank=True, help_text=_("Optional: sent to people who read English.")
    )
    body_en = models.TextField(_("body (English)"), blank=True)
    segment = models.JSONField(
        _("recipients"), default=dict, blank=True, help_text=_("The filters that choose the applications.")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    recipients_count = models.PositiveIntegerField(_("recipients"), null=True, blank=True)
    skipped_count = models.PositiveIntegerField(_("skipped (no e-mail address)"), default=0)
    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("job"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message to a group")
        verbose_name_plural = _("messages to a group")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject_ko
