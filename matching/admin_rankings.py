"""Partners' rankings in the admin: read-only (partners write them on their pages, by sheet or through
the API, all through `matching.services.rankings`), with the ranked finalists inline."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from core.admin import AuditTrailMixin, ReadOnlyModelAdmin, ReadOnlyTabularInline
from matching.models import PartnerRanking, PartnerRankingEntry


class PartnerRankingEntryInline(ReadOnlyTabularInline):
    model = PartnerRankingEntry
    fields = ("rank", "not_interested", "receipt_number", "startup")
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application__startup").order_by("rank", "pk")

    @admin.display(description=_("receipt number"))
    def receipt_number(self, entry: PartnerRankingEntry) -> str:
        return entry.application.receipt_number or "–"

    @admin.display(description=_("startup"))
    def startup(self, entry: PartnerRankingEntry) -> str:
        return str(entry.application.startup)


@admin.register(PartnerRanking)
class PartnerRankingAdmin(AuditTrailMixin, ReadOnlyModelAdmin):
    list_display = ("partner", "program", "status", "submitted_at", "submitted_by", "ranked", "updated_at")
    list_filter = ("status", "program")
    list_select_related = ("partner", "program", "submitted_by")
    search_fields = ("partner__name", "program__name_ko", "program__name_en")
    inlines = (PartnerRankingEntryInline,)
    fieldsets = ((None, {"fields": ("program", "partner", "status", "submitted_at", "submitted_by", "updated_at")}),)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(ranked_count=Count("entries__rank"))

    @admin.display(description=_("ranked finalists"), ordering="ranked_count")
    def ranked(self, ranking: PartnerRanking) -> int:
        return ranking.ranked_count


@admin.register(PartnerRankingEntry)
class PartnerRankingEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("ranking", "rank", "not_interested", "application")
    list_filter = ("not_interested", "ranking__program")
    list_select_related = ("ranking__partner", "ranking__program", "application__startup")
    search_fields = ("application__receipt_number", "ranking__partner__name")
