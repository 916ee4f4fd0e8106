"""The API's queries written once (api.queries): a scoped query per caller shape, list pages' SQL kept
per caller and request, prepared statements on PostgreSQL. Each must give what the ORM gives, and
never one caller's rows to another."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from api.queries import KeptQueries, QueriedWhileWriting, ScopedQuery, count_query, fetch_values
from core.access import Actor
from startups.models import Application, Startup
from startups.selectors import applications_visible_to
from tests import factories

pytestmark = pytest.mark.django_db

VISIBLE = ScopedQuery(lambda actor, pk: applications_visible_to(actor=actor).filter(pk=pk).values("pk", "title"))


def own_application(title: str) -> tuple:
    member = factories.StartupMemberFactory()
    application = factories.ApplicationFactory(startup=member.startup, submitted=True, title=title)
    return member.user, application


def test_a_scoped_query_gives_each_caller_of_one_shape_only_what_their_selector_allows():
    first_user, first = own_application("first")
    second_user, second = own_application("second")

    assert VISIBLE.rows(first_user, first.pk) == [{"pk": first.pk, "title": "first"}]
    assert VISIBLE.rows(second_user, first.pk) == []
    assert VISIBLE.rows(second_user, second.pk) == [{"pk": second.pk, "title": "second"}]


def test_a_scoped_query_gives_staff_and_an_applicant_their_own_sql():
    user, application = own_application("theirs")
    staff = factories.UserFactory(is_staff=True)
    other = factories.ApplicationFactory(submitted=True)

    assert VISIBLE.rows(staff, other.pk) == [{"pk": other.pk, "title": other.title}]
    assert VISIBLE.rows(user, other.pk) == []
    assert VISIBLE.rows(Actor(user=user), application.pk) == [{"pk": application.pk, "title": "theirs"}]


def test_a_scoped_query_refuses_a_selector_that_reads_the_database_while_written():
    reading = ScopedQuery(
        lambda actor, pk: Application.objects.filter(startup_id__in=list(Startup.objects.values_list("pk", flat=True)))
    )
    user, _application = own_application("any")

    with pytest.raises(QueriedWhileWriting):
        reading.rows(user, 1)


def test_a_scoped_query_refuses_sql_with_a_value_that_changes_between_callers():
    timed = ScopedQuery(lambda actor, pk: Application.objects.filter(pk=pk, created_at__lte=timezone.now()))
    user, _application = own_application("any")

    with pytest.raises(RuntimeError, match="changes between callers"):
        timed.rows(user, 1)


def test_a_list_page_kept_for_one_applicant_is_never_served_to_another(session_client):
    first_user, first = own_application("first")
    second_user, second = own_application("second")

    first_page = session_client(first_user).get("/api/v1/applications/", {"page_size": 10}).json()
    second_page = session_client(second_user).get("/api/v1/applications/", {"page_size": 10}).json()

    assert [row["id"] for row in first_page["results"]] == [first.pk]
    assert [row["id"] for row in second_page["results"]] == [second.pk]
    assert second_page["count"] == 1


def test_a_kept_page_reads_rows_added_after_it_was_kept(staff_api):
    factories.ApplicationFactory(submitted=True)
    assert staff_api.get("/api/v1/applications/").json()["count"] == 1

    factories.ApplicationFactory(submitted=True)

    assert staff_api.get("/api/v1/applications/").json()["count"] == 2


def test_a_queryset_that_reads_the_database_while_built_is_run_but_not_kept():
    factories.ApplicationFactory(title="read")
    kept = KeptQueries()

    def build():
        ids = list(Application.objects.values_list("pk", flat=True))
        return Application.objects.filter(pk__in=ids).values("title")

    assert kept.values(("reads",), build) == [{"title": "read"}]
    assert kept.values(("reads",), build) == [{"title": "read"}]
    assert len(kept._cache()) == 0


def test_a_queryset_with_a_value_of_the_moment_is_run_but_not_kept():
    factories.ApplicationFactory(title="now")
    kept = KeptQueries()

    def build():
        return Application.objects.filter(created_at__lte=timezone.now() + dt.timedelta(days=1)).values("title")

    assert kept.values(("moment",), build) == [{"title": "now"}]
    assert len(kept._cache()) == 0


def test_a_kept_count_equals_the_orms_count():
    factories.ApplicationFactory.create_batch(3, submitted=True)
    kept = KeptQueries()
    queryset = Application.objects.filter(status=Application.Status.SUBMITTED)

    assert kept.values(("count",), lambda: count_query(queryset)) == [{"count": queryset.count()}]
    assert len(kept._cache()) == 1


def test_dates_read_through_the_queries_cursor_equal_the_orms():
    application = factories.ApplicationFactory(submitted=True)
    queryset = Application.objects.filter(pk=application.pk).values("submitted_at", "created_at")

    assert fetch_values(queryset) == list(queryset)
    assert fetch_values(queryset)[0]["submitted_at"].utcoffset() == dt.timedelta(0)


@pytest.mark.postgres
def test_the_detail_query_is_prepared_on_postgresql(staff_api):
    application = factories.ApplicationFactory(submitted=True)

    staff_api.get(f"/api/v1/applications/{application.pk}/")

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any("form_questions" in statement for statement in statements)
