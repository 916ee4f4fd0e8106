"""The startup profile: register it, edit it, ask to join one that exists, let owners decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from startups.forms import StartupProfileForm
from startups.models import Startup, StartupMember
from startups.selectors import (
    applications_of,
    join_requests_of,
    members_of,
    membership_of,
    memberships_decidable_by,
)
from startups.services import (
    StartupExists,
    startup_join_request,
    startup_member_decide,
    startup_register,
    startup_update,
)
from startups.services.startups import BrnLookupsExhausted, startup_by_brn_lookup


def _next_url(request: HttpRequest) -> str | None:
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    membership = membership_of(user=request.user)
    if membership is not None:
        return _show_profile(request, membership)
    form = StartupProfileForm(request.POST or None)
    existing = None
    if request.method == "POST":
        valid = form.is_valid()
        # A taken number is told at once, whatever else the form lacks: the person asks to join instead.
        brn = form.cleaned_data.get("brn")
        try:
            existing = startup_by_brn_lookup(brn=brn, by=request.user) if brn else None
            if valid and existing is None:
                startup = startup_register(by=request.user, data=form.cleaned_data)
                messages.success(request, _("%(name)s is registered. You are its owner.") % {"name": startup.name_ko})
                return redirect(_next_url(request) or "startup:profile")
        except StartupExists as error:  # registered by someone else a moment ago
            existing = error.startup
        except BrnLookupsExhausted as error:
            form.add_error("brn", error.message)
        if existing is not None:
            # What they typed stays, without the errors of a form they no longer need to finish.
            form = StartupProfileForm(initial={**request.POST.dict(), "sectors": request.POST.getlist("sectors")})
    return render(
        request,
        "startups/startup/register.html",
        {
            "form": form,
            "existing": existing,
            "join_requests": list(join_requests_of(user=request.user)),
            "next": _next_url(request) or "",
        },
    )


def _show_profile(request: HttpRequest, membership: StartupMember) -> HttpResponse:
    startup = membership.startup
    members = list(members_of(startup=startup))
    is_owner = membership.role == StartupMember.Role.OWNER
    return render(
        request,
        "startups/startup/profile.html",
        {
            "startup": startup,
            "membership": membership,
            "is_owner": is_owner,
            "sectors": list(startup.sectors.all()),
            "active_members": [m for m in members if m.status == StartupMember.Status.ACTIVE],
            "pending": [m for m in members if m.status == StartupMember.Status.REQUESTED] if is_owner else [],
            "applications": list(applications_of(user=request.user).filter(startup=startup)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest) -> HttpResponse:
    membership = membership_of(user=request.user)
    if membership is None:
        return redirect("startup:profile")
    startup = membership.startup
    form = StartupProfileForm(request.POST or None, instance=startup)
    if request.method == "POST" and form.is_valid():
        try:
            startup_update(startup=startup, by=request.user, data=form.cleaned_data)
        except (StartupExists, BrnLookupsExhausted) as error:
            form.add_error("brn", error.message)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The startup profile was saved."))
            return redirect(_next_url(request) or "startup:profile")
    return render(
        request, "startups/startup/edit.html", {"form": form, "startup": startup, "next": _next_url(request) or ""}
    )


@login_required
@require_POST
def join(request: HttpRequest, pk: int) -> HttpResponse:
    # Asking needs the registration number too, so startup ids cannot be tried one by one.
    startup = get_object_or_404(Startup, pk=pk, brn=request.POST.get("brn") or "-")
    membership = startup_join_request(startup=startup, by=request.user)
    if membership.status == StartupMember.Status.ACTIVE:
        messages.info(request, _("You are already a member of %(name)s.") % {"name": startup.name_ko})
    else:
        messages.success(
            request,
            _("Your request to join %(name)s was sent. An owner of the startup will approve it.")
            % {"name": startup.name_ko},
        )
    return redirect("startup:profile")


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(memberships_decidable_by(user=request.user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        startup_member_decide(membership=membership, by=request.user, approve=approve)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        name = membership.user.name or membership.user.email
        if approve:
            messages.success(request, _("%(name)s is now a member of the startup.") % {"name": name})
        else:
            messages.info(request, _("You declined the request from %(name)s.") % {"name": name})
    return redirect("startup:profile")
