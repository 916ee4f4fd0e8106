"""Stable matching of a program's selected startups to its partners' seats (DESIGN "Partners, matching
and the Matching Day").

- `matching_inputs` loads, in a fixed number of queries, what the pure `matching.stable.stable_match`
  needs: each selected startup's ranked partners, each partner's ranked startups (its submitted
  ranking, or the results of the round it ranks by), seats, pins and forbidden pairs; and the
  SHA-256 fingerprint of their canonical JSON.
- `matching_run_start` refuses at once what would fail, then starts a `matching.run` job whose runner
  calls `matching_run`: deterministic, stored with its inputs and explained (a reason per unmatched
  startup, seats per partner, the blocking-pair check). Same inputs, same run: running again reuses it.
- `matching_constraint_set` / `matching_constraint_remove`: staff pin or forbid a pair.
- `matching_publish`: under the program's lock, a run whose inputs still hold sets each selected
  startup's partner, and tells the startups and partners concerned (outbox, webhook) after commit.

Ids in the inputs: application ids for startups, partner ids for partners; JSON keys are their text.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import audit_record, audit_record_many
from core.errors import DomainError
from jobs.models import Job
from jobs.services import job_start
from matching import stable
from matching.models import (
    MatchingConstraint,
    MatchingRun,
    Partner,
    PartnerMembership,
    PartnerRanking,
    PartnerRankingEntry,
    Program,
    ProgramPartner,
    RoundResult,
    SelectionEntry,
)
from matching.selectors import matching_partner_ids, matching_runs_visible_to  # noqa: F401 (re-exported)
from startups.models import Application, PartnerPreference
from startups.selectors import active_members_by_startup

O = SelectionEntry.Outcome  # noqa: E741
K = MatchingConstraint.Kind

# Where a partner's preferences came from (the inputs' `sources`).
SOURCE_RANKING = "ranking"  # its submitted ranking
SOURCE_ROUND = "round"  # the results of the round it ranks by
SOURCE_NONE = "none"  # no submitted ranking: it accepts nobody

MATCHING_PUBLISHED = "matching.published"  # the notification and webhook event


# --- inputs ---------------------------------------------------------------------------------------


def _fingerprint(inputs: dict[str, Any]) -> str:
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def matching_inputs(*, program: Program) -> dict[str, Any]:
    """Everything a matching run of `program` depends on, loaded in a fixed number of queries:

    - `startups`: each selected application → the program's partners it ranked, first choice first;
    - `partners`: each program partner → the selected applications it accepts, best first: its
      submitted ranking in rank order (not interested and unranked finalists are unacceptable), or,
      where the partner ranks by a round, that round's results in rank order; nobody without either;
    - `seats`: partner → seats; `pinned` / `forbidden`: [application, partner] pairs of staff's
      constraints on selected applications and program partners;
    - `sources`: partner → where its preferences came from (`ranking`, `round` with `round_id`, `none`);
    - `fingerprint`: SHA-256 of the canonical JSON of all the above (sorted keys, no spaces).
    """
    selected = list(
        SelectionEntry.objects.filter(program_id=program.pk, outcome=O.SELECTED)
        .order_by("application_id")
        .values_list("application_id", flat=True)
    )
    selected_set = set(selected)
    partnerships = list(
        ProgramPartner.objects.filter(program_id=program.pk)
        .order_by("partner_id")
        .values_list("partner_id", "seats", "ranking_round_id")
    )
    partner_ids = {partner_id for partner_id, _seats, _round in partnerships}

    startups: dict[str, list[int]] = {str(a): [] for a in selected}
    preferences = PartnerPreference.objects.filter(
        application__selection_entry__program_id=program.pk,
        application__selection_entry__outcome=O.SELECTED,
    ).order_by("application_id", "rank", "pk")
    for application_id, partner_id in preferences.values_list("application_id", "partner_id"):
        if partner_id in partner_ids and application_id in selected_set:
            startups[str(application_id)].append(partner_id)

    submitted = set(
        PartnerRanking.objects.filter(program_id=program.pk, status=PartnerRanking.Status.SUBMITTED).values_list(
            "partner_id", flat=True
        )
    )
    ranked: dict[int, list[int]] = defaultdict(list)
    entries = PartnerRankingEntry.objects.filter(
        ranking__program_id=program.pk,
        ranking__status=PartnerRanking.Status.SUBMITTED,
        rank__isnull=False,
        not_interested=False,
    ).order_by("ranking__partner_id", "rank", "pk")
    for partner_id, application_id in entries.values_list("ranking__partner_id", "application_id"):
        if application_id in selected_set:
            ranked[partner_id].append(application_id)

    round_ids = {round_id for _p, _s, round_id in partnerships if round_id is not None}
    by_round: dict[int, list[int]] = defaultdict(list)
    if round_ids:
        results = RoundResult.objects.filter(round_id__in=round_ids, rank__isnull=False).order_by("round_id", "rank")
        for round_id, application_id in results.values_list("round_id", "application_id"):
            if application_id in selected_set:
                by_round[round_id].append(application_id)

    partners: dict[str, list[int]] = {}
    seats: dict[str, int] = {}
    sources: dict[str, dict[str, Any]] = {}
    for partner_id, partner_seats, round_id in partnerships:
        key = str(partner_id)
        seats[key] = partner_seats
        if round_id is not None:
            partners[key] = by_round[round_id]
            sources[key] = {"kind": SOURCE_ROUND, "round_id": round_id}
        elif partner_id in submitted:
            partners[key] = ranked[partner_id]
            sources[key] = {"kind": SOURCE_RANKING}
        else:
            partners[key] = []
            sources[key] = {"kind": SOURCE_NONE}

    pinned, forbidden = [], []
    constraints = MatchingConstraint.objects.filter(program_id=program.pk).order_by("application_id", "partner_id")
    for application_id, partner_id, kind in constraints.values_list("application_id", "partner_id", "kind"):
        if application_id in selected_set and partner_id in partner_ids:
            (pinned if kind == K.PINNED else forbidden).append([application_id, partner_id])

    inputs = {
        "startups": startups,
        "partners": partners,
        "seats": seats,
        "pinned": pinned,
        "forbidden": forbidden,
        "sources": sources,
    }
    return {**inputs, "fingerprint": _fingerprint(inputs)}


def _as_algorithm_input(inputs: dict[str, Any]) -> dict[str, Any]:
    """The stored inputs (text keys) as `stable_match` takes them (integer ids)."""
    return {
        "startup_prefs": {int(k): list(v) for k, v in inputs["startups"].items()},
        "partner_prefs": {int(k): list(v) for k, v in inputs["partners"].items()},
        "capacities": {int(k): v for k, v in inputs["seats"].items()},
        "pinned": [tuple(pair) for pair in inputs["pinned"]],
        "forbidden": [tuple(pair) for pair in inputs["forbidden"]],
    }


# --- running -------------------------------------------------------------------------------------


def matching_check(*, program: Program, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Raise the DomainError a run of `program` would raise now; return its inputs."""
    if program.status != Program.Status.FINALISED:
        raise DomainError(
            _("Matching runs once the selection is final; the program is “%(status)s”.")
            % {"status": program.get_status_display()},
            code="selection_not_final",
        )
    inputs = inputs if inputs is not None else matching_inputs(program=program)
    if not inputs["startups"]:
        raise DomainError(_("The program has no selected startups to match."), code="no_selected_startups")
    if not inputs["seats"]:
        raise DomainError(_("The program has no partners to match startups to."), code="no_partners")
    pins: dict[int, int] = defaultdict(int)
    for _application, partner in inputs["pinned"]:
        pins[partner] += 1
    for partner, count in sorted(pins.items()):
        seats = inputs["seats"].get(str(partner), 0)
        if count > seats:
            name = Partner.objects.filter(pk=partner).values_list("name", flat=True).first() or partner
            raise DomainError(
                ngettext(
                    "%(partner)s has %(seats)d seat but %(count)d startups are pinned to it; remove a pin first.",
                    "%(partner)s has %(seats)d seats but %(count)d startups are pinned to it; remove a pin first.",
                    seats,
                )
                % {"partner": name, "seats": seats, "count": count},
                code="pins_exceed_seats",
            )
    return inputs


