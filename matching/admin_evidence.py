"""Evidence for bonus points (가점 증빙): the documents applicants uploaded, filtered by program, round
and status; staff verify or reject them (with a reason) through the evidence services."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyModelAdmin, ServiceAction, ServiceActionsMixin, service_action
from matching.models import BonusEvidence, EvaluationRound
from matching.services import evidence as services


class EvidenceRoundFilter(admin.SimpleListFilter):
    """The documents a round's computation reads (its evidence rules, its applications)."""

    title = _("round")
    parameter_name = "round"

    def lookups(self, request, model_admin):
        rounds = EvaluationRound.objects.filter(bonus_rules__evidence_required=True).select_related("program")
        return [(r.pk, f"{r.program} · {r}") for r in rounds.distinct().order_by("program_id", "order")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            round_ = EvaluationRound.objects.filter(pk=value).first()
            if round_ is None:
                return queryset.none()
            return queryset.filter(pk__in=services.bonus_evidence_of_round(round=round_).values("pk"))
        return queryset


def _verify(*, evidence: BonusEvidence, by, reason: str = "") -> BonusEvidence:
    return services.bonus_evidence_verify(evidence=evidence, by=by)


_verify.__name__ = "bonus_evidence_verify"


def _reject(*, evidence: BonusEvidence, by, reason: str = "") -> BonusEvidence:
    return services.bonus_evidence_reject(evidence=evidence, by=by, reason=reason)


_reject.__name__ = "bonus_evidence_reject"

VERIFY = ServiceAction(
    service=_verify,
    target="evidence",
    description=_("Verify the document: its bonus counts"),
    done=_("Verified: %(objects)s"),
)
REJECT = ServiceAction(
    service=_reject,
    target="evidence",
    description=_("Reject the document (the applicant reads the reason)"),
    done=_("Rejected: %(objects)s"),
    needs_reason=True,
)


@admin.register(BonusEvidence)
class BonusEvidenceAdmin(ServiceActionsMixin, ReadOnlyModelAdmin):
    list_display = ("application", "flag", "document", "status", "reason", "reviewed_by", "reviewed_at", "created_at")
    list_filter = ("application__program", EvidenceRoundFilter, "status", "flag")
    search_fields = ("application__receipt_number", "application__startup__name_ko", "application__startup__name_en")
    list_select_related = ("application__startup", "application__program", "attachment", "reviewed_by")
    readonly_fields = ("application", "flag", "document", "status", "reason", "reviewed_by", "reviewed_at")
    fields = readonly_fields
    actions = (service_action(VERIFY), service_action(REJECT))

    def has_change_permission(self, request, obj=None):
        # The actions change rows through the services; the form itself stays read-only (no fields to edit).
        return obj is None and admin.ModelAdmin.has_change_permission(self, request)

    @admin.display(description=_("document"))
    def document(self, evidence: BonusEvidence):
        # Downloaded through the attachments' permission check, as every uploaded file.
        url = reverse("applications:download", args=[evidence.attachment_id])
        return format_html('<a href="{}">{}</a>', url, evidence.attachment.original_name)
