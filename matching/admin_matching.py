"""Staff's admin for stable matching: the runs (seats per partner, the matched pairs with each side's
rank of the other, every unmatched startup with its reason in words, the blocking-pair check, the
job), pins and conflicts, and the actions "run matching" (on programs) and "publish matching" (on a
run, through the confirmation page that states the consequences in numbers and asks for the reason).

Imported by `matching.admin` once its admins are registered; the program admin's actions gain "run
matching" here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin import (
    AuditTrailMixin,
    ModelAdmin,
    ReadOnlyModelAdmin,
    ServiceAction,
    ServiceActionsMixin,
    admin_change_url,
    service_action,
)
from core.errors import DomainError
from core.i18n import localized
from matching.models import MatchingConstraint, MatchingRun, Partner, PartnerMembership, Program
from matching.reasons import matching_reason_text
from matching.services.matching import (
    SOURCE_NONE,
    SOURCE_ROUND,
    matching_constraint_check,
    matching_constraint_remove,
    matching_constraint_set,
    matching_inputs,
    matching_publish,
    matching_publish_plan,
    matching_run_rows,
    matching_run_start,
)
from startups.models import Application, StartupMember


def partner_label(partner: Partner | None) -> str:
    """A partner's name in the language of the page (its Korean name on Korean pages, where it has one)."""
    if partner is None:
        return ""
    from django.utils.translation import get_language

    korean = (get_language() or "ko")[:2] == "ko"
    return partner.name_ko if korean and partner.name_ko else partner.name


def startup_label(application: Application | None, fallback: Any = "") -> str:
    if application is None:
        return str(fallback)
    name = localized(application.startup, "name")
    return f"{name} ({application.receipt_number})" if application.receipt_number else name


# --- consequences of publishing -------------------------------------------------------------------


def matching_publish_consequences(runs: list[MatchingRun]) -> dict[int, list[str]]:
    """What publishing each run will do, in numbers: partners set, startups left without one, and the
    e-mails (startups with an active member, partners with a current member). Reads each program's
    inputs once."""
    out: dict[int, list[str]] = {}
    inputs_of: dict[int, dict[str, Any]] = {}
    plans = {}
    for run in runs:
        if run.program_id not in inputs_of:
            inputs_of[run.program_id] = matching_inputs(program=run.program)
        plans[run.pk] = matching_publish_plan(run=run, inputs=inputs_of[run.program_id])
    startup_ids = {s for plan in plans.values() for s in plan["startups"].values()}
    partner_ids = {p for plan in plans.values() for p in plan["partners"]}
    with_members = set(
        StartupMember.objects.active().filter(startup_id__in=startup_ids).values_list("startup_id", flat=True)
    )
    partners_with_members = set(
        PartnerMembership.objects.current().filter(partner_id__in=partner_ids).values_list("partner_id", flat=True)
    )
    for run in runs:
        plan, lines = plans[run.pk], []
        if plan["refusal"]:
            lines.append(gettext("Refused: %(reason)s") % {"reason": plan["refusal"]})
        startups = sum(1 for s in set(plan["startups"].values()) if s in with_members)
        partners = sum(1 for p in plan["partners"] if p in partners_with_members)
        lines.append(
            ngettext(
                "%(matched)d startup gets its partner, and e-mails go to %(startups)d startups and %(partners)d "
                "partners.",
                "%(matched)d startups get their partner, and e-mails go to %(startups)d startups and %(partners)d "
                "partners.",
                plan["matched"],
            )
            % {"matched": plan["matched"], "startups": startups, "partners": partners}
        )
        if plan["unmatched"]:
            lines.append(
                ngettext(
                    "%(count)d selected startup stays without a partner.",
                    "%(count)d selected startups stay without a partner.",
                    plan["unmatched"],
                )
                % {"count": plan["unmatched"]}
            )
        if plan["changed"] and not plan["first"]:  # on a first publication every partner is new
            lines.append(
                ngettext(
                    "The partner of %(count)d selected startup changes.",
                    "The partners of %(count)d selected startups change.",
                    len(plan["changed"]),
                )
                % {"count": len(plan["changed"])}
            )
        lines.append(gettext("Startups see their partner from now on; a later run can be published over this one."))
        out[run.pk] = lines
    return out


# --- actions --------------------------------------------------------------------------------------

MATCHING_RUN_START = ServiceAction(
    service=matching_run_start,
    target="program",
    description=_("Run stable matching"),
    done=_("Matching started: %(objects)s"),
    starts_job=True,
)
MATCHING_PUBLISH = ServiceAction(
    service=matching_publish,
    target="run",
    description=_("Publish the matching"),
    done=_("Matching published: %(objects)s"),
    needs_reason=True,
    consequences=matching_publish_consequences,
)


