"""Overrides, publishing results, the final selection and reserve promotion (DESIGN.md rule 7)."""

import threading
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from audit.models import AuditEvent
from core.errors import DomainError, TransitionNotAllowed
from matching.models import EvaluationRound, Program, RoundResult, SelectionEntry
from matching.services.selection import reserve_promote, result_override, results_publish, selection_finalise
from notifications.models import Notification
from startups.models import Application, StartupMember
from startups.services import application_withdraw
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # The refusals are compared by their English wording.
    with translation.override("en"):
        yield


R = EvaluationRound.Status
A = Application.Status
O = SelectionEntry.Outcome  # noqa: E741
E = Notification.Event


def events_of(obj, verb: str | None = None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).order_by("pk")
    return list(events.filter(verb=verb) if verb else events)


def make_round(*, program=None, order=1, status=R.RESULTS_COMPUTED, **kwargs) -> EvaluationRound:
    program = program or factories.ProgramFactory(reviewing=True, quota=2, reserve_size=2)
    return factories.EvaluationRoundFactory(program=program, order=order, status=status, **kwargs)


def add_results(evaluation_round, outcomes: str, *, status=A.IN_REVIEW) -> list[RoundResult]:
    """One result per letter in rank order: "a" advanced, "n" not advanced, "f" failed (not advanced).
    Each startup has one active member and one who only asked to join."""
    results = []
    for rank, letter in enumerate(outcomes, 1):
        application = factories.ApplicationFactory(in_review=True, program=evaluation_round.program)
        if status != A.IN_REVIEW:
            Application.objects.filter(pk=application.pk).update(status=status)
            application.status = status
        factories.StartupMemberFactory(startup=application.startup)
        factories.StartupMemberFactory(startup=application.startup, status=StartupMember.Status.REQUESTED)
        results.append(
            factories.RoundResultFactory(
                round=evaluation_round, application=application, rank=rank, advanced=letter == "a", failed=letter == "f"
            )
        )
    return results


def statuses(rows) -> list[str]:
    """Current statuses of the applications of `rows` (results or applications), in order."""
    ids = [getattr(row, "application_id", row.pk) for row in rows]
    by_pk = dict(Application.objects.filter(pk__in=ids).values_list("pk", "status"))
    return [by_pk[pk] for pk in ids]


def final_round(program, outcomes: str) -> list[RoundResult]:
    """A published last round (after a published first one) whose participants have advanced."""
    make_round(program=program, order=1, status=R.PUBLISHED)
    return add_results(make_round(program=program, order=2, status=R.PUBLISHED), outcomes, status=A.ADVANCED)


def finalised_program(*, quota=2, reserve_size=2, outcomes="aannn"):
    program = factories.ProgramFactory(reviewing=True, quota=quota, reserve_size=reserve_size)
    results = final_round(program, outcomes)
    selection_finalise(program=program, by="staff")
    program.refresh_from_db()
    return program, [r.application for r in results]


def entry_of(application) -> SelectionEntry:
    return SelectionEntry.objects.get(application=application)


# --- override --------------------------------------------------------------------------------------


def test_an_override_without_a_reason_is_refused_and_changes_nothing(staff_user):
    [result] = add_results(make_round(), "n")

    with pytest.raises(DomainError, match="Say why"):
        result_override(result=result, by=staff_user, advanced=True, reason="  ")

    result.refresh_from_db()
    assert (result.advanced, result.override_reason) == (False, "")
    assert events_of(result) == []


def test_an_override_sets_advancement_and_reason_and_audits_before_and_after(staff_user):
    [result] = add_results(make_round(), "a")

    result_override(result=result, by=staff_user, advanced=False, reason="허위 서류 제출")

    result.refresh_from_db()
    assert (result.advanced, result.override_reason) == (False, "허위 서류 제출")
    [event] = events_of(result, "advancement_overridden")
    assert (event.actor, event.reason) == (staff_user, "허위 서류 제출")
    assert (event.data["before"], event.data["after"]) == (True, False)


def test_a_failed_application_can_be_advanced_by_override_with_a_reason(staff_user):
    [result] = add_results(make_round(), "f")

    result_override(result=result, by=staff_user, advanced=True, reason="심사위원 채점 오류 확인")

    result.refresh_from_db()
    assert result.advanced and result.failed
    assert events_of(result, "advancement_overridden")[0].data["failed"] is True


def test_an_override_that_changes_nothing_is_refused(staff_user):
    [result] = add_results(make_round(), "a")

    with pytest.raises(DomainError, match="already advances"):
        result_override(result=result, by=staff_user, advanced=True, reason="확인")

    assert events_of(result) == []


