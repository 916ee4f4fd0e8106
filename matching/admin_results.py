"""Round results and the final selection: computed by the services, read here; staff override
advancement with a reason through the selection service."""

import dataclasses

from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyModelAdmin, ServiceAction, ServiceActionsMixin, related_filter, service_action
from core.i18n import localized
from matching import reasons
from matching.admin import RoundFilter, changelist_link
from matching.exports import export_actions, round_results_table, selection_table
from matching.models import EvaluationRound, Program, Review, RoundResult, SelectionEntry, Track
from matching.selectors import (
    criterion_labels,
    disagreement_spread,
    result_criterion_means,
    result_review_spreads,
    result_submitted_review_counts,
    result_track_ranks,
)
from matching.services import selection
from startups.admin import APPLICATION_SEARCH, BrnSearchMixin, track_label
from startups.models import Application

ROUND_PARAMETER = "round__id__exact"
PROGRAM_PARAMETER = "program__id__exact"


def track_filter(**program_of: str) -> type[admin.RelatedFieldListFilter]:
    """A filter on the application's track. Where the list is filtered to one round or program (request
    parameter → lookup of the track's program in `program_of`), it offers that program's tracks by
    their names; otherwise every track, named with its program (one query either way)."""

    class Filter(related_filter("program", label=track_label)):
        def field_choices(self, field, request, model_admin):
            for parameter, lookup in program_of.items():
                value = request.GET.get(parameter, "")
                if value.isdigit():
                    tracks = Track.objects.filter(**{lookup: value})
                    return [(track.pk, str(track)) for track in tracks]
            return super().field_choices(field, request, model_admin)

    return Filter


RESULT_OVERRIDE_ADVANCE = ServiceAction(
    service=selection.result_override_advance,
    target="result",
    description=_("Override advancement: advance"),
    done=_("Now advancing: %(objects)s"),
    needs_reason=True,
)
RESULT_OVERRIDE_HOLD_BACK = ServiceAction(
    service=selection.result_override_hold_back,
    target="result",
    description=_("Override advancement: hold back"),
    done=_("Now held back: %(objects)s"),
    needs_reason=True,
)


def _shown_score(name: str, description, **display):
    """A column of a result's score `name`: pages show two decimals, half up from the exact value the
    ranking was decided on."""

    @admin.display(description=description, **display)
    def shown(self, result: RoundResult):
        return reasons.shown(result, name)

    return shown


def application_label(application: Application, *, blind: bool = False) -> str:
    """An application as a results table names it: its receipt number and startup, or in a blind round
    its receipt number alone (as the evaluators' pages show it)."""
    receipt = application.receipt_number or gettext("draft")
    return receipt if blind else f"{receipt} · {localized(application.startup, 'name')}"


@dataclasses.dataclass(frozen=True)
class _Labelled:
    pk: int
    label: str

    def __str__(self) -> str:
        return self.label


def _filtered_to(request, parameter: str, queryset):
    """The one row a changelist is filtered to by `parameter` (the round, the program), or None."""
    value = request.GET.get(parameter, "")
    return queryset.filter(pk=value).first() if value.isdigit() else None


