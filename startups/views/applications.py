"""The application pages: start, edit (drafts, uploads, autosave), review, submit, status, withdraw.

Thin by design: the selectors scope every object to the person asking (another person's id is a
404), and the services decide what may be saved or submitted.
"""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.lifecycle import allowed_targets
from matching.selectors import programs_public
from matching.services.evidence import (
    bonus_evidence_attach,
    bonus_evidence_items,
    bonus_evidence_uploads,
)
from matching.windows import application_window
from privacy.services import statement_current
from startups.forms import ApplicationForm, WithdrawForm
from startups.models import Application, Attachment
from startups.selectors import (
    application_for_editing,
    applications_of,
    membership_of,
    program_form,
    published_partner_of,
)
from startups.services import (
    application_eligibility,
    application_problems,
    application_save_draft,
    application_snapshot,
    application_start,
    application_submit,
    application_withdraw_by_applicant,
    attachment_add,
    attachment_remove,
)
from startups.services.applications import ensure_editable
from startups.services.attachments import ACCEPTED_LABEL

A = Application.Status


def _application(request: HttpRequest, pk: int) -> Application:
    try:
        return application_for_editing(user=request.user, pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None


def _why_not_editable(application: Application, request: HttpRequest) -> str | None:
    """The service's reason the application cannot be changed now (deadline, status), or None."""
    try:
        ensure_editable(application, request.user)
    except DomainError as error:
        return error.message
    return None


def _saved_at_message(moment: dt.datetime) -> str:
    return _("Draft saved at %(time)s.") % {"time": time_format(timezone.localtime(moment), "H:i")}


def _last_submission(application: Application):
    return application.submissions.order_by("-number").first()


def _has_unsubmitted_changes(application: Application, last) -> bool:
    return last is not None and application_snapshot(application) != last.snapshot


# ---------------------------------------------------------------- start and list


@login_required
def start(request: HttpRequest, slug: str) -> HttpResponse:
    program = get_object_or_404(programs_public(), slug=slug)
    try:
        application = application_start(program=program, by=request.user)
    except DomainError as error:
        if error.code == "no_startup":
            messages.info(request, error.message)
            return redirect(f"{reverse('startup:profile')}?{urlencode({'next': request.path})}")
        messages.error(request, error.message)
        return redirect("program_detail", slug=program.slug)
    if application.status == A.DRAFT:
        return redirect("applications:edit", pk=application.pk)
    return redirect("applications:detail", pk=application.pk)


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    applications = list(applications_of(user=request.user))
    for application in applications:
        # For display only (which buttons to offer); the services enforce the window on the database clock.
        application.accepting = application_window(application.program, now=now).is_open
    return render(
        request,
        "startups/applications/list.html",
        {"applications": applications, "membership": membership_of(user=request.user)},
    )


# ---------------------------------------------------------------- the form


def _render_edit(request, application, form, *, refusal=None) -> HttpResponse:
    general, track_groups = form.question_groups()
    return render(
        request,
        "startups/applications/edit.html",
        {
            "application": application,
            "program": application.program,
            "form": form,
            "core_items": form.core_items(),
            "track_item": form.track_item(),
            "general_items": general,
            "track_groups": track_groups,
            "declaration_items": form.declaration_items(),
            "preference_items": form.preference_items(),
            "error_summary": form.error_summary(),
            "refusal": refusal,
            "read_only": refusal is not None,
            "window": application_window(application.program, now=timezone.now()),
            "accepted_types": ACCEPTED_LABEL,
            "evidence_items": bonus_evidence_items(application, form.problems),
        },
    )


def _save_posted_form(request, application, parts, *, remove: Attachment | None = None):
    """Save what the form carried: the draft, then each upload. Returns (problems, refusal)."""
    form = ApplicationForm(request.POST, request.FILES, application=application, parts=parts)
    form.is_valid()  # every field accepts what was typed; the services judge it
    try:
        if remove is not None:
            attachment_remove(attachment=remove, by=request.user)
        problems = {}
        if "title" in request.POST:  # the form came along, not just a button: an absent field is no answer
            problems = application_save_draft(application=application, by=request.user, **form.draft_values())
    except DomainError as error:
        return {}, error.message
    for question, upload in form.uploads():
        try:
            attachment_add(application=application, by=request.user, upload=upload, question=question)
        except DomainError as error:
            problems[f"question:{question.code}"] = [error.message]
    for flag, upload in bonus_evidence_uploads(request.FILES):  # documents for bonus points (가점 증빙)
        try:
            bonus_evidence_attach(application=application, flag=flag, upload=upload, by=request.user)
        except DomainError as error:
            problems[f"evidence:{flag}"] = [error.message]
    return problems, None


def _after_save(request, application, parts, problems, refusal, *, success_message: str, next_url: str):
    if refusal is None and not problems:
        messages.success(request, success_message)
        return redirect(next_url)
    # Re-render what was typed (saved or not) beside the messages; saved files show as saved.
    fresh = _application(request, application.pk)
    form = ApplicationForm(request.POST, application=fresh, parts=parts)
    form.show_errors(problems)
    return _render_edit(request, fresh, form, refusal=refusal)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    parts = program_form(program=application.program)
    if request.method == "GET":
        form = ApplicationForm(application=application, parts=parts)
        return _render_edit(request, application, form, refusal=_why_not_editable(application, request))
    problems, refusal = _save_posted_form(request, application, parts)
    to_review = request.POST.get("action") == "review"
    next_url = reverse("applications:review" if to_review else "applications:edit", args=[application.pk])
    return _after_save(
        request,
        application,
        parts,
        problems,
        refusal,
        success_message=_saved_at_message(timezone.now()),
        next_url=next_url,
    )


@login_required
@require_POST
def attachment_remove_view(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    application = _application(request, pk)
    attachment = next((a for a in application.current if a.pk == attachment_pk), None)
    if attachment is None:
        raise Http404
    parts = program_form(program=application.program)
    # The remove button sits inside the application form, so whatever was typed is saved with it.
    problems, refusal = _save_posted_form(request, application, parts, remove=attachment)
    anchor = f"#id_q_{attachment.question.code}" if attachment.question_id else ""
    return _after_save(
        request,
        application,
        parts,
        problems,
        refusal,
        success_message=_("“%(name)s” was removed from the application.") % {"name": attachment.original_name},
        next_url=reverse("applications:edit", args=[application.pk]) + anchor,
    )


@login_required
@require_POST
def autosave(request: HttpRequest, pk: int) -> JsonResponse:
    application = _application(request, pk)
    if "title" not in request.POST:  # not the application form: nothing to save, nothing to wipe
        return JsonResponse({"saved_at": None, "errors": {}, "problems": []}, status=400)
    parts = program_form(program=application.program)
    form = ApplicationForm(request.POST, application=application, parts=parts)
    form.is_valid()
    try:
        problems = application_save_draft(application=application, by=request.user, **form.draft_values())
    except DomainError as error:
        return JsonResponse({"saved_at": None, "errors": {"__all__": [error.message]}, "problems": []}, status=409)
    form.show_errors(problems)
    return JsonResponse(
        {
            "saved_at": time_format(timezone.localtime(), "H:i"),
            "errors": problems,
            "problems": [
                {"anchor": anchor, "label": label, "message": message}
                for anchor, label, message in form.error_summary()
            ],
        }
    )


# ---------------------------------------------------------------- review and submit


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    parts = program_form(program=application.program)
    form = ApplicationForm(application=application, parts=parts)
    problems = application_problems(application)
    form.show_errors(problems)
    general, track_groups = form.question_groups()
    refusal = _why_not_editable(application, request)
    last = _last_submission(application)
    already_submitted = (
        application.status != A.DRAFT and last is not None and not _has_unsubmitted_changes(application, last)
    )
    return render(
        request,
        "startups/applications/review.html",
        {
            "application": application,
            "program": application.program,
            "startup": application.startup,
            "sectors": list(application.startup.sectors.all()),
            "core_items": form.core_items(),
            "track_item": form.track_item(),
            "general_items": general,
            "track_items": [item for group in track_groups if group.shown for item in group.items],
            "declaration_items": form.declaration_items(),
            "preference_items": form.preference_items(),
            "error_summary": form.error_summary(),
            "eligibility_warnings": application_eligibility(application),
            "refusal": refusal,
            "already_submitted": already_submitted,
            "last_submission": last,
            "can_submit": not problems and refusal is None and not already_submitted,
            "window": application_window(application.program, now=timezone.now()),
            "on_review": True,
            "privacy_statement": statement_current(program=application.program),
        },
    )


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    try:
        application = application_submit(
            application_id=application.pk,
            by=request.user,
            consent_given=request.POST.get("privacy_consent") == "on",
            ip=request.META.get("REMOTE_ADDR"),
        )
    except DomainError as error:  # ApplicationIncomplete too: the review page lists what is missing
        messages.error(request, error.message)
        return redirect("applications:review", pk=application.pk)
    if application.status == A.INELIGIBLE:
        messages.warning(
            request,
            _(
                "Your application was received with receipt number %(receipt)s, but it does not meet the "
                "program's eligibility rules. The reasons are shown below."
            )
            % {"receipt": application.receipt_number},
        )
    else:
        messages.success(
            request,
            _("Your application was submitted. Your receipt number is %(receipt)s.")
            % {"receipt": application.receipt_number},
        )
    return redirect("applications:detail", pk=application.pk)


# ---------------------------------------------------------------- status and withdrawal


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    submissions = list(application.submissions.select_related("submitted_by").order_by("-number"))
    last = submissions[0] if submissions else None
    refusal = _why_not_editable(application, request)
    editable = refusal is None
    return render(
        request,
        "startups/applications/detail.html",
        {
            "application": application,
            "program": application.program,
            "submissions": submissions,
            "unsubmitted_changes": editable
            and application.status != A.DRAFT
            and _has_unsubmitted_changes(application, last),
            "editable": editable,
            "refusal": refusal,
            "can_withdraw": A.WITHDRAWN in allowed_targets(application),
            "matched_partner": published_partner_of(application=application),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    can_withdraw = A.WITHDRAWN in allowed_targets(application)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and can_withdraw and form.is_valid():
        try:
            application_withdraw_by_applicant(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your application was withdrawn."))
        return redirect("applications:detail", pk=application.pk)
    return render(
        request,
        "startups/applications/withdraw.html",
        {"application": application, "program": application.program, "form": form, "can_withdraw": can_withdraw},
    )
