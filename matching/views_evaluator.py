"""Evaluator pages: my assignments, and one application's score sheet."""

import re
from collections import OrderedDict
from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.second_factor import evaluator_second_factor_missing
from core.errors import DomainError
from core.i18n import localized
from matching.forms import WelcomeForm
from matching.models import Assignment, EvaluationRound
from matching.scoring import SHOWN_PLACES, CriterionSpec, review_total, rounded
from matching.selectors import assignment_application_view, assignment_for_scoring, assignments_of
from matching.services import assignment as assignment_service
from matching.services.evaluators import evaluator_accept_invitation
from matching.services.pledges import pledge_missing
from matching.services.reviews import (
    COMMENT_MAX_LENGTH,
    SCORE_PLACES,
    ReviewInvalid,
    plain_decimal,
    review_editable,
    review_save,
)
from matching.services.scoring import criteria_for_track
from matching.windows import format_korea_time


def _second_factor_first(view):
    """A program may ask its evaluators for a second sign-in step: they enrol before their pages."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if evaluator_second_factor_missing(request):
            messages.warning(
                request,
                _(
                    "A program you evaluate for asks for a second sign-in step: set up an authenticator app (or a "
                    "passkey) before opening your assignments."
                ),
            )
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapped


@login_required
@_second_factor_first
def assignment_list(request: HttpRequest) -> HttpResponse:
    rounds: OrderedDict = OrderedDict()
    for assignment in assignments_of(actor=request.user):
        group = rounds.setdefault(assignment.round_id, {"round": assignment.round, "assignments": [], "submitted": 0})
        group["assignments"].append(assignment)
        group["submitted"] += assignment.status == Assignment.Status.SUBMITTED
    now = timezone.now()
    for group in rounds.values():
        round_ = group["round"]
        # A round still marked scoring whose closing time has passed reads "closed", never "0 minutes left".
        group["scoring_open"] = round_.status == EvaluationRound.Status.SCORING and now < round_.closes_at
        total = len(group["assignments"])  # in force only: an assignment stepped aside from is gone
        group["total"] = total
        group["percent"] = round(100 * group["submitted"] / total) if total else 100
    return render(request, "evaluator/assignment_list.html", {"rounds": list(rounds.values())})


HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def _answers_only_in_korean(application_view: dict) -> bool:
    """Whether to tell a reader of a non-Korean interface that the answers are shown as written, in
    Korean: the answers (and summary) are in the applicant's language, never translated."""
    if (get_language() or "ko").startswith("ko"):
        return False
    texts = [str(value) for _label, value in application_view["answers"]]
    texts.append(str(application_view["snapshot"].get("summary", "")))
    return any(HANGUL.search(text) for text in texts)


def _review_total(criteria, saved) -> Decimal | None:
    """The saved review's total on the 0–100 scale (the scoring rule), shown to `SHOWN_PLACES` decimals
    (half-up), once every criterion has a score. static/js/score_sheet.js computes the same while scores
    are typed, from the weights, maxima and places the template gives it."""
    if not criteria or any(saved.get(c.pk) is None for c in criteria):
        return None
    specs = [CriterionSpec(id=c.pk, code=c.code, weight=c.weight, max_score=c.max_score) for c in criteria]
    return rounded(review_total({c.pk: saved[c.pk] for c in criteria}, specs), SHOWN_PLACES)


