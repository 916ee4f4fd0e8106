"""After scoring: staff overrides, publishing a round's results, the final selection and reserve
promotion (DESIGN.md, scoring rule 7).

Every write here is bulk (a constant number of queries whatever the number of applications) and
runs in one transaction. Lock order, the same in every service that moves applications (DESIGN
"Safety"): the program row first, then the round if any, then the applications being moved, in pk
order; each application's status is re-checked under its lock, and a bulk move skips (and records)
those whose status changed meanwhile. So a withdrawal at the moment staff publish or finalise is
never undone, and two withdrawals at the same moment promote two different reserves.
"""

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import audit_record, audit_record_many
from core.errors import DomainError
from core.lifecycle import ensure_transition, transition
from matching.models import EvaluationRound, Program, ProgramPartner, RoundResult, SelectionEntry
from matching.services.acceptance import acceptance_request, acceptance_withdrawn
from notifications.models import Notification
from notifications.services import notify_each, notify_many
from notifications.webhooks import webhooks_emit
from startups.models import Application
from startups.selectors import active_members_by_startup

R = EvaluationRound.Status
A = Application.Status
O = SelectionEntry.Outcome  # noqa: E741
E = Notification.Event

# Applications still in the running; withdrawn or ineligible ones keep their status and get no notice.
IN_PLAY = (A.IN_REVIEW, A.ADVANCED)
SELECTION_SCOPE = "selection"


def _round_context(evaluation_round: EvaluationRound) -> dict[str, Any]:
    return {
        "round_id": evaluation_round.pk,
        "round_name_ko": evaluation_round.name_ko,
        "round_name_en": evaluation_round.name_en,
    }


def _program_context(program: Program) -> dict[str, Any]:
    return {"program_id": program.pk, "program_name_ko": program.name_ko, "program_name_en": program.name_en}


def _lock_program(program_id: int) -> Program:
    """The first lock of every service that moves applications (see the module's docstring)."""
    return Program.objects.select_for_update().get(pk=program_id)


def _lock_and_recheck(results: list[RoundResult]) -> tuple[list[RoundResult], list[dict[str, Any]]]:
    """Lock the applications of `results` (read before the lock) in pk order and re-check each status.

    Returns the results whose application's status is still the one read, in the given order, and one
    record per application whose status changed meanwhile (`application_id`, `expected`, `found`): a
    bulk move leaves those alone and reports them."""
    current = dict(
        Application.objects.select_for_update(of=("self",))
        .filter(pk__in=[r.application_id for r in results])
        .order_by("pk")
        .values_list("pk", "status")
    )
    kept, skipped = [], []
    for result in results:
        application = result.application
        found = current.get(application.pk)
        if found == application.status:
            kept.append(result)
        else:
            skipped.append({"application_id": application.pk, "expected": application.status, "found": found})
    return kept, skipped


def _move(applications: list[Application], *, to: str, by: Any, reason: str = "") -> None:
    """Bulk status change of applications locked and re-checked by `_lock_and_recheck`, checked
    against the table and audited per object (one update and one insert per starting status)."""
    now = timezone.now()
    by_status: dict[str, list[Application]] = defaultdict(list)
    for application in applications:
        ensure_transition(application, to=to)
        by_status[application.status].append(application)
    for previous, group in sorted(by_status.items()):
        Application.objects.filter(pk__in=[a.pk for a in group], status=previous).update(status=to, updated_at=now)
        for application in group:
            application.status = to
        audit_record_many(
            actor=by, objects=group, verb="status_changed", from_state=previous, to_state=to, reason=reason
        )


def _is_last_round(evaluation_round: EvaluationRound) -> bool:
    return not EvaluationRound.objects.filter(
        program_id=evaluation_round.program_id, order__gt=evaluation_round.order
    ).exists()


# --- overriding and publishing a round's results -----------------------------------------------------


