"""Pledges (청렴·비밀유지 서약) and no-conflict declarations: versions, acceptance, and scoring refused until both."""

import pytest

from core.errors import DomainError
from matching.models import Assignment, EvaluationRound, PledgeAcceptance, Review
from matching.services.pledges import (
    DEFAULT_PLEDGE_KO,
    assignment_declare_no_conflict,
    pledge_accept,
    pledge_create,
    pledge_editable,
    pledge_missing,
)
from matching.services.reviews import review_save
from tests.factories import AssignmentFactory, CriterionFactory, EvaluationRoundFactory, EvaluatorFactory, UserFactory

pytestmark = pytest.mark.django_db


def scoring_assignment(*, pledge: bool = True) -> Assignment:
    evaluation_round = EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    CriterionFactory(round=evaluation_round)
    assignment = AssignmentFactory(round=evaluation_round)
    evaluation_round.evaluators.add(assignment.evaluator)
    if pledge:
        pledge_create(round=evaluation_round, text_ko=DEFAULT_PLEDGE_KO, text_en="I pledge.", by=None)
    return assignment


def save(assignment: Assignment) -> Assignment:
    criterion = assignment.round.criteria.first()
    return review_save(assignment=assignment, by=assignment.evaluator.user, scores={criterion.pk: "10"})


def test_a_new_text_is_a_new_version_and_the_old_one_is_kept(staff_user):
    evaluation_round = EvaluationRoundFactory()
    first = pledge_create(round=evaluation_round, text_ko="서약 1", by=staff_user)
    second = pledge_create(round=evaluation_round, text_ko="서약 2", by=staff_user)
    assert (first.version, second.version) == (1, 2)
    assert evaluation_round.pledges.count() == 2


def test_a_pledge_without_korean_text_is_refused():
    with pytest.raises(DomainError):
        pledge_create(round=EvaluationRoundFactory(), text_ko="  ", by=None)


def test_accepting_records_the_newest_version_and_the_language_read_once():
    assignment = scoring_assignment()
    newest = pledge_create(round=assignment.round, text_ko="새 서약", by=None)

    pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language="en-us")
    pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language="ko")

    acceptance = PledgeAcceptance.objects.get()
    assert (acceptance.pledge, acceptance.language) == (newest, "en")


def test_a_pledge_is_fixed_once_someone_accepted_it():
    assignment = scoring_assignment()
    pledge = assignment.round.pledges.get()
    assert pledge_editable(pledge)
    pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language="ko")
    assert not pledge_editable(pledge)


def test_someone_outside_the_round_cannot_accept_its_pledge():
    assignment = scoring_assignment()
    with pytest.raises(DomainError) as refused:
        pledge_accept(round=assignment.round, evaluator=EvaluatorFactory(), language="ko")
    assert refused.value.code == "not_in_round"


def test_scoring_is_refused_until_the_pledge_is_accepted_and_nothing_is_saved():
    assignment = scoring_assignment()
    assignment_declare_no_conflict(assignment=assignment, by=assignment.evaluator.user)
    with pytest.raises(DomainError) as refused:
        save(assignment)
    assert refused.value.code == "pledge_required"
    assert not Review.objects.filter(assignment=assignment).exists()


def test_scoring_is_refused_until_no_conflict_is_declared_for_the_assignment():
    assignment = scoring_assignment()
    pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language="ko")
    with pytest.raises(DomainError) as refused:
        save(assignment)
    assert refused.value.code == "declaration_required"


def test_after_the_pledge_and_the_declaration_the_evaluator_scores():
    assignment = scoring_assignment()
    pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language="ko")
    assignment_declare_no_conflict(assignment=assignment, by=assignment.evaluator.user)

    saved = save(assignment)

    assert saved.review.scores.count() == 1


def test_a_round_without_a_pledge_asks_for_nothing():
    assignment = scoring_assignment(pledge=False)
    assert pledge_missing(assignment=assignment) == {"pledge": False, "declaration": False}
    assert save(assignment).review.scores.count() == 1


def test_a_new_version_must_be_accepted_again():
    assignment = scoring_assignment()
    pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language="ko")
    pledge_create(round=assignment.round, text_ko="개정 서약", by=None)
    assert pledge_missing(assignment=assignment)["pledge"] is True


