"""The admin pieces every app's admin shares: actions that call services (through a confirmation
page that states the consequences in numbers and asks for the reason it audits, where the action
needs one), the audit trail on a stateful object's change page, read-only admins for rows that only
services write, and selects and filters that load their choices in one query.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.contrib.admin.widgets import AutocompleteMixin, RelatedFieldWidgetWrapper
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.changes import MASK, ChangeBatch, contents_pairs, form_pairs
from audit.display import changes_shown, state_change, verb_label
from audit.models import AuditEvent
from audit.services import Change, audit_record_edits
from core.display import EMPTY
from core.errors import DomainError

# A confirmation page carries the selected ids in its address; keep it well under common URL limits.
REASON_PAGE_MAX_OBJECTS = 300


# --- querysets and choices ---------------------------------------------------------------------


def changelist_url(model: type[models.Model], **filters: Any) -> str:
    """The admin list of `model`, filtered by `filters` (the list's own query parameters)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def count_of(queryset: models.QuerySet, field: str) -> Coalesce:
    """Annotation: how many rows of `queryset` point at the outer row through `field` (a subquery,
    so several counts on one changelist do not multiply each other's joins)."""
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def parent_object_id(request: HttpRequest) -> str | None:
    """The id of the object whose change page is being served (for limiting an inline's choices)."""
    match = getattr(request, "resolver_match", None)
    return match.kwargs.get("object_id") if match else None


def admin_change_url(obj: models.Model) -> str | None:
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
    except NoReverseMatch:
        return None


class RelatedChoicesMixin:
    """Selects (and autocomplete fields) whose labels need related rows load them with the choices
    (`related_select = {"round": ("program",)}`), and in an inline the choices of a plain select are
    read once per formset instead of once per row."""

    related_select: dict[str, tuple[str, ...]] = {}
    cache_choices = False
    # Web addresses typed without a scheme are taken as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def _with_related(self, db_field, kwargs: dict) -> dict:
        if db_field.name in self.related_select and "queryset" not in kwargs:
            kwargs["queryset"] = db_field.related_model._default_manager.select_related(
                *self.related_select[db_field.name]
            )
        return kwargs

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(db_field, request, **self._with_related(db_field, kwargs))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **self._with_related(db_field, kwargs))
        if (
            self.cache_choices
            and field is not None
            and isinstance(field.widget, forms.Select)
            and not isinstance(field.widget, AutocompleteMixin)
        ):
            # A list of choices is copied into every form of the formset; a queryset is re-run by each.
            field.choices = list(field.choices)
        return field


class ChangeHistoryMixin:
    """Every save and delete made on an admin page is audited with its old and new values in words
    (audit.changes): one event per object — "created", "changed" or "deleted" — on the object itself, and
    each inline row's edit also on its own row and summed up on the parent's event. All of them go in one
    insert, and related rows named by old values are loaded together: the queries do not grow with the
    number of fields or rows edited.

    The hooks are the ones Django calls after saving (`construct_change_message`, with the form and the
    inline formsets) and before deleting (`log_deletions`), so admins whose `save_model` calls a service
    are recorded too."""

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        self.record_changes(request, form, formsets or [], add=add)
        return message

    def record_changes(self, request, form, formsets, *, add: bool) -> None:
        if not hasattr(form, "instance"):  # the user admin's password form: the new value is never shown
            user = form.user
            change = {
                "password": {"from": MASK, "to": MASK, "label": str(user._meta.get_field("password").verbose_name)}
            }
            audit_record_edits(actor=request.user, edits=[Change(obj=user, verb="changed", changes=change)])
            return
        batch = ChangeBatch()
        obj = form.instance
        parent = batch.add(type(obj), form_pairs(form, created=add))
        rows = []  # (inline object, verb, handle)
        for formset in formsets:
            deleted = {id(row) for row in getattr(formset, "deleted_objects", [])}
            changed = {id(row) for row, _fields in getattr(formset, "changed_objects", [])}
            created = {id(row) for row in getattr(formset, "new_objects", [])}
            for inline_form in formset.forms:
                row = inline_form.instance
                if id(row) in deleted:  # deleted by now: its id is only in the posted form
                    pk = inline_form[row._meta.pk.name].value() if row._meta.pk.name in inline_form.fields else None
                    pk = getattr(pk, "pk", pk)
                    rows.append((row, "deleted", batch.add(type(row), contents_pairs(row, removed=True)), pk))
                elif id(row) in changed:
                    rows.append((row, "changed", batch.add(type(row), form_pairs(inline_form)), row.pk))
                elif id(row) in created:
                    pairs = form_pairs(inline_form, created=True)
                    rows.append((row, "created", batch.add(type(row), pairs), row.pk))
        changes = batch.render(parent)
        edits = []
        for row, verb, handle, pk in rows:
            row_changes = batch.render(handle)
            if verb == "changed" and not row_changes:
                continue
            edits.append(Change(obj=row, verb=verb, changes=row_changes, object_id=pk))
            changes.update(_summary(row, verb, row_changes, pk))
        if (add and not _already_recorded(obj)) or (changes and not add):
            edits.insert(0, Change(obj=obj, verb="created" if add else "changed", changes=changes))
        audit_record_edits(actor=request.user, edits=edits)

    def log_deletions(self, request, queryset):
        objects = list(queryset)
        batch = ChangeBatch()
        handles = [(obj, batch.add(type(obj), contents_pairs(obj, removed=True))) for obj in objects]
        audit_record_edits(
            actor=request.user,
            edits=[Change(obj=obj, verb="deleted", changes=batch.render(handle)) for obj, handle in handles],
        )
        return super().log_deletions(request, objects)


