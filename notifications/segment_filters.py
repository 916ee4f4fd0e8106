"""The applications list's filters for round results, the selection and the matched partner: each
calls the segment's own filter (`notifications.segments`), so the list and the message composer
choose the same applications."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.i18n import localized
from notifications import segments


class RoundResultFilter(admin.SimpleListFilter):
    title = _("round result")
    parameter_name = "round_result"

    def lookups(self, request, model_admin):
        from matching.models import EvaluationRound

        rounds = EvaluationRound.objects.select_related("program").order_by("program__opens_at", "program_id", "order")
        program = request.GET.get("program__id__exact", "")
        if program.isdigit():  # the list is narrowed to a program: offer its rounds only
            rounds = rounds.filter(program_id=int(program))
        return [
            (
                f"{evaluation_round.pk}:{outcome}",
                f"{localized(evaluation_round.program, 'name')} · {localized(evaluation_round, 'name')}: {label}",
            )
            for evaluation_round in rounds
            for outcome, label in segments.ROUND_OUTCOMES.items()
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        round_id, _sep, outcome = self.value().partition(":")
        if not round_id.isdigit() or outcome not in segments.ROUND_OUTCOMES:
            return queryset.none()
        return segments.filter_round_outcome(queryset, int(round_id), outcome)


class SelectionFilter(admin.SimpleListFilter):
    title = _("selection")
    parameter_name = "selection"

    def lookups(self, request, model_admin):
        from matching.models import SelectionEntry

        return SelectionEntry.Outcome.choices

    def queryset(self, request, queryset):
        return segments.filter_selection(queryset, self.value()) if self.value() else queryset


class MatchedPartnerFilter(admin.SimpleListFilter):
    title = _("matched partner")
    parameter_name = "matched_partner"

    def lookups(self, request, model_admin):
        from matching.models import Partner

        return [(str(partner.pk), str(partner)) for partner in Partner.objects.order_by("name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if not self.value().isdigit():
            return queryset.none()
        return segments.filter_partner(queryset, int(self.value()))
