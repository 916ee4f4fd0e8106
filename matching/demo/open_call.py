"""The demo's current call: the same program shape as the 2023 call, open now, so that someone
who runs `make run` can apply to it from the public pages."""

import datetime as dt

from django.utils import timezone

from matching import models as m
from matching.demo import content as c

SLUG = "gecp-2026-openai"


def open_call_ensure(*, partner: m.Partner, now: dt.datetime | None = None) -> tuple[m.Program, bool]:
    """The open call, created on first use with a deadline four weeks ahead (18:00 Korea time)."""
    program = m.Program.objects.filter(slug=SLUG).first()
    if program is not None:
        return program, False
    now = now or timezone.now()
    closes = (now + dt.timedelta(days=28)).astimezone(c.SEOUL).replace(hour=18, minute=0, second=0, microsecond=0)
    program = m.Program.objects.create(
        **{
            **c.PROGRAM,
            "slug": SLUG,
            "name_ko": c.PROGRAM["name_ko"].replace("2024", "2026"),
            "name_en": c.PROGRAM["name_en"].replace("2024", "2026"),
            "receipt_prefix": "GECP2026",
            "description_ko": (
                "중소벤처기업부와 글로벌 기업이 함께하는 스타트업 협업 프로그램의 OpenAI 공고입니다. "
                "OpenAI API를 활용하거나 AI를 칩·로봇 등과 결합한 업력 10년 미만 기업을 모집합니다. "
                "서면평가와 대면평가를 거쳐 매칭데이에서 최종 10개사를 선정합니다."
            ),
            "description_en": (
                "The OpenAI call of the Ministry of SMEs and Startups' collaboration program with global "
                "companies: startups under ten years old building on the OpenAI API, or combining AI with "
                "chips, robots and the like. A written review and an in-person review lead to the final 10, "
                "chosen at the Matching Day."
            ),
            "opens_at": now - dt.timedelta(days=3),
            "closes_at": closes,
        },
        status=m.Program.Status.OPEN,
    )
    m.ProgramPartner.objects.create(program=program, partner=partner, seats=c.PARTNER_SEATS)
    fields = ("code", "order", "name_ko", "name_en", "description_ko", "description_en", "admits_pre_founders")
    tracks = {
        t.code: t
        for t in m.Track.objects.bulk_create([m.Track(program=program, **{f: t[f] for f in fields}) for t in c.TRACKS])
    }
    m.Declaration.objects.bulk_create(
        m.Declaration(program=program, code=d["code"], text_ko=d["text_ko"], text_en=d["text_en"], order=order)
        for order, d in enumerate(c.DECLARATIONS, start=1)
    )
    m.Question.objects.bulk_create(
        m.Question(
            program=program,
            order=order,
            track=tracks[q["track"]] if "track" in q else None,
            required=q.get("required", True),
            choices=q.get("choices", []),
            **{k: v for k, v in q.items() if k not in ("track", "required", "choices")},
        )
        for order, q in enumerate(c.QUESTIONS, start=1)
    )
    return program, True