@transaction.atomic
def matching_run_start(*, program: Program, by: Any, reason: str = "") -> Job:
    """Start a matching job for `program` (refused at once when the program cannot be matched); the
    worker runs `matching_run` after commit."""
    matching_check(program=program)
    return job_start(kind=Job.Kind.MATCHING, params={"program_id": program.pk}, by=by, program=program)


def _published(program_id: int) -> MatchingRun | None:
    return (
        MatchingRun.objects.filter(program_id=program_id, published_at__isnull=False)
        .order_by("-published_at", "-pk")
        .first()
    )


def _reusable(program_id: int, fingerprint: str) -> MatchingRun | None:
    """The run to give again for these inputs: the latest unpublished run with them, or the published
    run in force when it had them."""
    current = _published(program_id)
    if current is not None and current.fingerprint == fingerprint:
        return current
    return (
        MatchingRun.objects.filter(program_id=program_id, fingerprint=fingerprint, published_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def matching_run(*, program_id: int, by: Any, job_id: int | None = None) -> MatchingRun:
    """Match the program's selected startups to its partners' seats and store the run.

    Startup-proposing deferred acceptance (`matching.stable`): stable and startup-optimal without
    pins, the same for the same inputs. Pins take their seats first; forbidden pairs never match.
    With inputs identical to the latest unpublished run's (or the published run's), that run is
    returned instead of a copy. Runs with the program row locked.
    """
    program = Program.objects.select_for_update().get(pk=program_id)
    inputs = matching_check(program=program)
    fingerprint = inputs.pop("fingerprint")
    existing = _reusable(program.pk, fingerprint)
    if existing is not None:
        return existing

    data = _as_algorithm_input(inputs)
    try:
        result = stable.stable_match(
            data["startup_prefs"],
            data["partner_prefs"],
            data["capacities"],
            pinned=data["pinned"],
            forbidden=data["forbidden"],
        )
    except ValueError as error:  # pins that cannot hold together (checked above; this is the backstop)
        raise DomainError(str(error), code="pins_invalid") from error
    blocking = stable.blocking_pairs(
        data["startup_prefs"],
        data["partner_prefs"],
        data["capacities"],
        result.assignment,
        forbidden=data["forbidden"],
        pinned=data["pinned"],
    )
    run = MatchingRun.objects.create(
        program=program,
        job_id=job_id,
        fingerprint=fingerprint,
        inputs=inputs,
        assignment={str(s): p for s, p in result.assignment.items()},
        unmatched={str(s): reason for s, reason in result.unmatched.items()},
        seats={str(p): list(filled) for p, filled in result.seats.items()},
        blocking_pairs=[list(pair) for pair in blocking],
        created_by=by if getattr(by, "pk", None) else None,
    )
    audit_record(
        actor=by,
        obj=run,
        verb="matching_run",
        data={
            "matched": len(result.assignment),
            "unmatched": len(result.unmatched),
            "blocking_pairs": len(blocking),
            "pinned": len(data["pinned"]),
            "forbidden": len(data["forbidden"]),
            "fingerprint": fingerprint,
        },
    )
    return run


# --- constraints ---------------------------------------------------------------------------------


def _partner_seats(program: Program, partner: Partner) -> int:
    seats = ProgramPartner.objects.filter(program=program, partner=partner).values_list("seats", flat=True).first()
    if seats is None:
        raise DomainError(
            _("%(partner)s is not a partner of this program.") % {"partner": partner.name}, code="not_a_partner"
        )
    return seats


def matching_constraint_check(
    *, program: Program, application: Application, partner: Partner, kind: str, reason: str
) -> None:
    """Raise the DomainError `matching_constraint_set` would raise for this pin or conflict."""
    if kind not in K.values:
        raise DomainError(_("Choose whether the pair is pinned or forbidden."), code="constraint_kind")
    if not (reason or "").strip():
        raise DomainError(_("Say why the pair is pinned or forbidden."), code="reason_required")
    selected = SelectionEntry.objects.filter(program=program, application=application, outcome=O.SELECTED).exists()
    if not selected:
        raise DomainError(
            _("%(application)s is not a selected startup of this program.") % {"application": application},
            code="not_selected",
        )
    seats = _partner_seats(program, partner)
    if kind != K.PINNED:
        return
    other = (
        MatchingConstraint.objects.filter(program=program, application=application, kind=K.PINNED)
        .exclude(partner=partner)
        .select_related("partner")
        .first()
    )
    if other is not None:
        raise DomainError(
            _("This startup is already pinned to %(partner)s; remove that pin first.")
            % {"partner": other.partner.name},
            code="already_pinned",
        )
    pinned = (
        MatchingConstraint.objects.filter(program=program, partner=partner, kind=K.PINNED)
        .exclude(application=application)
        .count()
    )
    if pinned + 1 > seats:
        raise DomainError(
            ngettext(
                "%(partner)s has %(seats)d seat and it is pinned already; remove a pin or add a seat first.",
                "%(partner)s has %(seats)d seats and all of them are pinned already; remove a pin or add a seat first.",
                seats,
            )
            % {"partner": partner.name, "seats": seats},
            code="pins_exceed_seats",
        )


@transaction.atomic
def matching_constraint_set(
    *, program: Program, application: Application, partner: Partner, kind: str, reason: str, by: Any
) -> MatchingConstraint:
    """Pin a selected startup to a program partner (it takes one of the partner's seats whatever the
    preferences) or forbid the pair (a conflict: never matched). One constraint per pair; setting it
    again changes its kind and reason. A pin beyond the partner's seats, or a second pin of one
    startup, is refused. Takes effect at the next run."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    reason = (reason or "").strip()
    matching_constraint_check(program=program, application=application, partner=partner, kind=kind, reason=reason)
    before = (
        MatchingConstraint.objects.filter(program=program, application=application, partner=partner)
        .values_list("kind", flat=True)
        .first()
    )
    constraint, _created = MatchingConstraint.objects.update_or_create(
        program=program,
        application=application,
        partner=partner,
        defaults={"kind": kind, "reason": reason, "created_by": by if getattr(by, "pk", None) else None},
    )
    audit_record(
        actor=by,
        obj=constraint,
        verb="matching_constraint_set",
        from_state=before or "",
        to_state=kind,
        reason=reason,
        data={"application_id": application.pk, "partner_id": partner.pk, "kind": kind},
    )
    return constraint


@transaction.atomic
def matching_constraint_remove(*, constraint: MatchingConstraint, by: Any, reason: str = "") -> None:
    """Remove a pin or conflict; the next run no longer applies it. Audited on the program."""
    program = Program.objects.select_for_update().get(pk=constraint.program_id)
    locked = MatchingConstraint.objects.select_for_update().filter(pk=constraint.pk).first()
    if locked is None:
        return
    data = {"application_id": locked.application_id, "partner_id": locked.partner_id, "kind": locked.kind}
    locked.delete()
    audit_record(actor=by, obj=program, verb="matching_constraint_removed", from_state="", reason=reason, data=data)


# --- publishing ----------------------------------------------------------------------------------


def matching_publish_plan(*, run: MatchingRun, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """What publishing `run` would do now, read only (the confirmation page and the service agree):

    `refusal` (a sentence, or ""), `first` (no matching of the program published yet), `matched` /
    `unmatched` (selected applications), `changed`
    (applications whose partner changes), `startups` (application ids told, with their startup id),
    `partners` (partner ids told). The first publication tells every selected startup and every partner;
    a later one only the startups whose partner changes or who were not selected then, and the partners
    whose startups change."""
    refusal = ""
    if run.published_at is not None:
        refusal = _("This run is published already.")
    current = inputs if inputs is not None else matching_inputs(program=run.program)
    if not refusal and current["fingerprint"] != run.fingerprint:
        refusal = _("The inputs changed since this run; run matching again.")
    entries = list(
        SelectionEntry.objects.filter(program_id=run.program_id, outcome=O.SELECTED)
        .order_by("pk")
        .values_list("pk", "application_id", "application__startup_id", "partner_id")
    )
    previous = _published(run.program_id)
    told_before = set()
    if previous is not None and previous.pk != run.pk:
        told_before = {int(a) for a in previous.inputs.get("startups", {})}
    new_partner = {int(a): p for a, p in run.assignment.items()}
    startups, changed, partners_before, partners_after = {}, [], defaultdict(set), defaultdict(set)
    for _pk, application_id, startup_id, partner_id in entries:
        partner = new_partner.get(application_id)
        if partner_id is not None:
            partners_before[partner_id].add(application_id)
        if partner is not None:
            partners_after[partner].add(application_id)
        if partner != partner_id:
            changed.append(application_id)
        if previous is None or partner != partner_id or application_id not in told_before:
            startups[application_id] = startup_id
    partner_ids = {int(p) for p in run.seats} | set(partners_before) | set(partners_after)
    if previous is None:
        told_partners = sorted(int(p) for p in run.seats)
    else:
        told_partners = sorted(p for p in partner_ids if partners_before[p] != partners_after[p])
    return {
        "refusal": refusal,
        "first": previous is None,
        "matched": sum(1 for _pk, a, _s, _p in entries if a in new_partner),
        "unmatched": sum(1 for _pk, a, _s, _p in entries if a not in new_partner),
        "changed": changed,
        "startups": startups,
        "partners": told_partners,
    }


@transaction.atomic
def matching_publish(*, run: MatchingRun, by: Any, reason: str) -> MatchingRun:
    """Publish a matching run: each selected startup's partner becomes the run's (None when it is
    unmatched), the run is marked published, and after commit the startups' active members and the
    partners' current members concerned are told (`matching.published`, once per person and run) and
    the `matching.published` webhook goes out. Refused when the run is published already or its
    inputs no longer hold (a ranking, seat, pin or the selection changed since): run matching again.

    Locks: the program row first, then the run, then the selected entries in pk order, then the
    inputs are read again under those locks and compared by fingerprint.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the matching is published."), code="reason_required")
    program = Program.objects.select_for_update().get(pk=run.program_id)
    locked = MatchingRun.objects.select_for_update().get(pk=run.pk)
    list(
        SelectionEntry.objects.select_for_update()
        .filter(program=program, outcome=O.SELECTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if program.status != Program.Status.FINALISED:
        raise DomainError(
            _("Matching is published only while the selection is final; the program is “%(status)s”.")
            % {"status": program.get_status_display()},
            code="selection_not_final",
        )
    locked.program = program
    plan = matching_publish_plan(run=locked)
    if plan["refusal"]:
        code = "already_published" if locked.published_at else "matching_stale"
        raise DomainError(plan["refusal"], code=code)

    assignment = {int(a): p for a, p in locked.assignment.items()}
    changed = plan["changed"]
    now = timezone.now()
    if changed:
        SelectionEntry.objects.filter(program=program, outcome=O.SELECTED, application_id__in=changed).update(
            partner_id=Case(
                *(When(application_id=a, then=Value(assignment[a])) for a in changed if a in assignment),
                default=Value(None),
                output_field=IntegerField(),
            ),
            updated_at=now,
        )
        audit_record_many(
            actor=by,
            objects=list(SelectionEntry.objects.filter(program=program, application_id__in=changed).order_by("pk")),
            verb="partner_matched",
            reason=reason,
        )
    locked.published_at, locked.published_by = now, by if getattr(by, "pk", None) else None
    locked.save(update_fields=["published_at", "published_by"])
    audit_record(
        actor=by,
        obj=locked,
        verb="matching_published",
        reason=reason,
        data={
            "matched": plan["matched"],
            "unmatched": plan["unmatched"],
            "changed": len(changed),
            "startups_told": len(plan["startups"]),
            "partners_told": len(plan["partners"]),
        },
    )
    _notify(program=program, run=locked, plan=plan, assignment=assignment)
    from notifications.webhooks import webhooks_emit

    webhooks_emit(
        event=MATCHING_PUBLISHED,
        obj=program,
        payload={"run_id": locked.pk, "matched": plan["matched"], "unmatched": plan["unmatched"]},
        program=program,
    )
    run.published_at, run.published_by = locked.published_at, locked.published_by
    return locked


def _notify(*, program: Program, run: MatchingRun, plan: dict[str, Any], assignment: dict[int, int]) -> None:
    from notifications.services import notify_each

    scope = f"matching-run-{run.pk}"
    context = {"program_id": program.pk, "program_name_ko": program.name_ko, "program_name_en": program.name_en}
    applications = Application.objects.filter(pk__in=list(plan["startups"])).order_by("pk")
    members = active_members_by_startup(set(plan["startups"].values()))
    notify_each(
        event=MATCHING_PUBLISHED,
        messages=[
            (user, application, {**context, "run_id": run.pk, "partner_id": assignment.get(application.pk)})
            for application in applications
            for user in members[application.startup_id]
        ],
        scope=scope,
        program=program,
    )
    memberships = (
        PartnerMembership.objects.current()
        .filter(partner_id__in=plan["partners"])
        .select_related("user")
        .order_by("partner_id", "pk")
    )
    notify_each(
        event=MATCHING_PUBLISHED,
        messages=[
            (m.user, run, {**context, "run_id": run.pk, "partner_id": m.partner_id, "for_partner": True})
            for m in memberships
        ],
        program=program,
    )


# --- reads for pages ------------------------------------------------------------------------------


def matching_run_rows(*, run: MatchingRun) -> dict[str, Any]:
    """A run as staff read it, in a fixed number of queries: partners (name, seats, filled), the
    matched pairs with each side's rank of the other, the unmatched with their reasons' codes."""
    inputs = run.inputs or {}
    partner_ids = sorted({int(p) for p in run.seats} | {int(p) for p in inputs.get("seats", {})})
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=partner_ids)}
    application_ids = sorted({int(a) for a in inputs.get("startups", {})} | {int(a) for a in run.assignment})
    applications = {
        a.pk: a for a in Application.objects.filter(pk__in=application_ids).select_related("startup").order_by("pk")
    }
    startup_prefs = inputs.get("startups", {})
    partner_prefs = inputs.get("partners", {})
    pinned = {tuple(pair) for pair in inputs.get("pinned", [])}

    def rank_in(prefs: list, item: int) -> int | None:
        return prefs.index(item) + 1 if item in prefs else None

    pairs = []
    for application_id, partner_id in sorted(run.assignment.items(), key=lambda kv: (kv[1], int(kv[0]))):
        a = int(application_id)
        pairs.append(
            {
                "application": applications.get(a),
                "application_id": a,
                "partner": partners.get(partner_id),
                "partner_id": partner_id,
                "startup_rank": rank_in(startup_prefs.get(application_id, []), partner_id),
                "partner_rank": rank_in(partner_prefs.get(str(partner_id), []), a),
                "pinned": (a, partner_id) in pinned,
            }
        )
    unmatched = [
        {"application": applications.get(int(a)), "application_id": int(a), "reason": reason}
        for a, reason in sorted(run.unmatched.items(), key=lambda kv: int(kv[0]))
    ]
    seats = [
        {
            "partner": partners.get(p),
            "partner_id": p,
            "filled": run.seats.get(str(p), [0, 0])[0],
            "seats": run.seats.get(str(p), [0, inputs.get("seats", {}).get(str(p), 0)])[1],
            "source": inputs.get("sources", {}).get(str(p), {}),
        }
        for p in partner_ids
    ]
    for row in seats:
        row["empty"] = max(row["seats"] - row["filled"], 0)
    return {
        "partners": partners,
        "names": {p: partner.name for p, partner in partners.items()},
        "pairs": pairs,
        "unmatched": unmatched,
        "seats": seats,
        "applications": applications,
    }