def _already_recorded(obj: models.Model) -> bool:
    """Whether a new object's creation is on the record already: an admin whose `save_model` calls a
    service (which audits the creation in its own words) records no second "created"."""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEvent.objects.filter(content_type=content_type, object_id=str(obj.pk)).exists()


def _summary(row: models.Model, verb: str, changes: dict, pk: Any) -> dict:
    """An inline row's edit as entries of its parent's changes: one per changed field ("평가 기준 «팀»: 가중치"),
    or the row itself when it was added or removed."""
    kind = str(row._meta.verbose_name)
    key = f"{row._meta.model_name}[{pk}]"
    if verb == "changed":
        return {
            f"{key}.{name}": {**change, "label": f"{kind} «{row}»: {change['label']}"}
            for name, change in changes.items()
        }
    name = str(row)
    before, after = (EMPTY, name) if verb == "created" else (name, EMPTY)
    return {key: {"from": before, "to": after, "label": kind}}


class ModelAdmin(ChangeHistoryMixin, RelatedChoicesMixin, admin.ModelAdmin):
    """The base of every admin: edits are audited with their values (ChangeHistoryMixin), and an object's
    change page ends with its audit trail (`audit_trail_shown`; read-only admins leave it out unless they
    add AuditTrailMixin)."""

    audit_trail_shown = True
    audit_trail_limit = 10

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and self.audit_trail_shown and "audit_trail" not in fields:
            return (*fields, "audit_trail")
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        # An admin whose own read-only fields leave the trail out (without calling ours) shows none.
        if obj is None or "audit_trail" not in self.get_readonly_fields(request, obj):
            return fieldsets
        fieldsets = [
            (name, {**options, "fields": [f for f in options.get("fields", ()) if f != "audit_trail"]})
            for name, options in fieldsets
        ]
        fieldsets = [(name, options) for name, options in fieldsets if options["fields"]]
        return [*fieldsets, (_("Audit trail"), {"fields": ["audit_trail"]})]

    @admin.display(description=_("latest events"))
    def audit_trail(self, obj):
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        events = list(
            AuditEvent.objects.filter(content_type=content_type, object_id=str(obj.pk)).order_by("-created_at", "-id")[
                : self.audit_trail_limit + 1
            ]
        )
        return render_to_string(
            "admin/matchday/audit_trail.html",
            {
                "events": [
                    (event, verb_label(event.verb), state_change(event), changes_shown(event))
                    for event in events[: self.audit_trail_limit]
                ],
                "more": len(events) > self.audit_trail_limit,
                "url": audit_events_url(obj),
            },
        )


class TabularInline(RelatedChoicesMixin, admin.TabularInline):
    cache_choices = True
    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, RelatedFieldWidgetWrapper):
            # Rows stay one line high; related rows are edited on their own pages.
            widget = field.widget
            widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
            widget.can_view_related = False
        return field


