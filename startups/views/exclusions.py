"""The applicant's exclusion requests (기피 신청) for one application: the list with staff answers,
and the form while requests are taken (before evaluators are assigned). Thin: the service decides."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from matching.services.exclusions import (
    exclusion_refusal,
    exclusion_request,
    exclusion_requests_of,
    program_is_blind,
)
from startups.models import Application
from startups.selectors import applications_changeable_by


class ExclusionRequestForm(forms.Form):
    organisation = forms.CharField(
        label=_("Organisation to exclude"),
        max_length=200,
        help_text=_("The organisation whose evaluators should not review your application, as it is usually written."),
    )
    reason = forms.CharField(
        label=_("Reason for the request"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


@login_required
@require_http_methods(["GET", "POST"])
def exclusions(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        application = applications_changeable_by(actor=request.user).get(pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None
    refusal = exclusion_refusal(application=application)
    form = ExclusionRequestForm(request.POST or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            exclusion_request(
                application=application,
                by=request.user,
                organisation=form.cleaned_data["organisation"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your exclusion request is filed. Staff will answer it before the assignment."))
            return redirect("applications:exclusions", pk=application.pk)
    return render(
        request,
        "startups/exclusions/list.html",
        {
            "application": application,
            "program": application.program,
            "requests": list(exclusion_requests_of(application=application)),
            "refusal": refusal,
            "form": form,
            "blind": program_is_blind(program_id=application.program_id),
        },
        status=400 if form.errors else 200,
    )
