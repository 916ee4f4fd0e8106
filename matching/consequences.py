"""What an irreversible staff action will do, in numbers, for its confirmation page (`ServiceAction.
consequences`): how many applicants get an e-mail, how many startups are selected or held in reserve,
which reserve takes a freed seat, how many reviews are still missing.

Reads only. Each function takes the selected objects and returns {object id: [sentences]}, counted
for all of them together in a fixed number of queries. The services decide; where a service would
refuse, the sentence says so, so that staff learn it before they write a reason.
"""

from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.i18n import format_datetime
from core.lifecycle import allowed_targets
from matching.models import Assignment, EvaluationRound, Program, RoundResult, SelectionEntry
from matching.services.selection import IN_PLAY  # the applications a publication or the final selection moves
from startups.models import Application, StartupMember

R = EvaluationRound.Status
A = Application.Status
O = SelectionEntry.Outcome  # noqa: E741


def _active() -> Q:
    # The e-mails go to active members: the manager's word, inside the same query.
    return Q(application__startup__members__in=StartupMember.objects.active())


def _mails(count: int, *, when: str) -> str:
    if when == "publish":
        text = ngettext(
            "Publishing the results e-mails %(count)d applicant (the startups' active members).",
            "Publishing the results e-mails %(count)d applicants (the startups' active members).",
            count,
        )
    elif when == "finalise":
        text = ngettext(
            "Finalising e-mails %(count)d applicant their outcome.",
            "Finalising e-mails %(count)d applicants their outcome.",
            count,
        )
    else:  # a promoted reserve
        text = ngettext(
            "Its %(count)d active member gets an e-mail.", "Its %(count)d active members get an e-mail.", count
        )
    return text % {"count": count}


def _last_round_orders(program_ids: set[int]) -> dict[int, int]:
    rows = EvaluationRound.objects.filter(program_id__in=program_ids).values("program_id").annotate(last=Max("order"))
    return {row["program_id"]: row["last"] for row in rows}


def _members_of_results(round_ids: list[int]) -> dict[int, int]:
    """Active members of the startups whose applications are still in play in each round: the e-mails."""
    rows = (
        RoundResult.objects.filter(round_id__in=round_ids, application__status__in=IN_PLAY)
        .filter(_active())
        .values("round_id")
        .annotate(n=Count("application__startup__members"))
    )
    return {row["round_id"]: row["n"] for row in rows}


# --- rounds ---------------------------------------------------------------------------------------


def round_publish_consequences(rounds: list[EvaluationRound]) -> dict[int, list[str]]:
    ids = [r.pk for r in rounds]
    last = _last_round_orders({r.program_id for r in rounds})
    counts = {
        row["round_id"]: row
        for row in RoundResult.objects.filter(round_id__in=ids, application__status__in=IN_PLAY)
        .values("round_id")
        .annotate(advancing=Count("pk", filter=Q(advanced=True)), staying=Count("pk", filter=Q(advanced=False)))
    }
    members = _members_of_results(ids)
    out: dict[int, list[str]] = {}
    for evaluation_round in rounds:
        lines = []
        if evaluation_round.status != R.RESULTS_COMPUTED:
            lines.append(
                _("Refused: only computed results can be published (the round is “%(status)s”).")
                % {"status": evaluation_round.get_status_display()}
            )
        elif evaluation_round.results_stale:
            lines.append(_("Refused: scores changed after the results were computed; compute them again first."))
        if evaluation_round.order == last.get(evaluation_round.program_id):
            lines.append(
                _(
                    "This is the program's last round: publishing changes no application and sends no e-mail; "
                    "the final selection decides and announces."
                )
            )
        else:
            row = counts.get(evaluation_round.pk, {"advancing": 0, "staying": 0})
            lines.append(
                ngettext(
                    "%(advancing)d startup advances to the next round and %(staying)d are not selected.",
                    "%(advancing)d startups advance to the next round and %(staying)d are not selected.",
                    row["advancing"],
                )
                % row
            )
            lines.append(_mails(members.get(evaluation_round.pk, 0), when="publish"))
        lines.append(_("Results cannot be unpublished."))
        out[evaluation_round.pk] = lines
    return out


def _review_counts(round_ids: list[int]) -> dict[int, dict[str, int]]:
    missing = ~Q(status=Assignment.Status.SUBMITTED)
    rows = (
        Assignment.objects.filter(round_id__in=round_ids)
        .exclude(status=Assignment.Status.RECUSED)
        .values("round_id")
        .annotate(
            total=Count("pk"),
            missing=Count("pk", filter=missing),
            evaluators=Count("evaluator_id", filter=missing, distinct=True),
        )
    )
    return {row["round_id"]: row for row in rows}


