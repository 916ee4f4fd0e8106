"""Membership and per-applicant deadlines in the demo: a startup with a pending request to join, one
with two members; one draft with its deadline extended, one application asked for a correction
(보완 요청). Rows are written directly (the demo sends nothing); a second run writes nothing."""

import datetime as dt

from django.utils import timezone

from accounts.models import User
from matching import models as m
from startups import models as s

A = s.Application.Status
M = s.StartupMember
PD = s.PersonalDeadline
# (e-mail, name): the teammate who joined, and the person still asking to join.
TEAMMATE = ("minseo.han@motionforge.example.com", "한민서")
ASKING = ("jiwoo.park@wavelogic.example.com", "박지우")
EXTENSION_REASON = "마감 당일 서버 장애로 제출하지 못한 사실이 확인되어 개별 마감을 연장합니다."
CORRECTION_MESSAGE = "사업자등록증명원(최근 3개월 이내 발급본)을 첨부하고, 매출액을 재무제표와 일치하게 수정해 주세요."


def _person(email: str, name: str, password_hash) -> User:
    user = User.objects.filter(email=email).first()
    return user or User.objects.create(email=email, name=name, password=password_hash())


def members_ensure(*, program: m.Program, staff: User | None, password_hash, now: dt.datetime | None = None) -> int:
    """Write the demo's membership and personal-deadline states unless they exist. Returns how many
    rows it wrote."""
    written = 0
    now = now or timezone.now()
    owners = (
        M.objects.filter(startup__applications__program=program, role=M.Role.OWNER, status=M.Status.ACTIVE)
        .select_related("user", "startup")
        .order_by("startup__applications__receipt_number", "pk")
    )
    by_email = {o.user.email: o for o in owners}
    for (email, name), owner_email, status in (
        (TEAMMATE, "leej@motionforge.example.com", M.Status.ACTIVE),
        (ASKING, "yeonwoo@wavelogic.example.com", M.Status.REQUESTED),
    ):
        owner = by_email.get(owner_email) or next(iter(by_email.values()), None)
        if owner is None:
            continue
        user = _person(email, name, password_hash)
        _member, created = M.objects.get_or_create(
            startup=owner.startup, user=user, defaults={"role": M.Role.MEMBER, "status": status}
        )
        written += int(created)
    if not PD.objects.filter(application__program=program).exists():
        draft = s.Application.objects.filter(program=program, status=A.DRAFT).order_by("pk").first()
        correctable = (
            s.Application.objects.filter(program=program, status__in=(A.SUBMITTED, A.INELIGIBLE))
            .order_by("-status", "pk")  # a submitted one when there is one
            .first()
        )
        rows = [
            PD(application=application, kind=kind, until=now + dt.timedelta(days=days), reason=reason, created_by=staff)
            for application, kind, days, reason in (
                (draft, PD.Kind.EXTENSION, 14, EXTENSION_REASON),
                (correctable, PD.Kind.CORRECTION, 7, CORRECTION_MESSAGE),
            )
            if application is not None
        ]
        written += len(PD.objects.bulk_create(rows))
    return written
