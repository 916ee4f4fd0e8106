"""Evaluator pages: my assignments, and one application's score sheet."""

from collections import OrderedDict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from core.errors import DomainError
from core.i18n import localized
from matching.forms import WelcomeForm
from matching.models import Assignment
from matching.scoring import CriterionSpec, review_total
from matching.selectors import assignment_application_view, assignment_for_scoring, assignments_of
from matching.services import assignment as assignment_service
from matching.services.evaluators import evaluator_accept_invitation
from matching.services.reviews import ReviewIncomplete, review_editable, review_problems, review_save, review_submit


@login_required
def assignment_list(request: HttpRequest) -> HttpResponse:
    rounds: OrderedDict = OrderedDict()
    for assignment in assignments_of(user=request.user):
        group = rounds.setdefault(assignment.round_id, {"round": assignment.round, "assignments": [], "submitted": 0})
        group["assignments"].append(assignment)
        group["submitted"] += assignment.status == Assignment.Status.SUBMITTED
    for group in rounds.values():
        total = sum(a.status != Assignment.Status.RECUSED for a in group["assignments"])
        group["total"] = total
        group["percent"] = round(100 * group["submitted"] / total) if total else 100
    return render(request, "evaluator/assignment_list.html", {"rounds": list(rounds.values())})


def _review_total(criteria, values) -> Decimal | None:
    """The review's total on the 0–100 scale (the scoring rule), once every criterion has a score."""
    if not criteria or any(values.get(c.pk) in (None, "") for c in criteria):
        return None
    try:
        scores = {c.pk: float(Decimal(str(values[c.pk]))) for c in criteria}
    except ArithmeticError:  # a typed value that is not a number: no total yet
        return None
    specs = [CriterionSpec(id=c.pk, code=c.code, weight=c.weight, max_score=c.max_score) for c in criteria]
    return Decimal(str(review_total(scores, specs))).quantize(Decimal("0.1"))


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        assignment = assignment_for_scoring(user=request.user, pk=pk)
    except Assignment.DoesNotExist:
        raise Http404 from None
    criteria = list(assignment.round.criteria.all())
    review = getattr(assignment, "review", None)  # the missing reverse one-to-one is an AttributeError
    saved = {s.criterion_id: s.value for s in review.scores.all()} if review else {}
    errors: dict[str, list[str]] = {}
    values = {c.pk: saved.get(c.pk) for c in criteria}
    comment = review.comment if review else ""
    if request.method == "POST":
        values = {c.pk: request.POST.get(f"score-{c.pk}", "").strip() for c in criteria}
        comment = request.POST.get("comment", "")
        try:
            errors = review_save(assignment=assignment, by=request.user, scores=values, comment=comment)
            if not errors and request.POST.get("action") == "submit":
                review_submit(assignment=assignment, by=request.user)
                messages.success(request, _("Review submitted. You can still change it until scoring closes."))
                return redirect("evaluator:list")
            if not errors:
                messages.success(request, _("Saved."))
                return redirect("evaluator:detail", pk=assignment.pk)
        except ReviewIncomplete as incomplete:
            errors = incomplete.problems
        except DomainError as error:
            messages.error(request, error.message)
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
    context = {
        "assignment": assignment,
        "round": assignment.round,
        "rows": rows,
        "comment": comment,
        "errors": errors,
        "total": _review_total(criteria, values),
        "missing": review_problems(review, criteria) if assignment.status != Assignment.Status.SUBMITTED else {},
        "editable": review_editable(assignment),
        **assignment_application_view(assignment),
    }
    return render(request, "evaluator/assignment_detail.html", context, status=400 if errors else 200)


@login_required
@require_POST
def assignment_recuse(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        assignment = assignment_for_scoring(user=request.user, pk=pk)
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