def round_close_consequences(rounds: list[EvaluationRound]) -> dict[int, list[str]]:
    counts = _review_counts([r.pk for r in rounds])
    out: dict[int, list[str]] = {}
    for evaluation_round in rounds:
        row = counts.get(evaluation_round.pk, {"total": 0, "missing": 0, "evaluators": 0})
        if row["missing"]:
            line = ngettext(
                "%(missing)d of %(total)d reviews is still missing (%(evaluators)d evaluators have not submitted).",
                "%(missing)d of %(total)d reviews are still missing (%(evaluators)d evaluators have not submitted).",
                row["missing"],
            )
        else:
            line = ngettext("The %(total)d review is submitted.", "All %(total)d reviews are submitted.", row["total"])
        out[evaluation_round.pk] = [
            line % row,
            _("Closing locks the scores: evaluators can no longer submit or change them until the round is reopened."),
        ]
    return out


def round_reopen_consequences(rounds: list[EvaluationRound]) -> dict[int, list[str]]:
    counts = _review_counts([r.pk for r in rounds])
    out: dict[int, list[str]] = {}
    for evaluation_round in rounds:
        row = counts.get(evaluation_round.pk, {"total": 0, "missing": 0, "evaluators": 0})
        lines = []
        if evaluation_round.status != R.CLOSED:
            lines.append(
                _("Refused: only a closed round can be reopened (the round is “%(status)s”).")
                % {"status": evaluation_round.get_status_display()}
            )
        lines.append(
            _(
                "Scoring opens again: %(submitted)d submitted reviews can be changed and %(missing)d missing ones "
                "submitted."
            )
            % {"submitted": row["total"] - row["missing"], "missing": row["missing"]}
        )
        out[evaluation_round.pk] = lines
    return out


# --- programs -------------------------------------------------------------------------------------


def program_reopen_consequences(programs: list[Program]) -> dict[int, list[str]]:
    rows = (
        Application.objects.filter(program__in=programs)
        .values("program_id")
        .annotate(
            drafts=Count("pk", filter=Q(status=A.DRAFT)),
            submitted=Count("pk", filter=Q(first_submitted_at__isnull=False)),
        )
    )
    counts = {row["program_id"]: row for row in rows}
    now = timezone.now()
    out: dict[int, list[str]] = {}
    for program in programs:
        row = counts.get(program.pk, {"drafts": 0, "submitted": 0})
        lines = [
            _("Applications open again: %(drafts)d drafts can be submitted and %(submitted)d submitted ones changed.")
            % row
        ]
        if program.closes_at <= now:
            lines.append(
                _("The deadline (%(deadline)s) has passed: move it first, or nobody can submit.")
                % {"deadline": format_datetime(program.closes_at)}
            )
        else:
            lines.append(
                _("Applicants can submit until %(deadline)s.") % {"deadline": format_datetime(program.closes_at)}
            )
        out[program.pk] = lines
    return out


def _is_candidate() -> Q:
    # As the final selection: staff overrides win; otherwise ranked and not failed.
    return Q(override_reason__gt="", advanced=True) | Q(override_reason="", failed=False, rank__isnull=False)


def program_finalise_consequences(programs: list[Program]) -> dict[int, list[str]]:
    last_rounds = {
        r.program_id: r for r in EvaluationRound.objects.filter(program__in=programs).order_by("program_id", "order")
    }  # the last one of each program wins
    round_ids = [r.pk for r in last_rounds.values()]
    counts = {
        row["round_id"]: row
        for row in RoundResult.objects.filter(round_id__in=round_ids, application__status__in=IN_PLAY)
        .values("round_id")
        .annotate(total=Count("pk"), candidates=Count("pk", filter=_is_candidate()))
    }
    members = _members_of_results(round_ids)
    out: dict[int, list[str]] = {}
    for program in programs:
        lines = []
        last_round = last_rounds.get(program.pk)
        if program.status == Program.Status.FINALISED:
            lines.append(_("Refused: the selection of this program is already final."))
        if last_round is None or last_round.status != R.PUBLISHED:
            lines.append(_("Refused: publish the results of the program's last round first."))
        row = counts.get(last_round.pk if last_round else None, {"total": 0, "candidates": 0})
        selected = min(program.quota, row["candidates"])
        reserve = max(0, min(program.reserve_size, row["candidates"] - program.quota))
        if row["candidates"] < program.quota:
            lines.append(
                ngettext(
                    "Refused: only %(count)d application can be selected, fewer than the quota of %(quota)d.",
                    "Refused: only %(count)d applications can be selected, fewer than the quota of %(quota)d.",
                    row["candidates"],
                )
                % {"count": row["candidates"], "quota": program.quota}
            )
        lines.append(
            _("Final selection: %(selected)d selected · %(reserve)d in reserve · %(rest)d not selected.")
            % {"selected": selected, "reserve": reserve, "rest": row["total"] - selected - reserve}
        )
        lines.append(_mails(members.get(last_round.pk, 0) if last_round else 0, when="finalise"))
        lines.append(_("The selection cannot be undone: later withdrawals are filled from the reserve."))
        out[program.pk] = lines
    return out


