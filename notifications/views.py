"""The person's own notifications: every message the outbox sent them, newest first."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from notifications.selectors import notifications_visible_to

PER_PAGE = 20


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_visible_to(user=request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})