@transaction.atomic
def result_override(*, result: RoundResult, by: Any, advanced: bool, reason: str) -> RoundResult:
    """Staff change the computed advancement of one application, with a written reason.

    Only while the round's results are computed and not yet published. A failed application
    (과락) may be advanced this way too: the reason is what makes it defensible. Re-computing
    the round replaces the results but keeps every override (`results_compute`).
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the advancement is changed."), code="reason_required")
    _lock_program(RoundResult.objects.values_list("round__program_id", flat=True).get(pk=result.pk))
    locked = RoundResult.objects.select_for_update().select_related("round").get(pk=result.pk)  # and the round
    if locked.round.status != R.RESULTS_COMPUTED:
        raise DomainError(
            _("Advancement can be changed only while the round's results are computed and not yet published."),
            code="round_not_computed",
        )
    if locked.advanced == advanced:
        message = _("The application already advances.") if advanced else _("The application is already held back.")
        raise DomainError(message, code="no_change")
    _override_advancement(locked, by=by, advanced=advanced, reason=reason)
    result.advanced, result.override_reason = advanced, reason
    return locked


def _override_advancement(
    locked: RoundResult, *, by: Any, advanced: bool, reason: str, data: dict[str, Any] | None = None
) -> None:
    """Write an override on a result the caller has locked and checked, and audit it
    (`advancement_overridden`, with `data` added to the audit record). Shared by `result_override` and
    the appeal's `appeal_reinstate` (matching.services.appeals), so both record an override alike."""
    before = locked.advanced
    locked.advanced, locked.override_reason = advanced, reason
    locked.save(update_fields=["advanced", "override_reason"])
    audit_record(
        actor=by,
        obj=locked,
        verb="advancement_overridden",
        reason=reason,
        data={"before": before, "after": advanced, "failed": locked.failed, "rank": locked.rank, **(data or {})},
    )


def result_override_advance(*, result: RoundResult, by: Any, reason: str) -> RoundResult:
    """Admin action: let the application advance after all."""
    return result_override(result=result, by=by, advanced=True, reason=reason)


def result_override_hold_back(*, result: RoundResult, by: Any, reason: str) -> RoundResult:
    """Admin action: keep the application from advancing."""
    return result_override(result=result, by=by, advanced=False, reason=reason)


@transaction.atomic
def results_publish(*, round: EvaluationRound, by: Any, reason: str = "") -> EvaluationRound:  # noqa: A002
    """Publish a round's results: the round becomes `published` (once: publishing again is refused).

    In every round but the last, applications that advanced become `advanced` (they stay so from
    an earlier round) and the others `not_selected`, and each applicant startup's active members
    get one ROUND_RESULT notice. The last round's results change no status and send no notice:
    the final selection decides and announces them (SELECTION_DECISION).

    Results marked out of date (scores imported after they were computed) are refused until they are
    computed again. An application whose status changed between reading the results and locking it
    (withdrawn, say) is left as it is, gets no notice, and is listed under `skipped` in the audit data.
    """
    _lock_program(round.program_id)
    locked = EvaluationRound.objects.select_for_update().get(pk=round.pk)
    ensure_transition(locked, to=R.PUBLISHED)
    if locked.results_stale:
        raise DomainError(
            _(
                "Scores changed after the results of %(round)s were computed: compute the results again "
                "before publishing them."
            )
            % {"round": locked},
            code="results_stale",
        )
    # 이의신청: the appeal window opens at publication (matching.services.appeals).
    appeal_fields = {}
    if locked.appeal_days:
        appeal_fields["appeals_close_at"] = timezone.now() + timedelta(days=locked.appeal_days)
    if _is_last_round(locked):
        evaluation_round = transition(locked, to=R.PUBLISHED, by=by, reason=reason, extra_fields=appeal_fields)
        round.status = R.PUBLISHED
        webhooks_emit(
            event="round.results_published", obj=evaluation_round, payload={}, program=evaluation_round.program
        )
        return evaluation_round

    results = list(
        RoundResult.objects.filter(round=locked, application__status__in=IN_PLAY)
        .select_related("application__startup")
        .order_by("application_id")
    )
    results, skipped = _lock_and_recheck(results)
    advancing = [r.application for r in results if r.advanced]
    staying = [r.application for r in results if not r.advanced]
    _move([a for a in advancing if a.status != A.ADVANCED], to=A.ADVANCED, by=by, reason=reason)
    _move(staying, to=A.NOT_SELECTED, by=by, reason=reason)
    data = {"advanced": len(advancing), "not_advanced": len(staying), "skipped": skipped}
    evaluation_round = transition(locked, to=R.PUBLISHED, by=by, reason=reason, data=data, extra_fields=appeal_fields)
    round.status = R.PUBLISHED
    webhooks_emit(event="round.results_published", obj=evaluation_round, payload={}, program=evaluation_round.program)

    members = active_members_by_startup({r.application.startup_id for r in results})
    context = {**_round_context(evaluation_round), **_program_context(evaluation_round.program)}
    notify_each(
        event=E.ROUND_RESULT,
        messages=[
            (user, r.application, {**context, "advanced": r.advanced})
            for r in results
            for user in members[r.application.startup_id]
        ],
        scope=f"round-{evaluation_round.pk}",
        program=evaluation_round.program,
    )
    return evaluation_round


