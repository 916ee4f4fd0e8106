from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import (
    AuditTrailMixin,
    ModelAdmin,
    ReadOnlyModelAdmin,
    ServiceAction,
    ServiceActionsMixin,
    admin_change_url,
    service_action,
)
from core.display import prose_list
from notifications import services, webhooks
from notifications.events import EVENTS, Obsolete
from notifications.models import (
    MessageTemplate,
    Notification,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from notifications.rendering import RenderedMessage

EDITABLE_WHILE_UNSENT = ("email", "language", "not_before")

RETRY = ServiceAction(
    service=services.notification_retry,
    target="notification",
    description=_("Send again (failed messages)"),
    done=_("Queued again: %(objects)s"),
)
CANCEL = ServiceAction(
    service=services.notification_cancel,
    target="notification",
    description=_("Cancel (queued or failed messages)"),
    done=_("Cancelled: %(objects)s"),
    needs_reason=True,
)
RESTORE = ServiceAction(
    service=services.message_template_restore,
    target="template",
    description=_("Restore the shipped wording"),
    done=_("Shipped wording restored: %(objects)s"),
)


def _message_html(rendered, *, note: str = "") -> str:
    return render_to_string("admin/notifications/message.html", {"message": rendered, "note": note})


@admin.register(Notification)
class NotificationAdmin(ServiceActionsMixin, AuditTrailMixin, ModelAdmin):
    """The outbox. Rows are created by services and delivered by workers; staff may correct the
    address, the language or the send time of a message not yet sent, send a failed one again or
    cancel one. The list shows how far the selected messages have got."""

    list_display = ("created_at", "event", "email", "program", "status", "attempts", "sent_at", "short_error")
    list_filter = ("event", "status", "program", "language")
    search_fields = ("email", "recipient__email", "recipient__name", "subject", "idempotency_key")
    date_hierarchy = "created_at"
    list_select_related = ("program",)
    actions = [service_action(RETRY), service_action(CANCEL)]
    change_list_template = "admin/notifications/notification/change_list.html"
    fieldsets = (
        (None, {"fields": ("event", "status", "recipient", "email", "language", "program", "related_object")}),
        (_("Message"), {"fields": ("message",)}),
        (
            _("Delivery"),
            {"fields": ("not_before", "attempts", "enqueued_at", "claimed_at", "sent_at", "last_error")},
        ),
        (_("Record"), {"fields": ("context_shown", "idempotency_key", "created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]
        if obj is not None and obj.status in (Notification.Status.QUEUED, Notification.Status.FAILED):
            fields = [name for name in fields if name not in EDITABLE_WHILE_UNSENT]
        return (*fields, *super().get_readonly_fields(request, obj))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # The row is the proof a message was (or was not) sent; cancelling is a status, not a deletion.
        return False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            counts = dict(
                changelist.queryset.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
            )
            total = sum(counts.values())
            response.context_data["outbox_progress"] = {
                "total": total,
                "done_percent": round(100 * counts.get(Notification.Status.SENT, 0) / total) if total else 0,
                "by_status": [(status, label, counts.get(status, 0)) for status, label in Notification.Status.choices],
            }
        return response

    @admin.display(description=_("context"))
    def context_shown(self, notification: Notification):
        return prose_list(notification.context)

    @admin.display(description=_("last error"))
    def short_error(self, notification: Notification) -> str:
        return Truncator(notification.last_error).chars(60)

    @admin.display(description=_("about"))
    def related_object(self, notification: Notification):
        if notification.content_type_id is None:
            return "-"
        model = notification.content_type.model_class()
        obj = model._default_manager.filter(pk=notification.object_id).first() if model else None
        if obj is None:
            return f"{notification.content_type} #{notification.object_id}"
        url = admin_change_url(obj)
        return format_html('<a href="{}">{}</a>', url, obj) if url else str(obj)

    @admin.display(description=_("message"))
    def message(self, notification: Notification):
        if notification.status == Notification.Status.SENT:
            sent = RenderedMessage(subject=notification.subject, text=notification.body, html="")
            return _message_html(sent, note=gettext("As sent."))
        try:
            rendered = services.notification_render(notification=notification)
        except Obsolete as reason:
            return gettext("This message would not be sent: %(reason)s") % {"reason": reason}
        except Exception as error:  # shown to staff so they can fix the template or the data
            return gettext("This message cannot be rendered: %(error)s") % {"error": error}
        return _message_html(rendered, note=gettext("As it would be sent now."))


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ("subject", "body")
        widgets = {
            "subject": forms.TextInput(attrs={"class": "vLargeTextField", "size": 100}),
            "body": forms.Textarea(attrs={"rows": 18, "cols": 100, "class": "vLargeTextField message-body"}),
        }

    def clean(self):
        cleaned = super().clean()
        if "subject" in cleaned and "body" in cleaned:
            problems = services.message_template_problems(
                event=self.instance.event, subject=cleaned["subject"], body=cleaned["body"]
            )
            for field, field_problems in problems.items():
                for problem in field_problems:
                    self.add_error(field, problem)
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ServiceActionsMixin, AuditTrailMixin, ModelAdmin):
    """The wording of every message, per event and language. Each event has its own placeholders,
    listed beside the form; "Preview" renders the text on sample data without saving it."""

    form = MessageTemplateForm
    list_display = ("event", "language", "subject", "updated_at", "updated_by")
    list_filter = ("event", "language")
    search_fields = ("subject", "body")
    list_select_related = ("updated_by",)
    actions = [service_action(RESTORE)]
    change_form_template = "admin/notifications/messagetemplate/change_form.html"
    fieldsets = (
        (None, {"fields": ("event", "language", "subject", "body")}),
        (_("Preview on sample data"), {"fields": ("preview",)}),
        (_("Placeholders"), {"fields": ("placeholders",)}),
        (_("Record"), {"fields": ("updated_at", "updated_by")}),
    )
    readonly_fields = ("event", "language", "preview", "placeholders", "updated_at", "updated_by")

    def has_add_permission(self, request):
        return False  # every event and language has its row, from the shipped wording

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("may be used"))
    def placeholders(self, template: MessageTemplate):
        return render_to_string(
            "admin/notifications/placeholders.html",
            {"placeholders": sorted(EVENTS[template.event].placeholders.items())},
        )

    def save_model(self, request, obj, form, change):
        services.message_template_update(
            template=obj, subject=form.cleaned_data["subject"], body=form.cleaned_data["body"], by=request.user
        )

    @admin.display(description=_("message"))
    def preview(self, template: MessageTemplate):
        # After "Preview" the form has copied the posted wording onto `template`, so this shows it.
        try:
            rendered = services.message_template_preview(
                event=template.event, language=template.language, subject=template.subject, body=template.body
            )
        except Exception as error:  # wording that does not parse is reported on its field as well
            return gettext("This wording cannot be rendered: %(error)s") % {"error": error}
        return _message_html(rendered)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_preview" in request.POST and object_id:
            return self._preview_view(request, object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _preview_view(self, request, object_id):
        """The change form again, with the posted wording rendered on sample data and nothing saved."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = self.get_form(request, obj, change=True)(request.POST, instance=obj)
        if form.is_valid():
            self.message_user(request, gettext("Preview only: nothing has been saved yet."), messages.WARNING)
        admin_form = helpers.AdminForm(
            form,
            list(self.get_fieldsets(request, obj)),
            {},
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Change %s") % self.opts.verbose_name,
            "subtitle": str(obj),
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
        }
        return self.render_change_form(request, context, change=True, obj=obj)


# --- webhooks -----------------------------------------------------------------------------------------


DEACTIVATE = ServiceAction(
    service=webhooks.webhook_subscription_deactivate,
    target="subscription",
    description=_("Deactivate (receive nothing more)"),
    done=_("Deactivated: %(objects)s"),
)
DELIVER_AGAIN = ServiceAction(
    service=webhooks.webhook_redeliver,
    target="delivery",
    description=_("Deliver again"),
    done=_("Queued again: %(objects)s"),
)


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("address"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ("user", "partner", "program", "url", "events", "is_active")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        user = cleaned.get("user") or self.instance.user
        new = self.instance.pk is None
        problems = webhooks.webhook_subscription_problems(
            url=cleaned.get("url", ""),
            events=list(cleaned.get("events") or []),
            user=user,
            partner=cleaned.get("partner") if new else None,
            program=cleaned.get("program") if new else None,
        )
        for field, field_problems in problems.items():
            for problem in field_problems:
                self.add_error(field if field in self.fields else None, problem)
        return cleaned


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ServiceActionsMixin, AuditTrailMixin, ModelAdmin):
    """Integrations told of events by signed POSTs. The signing secret is shown once, on the page
    after the subscription is made; owner, partner and program are fixed after that."""

    form = WebhookSubscriptionForm
    list_display = ("url", "user", "partner", "program", "event_list", "is_active", "created_at")
    list_filter = ("is_active", "partner", "program")
    search_fields = ("url", "user__email", "partner__name")
    list_select_related = ("user", "partner", "program")
    autocomplete_fields = ("user",)
    actions = [service_action(DEACTIVATE)]

    def get_readonly_fields(self, request, obj=None):
        fixed = ("user", "partner", "program", "created_at", "created_by") if obj is not None else ()
        return (*fixed, *super().get_readonly_fields(request, obj))

    def get_fieldsets(self, request, obj=None):
        fields = ["user", "partner", "program", "url", "events", "is_active"]
        if obj is not None:
            fields += ["created_at", "created_by"]
        fieldsets = [(None, {"fields": fields})]
        if obj is not None:
            fieldsets.append((_("Audit trail"), {"fields": ["audit_trail"]}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            webhooks.webhook_subscription_update(
                subscription=obj,
                by=request.user,
                url=data["url"],
                events=list(data["events"]),
                is_active=data["is_active"],
            )
            return
        issued = webhooks.webhook_subscription_create(
            user=data["user"],
            partner=data.get("partner"),
            program=data.get("program"),
            url=data["url"],
            events=list(data["events"]),
            is_active=data["is_active"],
            by=request.user,
        )
        obj.pk, obj.secret = issued.subscription.pk, issued.secret
        obj.created_at = issued.subscription.created_at
        self.message_user(
            request,
            format_html(
                "{} <code>{}</code>",
                gettext("The signing secret, shown only now — give it to the receiver:"),
                issued.secret,
            ),
            messages.WARNING,
        )

    @admin.display(description=_("events"))
    def event_list(self, subscription: WebhookSubscription) -> str:
        return ", ".join(subscription.events)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "duration_ms", "status_code", "error", "response_excerpt")
    readonly_fields = fields
    ordering = ("number", "id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ServiceActionsMixin, AuditTrailMixin, ModelAdmin):
    """Every event sent to every subscription, with every attempt. Written by workers; staff may
    deliver one again (failed or delivered), with a fresh count of attempts."""

    list_display = (
        "created_at",
        "event",
        "event_id",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    )
    list_filter = ("event", "status", "subscription")
    search_fields = ("event_id", "subscription__url")
    date_hierarchy = "created_at"
    list_select_related = ("subscription",)
    inlines = [WebhookAttemptInline]
    actions = [service_action(DELIVER_AGAIN)]
    fieldsets = (
        (None, {"fields": ("subscription", "event", "event_id", "status", "attempts")}),
        (
            _("Delivery"),
            {
                "fields": (
                    "next_attempt_at",
                    "enqueued_at",
                    "claimed_at",
                    "delivered_at",
                    "last_status_code",
                    "last_error",
                )
            },
        ),
        (_("Record"), {"fields": ("payload", "created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]
        return (*fields, *super().get_readonly_fields(request, obj))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the log of what a receiver was sent


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyModelAdmin):
    """Every POST of every delivery (also shown on the delivery's page)."""

    list_display = ("started_at", "delivery", "number", "status_code", "duration_ms", "error")
    list_filter = ("status_code",)
    search_fields = ("=delivery__id", "delivery__subscription__url")
    list_select_related = ("delivery",)


from notifications import admin_messages  # noqa: E402,F401 — messages to a group (the composer)
