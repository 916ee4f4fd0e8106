"""Evaluation practice in the demo: round 1 (scoring) asks for the 청렴·비밀유지 서약; every evaluator
but one accepted it and declared no conflict on the applications they scored, one (who has scored
least) has not yet accepted; and three applicants show an exclusion request (기피 신청) accepted
(an organisation, with its conflicts), refused, and still open."""

import datetime as dt

from django.utils import timezone

from accounts.models import User
from matching import models as m
from matching.services.exclusions import organisation_key
from matching.services.pledges import DEFAULT_PLEDGE_EN, DEFAULT_PLEDGE_KO
from startups import models as s

A = m.Assignment.Status
X = m.ExclusionRequest.Status


def pledge_ensure(*, program: m.Program, staff: User | None) -> int:
    """Write the pledge states once (nothing when round 1 already has a pledge). Returns rows written."""
    round_ = m.EvaluationRound.objects.filter(program=program, status=m.EvaluationRound.Status.SCORING).first()
    if round_ is None or m.RoundPledge.objects.filter(round=round_).exists():
        return 0
    pledge = m.RoundPledge.objects.create(
        round=round_, version=1, text_ko=DEFAULT_PLEDGE_KO, text_en=DEFAULT_PLEDGE_EN, created_by=staff
    )
    assignments = list(m.Assignment.objects.filter(round=round_).select_related("evaluator").order_by("pk"))
    started: dict[int, int] = {}
    for assignment in assignments:
        started[assignment.evaluator_id] = started.get(assignment.evaluator_id, 0) + (assignment.status != A.PENDING)
    # One evaluator has not accepted yet: the one who has scored least (the pledge may come mid-round;
    # they accept it before their next save).
    not_yet = min(sorted(started), key=lambda evaluator: started[evaluator], default=None)
    acceptances = [
        m.PledgeAcceptance(pledge=pledge, evaluator_id=evaluator, language="ko")
        for evaluator in sorted(started)
        if evaluator != not_yet
    ]
    m.PledgeAcceptance.objects.bulk_create(acceptances)
    declared = [a.pk for a in assignments if a.status != A.PENDING and a.evaluator_id != not_yet]
    m.Assignment.objects.filter(pk__in=declared).update(no_conflict_declared_at=round_.opens_at + dt.timedelta(hours=1))
    return 1 + len(acceptances) + len(declared) + _exclusions_ensure(program=program, staff=staff)


def _exclusions_ensure(*, program: m.Program, staff: User | None) -> int:
    """An accepted request for an organisation none of whose evaluators review the application (so its
    conflicts hold), a refused one, an open one."""
    if m.ExclusionRequest.objects.filter(application__program=program).exists():
        return 0
    applications = list(
        s.Application.objects.filter(program=program, status=s.Application.Status.IN_REVIEW)
        .select_related("startup")
        .order_by("receipt_number")[:40]
    )
    evaluators = list(m.Evaluator.objects.exclude(organisation="").order_by("pk"))
    assigned: dict[int, set[int]] = {}
    for application_id, evaluator_id in m.Assignment.objects.filter(application__in=applications).values_list(
        "application_id", "evaluator_id"
    ):
        assigned.setdefault(application_id, set()).add(evaluator_id)
    conflicted = set(m.Conflict.objects.values_list("evaluator_id", "startup_id"))
    by_organisation: dict[str, list[m.Evaluator]] = {}  # matched as the service matches them
    for evaluator in evaluators:
        by_organisation.setdefault(organisation_key(evaluator.organisation), []).append(evaluator)
    organisations = sorted({e.organisation for e in evaluators})
    chosen = next(
        (
            (application, organisation, by_organisation[organisation_key(organisation)])
            for application in applications
            for organisation in organisations
            if not {e.pk for e in by_organisation[organisation_key(organisation)]} & assigned.get(application.pk, set())
        ),
        None,
    )
    if chosen is None or len(applications) < 3:
        return 0
    accepted_for, organisation, members = chosen
    others = [a for a in applications if a.pk != accepted_for.pk][:2]
    owner = {
        member.startup_id: member.user
        for member in s.StartupMember.objects.active()
        .filter(startup_id__in=[accepted_for.startup_id, *(a.startup_id for a in others)])
        .select_related("user")
    }
    now = timezone.now()
    rows = [
        m.ExclusionRequest(
            application=accepted_for,
            organisation=organisation,
            reason="경쟁 관계에 있는 기업에 투자한 기관입니다.",
            status=X.ACCEPTED,
            requested_by=owner.get(accepted_for.startup_id),
            answer="요청을 받아들여 해당 기관 소속 평가위원은 귀사의 신청서를 평가하지 않습니다.",
            decided_by=staff,
            decided_at=now,
        ),
        m.ExclusionRequest(
            application=others[0],
            organisation="대한민국 모든 대학",
            reason="학계 평가위원은 사업성을 잘 모른다고 생각합니다.",
            status=X.REFUSED,
            requested_by=owner.get(others[0].startup_id),
            answer="특정 기관과의 이해관계가 드러나지 않아 받아들이지 않았습니다.",
            decided_by=staff,
            decided_at=now,
        ),
        m.ExclusionRequest(
            application=others[1],
            organisation="넥스트캐피탈",
            reason="대표이사가 이전에 근무한 회사의 관계사입니다.",
            requested_by=owner.get(others[1].startup_id),
        ),
    ]
    m.ExclusionRequest.objects.bulk_create(rows)
    conflicts = [
        m.Conflict(
            evaluator=e,
            startup_id=accepted_for.startup_id,
            source=m.Conflict.Source.EXCLUSION,
            reason=rows[0].reason,
            recorded_by=staff,
        )
        for e in members
        if (e.pk, accepted_for.startup_id) not in conflicted
    ]
    m.Conflict.objects.bulk_create(conflicts)
    return len(rows) + len(conflicts)