@login_required
@_second_factor_first
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The score sheet. A save or a submission is taken whole or refused whole (`review_save`): a
    refused one answers 400 with every problem beside its field, what was typed still in the fields,
    and the review as it was."""
    try:
        assignment = assignment_for_scoring(actor=request.user, pk=pk)
    except Assignment.DoesNotExist:
        raise Http404 from None
    pledge_needs = pledge_missing(assignment=assignment)  # a round with a pledge: accepted, then declared
    if pledge_needs["pledge"] and review_editable(assignment):
        return redirect("evaluator:pledge", pk=assignment.pk)
    # Only the criteria of the application's track (a round may limit some to tracks).
    criteria = list(criteria_for_track(round_id=assignment.round_id, track_id=assignment.application.track_id))
    review = getattr(assignment, "review", None)  # the missing reverse one-to-one is an AttributeError
    saved = {s.criterion_id: s.value for s in review.scores.all()} if review else {}
    errors: dict[str, list[str]] = {}
    # A saved 7.50 shows as "7.5", as a person types it (10.00 is "10").
    values = {c.pk: plain_decimal(saved[c.pk]) if c.pk in saved else "" for c in criteria}
    comment = review.comment if review else ""
    comment_for_applicant = review.comment_for_applicant if review else ""
    if request.method == "POST":
        values = {c.pk: request.POST.get(f"score-{c.pk}", "").strip() for c in criteria}
        comment = request.POST.get("comment", "")
        comment_for_applicant = request.POST.get("comment_for_applicant", "")
        submit = request.POST.get("action") == "submit"
        try:
            saved_assignment = review_save(
                assignment=assignment,
                by=request.user,
                scores=values,
                comment=comment,
                submit=submit,
                comment_for_applicant=comment_for_applicant,
            )
        except ReviewInvalid as refused:
            errors = refused.problems
            assignment.refresh_from_db(fields=["status"])  # the badge shows what is stored, now
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("evaluator:detail", pk=assignment.pk)
        else:
            if submit:
                messages.success(request, _("Review submitted. You can still change it until scoring closes."))
                return redirect("evaluator:list")
            submitted = Assignment.Status.SUBMITTED
            if assignment.status == submitted and saved_assignment.status != submitted:  # a draft save withdrew it
                messages.warning(
                    request,
                    _("Saved as a draft. The review is no longer submitted: submit it again before scoring closes."),
                )
            else:
                messages.success(request, _("Saved."))
            return redirect("evaluator:detail", pk=assignment.pk)
    rows = [
        {
            "criterion": c,
            "label": localized(c, "label"),
            "description": localized(c, "description"),
            "value": values.get(c.pk),
            "errors": errors.get(f"criterion:{c.code}", []),
        }
        for c in criteria
    ]
    error_summary = [(f"score-{row['criterion'].pk}", row["label"], row["errors"]) for row in rows if row["errors"]]
    if errors.get("comment"):
        error_summary.append(("comment", _("comment"), errors["comment"]))
    if errors.get("comment_for_applicant"):
        error_summary.append(("comment_for_applicant", _("comment for the applicant"), errors["comment_for_applicant"]))
    if errors.get("scores"):
        error_summary.insert(0, ("", "", errors["scores"]))
    application_view = assignment_application_view(assignment)
    context = {
        "assignment": assignment,
        "round": assignment.round,
        "closes": f"{format_korea_time(assignment.round.closes_at)} KST",
        "rows": rows,
        "comment": comment,
        "comment_for_applicant": comment_for_applicant,
        "errors": errors,
        "error_summary": error_summary,
        "comment_max_length": COMMENT_MAX_LENGTH,
        "total": _review_total(criteria, saved),
        "total_places": SHOWN_PLACES,
        "score_places": SCORE_PLACES,
        "editable": review_editable(assignment),
        **application_view,
        "answers_in_korean": _answers_only_in_korean(application_view),
        "pledge_needs": pledge_needs,
    }
    return render(request, "evaluator/assignment_detail.html", context, status=400 if errors else 200)


@login_required
@_second_factor_first
@require_POST
def assignment_recuse(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        assignment = assignment_for_scoring(actor=request.user, pk=pk)
    except Assignment.DoesNotExist:
        raise Http404 from None
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("Say why you step aside from this application."))
        return redirect("evaluator:detail", pk=pk)
    try:
        assignment_service.assignment_recuse(assignment=assignment, by=request.user, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("evaluator:detail", pk=pk)
    messages.success(request, _("You have stepped aside; staff will assign another evaluator."))
    return redirect("evaluator:list")


def welcome(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The invitation link: set a password and a profile, then go to the assignments."""
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()), evaluator_profile__isnull=False)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "evaluator/welcome_invalid.html", status=400)
    evaluator = user.evaluator_profile
    initial = {
        "name": user.name,
        "organisation": evaluator.organisation,
        "expertise": list(evaluator.expertise.all()),
        "preferred_language": user.preferred_language,
    }
    form = WelcomeForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        evaluator_accept_invitation(user=user, data=form.cleaned_data)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome. Your assignments appear here once a round opens for scoring."))
        return redirect("evaluator:list")
    return render(request, "evaluator/welcome.html", {"form": form, "evaluator": evaluator})