def test_only_the_assigned_evaluator_declares_no_conflict_and_the_first_time_is_kept():
    assignment = scoring_assignment()
    with pytest.raises(DomainError):
        assignment_declare_no_conflict(assignment=assignment, by=UserFactory())
    first = assignment_declare_no_conflict(assignment=assignment, by=assignment.evaluator.user).no_conflict_declared_at
    again = assignment_declare_no_conflict(assignment=assignment, by=assignment.evaluator.user).no_conflict_declared_at
    assert first is not None and again == first


def test_a_pledge_accepted_by_an_evaluator_cannot_be_edited_in_the_admin(staff_client):
    assignment = scoring_assignment()
    pledge = assignment.round.pledges.get()
    pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language="ko")
    from django.contrib import admin as django_admin

    from matching.admin_practice import RoundPledgeFormSet, RoundPledgeInline

    inline = RoundPledgeInline(EvaluationRound, django_admin.site)
    formset_class = inline.get_formset(type("R", (), {"user": UserFactory(staff=True)})(), assignment.round)
    prefix = formset_class.get_default_prefix()
    data = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-0-id": str(pledge.pk),
        f"{prefix}-0-round": str(assignment.round.pk),
        f"{prefix}-0-text_ko": "바꾼 서약",
        f"{prefix}-0-text_en": pledge.text_en,
    }
    formset = formset_class(data, instance=assignment.round, prefix=prefix)

    assert issubclass(formset_class, RoundPledgeFormSet)
    assert not formset.is_valid()
    assert assignment.round.pledges.get().text_ko == DEFAULT_PLEDGE_KO


def test_a_new_pledge_text_added_in_the_admin_becomes_the_next_version():
    assignment = scoring_assignment()
    from django.contrib import admin as django_admin

    from matching.admin_practice import RoundPledgeInline

    inline = RoundPledgeInline(EvaluationRound, django_admin.site)
    staff = UserFactory(staff=True)
    formset_class = inline.get_formset(type("R", (), {"user": staff})(), assignment.round)
    prefix = formset_class.get_default_prefix()
    existing = assignment.round.pledges.get()
    data = {
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-0-id": str(existing.pk),
        f"{prefix}-0-round": str(assignment.round.pk),
        f"{prefix}-0-text_ko": existing.text_ko,
        f"{prefix}-0-text_en": existing.text_en,
        f"{prefix}-1-round": str(assignment.round.pk),
        f"{prefix}-1-text_ko": "개정 서약",
        f"{prefix}-1-text_en": "",
    }
    formset = formset_class(data, instance=assignment.round, prefix=prefix)
    assert formset.is_valid(), formset.errors
    formset.save()

    newest = assignment.round.pledges.order_by("-version").first()
    assert (newest.version, newest.text_ko, newest.created_by) == (2, "개정 서약", staff)
    from audit.models import AuditEvent

    # through the service, like any new version: audited
    assert AuditEvent.objects.filter(verb="pledge_written", data={"version": 2}, actor=staff).exists()


def test_staff_export_the_acceptances_and_the_declarations_as_csv(staff_client):
    from django.urls import reverse

    assignment = scoring_assignment()
    pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language="en")
    assignment_declare_no_conflict(assignment=assignment, by=assignment.evaluator.user)

    acceptances = staff_client.post(
        reverse("admin:matching_pledgeacceptance_changelist"),
        {"action": "export_csv", "_selected_action": list(PledgeAcceptance.objects.values_list("pk", flat=True))},
    )
    declarations = staff_client.get(reverse("admin:matching_declarations_csv"))

    email = assignment.evaluator.user.email
    assert email in acceptances.content.decode("utf-8-sig") and ",en," in acceptances.content.decode("utf-8-sig")
    assert email in declarations.content.decode("utf-8-sig")
    assert assignment.application.receipt_number in declarations.content.decode("utf-8-sig")


def test_the_admin_pages_for_pledges_exclusions_and_the_round_with_its_pledge_inline_open(staff_client):
    from django.urls import reverse

    from matching.models import ExclusionRequest

    assignment = scoring_assignment()
    pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language="ko")
    ExclusionRequest.objects.create(application=assignment.application, organisation="A사", reason="r")

    round_page = staff_client.get(reverse("admin:matching_evaluationround_change", args=[assignment.round.pk]))
    pages = [
        staff_client.get(reverse("admin:matching_pledgeacceptance_changelist")),
        staff_client.get(reverse("admin:matching_exclusionrequest_changelist")),
    ]

    assert round_page.status_code == 200 and "서약" in round_page.content.decode()
    assert [page.status_code for page in pages] == [200, 200]
    assert "A사" in pages[1].content.decode()
