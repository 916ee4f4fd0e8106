"""Pledges (청렴·비밀유지 서약): before scoring in a round that has a pledge, an evaluator accepts
its newest version and declares, for each assignment, that they have no conflict of interest;
`pledge_ensure_done` refuses scoring until both are done (the review service asks it)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError
from matching.models import Assignment, EvaluationRound, Evaluator, PledgeAcceptance, RoundPledge

DEFAULT_PLEDGE_KO = "\n".join(
    (
        "본인은 이 평가에 평가위원으로 참여하면서 다음 사항을 성실히 지킬 것을 서약합니다.",
        "",
        "1. 공정성: 모든 신청 기업을 공정하고 객관적으로 평가하며, 외부의 부당한 청탁이나 압력에 따르지 않겠습니다.",
        "2. 청렴: 평가와 관련하여 금품, 향응, 편의 등 어떠한 이익도 요구하거나 받지 않겠습니다.",
        "3. 이해충돌 회피: 신청 기업과 이해관계(소속, 친족, 투자, 자문, 최근 3년 내 근무 등)가 있는 경우"
        " 즉시 알리고 해당 평가에서 빠지겠습니다.",
        "4. 비밀유지: 평가 과정에서 알게 된 신청 기업의 정보와 평가 내용, 결과를 평가 목적 외에 사용하거나"
        " 외부에 누설하지 않겠습니다.",
        "5. 위반 시 책임: 위 사항을 위반한 경우 평가위원 자격 박탈 등 주관기관의 조치와 관계 법령에 따른"
        " 책임을 지겠습니다.",
    )
)
DEFAULT_PLEDGE_EN = "\n".join(
    (
        "As an evaluator in this review, I pledge to observe the following.",
        "",
        "1. Fairness: I will assess every applicant fairly and objectively and will not yield to improper"
        " requests or pressure.",
        "2. Integrity: I will neither ask for nor accept money, hospitality, favours or any other benefit"
        " in connection with the review.",
        "3. Conflicts of interest: where I have an interest in an applicant (affiliation, family, investment,"
        " advisory work, employment in the last three years), I will say so at once and step aside.",
        "4. Confidentiality: I will not use the applicants' information, the reviews or their results for any"
        " purpose other than this review, nor disclose them.",
        "5. Responsibility: if I break these commitments, I accept the organiser's measures, including removal"
        " as an evaluator, and liability under the applicable law.",
    )
)


def _newest_first(round_id: int) -> QuerySet[RoundPledge]:
    return RoundPledge.objects.filter(round_id=round_id).order_by("-version")


def pledge_current(*, round: EvaluationRound) -> RoundPledge | None:  # noqa: A002
    """The version evaluators are asked to accept: the newest."""
    return _newest_first(round.pk).first()


@transaction.atomic
def pledge_create(*, round: EvaluationRound, text_ko: str, text_en: str = "", by: Any) -> RoundPledge:  # noqa: A002
    """A new text is a new version; older versions are kept (acceptances name theirs)."""
    if not (text_ko or "").strip():
        raise DomainError(_("Write the pledge in Korean."), code="pledge_text_required")
    locked = EvaluationRound.objects.select_for_update().get(pk=round.pk)
    newest = RoundPledge.objects.filter(round=locked).aggregate(v=Max("version"))["v"] or 0
    pledge = RoundPledge.objects.create(
        round=locked, version=newest + 1, text_ko=text_ko.strip(), text_en=(text_en or "").strip(), created_by=by
    )
    audit_record(actor=by, obj=locked, verb="pledge_written", data={"version": pledge.version})
    return pledge


def pledge_editable(pledge: RoundPledge) -> bool:
    """A pledge's text is fixed once someone accepted it: a change is a new version."""
    return pledge.pk is None or not pledge.acceptances.exists()


@transaction.atomic
def pledge_accept(*, round: EvaluationRound, evaluator: Evaluator, language: str) -> PledgeAcceptance:  # noqa: A002
    """Record that the evaluator accepted the round's newest pledge, read in `language`. Accepting
    again changes nothing."""
    pledge = pledge_current(round=round)
    if pledge is None:
        raise DomainError(_("This round asks for no pledge."), code="no_pledge")
    if (
        not round.evaluators.filter(pk=evaluator.pk).exists()
        and not Assignment.objects.filter(round=round, evaluator=evaluator).exists()
    ):
        raise DomainError(_("You do not evaluate in this round."), code="not_in_round")
    language = "en" if (language or "").startswith("en") else "ko"
    acceptance, created = PledgeAcceptance.objects.get_or_create(
        pledge=pledge, evaluator=evaluator, defaults={"language": language}
    )
    if created:
        audit_record(
            actor=evaluator.user,
            obj=round,
            verb="pledge_accepted",
            data={"version": pledge.version, "language": language, "evaluator_id": evaluator.pk},
        )
    return acceptance


@transaction.atomic
def assignment_declare_no_conflict(*, assignment: Assignment, by: Any) -> Assignment:
    """The evaluator declares they have no conflict of interest with the application (or recuses
    instead, `assignment_recuse`). Declaring again keeps the first time."""
    locked = Assignment.objects.select_for_update(of=("self",)).select_related("evaluator").get(pk=assignment.pk)
    if locked.evaluator.user_id != getattr(by, "pk", None):
        raise DomainError(_("This application is not assigned to you."), code="not_assigned")
    if locked.status == Assignment.Status.RECUSED:
        raise DomainError(_("You have recused yourself from this application."), code="recused")
    if locked.no_conflict_declared_at is None:
        locked.no_conflict_declared_at = timezone.now()
        locked.save(update_fields=["no_conflict_declared_at", "updated_at"])
        audit_record(actor=by, obj=locked, verb="no_conflict_declared")
    return locked


def pledge_missing(*, assignment: Assignment) -> dict[str, bool]:
    """What the evaluator still owes before scoring this assignment: {"pledge": …, "declaration": …}.
    Nothing when the round has no pledge. One query (two when there is a pledge)."""
    pledge = _newest_first(assignment.round_id).values("pk").first()
    if pledge is None:
        return {"pledge": False, "declaration": False}
    accepted = PledgeAcceptance.objects.filter(pledge_id=pledge["pk"], evaluator_id=assignment.evaluator_id).exists()
    return {"pledge": not accepted, "declaration": assignment.no_conflict_declared_at is None}


def pledge_ensure_done(*, assignment: Assignment) -> None:
    """Refuse scoring until the evaluator accepted the round's pledge and declared no conflict."""
    missing = pledge_missing(assignment=assignment)
    if missing["pledge"]:
        raise DomainError(
            _("Accept the round's integrity and confidentiality pledge before scoring."), code="pledge_required"
        )
    if missing["declaration"]:
        raise DomainError(
            _("Declare that you have no conflict of interest with this application before scoring."),
            code="declaration_required",
        )