def test_an_override_after_publication_is_refused(staff_user):
    [result] = add_results(make_round(status=R.PUBLISHED), "n")

    with pytest.raises(DomainError, match="not yet published"):
        result_override(result=result, by=staff_user, advanced=True, reason="늦은 이의 제기")


# --- publish ---------------------------------------------------------------------------------------


def test_publishing_a_round_moves_advanced_and_others_to_their_next_status(staff_user):
    first = make_round()
    make_round(program=first.program, order=2, status=R.SETUP)
    results = add_results(first, "anfa")

    results_publish(round=first, by=staff_user)

    first.refresh_from_db()
    assert first.status == R.PUBLISHED
    assert statuses(results) == [A.ADVANCED, A.NOT_SELECTED, A.NOT_SELECTED, A.ADVANCED]
    assert events_of(results[1].application, "status_changed")[0].actor == staff_user


def test_publishing_queues_one_round_result_notice_per_active_member(staff_user):
    first = make_round()
    make_round(program=first.program, order=2, status=R.SETUP)
    results = add_results(first, "an")

    results_publish(round=first, by=staff_user)

    notices = list(Notification.objects.filter(event=E.ROUND_RESULT))
    assert {n.object_id: n.context["advanced"] for n in notices} == {
        str(results[0].application_id): True,
        str(results[1].application_id): False,
    }
    assert len(notices) == 2
    assert {n.recipient.startup_memberships.get().status for n in notices} == {StartupMember.Status.ACTIVE}


def test_publishing_twice_is_refused_and_queues_nothing_more(staff_user):
    first = make_round()
    make_round(program=first.program, order=2, status=R.SETUP)
    add_results(first, "an")
    results_publish(round=first, by=staff_user)

    with pytest.raises(TransitionNotAllowed):
        results_publish(round=first, by=staff_user)

    assert Notification.objects.count() == 2


def test_in_a_later_round_the_advanced_stay_advanced_and_the_others_are_not_selected(staff_user):
    program = factories.ProgramFactory(reviewing=True)
    make_round(program=program, order=1, status=R.PUBLISHED)
    second = make_round(program=program, order=2)
    make_round(program=program, order=3, status=R.SETUP)
    results = add_results(second, "an", status=A.ADVANCED)

    results_publish(round=second, by=staff_user)

    assert statuses(results) == [A.ADVANCED, A.NOT_SELECTED]
    assert events_of(results[0].application, "status_changed") == []


def test_publishing_the_last_round_changes_no_status_and_sends_no_notice(staff_user):
    results = add_results(make_round(), "an")

    results_publish(round=results[0].round, by=staff_user)

    assert statuses(results) == [A.IN_REVIEW, A.IN_REVIEW]
    assert not Notification.objects.exists()


def test_publishing_ignores_withdrawn_applications(staff_user):
    first = make_round()
    make_round(program=first.program, order=2, status=R.SETUP)
    results = add_results(first, "an", status=A.WITHDRAWN)

    results_publish(round=first, by=staff_user)

    assert statuses(results) == [A.WITHDRAWN, A.WITHDRAWN]
    assert not Notification.objects.exists()


def test_results_marked_out_of_date_are_not_published_until_computed_again(staff_user):
    first = make_round()
    make_round(program=first.program, order=2, status=R.SETUP)
    results = add_results(first, "an")
    EvaluationRound.objects.filter(pk=first.pk).update(results_stale=True)  # `first` still reads False

    with pytest.raises(DomainError) as refused:
        results_publish(round=first, by=staff_user)

    assert refused.value.code == "results_stale"
    assert "compute the results again before publishing them" in refused.value.message
    first.refresh_from_db()
    assert first.status == R.RESULTS_COMPUTED
    assert statuses(results) == [A.IN_REVIEW, A.IN_REVIEW]
    assert not Notification.objects.exists()
    assert events_of(first, "status_changed") == []


def _publish_queries(size: int) -> int:
    first = make_round()
    make_round(program=first.program, order=2, status=R.SETUP)
    add_results(first, "an" * size)
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as captured:
        results_publish(round=first, by="staff")
    return len(captured.captured_queries)


def test_publishing_takes_the_same_number_of_queries_for_few_and_many_applications():
    assert _publish_queries(2) == _publish_queries(12)


# --- finalise --------------------------------------------------------------------------------------


