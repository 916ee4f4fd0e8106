"""The audit trail in the admin: read and searched, never written; verbs, states and details shown
in words (audit.display)."""

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.core.exceptions import ObjectDoesNotExist
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from audit import display
from audit.models import AuditEvent
from core.admin import ReadOnlyModelAdmin, admin_change_url
from core.display import prose_list


class VerbFilter(admin.SimpleListFilter):
    title = _("action")
    parameter_name = "verb"

    def lookups(self, request, model_admin):
        verbs = AuditEvent.objects.order_by().values_list("verb", flat=True).distinct()
        return sorted(((verb, display.verb_label(verb)) for verb in verbs), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(verb=self.value()) if self.value() else queryset


class ToStateFilter(admin.SimpleListFilter):
    title = _("to state")
    parameter_name = "to_state"

    def lookups(self, request, model_admin):
        states = AuditEvent.objects.exclude(to_state="").order_by().values_list("to_state", flat=True).distinct()
        labels = display.all_state_labels()
        return sorted(((state, labels.get(state, state)) for state in states), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(to_state=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """The trail is append-only: staff read and search it, nobody adds, edits or deletes a row."""

    list_display = (
        "created_at",
        "actor_label",
        "verb_shown",
        "content_type",
        "object_link",
        "state_change",
        "short_reason",
    )
    list_filter = (
        VerbFilter,
        ("content_type", admin.RelatedOnlyFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
        ToStateFilter,
    )
    search_fields = ("actor_label", "object_repr", "reason", "=object_id")
    date_hierarchy = "created_at"
    list_select_related = ("content_type",)
    fields = (
        "created_at",
        "actor_label",
        "actor_link",
        "verb_shown",
        "content_type",
        "object_id",
        "object_link",
        "state_change",
        "changes",
        "reason",
        "details",
    )
    readonly_fields = fields

    @admin.display(description=_("action"), ordering="verb")
    def verb_shown(self, event: AuditEvent) -> str:
        return display.verb_label(event.verb)

    @admin.display(description=_("object"), ordering="object_repr")
    def object_link(self, event: AuditEvent):
        content_type = event.content_type
        model = content_type.model_class()
        try:
            url = reverse(f"admin:{content_type.app_label}_{content_type.model}_change", args=[quote(event.object_id)])
        except NoReverseMatch:
            url = None
        if model is None or url is None:
            return event.object_repr
        return format_html('<a href="{}">{}</a>', url, event.object_repr)

    @admin.display(description=_("state change"))
    def state_change(self, event: AuditEvent) -> str:
        return display.state_change(event)

    @admin.display(description=_("reason"))
    def short_reason(self, event: AuditEvent) -> str:
        return Truncator(event.reason).chars(80)

    @admin.display(description=_("changes"))
    def changes(self, event: AuditEvent):
        """Old → new values of an edit, one line per field."""
        lines = display.changes_shown(event)
        if not lines:
            return "-"
        items = format_html_join("", "<li>{}</li>", ((line,) for line in lines))
        return format_html('<ul class="audit-changes">{}</ul>', items)

    @admin.display(description=_("details"))
    def details(self, event: AuditEvent):
        data = event.data if isinstance(event.data, dict) else {}
        return prose_list({key: value for key, value in data.items() if key != "changes"})

    @admin.display(description=_("actor"))
    def actor_link(self, event: AuditEvent):
        if event.actor_id is None:
            return "-"
        try:
            actor = event.actor
        except ObjectDoesNotExist:  # the trail outlives the people in it
            return event.actor_label
        url = admin_change_url(actor)
        return format_html('<a href="{}">{}</a>', url, actor) if url else str(actor)
