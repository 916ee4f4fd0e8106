"""Partner pages (`/partner/`): a partner member's programs, their finalists as submitted (what partners
may read, English first), the partner's ranking of them, and its availability for the Matching Day.

Only signed-in current partner members (`PartnerMembership.objects.current()`) get in; anyone else
signed in gets a 403 page, and visitors go to sign in. The pages are English unless the person chose
another language with the switcher (the language cookie)."""

import datetime as dt
import functools
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.i18n import format_datetime, format_time_span, localized
from matching.models import (
    Availability,
    MeetingEvent,
    PartnerMembership,
    PartnerRanking,
    PartnerRankingEntry,
    ProgramPartner,
    Question,
)
from matching.selectors import matching_runs_visible_to
from matching.services.availability import AvailabilityInvalid, Window, availability_set, event_days
from matching.services.rankings import (
    FINALIST_STATUSES,
    NOT_INTERESTED,
    RankingInvalid,
    RankingSheetInvalid,
    ranking_import,
    ranking_open,
    ranking_save,
)
from startups.answers import answer_display
from startups.models import Submission
from startups.selectors import applications_visible_to, attachments_visible_to, submission_for_partner

KST = ZoneInfo("Asia/Seoul")
WINDOW_ROWS = 3  # empty rows offered for new windows


def partner_member_required(view):
    """Signed in (else to sign-in) and a current member of at least one partner (else 403). The
    person's partners go to the view as `request.partner_ids` (ids of the partners they currently belong to)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:  # no choice made with the switcher
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
        partner_ids = list(
            PartnerMembership.objects.current().filter(user=request.user).values_list("partner_id", flat=True)
        )
        if not partner_ids:
            return render(request, "partner/forbidden.html", status=403)
        request.partner_ids = partner_ids
        return view(request, *args, **kwargs)

    return wrapper


def _link_for(request: HttpRequest, program_id: int) -> ProgramPartner:
    """The person's partner in the program (404 when none of their partners takes part)."""
    link = (
        ProgramPartner.objects.filter(program_id=program_id, partner_id__in=request.partner_ids)
        .select_related("program", "partner")
        .order_by("partner__name", "pk")
        .first()
    )
    if link is None:
        raise Http404
    return link


def _window_text(starts, ends, zone: ZoneInfo) -> str:
    """`Sun 14 Mar 2027, 10:00–12:30 PDT (Mon 15 Mar 2027, 02:00–04:30 KST)`: the venue's time, then Korea's."""

    venue = format_time_span(starts, ends, zone)
    return venue if zone.key == "Asia/Seoul" else f"{venue} ({format_time_span(starts, ends, KST)})"


def _hours_in_kst(event: MeetingEvent, zone: ZoneInfo) -> str:
    """The event's first day's hours in Korea time, with the date (it is often another day there)."""
    starts = dt.datetime.combine(event.starts_on, event.day_starts, tzinfo=zone)
    ends = dt.datetime.combine(event.starts_on, event.day_ends, tzinfo=zone)
    return format_time_span(starts, ends, KST)


def _agenda_url() -> str | None:
    try:
        return reverse("meetings:agenda")
    except NoReverseMatch:  # the agenda pages are not installed
        return None


@partner_member_required
def home(request: HttpRequest) -> HttpResponse:
    links = list(
        ProgramPartner.objects.filter(partner_id__in=request.partner_ids)
        .select_related("program", "partner", "ranking_round")
        .annotate(
            finalists=Count(
                "program__applications",
                filter=Q(program__applications__status__in=FINALIST_STATUSES),
            )
        )
        .order_by("-program__closes_at", "partner__name")
    )
    program_ids = {link.program_id for link in links}
    rankings = {
        (r.program_id, r.partner_id): r
        for r in PartnerRanking.objects.filter(program_id__in=program_ids, partner_id__in=request.partner_ids)
    }
    events = defaultdict(list)
    for event in MeetingEvent.objects.filter(program_id__in=program_ids, kind=MeetingEvent.Kind.MATCHING_DAY):
        days = date_format(event.starts_on, "DATE_FORMAT")
        if event.ends_on != event.starts_on:
            days = f"{days} – {date_format(event.ends_on, 'DATE_FORMAT')}"
        events[event.program_id].append({"event": event, "days": days})
    matched = _published_matches(request, program_ids)
    programs = [
        {
            "link": link,
            "program": link.program,
            "matching": matched.get((link.program_id, link.partner_id)),
            "name": localized(link.program, "name"),
            "ranking": rankings.get((link.program_id, link.partner_id)),
            "deadline": format_datetime(link.program.ranking_deadline) if link.program.ranking_deadline else None,
            "open": ranking_open(link.program),
            "events": events[link.program_id],
        }
        for link in links
    ]
    return render(request, "partner/home.html", {"programs": programs, "agenda_url": _agenda_url()})


