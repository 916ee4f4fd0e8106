"""The staff home's programs and each program's dashboard: read through the dashboard's selectors,
drawn by core.charts, each chart with its table and CSV; the reminder button calls the service."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core import charts
from core.admin import changelist_url
from core.errors import DomainError
from core.i18n import format_datetime
from matching.dashboard import selectors
from matching.exports import rows_to_csv
from matching.feedback import appeal_counts
from matching.models import Appeal, Assignment, BonusEvidence, EvaluationRound, Program, RoundResult, SelectionEntry
from matching.services.acceptance import seat_counts
from matching.services.evidence import bonus_evidence_counts
from matching.services.reminders import round_evaluators_remind, round_remindable
from notifications.models import Notification, WebhookDelivery
from startups.models import Application, PersonalDeadline
from startups.services.deadlines import personal_deadline_counts

DELIVERY_WINDOW = dt.timedelta(hours=24)
TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0.00")


def _count(value: int | None) -> str:
    return "–" if value is None else number_format(value, force_grouping=True)


def _decimal(value: float | Decimal | None) -> str:
    if value is None:
        return "–"
    return number_format(value if isinstance(value, Decimal) else round_2(value), decimal_pos=2)


# --- a chart with its table and CSV ---------------------------------------------------------------


@dataclass(frozen=True)
class ChartTable:
    """One chart and its numbers: the table under it and its CSV share the header and the rows."""

    slug: str
    title: str
    header: list[str]
    rows: list[list[Any]]  # CSV values: numbers as numbers, None left empty
    shown: list[list[str]]  # the same cells written for people
    svg: SafeString


def funnel_table(*, funnel: selectors.Funnel) -> ChartTable:
    started = funnel.stage("started").total or 0
    chart_rows = []
    for stage in funnel.stages:
        if stage.total is None:
            shown = _("not yet")
        elif started:
            shown = f"{_count(stage.total)} ({round(100 * stage.total / started)}%)"
        else:
            shown = _count(stage.total)
        chart_rows.append((capfirst(stage.label), stage.total, shown))
    title = _("Funnel: from applications started to matched")
    header = [_("stage"), *(name for _pk, name in funnel.tracks), _("all tracks")]
    rows = []
    for stage in funnel.stages:
        per_track = (None if stage.total is None else stage.by_track[pk] for pk, _name in funnel.tracks)
        rows.append([capfirst(stage.label), *per_track, stage.total])
    svg = charts.horizontal_bars(chart_id="funnel", title=title, rows=chart_rows)
    return ChartTable("funnel", title, header, rows, _shown(rows), _safe(svg))


def submissions_table(*, program: Program, now: dt.datetime) -> tuple[ChartTable, selectors.SubmissionsPerDay]:
    per_day = selectors.submissions_per_day(program=program, now=now)
    title = _("Submissions per day (running total), deadline marked")
    points = [(date_format(day.day, "n/j"), day.total) for day in per_day.days]
    deadline_index = next((i for i, day in enumerate(per_day.days) if day.day == per_day.deadline_day), None)
    marker = None
    if deadline_index is not None:
        marker = (deadline_index, _("deadline %(day)s") % {"day": date_format(per_day.deadline_day, "n/j")})
    svg = charts.cumulative_line(chart_id="submissions", title=title, points=points, marker=marker)
    header = [_("date"), _("new submissions"), _("submitted so far")]
    rows = [[day.day, day.new, day.total] for day in per_day.days if day.total is not None]
    shown = [[date_format(day, "DATE_FORMAT"), _count(new), _count(total)] for day, new, total in rows]
    return ChartTable("submissions", title, header, rows, shown, _safe(svg)), per_day


def scores_table(*, round: EvaluationRound, leniency: selectors.Leniency) -> ChartTable:
    title = _("%(round)s: review totals") % {"round": round.name}
    edges = [str(10 * i) for i in range(selectors.HISTOGRAM_BINS + 1)]
    svg = charts.histogram(chart_id=f"round-{round.order}-scores", title=title, counts=leniency.histogram, edges=edges)
    header = [_("review total"), _("reviews")]
    rows = [[f"{edges[i]}–{edges[i + 1]}", count] for i, count in enumerate(leniency.histogram)]
    return ChartTable(f"round-{round.order}-scores", title, header, rows, _shown(rows), _safe(svg))


def leniency_table(*, round: EvaluationRound, leniency: selectors.Leniency) -> ChartTable:
    title = _("%(round)s: each evaluator's mean (bar) and spread (± one standard deviation) beside the round's") % {
        "round": round.name
    }
    chart_rows = [(e.name, e.mean, f"{_decimal(e.mean)} ± {_decimal(e.spread)}") for e in leniency.evaluators]
    whiskers = [(e.mean - e.spread, e.mean + e.spread) if e.spread else None for e in leniency.evaluators]
    reference = None
    if leniency.mean is not None:
        reference = (leniency.mean, _("round mean %(mean)s") % {"mean": _decimal(leniency.mean)})
    svg = charts.horizontal_bars(
        chart_id=f"round-{round.order}-evaluators",
        title=title,
        rows=chart_rows,
        max_value=100,
        reference=reference,
        whiskers=whiskers,
    )
    header = [_("evaluator"), _("reviews"), _("mean"), _("standard deviation"), _("difference from the round's mean")]
    rows = [
        [e.name, e.reviews, round_2(e.mean), round_2(e.spread), round_2(e.mean - leniency.mean)]
        for e in leniency.evaluators
    ]
    if leniency.mean is not None:
        rows.append([_("whole round"), leniency.reviews, round_2(leniency.mean), round_2(leniency.spread), ZERO])
    shown = [[name, _count(n), _decimal(m), _decimal(s), _signed(d)] for name, n, m, s, d in rows]
    return ChartTable(f"round-{round.order}-evaluators", title, header, rows, shown, _safe(svg))


def _safe(svg: str) -> SafeString:
    """core.charts escapes every text it draws."""
    return mark_safe(svg)  # noqa: S308


def round_2(value: float | None) -> Decimal | None:
    """A display figure with two decimals (for the CSV as for the page)."""
    return None if value is None else Decimal(repr(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _signed(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return f"+{_decimal(value)}" if value > 0 else _decimal(value)


def _shown(rows: list[list[Any]]) -> list[list[str]]:
    return [[_count(cell) if cell is None or isinstance(cell, int) else str(cell) for cell in row] for row in rows]


# --- the pages -------------------------------------------------------------------------------------


def staff_home_context(request) -> dict:
    """The admin index's programs by stage, for staff who may see programs."""
    if not request.user.has_perm("matching.view_program"):
        return {}
    return {
        "program_stages": selectors.programs_by_stage(now=timezone.now()),
        "archived_status": Program.Status.ARCHIVED,
    }


