"""The composer of messages to a group: write the message, choose the applications by the
applications list's filters, count the people it reaches, preview it for one of them, and send it
(through a confirmation page) as one job."""

from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField, OuterRef, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin import AuditTrailMixin, ModelAdmin
from core.errors import DomainError
from core.i18n import localized
from matching.models import EvaluationRound, Partner, Program, SelectionEntry, Track
from notifications import messages as message_services
from notifications.models import Message
from notifications.segments import ROUND_OUTCOMES, segment_description
from startups.models import Application

SEGMENT_FIELDS = message_services.SEGMENT_KEYS
# The form's field for each key of the segment.
FORM_FIELDS = {key: "application_status" if key == "status" else key for key in SEGMENT_FIELDS}
PREVIEW_CHOICES = 50  # people offered in the preview's list


class _Labelled(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{localized(obj.program, 'name')} · {localized(obj, 'name')}"


class MessageForm(forms.ModelForm):
    track = _Labelled(label=_("track"), queryset=Track.objects.none(), required=False, empty_label=_("any"))
    application_status = forms.ChoiceField(  # not `status`: that is the message's own
        label=_("application status"), choices=[("", _("any"))] + list(Application.Status.choices), required=False
    )
    round = _Labelled(
        label=_("round"), queryset=EvaluationRound.objects.none(), required=False, empty_label=_("none chosen")
    )
    round_outcome = forms.ChoiceField(
        label=_("result in that round"),
        choices=[("", _("any result"))] + [(key, label) for key, label in ROUND_OUTCOMES.items()],
        required=False,
    )
    selection = forms.ChoiceField(
        label=_("selection"), choices=[("", _("any"))] + list(SelectionEntry.Outcome.choices), required=False
    )
    partner = forms.ModelChoiceField(
        label=_("matched partner"), queryset=Partner.objects.order_by("name"), required=False, empty_label=_("any")
    )

    class Meta:
        model = Message
        fields = ("program", "subject_ko", "body_ko", "subject_en", "body_en")
        widgets = {
            "subject_ko": forms.TextInput(attrs={"class": "vLargeTextField", "size": 90}),
            "subject_en": forms.TextInput(attrs={"class": "vLargeTextField", "size": 90}),
            "body_ko": forms.Textarea(attrs={"rows": 12, "cols": 90, "class": "vLargeTextField"}),
            "body_en": forms.Textarea(attrs={"rows": 12, "cols": 90, "class": "vLargeTextField"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].queryset = Track.objects.select_related("program").order_by("program_id", "order")
        self.fields["round"].queryset = EvaluationRound.objects.select_related("program").order_by(
            "program_id", "order"
        )
        if "program" in self.fields:
            self.fields["program"].queryset = Program.objects.order_by("-opens_at")
        for key, name in FORM_FIELDS.items():
            self.fields[name].label = capfirst(self.fields[name].label)  # as the admin shows a model's fields
            value = (self.instance.segment or {}).get(key)
            if value:
                self.initial.setdefault(name, value)

    def clean(self):
        cleaned = super().clean()
        program = cleaned.get("program")
        for name in ("track", "round"):
            if program and cleaned.get(name) and cleaned[name].program_id != program.pk:
                self.add_error(name, gettext("Choose one of this program's."))
        if cleaned.get("round_outcome") and not cleaned.get("round"):
            self.add_error("round", gettext("Choose the round whose result you mean."))
        problems = message_services.message_problems(
            subject_ko=cleaned.get("subject_ko") or "",
            body_ko=cleaned.get("body_ko") or "",
            subject_en=cleaned.get("subject_en") or "",
            body_en=cleaned.get("body_en") or "",
        )
        for field, texts in problems.items():
            for text in texts:
                self.add_error(field, text)
        return cleaned

    def segment(self) -> dict:
        values = {}
        for key, name in FORM_FIELDS.items():
            value = self.cleaned_data.get(name)
            values[key] = getattr(value, "pk", value) or None
        return values


@admin.register(Message)
class MessageAdmin(AuditTrailMixin, ModelAdmin):
    """Messages to a group. A draft is written and its recipients chosen here; "Count and preview"
    saves the draft and shows how many people it reaches and how one of them will read it; "Send"
    asks for confirmation and starts the job that queues one e-mail per person."""

    form = MessageForm
    list_display = ("subject_ko", "program", "segment_words", "status", "recipients_count", "sent_at")
    list_filter = ("status", "program")
    search_fields = ("subject_ko", "subject_en", "body_ko")
    list_select_related = ("program",)
    change_form_template = "admin/notifications/message/change_form.html"
    readonly_fields = ("placeholders",)
    fieldsets = (
        (None, {"fields": ("program",)}),
        (
            _("Recipients: the applications, as in the applications list"),
            {
                "fields": ("track", "application_status", ("round", "round_outcome"), "selection", "partner"),
                "description": _(
                    "The active members of the startups whose applications match receive the message, each once."
                ),
            },
        ),
        (
            _("Message"),
            {
                "fields": ("subject_ko", "body_ko", "subject_en", "body_en"),
                "description": _(
                    "People who read English receive the English text when it is written, the Korean otherwise."
                ),
            },
        ),
        (_("Placeholders"), {"fields": ("placeholders",), "classes": ("collapse",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.status != Message.Status.DRAFT:
            return (*fields, "program", "subject_ko", "body_ko", "subject_en", "body_en", "segment_words")
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.status != Message.Status.DRAFT:
            return [
                (None, {"fields": ("program", "segment_words")}),
                (_("Message"), {"fields": ("subject_ko", "body_ko", "subject_en", "body_en")}),
                *[fieldset for fieldset in fieldsets if fieldset[0] == _("Audit trail")],
            ]
        return fieldsets

    def has_change_permission(self, request, obj=None):
        # A message being sent or sent is kept as it went out: its page is for reading.
        return super().has_change_permission(request, obj) and (obj is None or obj.status == Message.Status.DRAFT)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.status == Message.Status.DRAFT)

    def get_queryset(self, request):
        # The names the segment refers to, read with the list's query rather than one query per row.
        def name_of(model, key: str, field: str):
            return Subquery(model.objects.filter(pk=OuterRef(f"segment_{key}_id")).values(field)[:1])

        ids = {
            f"segment_{key}_id": Cast(KT(f"segment__{key}"), IntegerField()) for key in ("track", "round", "partner")
        }
        return (
            super()
            .get_queryset(request)
            .annotate(**ids)
            .annotate(
                segment_track_ko=name_of(Track, "track", "name_ko"),
                segment_track_en=name_of(Track, "track", "name_en"),
                segment_round_ko=name_of(EvaluationRound, "round", "name_ko"),
                segment_round_en=name_of(EvaluationRound, "round", "name_en"),
                segment_partner=name_of(Partner, "partner", "name"),
            )
        )

    @admin.display(description=_("recipients"))
    def segment_words(self, message: Message) -> str:
        names = {}
        for key in ("track", "round"):
            if getattr(message, f"segment_{key}_ko", None) is not None:
                names[key] = SimpleNamespace(
                    name_ko=getattr(message, f"segment_{key}_ko"), name_en=getattr(message, f"segment_{key}_en")
                )
        if getattr(message, "segment_partner", None) is not None:
            names["partner"] = message.segment_partner
        return segment_description(message.segment or {}, names=names)

    @admin.display(description=_("may be used"))
    def placeholders(self, message: Message | None):
        from django.template.loader import render_to_string

        return render_to_string(
            "admin/notifications/placeholders.html",
            {"placeholders": sorted(message_services.PLACEHOLDERS.items())},
        )

    def save_model(self, request, obj, form, change):
        message_services.message_save(
            message=obj,
            program=form.cleaned_data["program"],
            subject_ko=form.cleaned_data["subject_ko"],
            body_ko=form.cleaned_data["body_ko"],
            subject_en=form.cleaned_data.get("subject_en") or "",
            body_en=form.cleaned_data.get("body_en") or "",
            segment=form.segment(),
            by=request.user,
        )

    def _to_preview(self, request, obj):
        url = reverse("admin:notifications_message_change", args=[obj.pk])
        recipient = request.POST.get("_recipient", "")
        return HttpResponseRedirect(f"{url}?recipient={recipient}#preview" if recipient.isdigit() else f"{url}#preview")

    def response_add(self, request, obj, post_url_continue=None):
        if "_preview" in request.POST:
            return self._to_preview(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_preview" in request.POST:
            return self._to_preview(request, obj)
        return super().response_change(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if obj is not None and request.method == "GET":
            extra.update(self._count_and_preview(request, obj))
        return super().change_view(request, object_id, form_url, extra)

    def _count_and_preview(self, request, message: Message) -> dict:
        count = message_services.message_recipient_count(message=message)
        context = {
            "count": count,
            "count_sentence": _count_sentence(count),
            "message_status": message.status,
            # After the message's text (the third section of a draft, the second once sent).
            "preview_after": 3 if message.status == Message.Status.DRAFT else 2,
        }
        if message.job_id:
            context["job_url"] = reverse("admin:jobs_job_change", args=[message.job_id])
        if message.status != Message.Status.DRAFT or not count.people:
            return context
        people = message_services.message_recipients(message=message)
        chosen = request.GET.get("recipient", "")
        pick = next((pair for pair in people if str(pair[0].pk) == chosen), people[0])
        try:
            preview = message_services.message_preview(message=message, recipient=pick[0], application=pick[1])
        except Exception as error:  # shown so staff can fix the text
            preview, context["preview_error"] = None, str(error)
        context.update(
            {
                "preview": preview,
                "preview_recipient": pick,
                "preview_choices": [(user, application) for user, application in people[:PREVIEW_CHOICES]]
                + ([pick] if pick not in people[:PREVIEW_CHOICES] else []),
                "send_url": reverse("admin:notifications_message_send", args=[message.pk]),
            }
        )
        return context

    # --- sending -------------------------------------------------------------------------------------

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/send/",
                self.admin_site.admin_view(self.send_view),
                name="notifications_message_send",
            )
        ]
        return urls + super().get_urls()

    def send_view(self, request, object_id):
        """The confirmation page ("1,234 people will receive this message; it cannot be recalled"),
        and, posted, the send itself, landing on the job's page."""
        message = self.get_object(request, unquote(object_id))
        if message is None:
            raise Http404
        if not super().has_change_permission(request, message):
            raise PermissionDenied
        change_url = reverse("admin:notifications_message_change", args=[message.pk])
        if request.method == "POST":
            try:
                job = message_services.message_send(message=message, by=request.user)
            except DomainError as refused:
                self.message_user(request, refused.message, messages.ERROR)
                return redirect(change_url)
            return redirect(reverse("admin:jobs_job_change", args=[job.pk]))
        if message.status != Message.Status.DRAFT:
            self.message_user(
                request, gettext("This message has already been sent; it is sent only once."), messages.ERROR
            )
            return redirect(change_url)
        count = message_services.message_recipient_count(message=message)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Send this message?"),
            "opts": self.opts,
            "original": message,
            "count": count,
            "count_sentence": _count_sentence(count),
            "segment": segment_description(message.segment or {}),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/notifications/message/send_confirmation.html", context)


def _count_sentence(count: message_services.RecipientCount) -> str:
    text = ngettext(
        "%(people)s person will receive this message: the active members of the startups of %(applications)s "
        "applications, each once.",
        "%(people)s people will receive this message: the active members of the startups of %(applications)s "
        "applications, each once.",
        count.people,
    ) % {
        "people": number_format(count.people, force_grouping=True),
        "applications": number_format(count.applications, force_grouping=True),
    }
    if count.skipped:
        text += " " + ngettext(
            "%(count)s member without an e-mail address is left out.",
            "%(count)s members without an e-mail address are left out.",
            count.skipped,
        ) % {"count": number_format(count.skipped, force_grouping=True)}
    return text
