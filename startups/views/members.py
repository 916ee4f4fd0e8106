"""Owners remove members and hand ownership over; a member leaves. Each action has a confirmation page
(GET) and is done by the POST of that page: no JavaScript needed."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from startups.models import StartupMember
from startups.selectors import memberships_decidable_by
from startups.services.members import member_remove, ownership_transfer


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The person removed reads it in the message telling them."),
    )


def _membership(request: HttpRequest, pk: int) -> StartupMember:
    return get_object_or_404(
        memberships_decidable_by(user=request.user).filter(status=StartupMember.Status.ACTIVE), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    leaving = membership.user_id == request.user.pk
    form = RemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            member_remove(membership=membership, by=request.user, reason=form.cleaned_data["reason"].strip())
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("startup:profile")
        if leaving:
            messages.success(request, _("You left %(name)s.") % {"name": membership.startup.name_ko})
            return redirect("home")
        name = membership.user.name or membership.user.email
        messages.success(request, _("%(name)s was removed from the startup.") % {"name": name})
        return redirect("startup:profile")
    return render(request, "startups/members/remove.html", {"member": membership, "leaving": leaving, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def make_owner(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    if request.method == "POST":
        try:
            ownership_transfer(startup=membership.startup, to_member=membership, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            name = membership.user.name or membership.user.email
            messages.success(request, _("%(name)s is now the owner of the startup.") % {"name": name})
        return redirect("startup:profile")
    return render(request, "startups/members/make_owner.html", {"member": membership})