def test_finalising_selects_the_quota_and_the_reserve_in_rank_order_skipping_failed(staff_user):
    program = factories.ProgramFactory(reviewing=True, quota=2, reserve_size=2)
    results = final_round(program, "afannn")  # ranks 1..6; rank 2 failed

    selection_finalise(program=program, by=staff_user)

    entries = [entry_of(r.application) for r in results]
    assert [(e.outcome, e.position) for e in entries] == [
        (O.SELECTED, 1),
        (O.NOT_SELECTED, None),
        (O.SELECTED, 2),
        (O.RESERVE, 1),
        (O.RESERVE, 2),
        (O.NOT_SELECTED, None),
    ]
    assert statuses(results) == [A.SELECTED, A.NOT_SELECTED, A.SELECTED, A.RESERVE, A.RESERVE, A.NOT_SELECTED]


def test_finalising_makes_the_program_final_and_audits_it(staff_user):
    program = factories.ProgramFactory(reviewing=True, quota=1, reserve_size=1)
    final_round(program, "aan")

    selection_finalise(program=program, by=staff_user)

    program.refresh_from_db()
    assert program.status == Program.Status.FINALISED
    [event] = events_of(program, "status_changed")
    assert (event.actor, event.to_state) == (staff_user, "finalised")
    assert (event.data["selected"], event.data["reserve"], event.data["not_selected"]) == (1, 1, 1)


def test_finalising_queues_one_decision_per_active_member_with_the_outcome(staff_user):
    program = factories.ProgramFactory(reviewing=True, quota=1, reserve_size=1)
    results = final_round(program, "aan")

    selection_finalise(program=program, by=staff_user)

    notices = {int(n.object_id): n.context for n in Notification.objects.filter(event=E.SELECTION_DECISION)}
    assert [(notices[r.application_id]["outcome"], notices[r.application_id]["position"]) for r in results] == [
        (A.SELECTED, 1),
        (A.RESERVE, 1),
        (A.NOT_SELECTED, None),
    ]


def test_with_one_partner_the_selected_are_matched_to_it_and_with_two_to_none():
    one = factories.ProgramFactory(reviewing=True, quota=1, reserve_size=0)
    only = factories.ProgramPartnerFactory(program=one).partner
    [single] = final_round(one, "a")
    two = factories.ProgramFactory(reviewing=True, quota=1, reserve_size=0)
    factories.ProgramPartnerFactory(program=two, seats=1)
    factories.ProgramPartnerFactory(program=two, seats=1)
    [double] = final_round(two, "a")

    selection_finalise(program=one, by="staff")
    selection_finalise(program=two, by="staff")

    assert entry_of(single.application).partner == only
    assert entry_of(double.application).partner is None


def test_a_program_with_a_single_round_selects_straight_from_review():
    program = factories.ProgramFactory(reviewing=True, quota=1, reserve_size=1)
    results = add_results(make_round(program=program, status=R.PUBLISHED), "ann")

    selection_finalise(program=program, by="staff")

    assert statuses(results) == [A.SELECTED, A.RESERVE, A.NOT_SELECTED]


def test_finalising_twice_is_refused():
    program, _ = finalised_program()

    with pytest.raises(DomainError, match="already final"):
        selection_finalise(program=program, by="staff")


def test_finalising_with_fewer_candidates_than_the_quota_says_how_many_and_changes_nothing():
    program = factories.ProgramFactory(reviewing=True, quota=3, reserve_size=0)
    results = final_round(program, "aff")

    with pytest.raises(DomainError, match="Only 1 application can be selected, fewer than the quota of 3"):
        selection_finalise(program=program, by="staff")

    assert not SelectionEntry.objects.exists()
    assert statuses(results) == [A.ADVANCED] * 3


def test_finalising_before_the_last_round_is_published_is_refused():
    program = factories.ProgramFactory(reviewing=True, quota=1)
    add_results(make_round(program=program), "a")

    with pytest.raises(DomainError, match="Publish the results"):
        selection_finalise(program=program, by="staff")


def _finalise_queries(size: int) -> int:
    program = factories.ProgramFactory(reviewing=True, quota=size, reserve_size=size)
    factories.ProgramPartnerFactory(program=program)
    final_round(program, "a" * (3 * size))
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as captured:
        selection_finalise(program=program, by="staff")
    return len(captured.captured_queries)


def test_finalising_takes_the_same_number_of_queries_for_few_and_many_applications():
    assert _finalise_queries(1) == _finalise_queries(6)


# --- withdrawal and reserve promotion --------------------------------------------------------------


