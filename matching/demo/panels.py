"""Panels and criteria per track in the demo: round 2 (the presentation review with OpenAI) splits its
pool into one panel per track, OpenAI's staff sitting on both, and scores a hardware criterion in the
"AI combined with chips, robots" track only. Its applications are those round 1 advances, so the
assignment (panel by panel) runs when staff assign round 2 after round 1's results."""

from decimal import Decimal

from django.db.models import Max

from matching import models as m

HARDWARE = {
    "code": "hardware",
    "label_ko": "하드웨어 연계·양산 계획",
    "label_en": "Hardware integration and production plan",
    "description_ko": "칩·로봇 등 하드웨어와의 결합 수준과 양산·공급망 계획의 구체성 (AI 융합 분야만 평가)",
    "description_en": (
        "How far the product is combined with chips, robots and the like, and how concrete the plan for "
        "production and supply is (scored in the AI-combined track only)."
    ),
    "weight": Decimal("20"),
    "max_score": Decimal("20"),
}


def panels_ensure(*, program: m.Program) -> int:
    """Write round 2's panels and its track-only criterion once (nothing when the round already has
    panels, or when the program lacks its two tracks or round 2). Returns rows written."""
    round_ = m.EvaluationRound.objects.filter(program=program, order=2).first()
    tracks = {t.code: t for t in m.Track.objects.filter(program=program, code__in=("api", "collab"))}
    if round_ is None or len(tracks) < 2 or m.Panel.objects.filter(round=round_).exists():
        return 0
    pool = list(round_.evaluators.order_by("pk"))
    openai = [e for e in pool if e.organisation == "OpenAI"]
    experts = [e for e in pool if e.organisation != "OpenAI"]
    middle = len(experts) // 2
    api = m.Panel.objects.create(round=round_, name_ko="API 활용 분과", name_en="API panel")
    api.tracks.add(tracks["api"])
    api.evaluators.add(*openai, *experts[: middle + 1])
    collab = m.Panel.objects.create(round=round_, name_ko="AI 융합 분과", name_en="AI-combined panel")
    collab.tracks.add(tracks["collab"])
    collab.evaluators.add(*openai, *experts[middle:])
    order = (round_.criteria.aggregate(last=Max("order"))["last"] or 0) + 1
    hardware, created = m.Criterion.objects.get_or_create(
        round=round_,
        code=HARDWARE["code"],
        defaults={**{k: v for k, v in HARDWARE.items() if k != "code"}, "order": order},
    )
    hardware.tracks.add(tracks["collab"])
    return 2 + int(created)
