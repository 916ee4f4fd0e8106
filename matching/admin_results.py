"""Round results and the final selection: computed by the services, read here; staff override
advancement with a reason through the selection service."""

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyModelAdmin, ServiceAction, ServiceActionsMixin, service_action
from matching import reasons
from matching.admin import RoundFilter, changelist_link
from matching.exports import export_actions, round_results_table, selection_table
from matching.models import Review, RoundResult, SelectionEntry
from matching.selectors import (
    criterion_labels,
    disagreement_spread,
    result_criterion_means,
    result_review_spreads,
)
from matching.services import selection
from startups.admin import APPLICATION_SEARCH, BrnSearchMixin

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


@admin.register(RoundResult)
class RoundResultAdmin(ServiceActionsMixin, BrnSearchMixin, ReadOnlyModelAdmin):
    """Results are computed by the scoring service from the submitted reviews; staff may only
    override advancement, with a reason, through the selection service."""

    list_display = (
        "rank",
        "application",
        "round",
        "shown_final",
        "tie_break_note",
        "shown_round_score",
        "shown_aggregate",
        "shown_bonus",
        "review_count",
        "review_spread",
        "disagreement",
        "criterion_means",
        "reviews_link",
        "failed",
        "fail_reasons_note",
        "advanced",
        "override_reason",
        "computed_at",
    )
    list_display_links = ("rank", "application")
    list_filter = ("round__program", ("round", RoundFilter), "advanced", "failed")
    search_fields = APPLICATION_SEARCH
    list_select_related = ("application__startup", "round__program")
    actions = (
        service_action(RESULT_OVERRIDE_ADVANCE),
        service_action(RESULT_OVERRIDE_HOLD_BACK),
        *export_actions(round_results_table, stem="round-results", title=lambda: gettext("round results")),
    )

    def has_change_permission(self, request, obj=None):
        # The list's override actions need it; a single result's page stays read-only.
        return obj is None and admin.ModelAdmin.has_change_permission(self, request)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        results = list(changelist.result_list)
        spreads = result_review_spreads(results=results)  # one query per page
        means = result_criterion_means(results=results)  # one query per page
        labels = criterion_labels(round_ids={result.round_id for result in results})  # one query
        for result in results:
            result.review_spread_value = spreads.get(result.pk)
            result.criterion_means_value = means.get(result.pk, [])
            result.criterion_labels = labels.get(result.round_id, {})
        return changelist

    shown_final = _shown_score("final", _("final score"), ordering="rank")
    shown_round_score = _shown_score("round_score", _("round score"))
    shown_aggregate = _shown_score("aggregate", _("aggregate"))
    shown_bonus = _shown_score("bonus", _("bonus"))

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

    @admin.display(description=_("reviews"))
    def reviews_link(self, result: RoundResult):
        return changelist_link(
            Review, _("reviews"), application=result.application_id, assignment__round__id__exact=result.round_id
        )

    @admin.display(description=_("review spread"))
    def review_spread(self, result: RoundResult) -> str:
        spread = getattr(result, "review_spread_value", None)
        return "–" if spread is None else f"{spread:.1f}"

    @admin.display(description=_("evaluators disagree"), boolean=True)
    def disagreement(self, result: RoundResult) -> bool:
        spread = getattr(result, "review_spread_value", None)
        return spread is not None and spread > disagreement_spread()


@admin.register(SelectionEntry)
class SelectionEntryAdmin(BrnSearchMixin, ReadOnlyModelAdmin):
    """The final list is written by the selection service (finalise, reserve promotion)."""

    list_display = ("application", "program", "outcome", "position", "partner", "confirmed_at", "promoted_at")
    list_filter = ("program", "outcome", "partner")
    search_fields = APPLICATION_SEARCH
    list_select_related = ("application__startup", "program", "partner")

    # Selected first, then the reserve, each in order, then the rest ("selected" > "reserve" > "not_selected").
    ordering = ("program", "-outcome", "position")
    actions = export_actions(selection_table, stem="selection", title=lambda: gettext("selection"))