def _program_for(request, program_id: int) -> Program:
    if not request.user.has_perm("matching.view_program"):
        raise PermissionDenied
    return get_object_or_404(Program, pk=program_id)


def program_dashboard(request, program_id: int, *, site):
    program = _program_for(request, program_id)
    now = timezone.now()
    funnel_data = selectors.program_funnel(program=program)
    funnel = funnel_table(funnel=funnel_data)
    submissions, per_day = submissions_table(program=program, now=now)
    rounds = []
    for evaluation_round in EvaluationRound.objects.filter(program=program).order_by("order"):
        progress = selectors.round_progress(round=evaluation_round)
        leniency = selectors.evaluator_leniency(round=evaluation_round)
        rounds.append(
            {
                "round": evaluation_round,
                "progress": progress,
                "leniency": leniency,
                "scores": scores_table(round=evaluation_round, leniency=leniency),
                "evaluators": leniency_table(round=evaluation_round, leniency=leniency),
                "can_remind": round_remindable(round=evaluation_round, now=now) and bool(progress.behind),
                "assignments_url": changelist_url(Assignment, round__id__exact=evaluation_round.pk),
                "results_url": changelist_url(RoundResult, round__id__exact=evaluation_round.pk),
            }
        )
    since = now - DELIVERY_WINDOW
    health = selectors.delivery_health(since=since, program=program)
    context = {
        **site.each_context(request),
        "title": _("Dashboard"),
        "subtitle": program.name,
        "program": program,
        "opens": format_datetime(program.opens_at),
        "closes": format_datetime(program.closes_at),
        "d_day": selectors.d_day(per_day.days_left) if program.status == Program.Status.OPEN else None,
        "funnel": funnel,
        "submissions": submissions,
        "drafts": funnel_data.drafts,
        "drafts_by_track": [(name, funnel_data.drafts_by_track[pk]) for pk, name in funnel_data.tracks],
        "drafts_url": changelist_url(Application, program__id__exact=program.pk, status__exact="draft"),
        "personal_deadlines": personal_deadline_counts(program=program),
        "personal_deadlines_url": changelist_url(PersonalDeadline, application__program__id__exact=program.pk),
        "days_left": per_day.days_left,
        "rounds": rounds,
        "health": health,
        "since": format_datetime(since),
        "failed_messages_url": changelist_url(
            Notification,
            program__id__exact=program.pk,
            status__exact="failed",
            created_at__gte=since.isoformat(),
        ),
        "failed_webhooks_url": changelist_url(
            WebhookDelivery, status__exact="failed", created_at__gte=since.isoformat()
        ),
        "change_url": reverse("admin:matching_program_change", args=[program.pk]),
        "applications_url": changelist_url(Application, program__id__exact=program.pk),
        "appeals": appeal_counts(program=program),
        "appeals_url": changelist_url(Appeal, round__program__id__exact=program.pk),
        "bonus_evidence": bonus_evidence_counts(program=program),
        "bonus_evidence_url": changelist_url(BonusEvidence, application__program__id__exact=program.pk),
        "seats": seat_counts(program=program),
        "seats_url": changelist_url(SelectionEntry, program__id__exact=program.pk),
    }
    return TemplateResponse(request, "admin/matching/dashboard/program.html", context)