# --- the final selection ---------------------------------------------------------------------------


def _single_partner(program: Program):
    partners = list(ProgramPartner.objects.filter(program=program).select_related("partner")[:2])
    return partners[0].partner if len(partners) == 1 else None


def _is_candidate(result: RoundResult) -> bool:
    # Staff overrides win: advanced by hand counts even if failed; held back by hand never counts.
    if result.override_reason:
        return result.advanced
    return not result.failed and result.rank is not None


@transaction.atomic
def selection_finalise(*, program: Program, by: Any, reason: str = "") -> Program:
    """The final list after the last round (rule 7): in that round's rank order, leaving out failed
    applications (unless staff advanced them by hand) and those staff held back, the first `quota`
    are selected (positions 1..quota), the next `reserve_size` form the reserve (1..r), and every
    other participant of the round is not selected. With exactly one partner the selected are
    matched to it; with several, partners are left empty for matching. Runs once per program.
    The list is drawn from the applications as they are under their row locks: one whose status
    changed after the results were read (withdrawn, say) takes no place and is listed under
    `skipped` in the audit data.
    """
    locked = _lock_program(program.pk)
    if locked.status == Program.Status.FINALISED or SelectionEntry.objects.filter(program=locked).exists():
        raise DomainError(_("The selection of this program is already final."), code="selection_exists")
    last_round = EvaluationRound.objects.filter(program=locked).order_by("-order").first()
    if last_round is None or last_round.status != R.PUBLISHED:
        raise DomainError(
            _("Publish the results of the program's last round before finalising the selection."),
            code="last_round_not_published",
        )
    results = list(
        RoundResult.objects.filter(round=last_round, application__status__in=IN_PLAY)
        .select_related("application__startup")
        .order_by(F("rank").asc(nulls_last=True), "pk")
    )
    results, skipped = _lock_and_recheck(results)
    candidates = [r.application for r in results if _is_candidate(r)]
    if len(candidates) < locked.quota:
        raise DomainError(
            ngettext(
                "Only %(count)d application can be selected, fewer than the quota of %(quota)d.",
                "Only %(count)d applications can be selected, fewer than the quota of %(quota)d.",
                len(candidates),
            )
            % {"count": len(candidates), "quota": locked.quota},
            code="too_few_candidates",
        )
    selected = candidates[: locked.quota]
    reserve = candidates[locked.quota : locked.quota + locked.reserve_size]
    chosen = {a.pk for a in selected} | {a.pk for a in reserve}
    rest = [r.application for r in results if r.application.pk not in chosen]

    partner = _single_partner(locked)
    SelectionEntry.objects.bulk_create(
        [
            *(
                SelectionEntry(program=locked, application=a, outcome=O.SELECTED, position=i, partner=partner)
                for i, a in enumerate(selected, 1)
            ),
            *(
                SelectionEntry(program=locked, application=a, outcome=O.RESERVE, position=i)
                for i, a in enumerate(reserve, 1)
            ),
            *(SelectionEntry(program=locked, application=a, outcome=O.NOT_SELECTED) for a in rest),
        ],
        batch_size=1000,
    )
    _move(selected, to=A.SELECTED, by=by, reason=reason)
    _move(reserve, to=A.RESERVE, by=by, reason=reason)
    _move(rest, to=A.NOT_SELECTED, by=by, reason=reason)

    members = active_members_by_startup({r.application.startup_id for r in results})
    context = _program_context(locked)
    positions = {a.pk: i for i, a in enumerate(selected, 1)} | {a.pk: i for i, a in enumerate(reserve, 1)}
    notify_each(
        event=E.SELECTION_DECISION,
        messages=[
            (user, a, {**context, "outcome": a.status, "position": positions.get(a.pk)})
            for a in [*selected, *reserve, *rest]
            for user in members[a.startup_id]
        ],
        scope=SELECTION_SCOPE,
        program=locked,
    )
    counts = {"selected": len(selected), "reserve": len(reserve), "not_selected": len(rest), "round_id": last_round.pk}
    data = {**counts, "skipped": skipped}
    finalised = transition(locked, to=Program.Status.FINALISED, by=by, reason=reason, data=data)
    acceptance_request(program=finalised, by=by, reason=reason)  # each selected startup accepts or declines its seat
    webhooks_emit(event="selection.finalised", obj=finalised, payload=counts, program=finalised)
    program.status = finalised.status
    return finalised


