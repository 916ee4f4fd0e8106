"""Appeals (이의신청) and feedback in the demo, on the second program's published round: the round
shares everything (score and rank band, criterion means, comments for the applicant) and its appeal
window is open; four applicants who were not selected have submitted reviews with comments written
for them, and three of them show an appeal: one filed (open), one upheld with an answer, one
dismissed with an answer. Written directly (nothing is sent), once."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from accounts.models import User
from matching import models as m
from startups import models as s

CRITERIA = (
    ("technology", "기술성", "Technology", Decimal("40")),
    ("market", "시장성", "Market", Decimal("30")),
    ("team", "팀 역량", "Team", Decimal("30")),
)
COMMENTS = (
    "기술 차별성이 분명합니다. 다만 시장 검증 자료(유료 고객, 계약)가 보완되면 좋겠습니다.",
    "팀 구성이 탄탄합니다. 사업화 일정과 소요 예산을 더 구체적으로 제시해 주세요.",
    "문제 정의가 명확합니다. 경쟁 서비스와의 비교가 부족했습니다.",
)
REASONS = (
    "시장성 항목에서 이미 체결한 공급 계약 2건이 반영되지 않은 것으로 보입니다. 재검토를 요청드립니다.",
    "제출한 특허 등록증이 기술성 평가에 반영되지 않았습니다. 평가표 확인을 부탁드립니다.",
    "팀 역량 점수가 다른 항목에 비해 낮은 이유를 알고 싶습니다.",
)
ANSWER_UPHELD = (
    "검토 결과, 제출하신 공급 계약서가 평가 과정에서 누락된 것을 확인했습니다. "
    "해당 항목을 다시 평가하여 결과를 별도로 안내해 드리겠습니다."
)
ANSWER_DISMISSED = (
    "평가위원회에서 평가표와 제출 서류를 다시 확인했으며, 평가 기준에 따라 적정하게 평가되었음을 확인했습니다. "
    "팀 역량 항목의 평가 의견은 신청 현황 페이지에서 확인하실 수 있습니다."
)


def appeal_ensure(*, program: m.Program | None, staff: User | None, now: dt.datetime | None = None) -> int:
    """Write the appeal and feedback states once (nothing when the round has appeals already, or the
    program has no published round). Returns how many rows it wrote."""
    if program is None:
        return 0
    round_ = program.rounds.filter(status=m.EvaluationRound.Status.PUBLISHED).order_by("order").first()
    if round_ is None or m.Appeal.objects.filter(round=round_).exists():
        return 0
    now = now or timezone.now()
    m.EvaluationRound.objects.filter(pk=round_.pk).update(
        appeal_days=7,
        appeals_close_at=now + dt.timedelta(days=3),  # the demo keeps the window open
        feedback_score=True,
        feedback_criterion_means=True,
        feedback_comments=True,
    )
    written = 1
    criteria = list(round_.criteria.order_by("order", "pk"))
    if not criteria:
        criteria = m.Criterion.objects.bulk_create(
            [
                m.Criterion(
                    round=round_, code=code, label_ko=ko, label_en=en, weight=weight, max_score=Decimal("10"), order=i
                )
                for i, (code, ko, en, weight) in enumerate(CRITERIA, 1)
            ]
        )
        written += len(criteria)
    results = list(
        m.RoundResult.objects.filter(
            round=round_,
            application__selection_entry__outcome=m.SelectionEntry.Outcome.NOT_SELECTED,
            final_score__isnull=False,
        )
        .select_related("application")
        .order_by("rank")[:4]
    )
    evaluators = list(m.Evaluator.objects.order_by("pk")[:3])
    if len(results) < 4 or len(evaluators) < 3:
        return written
    members = {
        member.startup_id: member.user
        for member in s.StartupMember.objects.active()
        .filter(startup_id__in=[r.application.startup_id for r in results])
        .select_related("user")
        .order_by("-pk")
    }
    submitted_at = round_.closes_at - dt.timedelta(days=1)
    for number, result in enumerate(results):
        fraction = result.final_score / 100
        assignments = m.Assignment.objects.bulk_create(
            [
                m.Assignment(
                    round=round_,
                    application=result.application,
                    evaluator=evaluator,
                    status=m.Assignment.Status.SUBMITTED,
                    no_conflict_declared_at=round_.opens_at,
                )
                for evaluator in evaluators
            ]
        )
        reviews = m.Review.objects.bulk_create(
            [
                m.Review(
                    assignment=assignment,
                    comment="내부 검토용 의견 (신청자에게 보이지 않음)",
                    comment_for_applicant=COMMENTS[(i + number) % len(COMMENTS)],
                    submitted_at=submitted_at,
                )
                for i, assignment in enumerate(assignments)
            ]
        )
        scores = []
        for i, review in enumerate(reviews):
            for j, criterion in enumerate(criteria):
                # Around the result's final score, each review and criterion a little apart.
                value = (criterion.max_score * fraction + Decimal((i + j) % 3 - 1) / 2).quantize(
                    Decimal("0.5"), ROUND_HALF_UP
                )
                value = min(max(value, Decimal("0")), criterion.max_score)
                scores.append(
                    m.Score(
                        review=review, criterion=criterion, round=round_, value=value, max_score=criterion.max_score
                    )
                )
        m.Score.objects.bulk_create(scores)
        written += len(assignments) + len(reviews) + len(scores)
    decided_at = now - dt.timedelta(hours=5)
    appeals = [
        m.Appeal(
            round=round_,
            application=results[0].application,
            filed_by=members.get(results[0].application.startup_id),
            reason=REASONS[0],
        ),
        m.Appeal(
            round=round_,
            application=results[1].application,
            filed_by=members.get(results[1].application.startup_id),
            reason=REASONS[1],
            status=m.Appeal.Status.UPHELD,
            answer=ANSWER_UPHELD,
            decided_by=staff,
            decided_at=decided_at,
        ),
        m.Appeal(
            round=round_,
            application=results[2].application,
            filed_by=members.get(results[2].application.startup_id),
            reason=REASONS[2],
            status=m.Appeal.Status.DISMISSED,
            answer=ANSWER_DISMISSED,
            decided_by=staff,
            decided_at=decided_at,
        ),
    ]
    m.Appeal.objects.bulk_create(appeals)
    return written + len(appeals)
