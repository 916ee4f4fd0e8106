"""Appeals (이의신청) on the applicant's side: the page to file one against a round's result, and the
permission-checked download of an appeal's file. Thin: the services and selectors decide."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError, InvalidInput
from core.i18n import localized
from matching.feedback import appeals_visible_to
from matching.models import Appeal, EvaluationRound
from matching.services.appeals import REASON_MAX, appeal_can_file, appeal_file
from startups.models import Application
from startups.selectors import applications_changeable_by
from startups.services.attachments import ACCEPTED_LABEL
from startups.views.downloads import private_file_response


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the appeal"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("Say what you believe was assessed wrongly and why. Staff answer in writing."),
        error_messages={"required": gettext_lazy("Write the reason for your appeal.")},
    )
    file = forms.FileField(
        label=gettext_lazy("Supporting file (optional)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("One file: %(types)s.") % {
            "types": ACCEPTED_LABEL
        }  # in the request's language


@login_required
def appeal_new(request: HttpRequest, pk: int, round_pk: int) -> HttpResponse:
    try:
        application = applications_changeable_by(actor=request.user).select_related("program").get(pk=pk)
        evaluation_round = EvaluationRound.objects.get(pk=round_pk, program_id=application.program_id)
    except (Application.DoesNotExist, EvaluationRound.DoesNotExist):
        raise Http404 from None
    back = reverse("applications:detail", args=[application.pk]) + "#after-publication"
    if not appeal_can_file(application=application, round=evaluation_round):
        messages.info(request, _("An appeal against this round's result cannot be filed now."))
        return redirect(back)
    form = AppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal_file(
                application=application,
                round=evaluation_round,
                by=request.user,
                reason=form.cleaned_data["reason"],
                upload=form.cleaned_data["file"],
            )
        except InvalidInput as refused:
            for field, problems in refused.problems.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        except DomainError as error:
            form.add_error(
                "file" if error.code in {"file_type_refused", "empty_file", "file_too_large"} else None, error.message
            )
        else:
            messages.success(request, _("Your appeal was filed. Staff will answer it in writing."))
            return redirect(back)
    return render(
        request,
        "startups/appeals/new.html",
        {
            "application": application,
            "program": application.program,
            "round": evaluation_round,
            "round_name": localized(evaluation_round, "name"),
            "form": form,
        },
    )


@login_required
def appeal_download(request: HttpRequest, pk: int) -> FileResponse:
    try:
        appeal = appeals_visible_to(actor=request.user).exclude(file="").get(pk=pk)
    except Appeal.DoesNotExist:
        raise Http404 from None
    return private_file_response(appeal.file, filename=appeal.file_name, content_type=appeal.file_content_type)
