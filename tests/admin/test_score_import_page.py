"""The admin page where staff import scores from an offline sheet into a round."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from matching.models import Assignment, EvaluationRound, Score
from tests import factories
from tests.admin.conftest import admin_url, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned():
    """A scoring round with criteria `technology` (max 10) and `market` (max 20) and one assignment."""
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    factories.CriterionFactory(round=evaluation_round, code="technology", max_score=Decimal("10"), order=1)
    factories.CriterionFactory(round=evaluation_round, code="market", max_score=Decimal("20"), order=2)
    assignment = factories.AssignmentFactory(
        round=evaluation_round, evaluator=factories.EvaluatorFactory(user__email="judge@example.com")
    )
    return assignment


def import_url(evaluation_round) -> str:
    return reverse("admin:matching_evaluationround_import_scores", args=[evaluation_round.pk])


def sheet(lines: list[str], name: str = "sheet.csv") -> SimpleUploadedFile:
    text = "\n".join(["receipt_number,evaluator_email,criterion_code,score", *lines]) + "\n"
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_the_round_change_page_links_to_the_import_page(staff, assigned):
    response = staff.get(admin_url(EvaluationRound, "change", assigned.round.pk))

    assert import_url(assigned.round) in response.content.decode()


def test_staff_see_the_upload_form(staff, assigned):
    response = staff.get(import_url(assigned.round))

    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b"Import scores from a sheet" in response.content


def test_a_valid_sheet_is_imported_and_the_counts_are_shown(staff, assigned):
    receipt = assigned.application.receipt_number
    upload = sheet([f"{receipt},judge@example.com,technology,7", f"{receipt},judge@example.com,market,15"])

    response = staff.post(import_url(assigned.round), {"sheet": upload})

    assert response.status_code == 302
    assert response["Location"] == admin_url(EvaluationRound, "change", assigned.round.pk)
    assert messages_of(response) == [
        ("success", "Imported 2 rows from sheet.csv. Scores added: 2, changed: 0; reviews completed: 1.")
    ]
    assert Score.objects.count() == 2
    assigned.refresh_from_db()
    assert assigned.status == Assignment.Status.SUBMITTED


def test_a_sheet_with_bad_rows_shows_the_problems_with_their_lines_and_imports_nothing(staff, assigned):
    receipt = assigned.application.receipt_number
    upload = sheet([f"{receipt},judge@example.com,technology,7", f"{receipt},judge@example.com,market,25"])

    response = staff.post(import_url(assigned.round), {"sheet": upload})

    assert response.status_code == 200
    assert response.context["problems"] == [(3, "Score “25”: Enter a score from 0 to 20.")]
    assert b"score-sheet-problems" in response.content
    assert Score.objects.count() == 0


def test_a_file_that_is_not_csv_or_xlsx_is_refused_by_the_form(staff, assigned):
    upload = SimpleUploadedFile("sheet.pdf", b"%PDF-1.4")

    response = staff.post(import_url(assigned.round), {"sheet": upload})

    assert response.status_code == 200
    assert response.context["form"].errors == {"sheet": ["Choose a .csv or .xlsx file."]}


def test_a_file_larger_than_five_megabytes_is_refused_by_the_form(staff, assigned):
    upload = SimpleUploadedFile("sheet.csv", io.BytesIO(b"x" * (5 * 1024 * 1024 + 1)).getvalue())

    response = staff.post(import_url(assigned.round), {"sheet": upload})

    assert response.context["form"].errors == {"sheet": ["The file is larger than 5 MB."]}


def test_a_round_that_is_not_scoring_or_closed_shows_why_nothing_was_imported(staff, assigned):
    EvaluationRound.objects.filter(pk=assigned.round.pk).update(status=EvaluationRound.Status.ASSIGNING)
    receipt = assigned.application.receipt_number

    response = staff.post(import_url(assigned.round), {"sheet": sheet([f"{receipt},judge@example.com,market,5"])})

    assert "Scores can be imported only while a round is scoring or closed" in response.content.decode()
    assert Score.objects.count() == 0


def test_an_anonymous_visitor_is_sent_to_the_admin_login(client, assigned):
    url = import_url(assigned.round)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/admin/login/?next={url}")


def test_an_anonymous_upload_imports_nothing(client, assigned):
    receipt = assigned.application.receipt_number

    response = client.post(import_url(assigned.round), {"sheet": sheet([f"{receipt},judge@example.com,market,5"])})

    assert response.status_code == 302
    assert Score.objects.count() == 0


def test_a_staff_member_without_the_right_to_change_rounds_is_refused(client, assigned):
    client.force_login(factories.UserFactory(is_staff=True))

    response = client.get(import_url(assigned.round))

    assert response.status_code == 403