class ReadOnlyModelAdmin(ModelAdmin):
    """View and search only: these rows are written by services or by applicants and evaluators
    on their own pages; editing them here would bypass the rules and the audit trail."""

    audit_trail_shown = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTabularInline(TabularInline):
    show_change_link = True
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def related_filter(*select_related: str, label: Callable[[Any], str] = str) -> type[admin.RelatedFieldListFilter]:
    """A related-field list filter whose choice labels need related rows (a round's label names its
    program): one query for all choices instead of one per choice."""

    class Filter(admin.RelatedFieldListFilter):
        def field_choices(self, field, request, model_admin):
            queryset = field.related_model._default_manager.select_related(*select_related)
            ordering = self.field_admin_ordering(field, request, model_admin)
            if ordering:
                queryset = queryset.order_by(*ordering)
            return [(obj.pk, label(obj)) for obj in queryset]

    return Filter


# --- actions that call services ----------------------------------------------------------------


# What an action will do, per selected object: {object id: [sentences with the numbers]}. Counted
# for all the selected objects together, in a number of queries that does not grow with them.
Consequences = Callable[[list[models.Model]], dict[Any, list[str]]]


@dataclasses.dataclass(frozen=True)
class ServiceAction:
    """An admin action that calls one service per selected object.

    `target` is the keyword the service takes the object by (`program=`, `round=` …); `done`
    is the success message, with `%(objects)s` for the names of the objects that changed.
    An action with `consequences`, `needs_reason` or a `form` runs only from its confirmation page,
    which states the consequences and asks for the reason (required where `needs_reason`) and for
    the `form`'s other fields (a ConfirmForm subclass, e.g. a new deadline), passed to the service
    by name; `explain` is said once above the objects.
    """

    service: Callable[..., Any]
    target: str
    description: str
    done: str
    needs_reason: bool = False
    consequences: Consequences | None = None
    # The service starts a background job and returns it: staff land on the job's page (several: the
    # list of those jobs) to watch it.
    starts_job: bool = False
    form: type["ConfirmForm"] | None = None
    explain: str = ""

    @property
    def name(self) -> str:
        return self.service.__name__

    @property
    def needs_confirmation(self) -> bool:
        return self.needs_reason or self.consequences is not None or self.form is not None