def _reserves(program_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    """Each program's reserve in order, with the startup's name and how many active members it has."""
    rows = (
        SelectionEntry.objects.filter(program_id__in=program_ids, outcome=O.RESERVE, application__status=A.RESERVE)
        .order_by("program_id", "position", "pk")
        .values("program_id", "application_id", "position", startup_ko=F("application__startup__name_ko"))
        .annotate(members=Count("application__startup__members", filter=_active()))
    )
    reserves: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        reserves[row["program_id"]].append(row)
    return reserves


def reserve_promote_consequences(programs: list[Program]) -> dict[int, list[str]]:
    ids = {p.pk for p in programs}
    reserves = _reserves(ids)
    taken: dict[int, set[int]] = defaultdict(set)
    for program_id, position in SelectionEntry.objects.filter(program_id__in=ids, outcome=O.SELECTED).values_list(
        "program_id", "position"
    ):
        taken[program_id].add(position)
    out: dict[int, list[str]] = {}
    for program in programs:
        lines = []
        if program.status != Program.Status.FINALISED:
            lines.append(_("Refused: reserves are promoted only after the selection is final."))
        queue = reserves.get(program.pk, [])
        if not queue:
            lines.append(_("No reserve is left: nobody is promoted and that is recorded on the program."))
            out[program.pk] = lines
            continue
        seats = taken[program.pk]
        # As the service: the lowest free seat, or with none free a seat added after the last.
        position = next(p for p in range(1, len(seats) + 2) if p not in seats)
        first = queue[0]
        lines.append(
            _("Reserve no. 1, %(startup)s, takes selected place %(position)d.")
            % {"startup": first["startup_ko"], "position": position}
        )
        lines.append(_mails(first["members"], when="promote"))
        lines.append(
            ngettext(
                "The %(count)d reserve behind it moves up one place.",
                "The %(count)d reserves behind it move up one place.",
                len(queue) - 1,
            )
            % {"count": len(queue) - 1}
        )
        out[program.pk] = lines
    return out


# --- applications -----------------------------------------------------------------------------------


def application_withdraw_consequences(applications: list[Application]) -> dict[int, list[str]]:
    """A staff withdrawal: a selected startup's seat goes to the first reserve (in the order the
    applications are withdrawn), a reserve leaves and those behind it move up."""
    ids = [a.pk for a in applications]
    entries = {
        entry.application_id: entry
        for entry in SelectionEntry.objects.filter(application_id__in=ids).exclude(outcome=O.NOT_SELECTED)
    }
    reserves = _reserves({a.program_id for a in applications if a.status == A.SELECTED})
    leaving = set(ids)
    queues = {
        program_id: [row for row in rows if row["application_id"] not in leaving]
        for program_id, rows in reserves.items()
    }
    out: dict[int, list[str]] = {}
    for application in applications:
        entry = entries.get(application.pk)
        if A.WITHDRAWN not in allowed_targets(application):
            out[application.pk] = [
                _("Refused: an application that is “%(status)s” cannot be withdrawn.")
                % {"status": application.get_status_display()}
            ]
            continue
        lines = [_("The application is withdrawn for good; the startup cannot take it back.")]
        if application.status == A.SELECTED and entry is not None:
            queue = queues.get(application.program_id, [])
            if queue:
                first = queue.pop(0)
                lines.append(
                    _("Selected place %(position)d goes to reserve %(startup)s.")
                    % {"position": entry.position, "startup": first["startup_ko"]}
                )
                lines.append(_mails(first["members"], when="promote"))
            else:
                lines.append(
                    _("No reserve is left: selected place %(position)d stays empty.") % {"position": entry.position}
                )
        elif application.status == A.RESERVE and entry is not None:
            lines.append(
                _("It leaves reserve place %(position)d; the reserves behind it move up one place.")
                % {"position": entry.position}
            )
        out[application.pk] = lines
    return out