def _add_program_actions() -> None:
    program_admin = admin.site._registry.get(Program)
    if program_admin is None:
        return
    action = service_action(MATCHING_RUN_START)
    names = {getattr(a, "__name__", "") for a in program_admin.actions or ()}
    if action.__name__ not in names:
        type(program_admin).actions = (*type(program_admin).actions, action)


_add_program_actions()


# --- runs -----------------------------------------------------------------------------------------


@admin.register(MatchingRun)
class MatchingRunAdmin(ServiceActionsMixin, AuditTrailMixin, ReadOnlyModelAdmin):
    """Runs are written by the matching job; staff read them and publish one."""

    list_display = (
        "__str__",
        "program",
        "created_at",
        "matched_count",
        "unmatched_count",
        "stability",
        "publication",
        "job_link",
    )
    list_filter = ("program",)
    list_select_related = ("program", "job", "created_by", "published_by")
    actions = (service_action(MATCHING_PUBLISH),)
    fieldsets = (
        (None, {"fields": ("program", "publication_detail", "created_at", "created_by", "job_link")}),
        (_("Seats per partner"), {"fields": ("seats_table",)}),
        (_("Matched startups"), {"fields": ("pairs_table",)}),
        (_("Startups without a partner"), {"fields": ("unmatched_table",)}),
        (_("Stability check"), {"fields": ("stability_detail",)}),
        (_("Inputs"), {"fields": ("sources_table", "fingerprint")}),
    )
    readonly_fields = (
        "program",
        "publication_detail",
        "created_at",
        "created_by",
        "job_link",
        "seats_table",
        "pairs_table",
        "unmatched_table",
        "stability_detail",
        "sources_table",
        "fingerprint",
    )

    def has_change_permission(self, request, obj=None):
        # The publish action needs "change" on the list; the run's page stays read-only.
        return obj is None and request.user.is_staff and request.user.has_perm("matching.change_matchingrun")

    def get_fields(self, request, obj=None):
        return [field for _name, options in self.get_fieldsets(request, obj) for field in options["fields"]]

    def _rows(self, run: MatchingRun) -> dict[str, Any]:
        if not hasattr(run, "_rows"):
            run._rows = matching_run_rows(run=run)
        return run._rows

    # --- list columns

    @admin.display(description=_("matched"))
    def matched_count(self, run: MatchingRun) -> str:
        total = len(run.assignment) + len(run.unmatched)
        return gettext("%(matched)d of %(total)d") % {"matched": len(run.assignment), "total": total}

    @admin.display(description=_("without a partner"))
    def unmatched_count(self, run: MatchingRun) -> int:
        return len(run.unmatched)

    @admin.display(description=_("blocking pairs"))
    def stability(self, run: MatchingRun) -> str:
        count = len(run.blocking_pairs)
        if not count:
            return gettext("none (stable)")
        return ngettext("%(count)d — not stable", "%(count)d — not stable", count) % {"count": count}

    @admin.display(description=_("published"))
    def publication(self, run: MatchingRun) -> str:
        if run.published_at is None:
            return gettext("not published")
        from core.i18n import format_datetime

        return format_datetime(run.published_at)

    @admin.display(description=_("job"))
    def job_link(self, run: MatchingRun):
        if run.job_id is None:
            return "-"
        url = admin_change_url(run.job)
        label = gettext("job #%(id)d (%(status)s)") % {"id": run.job_id, "status": run.job.get_status_display()}
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    # --- the run's page

    @admin.display(description=_("publication"))
    def publication_detail(self, run: MatchingRun) -> str:
        if run.published_at is not None:
            from core.i18n import format_datetime

            return gettext("Published %(when)s by %(who)s.") % {
                "when": format_datetime(run.published_at),
                "who": run.published_by or "-",
            }
        if run.program.status != Program.Status.FINALISED:
            return gettext("Not published; the program's selection is no longer final.")
        current = matching_inputs(program=run.program)["fingerprint"]
        if current != run.fingerprint:
            return gettext("Not published. The inputs changed since this run; run matching again before publishing.")
        return gettext("Not published. The inputs are unchanged: this run can be published (action on the list).")

    @admin.display(description=_("seats"))
    def seats_table(self, run: MatchingRun) -> str:
        rows = self._rows(run)
        return render_to_string(
            "admin/matching_run/seats.html",
            {"rows": [(partner_label(r["partner"]) or r["partner_id"], r) for r in rows["seats"]]},
        )

    @admin.display(description=_("pairs"))
    def pairs_table(self, run: MatchingRun) -> str:
        rows = self._rows(run)
        return render_to_string(
            "admin/matching_run/pairs.html",
            {
                "rows": [
                    (
                        startup_label(r["application"], r["application_id"]),
                        admin_change_url(r["application"]) if r["application"] else None,
                        partner_label(r["partner"]) or r["partner_id"],
                        r,
                    )
                    for r in rows["pairs"]
                ]
            },
        )

    @admin.display(description=_("reasons"))
    def unmatched_table(self, run: MatchingRun) -> str:
        rows = self._rows(run)
        names = {p: partner_label(partner) for p, partner in rows["partners"].items()}
        return render_to_string(
            "admin/matching_run/unmatched.html",
            {
                "rows": [
                    (
                        startup_label(r["application"], r["application_id"]),
                        admin_change_url(r["application"]) if r["application"] else None,
                        matching_reason_text(r["reason"], partner_names=names),
                    )
                    for r in rows["unmatched"]
                ]
            },
        )

    @admin.display(description=_("blocking pairs"))
    def stability_detail(self, run: MatchingRun) -> str:
        rows = self._rows(run)
        pinned = bool((run.inputs or {}).get("pinned"))
        if not run.blocking_pairs:
            if pinned:
                return gettext(
                    "No blocking pair: apart from the pinned pairs, no startup and partner would both rather be "
                    "matched to each other."
                )
            return gettext("No blocking pair: no startup and partner would both rather be matched to each other.")
        pairs = ", ".join(
            f"{startup_label(rows['applications'].get(a), a)} – {partner_label(rows['partners'].get(p)) or p}"
            for a, p in run.blocking_pairs
        )
        return ngettext(
            "%(count)d blocking pair (the matching is not stable): %(pairs)s",
            "%(count)d blocking pairs (the matching is not stable): %(pairs)s",
            len(run.blocking_pairs),
        ) % {"count": len(run.blocking_pairs), "pairs": pairs}

    @admin.display(description=_("partners' preferences"))
    def sources_table(self, run: MatchingRun) -> str:
        rows = self._rows(run)
        lines = []
        inputs = run.inputs or {}
        for row in rows["seats"]:
            source = row["source"] or {}
            ranked = len(inputs.get("partners", {}).get(str(row["partner_id"]), []))
            if source.get("kind") == SOURCE_ROUND:
                text = gettext("the results of round #%(round)s (%(count)d selected startups ranked)") % {
                    "round": source.get("round_id"),
                    "count": ranked,
                }
            elif source.get("kind") == SOURCE_NONE:
                text = gettext("no submitted ranking: it accepts no startup")
            else:
                text = gettext("its submitted ranking (%(count)d selected startups ranked)") % {"count": ranked}
            lines.append((partner_label(row["partner"]) or row["partner_id"], text))
        constraints = (len(inputs.get("pinned", [])), len(inputs.get("forbidden", [])))
        return render_to_string("admin/matching_run/sources.html", {"lines": lines, "constraints": constraints})