def test_a_selected_startup_withdrawing_promotes_the_first_reserve_to_its_place(staff_user):
    program, (first, second, reserve1, reserve2, _) = finalised_program()

    application_withdraw(application=first, by=staff_user, reason="해외 법인 설립으로 참여 불가")

    promoted = entry_of(reserve1)
    assert (promoted.outcome, promoted.position, promoted.promoted_at is not None) == (O.SELECTED, 1, True)
    assert (entry_of(first).outcome, entry_of(first).position) == (O.NOT_SELECTED, None)
    assert (entry_of(reserve2).outcome, entry_of(reserve2).position) == (O.RESERVE, 1)
    assert statuses([first, second, reserve1, reserve2]) == [
        A.WITHDRAWN,
        A.SELECTED,
        A.SELECTED,
        A.RESERVE,
    ]


def test_a_promoted_reserve_takes_over_the_matched_partner_of_the_withdrawn_startup(staff_user):
    program = factories.ProgramFactory(reviewing=True, quota=1, reserve_size=1)
    partner = factories.ProgramPartnerFactory(program=program).partner
    first, reserve = (r.application for r in final_round(program, "aa"))
    selection_finalise(program=program, by=staff_user)

    application_withdraw(application=first, by=staff_user, reason="참여 포기")

    assert (entry_of(first).partner, entry_of(reserve).partner) == (None, partner)


def test_a_reserve_promotion_queues_a_notice_and_leaves_an_audit_event(staff_user):
    program, (first, _, reserve1, _, _) = finalised_program()

    application_withdraw(application=first, by=staff_user, reason="참여 포기")

    [notice] = Notification.objects.filter(event=E.RESERVE_PROMOTED)
    assert (notice.object_id, notice.context["position"]) == (str(reserve1.pk), 1)
    [event] = events_of(entry_of(reserve1), "reserve_promoted")
    assert (event.actor, event.reason, event.data["reserve_position"]) == (staff_user, "참여 포기", 1)


def test_an_applicant_withdrawing_a_selected_application_promotes_the_reserve_too():
    from startups.services.applications import application_withdraw_by_applicant

    program, (first, _, reserve1, _, _) = finalised_program()
    founder = first.startup.members.get(status=StartupMember.Status.ACTIVE).user

    application_withdraw_by_applicant(application=first, by=founder, reason="사정상 포기")

    assert entry_of(reserve1).outcome == O.SELECTED


def test_a_withdrawn_reserve_leaves_the_reserve_and_the_next_moves_up(staff_user):
    program, (_, _, reserve1, reserve2, _) = finalised_program()

    application_withdraw(application=reserve1, by=staff_user)

    assert (entry_of(reserve1).outcome, entry_of(reserve2).position) == (O.NOT_SELECTED, 1)
    assert not Notification.objects.filter(event=E.RESERVE_PROMOTED).exists()


def test_with_no_reserve_left_a_withdrawal_is_recorded_and_nobody_is_promoted(staff_user):
    program, (first, *_rest) = finalised_program(quota=2, reserve_size=0, outcomes="aa")

    application_withdraw(application=first, by=staff_user, reason="폐업")

    [event] = events_of(program, "reserve_exhausted")
    assert (event.reason, event.data["position"]) == ("폐업", 1)
    assert SelectionEntry.objects.filter(outcome=O.SELECTED).count() == 1


def test_reserve_promote_called_directly_returns_none_when_the_reserve_is_empty():
    program, _ = finalised_program(quota=2, reserve_size=0, outcomes="aa")

    assert reserve_promote(program=program, by="staff", reason="점검") is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_selected_startups_withdrawing_at_once_promote_two_different_reserves():
    program, (first, second, reserve1, reserve2, _) = finalised_program()
    first_inside, let_first_commit = threading.Event(), threading.Event()
    errors = []

    def withdraw_first():
        # Hold the first withdrawal's transaction open while the second one starts.
        try:
            with transaction.atomic():
                application_withdraw(application=first, by="staff", reason="동시 포기")
                first_inside.set()
                let_first_commit.wait(timeout=10)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            first_inside.set()
            connections.close_all()

    def withdraw_second():
        try:
            application_withdraw(application=second, by="staff", reason="동시 포기")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=withdraw_first), threading.Thread(target=withdraw_second)]
    threads[0].start()
    first_inside.wait(timeout=10)
    threads[1].start()
    time.sleep(0.5)  # the second withdrawal is now waiting for the program row
    let_first_commit.set()
    for thread in threads:
        thread.join()

    assert errors == []
    selected = SelectionEntry.objects.filter(program=program, outcome=O.SELECTED)
    assert sorted(selected.values_list("application_id", "position")) == [(reserve1.pk, 1), (reserve2.pk, 2)]
    assert Notification.objects.filter(event=E.RESERVE_PROMOTED).count() == 2
