"""Every registered model's admin pages open for staff, stay closed to visitors, and their changelists
run a number of queries that does not grow with the number of rows."""

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from matching.models import Evaluator
from startups.models import Application, Startup
from tests import factories
from tests.admin.conftest import REGISTERED_MODELS, admin_url, make_row

pytestmark = pytest.mark.django_db

by_label = pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)

# Tables that grow to thousands of rows: a form picks from them by search or by id, never from a full select.
BIG_TABLES = {User, Startup, Application, Evaluator}
PICKERS_FOR_BIG_TABLES = (
    widgets.AutocompleteSelect,
    widgets.AutocompleteSelectMultiple,
    widgets.ForeignKeyRawIdWidget,
    widgets.ManyToManyRawIdWidget,
    forms.HiddenInput,
)


def selects_listing_big_tables(response) -> list[str]:
    # Change pages carry an admin form; the admin's own form pages (invitations, keys) a plain one; a job's
    # page none (a job is watched, not edited).
    if "adminform" in response.context:
        page_forms = [response.context["adminform"].form]
    else:
        page_forms = [response.context["form"]] if "form" in response.context else []
    for inline in response.context.get("inline_admin_formsets", []):
        page_forms += [*inline.formset.forms, inline.formset.empty_form]
    return [
        f"{form.prefix or ''}{name}"
        for form in page_forms
        for name, field in form.fields.items()
        if isinstance(field, forms.ModelChoiceField)
        and field.queryset.model in BIG_TABLES
        and not isinstance(getattr(field.widget, "widget", field.widget), PICKERS_FOR_BIG_TABLES)
    ]


def test_every_model_of_the_project_has_an_admin():
    from django.apps import apps

    project_apps = ("accounts", "audit", "startups", "matching", "notifications", "api")
    models = {model for model in apps.get_models() if model._meta.app_label in project_apps}

    assert models - set(admin.site._registry) == set()


@by_label
def test_changelist_opens_for_staff(staff, model):
    make_row(model)

    response = staff.get(admin_url(model, "changelist"))

    assert response.status_code == 200


@by_label
def test_change_page_opens_for_staff(staff, model):
    obj = make_row(model)

    response = staff.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200


@by_label
def test_add_page_opens_for_staff_where_adding_is_allowed(staff, staff_user, rf, model):
    request = rf.get("/")
    request.user = staff_user
    allowed = admin.site._registry[model].has_add_permission(request)

    response = staff.get(admin_url(model, "add"))

    assert response.status_code == (200 if allowed else 403)


@by_label
def test_forms_pick_users_startups_applications_and_evaluators_without_listing_them_all(staff, model):
    obj = make_row(model)
    pages = [staff.get(admin_url(model, "change", obj.pk)), staff.get(admin_url(model, "add"))]

    assert [name for page in pages if page.status_code == 200 for name in selects_listing_big_tables(page)] == []


@by_label
def test_anonymous_visitor_is_sent_to_the_admin_login(client, model):
    url = admin_url(model, "changelist")

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/admin/login/?next={url}")


@by_label
def test_changelist_queries_do_not_grow_with_rows(staff, django_assert_num_queries, model):
    url = admin_url(model, "changelist")
    for _ in range(2):
        make_row(model)
    staff.get(url)  # warm the caches a first request fills (content types, site)
    with CaptureQueriesContext(connection) as with_few_rows:
        assert staff.get(url).status_code == 200
    for _ in range(6):
        make_row(model)

    with django_assert_num_queries(len(with_few_rows)):
        response = staff.get(url)

    assert response.context["cl"].result_count >= 8


def test_the_admin_index_lists_programs_first_and_accounts_last(staff_client):
    # The index lists groups by stage of the work (core.admin_groups), not apps.
    response = staff_client.get("/admin/")

    labels = [app["app_label"] for app in response.context["app_list"]]
    assert labels[:2] == ["calls", "applications"]
    assert labels.index("settings") > labels.index("selection")


def test_the_evaluator_list_shows_each_evaluators_progress(staff_client):
    evaluator = factories.EvaluatorFactory()
    factories.AssignmentFactory(evaluator=evaluator, status="submitted")
    factories.AssignmentFactory(evaluator=evaluator, status="in_progress")
    factories.AssignmentFactory(evaluator=evaluator, status="recused")

    response = staff_client.get(admin_url(Evaluator, "changelist"))

    assert "1 / 2" in response.content.decode()
