from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    # The applicant pages come with their own issue; until then the front door is the admin.
    return redirect("admin:index")


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the app answers and the database takes a query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