@admin.register(RoundResult)
class RoundResultAdmin(ServiceActionsMixin, BrnSearchMixin, ReadOnlyModelAdmin):
    """Results are computed by the scoring service from the submitted reviews; staff may only
    override advancement, with a reason, through the selection service.

    The columns staff decide on come first (rank, application, track, final score, advancement, 과락,
    reviews, disagreement, override); the criterion means and the notes follow. Filtered to one
    round, the round is named in the page's title instead of on every row."""

    list_display = (
        "rank",
        "track_rank",
        "applicant",
        "track",
        "round",
        "shown_final",
        "advancement",
        "fail",
        "reviews",
        "spread",
        "override",
        "criterion_means",
        "notes",
    )
    list_display_links = ("rank", "applicant")
    list_filter = (
        "round__program",
        ("round", RoundFilter),
        ("application__track", track_filter(round__id__exact="program__rounds", round__program__id__exact="program")),
        "advanced",
        "failed",
    )
    search_fields = APPLICATION_SEARCH
    list_select_related = ("application__startup", "application__track", "round__program")
    actions = (
        service_action(RESULT_OVERRIDE_ADVANCE),
        service_action(RESULT_OVERRIDE_HOLD_BACK),
        *export_actions(round_results_table, stem="round-results", title=lambda: gettext("round results")),
    )

    def has_change_permission(self, request, obj=None):
        # The list's override actions need it; a single result's page stays read-only.
        return obj is None and admin.ModelAdmin.has_change_permission(self, request)

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        evaluation_round = getattr(request, "results_round", None)
        if evaluation_round is None:
            return columns
        # One round: its name is the page's title; a rank in the track matters only where tracks advance apart.
        hidden = {"round"}
        if evaluation_round.advancement_scope != EvaluationRound.AdvancementScope.PER_TRACK:
            hidden.add("track_rank")
        return tuple(column for column in columns if column not in hidden)

    def changelist_view(self, request, extra_context=None):
        evaluation_round = _filtered_to(request, ROUND_PARAMETER, EvaluationRound.objects.select_related("program"))
        request.results_round = evaluation_round
        if evaluation_round is not None:
            extra_context = {
                "title": gettext("Results: %(round)s") % {"round": localized(evaluation_round, "name")},
                "subtitle": self.round_summary(evaluation_round),
                **(extra_context or {}),
            }
        return super().changelist_view(request, extra_context)

    @staticmethod
    def round_summary(evaluation_round: EvaluationRound) -> str:
        """The program and the rules a reader needs beside the numbers: k and how many advance."""
        parts = [
            str(evaluation_round.program),
            ngettext(
                "%(k)s review per application",
                "%(k)s reviews per application",
                evaluation_round.evaluators_per_application,
            )
            % {"k": evaluation_round.evaluators_per_application},
        ]
        if evaluation_round.advance_count:
            per_track = evaluation_round.advancement_scope == EvaluationRound.AdvancementScope.PER_TRACK
            parts.append(
                (gettext("%(n)s advance per track") if per_track else gettext("%(n)s advance"))
                % {"n": evaluation_round.advance_count}
            )
        return " · ".join(parts)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        results = list(changelist.result_list)
        spreads = result_review_spreads(results=results)  # one query per page
        means = result_criterion_means(results=results)  # one query per page
        submitted = result_submitted_review_counts(results=results)  # one query per page
        track_ranks = result_track_ranks(results=results)  # one query per page
        labels = criterion_labels(round_ids={result.round_id for result in results})  # one query
        for result in results:
            result.review_spread_value = spreads.get(result.pk)
            result.criterion_means_value = means.get(result.pk, [])
            result.submitted_reviews = submitted.get(result.pk, 0)
            result.track_rank_value = track_ranks.get(result.pk)
            result.criterion_labels = labels.get(result.round_id, {})
        return changelist

    def action_checkbox(self, result: RoundResult):
        # The checkbox's label names the application as the row does (blind rounds: the receipt number).
        label = f"#{result.rank or '–'}: {self.applicant(result)}"
        return super().action_checkbox(_Labelled(pk=result.pk, label=label))

    @admin.display(description=_("rank in track"))
    def track_rank(self, result: RoundResult):
        return getattr(result, "track_rank_value", None) or "–"

    @admin.display(description=_("application"), ordering="application__receipt_number")
    def applicant(self, result: RoundResult) -> str:
        return application_label(result.application, blind=result.round.blind)

    @admin.display(description=_("track"), ordering="application__track")
    def track(self, result: RoundResult) -> str:
        track = result.application.track
        return str(track) if track else "–"

    shown_final = _shown_score("final", _("final score"), ordering="rank")

    @admin.display(description=_("advanced"), ordering="advanced")
    def advancement(self, result: RoundResult) -> str:
        return pgettext("round result", "Advances") if result.advanced else "–"

    @admin.display(description=_("failed a threshold"), ordering="failed")
    def fail(self, result: RoundResult) -> str:
        return pgettext("round result", "Failed") if result.failed else "–"

    @admin.display(description=_("reviews"))
    def reviews(self, result: RoundResult):
        """Submitted reviews out of the round's k, linked to them, with a warning where some are missing."""
        submitted, k = getattr(result, "submitted_reviews", 0), result.round.evaluators_per_application
        link = changelist_link(
            Review,
            f"{submitted} / {k}",
            application=result.application_id,
            assignment__round__id__exact=result.round_id,
        )
        if submitted >= k:
            return link
        missing = k - submitted
        warning = ngettext("%(n)s review missing", "%(n)s reviews missing", missing) % {"n": missing}
        return format_html('{} <span class="result-warning">{}</span>', link, warning)

    @admin.display(description=_("review spread"))
    def spread(self, result: RoundResult):
        spread = getattr(result, "review_spread_value", None)
        if spread is None:
            return "–"
        if self.disagreement(result):
            return format_html(
                '{} <span class="result-warning">{}</span>', f"{spread:.1f}", pgettext("review spread", "disagree")
            )
        return f"{spread:.1f}"

    def disagreement(self, result: RoundResult) -> bool:
        """Whether the review totals are further apart than the disagreement spread."""
        spread = getattr(result, "review_spread_value", None)
        return spread is not None and spread > disagreement_spread()

    @admin.display(description=_("reason for override"))
    def override(self, result: RoundResult) -> str:
        return result.override_reason or "–"

    @admin.display(description=_("notes"))
    def notes(self, result: RoundResult) -> str:
        """Why it failed and how a tie was broken, in sentences."""
        return (
            " ".join(note for note in (self.fail_reasons_note(result), self.tie_break_note(result)) if note != "–")
            or "–"
        )

    @admin.display(description=_("tie-break"))
    def tie_break_note(self, result: RoundResult) -> str:
        return reasons.tie_break_text(result.tie_break, labels=getattr(result, "criterion_labels", None)) or "–"

    @admin.display(description=_("reasons for failing"))
    def fail_reasons_note(self, result: RoundResult) -> str:
        return reasons.fail_reasons_text(result.fail_reasons, labels=getattr(result, "criterion_labels", None)) or "–"

    @admin.display(description=_("criterion means"))
    def criterion_means(self, result: RoundResult) -> str:
        means = getattr(result, "criterion_means_value", [])
        labels = getattr(result, "criterion_labels", {})
        return ", ".join(f"{labels.get(code, code)}: {mean:.2f}" for code, mean in means) or "–"


