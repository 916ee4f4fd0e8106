"""Public pages: the list of open calls and a program's page. No login needed."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from matching import selectors
from matching.windows import application_window


def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    programs = list(selectors.programs_accepting_or_upcoming(now=now))
    for program in programs:
        program.window = application_window(program, now=now)
    return render(
        request,
        "public/home.html",
        {
            "open_programs": [p for p in programs if p.window.is_open],
            "upcoming_programs": [p for p in programs if p.window.is_upcoming],
        },
    )


def program_detail(request: HttpRequest, slug: str) -> HttpResponse:
    program = selectors.program_public_get(slug=slug)
    window = application_window(program, now=timezone.now())
    return render(
        request,
        "public/program_detail.html",
        {
            "program": program,
            "window": window,
            "default_max_mb": settings.MATCHDAY_UPLOAD_MAX_BYTES // (1024 * 1024),
        },
    )
