from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from core.admin import ModelAdmin, admin_change_url
from notifications.models import Notification

EDITABLE_WHILE_UNSENT = ("email", "language", "not_before")


@admin.register(Notification)
class NotificationAdmin(ModelAdmin):
    """The outbox. Rows are created by services; staff may correct the address, the language or the send
    time of a message not yet sent. Status changes only through delivery (actions come with delivery)."""

    list_display = ("created_at", "event", "email", "program", "status", "attempts", "sent_at", "short_error")
    list_filter = ("event", "status", "program", "language")
    search_fields = ("email", "recipient__email", "recipient__name", "subject", "idempotency_key")
    date_hierarchy = "created_at"
    list_select_related = ("program",)
    fieldsets = (
        (None, {"fields": ("event", "status", "recipient", "email", "language", "program", "related_object")}),
        (_("Delivery"), {"fields": ("not_before", "attempts", "claimed_at", "sent_at", "last_error")}),
        (_("Message"), {"fields": ("subject", "body", "context")}),
        (_("Record"), {"fields": ("idempotency_key", "created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]
        if obj is not None and obj.status in (Notification.Status.QUEUED, Notification.Status.FAILED):
            return [name for name in fields if name not in EDITABLE_WHILE_UNSENT]
        return fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # The row is the proof a message was (or was not) sent; cancelling is a status, not a deletion.
        return False

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