@admin.register(SelectionEntry)
class SelectionEntryAdmin(BrnSearchMixin, ReadOnlyModelAdmin):
    """The final list is written by the selection service (finalise, reserve promotion)."""

    list_display = (
        "position",
        "applicant",
        "track",
        "outcome",
        "program",
        "partner",
        "confirmed_at",
        "promoted_at",
    )
    list_display_links = ("position", "applicant")
    list_filter = ("program", ("application__track", track_filter(program__id__exact="program")), "outcome", "partner")
    search_fields = APPLICATION_SEARCH
    list_select_related = ("application__startup", "application__track", "program", "partner")

    # Selected first, then the reserve, each in order, then the rest ("selected" > "reserve" > "not selected").
    ordering = ("program", "-outcome", "position")
    actions = export_actions(selection_table, stem="selection", title=lambda: gettext("selection"))

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if request.GET.get(PROGRAM_PARAMETER, "").isdigit():
            return tuple(column for column in columns if column != "program")
        return columns

    def changelist_view(self, request, extra_context=None):
        program = _filtered_to(request, PROGRAM_PARAMETER, Program.objects.all())
        if program is not None:
            extra_context = {"title": capfirst(gettext("selection")), "subtitle": str(program), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("application"), ordering="application__receipt_number")
    def applicant(self, entry: SelectionEntry) -> str:
        return application_label(entry.application)

    @admin.display(description=_("track"), ordering="application__track")
    def track(self, entry: SelectionEntry) -> str:
        track = entry.application.track
        return str(track) if track else "–"