# --- withdrawals and reserve promotion ---------------------------------------------------------------


@transaction.atomic
def reserve_promote(
    *, program: Program, by: Any, reason: str, position: int | None = None, partner: Any = None
) -> SelectionEntry | None:
    """The first reserve (lowest position) takes the freed selected `position` (by default the
    lowest free one; with none free, a seat added after the last): its application becomes
    selected, `promoted_at` is set, the reserves behind it move up one place in the same order, its
    members are notified (RESERVE_PROMOTED) and the promotion is audited. With no reserve left that
    is recorded on the program and None returned. Runs with the program row locked, then the
    reserve's entry and application (its status re-checked), so concurrent calls promote different
    reserves into different seats.
    """
    locked = _lock_program(program.pk)
    if locked.status != Program.Status.FINALISED:
        raise DomainError(_("Reserves are promoted only after the selection is final."), code="selection_not_final")
    if position is None:
        taken = set(
            SelectionEntry.objects.filter(program=locked, outcome=O.SELECTED).values_list("position", flat=True)
        )
        position = next(p for p in range(1, len(taken) + 2) if p not in taken)
    entry = (
        SelectionEntry.objects.select_for_update(of=("self", "application"))
        .filter(program=locked, outcome=O.RESERVE, application__status=A.RESERVE)
        .select_related("application__startup")
        .order_by("position", "pk")
        .first()
    )
    if entry is None:
        audit_record(actor=by, obj=locked, verb="reserve_exhausted", reason=reason, data={"position": position})
        return None

    from_position = entry.position
    entry.outcome, entry.position, entry.promoted_at = O.SELECTED, position, timezone.now()
    entry.partner = partner if partner is not None else _single_partner(locked)
    entry.save(update_fields=["outcome", "position", "promoted_at", "partner", "updated_at"])
    SelectionEntry.objects.filter(program=locked, outcome=O.RESERVE, position__gt=from_position).update(
        position=F("position") - 1, updated_at=timezone.now()
    )
    transition(entry.application, to=A.SELECTED, by=by, reason=reason)
    audit_record(
        actor=by,
        obj=entry,
        verb="reserve_promoted",
        reason=reason,
        data={"application_id": entry.application_id, "reserve_position": from_position, "position": position},
    )
    members = active_members_by_startup({entry.application.startup_id})[entry.application.startup_id]
    notify_many(
        event=E.RESERVE_PROMOTED,
        recipients=members,
        obj=entry.application,
        context={**_program_context(locked), "position": position},
        scope=SELECTION_SCOPE,
        program=locked,
    )
    webhooks_emit(
        event="selection.reserve_promoted", obj=entry.application, payload={"position": position}, program=locked
    )
    acceptance_request(program=locked, by=by, reason=reason, entry_ids=[entry.pk])  # the promoted startup answers too
    entry.refresh_from_db(fields=["acceptance", "respond_by"])
    return entry


def selection_release(*, application: Application, by: Any, reason: str) -> SelectionEntry | None:
    """A selected or reserve application is being withdrawn (call inside the withdrawal's
    transaction, with the program row locked). Its entry becomes `not_selected` without a position —
    the row stays, so the list shows who left; its partner passes to the successor — and the
    reserves behind a withdrawn reserve move up.
    A withdrawn selected application is replaced by the first reserve, on the freed position and
    with its partner. Returns the promoted entry, if any."""
    entry = SelectionEntry.objects.select_for_update(of=("self",)).filter(application=application).order_by().first()
    if entry is None or entry.outcome == O.NOT_SELECTED:
        return None
    was, freed, partner = entry.outcome, entry.position, entry.partner
    entry.outcome, entry.position, entry.partner = O.NOT_SELECTED, None, None  # the seat goes to the successor
    entry.save(update_fields=["outcome", "position", "partner", "updated_at"])
    audit_record(
        actor=by, obj=entry, verb="withdrawn_from_selection", from_state=was, reason=reason, data={"position": freed}
    )
    if entry.acceptance == SelectionEntry.Acceptance.PENDING:  # withdrawn without answering the offer
        acceptance_withdrawn(entry=entry, by=by, reason=reason)
    if was == O.RESERVE:
        SelectionEntry.objects.filter(program_id=entry.program_id, outcome=O.RESERVE, position__gt=freed).update(
            position=F("position") - 1, updated_at=timezone.now()
        )
        return None
    if entry.program.status != Program.Status.FINALISED:  # an archived program's list is history
        return None
    return reserve_promote(program=entry.program, by=by, reason=reason, position=freed, partner=partner)