# --- pins and conflicts ---------------------------------------------------------------------------


class MatchingConstraintForm(forms.ModelForm):
    class Meta:
        model = MatchingConstraint
        fields = ("program", "application", "partner", "kind", "reason")
        widgets = {"reason": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "program" in self.fields:
            self.fields["program"].queryset = Program.objects.filter(status=Program.Status.FINALISED)
        if "partner" in self.fields:
            self.fields["partner"].queryset = Partner.objects.filter(partnerships__isnull=False).distinct()
        self.fields["reason"].required = True

    def clean(self):
        data = super().clean()
        instance = self.instance
        program = data.get("program") or getattr(instance, "program", None)
        application = data.get("application") or getattr(instance, "application", None)
        partner = data.get("partner") or getattr(instance, "partner", None)
        if program and application and partner and data.get("kind") and data.get("reason"):
            try:
                matching_constraint_check(
                    program=program,
                    application=application,
                    partner=partner,
                    kind=data["kind"],
                    reason=data["reason"],
                )
            except DomainError as error:
                raise forms.ValidationError(error.message, code=error.code) from error
        return data

    def validate_unique(self):
        # Setting a pair again changes its kind and reason (the service's update); no uniqueness error.
        pass


@admin.register(MatchingConstraint)
class MatchingConstraintAdmin(ModelAdmin):
    """Pins (the pair is always matched) and conflicts (never matched), each with its reason; they apply
    from the next run."""

    form = MatchingConstraintForm
    autocomplete_fields = ("application",)
    list_display = ("startup", "partner", "kind", "reason", "program", "created_by", "created_at")
    list_filter = ("program", "kind", "partner")
    search_fields = ("application__startup__name_ko", "application__startup__name_en", "partner__name", "reason")
    list_select_related = ("application__startup", "partner", "program", "created_by")

    def get_readonly_fields(self, request, obj=None):
        return ("program", "application", "partner") if obj is not None else ()

    @admin.display(description=_("startup"), ordering="application__startup__name_ko")
    def startup(self, constraint: MatchingConstraint) -> str:
        return startup_label(constraint.application)

    def save_model(self, request, obj, form, change):
        saved = matching_constraint_set(
            program=obj.program,
            application=obj.application,
            partner=obj.partner,
            kind=obj.kind,
            reason=obj.reason,
            by=request.user,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        matching_constraint_remove(constraint=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for constraint in queryset.order_by("pk"):
            matching_constraint_remove(constraint=constraint, by=request.user)
