"""The admin lists its models by stage of the work (core.admin_groups), not by Django app: every
registered model sits in one group, the groups come in the order of the work, and the internal
tables under "System" are for superusers only, in the navigation and at their own addresses."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from api.models import IdempotencyRecord
from core import admin_groups
from matching.models import EvaluationRound, Program
from notifications.models import WebhookDelivery
from tests import factories
from tests.admin.conftest import REGISTERED_MODELS, admin_url, make_row

pytestmark = pytest.mark.django_db

WORK_ORDER = ["calls", "applications", "evaluation", "selection", "notifications", "settings", "system"]


@pytest.fixture
def staff_member(client):
    """Staff who may do everything the permissions allow, but are not superusers."""
    user = factories.UserFactory(is_staff=True, email="coordinator@example.com")
    user.user_permissions.set(Permission.objects.all())
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def group_slugs(response) -> list[str]:
    return [group["app_label"] for group in response.context["app_list"]]


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_every_registered_model_sits_in_exactly_one_group(model):
    label = model._meta.label
    listed_in = [group.slug for group in admin_groups.GROUPS if label in group.models]

    assert admin_groups.group_of(label) is not None, f"{label} is in no group of core/admin_groups.py"
    assert len(listed_in) <= 1, listed_in


def test_no_model_is_listed_twice():
    labels = [label for group in admin_groups.GROUPS for label in group.models]

    assert len(labels) == len(set(labels))


def test_a_new_notifications_model_lands_in_the_notifications_group_by_default():
    assert admin_groups.group_of("notifications.SomethingNew").slug == "notifications"


def test_the_index_shows_the_groups_in_the_order_of_the_work(staff):
    response = staff.get(reverse("admin:index"))

    assert group_slugs(response) == WORK_ORDER


def test_the_groups_are_named_in_korean_for_korean_staff(staff):
    staff.cookies["django_language"] = "ko"

    page = staff.get(reverse("admin:index")).content.decode()

    names = ["공고·양식", "신청", "평가", "선정·매칭", "알림", "설정·연동", "시스템"]
    positions = [page.find(f">{name}</a>") for name in names]
    assert -1 not in positions, dict(zip(names, positions, strict=True))
    assert positions == sorted(positions)


def test_each_group_lists_its_models_in_the_order_it_names_them(staff):
    response = staff.get(reverse("admin:index"))

    evaluation = next(group for group in response.context["app_list"] if group["app_label"] == "evaluation")
    assert [model["object_name"] for model in evaluation["models"]][:3] == ["EvaluationRound", "Criterion", "BonusRule"]


def test_staff_who_are_not_superusers_see_no_system_group(staff_member):
    response = staff_member.get(reverse("admin:index"))

    assert group_slugs(response) == WORK_ORDER[:-1]
    assert admin_url(IdempotencyRecord, "changelist") not in response.content.decode()


@pytest.mark.parametrize("model", [IdempotencyRecord, WebhookDelivery], ids=lambda model: model._meta.label)
def test_a_system_tables_pages_refuse_staff_who_are_not_superusers(staff_member, model):
    row = make_row(model)

    assert staff_member.get(admin_url(model, "changelist")).status_code == 403
    assert staff_member.get(admin_url(model, "change", row.pk)).status_code == 403


def test_a_system_group_page_is_not_found_for_staff_who_are_not_superusers(staff_member):
    response = staff_member.get(reverse("admin:app_group", kwargs={"slug": "system"}))

    assert response.status_code == 404


def test_staff_who_are_not_superusers_still_open_the_pages_of_their_work(staff_member):
    assert staff_member.get(admin_url(Program, "changelist")).status_code == 200


def test_superusers_see_the_system_group_and_open_its_tables(staff):
    row = make_row(IdempotencyRecord)

    assert "system" in group_slugs(staff.get(reverse("admin:index")))
    assert staff.get(admin_url(IdempotencyRecord, "change", row.pk)).status_code == 200


def test_a_group_page_lists_the_groups_models(staff):
    response = staff.get(reverse("admin:app_group", kwargs={"slug": "evaluation"}))

    assert response.status_code == 200
    [group] = response.context["app_list"]
    assert group["name"] == "Evaluation"
    assert {model["model"] for model in group["models"]} >= {EvaluationRound}
    assert response.context["title"] == "Evaluation"


def test_the_index_links_each_group_heading_to_its_page(staff):
    page = staff.get(reverse("admin:index")).content.decode()

    for slug in WORK_ORDER:
        assert f'href="{reverse("admin:app_group", kwargs={"slug": slug})}"' in page


def test_an_unknown_group_is_not_found(staff):
    assert staff.get("/admin/group/nothing-here/").status_code == 404


def test_an_apps_own_page_still_lists_that_apps_models(staff):
    response = staff.get(reverse("admin:app_list", kwargs={"app_label": "matching"}))

    assert response.status_code == 200
    assert [app["app_label"] for app in response.context["app_list"]] == ["matching"]


def test_the_sidebar_shows_the_groups_in_order(staff):
    page = staff.get(admin_url(Program, "changelist")).content.decode()

    sidebar = page[page.index('id="nav-sidebar"') :]
    slugs = re.findall(r'<div class="app-([a-z]+) module', sidebar)
    assert slugs == WORK_ORDER
    assert 'class="app-calls module current-app"' not in sidebar  # a model's page marks the model, not the group
    assert "current-model" in sidebar


def test_every_model_of_the_registry_is_reachable_from_the_index(staff):
    response = staff.get(reverse("admin:index"))

    listed = {model["model"] for group in response.context["app_list"] for model in group["models"]}
    assert listed == set(admin.site._registry)
