"""Panels (분과) and criteria per track in the round admin: a panel serves some tracks with part of the
round's pool; a criterion can be limited to tracks. Both are editable while the round is set up or
assigning; the assignment itself refuses a track without exactly one panel."""

from django import forms
from django.contrib import admin
from django.contrib.admin import TabularInline

from core.admin import ReadOnlyModelAdmin
from core.errors import DomainError
from matching.models import EvaluationRound, Panel, Track
from matching.services.assignment import panel_tracks_check, round_applications

EDITABLE = (EvaluationRound.Status.SETUP, EvaluationRound.Status.ASSIGNING)


def round_tracks(round_: EvaluationRound | None):
    """The tracks a round's panels and criteria may name: those of its program."""
    if round_ is None or round_.program_id is None:
        return Track.objects.none()
    return Track.objects.filter(program_id=round_.program_id).order_by("order", "pk")


class PanelFormSet(forms.BaseInlineFormSet):
    """The panels as they would be saved: no track in two panels, and (when the round has panels) every
    track of the round's applications served by one."""

    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if any(f.errors for f in kept) or not kept:
            return
        panels_of_track: dict[int, int] = {}
        for form in kept:
            for track in form.cleaned_data.get("tracks") or ():
                panels_of_track[track.pk] = panels_of_track.get(track.pk, 0) + 1
        needed = (
            round_tracks(self.instance)
            .filter(pk__in=round_applications(round=self.instance).values("track_id"))
            .values_list("pk", flat=True)
            if self.instance.pk is not None
            else ()
        )
        try:
            panel_tracks_check(panels_of_track=panels_of_track, needed=needed)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None


def tracks_listed_once(field: forms.ModelMultipleChoiceField) -> forms.ModelMultipleChoiceField:
    # A list of choices is copied into every row of the inline; a queryset would be run again by each row.
    field.choices = list(field.choices)
    return field


class PanelInline(TabularInline):
    model = Panel
    formset = PanelFormSet
    fields = ("name_ko", "name_en", "tracks", "evaluators")
    autocomplete_fields = ("evaluators",)
    extra = 0

    @staticmethod
    def _editable(round_: EvaluationRound | None) -> bool:
        return round_ is None or round_.status in EDITABLE

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        request.panel_parent_round = obj  # the track choices depend on the round's program
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "tracks":
            kwargs["queryset"] = round_tracks(getattr(request, "panel_parent_round", None))
            kwargs["widget"] = forms.CheckboxSelectMultiple
            return tracks_listed_once(super().formfield_for_manytomany(db_field, request, **kwargs))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tracks", "evaluators__user")


class CriterionTracksMixin:
    """A criterion inline's `tracks`: check boxes of the round's program's tracks (none = every track)."""

    def get_formset(self, request, obj=None, **kwargs):
        request.criterion_parent_round = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "tracks":
            kwargs["queryset"] = round_tracks(getattr(request, "criterion_parent_round", None))
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["required"] = False
            return tracks_listed_once(super().formfield_for_manytomany(db_field, request, **kwargs))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tracks")  # each row's checked tracks, one query


@admin.register(Panel)
class PanelAdmin(ReadOnlyModelAdmin):
    """Every round's panels in one list; they are set on the round's page."""

    list_display = ("name_ko", "name_en", "round")
    list_filter = ("round__program",)
    search_fields = ("name_ko", "name_en")
    list_select_related = ("round__program",)
