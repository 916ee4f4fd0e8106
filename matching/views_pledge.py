"""Evaluator pages for a round's pledge (청렴·비밀유지 서약) and the no-conflict declaration on an
assignment; thin: the services in matching/services/pledges.py decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from matching.models import Assignment
from matching.selectors import assignment_for_scoring
from matching.services.pledges import assignment_declare_no_conflict, pledge_accept, pledge_current, pledge_missing
from matching.views_evaluator import _second_factor_first


def _assignment(request: HttpRequest, pk: int) -> Assignment:
    try:
        return assignment_for_scoring(actor=request.user, pk=pk)
    except Assignment.DoesNotExist:
        raise Http404 from None


@login_required
@_second_factor_first
@require_http_methods(["GET", "POST"])
def pledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's newest pledge in the evaluator's language (Korean when no English text), and
    "I accept"; then back to the score sheet."""
    assignment = _assignment(request, pk)
    current = pledge_current(round=assignment.round)
    if current is None:
        return redirect("evaluator:detail", pk=pk)
    language = "en" if (get_language() or "ko").startswith("en") and current.text_en else "ko"
    if request.method == "POST":
        try:
            pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language=language)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you: your pledge is recorded."))
            return redirect("evaluator:detail", pk=pk)
    return render(
        request,
        "evaluator/pledge.html",
        {
            "assignment": assignment,
            "round": assignment.round,
            "pledge": current,
            "text": current.text_en if language == "en" else current.text_ko,
            "shown_in_korean": language == "ko" and not (get_language() or "ko").startswith("ko"),
            "accepted": not pledge_missing(assignment=assignment)["pledge"],
        },
    )


@login_required
@_second_factor_first
@require_POST
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    if request.POST.get("no_conflict") != "yes":
        messages.error(request, _("Tick the box to declare that you have no conflict of interest."))
        return redirect("evaluator:detail", pk=pk)
    try:
        assignment_declare_no_conflict(assignment=assignment, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Declared: you have no conflict of interest with this application."))
    return redirect("evaluator:detail", pk=pk)
