import json
import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.counters import count_in_window

logger = logging.getLogger("matchday.csp")
CSP_REPORT_MAX_BYTES = 8 * 1024  # a report is a few hundred bytes; more is not read


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Resolved per request: the hashed static name exists only once collectstatic has run.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the app answers and the database takes a query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Browsers post Content-Security-Policy violations here (the policy's report-uri): each is logged as a
    warning, nothing is stored. At most CSP_REPORTS_PER_MINUTE from one address; the rest are dropped."""
    address = request.META.get("REMOTE_ADDR", "")
    if count_in_window(f"csp-report:{address}", seconds=60) > settings.CSP_REPORTS_PER_MINUTE:
        return HttpResponse(status=429)
    body = request.read(CSP_REPORT_MAX_BYTES)
    try:
        report = json.loads(body or b"{}")
    except ValueError:
        return HttpResponse(status=400)
    logger.warning("CSP violation from %s: %s", address, json.dumps(report, ensure_ascii=False)[:CSP_REPORT_MAX_BYTES])
    return HttpResponse(status=204)