def _published_matches(request: HttpRequest, program_ids: set[int]) -> dict[tuple[int, int], dict]:
    """For each (program, partner) of the member's: the published matching in force, if any, with the
    names of the startups matched to that partner (`matching_runs_visible_to`): two queries, one when
    nothing is published."""
    runs = list(matching_runs_visible_to(actor=request.user).filter(program_id__in=program_ids))
    own = frozenset(request.partner_ids)  # the member's current partners (partner_member_required)
    wanted = {
        int(application): partner for run in runs for application, partner in run.assignment.items() if partner in own
    }
    english = translation.get_language() != "ko"
    names = {
        pk: (name_en or name_ko) if english else name_ko
        for pk, name_ko, name_en in applications_visible_to(actor=request.user)
        .filter(pk__in=wanted)
        .values_list("pk", "startup__name_ko", "startup__name_en")
    }
    matches: dict[tuple[int, int], dict] = {}
    for run in runs:
        for partner in own:
            startups = sorted(
                names.get(int(application)) or "—"
                for application, matched_partner in run.assignment.items()
                if matched_partner == partner
            )
            matches[(run.program_id, partner)] = {"published": format_datetime(run.published_at), "startups": startups}
    return matches


def _as_text(value) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def _submitted_versions(application_ids: list[int]) -> dict[int, dict]:
    last = Submission.objects.filter(application_id=OuterRef("application_id")).order_by("-number").values("number")
    rows = Submission.objects.filter(application_id__in=application_ids, number=Subquery(last[:1]))
    return dict(rows.values_list("application_id", "snapshot"))


@partner_member_required
def finalists(request: HttpRequest, program_id: int) -> HttpResponse:
    """Each finalist as last submitted, as partners may read it: the English summary and answers first
    (where the program asks for them), then the original; no BRN, no bonus flags, no declarations."""
    link = _link_for(request, program_id)
    program = link.program
    applications = list(
        applications_visible_to(actor=request.user)
        .filter(program=program)
        .select_related("startup", "track")
        .order_by("receipt_number", "pk")
    )
    ids = [a.pk for a in applications]
    versions = _submitted_versions(ids)
    questions = {q.code: q for q in Question.objects.filter(program=program).order_by("order", "pk")}
    files = defaultdict(list)
    for attachment in attachments_visible_to(actor=request.user, applications=ids).order_by("pk"):
        files[attachment.application_id].append(attachment)
    cards = []
    for application in applications:
        version = submission_for_partner(versions.get(application.pk) or {}, questions=questions)
        english = version.get("answers_en") or {}
        shown_files = {f["id"] for f in version.get("attachments", [])}
        answers = [
            {
                "label": localized(question, "label"),
                "english": english.get(code, ""),
                "original": _as_text(answer_display(question, version["answers"].get(code))),
            }
            for code, question in questions.items()
            if code in version["answers"] or code in english
        ]
        startup = version.get("startup") or {}
        cards.append(
            {
                "application": application,
                "title": version.get("title") or application.title,
                "startup_name": startup.get("name_en") or startup.get("name_ko") or application.startup.name_ko,
                "startup": startup,
                "summary_en": version.get("summary_en", ""),
                "summary": version.get("summary", ""),
                "answers": answers,
                "files": [f for f in files[application.pk] if f.pk in shown_files],
            }
        )
    return render(
        request,
        "partner/finalists.html",
        {"link": link, "program": program, "name": localized(program, "name"), "cards": cards},
    )


def _rank_text(entry: PartnerRankingEntry | None) -> tuple[str, bool]:
    if entry is None:
        return "", False
    return ("", True) if entry.not_interested else (str(entry.rank or ""), False)