class ConfirmForm(forms.Form):
    """The confirmation itself: posting it runs the action (with the reason, where the action audits one)."""

    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        help_text=_("Kept in the audit trail with your name and the time."),
    )

    def __init__(self, *args, needs_reason: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_reason:
            del self.fields["reason"]


def service_action(spec: ServiceAction) -> Callable:
    """The admin action for `spec`: runs the service at once, or sends staff to the confirmation page first."""

    def action(modeladmin, request, queryset):
        if spec.needs_confirmation:
            return modeladmin.redirect_to_reason_page(request, queryset, spec)
        started = run_service(modeladmin, request, list(queryset), spec)
        return jobs_redirect(started) if spec.starts_job else None

    action.__name__ = spec.name
    action.service_spec = spec
    return admin.action(description=spec.description, permissions=["change"])(action)


def _names(objects: list[models.Model], limit: int = 10) -> str:
    names = ", ".join(str(obj) for obj in objects[:limit])
    if len(objects) > limit:
        names = gettext("%(names)s and %(count)d more") % {"names": names, "count": len(objects) - limit}
    return names


def run_service(
    modeladmin, request, objects: list[models.Model], spec: ServiceAction, reason: str = "", **fields: Any
) -> list[Any]:
    """Call the service once per object (with the confirmation form's other `fields`); a refusal of
    one object is reported and the others go on. Returns what the service returned for each object it
    did not refuse."""
    done, returned = [], []
    for obj in objects:
        try:
            returned.append(spec.service(**{spec.target: obj}, by=request.user, reason=reason, **fields))
        except DomainError as error:
            modeladmin.message_user(
                request, gettext("%(object)s: %(error)s") % {"object": obj, "error": error.message}, messages.ERROR
            )
        else:
            done.append(obj)
    if done:
        modeladmin.message_user(request, spec.done % {"objects": _names(done)}, messages.SUCCESS)
    return returned


def jobs_redirect(jobs: list[models.Model]) -> HttpResponseRedirect | None:
    """To the page of the one job an action started, or to the list of the jobs it started."""
    if not jobs:
        return None
    if len(jobs) == 1:
        return HttpResponseRedirect(admin_change_url(jobs[0]))
    url = reverse("admin:jobs_job_changelist")
    return HttpResponseRedirect(f"{url}?{urlencode({'id__in': ','.join(str(job.pk) for job in jobs)})}")


class ServiceActionsMixin:
    """Adds the confirmation page (`…/action/<service name>/?ids=1,2`) of actions that need one: it lists
    the selected objects with what the action will do to each, and runs the action only when its form
    is posted (with a reason, where the action audits one)."""

    reason_template = "admin/matchday/reason_action.html"

    def _service_specs(self) -> dict[str, ServiceAction]:
        return {
            spec.name: spec
            for action in self.actions or ()
            if (spec := getattr(action, "service_spec", None)) is not None
        }

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "action/<slug:action>/",
                self.admin_site.admin_view(self.reason_view),
                name=f"{opts.app_label}_{opts.model_name}_reason_action",
            ),
            *super().get_urls(),
        ]

    def _changelist_url(self, request) -> str:
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        filters = request.GET.get("_changelist_filters", "")
        return f"{url}?{filters}" if filters else url

    def redirect_to_reason_page(self, request, queryset, spec: ServiceAction):
        ids = list(queryset.values_list("pk", flat=True)[: REASON_PAGE_MAX_OBJECTS + 1])
        if len(ids) > REASON_PAGE_MAX_OBJECTS:
            self.message_user(
                request,
                gettext("Select at most %(count)d items for this action at a time.")
                % {"count": REASON_PAGE_MAX_OBJECTS},
                messages.ERROR,
            )
            return None
        query = {"ids": ",".join(str(pk) for pk in ids)}
        if request.GET:
            query["_changelist_filters"] = request.GET.urlencode()
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_reason_action", kwargs={"action": spec.name})
        return HttpResponseRedirect(f"{url}?{urlencode(query)}")

    def _selected_queryset(self, request):
        # The page names each object as the list does: with the list's related rows.
        queryset = self.get_queryset(request)
        if self.list_select_related is True:
            return queryset.select_related()
        return queryset.select_related(*self.list_select_related) if self.list_select_related else queryset

    def reason_view(self, request, action: str):
        spec = self._service_specs().get(action)
        if spec is None or not spec.needs_confirmation:
            raise Http404
        if not self.has_change_permission(request):
            raise PermissionDenied
        ids = [part for part in request.GET.get("ids", "").split(",") if part.strip().isdigit()]
        objects = list(self._selected_queryset(request).filter(pk__in=ids)) if ids else []
        if not objects:
            self.message_user(request, gettext("None of the selected items exist any more."), messages.WARNING)
            return HttpResponseRedirect(self._changelist_url(request))

        form_class = spec.form or ConfirmForm
        form = form_class(request.POST if request.method == "POST" else None, needs_reason=spec.needs_reason)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            started = run_service(self, request, objects, spec, reason=fields.pop("reason", ""), **fields)
            landing = jobs_redirect(started) if spec.starts_job else None
            return landing or HttpResponseRedirect(self._changelist_url(request))

        consequences = spec.consequences(objects) if spec.consequences else {}
        context = {
            **self.admin_site.each_context(request),
            "title": spec.description,
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            "explain": spec.explain,
            "selected": [
                (
                    obj,
                    admin_change_url(obj),
                    obj.get_status_display() if hasattr(obj, "get_status_display") else "",
                    consequences.get(obj.pk, []),
                )
                for obj in objects
            ],
            "changelist_url": self._changelist_url(request),
        }
        return TemplateResponse(request, self.reason_template, context)


# --- the audit trail -----------------------------------------------------------------------------


def audit_events_url(obj: models.Model) -> str:
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    query = urlencode({"content_type__id__exact": content_type.pk, "object_id": str(obj.pk)})
    return f"{reverse('admin:audit_auditevent_changelist')}?{query}"


class AuditTrailMixin:
    """Shows an object's latest audit events at the foot of its change page, with a link to all of them
    (the trail itself is ModelAdmin's: every editable admin shows it; this turns it on for a read-only
    admin too). The trail is added as the last fieldset."""

    audit_trail_shown = True