CHART_SLUG = re.compile(r"^(funnel|submissions|round-(\d+)-(scores|evaluators))$")


def dashboard_csv(request, program_id: int, chart: str, *, site):
    """A chart's numbers as CSV (UTF-8 with a byte-order mark for Excel), headed as its table."""
    program = _program_for(request, program_id)
    match = CHART_SLUG.match(chart)
    if match is None:
        raise Http404
    if chart == "funnel":
        table = funnel_table(funnel=selectors.program_funnel(program=program))
    elif chart == "submissions":
        table, _per_day = submissions_table(program=program, now=timezone.now())
    else:
        evaluation_round = get_object_or_404(EvaluationRound, program=program, order=int(match.group(2)))
        leniency = selectors.evaluator_leniency(round=evaluation_round)
        build = scores_table if match.group(3) == "scores" else leniency_table
        table = build(round=evaluation_round, leniency=leniency)
    response = HttpResponse(rows_to_csv(table.header, table.rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{program.slug}-{table.slug}.csv"'
    return response


@require_POST
def round_remind(request, program_id: int, round_id: int, *, site):
    """The dashboard's "remind" button: queue today's reminder to the evaluators still owing reviews."""
    program = _program_for(request, program_id)
    if not request.user.has_perm("matching.change_evaluationround"):
        raise PermissionDenied
    rounds = EvaluationRound.objects.select_related("program")
    evaluation_round = get_object_or_404(rounds, pk=round_id, program=program)
    try:
        reminded = round_evaluators_remind(round=evaluation_round, by=request.user, now=timezone.now())
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if reminded:
            messages.success(
                request,
                ngettext(
                    "Reminder queued for %(count)d evaluator owing reviews in %(round)s.",
                    "Reminders queued for %(count)d evaluators owing reviews in %(round)s.",
                    reminded,
                )
                % {"count": reminded, "round": evaluation_round.name},
            )
        else:
            messages.info(
                request,
                _("Everyone owing reviews in %(round)s has already been reminded today; nothing was queued.")
                % {"round": evaluation_round.name},
            )
    url = reverse("admin:program_dashboard", args=[program.pk])
    return HttpResponseRedirect(f"{url}#round-{evaluation_round.order}")