@partner_member_required
def ranking(request: HttpRequest, program_id: int) -> HttpResponse:
    """The partner's ranking: a rank or "not interested" per finalist, saved as a draft or submitted,
    or imported from a sheet; taken whole or refused whole (what was typed stays, errors beside it)."""
    link = _link_for(request, program_id)
    program, partner = link.program, link.partner
    applications = list(
        applications_visible_to(actor=request.user)
        .filter(program=program)
        .select_related("startup")
        .order_by("receipt_number", "pk")
    )
    stored = PartnerRanking.objects.filter(program=program, partner=partner).first()
    entries = {e.application_id: e for e in stored.entries.all()} if stored else {}
    values = {a.pk: _rank_text(entries.get(a.pk)) for a in applications}
    problems: dict[str, list[str]] = {}
    editable = ranking_open(program) and link.ranking_round_id is None
    if request.method == "POST" and editable:
        action = request.POST.get("action", "save")
        try:
            if action == "import":
                upload = request.FILES.get("sheet")
                if upload is None:
                    raise RankingSheetInvalid({"sheet": [_("Choose a CSV or Excel file to import.")]})
                ranking_import(
                    program=program,
                    partner=partner,
                    file=upload,
                    by=request.user,
                    submit=bool(request.POST.get("submit")),
                )
            else:
                values = {
                    a.pk: (request.POST.get(f"rank-{a.pk}", "").strip(), bool(request.POST.get(f"not-{a.pk}")))
                    for a in applications
                }
                both = {
                    f"entry:{pk}": [_("Give a rank or mark the startup not interested, not both.")]
                    for pk, (rank, not_interested) in values.items()
                    if rank and not_interested
                }
                if both:
                    raise RankingInvalid(both)
                ranking_save(
                    program=program,
                    partner=partner,
                    entries={pk: NOT_INTERESTED if ni else rank for pk, (rank, ni) in values.items()},
                    by=request.user,
                    submit=action == "submit",
                )
        except (RankingInvalid, RankingSheetInvalid) as refused:
            problems = refused.problems
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("partner:ranking", program_id=program.pk)
        else:
            if action == "submit" or (action == "import" and request.POST.get("submit")):
                messages.success(request, _("Ranking submitted. You can change it until the ranking deadline."))
            elif stored is not None and stored.status == PartnerRanking.Status.SUBMITTED:
                messages.warning(request, _("Saved as a draft: the ranking is no longer submitted. Submit it again."))
            else:
                messages.success(request, _("Ranking saved as a draft."))
            return redirect("partner:ranking", program_id=program.pk)
    versions = _submitted_versions([a.pk for a in applications])  # the title as submitted, in English
    rows = [
        {
            "application": a,
            "title": (versions.get(a.pk) or {}).get("title") or a.title,
            "startup_name": ((versions.get(a.pk) or {}).get("startup") or {}).get("name_en")
            or a.startup.name_en
            or a.startup.name_ko,
            "rank": values[a.pk][0],
            "not_interested": values[a.pk][1],
            "errors": problems.get(f"entry:{a.pk}", []),
        }
        for a in applications
    ]
    general = [m for key, texts in problems.items() if not key.startswith("entry:") for m in texts]
    # Import problems about a finalist (a submitted sheet missing one) are shown with the sheet's.
    general += [m for row in rows for m in row["errors"]] if request.POST.get("action") == "import" else []
    context = {
        "link": link,
        "program": program,
        "name": localized(program, "name"),
        "ranking": stored,
        "rows": rows,
        "general_errors": general,
        "has_errors": bool(problems),
        "editable": editable,
        "ranks_by_round": link.ranking_round_id is not None,
        "deadline": format_datetime(program.ranking_deadline) if program.ranking_deadline else None,
        "submitted_at": format_datetime(stored.submitted_at) if stored and stored.submitted_at else None,
    }
    return render(request, "partner/ranking.html", context, status=400 if problems else 200)


@partner_member_required
def availability(request: HttpRequest, event_id: int) -> HttpResponse:
    """The partner's time windows for a Matching Day, in the venue's time (KST beside it)."""
    event = MeetingEvent.objects.filter(pk=event_id, kind=MeetingEvent.Kind.MATCHING_DAY).first()
    if event is None:
        raise Http404
    link = _link_for(request, event.program_id)
    zone = ZoneInfo(event.time_zone)
    saved = list(Availability.objects.filter(event=event, partner=link.partner).order_by("starts_at"))
    windows = [
        Window(
            day=timezone.localtime(a.starts_at, zone).date().isoformat(),
            starts=timezone.localtime(a.starts_at, zone).strftime("%H:%M"),
            ends=timezone.localtime(a.ends_at, zone).strftime("%H:%M"),
        )
        for a in saved
    ]
    windows += [Window(day=event.starts_on.isoformat(), starts="", ends="")] * WINDOW_ROWS
    problems: dict[str, list[str]] = {}
    editable = event.status == MeetingEvent.Status.PLANNING
    if request.method == "POST" and editable:
        count = min(int(request.POST.get("rows", "0") or 0), 50)
        windows = [
            Window(
                day=request.POST.get(f"day-{i}", ""),
                starts=request.POST.get(f"starts-{i}", ""),
                ends=request.POST.get(f"ends-{i}", ""),
            )
            for i in range(count)
        ]
        try:
            availability_set(event=event, partner=link.partner, windows=windows, by=request.user)
        except AvailabilityInvalid as refused:
            problems = refused.problems
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("partner:availability", event_id=event.pk)
        else:
            messages.success(request, _("Availability saved."))
            return redirect("partner:availability", event_id=event.pk)
    days = [(day.isoformat(), date_format(day, "DATE_FORMAT")) for day in event_days(event)]
    rows = [{"index": i, "window": w, "errors": problems.get(f"window:{i}", [])} for i, w in enumerate(windows)]
    saved_text = [_window_text(a.starts_at, a.ends_at, zone) for a in saved]
    context = {
        "event": event,
        "link": link,
        "days": days,
        "rows": rows,
        "saved": saved_text,
        "editable": editable,
        "has_errors": bool(problems),
        "zone": event.time_zone,
        "hours": f"{event.day_starts:%H:%M}–{event.day_ends:%H:%M}",
        "hours_kst": _hours_in_kst(event, zone),
    }
    return render(request, "partner/availability.html", context, status=400 if problems else 200)
